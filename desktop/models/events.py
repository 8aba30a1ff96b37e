"""A minimal, Qt-free event: a list of callbacks called in order with the same arguments.

View-models expose one ``Event`` per kind of change; widgets connect to them and redraw. Everything runs
on the caller's thread: the Qt layer only ever changes a view-model on the UI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, ParamSpec

P = ParamSpec("P")


class Event(Generic[P]):
    """``event.connect(callback)``; ``event.emit(*args)`` calls every callback with ``args``."""

    def __init__(self) -> None:
        self._callbacks: list[Callable[P, object]] = []

    def connect(self, callback: Callable[P, object]) -> Callable[P, object]:
        """Add ``callback`` (once) and return it, so this also works as a decorator."""
        if callback not in self._callbacks:
            self._callbacks.append(callback)
        return callback

    def disconnect(self, callback: Callable[P, object]) -> None:
        if callback in self._callbacks:
            self._callbacks.remove(callback)

    def emit(self, *args: P.args, **kwargs: P.kwargs) -> None:
        for callback in list(self._callbacks):  # a callback may disconnect itself
            callback(*args, **kwargs)

    def __len__(self) -> int:
        return len(self._callbacks)
