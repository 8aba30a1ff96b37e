"""A child ends when the process that started it is gone: SIGKILL of the parent leaves no signal to catch, so a
thread watches ``os.getppid()``."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable

POLL_S = 0.5
ORPHANED_EXIT_CODE = 70


def _watch(parent_pid: int, on_orphaned: Callable[[], None] | None) -> None:
    while os.getppid() == parent_pid:
        time.sleep(POLL_S)
    if on_orphaned is not None:
        on_orphaned()
    os._exit(ORPHANED_EXIT_CODE)


def watch_parent(parent_pid: int, on_orphaned: Callable[[], None] | None = None) -> threading.Thread:
    """Start the watchdog; once ``parent_pid`` is no longer this process's parent, run ``on_orphaned`` (say, kill
    what the child started) and exit at once."""
    thread = threading.Thread(target=_watch, args=(parent_pid, on_orphaned), daemon=True, name="parent-watch")
    thread.start()
    return thread
