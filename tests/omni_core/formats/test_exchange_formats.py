"""Files as the annotation tools write them (CVAT, LabelMe, Label Studio, Pascal VOC, a Label Studio COCO
export), with what those tools put in them that we do not keep: every box is read or reported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from omni_core.formats import EXPORT_FORMATS, IMPORT_FORMATS, read_dataset
from omni_core.formats.model import BoxFlag, ParsedDataset
from tests.omni_core.formats.exchange import (
    expected_flags,
    expected_pixels,
    largest_difference,
    pixel_edges,
    read_pixels,
    write,
)
from tests.omni_core.formats.samples import write_image


def pixels(parsed: ParsedDataset, size: tuple[int, int]) -> dict[str, list[tuple[object, ...]]]:
    classes = parsed.classes or []
    return {
        image.filename: sorted(
            (classes[b.class_id], *(round(v, 3) for v in pixel_edges(b, *size)), b.flags, b.confidence)
            for b in image.boxes
        )
        for image in parsed.images
    }


def messages(parsed: ParsedDataset) -> str:
    return " | ".join(str(p) for p in parsed.problems)


@pytest.mark.parametrize("fmt", ["voc", "coco", "cvat", "labelme", "labelstudio"])
def test_round_trip_keeps_boxes_classes_and_flags(fmt: str, tmp_path: Path) -> None:
    result = write(fmt, tmp_path / fmt)
    parsed, found = read_pixels(tmp_path / fmt, fmt)
    assert not parsed.problems and not parsed.skipped and not result.notes
    assert parsed.classes == ["dent", "rust", "scratch"]
    assert largest_difference(expected_pixels(), found) < 1e-9
    flags = {Path(i.filename).name: sorted(b.flags for b in i.boxes) for i in parsed.images}
    assert flags == {name: sorted(f for *_, f in boxes) for name, boxes in expected_flags().items()}


def test_yolo_export_says_it_drops_flags(tmp_path: Path) -> None:
    assert write("yolo", tmp_path / "y").notes == [
        "YOLO has no place for box flags: the flags of 2 boxes were not written"
    ]


def test_every_format_is_offered_both_ways_in_the_cli_and_the_desktop() -> None:
    from desktop.models import datasets_model
    from omni_cli.main import build_parser

    assert set(EXPORT_FORMATS) == set(IMPORT_FORMATS) - {"images"}
    assert {"cvat", "labelme", "labelstudio"} <= set(EXPORT_FORMATS)
    assert tuple(datasets_model.IMPORT_FORMATS) == IMPORT_FORMATS
    assert tuple(datasets_model.EXPORT_FORMATS) == EXPORT_FORMATS
    parser = build_parser()
    args = parser.parse_args(["dataset", "export", "ds", "/tmp/out", "--format", "labelstudio"])
    assert args.format == "labelstudio"
    with pytest.raises(SystemExit):
        parser.parse_args(["dataset", "import", "/tmp/in", "--format", "pascal"])


# -- CVAT ---------------------------------------------------------------------------------------------------------

CVAT_PROJECT = """<?xml version="1.0" encoding="utf-8"?>
<annotations>
  <version>1.1</version>
  <meta>
    <project>
      <id>3</id><name>hull</name>
      <labels>
        <label><name>dent</name><color>#fa3253</color><type>any</type><attributes>
          <attribute><name>difficult</name><mutable>False</mutable><input_type>checkbox</input_type>
            <default_value>false</default_value><values>false\ntrue</values></attribute>
        </attributes></label>
        <label><name>rust</name><color>#24b353</color><type>any</type><attributes/></label>
      </labels>
    </project>
  </meta>
  <image id="0" name="plates/a.png" subset="Train" task_id="7" width="200" height="100">
    <box label="dent" source="manual" occluded="1" xtl="10.00" ytl="20.00" xbr="50.00" ybr="40.00" z_order="0">
      <attribute name="difficult">true</attribute>
    </box>
    <box label="rust" source="manual" occluded="0" xtl="60.00" ytl="40.00" xbr="80.00" ybr="60.00" z_order="0"
         rotation="90.0"></box>
    <polygon label="rust" source="manual" occluded="0" points="100.0,10.0;120.5,30.0;110.0,50.0" z_order="0"/>
    <points label="dent" source="manual" occluded="0" points="5.0,5.0" z_order="0"/>
    <box label="dent" source="manual" occluded="0" xtl="190.00" ytl="90.00" xbr="260.00" ybr="95.00" z_order="0"/>
    <box label="dent" source="manual" occluded="0" xtl="x" ytl="1" xbr="2" ybr="3" z_order="0"/>
  </image>
  <image id="1" name="gone.png" subset="Train" width="10" height="10"></image>
