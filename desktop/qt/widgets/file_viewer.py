"""A list of files beside a before/after viewer with a status line and Fit: the results pane of the Batch view's
Restore and Detect modes."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QListWidget, QPushButton, QSplitter, QVBoxLayout, QWidget

from desktop.qt.widgets.common import muted_label
from desktop.qt.widgets.split_viewer import SplitViewer


class FileViewer(QSplitter):
    """``files`` (the list), ``viewer`` (the before/after images) and ``status`` (what the viewer shows)."""

    def __init__(self, status_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.files = QListWidget()
        self.viewer = SplitViewer()
        self.status = muted_label(status_text)
        fit = QPushButton("Fit")
        fit.clicked.connect(self.viewer.fit)
        top = QHBoxLayout()
        top.addWidget(self.status, 1)
        top.addWidget(fit)
        viewer_box = QWidget()
        viewer_layout = QVBoxLayout(viewer_box)
        viewer_layout.setContentsMargins(0, 0, 0, 0)
        viewer_layout.addLayout(top)
        viewer_layout.addWidget(self.viewer, 1)
        self.addWidget(self.files)
        self.addWidget(viewer_box)
        self.setStretchFactor(1, 1)
        self.setSizes([180, 580])
