"""The Datasets view against a real backend: import a folder (a job, with progress from the live jobs
stream), the list's counts and statistics, class edits (and the server's refusal), export, create,
delete, and "Open in Annotate"."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.client import Connection
from desktop.client.embedded import EmbeddedBackend
from desktop.qt.main_window import MainWindow
from desktop.qt.views.annotate import AnnotateView
from desktop.qt.views.datasets import DatasetsView
from desktop.qt.views.datasets import view as datasets_view
from desktop.qt.views.datasets.dialogs import CreateDialog, ExportDialog, ImportDialog
from protos.omni.v1 import datasets_pb2
from tests.desktop.annotate.helpers import UI_TIMEOUT_MS, close_window, open_window, write_images

JOB_TIMEOUT_MS = 60_000


@pytest.fixture
def window(qtbot: QtBot, backend: EmbeddedBackend) -> Iterator[MainWindow]:
    main = open_window(qtbot, backend.target)
    qtbot.waitUntil(lambda: main.session.jobs.snapshot_complete, timeout=UI_TIMEOUT_MS)
    yield main
    close_window(main)


def filled(fill: Callable[[object], None]) -> Callable[[object], int]:
    """A dialog's ``exec`` that types into it as a user would and presses OK."""

    def run(dialog: object) -> int:
        fill(dialog)
        dialog._accept()  # type: ignore[attr-defined]
        return int(dialog.result())  # type: ignore[attr-defined]

    return run


def test_import_stats_classes_export_create_delete_and_open(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "incoming"
    write_images(folder, 5, seed=3)
    view = window.show_view("Datasets")
    assert isinstance(view, DatasetsView)
    model = view.model
    qtbot.waitUntil(lambda: model.loaded, timeout=UI_TIMEOUT_MS)

    def fill_import(dialog: ImportDialog) -> None:
        dialog.path.setText(str(folder))
        dialog.name.setCurrentText("incoming")

    assert window.session.connection_model.reads_our_folders  # on loopback with host paths: an import job
    monkeypatch.setattr(ImportDialog, "exec", filled(fill_import))  # type: ignore[arg-type]
    view.import_button.click()
    qtbot.waitUntil(lambda: "Importing" in view.job_label.text(), timeout=UI_TIMEOUT_MS)
    qtbot.waitUntil(lambda: (d := model.dataset("incoming")) is not None and d.image_count == 5, timeout=JOB_TIMEOUT_MS)
    qtbot.waitUntil(lambda: "incoming: 5 images added" in view.job_label.text(), timeout=UI_TIMEOUT_MS)
    row = view.table_model.rows[view.table_model.row_of("incoming") or 0]
    assert row.cells[:3] == ("incoming", "5", "5")

    model.select("incoming")
    qtbot.waitUntil(lambda: model.stats is not None, timeout=UI_TIMEOUT_MS)
    assert view.stats.headline.text().startswith("5 images · 0 boxes")

    # a box of class 1 makes that class undeletable
    with Connection(window.session.connection_model.target) as other:  # type: ignore[arg-type]
        first = other.list_images("incoming").images[0]
        other.save_annotations("incoming", first.image_id, base_revision=0, boxes=[(1, 0.5, 0.5, 0.2, 0.2)])
    view.classes_button.click()
    dialog = view.classes_dialog
    assert dialog is not None
    dialog.list.item(0).setText("big dent")
    dialog.list.setCurrentRow(1)
    dialog._remove()  # "dirt" is in use
    dialog._accept()
    qtbot.waitUntil(lambda: dialog.error.isVisible(), timeout=UI_TIMEOUT_MS)
    assert "dirt" in dialog.error.text() or "in use" in dialog.error.text()
    assert model.dataset("incoming").classes[0].name == "dent"  # type: ignore[union-attr]  # all or nothing
    dialog.list.insertItem(1, "dirt")
    dialog.list.item(1).setData(Qt.ItemDataRole.UserRole, 1)  # back, with its id
    dialog._accept()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=UI_TIMEOUT_MS)
    classes = [c.name for c in model.dataset("incoming").classes if not c.deleted]  # type: ignore[union-attr]
    assert classes[:2] == ["big dent", "dirt"]

    out = tmp_path / "export"

    def fill_export(dialog: ExportDialog) -> None:
        dialog.out.setText(str(out))
        dialog.split.setText("0.6, 0.4")
        dialog.seed.setValue(5)

    monkeypatch.setattr(ExportDialog, "exec", filled(fill_export))  # type: ignore[arg-type]
    view.export_button.click()
    qtbot.waitUntil(lambda: "Exporting" in view.job_label.text(), timeout=UI_TIMEOUT_MS)
    qtbot.waitUntil(lambda: "succeeded" in view.job_label.text(), timeout=JOB_TIMEOUT_MS)
    assert (out / "data.yaml").is_file() and (out / "images").is_dir()

    def fill_create(dialog: CreateDialog) -> None:
        dialog.name.setText("fresh")
        dialog.classes.setPlainText("crack, hole")

    monkeypatch.setattr(CreateDialog, "exec", filled(fill_create))  # type: ignore[arg-type]
    view.new_button.click()
    qtbot.waitUntil(lambda: model.selected == "fresh", timeout=UI_TIMEOUT_MS)
    assert [c.name for c in model.current.classes] == ["crack", "hole"]  # type: ignore[union-attr]
    monkeypatch.setattr(datasets_view, "confirm", lambda *_args: True)
    view.delete_button.click()
    qtbot.waitUntil(lambda: model.dataset("fresh") is None, timeout=UI_TIMEOUT_MS)

    model.select("incoming")
    view.open_button.click()
    annotate = window.views["Annotate"]
    assert isinstance(annotate, AnnotateView) and window.stack.currentWidget() is annotate
    assert annotate.model is not None and annotate.model.dataset == "incoming"
    qtbot.waitUntil(lambda: annotate.model is not None and len(annotate.model.boxes) == 1, timeout=UI_TIMEOUT_MS)
    assert annotate.model.class_name(0) == "big dent"
    assert annotate.model.status_of(0) == datasets_pb2.IMAGE_STATUS_TODO
