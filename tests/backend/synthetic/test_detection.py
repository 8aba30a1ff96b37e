from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from PIL import Image

from backend.storage.local import LocalStore
from backend.synthetic.defects import DRAWERS, drawer
from backend.synthetic.detection import _place, generate_detection, is_val, preview_detection
from backend.synthetic.params import DEFAULT_CLASSES, SynthDetectionParams
from omni_core.errors import InvalidArgument, JobCancelled
from tests.backend.synthetic.conftest import RecordingContext

SIZE = 96


def params(out: Path, **changes: object) -> SynthDetectionParams:
    values: dict[str, object] = {"count": 12, "out": str(out), "size": SIZE, "seed": 3, "max_objects": 4}
    return SynthDetectionParams(**{**values, **changes})  # type: ignore[arg-type]


def parse_labels(text: str) -> list[tuple[int, float, float, float, float]]:
    rows = []
    for line in text.splitlines():
        cls, *box = line.split()
        assert all(len(value.split(".")[1]) == 6 for value in box)  # six decimals
        rows.append((int(cls), *map(float, box)))
    return rows  # type: ignore[return-value]


def assert_valid_labels(text: str, n_classes: int) -> None:
    for cls, xc, yc, w, h in parse_labels(text):
        assert 0 <= cls < n_classes
        assert all(0 < v <= 1 for v in (xc, yc, w, h))
        assert xc - w / 2 >= -1e-6 and xc + w / 2 <= 1 + 1e-6
        assert yc - h / 2 >= -1e-6 and yc + h / 2 <= 1 + 1e-6
        assert w * SIZE >= 3 and h * SIZE >= 3  # not degenerate


def test_preview_is_deterministic_and_labelled(tmp_path: Path) -> None:
    png, label = preview_detection(params(tmp_path), 5)
    assert preview_detection(params(tmp_path), 5) == (png, label)
    assert preview_detection(params(tmp_path, seed=4), 5)[0] != png
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG" and image.size == (SIZE, SIZE)
    assert label.strip()
    assert_valid_labels(label, len(DEFAULT_CLASSES))
    with pytest.raises(InvalidArgument) as caught:
        preview_detection(params(tmp_path), -1)
    assert caught.value.field == "index"


@pytest.mark.parametrize("name", [*DRAWERS, "crack", "label_with-dash"])
def test_boxes_tightly_enclose_what_is_drawn(name: str) -> None:
    rng = np.random.default_rng(11)
    canvas = np.full((128, 128, 3), 0.5, dtype=np.float32)
    before = canvas.copy()
    box = _place(rng, canvas, drawer(name)(rng, 40), 0, [], inside=True)
    assert box is not None
    changed = np.abs(canvas - before).max(axis=2) > 0
    ys, xs = np.nonzero(changed)
    assert (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1) == (box.x0, box.y0, box.x1, box.y1)


def test_split_is_even_and_keeps_one_validation_image() -> None:
    assert [i for i in range(10) if is_val(i, 0.2)] == [1, 5]
    assert sum(is_val(i, 0.2) for i in range(1000)) == 200
    assert [i for i in range(2) if is_val(i, 0.01)] == [1]
    assert not any(is_val(i, 0.0) for i in range(100))


def test_generate_writes_a_yolo_dataset(out_dir: Path, store: LocalStore, ctx: RecordingContext) -> None:
    summary = generate_detection(params(out_dir), store, ctx)
    assert (summary["written"], summary["skipped"], summary["count"]) == (12, 0, 12)
    assert summary["train"] + summary["val"] == 12 and summary["val"] >= 1
    seen: set[int] = set()
    for split in ("train", "val"):
        images = sorted(p.stem for p in (out_dir / "images" / split).glob("*.jpg"))
        labels = sorted(p.stem for p in (out_dir / "labels" / split).glob("*.txt"))
        assert images == labels and images
        for stem in labels:
            text = (out_dir / "labels" / split / f"{stem}.txt").read_text()
            assert_valid_labels(text, len(DEFAULT_CLASSES))
            seen.update(row[0] for row in parse_labels(text))
            with Image.open(out_dir / "images" / split / f"{stem}.jpg") as image:
                assert image.size == (SIZE, SIZE)
    assert seen == set(range(len(DEFAULT_CLASSES)))  # every class appears
    data = yaml.safe_load((out_dir / "data.yaml").read_text())
    assert data["train"] == "images/train" and data["val"] == "images/val"
    assert data["names"] == dict(enumerate(DEFAULT_CLASSES))
    manifest = json.loads((out_dir / "manifest.json").read_text())
    assert manifest["complete"] is True and len(manifest["images"]) == 12
    assert sum(manifest["instances"].values()) == sum(len(entry["objects"]) for entry in manifest["images"])
    assert {a["kind"] for a in ctx.artifacts} == {"manifest", "data-yaml"}
    assert ctx.outputs["out"] == str(out_dir) and ctx.progress_calls[-1] == (12, 12, "images")


