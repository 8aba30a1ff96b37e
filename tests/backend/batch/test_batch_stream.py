"""The Batch service on a real loopback server: the client streams images (several in flight) and writes
the results itself, byte-identical to a job's, with the same resume rule and summary."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from PIL import Image

from backend.rpc.server import Backend
from desktop.client import BackendError, Connection
from omni_core.batch.params import RestoreOptions
from omni_core.batch.remote import ProgressView, RemoteRestore, restore_remote
from omni_core.partial import TEMP_SUFFIX
from protos.omni.v1 import batch_pb2, jobs_pb2
from tests.backend.batch.conftest import register, write_images
from tests.helpers import wait_for_state


def test_streamed_results_equal_the_job_s(
    backend: Backend, client: Connection, tiny_onnx: Path, tmp_path: Path
) -> None:
    register(backend.workspace.root, tiny_onnx)
    source = tmp_path / "in"
    names = ["a.png", "b c.jpg", "sub/ü.tif", "sub/big.png"]
    write_images(source, names[:3])
    write_images(source, names[3:], size=(300, 700))  # tiled (256 px tiles)
    (source / "empty.png").write_bytes(b"")
    options = {"layer": 1, "tile": 256, "recursive": True}
    job = client.submit(
        jobs_pb2.JobSpec(
            restore_batch=batch_pb2.RestoreBatchSpec(input=str(source), out=str(tmp_path / "local"), **options)  # type: ignore[arg-type]
        )
    )
    assert wait_for_state(client, job.id).state == jobs_pb2.JOB_STATE_SUCCEEDED
    views: list[ProgressView] = []
    request = RemoteRestore(source, tmp_path / "remote", RestoreOptions(layer=1, tile=256), recursive=True)
    result = restore_remote(client, request, on_progress=views.append)
    for name in names:
        assert (tmp_path / "remote" / name).read_bytes() == (tmp_path / "local" / name).read_bytes(), name
    local = json.loads((tmp_path / "local" / "restore-summary.json").read_text())
    remote = json.loads((tmp_path / "remote" / "restore-summary.json").read_text())
    assert remote["mode"] == "remote" and remote["state"] == "finished" and result.state == "finished"
    tiled = "2x3 tiles of 168x256 px, 1.23x the pixels, 3 per call"  # 300x700 under 256 px tiles
    assert {p["plan"] for p in local["tile_plans"]} == {"whole", tiled}
    assert local["tile_limit"] == "256 px tiles asked for"
    for key in ("counts", "failed", "skipped", "provider", "model", "provider_warnings", "settings", "tile_limit"):
        assert remote[key] == local[key], key
    plans = [{p["plan"]: p["images"] for p in summary["tile_plans"]} for summary in (local, remote)]
    assert plans[0] == plans[1] == {"whole": 3, tiled: 1}
    assert views[-1].done == views[-1].total == 5 and views[-1].rate > 0
    again = restore_remote(client, request)  # resume: everything is there already
    assert len(again.restored) == 0 and len(again.skipped) == 4


def test_stream_errors_come_before_any_result(backend: Backend, client: Connection, tiny_onnx: Path) -> None:
    def start_error(**values: object) -> BackendError:
        start = batch_pb2.RestoreStreamStart(**values)  # type: ignore[arg-type]
        with pytest.raises(BackendError) as caught:
            list(client.restore_stream(start, iter([("a.png", b"x", None)])))
        return caught.value

    error = start_error(layer=1)
    assert (error.code, error.message.split(":")[0]) == ("NOT_FOUND", "model")
    register(backend.workspace.root, tiny_onnx)
    detector = register(backend.workspace.root, tiny_onnx, layer="detector")
    assert start_error(model=detector).code == "INVALID_ARGUMENT"
    assert start_error(layer=1, overlap=300).message.startswith("overlap:")
    error = start_error(layer=1, require_provider="cuda")
    assert error.code == "FAILED_PRECONDITION" and "CUDAExecutionProvider could not be initialised" in error.message


def test_a_run_the_backend_refuses_still_leaves_a_failed_summary(client: Connection, tmp_path: Path) -> None:
    write_images(tmp_path / "in", ["a.png"])
    request = RemoteRestore(tmp_path / "in", tmp_path / "out", RestoreOptions(model="restoration_layer2_nope"))
    with pytest.raises(BackendError) as caught:
        restore_remote(client, request)
    assert caught.value.code == "INVALID_ARGUMENT" and caught.value.message.startswith("model:")
    summary = json.loads((tmp_path / "out" / "restore-summary.json").read_text())
    assert summary["state"] == "failed" and "restoration_layer2_nope" in summary["message"]
    assert summary["counts"]["restored"] == 0 and not (tmp_path / "out" / "a.png").exists()


def test_bad_ids_and_bad_bytes_fail_alone(
    backend: Backend, client: Connection, tiny_onnx: Path, tmp_path: Path
) -> None:
    register(backend.workspace.root, tiny_onnx)
    (good,) = write_images(tmp_path, ["good.png"])
    images = [
        ("../escape.png", good.read_bytes(), None),
        ("junk.png", b"junk", None),
        ("good.png", good.read_bytes(), None),
    ]
    responses = list(client.restore_stream(batch_pb2.RestoreStreamStart(layer=1), iter(images), chunk_bytes=1000))
    kinds = [r.WhichOneof("message") for r in responses]
    assert kinds[0] == "ready" and kinds[-1] == "done" and kinds.count("result") == 3
    results = {r.result.id: r.result for r in responses if r.WhichOneof("message") == "result"}
    assert results["../escape.png"].reason.startswith("refused: id: ")
    assert results["junk.png"].reason.startswith("not an image")
    assert results["good.png"].restored and results["good.png"].output == "good.png"
    with Image.open(tmp_path / "good.png") as before:
        assert before.size == (results["good.png"].width, results["good.png"].height)
    ready = responses[0].ready
    assert ready.provider == "CPUExecutionProvider" and ready.tile == 0 and "KiB per pixel" in ready.tile_limit
    assert results["good.png"].plan == "whole"


def test_interrupting_a_stream_leaves_whole_outputs(
    backend: Backend, client: Connection, tiny_onnx: Path, tmp_path: Path
) -> None:
    register(backend.workspace.root, tiny_onnx)
    source, out = tmp_path / "in", tmp_path / "out"
    write_images(source, [f"{n:02d}.png" for n in range(20)], size=(128, 128))

    def interrupt(view: ProgressView) -> None:
        if view.done == 3:
            raise KeyboardInterrupt

    request = RemoteRestore(source, out, RestoreOptions(layer=1))
    with pytest.raises(KeyboardInterrupt):
        restore_remote(client, request, on_progress=interrupt)
    files = [p for p in out.iterdir() if p.suffix == ".png"]
    assert len(files) == 3 and not [p for p in out.iterdir() if TEMP_SUFFIX in p.name]
    assert json.loads((out / "restore-summary.json").read_text())["state"] == "stopped"
    finished = restore_remote(client, request)
    assert len(finished.restored) == 17 and len(finished.skipped) == 3


def test_a_stop_event_ends_the_stream_and_a_second_run_resumes(
    backend: Backend, client: Connection, tiny_onnx: Path, tmp_path: Path
) -> None:
    """The way the desktop's Cancel and the CLI's Ctrl+C stop a run: set from another thread, the stream is
    cancelled while it waits for results, the summary says "stopped" and is returned, not raised."""
    register(backend.workspace.root, tiny_onnx)
    source, out = tmp_path / "in", tmp_path / "out"
    write_images(source, [f"{n:02d}.png" for n in range(20)], size=(128, 128))
    stop = threading.Event()
    seen: list[int] = []

    def stop_from_elsewhere(view: ProgressView) -> None:
        seen.append(view.done)
        if view.done == 3:
            threading.Thread(target=stop.set).start()

    request = RemoteRestore(source, out, RestoreOptions(layer=1, tile=64, overlap=8, batch_size=1))
    summary = restore_remote(client, request, on_progress=stop_from_elsewhere, stop=stop)
    assert summary.state == "stopped" and "run again to resume" in summary.message
    files = [p for p in out.iterdir() if p.suffix == ".png"]
    assert 3 <= len(files) == len(summary.restored) < 20 and seen[-1] == len(files)
    assert not [p for p in out.iterdir() if TEMP_SUFFIX in p.name]
    for path in files:
        with Image.open(path) as image:
            image.load()
    assert json.loads((out / "restore-summary.json").read_text())["state"] == "stopped"
    finished = restore_remote(client, request, stop=threading.Event())
    assert finished.state == "finished" and len(finished.restored) + len(finished.skipped) == 20
    assert len(finished.skipped) == len(files)
