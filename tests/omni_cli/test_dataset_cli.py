"""``omni dataset ...`` as a user runs it, against a real ``omni serve``; ``--remote`` import on loopback gives
the same dataset as the in-place import job."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from desktop.client import Connection
from tests.helpers import REPO, ServeProcess
from tests.omni_core.formats.samples import write_bad_files, write_yolo, yolo_line


def omni(server: ServeProcess, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OMNI_WORKSPACE": str(server.workspace.parent / "unused")}
    command = [sys.executable, "-m", "omni_cli", *args, "--backend", server.address, "--token", server.token]
    return subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)


def snapshot(client: Connection, name: str) -> list[tuple[object, ...]]:
    page = client.list_images(name, page_size=1000)
    rows: list[tuple[object, ...]] = []
    for image in page.images:
        annotations = client.get_annotations(name, image.image_id)
        boxes = [(b.class_id, b.x_center, b.y_center, b.width, b.height) for b in annotations.boxes]
        rows.append((image.filename, image.image_id, image.status, image.revision, annotations.updated_by, boxes))
    return rows


def test_dataset_commands_end_to_end(tmp_path: Path) -> None:
    src = write_yolo(
        tmp_path / "src",
        ["crack", "hole", "rust"],
        {"a.png": [yolo_line(1, 0.5, 0.5, 0.2, 0.2), "9 0.5 0.5 0.1 0.1"], "b.png": [], "c.png": None},
    )
    write_bad_files(src / "images" / "train")
    server = ServeProcess(tmp_path / "ws")
    try:
        created = omni(server, "dataset", "create", "empty", "--classes", "x,y")
        assert created.returncode == 0, created.stderr
        assert "0:x, 1:y" in created.stdout

        local = omni(server, "dataset", "import", str(src), "--format", "yolo", "--name", "parts")
        assert local.returncode == 0, local.stderr
        assert "labels/train/a.txt:2: class id 9 is beyond the class list" in local.stderr
        assert "truncated.jpg" in local.stderr and "succeeded" in local.stderr

        remote = omni(server, "dataset", "import", str(src), "--format", "yolo", "--name", "copy", "--remote")
        assert remote.returncode == 0, remote.stderr
        assert "labels/train/a.txt:2: class id 9 is beyond the class list" in remote.stderr
        assert "copy: 3 images added" in remote.stderr and "4 files skipped" in remote.stderr
        with server.client() as client:
            assert snapshot(client, "copy") == snapshot(client, "parts")  # the same dataset either way
            assert [c.name for c in client.get_dataset("copy").classes] == ["crack", "hole", "rust"]
            again = omni(server, "dataset", "import", str(src), "--format", "yolo", "--name", "copy", "--remote")
            assert "0 images added, 3 already there" in again.stderr
            assert client.get_dataset("copy").image_count == 3

        stats = omni(server, "dataset", "stats", "parts")
        assert stats.returncode == 0, stats.stderr
        assert "parts: 3 images (todo 1, done 1, review 1), 1 boxes" in stats.stdout
        assert "images without boxes: 2" in stats.stdout and "hole" in stats.stdout

        classes = omni(server, "dataset", "classes", "parts", "--add", "dent", "--rename", "0=crack2", "--delete", "2")
        assert classes.returncode == 0, classes.stderr
        assert classes.stdout.split() == ["0", "crack2", "1", "hole", "2", "rust", "(deleted)", "3", "dent"]
        refused = omni(server, "dataset", "classes", "parts", "--delete", "1")
        assert refused.returncode == 1 and "used by 1 boxes" in refused.stderr

        out = tmp_path / "exported"
        exported = omni(server, "dataset", "export", "parts", str(out), "--format", "coco", "--split", "0.5,0.5")
        assert exported.returncode == 0, exported.stderr
        assert sorted(p.name for p in (out / "annotations").iterdir()) == ["instances_train.json", "instances_val.json"]
        missing = omni(server, "dataset", "export", "nope", str(tmp_path / "x"), "--format", "yolo")
        assert missing.returncode == 1 and "no dataset named 'nope'" in missing.stderr

        listed = omni(server, "dataset", "list", "--json")
        assert [d["name"] for d in json.loads(listed.stdout)] == ["copy", "empty", "parts"]
        assert omni(server, "dataset", "delete", "copy").returncode == 0
        assert "copy" not in omni(server, "dataset", "list").stdout
    finally:
        server.stop()
