"""The model's domain in a batch, and the warning when the inputs look like the other domain: the heuristic
on real pages and photos, then through a real local job and a real stream (summary, log, outputs)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from backend.registry import ModelRegistry
from backend.restoration.real_set import REAL_IMAGES, RealImage, load
from backend.rpc.server import Backend
from backend.storage import LocalStore
from desktop.client import Connection
from omni_core.batch.domain_check import check_inputs, domain_warning, look_of, model_domain
from omni_core.batch.params import RestoreOptions
from omni_core.batch.remote import RemoteRestore, restore_remote
from protos.omni.v1 import batch_pb2, jobs_pb2
from tests.helpers import wait_for_state

IMAGES = {image.name: image for image in REAL_IMAGES}
PAGES, PHOTOS = ("page",), ("coffee", "chelsea", "rocket", "flower")


def _write(folder: Path, names: tuple[str, ...], side: int = 96) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index, name in enumerate(names):
        image = Image.fromarray(load(IMAGES[name]))
        image.thumbnail((side, side))
        paths.append(folder / f"{index}-{name}.png")
        image.save(paths[-1])
    return paths


def test_pages_and_colour_photos_are_told_apart() -> None:
    assert look_of(load(IMAGES["page"])) == "document"
    assert all(look_of(load(IMAGES[name])) == "photo" for name in PHOTOS)
    assert all(look_of(load(IMAGES[name])) != "document" for name in ("astronaut", "china", "ihc"))
    grey_photo = RealImage("camera", "skimage", "data", "camera.png", "photo", "train")  # not a training photo
    assert look_of(load(grey_photo)) != "document"


def test_the_warning_fires_only_for_the_other_domain(tmp_path: Path) -> None:
    pages = _write(tmp_path / "pages", PAGES * 3)
    photos = _write(tmp_path / "photos", PHOTOS)
    assert "trained for photos" in check_inputs("photo", pages) and "3 of 3" in check_inputs("photo", pages)
    assert "trained for documents" in check_inputs("document", photos)
    assert check_inputs("photo", photos) == "" and check_inputs("document", pages) == ""
    assert check_inputs("unknown", pages) == "" and check_inputs("photo", []) == ""
    assert domain_warning("photo", ["document", "photo", "unclear"]) == ""  # not most of them
    assert model_domain({}) == "unknown" and model_domain({"domain": "photo"}) == "photo"
    assert model_domain({"domain": ""}) == "not stated"  # trained from a pair folder without --domain
    (tmp_path / "pages" / "broken.png").write_bytes(b"not a png")
    assert "trained for photos" in check_inputs("photo", sorted((tmp_path / "pages").iterdir()))


def _register(workspace: Path, onnx: Path, domain: str | None) -> str:
    card = {"architecture": "layer1", **({"domain": domain} if domain is not None else {})}
    return ModelRegistry(LocalStore(workspace)).register("layer_1", {"onnx": onnx}, card).version


@pytest.mark.parametrize(("domain", "inputs", "warned"), [("photo", PAGES * 2, True), ("photo", PHOTOS[:2], False)])
def test_a_local_job_says_the_domain_and_warns(
    backend: Backend,
    client: Connection,
    tiny_onnx: Path,
    tmp_path: Path,
    domain: str,
    inputs: tuple[str, ...],
    warned: bool,
) -> None:
    version = _register(backend.workspace.root, tiny_onnx, domain)
    source, out = tmp_path / "in", tmp_path / "out"
    _write(source, inputs)
    spec = batch_pb2.RestoreBatchSpec(input=str(source), out=str(out), model=version)
    final = wait_for_state(client, client.submit(jobs_pb2.JobSpec(restore_batch=spec)).id, timeout=120)
    assert final.state == jobs_pb2.JOB_STATE_SUCCEEDED, final.message
    assert final.outputs["model_domain"] == domain
    summary = json.loads((out / "restore-summary.json").read_text(encoding="utf-8"))
    text = (out / "restore-summary.txt").read_text(encoding="utf-8")
    assert summary["model"]["domain"] == domain and "Trained for: photos" in text
    warnings = [
        e.log.message
        for e in client.watch_job(final.id)
        if e.WhichOneof("payload") == "log" and e.log.level == jobs_pb2.LogLine.LEVEL_WARNING
    ]
    assert bool(summary["domain_warning"]) is warned and ("WARNING:" in text) is warned
    assert any(line.startswith("domain: this model was trained for photos") for line in warnings) is warned


def test_a_stream_says_the_domain_of_an_older_model_is_unknown_and_a_document_model_warns(
    backend: Backend, client: Connection, tiny_onnx: Path, tmp_path: Path
) -> None:
    older = _register(backend.workspace.root, tiny_onnx, None)
    source = tmp_path / "photos"
    _write(source, PHOTOS[:2])
    logs: list[tuple[str, str]] = []
    request = RemoteRestore(source, tmp_path / "a", RestoreOptions(model=older))
    summary = restore_remote(client, request, on_log=lambda message, level: logs.append((level, message)))
    assert summary.model_domain == "unknown" and not summary.domain_warning
    assert "Trained for: unknown" in (tmp_path / "a" / "restore-summary.txt").read_text(encoding="utf-8")
    unstated = _register(backend.workspace.root, tiny_onnx, "")
    request = RemoteRestore(source, tmp_path / "c", RestoreOptions(model=unstated))
    summary = restore_remote(client, request)
    assert summary.model_domain == "not stated" and not summary.domain_warning
    assert "Trained for: not stated (trained on a pair folder without --domain)" in (
        tmp_path / "c" / "restore-summary.txt"
    ).read_text(encoding="utf-8")
    document = _register(backend.workspace.root, tiny_onnx, "document")
    logs.clear()
    request = RemoteRestore(source, tmp_path / "b", RestoreOptions(model=document))
    summary = restore_remote(client, request, on_log=lambda message, level: logs.append((level, message)))
    assert summary.model_domain == "document" and "trained for documents" in summary.domain_warning
    assert ("warning", f"domain: {summary.domain_warning}") in logs
    data = json.loads((tmp_path / "b" / "restore-summary.json").read_text(encoding="utf-8"))
    assert data["domain_warning"] == summary.domain_warning
