from __future__ import annotations

from pathlib import Path

import pytest

from omni_core.formats.yolo import label_path, parse_line, read_yolo
from tests.omni_core.formats.samples import CLASSES, write_bad_files, write_image, write_yolo, yolo_line


def problems_by_line(parsed: object) -> dict[tuple[str, int], str]:
    return {(p.file, p.line): p.message for p in parsed.problems}  # type: ignore[attr-defined]


def test_reads_boxes_classes_and_labelled_state(tmp_path: Path) -> None:
    write_yolo(
        tmp_path,
        ["crack", "hole"],
        {
            "a.png": [yolo_line(1, 0.5, 0.5, 0.2, 0.4), yolo_line(0, 0.25, 0.25, 0.1, 0.1)],
            "b.png": [],  # labelled, no objects
            "c.png": None,  # not labelled
        },
    )
    parsed = read_yolo(tmp_path, fallback_classes=CLASSES)
    assert parsed.classes == ["crack", "hole"]
    assert not parsed.problems and not parsed.skipped
    by_name = {image.filename: image for image in parsed.images}
    assert sorted(by_name) == ["a.png", "b.png", "c.png"]  # val: images/train is not counted twice
    assert [(b.class_id, b.x_center, b.height) for b in by_name["a.png"].boxes] == [(1, 0.5, 0.4), (0, 0.25, 0.1)]
    assert (by_name["b.png"].labelled, by_name["b.png"].boxes) == (True, [])
    assert not by_name["c.png"].labelled


def test_bad_lines_are_reported_with_file_and_line_and_flag_the_image(tmp_path: Path) -> None:
    lines = [
        yolo_line(0, 0.5, 0.5, 0.2, 0.2),  # 1 good
        "1 0.5 0.5 0.2",  # 2 four values
        "x 0.5 0.5 0.2 0.2",  # 3 not a number
        yolo_line(7, 0.5, 0.5, 0.2, 0.2),  # 4 class beyond the list
        "0 1.5 0.5 0.2 0.2",  # 5 out of range
        "0 0.5 0.5 0 0.2",  # 6 zero width
        "",  # blank lines are fine
        "0 0.95 0.5 0.2 0.2",  # 8 reaches outside: clipped, kept, reported
        "1.5 0.5 0.5 0.2 0.2",  # 9 fractional class
        "2 0.1 0.1 0.3 0.1 0.3 0.4",  # 10 a polygon: its bounding box
        "3 0.5 0.5 0.2 0.2 0.75",  # 11 a suggestion with its confidence
    ]
    write_yolo(tmp_path, CLASSES, {"bad.png": lines, "good.png": [yolo_line(1, 0.5, 0.5, 1.0, 1.0)]})
    parsed = read_yolo(tmp_path, fallback_classes=CLASSES)
    where = "labels/train/bad.txt"
    found = problems_by_line(parsed)
    assert sorted(line for file, line in found if file == where) == [2, 3, 4, 5, 6, 8, 9]
    assert "beyond the class list" in found[(where, 4)]
    assert "out of range" in found[(where, 5)] and "malformed" in found[(where, 2)]
    assert "clipped" in found[(where, 8)]
    images = {image.filename: image for image in parsed.images}
    bad = images["bad.png"]
    assert bad.flagged and not images["good.png"].flagged
    assert len(bad.boxes) == 4
    clipped, polygon, suggestion = bad.boxes[1], bad.boxes[2], bad.boxes[3]
    assert clipped.x_center + clipped.width / 2 == pytest.approx(1.0)
    assert (polygon.class_id, polygon.x_center, polygon.y_center, polygon.width, polygon.height) == pytest.approx(
        (2, 0.2, 0.25, 0.2, 0.3)
    )
    assert suggestion.confidence == pytest.approx(0.75)


def test_plain_folder_with_classes_txt_and_bad_files(tmp_path: Path) -> None:
    write_image(tmp_path / "one.jpg")
    (tmp_path / "one.txt").write_text(yolo_line(1, 0.5, 0.5, 0.5, 0.5) + "\n")
    write_image(tmp_path / "sub" / "two.png", seed=3)
    (tmp_path / "classes.txt").write_text("alpha\nbeta\n")
    write_bad_files(tmp_path / "junk")
    parsed = read_yolo(tmp_path, fallback_classes=CLASSES)
    assert parsed.classes == ["alpha", "beta"]
    assert {image.filename for image in parsed.images} >= {"one.jpg", "sub/two.png", "junk/empty.jpg"}
    assert [p.file for p in parsed.skipped] == ["junk/notes.docx"]  # the others are caught when read


def test_without_names_the_fallback_classes_apply(tmp_path: Path) -> None:
    write_image(tmp_path / "images" / "x.png")
    (tmp_path / "labels").mkdir()
    (tmp_path / "labels" / "x.txt").write_text(
        yolo_line(5, 0.5, 0.5, 0.1, 0.1) + "\n" + yolo_line(6, 0.5, 0.5, 0.1, 0.1)
    )
    parsed = read_yolo(tmp_path, fallback_classes=CLASSES)
    assert parsed.classes == CLASSES
    assert [b.class_id for b in parsed.images[0].boxes] == [5]
    assert [(p.file, p.line) for p in parsed.problems] == [("labels/x.txt", 2)]


def test_label_path_follows_ultralytics() -> None:
    assert label_path(Path("/d/images/train/a.b.jpg")) == Path("/d/labels/train/a.b.txt")
    assert label_path(Path("/d/images/x/images/a.png")) == Path("/d/images/x/labels/a.txt")
    assert label_path(Path("/d/flat/a.png")) == Path("/d/flat/a.txt")


def test_parse_line_accepts_a_whole_image_box() -> None:
    box, note = parse_line("0 0.5 0.5 1 1", 1)
    assert box is not None and not note
