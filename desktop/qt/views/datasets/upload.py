"""Importing a folder into a backend that cannot read it: ``omni_core.datasets.remote_import`` on the
session's worker pool, with its progress brought to the UI thread and a Cancel that stops between images.
"""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal, Slot

from desktop.client import Connection
from desktop.qt.session import Session
from omni_core.datasets.remote_import import ImportProgress, remote_import
from omni_core.formats.report import ImportReport
from protos.omni.v1 import datasets_pb2


class FolderUpload(QObject):
    """One remote import. ``progressed`` (ImportProgress), then ``finished`` (ImportReport) or ``failed``
    (the exception), all on the UI thread."""

    progressed = Signal(object)
    finished = Signal(object)
    failed = Signal(object)
    _progress = Signal(object)  # emitted on the worker thread

    def __init__(self, session: Session, spec: datasets_pb2.ImportDatasetSpec, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.spec = datasets_pb2.ImportDatasetSpec()
        self.spec.CopyFrom(spec)
        self._cancel = threading.Event()
        self._progress.connect(self._relay, Qt.ConnectionType.QueuedConnection)

    @property
    def cancelling(self) -> bool:
        return self._cancel.is_set()

    def start(self) -> None:
        spec, cancel = self.spec, self._cancel

        def work(connection: Connection) -> ImportReport:
            return remote_import(
                connection, Path(spec.path), spec.format, spec.name, list(spec.classes), progress=self._tell,
                cancel=cancel,
            )  # fmt: skip

        self.session.run(work, owner=self, on_result=self.finished.emit, on_error=self.failed.emit)

    def cancel(self) -> None:
        """Stop after the image being sent; what was sent stays, and importing again sends the rest."""
        self._cancel.set()

    def _tell(self, progress: ImportProgress) -> None:  # on the worker thread
        try:
            self._progress.emit(progress)
        except RuntimeError:  # this object is gone (the view closed): nobody watches, so stop
            self._cancel.set()

    @Slot(object)
    def _relay(self, progress: ImportProgress) -> None:
        self.progressed.emit(progress)