</annotations>
"""


def test_cvat_project_export_as_cvat_writes_it(tmp_path: Path) -> None:
    write_image(tmp_path / "images" / "Train" / "plates" / "a.png", (200, 100))
    write_image(tmp_path / "images" / "Train" / "extra.png", (20, 10), seed=3)
    (tmp_path / "annotations.xml").write_text(CVAT_PROJECT)
    parsed = read_dataset(tmp_path, "cvat", fallback_classes=["x"])
    assert parsed.classes == ["dent", "rust"]
    found = pixels(parsed, (200, 100))
    assert found["Train/plates/a.png"] == [
        ("dent", 10.0, 20.0, 50.0, 40.0, BoxFlag.OCCLUDED | BoxFlag.DIFFICULT, None),
        ("dent", 190.0, 90.0, 200.0, 95.0, 0, None),  # clipped to the image, reported
        ("rust", 60.0, 40.0, 80.0, 60.0, 0, None),  # a square turned 90 degrees about its centre
        ("rust", 100.0, 10.0, 120.5, 50.0, 0, None),  # the polygon's enclosing box
    ]
    assert found["Train/extra.png"] == []  # an image no <image> names: unlabelled
    text = messages(parsed)
    for expected in ("rotated 90 degrees", "around the polygon", "1 points not read", "clipped", "numeric xtl"):
        assert expected in text
    assert all(p.file == "annotations.xml" for p in parsed.problems)
    assert "gone.png" in str(parsed.skipped[0])
    (a,) = [i for i in parsed.images if i.filename == "Train/plates/a.png"]
    assert a.flagged and a.labelled


def test_cvat_for_video_is_reported_not_silently_empty(tmp_path: Path) -> None:
    write_image(tmp_path / "images" / "frame_000000.png", (20, 10))
    (tmp_path / "annotations.xml").write_text(
        '<annotations><version>1.1</version><track id="0" label="dent" source="manual">'
        '<box frame="0" outside="0" occluded="0" keyframe="1" xtl="1" ytl="1" xbr="5" ybr="5"/></track></annotations>'
    )
    parsed = read_dataset(tmp_path, "cvat", fallback_classes=["dent"])
    assert "1 <track> elements (CVAT for video) not read" in messages(parsed)
    assert [(i.filename, i.labelled) for i in parsed.images] == [("frame_000000.png", False)]


# -- LabelMe ------------------------------------------------------------------------------------------------------


def test_labelme_files_as_labelme_writes_them(tmp_path: Path) -> None:
    write_image(tmp_path / "shots" / "a.jpg", (200, 100))
    shapes = [
        {
            "label": "dent",
            "points": [[50, 40], [10, 20]],
            "group_id": None,
            "shape_type": "rectangle",
            "flags": {"truncated": True},
        },
        {"label": "rust", "points": [[100, 10], [120, 30], [110, 50]], "shape_type": "polygon", "flags": {}},
        {"label": "rust", "points": [[5, 5], [9, 9]], "shape_type": "circle", "flags": {}},
        {"label": "rust", "points": [[5, 5]], "shape_type": "rectangle", "flags": {}},
    ]
    document = {
        "version": "5.4.1",
        "flags": {},
        "shapes": shapes,
        "imagePath": "a.jpg",
        "imageData": None,
        "imageHeight": 100,
        "imageWidth": 200,
    }
    (tmp_path / "shots" / "a.json").write_text(json.dumps(document))
    (tmp_path / "shots" / "lost.json").write_text(
        json.dumps({**document, "imagePath": "../../etc/x.jpg", "imageData": "iVBORw0KGgo="})
    )
    (tmp_path / "labels.txt").write_text("__ignore__\n_background_\nrust\ndent\n")
    parsed = read_dataset(tmp_path, "labelme", fallback_classes=[])
    assert parsed.classes == ["rust", "dent"]
    assert pixels(parsed, (200, 100))["shots/a.jpg"] == [
        ("dent", 10.0, 20.0, 50.0, 40.0, BoxFlag.TRUNCATED, None),
        ("rust", 100.0, 10.0, 120.0, 50.0, 0, None),
    ]
    text = messages(parsed)
    assert "around the polygon" in text and "1 circle shapes not read" in text and "at least 2 points" in text
    (skipped,) = parsed.skipped
    assert skipped.file == "shots/lost.json" and "imageData is not imported" in skipped.message


# -- Label Studio -------------------------------------------------------------------------------------------------


def region(rid: str, label: str, x: float, y: float, w: float, h: float, **extra: object) -> dict[str, object]:
    """A result as https://labelstud.io/guide/task_format shows it."""
    return {
        "id": rid,
        "from_name": "label",
        "to_name": "image",
        "type": "rectanglelabels",
        "original_width": 200,
        "original_height": 100,
        "image_rotation": 0,
        "value": {
            "x": x,
            "y": y,
            "width": w,
            "height": h,
            "rotation": extra.pop("rotation", 0),
            "rectanglelabels": [label],
        },
        **extra,
    }