def test_custom_classes_all_appear(out_dir: Path, store: LocalStore, ctx: RecordingContext) -> None:
    classes = ("crack", "Dent", "graffiti", "hole")
    generate_detection(params(out_dir, classes=classes, count=4, max_objects=1), store, ctx)
    found = {row[0] for path in (out_dir / "labels").rglob("*.txt") for row in parse_labels(path.read_text())}
    assert found == {0, 1, 2, 3}


def test_resume_redoes_an_image_without_its_label(out_dir: Path, store: LocalStore, ctx: RecordingContext) -> None:
    generate_detection(params(out_dir, count=4), store, ctx)
    before = {path: path.read_bytes() for path in out_dir.rglob("*") if path.suffix in (".jpg", ".txt")}
    label = next((out_dir / "labels" / "train").glob("*.txt"))
    label.unlink()
    summary = generate_detection(params(out_dir, count=4), store, ctx)
    assert (summary["written"], summary["skipped"]) == (1, 3)
    assert {path: path.read_bytes() for path in out_dir.rglob("*") if path.suffix in (".jpg", ".txt")} == before


def test_cancellation_leaves_only_complete_images(tmp_path: Path, out_dir: Path, store: LocalStore) -> None:
    with pytest.raises(JobCancelled):
        generate_detection(params(out_dir), store, RecordingContext(scratch_dir=tmp_path, cancel_after=4))
    images = sorted(p.stem for p in (out_dir / "images").rglob("*.jpg"))
    labels = sorted(p.stem for p in (out_dir / "labels").rglob("*.txt"))
    assert images == labels == [f"scene_{i:06d}" for i in range(4)]
    assert not (out_dir / "data.yaml").exists()


def test_without_validation_images_training_images_validate(
    out_dir: Path, store: LocalStore, ctx: RecordingContext
) -> None:
    generate_detection(params(out_dir, count=2, val_fraction=0.0), store, ctx)
    assert yaml.safe_load((out_dir / "data.yaml").read_text())["val"] == "images/train"


def test_ultralytics_accepts_the_data_yaml(
    tmp_path: Path, out_dir: Path, store: LocalStore, ctx: RecordingContext
) -> None:
    classes = ("dent", "rust", "crack")
    generate_detection(params(out_dir, classes=classes, count=4), store, ctx)
    config = tmp_path / "yolo-config"
    (config / "Ultralytics").mkdir(parents=True)
    import matplotlib

    font = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    shutil.copy(font, config / "Ultralytics" / "Arial.ttf")  # so no font download is attempted
    env = {**os.environ, "YOLO_OFFLINE": "1", "YOLO_AUTOINSTALL": "0", "YOLO_CONFIG_DIR": str(config)}
    script = (
        "import json, sys\n"
        "from ultralytics.data.utils import check_det_dataset\n"
        "data = check_det_dataset(sys.argv[1], autodownload=False)\n"
        "print(json.dumps({'nc': data['nc'], 'names': data['names'], 'val': str(data['val'])}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str((out_dir / "data.yaml").resolve())],
        cwd=tmp_path,  # not the dataset folder: paths must resolve from the yaml file's location
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["nc"] == 3
    assert result["names"] == {"0": "dent", "1": "rust", "2": "crack"}
    assert Path(result["val"]) == (out_dir / "images" / "val").resolve()
