"""No process a job starts outlives the job.

A job's worker process leads a process group of its own (``lead_own_group``); whatever it starts (PyTorch
DataLoader workers, Ultralytics' loaders, helpers) joins that group. However the worker ends - returning,
cancelled, SIGTERM or SIGKILL after the grace period, or on its own when the backend died - the group is
killed with it:

- the worker, on its way out, ends the rest of its group (``end_own_group``);
- the manager, once the worker has exited but before reaping it (so its pid, and the group id, cannot have
  been reused), kills the group (``stop_worker``);
- a DataLoader worker asks the kernel for SIGKILL when the process that started it dies
  (``die_with_parent``, its ``worker_init_fn``): a SIGKILLed job process runs no cleanup, and PyTorch's own
  watchdog looks for a dead parent only every few seconds, between batches.

Process groups and parent-death signals are POSIX/Linux; elsewhere these are no-ops and the plain
terminate/kill of the worker remains.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import time
from multiprocessing.process import BaseProcess

PR_SET_PDEATHSIG = 1
POLL_S = 0.02
TERMINATE_WAIT_S = 2.0


def lead_own_group() -> None:
    """Make this process the leader of a new process group (call first thing in a job's worker)."""
    if hasattr(os, "setpgid"):
        with contextlib.suppress(OSError):  # already a group leader (or a session leader): nothing to do
            os.setpgid(0, 0)


def end_own_group() -> None:
    """SIGTERM the other processes of the group this process leads (from the main thread, on the way out);
    whatever ignores it is SIGKILLed by the manager once this process has exited."""
    if not hasattr(os, "killpg") or os.getpgid(0) != os.getpid():
        return
    # PyTorch's SIGCHLD handler would raise in this process for each DataLoader worker that dies now
    if hasattr(signal, "SIGCHLD"):
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    previous = signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        with contextlib.suppress(OSError):
            os.killpg(0, signal.SIGTERM)
    finally:
        signal.signal(signal.SIGTERM, previous)


def kill_own_group() -> None:
    """SIGKILL this process's whole group, this process included (the backend died: nobody is left to ask)."""
    if hasattr(os, "killpg") and os.getpgid(0) == os.getpid():
        os.killpg(0, signal.SIGKILL)


def die_with_parent(parent_pid: int, *_worker_id: object) -> None:
    """Have the kernel SIGKILL this process when its parent dies (Linux); exit now if it died already.
    A DataLoader ``worker_init_fn`` (which is given the worker's number): bind the parent's pid with
    ``functools.partial(die_with_parent, os.getpid())``. The kernel sends it when the *thread* that started
    the worker ends, so iterate the loader from the thread that outlives it (a job's main thread)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid and not _pid_exists(parent_pid):  # it died before the request took effect
        os._exit(1)  # (another parent that lives: a forkserver started this process for it)


def _wait_state(pid: int) -> str:
    """ "running", "exited" (a zombie: not reaped, its pid still ours) or "reaped" (by anyone), for a child."""
    if not hasattr(os, "waitid"):
        return "running" if _pid_exists(pid) else "reaped"
    try:
        state = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:
        return "reaped"
    return "running" if state is None else "exited"


def has_exited(pid: int) -> bool:
    """Whether the child ``pid`` has ended, without reaping it (its pid stays ours until it is joined)."""
    return _wait_state(pid) != "running"


def _pid_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def wait_exited(pid: int, timeout: float) -> bool:
    """Wait up to ``timeout`` seconds for the child ``pid`` to end (not reaping it); whether it did."""
    deadline = time.monotonic() + timeout
    while not has_exited(pid):
        if time.monotonic() >= deadline:
            return False
        time.sleep(POLL_S)
    return True


def stop_worker(process: BaseProcess, grace_s: float = 0.0) -> None:
    """End a job's worker and its whole process group, then reap it: wait ``grace_s`` for it to end on its
    own, then SIGTERM, then SIGKILL; then SIGKILL the group it led (what it started and left behind)."""
    pid = process.pid
    if pid is None:
        return
    if not wait_exited(pid, grace_s):
        for sig in (signal.SIGTERM, signal.SIGKILL):
            if _wait_state(pid) == "running":
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, sig)
            if wait_exited(pid, TERMINATE_WAIT_S):
                break
    # only while the worker is a zombie, which holds its pid, is the group id surely still this job's
    if hasattr(os, "killpg") and _wait_state(pid) == "exited":
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)
    process.join(timeout=TERMINATE_WAIT_S)
