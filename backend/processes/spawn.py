"""Start a child process with multiprocessing's *spawn* method (it shares nothing with the server's threads, and
torch or ONNX Runtime are imported there only) on one duplex pipe.

The child's entry point is called with ``conn`` (its end of the pipe) and ``parent_pid`` (for its
``watchdog``) besides the keyword arguments given to ``spawn``.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

CONTEXT = multiprocessing.get_context("spawn")
STOP_WAIT_S = 5.0
_STARTING = threading.Lock()


class ChildGone(ConnectionError):
    """The pipe to the child is broken: it exited, or was killed, before it said why."""


@dataclass
class Child:
    """The parent's handle on a spawned child: its process and the parent's end of the pipe."""

    process: BaseProcess
    conn: Connection

    def send(self, message: object) -> None:
        try:
            self.conn.send(message)
        except (BrokenPipeError, ConnectionResetError) as gone:
            raise ChildGone(f"the child {self.process.name} is gone") from gone

    def poll(self, timeout: float | None = 0.0) -> bool:
        """Whether a message (or the pipe's end) is waiting, within ``timeout`` seconds."""
        return self.conn.poll(timeout)

    def receive(self) -> Any:
        """The next message; ``ChildGone`` once the child has ended and everything it sent was read."""
        try:
            return self.conn.recv()
        except (EOFError, OSError) as gone:
            raise ChildGone(f"the child {self.process.name} is gone") from gone

    def alive(self) -> bool:
        return self.process.is_alive()

    def terminate(self, wait_s: float = STOP_WAIT_S) -> None:
        """SIGTERM, then SIGKILL what ignores it (a child still importing torch on a busy machine), and reap it."""
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(timeout=wait_s)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(timeout=wait_s)


def spawn(target: Callable[..., None], *, name: str, daemon: bool = True, **kwargs: Any) -> Child:
    """Start ``target(conn=..., parent_pid=..., **kwargs)`` in a new process. A child that starts processes of its
    own (a job's DataLoader workers) must not be a ``daemon``."""
    parent_end, child_end = CONTEXT.Pipe(duplex=True)
    process = CONTEXT.Process(
        target=target, name=name, kwargs={**kwargs, "conn": child_end, "parent_pid": os.getpid()}, daemon=daemon
    )
    with _main_left_out(target):
        process.start()
    child_end.close()  # else the parent never sees EOF when the child dies
    return Child(process, parent_end)


@contextmanager
def _main_left_out(target: Callable[..., None]) -> Iterator[None]:
    """While a child starts, show multiprocessing a ``__main__`` without a file or a spec, so the child does not
    import the parent's main script again (as ``__mp_main__``) before calling its target. Under ``omni serve``
    that script is the whole CLI (grpc, rich, the desktop's view-models): 0.5-0.9 s of every job's start on a
    core shared with a training here. A target defined in ``__main__`` itself needs it, and keeps it."""
    if getattr(target, "__module__", "") == "__main__":
        yield
        return
    with _STARTING:  # one swap at a time, undone as soon as the child has started
        main = sys.modules["__main__"]
        sys.modules["__main__"] = types.ModuleType("__main__")
        try:
            yield
        finally:
            sys.modules["__main__"] = main