def test_labelstudio_export_as_label_studio_writes_it(tmp_path: Path) -> None:
    write_image(tmp_path / "images" / "6d9a2b3c-a.png", (200, 100))
    write_image(tmp_path / "images" / "b.png", (200, 100), seed=2)
    write_image(tmp_path / "images" / "c.png", (200, 100), seed=3)
    flags = {
        "id": "r1",
        "from_name": "flags",
        "to_name": "image",
        "type": "choices",
        "value": {"x": 5, "y": 20, "width": 20, "height": 20, "choices": ["occluded"]},
    }
    tasks = [
        {
            "id": 1,
            "data": {"image": "/data/upload/1/6d9a2b3c-a.png"},
            "annotations": [
                {
                    "id": 11,
                    "result": [region("r0", "dent", 0, 0, 10, 10)],
                    "was_cancelled": False,
                    "ground_truth": False,
                    "updated_at": "2024-03-09T22:16:08Z",
                },
                {
                    "id": 12,
                    "result": [region("r1", "rust", 5, 20, 20, 20), flags],
                    "was_cancelled": False,
                    "ground_truth": False,
                    "updated_at": "2024-03-10T08:00:00Z",
                },
                {"id": 13, "result": [], "was_cancelled": True, "updated_at": "2024-03-11T08:00:00Z"},
            ],
            "predictions": [{"result": [region("p", "dent", 1, 1, 1, 1)], "score": 0.3}],
        },
        {
            "id": 2,
            "data": {"image": "http://files.example/b.png"},
            "annotations": [],
            "predictions": [
                {
                    "model_version": "v1",
                    "score": 0.4,
                    "result": [region("p1", "dent", 50, 50, 10, 10, score=0.9), region("p2", "dent", 0, 0, 10, 10)],
                }
            ],
        },
        {
            "id": 3,
            "data": {"image": "/data/local-files/?d=images/c.png"},
            "annotations": [
                {
                    "id": 31,
                    "result": [region("q", "rust", 10, 10, 20, 20, rotation=90), region("z", "graffiti", 1, 1, 1, 1)],
                }
            ],
        },
        {"id": 4, "data": {"image": "/data/upload/1/deadbeef-missing.png"}, "annotations": []},
    ]
    (tmp_path / "project-1-at-2024-03-11.json").write_text(json.dumps(tasks))
    parsed = read_dataset(tmp_path, "labelstudio", fallback_classes=[])
    assert parsed.classes == ["rust", "dent", "graffiti"]  # as the annotations used name them
    found = pixels(parsed, (200, 100))
    assert found["6d9a2b3c-a.png"] == [("rust", 10.0, 20.0, 50.0, 40.0, BoxFlag.OCCLUDED, None)]
    assert found["b.png"] == [("dent", 0.0, 0.0, 20.0, 10.0, 0, 0.4), ("dent", 100.0, 50.0, 120.0, 60.0, 0, 0.9)]
    # turned 90 degrees clockwise about its top-left corner (20, 10): 40 px wide, 20 px tall -> x 0..20, y 10..50
    assert found["c.png"][0][:5] == ("graffiti", 2.0, 1.0, 4.0, 2.0)
    assert found["c.png"][1][:5] == ("rust", 0.0, 10.0, 20.0, 50.0)
    text = messages(parsed)
    assert "task 1: 2 annotations; used the last updated, annotation 12" in text
    assert "task 2: no annotation; its predictions become suggestions to review" in text
    assert "task 3, region q: rotated 90 degrees" in text
    assert "missing.png" in str(parsed.skipped)
    statuses = {i.filename: (i.labelled, i.flagged) for i in parsed.images}
    assert statuses == {"6d9a2b3c-a.png": (True, False), "b.png": (True, True), "c.png": (True, False)}


