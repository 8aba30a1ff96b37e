"""Box flags (difficult, truncated, occluded) through the dataset: the schema migration that adds them to an
existing database, import, the contract, a save, a snapshot and every export."""

from __future__ import annotations

import inspect
import sqlite3
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from backend.datasets import db as dbmod
from backend.datasets.service import DatasetService
from backend.datasets.snapshot import apply_snapshot, build_snapshot, parse_snapshot
from desktop.models.annotate.boxes import Box as DesktopBox
from omni_core.datasets import remote_import
from omni_core.formats.box_proto import box_to_proto, boxes_from_proto
from omni_core.formats.model import BoxFlag
from tests.backend.datasets.conftest import JobRecorder
from tests.backend.datasets.test_import_export import run_export, run_import
from tests.omni_core.formats.exchange import write

V1_BOXES = """CREATE TABLE boxes (image_row INTEGER NOT NULL, idx INTEGER NOT NULL, dataset_id INTEGER NOT NULL,
    class_id INTEGER NOT NULL, x_center REAL NOT NULL, y_center REAL NOT NULL, width REAL NOT NULL,
    height REAL NOT NULL, confidence REAL, PRIMARY KEY (image_row, idx)) WITHOUT ROWID;"""


def test_a_version_1_database_gains_flags_and_keeps_its_boxes(tmp_path: Path) -> None:
    path = tmp_path / "datasets.sqlite3"
    conn = sqlite3.connect(path)
    conn.executescript(V1_BOXES + "INSERT INTO boxes VALUES (1, 0, 1, 2, 0.5, 0.5, 0.25, 0.125, NULL);")
    conn.execute("PRAGMA user_version=1")
    conn.close()
    database = dbmod.Database(path)
    with database.read() as read:
        assert read.execute("SELECT class_id, width, height, flags FROM boxes").fetchall() == [(2, 0.25, 0.125, 0)]
        assert read.execute("PRAGMA user_version").fetchone()[0] == dbmod.SCHEMA_VERSION == 2
    database.close()
    dbmod.Database(path).close()  # opening it again changes nothing


def imported(service: DatasetService, job: JobRecorder, tmp_path: Path, fmt: str = "voc") -> dict[str, tuple[int, ...]]:
    write(fmt, tmp_path / "src")
    run_import(service, job, tmp_path / "src", fmt, "flags")
    return flags_by_file(service)


def flags_by_file(service: DatasetService, name: str = "flags") -> dict[str, tuple[int, ...]]:
    return {
        Path(image.filename).name: tuple(
            sorted(int(b.flags) for b in service.get_annotations(name, image.image_id).boxes)
        )
        for image in service.list_images(name).images
    }


EXPECTED = {"a.png": (0, 0, BoxFlag.DIFFICULT | BoxFlag.TRUNCATED), "b.jpg": (0, BoxFlag.OCCLUDED), "c.png": ()}


@pytest.mark.parametrize("fmt", ["voc", "coco", "cvat", "labelme", "labelstudio"])
def test_flags_survive_import_and_export_in_every_format_that_has_them(
    fmt: str, service: DatasetService, job: JobRecorder, tmp_path: Path
) -> None:
    assert imported(service, job, tmp_path, fmt) == EXPECTED
    run_export(service, job, "flags", tmp_path / "out", fmt)
    run_import(service, job, tmp_path / "out", fmt, "again")
    assert flags_by_file(service, "again") == EXPECTED


def test_yolo_export_logs_the_flags_it_cannot_write(service: DatasetService, job: JobRecorder, tmp_path: Path) -> None:
    imported(service, job, tmp_path)
    run_export(service, job, "flags", tmp_path / "y", "yolo")
    assert ("warning", "YOLO has no place for box flags: the flags of 2 boxes were not written") in job.logs


def test_flags_travel_through_the_contract_a_save_and_the_desktop(
    service: DatasetService, job: JobRecorder, tmp_path: Path
) -> None:
    imported(service, job, tmp_path)
    (image,) = [i for i in service.list_images("flags").images if i.filename == "a.png"]
    record = service.get_annotations("flags", image.image_id)
    messages = [box_to_proto(b) for b in record.boxes]
    assert [(m.difficult, m.truncated, m.occluded) for m in messages] == [(0, 0, 0), (0, 0, 0), (1, 1, 0)]
    # `omni dataset import` to a remote backend sends its boxes through this same conversion, flags included
    assert "box_to_proto(" in inspect.getsource(remote_import)
    desktop = [DesktopBox.from_proto(m) for m in messages]
    moved = desktop[2].with_edges(0.1, 0.1, 0.9, 0.9)  # an annotator resizes it: the flags stay
    assert (moved.difficult, moved.truncated, moved.occluded) == (True, True, False)
    assert DesktopBox.from_json(moved.to_json()) == moved
    sent = [b.to_proto() for b in [*desktop[:2], moved.with_class(0)]]
    saved = service.save_annotations(
        "flags", image.image_id, base_revision=record.revision, boxes=boxes_from_proto(sent)
    )
    assert [int(b.flags) for b in saved.boxes] == [0, 0, BoxFlag.DIFFICULT | BoxFlag.TRUNCATED]
    assert service.get_annotations("flags", image.image_id).boxes == saved.boxes


def test_flags_travel_in_a_snapshot(service: DatasetService, job: JobRecorder, tmp_path: Path) -> None:
    imported(service, job, tmp_path)
    data = build_snapshot(service, "flags").to_bytes()
    assert b"null,3]" in data  # a drawn box with flags: [class, x, y, w, h, null, 3]
    parsed = parse_snapshot(data)
    assert sorted(int(b.flags) for i in parsed.images for b in i.boxes) == [0, 0, 0, 3, 4]
    run_import(service, job, tmp_path / "src", "voc", "keeps-the-bytes")
    service.delete_dataset("flags")
    apply_snapshot(service, data, overwrite=False)
    assert flags_by_file(service) == EXPECTED


def test_export_of_voc_marks_difficult_as_the_devkit_does(
    service: DatasetService, job: JobRecorder, tmp_path: Path
) -> None:
    imported(service, job, tmp_path)
    run_export(service, job, "flags", tmp_path / "v", "voc")
    root = ET.parse(tmp_path / "v" / "Annotations" / "a.xml").getroot()
    marks = sorted((o.findtext("name"), o.findtext("difficult"), o.findtext("truncated")) for o in root.iter("object"))
    assert marks == [("dent", "0", "0"), ("rust", "0", "0"), ("scratch", "1", "1")]
