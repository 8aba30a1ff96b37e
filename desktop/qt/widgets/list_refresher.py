"""Keep one list from the backend fresh (model versions, reports): fetched off the UI thread, one call at
a time, and again whenever it may have changed — on connecting, when the jobs stream's snapshot completes
(a reconnect may have missed changes), when a job of the watched kinds finishes, and on demand.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from PySide6.QtCore import QObject

from desktop.client import Connection
from desktop.models.job_watch import JobFinishWatcher
from desktop.qt.session import Session
from protos.omni.v1 import jobs_pb2


class ListRefresher:
    def __init__(
        self,
        session: Session,
        owner: QObject,
        fetch: Callable[[Connection], Any],
        *,
        on_result: Callable[[Any], object],
        on_error: Callable[[BaseException], object],
        on_clear: Callable[[], object],
        kinds: Collection[str],
        when: Callable[[jobs_pb2.Job], bool] = lambda _job: True,
    ) -> None:
        """``fetch(connection)`` gives the list; ``on_clear`` forgets the list of a previous backend;
        a finished job of ``kinds`` refreshes the list if ``when(job)``."""
        self.session = session
        self.owner = owner
        self.fetch = fetch
        self.on_result, self.on_error, self.on_clear = on_result, on_error, on_clear
        self.loading = False
        self.loaded_for: str | None = None  # the address of the backend the list came from
        self._again = False  # a refresh was asked for while one ran
        self.watcher = JobFinishWatcher(session.jobs, kinds)
        self.watcher.finished.connect(lambda job: self.refresh() if when(job) else None)
        session.jobs.snapshot_done.connect(self.refresh)
        session.connection_model.changed.connect(self._connection_changed)

    def refresh(self) -> None:
        if self.loading:
            self._again = True
            return
        self.loading = True
        self.session.run(self.fetch, owner=self.owner, on_result=self._result, on_error=self._error)

    def ensure_loaded(self) -> None:
        """Fetch once if nothing was fetched from this backend yet (e.g. when the view is first shown)."""
        if self.loaded_for is None and not self.loading and self.session.connection_model.connected:
            self.refresh()

    def _address(self) -> str | None:
        target = self.session.connection_model.target
        return target.address if target is not None else None

    def _result(self, value: Any) -> None:
        self.loading = False
        self.loaded_for = self._address()
        self._next()  # first, so ``loading`` tells the callback whether a fresher list is on its way
        self.on_result(value)

    def _error(self, error: BaseException) -> None:
        self.loading = False
        self._next()
        self.on_error(error)

    def _next(self) -> None:
        if self._again:
            self._again = False
            self.refresh()

    def _connection_changed(self) -> None:
        if self.session.connection_model.connected and self._address() != self.loaded_for:
            if self.loaded_for is not None:
                self.loaded_for = None
                self.on_clear()
            self.refresh()