def test_labelstudio_names_with_url_characters_round_trip(tmp_path: Path) -> None:
    from tests.omni_core.formats.exchange import PIXEL_BOXES, export_images

    odd = {"a b+c&d=%41#.png": PIXEL_BOXES["a.png"]}
    write("labelstudio", tmp_path / "ls", export_images(odd), ["train"])
    parsed = read_dataset(tmp_path / "ls", "labelstudio", fallback_classes=[])
    assert not parsed.skipped and [(i.filename, len(i.boxes)) for i in parsed.images] == [("a b+c&d=%41#.png", 3)]


def test_labelstudio_hostile_values_are_reported_and_the_config_keeps_unused_classes(tmp_path: Path) -> None:
    write_image(tmp_path / "images" / "a.png", (200, 100))
    (tmp_path / "label_config.xml").write_text(
        '<View><Image name="image" value="$image"/><RectangleLabels name="label" toName="image">'
        '<Label value="unused"/><Label value="rust"/></RectangleLabels></View>'
    )
    results = [
        {"id": "v", "type": "rectanglelabels", "value": ["not", "an", "object"]},
        {"id": "c", "type": "choices", "value": {"choices": "difficult"}},
        {
            "id": "n",
            "type": "rectanglelabels",
            "value": {"x": "1", "y": None, "width": 5, "height": 5, "rectanglelabels": ["rust"]},
        },
        region("ok", "rust", 5, 20, 20, 20),
    ]
    tasks = [{"id": 9, "data": {"image": "a.png"}, "annotations": [{"id": 1, "result": results}]}, "junk"]
    (tmp_path / "tasks.json").write_text(json.dumps(tasks))
    parsed = read_dataset(tmp_path, "labelstudio", fallback_classes=[])
    assert parsed.classes == ["unused", "rust"]
    assert pixels(parsed, (200, 100)) == {"a.png": [("rust", 10.0, 20.0, 50.0, 40.0, 0, None)]}
    text = messages(parsed)
    assert "task 9, region v: rectanglelabels [] is not one label" in text
    assert "task 9, region n: value needs numeric x, y, width and height (percent)" in text
    assert "tasks.json: task 2 is not an object" in text


def test_labelstudio_json_min(tmp_path: Path) -> None:
    write_image(tmp_path / "images" / "a.png", (200, 100))
    task = {
        "image": "/data/upload/3/a.png",
        "id": 1,
        "annotator": 1,
        "label": [
            {
                "x": 5,
                "y": 20,
                "width": 20,
                "height": 20,
                "rotation": 0,
                "rectanglelabels": ["rust"],
                "original_width": 200,
                "original_height": 100,
            }
        ],
    }
    (tmp_path / "min.json").write_text(json.dumps([task]))
    parsed = read_dataset(tmp_path, "labelstudio", fallback_classes=[])
    assert pixels(parsed, (200, 100)) == {"a.png": [("rust", 10.0, 20.0, 50.0, 40.0, 0, None)]}


