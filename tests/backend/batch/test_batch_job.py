"""``restore_batch`` as a real job on a real server (loopback, token, worker process, ONNX Runtime):
whole folders, resume, bad input, refusals before the start, provider reporting, cancel."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from backend.rpc.server import Backend
from desktop.client import BackendError, Connection
from desktop.models.batch_run_model import BatchRunModel
from omni_core.partial import TEMP_SUFFIX
from protos.omni.v1 import batch_pb2, jobs_pb2
from tests.backend.batch.conftest import register, write_images
from tests.helpers import wait_for_progress, wait_for_state

SUCCEEDED = jobs_pb2.JOB_STATE_SUCCEEDED


def spec(source: Path, out: Path, **values: object) -> jobs_pb2.JobSpec:
    message = batch_pb2.RestoreBatchSpec(input=str(source), out=str(out), **values)  # type: ignore[arg-type]
    return jobs_pb2.JobSpec(restore_batch=message)


def run(client: Connection, job_spec: jobs_pb2.JobSpec, timeout: float = 120) -> jobs_pb2.Job:
    return wait_for_state(client, client.submit(job_spec).id, timeout=timeout)


def summary(out: Path) -> dict[str, object]:
    return json.loads((out / "restore-summary.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _bad_files(source: Path) -> None:
    (source / "empty.png").write_bytes(b"")
    (source / "text.png").write_text("a letter, not a picture")
    whole = (source / "ok 1.png").read_bytes()
    (source / "cut.png").write_bytes(whole[: len(whole) // 2])
    (source / "readme.txt").write_text("hello")
    (source / "loop").symlink_to(".", target_is_directory=True)


def test_a_whole_folder_then_resume(backend: Backend, client: Connection, tiny_onnx: Path, tmp_path: Path) -> None:
    version = register(backend.workspace.root, tiny_onnx)
    source, out = tmp_path / "scans in", tmp_path / "restored ü"
    names = ["ok 1.png", "ok 2.jpg", "2024/März/página 3.png", "2024/deep/er/x.tif"]
    write_images(source, names)
    _bad_files(source)
    final = run(client, spec(source, out, recursive=True, layer=1))
    assert final.state == SUCCEEDED, final.message
    assert final.outputs["model"] == version and final.outputs["provider"] == "CPUExecutionProvider"
    assert final.outputs["restored"] == "4" and final.outputs["failed"] == "3"
    assert final.outputs["model_note"].startswith("layer_1 has no promoted version; using its newest")
    for name in names:
        with Image.open(source / name) as before, Image.open(out / name) as after:
            assert (after.size, after.mode, after.format) == (before.size, before.mode, before.format)
    data = summary(out)
    assert data["counts"] == {"found": 7, "restored": 4, "skipped": 2, "failed": 3, "subfolders_not_entered": 0}
    failed = {item["file"]: item["reason"] for item in data["failed"]}
    assert failed["empty.png"] == "empty file (0 bytes)"
    assert failed["text.png"].startswith("not an image")
    assert failed["cut.png"].startswith("truncated")
    skipped = {item["file"]: item["reason"] for item in data["skipped"]}
    assert skipped["readme.txt"].startswith("not an image") and skipped["loop/"].startswith("symbolic link loop")
    assert data["provider"] == "CPUExecutionProvider" and data["throughput"]["images_per_second"] > 0
    # the default tile: the model's probed memory per pixel against the free memory; small images go whole
    assert data["settings"]["tile"] == "auto" and "KiB per pixel" in data["tile_limit"]
    assert [(p["plan"], p["images"]) for p in data["tile_plans"]] == [("whole", 4)]
    text = (out / "restore-summary.txt").read_text(encoding="utf-8")
    assert "RESTORE SUMMARY" in text and f"Tiles:      {data['tile_limit']}" in text and "4 image(s): whole" in text
    events = list(client.watch_job(final.id))
    progress = [e.progress for e in events if e.WhichOneof("payload") == "progress"]
    assert progress[-1].unit == "images" and progress[-1].done == progress[-1].total == 7
    logs = [e.log.message for e in events if e.WhichOneof("payload") == "log"]
    assert "execution provider: CPUExecutionProvider" in logs
    assert any(line.startswith("model ") and "no promoted version" in line for line in logs)
    assert not any(name in line for line in logs for name in ("empty.png", "cut.png"))  # failures are items
    items = [e.item for e in events if e.WhichOneof("payload") == "item"]
    by_input = {item.input: item for item in items}
    assert len(items) == len(by_input) == 9  # one per file, images or not
    assert set(by_input) == {*names, "empty.png", "text.png", "cut.png", "readme.txt", "loop/"}
    good = by_input["2024/März/página 3.png"]
    assert (good.ok, good.skipped, good.reason, good.output) == (True, False, "", "2024/März/página 3.png")
    assert good.size_bytes == (out / good.output).stat().st_size
    with Image.open(source / good.input) as image:
        assert (good.width, good.height) == image.size
    cut = by_input["cut.png"]
    assert (cut.ok, cut.skipped, cut.output) == (False, False, "") and cut.reason.startswith("truncated")
    assert by_input["empty.png"].reason == "empty file (0 bytes)" and not by_input["empty.png"].ok
    text_file = by_input["readme.txt"]
    assert text_file.skipped and not text_file.ok and text_file.reason.startswith("not an image")
    # the desktop's run model lists them from these events alone
    model = BatchRunModel()
    model.start(final)
    for event in events:
        model.apply_event(event)
    assert sorted(model.restored()) == sorted(names)
    assert {f.input: f.reason for f in model.failures} == failed

    # resume: nothing to do; then two outputs damaged or gone are redone, and only those
    again = run(client, spec(source, out, recursive=True, layer=1))
    assert again.outputs["restored"] == "0" and again.outputs["skipped"] == "6"
    resumed = {e.item.input: e.item for e in client.watch_job(again.id) if e.WhichOneof("payload") == "item"}
    assert all(resumed[name].skipped and resumed[name].output == name for name in names)
    (out / "ok 1.png").unlink()
    cut = out / "2024" / "März" / "página 3.png"
    cut.write_bytes(cut.read_bytes()[:100])
    third = run(client, spec(source, out, recursive=True, layer=1))
    assert third.outputs["restored"] == "2"
    restored = sorted(item["file"] for item in summary(out)["skipped"] if "already" in item["reason"])
    assert restored == ["2024/deep/er/x.tif", "ok 2.jpg"]


def test_refused_before_the_job_starts(backend: Backend, client: Connection, tiny_onnx: Path, tmp_path: Path) -> None:
    source = tmp_path / "in"
    write_images(source, ["a.png"])

    def refused(job_spec: jobs_pb2.JobSpec) -> BackendError:
        with pytest.raises(BackendError) as caught:
            client.submit(job_spec)
        return caught.value

    error = refused(spec(source, tmp_path / "out"))
    assert error.code == "NOT_FOUND" and error.message.startswith("model: no restoration model of layer_2")
    version = register(backend.workspace.root, tiny_onnx)
    detector = register(backend.workspace.root, tiny_onnx, layer="detector")
    for values, code, field in (
        ({"model": detector}, "INVALID_ARGUMENT", "model"),
        ({"model": "restoration_layer1_20200101_000000"}, "NOT_FOUND", "model"),
        ({"model": "nonsense"}, "INVALID_ARGUMENT", "model"),
        ({"model": version, "layer": 2}, "INVALID_ARGUMENT", "layer"),
        ({"model": version, "tile": 16}, "INVALID_ARGUMENT", "tile"),
        ({"model": version, "format": "gif"}, "INVALID_ARGUMENT", "format"),
        ({"model": version, "require_provider": "rocm"}, "INVALID_ARGUMENT", "require_provider"),
    ):
        error = refused(spec(source, tmp_path / "out", **values))
        assert (error.code, error.message.split(":")[0]) == (code, field), (values, error.message)
    assert "detector model, not a restoration model" in refused(spec(source, tmp_path / "o", model=detector)).message
    error = refused(spec(source, source, model=version))
    assert error.code == "INVALID_ARGUMENT" and "is the input folder" in error.message
    error = refused(spec(source, source / "out", model=version, recursive=True))
    assert error.message.startswith("out:") and "--recursive would read the outputs" in error.message
    assert client.list_jobs(kinds=["restore_batch"]) == []
    # OUT inside IN without --recursive cannot re-read outputs: accepted, and a second run finds them done
    inside = run(client, spec(source, source / "out", model=version))
    assert inside.state == SUCCEEDED and inside.outputs["restored"] == "1"
    assert run(client, spec(source, source / "out", model=version)).outputs["skipped"] == "1"


def test_current_model_and_required_provider(
    backend: Backend, client: Connection, tiny_onnx: Path, tmp_path: Path
) -> None:
    first = register(backend.workspace.root, tiny_onnx, layer="layer_2")
    register(backend.workspace.root, tiny_onnx, layer="layer_2")
    client.promote_model(first)
    source = tmp_path / "in"
    write_images(source, ["a.png"])
    done = run(client, spec(source, tmp_path / "out"))  # --model current --layer 2 (the defaults)
    assert done.state == SUCCEEDED and done.outputs["model"] == first and "model_note" not in done.outputs
    assert done.spec.restore_batch.model == first  # the resolved version, so a resume uses the same one
    failed = run(client, spec(source, tmp_path / "gpu", require_provider="cuda"))
    assert failed.state == jobs_pb2.JOB_STATE_FAILED
    assert failed.message.startswith("require_provider: CUDAExecutionProvider could not be initialised (")
    assert "drop --require-provider" in failed.message


def test_cancel_leaves_only_whole_outputs_and_resume_finishes(
    backend: Backend, client: Connection, tiny_onnx: Path, tmp_path: Path
) -> None:
    register(backend.workspace.root, tiny_onnx)
    source, out = tmp_path / "in", tmp_path / "out"
    write_images(source, [f"{n:03d}.png" for n in range(40)], size=(256, 256))
    # 64 px tiles one per call: slow enough to be caught in the middle
    job = client.submit(spec(source, out, layer=1, tile=64, overlap=16, batch_size=1))
    wait_for_progress(client, job.id, done=2)
    client.cancel_job(job.id)
    cancelled = wait_for_state(client, job.id)
    assert cancelled.state == jobs_pb2.JOB_STATE_CANCELLED and cancelled.resumable
    written = sorted(p for p in out.rglob("*") if p.is_file())
    assert not [p for p in written if TEMP_SUFFIX in p.name]
    images = [p for p in written if p.suffix == ".png"]
    assert 2 <= len(images) < 40
    for path in images:
        with Image.open(path) as image:
            image.load()
            assert image.size == (256, 256)
    assert summary(out)["state"] == "cancelled"
    resumed = wait_for_state(client, client.resume_job(job.id).id, timeout=180)
    assert resumed.state == SUCCEEDED
    assert int(resumed.outputs["restored"]) == 40 - len(images)
    assert int(resumed.outputs["skipped"]) == len(images)


def test_reference_metrics_match_omni_eval(
    backend: Backend, client: Connection, tiny_onnx: Path, tmp_path: Path
) -> None:
    from backend.restoration.metrics import psnr, ssim
    from backend.restoration.pairs import load_rgb

    register(backend.workspace.root, tiny_onnx)
    source, out, ref = tmp_path / "in", tmp_path / "out", tmp_path / "ref"
    write_images(source, ["a.png", "b.png"])
    write_images(ref, ["a.jpg"])  # any extension; b has no reference
    done = run(client, spec(source, out, layer=1, ref=str(ref)))
    assert done.state == SUCCEEDED, done.message
    section = summary(out)["reference"]
    assert section["count"] == 1  # type: ignore[index]
    assert section["not_measured"] == [{"file": "b.png", "reason": "no reference with this name"}]  # type: ignore[index]
    clean = load_rgb(ref / "a.jpg").astype(np.float64) / 255
    for side, path in (("before", source / "a.png"), ("after", out / "a.png")):
        image = load_rgb(path).astype(np.float64) / 255
        assert section[f"psnr_{side}"] == pytest.approx(psnr(image, clean))  # type: ignore[index]
        assert section[f"ssim_{side}"] == pytest.approx(ssim(image, clean))  # type: ignore[index]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their permissions")
def test_unreadable_file_is_listed(backend: Backend, client: Connection, tiny_onnx: Path, tmp_path: Path) -> None:
    register(backend.workspace.root, tiny_onnx)
    source = tmp_path / "in"
    (locked,) = write_images(source, ["locked.png"])
    write_images(source, ["fine.png"])
    locked.chmod(0)
    done = run(client, spec(source, tmp_path / "out", layer=1))
    assert done.outputs["failed"] == "1"
    assert summary(tmp_path / "out")["failed"] == [{"file": "locked.png", "reason": "unreadable: permission denied"}]
