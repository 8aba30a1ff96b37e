"""Ultralytics' own dataset checks accept every YOLO export: ``check_det_dataset`` on data.yaml, and
``verify_image_label`` (what training runs on every image) on every image and label. One subprocess
checks all the exports, to keep the cost of importing Ultralytics to once."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from backend.datasets.catalog import ClassChange
from backend.datasets.records import NewImage
from backend.datasets.service import DatasetService
from omni_core.formats.images import read_image_file
from omni_core.formats.model import Box
from tests.backend.datasets.conftest import JobRecorder
from tests.backend.datasets.test_import_export import make_rich_yolo, run_export, run_import
from tests.omni_core.formats.samples import write_image

CHECK = r"""
import json, sys
from pathlib import Path
from ultralytics.data.utils import check_det_dataset, img2label_paths, verify_image_label, IMG_FORMATS
results = {}
for yaml_file in sys.argv[1:]:
    data = check_det_dataset(yaml_file, autodownload=False)
    splits = {}
    for split in ("train", "val", "test"):
        if not data.get(split):
            continue
        images = sorted(str(p) for p in Path(data[split]).rglob("*") if p.suffix[1:].lower() in IMG_FORMATS)
        labels = img2label_paths(images)
        checked = [verify_image_label((im, lb, "", False, data["nc"], 0, 0, False)) for im, lb in zip(images, labels)]
        splits[split] = {
            "images": len(images),
            "corrupt": sum(c[8] for c in checked),
            "missing": sum(c[5] for c in checked),
            "boxes": sum(len(c[1]) for c in checked if c[1] is not None),
            "messages": [c[9] for c in checked if c[9]],
        }
    results[yaml_file] = {"nc": data["nc"], "names": data["names"], "splits": splits}
print(json.dumps(results))
"""


def ultralytics_check(yaml_files: list[Path], tmp_path: Path) -> dict:
    import matplotlib

    config = tmp_path / "yolo-config"
    (config / "Ultralytics").mkdir(parents=True)
    font = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    shutil.copy(font, config / "Ultralytics" / "Arial.ttf")  # so no font download is attempted
    env = {**os.environ, "YOLO_OFFLINE": "1", "YOLO_AUTOINSTALL": "0", "YOLO_CONFIG_DIR": str(config)}
    done = subprocess.run(
        [sys.executable, "-c", CHECK, *(str(p.resolve()) for p in yaml_files)],
        cwd=tmp_path,  # not an export folder: paths must resolve from each yaml file's location
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def add(service: DatasetService, dataset: str, path: Path, filename: str, boxes: list[Box]) -> None:
    _, sha, probe = read_image_file(path)
    service.add_images(dataset, [NewImage(sha, filename, probe, path.stat().st_size, path, tuple(boxes))])


def test_ultralytics_accepts_every_yolo_export(service: DatasetService, job: JobRecorder, tmp_path: Path) -> None:
    make_rich_yolo(tmp_path / "rich")
    run_import(service, job, tmp_path / "rich", "yolo", "rich")
    run_export(service, job, "rich", tmp_path / "out-rich", "yolo", split=(0.7, 0.2, 0.1), seed=4)
    run_export(service, job, "rich", tmp_path / "out-done", "yolo", statuses=(2,))

    service.create_dataset("one", ["a"])
    add(service, "one", write_image(tmp_path / "one.png", (50, 40)), "one.png", [Box(0, 0.5, 0.5, 1.0, 1.0)])
    run_export(service, job, "one", tmp_path / "out-one", "yolo")  # no validation image: val is train

    service.create_dataset("nested", ["a", "b", "c"])
    service.update_classes("nested", [ClassChange("delete", class_id=1)])  # its id stays reserved
    add(service, "nested", write_image(tmp_path / "n1.png", seed=11), "cam/1/shot.png", [Box(2, 0.3, 0.3, 0.2, 0.2)])
    add(service, "nested", write_image(tmp_path / "n2.jpg", seed=12), "cam/1/shot.jpg", [Box(0, 0.6, 0.6, 0.2, 0.3)])
    add(service, "nested", write_image(tmp_path / "n3.png", seed=13), "scan", [])
    add(service, "nested", write_image(tmp_path / "n4.png", seed=14), "images/x.png", [Box(0, 0.5, 0.5, 0.5, 0.5)])
    run_export(service, job, "nested", tmp_path / "out-nested", "yolo", split=(0.5, 0.5))

    exports = ["out-rich", "out-done", "out-one", "out-nested"]
    results = ultralytics_check([tmp_path / name / "data.yaml" for name in exports], tmp_path)
    for name in exports:
        result = results[str((tmp_path / name / "data.yaml").resolve())]
        local = yaml.safe_load((tmp_path / name / "data.yaml").read_text())
        assert result["names"] == {str(k): v for k, v in local["names"].items()}
        for split, counts in result["splits"].items():
            assert counts["images"] > 0 and counts["corrupt"] == 0 and counts["missing"] == 0, (name, split, counts)
            assert not counts["messages"], counts["messages"]
    rich = results[str((tmp_path / "out-rich" / "data.yaml").resolve())]
    assert {split: c["images"] for split, c in rich["splits"].items()} == {"train": 9, "val": 3, "test": 1}
    assert sum(c["boxes"] for c in rich["splits"].values()) == service.get_dataset("rich").box_count
    nested = results[str((tmp_path / "out-nested" / "data.yaml").resolve())]
    assert nested["names"] == {"0": "a", "1": "b", "2": "c"}
    assert sum(c["images"] for c in nested["splits"].values()) == 4
    assert sum(c["boxes"] for c in nested["splits"].values()) == 3
    one = results[str((tmp_path / "out-one" / "data.yaml").resolve())]
    assert one["splits"]["val"]["images"] == 1
