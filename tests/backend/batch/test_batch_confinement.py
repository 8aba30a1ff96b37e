"""``restore_batch`` on a confined backend (a real server, worker and ONNX model): images linked from outside
the workspace are listed as skipped and never read, and an output folder that became a link out of the
workspace is refused before anything is written."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from backend.rpc.server import Backend
from desktop.client import BackendError, BackendTarget, Connection
from omni_core.confinement import OUTSIDE
from protos.omni.v1 import batch_pb2, jobs_pb2
from tests.backend.batch.conftest import register, write_images
from tests.backend.conftest import TOKEN
from tests.helpers import wait_for_state


def spec(source: str, out: str) -> jobs_pb2.JobSpec:
    return jobs_pb2.JobSpec(restore_batch=batch_pb2.RestoreBatchSpec(input=source, out=out, recursive=True, layer=1))


def test_a_confined_batch_reads_and_writes_only_inside_the_workspace(
    make_backend: Callable[..., Backend], tiny_onnx: Path, tmp_path: Path
) -> None:
    backend = make_backend(workspace=tmp_path / "ws", host_paths_allowed=False)
    root = backend.workspace.root
    register(root, tiny_onnx)
    outside = tmp_path / "outside"
    write_images(outside, ["secret.png", "deeper/also.png"])
    before = sorted(path.relative_to(outside) for path in outside.rglob("*"))
    source = root / "training-data" / "scans"
    write_images(source, ["a.png"])
    (source / "leak.png").symlink_to(outside / "secret.png")
    (source / "linked").symlink_to(outside / "deeper", target_is_directory=True)
    with Connection(BackendTarget(f"127.0.0.1:{backend.port}", token=TOKEN)) as client:
        final = wait_for_state(client, client.submit(spec("training-data/scans", "restored")).id, timeout=120)
        assert final.state == jobs_pb2.JOB_STATE_SUCCEEDED, final.message
        out = root / "restored"
        summary = json.loads((out / "restore-summary.json").read_text(encoding="utf-8"))
        assert summary["counts"]["restored"] == 1
        skipped = {item["file"]: item["reason"] for item in summary["skipped"]}
        assert skipped == {"leak.png": OUTSIDE, "linked": OUTSIDE}
        with Image.open(out / "a.png"):
            pass
        # the output folder is replaced by a link out of the workspace: running (resuming) it again is refused
        out.rename(root / "restored-before")
        taken = tmp_path / "taken"
        taken.mkdir()
        out.symlink_to(taken, target_is_directory=True)
        with pytest.raises(BackendError) as caught:
            client.submit(spec("training-data/scans", "restored"))
        assert caught.value.code == "PERMISSION_DENIED" and caught.value.message.startswith("out:")
    assert not list(taken.iterdir())
    assert sorted(path.relative_to(outside) for path in outside.rglob("*")) == before
