"""The Datasets view-model and its forms, without Qt."""

from __future__ import annotations

import pytest

from desktop.models.datasets_model import (
    DatasetsModel,
    FormInvalid,
    class_changes,
    create_request,
    export_spec,
    import_spec,
    import_summary,
    summarize,
)
from protos.omni.v1 import datasets_pb2


def dataset(name: str, images: int = 3) -> datasets_pb2.Dataset:
    return datasets_pb2.Dataset(
        name=name,
        classes=[
            datasets_pb2.DatasetClass(id=0, name="dent"),
            datasets_pb2.DatasetClass(id=1, name="x", deleted=True),
            datasets_pb2.DatasetClass(id=2, name="rust"),
        ],
        image_count=images,
        images_by_status={"todo": 2, "done": 1},
        box_count=7,
    )


def test_rows_selection_and_stats() -> None:
    model = DatasetsModel()
    model.set_datasets([dataset("zeta"), dataset("alpha", 10_000)])
    rows = model.rows()
    assert [r.key for r in rows] == ["alpha", "zeta"]
    assert rows[0].cells[:6] == ("alpha", "10,000", "2", "1", "0", "7") and rows[0].cells[6] == "dent, rust"
    assert model.selected == "alpha"
    model.set_stats(datasets_pb2.DatasetStats(dataset="zeta"))
    assert model.stats is None  # not the selected one
    stats = datasets_pb2.DatasetStats(
        dataset="alpha",
        image_count=4,
        box_count=3,
        images_without_boxes=1,
        images_by_status={"done": 2, "todo": 2},
        boxes_by_class={"rust": 2, "dent": 1, "old": 0},
        box_size_histogram=[datasets_pb2.HistogramBin(low=0, high=0.1, count=3)],
    )
    model.set_stats(stats)
    summary = model.summary()
    assert summary is not None
    assert summary.classes[:2] == [("dent", 1, 0), ("rust", 2, 2)] and summary.statuses[0] == ("todo", 2)
    assert "50% done" in summary.headline
    model.remove("alpha")
    assert model.selected is None
    assert summarize(stats).classes[0] == ("dent", 1, 0)


def test_forms() -> None:
    assert create_request(" parts ", "dent, dirt\nrust") == ("parts", ["dent", "dirt", "rust"])
    with pytest.raises(FormInvalid) as bad:
        create_request("no spaces", "")
    assert bad.value.field == "name"
    with pytest.raises(FormInvalid):
        create_request("ok", "a, A")
    spec = import_spec("/data/imgs", "images", "", "")
    assert spec.import_dataset.path == "/data/imgs" and spec.import_dataset.name == ""
    spec = export_spec("parts", "/out", "yolo", "0.7, 0.2, 0.1", 3)
    assert list(spec.export_dataset.split) == pytest.approx([0.7, 0.2, 0.1]) and spec.export_dataset.seed == 3
    for split in ("0.5", "0.5,0.6", "a,b"):
        with pytest.raises(FormInvalid):
            export_spec("parts", "/out", "yolo", split)


def test_class_changes_rename_delete_add() -> None:
    before = dataset("d").classes
    changes = class_changes(before, [(0, "dent"), (2, "corrosion"), (None, "crack")])
    assert [c.WhichOneof("change") for c in changes] == ["rename", "add"]
    changes = class_changes(before, [(2, "rust")])
    assert [(c.WhichOneof("change"), c.delete_id) for c in changes] == [("delete_id", 0)]
    with pytest.raises(FormInvalid):
        class_changes(before, [(0, "dent"), (None, "Dent")])


def test_import_summary_names_what_was_skipped_and_why() -> None:
    report = {
        "dataset": "parts",
        "added": 3,
        "already_present": 1,
        "skipped": [{"file": "bad.jpg", "message": "not an image"}],
        "problems": [{"file": "labels/a.txt", "line": 2, "message": "class 9 is beyond the class list"}],
    }
    line, details = import_summary(report)
    assert line == "parts: 3 images added, 1 already there, 1 skipped, 1 label problems"
    assert "bad.jpg — not an image" in details and "labels/a.txt:2 — class 9" in details
