"""What ``omni restore --remote`` and ``omni detect --remote`` share: a run streamed from this machine shown as a
job is (progress, log lines, items), ``Reconnect``'s policy when the stream breaks, and Ctrl+C setting the run's
stop event (the stream is cancelled at once; only whole outputs are left; a second Ctrl+C interrupts).
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import FrameType
from typing import Generic, TypeVar

from desktop.client import BackendError
from desktop.client.retry import Reconnect
from omni_cli.display import JobDisplay
from omni_cli.follow import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK
from omni_core.errors import OmniError
from protos.omni.v1 import jobs_pb2

R = TypeVar("R")
STOPPED_TEXT = "\nstopped: the outputs written are whole; run the same command again to resume"


class StreamDisplay:
    """Feeds a remote run's progress, log lines and items to the same display a job gets."""

    def __init__(self, display: JobDisplay) -> None:
        self.display = display
        self.lock = threading.Lock()

    def progress(self, view: object) -> None:
        from omni_core.batch.remote import ProgressView

        assert isinstance(view, ProgressView)
        progress = jobs_pb2.Progress(
            done=view.done,
            total=view.total,
            eta_seconds=view.eta_seconds,
            rate=view.rate,
            unit="images",
            message=view.message,
        )
        with self.lock:
            self.display.show(jobs_pb2.JobEvent(progress=progress))

    def log(self, message: str, level: str) -> None:
        value = jobs_pb2.LogLine.LEVEL_WARNING if level == "warning" else jobs_pb2.LogLine.LEVEL_INFO
        with self.lock:
            self.display.show(jobs_pb2.JobEvent(log=jobs_pb2.LogLine(level=value, message=message)))

    def item(self, outcome: jobs_pb2.ItemOutcome) -> None:
        with self.lock:
            self.display.show(jobs_pb2.JobEvent(item=outcome))


@contextlib.contextmanager
def stop_on_ctrl_c(stop: threading.Event) -> Iterator[None]:
    """Ctrl+C sets ``stop`` (the run stops cleanly, as the desktop's Cancel does); a second one interrupts."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def first(signum: int, frame: FrameType | None) -> None:
        stop.set()
        signal.signal(signal.SIGINT, signal.default_int_handler)

    previous = signal.signal(signal.SIGINT, first)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@dataclass
class Streamed(Generic[R]):
    """How ``stream_run`` ended: ``result`` when the run returned and was not stopped; else None and the exit
    ``code`` (the reason already printed)."""

    result: R | None = None
    code: int = EXIT_OK


def stream_run(
    job: jobs_pb2.Job,
    run: Callable[..., R],
    *,
    stopped: Callable[[R], bool],
) -> Streamed[R]:
    """Call ``run(on_progress=, on_log=, on_item=, retry=, stop=)`` under a job display, with Ctrl+C setting
    ``stop``. A run that ``stopped(result)`` says, or a KeyboardInterrupt (a second Ctrl+C), prints that the outputs
    are whole and gives EXIT_INTERRUPTED; the run's refusal (OmniError, BackendError) prints its message and gives
    EXIT_FAILED. A lost connection is said the same way for every command: "connection lost (why); reconnecting
    in N s"."""
    stop = threading.Event()
    with JobDisplay(job) as display, stop_on_ctrl_c(stop):
        feed = StreamDisplay(display)
        reconnect = Reconnect(
            on_wait=lambda error, delay: feed.log(
                f"connection lost ({error}); reconnecting in {delay:.1f} s", "warning"
            ),
            should_stop=stop.is_set,
        )

        def progress(view: object) -> None:
            reconnect.progressed()
            feed.progress(view)

        try:
            result = run(on_progress=progress, on_log=feed.log, on_item=feed.item, retry=reconnect.again, stop=stop)
            interrupted = stopped(result)
        except KeyboardInterrupt:  # a second Ctrl+C: the run wrote its summary as "stopped" and re-raised
            interrupted = True
        except (OmniError, BackendError) as error:
            print(f"omni: {error.message}", file=sys.stderr)
            return Streamed(code=EXIT_FAILED)
    if interrupted:
        print(STOPPED_TEXT, file=sys.stderr)
        return Streamed(code=EXIT_INTERRUPTED)
    return Streamed(result=result)
