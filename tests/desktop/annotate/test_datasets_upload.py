"""The Datasets view importing into a backend that cannot read our folders: a real backend on loopback,
confined to its workspace (``host_paths_allowed=False``, as every backend beyond loopback is), which the
desktop therefore sends the folder to. YOLO and COCO boxes arrive with their class names and statuses,
refused files and label lines are listed by name, and a cancelled import resumes without duplicates."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from backend.rpc.server import Backend, start_backend
from backend.settings import ServerSettings
from desktop.client import BackendTarget, Connection
from desktop.qt.main_window import MainWindow
from desktop.qt.views.datasets import DatasetsView
from desktop.qt.views.datasets.dialogs import ImportDialog
from omni_core.datasets.labels import Status
from omni_core.datasets.remote_import import UPLOAD_BATCH, ImportProgress
from omni_core.formats.report import ImportReport
from tests.desktop.annotate.helpers import UI_TIMEOUT_MS, close_window, open_window
from tests.omni_core.datasets.folders import (
    COCO_EXPECTED,
    CORRUPT,
    YOLO_BAD_LINE,
    YOLO_EXPECTED,
    Expected,
    assert_same,
    coco_folder,
    held,
    yolo_folder,
)
from tests.omni_core.formats.samples import write_yolo, yolo_line

TOKEN = "upload-test-token"
IMPORT_TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def confined(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    workspace = tmp_path_factory.mktemp("confined") / "ws"
    settings = ServerSettings(port=0, workspace=workspace, token=TOKEN, host_paths_allowed=False, shutdown_grace_s=2)
    backend = start_backend(settings)
    yield backend
    backend.stop(grace_s=2)


@pytest.fixture
def target(confined: Backend) -> BackendTarget:
    return BackendTarget(confined.address, token=TOKEN)


@pytest.fixture
def view(qtbot: QtBot, target: BackendTarget) -> Iterator[DatasetsView]:
    window: MainWindow = open_window(qtbot, target)
    assert not window.session.connection_model.reads_our_folders  # on loopback, but confined: upload
    datasets = window.show_view("Datasets")
    assert isinstance(datasets, DatasetsView)
    qtbot.waitUntil(lambda: datasets.model.loaded, timeout=UI_TIMEOUT_MS)
    yield datasets
    close_window(window)


class Watched:
    """What one import through the view reported: its progress and its report."""

    def __init__(self) -> None:
        self.progress: list[ImportProgress] = []
        self.reports: list[ImportReport] = []


def start_import(
    view: DatasetsView,
    monkeypatch: pytest.MonkeyPatch,
    folder: Path,
    fmt: str,
    name: str,
    classes: str = "",
    then: Callable[[DatasetsView], None] | None = None,
) -> Watched:
    """Fill the import dialog as a user would, press Import, and watch the upload it starts."""

    def fill(dialog: ImportDialog) -> int:
        assert "uploaded" in dialog.path.placeholderText()
        dialog.path.setText(str(folder))
        dialog.format.setCurrentIndex(dialog.format.findData(fmt))
        dialog.name.setCurrentText(name)
        dialog.classes.setText(classes)
        dialog._accept()
        return int(dialog.result())

    monkeypatch.setattr(ImportDialog, "exec", fill)
    view.import_button.click()
    upload = view.upload
    assert upload is not None and not view.import_button.isEnabled()
    watched = Watched()
    upload.progressed.connect(watched.progress.append)
    upload.finished.connect(watched.reports.append)
    if then is not None:
        then(view)
    return watched


def finish(qtbot: QtBot, view: DatasetsView, watched: Watched) -> ImportReport:
    qtbot.waitUntil(lambda: bool(watched.reports) and view.upload is None, timeout=IMPORT_TIMEOUT_MS)
    assert view.import_button.isEnabled() and not view.cancel_upload_button.isVisible()
    return watched.reports[0]


def test_a_yolo_folder_arrives_with_its_boxes_and_the_view_lists_what_was_refused(
    qtbot: QtBot, view: DatasetsView, target: BackendTarget, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    watched = start_import(view, monkeypatch, yolo_folder(tmp_path / "parts"), "yolo", "yolo-up")
    report = finish(qtbot, view, watched)
    with Connection(target) as client:
        assert_same(held(client, "yolo-up"), YOLO_EXPECTED)
        assert [c.name for c in client.get_dataset("yolo-up").classes] == ["crack", "hole", "rust"]
    assert (report.added, report.boxes) == (4, 3)
    assert "yolo-up: 4 images added with 3 boxes" in view.job_label.text()
    details = view.import_details.text()
    assert view.import_details.isVisible() and details == view.job_label.toolTip()
    assert f"skipped {CORRUPT}" in details and "truncated" in details
    assert f"label problem {YOLO_BAD_LINE}: class id 9 is beyond the class list" in details
    assert watched.progress and watched.progress[-1].sent == 4 and watched.progress[-1].labels_saved == 3
    qtbot.waitUntil(lambda: (d := view.model.dataset("yolo-up")) is not None and d.box_count == 3)


def test_coco_into_an_existing_dataset_maps_classes_by_name(
    qtbot: QtBot, view: DatasetsView, target: BackendTarget, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Connection(target) as client:
        client.create_dataset("coco-up", ["rust", "dent"])
    report = finish(qtbot, view, start_import(view, monkeypatch, coco_folder(tmp_path / "coco"), "coco", "coco-up"))
    with Connection(target) as client:
        assert_same(held(client, "coco-up"), COCO_EXPECTED)
        assert [(c.id, c.name) for c in client.get_dataset("coco-up").classes] == [
            (0, "rust"), (1, "dent"), (2, "scratch"),
        ]  # fmt: skip
    assert report.classes_added == ["scratch"]
    assert "3 images added with 2 boxes" in view.job_label.text() and "classes added: scratch" in view.job_label.text()


def test_plain_images_take_the_classes_typed_in_the_dialog(
    qtbot: QtBot, view: DatasetsView, target: BackendTarget, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = coco_folder(tmp_path / "plain") / "images"
    report = finish(qtbot, view, start_import(view, monkeypatch, folder, "images", "plain-up", "crack, hole"))
    assert report.added == 3 and not view.import_details.isVisible()
    with Connection(target) as client:
        assert [c.name for c in client.get_dataset("plain-up").classes] == ["crack", "hole"]
        assert {status for status, _ in held(client, "plain-up").values()} == {Status.TODO}


def many_labelled(root: Path, count: int) -> dict[str, tuple[Status, list[Expected]]]:
    """``count`` images, each with one box of class ``index % 3``, all done."""
    classes = ["crack", "hole", "rust"]
    labels = {f"img{i:03d}.png": [yolo_line(i % 3, 0.5, 0.5, 0.01 * (i + 1), 0.2)] for i in range(count)}
    write_yolo(root, classes, labels)
    return {name: (Status.DONE, [(classes[i % 3], 0.5, 0.5, 0.01 * (i + 1), 0.2)]) for i, name in enumerate(labels)}


def test_cancel_stops_between_images_and_a_second_import_completes_without_duplicates(
    qtbot: QtBot, view: DatasetsView, target: BackendTarget, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    count = 3 * UPLOAD_BATCH
    expected = many_labelled(tmp_path / "many", count)

    def cancel_on_first_image(progress: ImportProgress) -> None:
        if progress.sent >= 1 and view.cancel_upload_button.isEnabled():
            view.cancel_upload_button.click()

    def watch(view: DatasetsView) -> None:
        assert view.upload is not None and view.cancel_upload_button.isVisible()
        view.upload.progressed.connect(cancel_on_first_image)

    first = finish(qtbot, view, start_import(view, monkeypatch, tmp_path / "many", "yolo", "many-up", then=watch))
    assert first.cancelled and first.added < count
    assert "cancelled: import the folder again" in view.job_label.text()
    with Connection(target) as client:
        sent = client.get_dataset("many-up").image_count
        assert first.added <= sent < count  # the batch in flight may be stored without its labels yet

    second = finish(qtbot, view, start_import(view, monkeypatch, tmp_path / "many", "yolo", "many-up"))
    assert not second.cancelled and second.already_present == sent and second.added == count - sent
    assert first.boxes + second.boxes == count  # every label saved once: none lost, none twice
    with Connection(target) as client:
        assert client.get_dataset("many-up").image_count == count
        assert_same(held(client, "many-up"), expected)


def test_the_dialog_refuses_a_folder_this_computer_lacks(qtbot: QtBot, tmp_path: Path) -> None:
    dialog = ImportDialog([], uploads=True)
    qtbot.addWidget(dialog)
    dialog.path.setText(str(tmp_path / "nowhere"))
    dialog._accept()
    assert dialog.spec is None and dialog.result() == 0
    assert dialog.error.text() == f"{tmp_path / 'nowhere'} is not a folder on this computer"
    assert dialog.path.property("invalid")