# -- COCO and VOC from the tools ----------------------------------------------------------------------------------


def test_coco_from_label_studio_finds_upload_paths_in_images(tmp_path: Path) -> None:
    write_image(tmp_path / "images" / "6d9a2b3c-a.png", (200, 100))
    document = {
        "images": [{"width": 200, "height": 100, "id": 0, "file_name": "/data/upload/1/6d9a2b3c-a.png"}],
        "categories": [{"id": 0, "name": "rust"}],
        "annotations": [{"id": 0, "image_id": 0, "category_id": 0, "bbox": [10, 20, 40, 20], "iscrowd": 0}],
    }
    (tmp_path / "result.json").write_text(json.dumps(document))
    parsed = read_dataset(tmp_path, "coco", fallback_classes=[])
    assert not parsed.skipped
    assert pixels(parsed, (200, 100)) == {"6d9a2b3c-a.png": [("rust", 10.0, 20.0, 50.0, 40.0, 0, None)]}


def test_voc_devkit_files_keep_difficult_and_truncated(tmp_path: Path) -> None:
    write_image(tmp_path / "JPEGImages" / "a.jpg", (200, 100))
    (tmp_path / "Annotations").mkdir()
    objects = (
        ("dent", 11, 21, 50, 40, "<difficult>1</difficult><truncated>0</truncated>"),
        ("dent", 6, 6, 6, 6, "<truncated>1</truncated>"),  # one pixel: xmin == xmax
        ("rust", 1, 1, 200, 100, "<difficult>maybe</difficult>"),  # the whole image
    )
    body = "".join(
        f"<object><name>{n}</name>{extra}<bndbox><xmin>{a}</xmin><ymin>{b}</ymin><xmax>{c}</xmax><ymax>{d}</ymax>"
        "</bndbox></object>"
        for n, a, b, c, d, extra in objects
    )
    (tmp_path / "Annotations" / "a.xml").write_text(
        f"<annotation><filename>a.jpg</filename><size><width>200</width><height>100</height></size>{body}</annotation>"
    )
    parsed = read_dataset(tmp_path, "voc", fallback_classes=[])
    assert pixels(parsed, (200, 100))["a.jpg"] == [
        ("dent", 5.0, 5.0, 6.0, 6.0, BoxFlag.TRUNCATED, None),
        ("dent", 10.0, 20.0, 50.0, 40.0, BoxFlag.DIFFICULT, None),
        ("rust", 0.0, 0.0, 200.0, 100.0, 0, None),
    ]
    assert "<difficult> 'maybe' is not 0 or 1; taken as 0" in messages(parsed)


# -- hostile values: reported, never raised -----------------------------------------------------------------------

JUNK = [None, 5, "x", [], {}, [1, "b"], [[1, 2, 3], [4, 5, 6]], float("nan"), float("inf"), -1e308, True]


@pytest.mark.parametrize("junk", JUNK, ids=repr)
def test_junk_values_in_labelme_and_label_studio_are_reported(junk: object, tmp_path: Path) -> None:
    write_image(tmp_path / "a.png", (20, 10))
    shape = {"label": "dent", "points": junk, "shape_type": "rectangle", "flags": junk}
    labelme = {
        "shapes": [shape, {"label": junk, "points": [[1, 1], [4, 4]]}, junk],
        "imagePath": "a.png",
        "imageWidth": junk,
        "imageHeight": 10,
    }
    (tmp_path / "a.json").write_text(json.dumps(labelme))
    parsed = read_dataset(tmp_path, "labelme", fallback_classes=[])
    assert parsed.problems and all(len(i.boxes) <= 2 for i in parsed.images)
    (tmp_path / "a.json").unlink()
    value = {"x": junk, "y": 1, "width": 10, "height": 10, "rotation": junk, "rectanglelabels": ["dent"]}
    task = {
        "id": 1,
        "data": {"image": junk if isinstance(junk, str) else "a.png"},
        "annotations": [{"result": [{"id": "r", "type": "rectanglelabels", "value": value}, junk]}, junk],
        "predictions": junk,
    }
    (tmp_path / "tasks.json").write_text(json.dumps([task, junk]))
    parsed = read_dataset(tmp_path, "labelstudio", fallback_classes=[])
    assert parsed.problems or parsed.skipped


