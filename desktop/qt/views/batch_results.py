"""The Batch view's results: the files a run has finished, and the before/after viewer of the one chosen.

Images are read off the UI thread; a load that arrives after another file was chosen is dropped."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QGroupBox,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.models.batch_run_model import BatchRunModel
from desktop.qt.widgets.file_viewer import FileViewer
from desktop.qt.widgets.split_viewer import load_image
from desktop.qt.workers import TaskRunner

CHOOSE_TEXT = "Choose a restored file to compare it with its input."


class BatchResults(QGroupBox):
    def __init__(self, run: BatchRunModel, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__("Results", parent)
        self.run = run
        self.runner = runner
        self._shown = ""  # the file in the viewer
        pane = FileViewer(CHOOSE_TEXT)
        self.files, self.viewer, self.viewer_status = pane.files, pane.viewer, pane.status
        self.files.currentItemChanged.connect(self._file_chosen)
        QVBoxLayout(self).addWidget(pane)

        run.reset.connect(self.clear)
        run.failure_added.connect(lambda failure: self._mark_failed(failure.input))
        run.file_finished.connect(self.add_file)

    def clear(self) -> None:
        self.files.clear()
        self.viewer.clear()
        self._shown = ""
        self.viewer_status.setText(CHOOSE_TEXT)

    def add_file(self, name: str) -> None:
        if self.files.findItems(name, Qt.MatchFlag.MatchExactly):
            return
        item = QListWidgetItem(name)
        item.setData(Qt.ItemDataRole.UserRole, name)
        self.files.addItem(item)
        if self._failed(name):
            self._mark_failed(name)
        elif self.files.currentItem() is None:
            self.files.setCurrentItem(item)

    def _failed(self, name: str) -> bool:
        return any(failure.input == name for failure in self.run.failures)

    def _mark_failed(self, name: str) -> None:
        for item in self.files.findItems(name, Qt.MatchFlag.MatchExactly):
            item.setForeground(Qt.GlobalColor.red)
            item.setToolTip("failed: see Failures")

    def _file_chosen(self, item: QListWidgetItem | None) -> None:
        if item is not None:
            self.show_file(str(item.data(Qt.ItemDataRole.UserRole)))

    def show_file(self, name: str) -> None:
        """Load the input and output of ``name`` (as named in the run) into the viewer, off the UI thread."""
        self._shown = name  # a load still on its way for another file is dropped
        if self._failed(name):
            self.viewer.clear()
            self.viewer_status.setText(f"{name} was not restored.")
            return
        source, output = self.run.paths_of(name)
        self.viewer_status.setText(f"Loading {name}…")

        def load() -> tuple[QImage, QImage]:
            return load_image(source), load_image(output)

        self.runner.run(
            load,
            owner=self,
            on_result=lambda pair: self._show_pair(name, source, output, pair),
            on_error=lambda error: self.viewer_status.setText(f"could not read {name}: {error}"),
        )

    def _show_pair(self, name: str, source: Path, output: Path, pair: tuple[QImage, QImage]) -> None:
        if name != self._shown:
            return  # another file was chosen meanwhile
        before, after = pair
        missing = [str(path) for path, image in ((source, before), (output, after)) if image.isNull()]
        if missing:
            self.viewer.clear()
            self.viewer_status.setText("Cannot read " + ", ".join(missing) + " (not on this machine?)")
            return
        self.viewer.set_images(before, after, ("Before", "After"))
        self.viewer_status.setText(
            f"{name} · {before.width()}x{before.height()} · drag the line to compare, wheel to zoom"
        )