@pytest.mark.parametrize("junk", ["", "x", "nan", "inf", "-1e308", "1e308", "1,2;3", "0,0;0,0;0,0"])
def test_junk_values_in_cvat_are_reported(junk: str, tmp_path: Path) -> None:
    write_image(tmp_path / "images" / "a.png", (20, 10))
    (tmp_path / "annotations.xml").write_text(
        f'<annotations><image name="a.png" width="{junk}" height="10">'
        f'<box label="dent" xtl="{junk}" ytl="1" xbr="5" ybr="5" rotation="{junk}" occluded="{junk}"/>'
        f'<polygon label="dent" points="{junk}"/></image></annotations>'
    )
    parsed = read_dataset(tmp_path, "cvat", fallback_classes=[])
    assert parsed.problems and [i.filename for i in parsed.images] == ["a.png"]


@pytest.mark.parametrize("junk", JUNK, ids=repr)
def test_junk_values_in_coco_are_reported(junk: object, tmp_path: Path) -> None:
    write_image(tmp_path / "images" / "a.png", (20, 10))
    document = {
        "images": [{"id": 1, "file_name": "a.png", "width": junk, "height": 10}, junk],
        "annotations": [
            {"id": 1, "image_id": 1, "category_id": junk, "bbox": [1, 1, 2, 2]},
            {"id": 2, "image_id": 1, "category_id": 1, "bbox": [junk, 1, 2, 2], "attributes": junk},
            junk,
        ],
        "categories": [{"id": junk, "name": "dent"}, {"id": 1, "name": "rust"}, junk],
    }
    (tmp_path / "instances.json").write_text(json.dumps(document))
    parsed = read_dataset(tmp_path, "coco", fallback_classes=[])
    assert parsed.problems and [i.filename for i in parsed.images] == ["a.png"]


@pytest.mark.parametrize("junk", ["", "x", "nan", "inf", "-1e308", "1e308", "-3"])
def test_junk_values_in_voc_are_reported(junk: str, tmp_path: Path) -> None:
    write_image(tmp_path / "JPEGImages" / "a.png", (20, 10))
    (tmp_path / "Annotations").mkdir()
    (tmp_path / "Annotations" / "a.xml").write_text(
        f"<annotation><filename>a.png</filename><size><width>{junk}</width><height>10</height></size>"
        f"<object><name>dent</name><difficult>{junk}</difficult><bndbox><xmin>{junk}</xmin><ymin>1</ymin>"
        "<xmax>5</xmax><ymax>5</ymax></bndbox></object></annotation>"
    )
    parsed = read_dataset(tmp_path, "voc", fallback_classes=[])
    assert parsed.problems and [i.filename for i in parsed.images] == ["a.png"]


def test_pixel_formats_write_whole_pixels_without_float_noise(tmp_path: Path) -> None:
    """A box on whole pixels is written as whole numbers (not 436.99999999999994) by COCO and LabelMe too."""
    from omni_core.formats.boxes import from_pixels
    from omni_core.formats.model import ExportImage

    images = [
        ExportImage(
            f"i{n}.png",
            997 + n,
            601 + n,
            (from_pixels(0, 437, 250, 13 * n + 1, 7 * n + 1, 997 + n, 601 + n),),
            lambda: b"",
        )
        for n in range(40)
    ]
    write("coco", tmp_path / "coco", images, ["train"] * len(images))
    write("labelme", tmp_path / "lm", images, ["train"] * len(images))
    document = json.loads((tmp_path / "coco/annotations/instances_train.json").read_text())
    numbers = [v for a in document["annotations"] for v in a["bbox"]]
    for path in (tmp_path / "lm/train").glob("*.json"):
        numbers += [v for point in json.loads(path.read_text())["shapes"][0]["points"] for v in point]
    assert len(numbers) == 40 * 8 and all(float(v).is_integer() for v in numbers)
