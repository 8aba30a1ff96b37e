"""A run without ``recursive`` over a folder with subfolders says how many it did not enter: in the
summary's typed counts (``BatchCounts`` in the contract), its text, and the job's outputs; as a job on a
real backend and streamed from a client."""

from __future__ import annotations

import json
from pathlib import Path

from backend.rpc.server import Backend
from desktop.client import Connection
from omni_core.batch.params import RestoreOptions
from omni_core.batch.remote import RemoteRestore, restore_remote
from omni_core.batch.summary import read_counts
from protos.omni.v1 import batch_pb2, jobs_pb2
from tests.backend.batch.conftest import register, write_images
from tests.helpers import wait_for_state


def _folder(source: Path) -> None:
    write_images(source, ["a.png", "b.jpg", "2024/c.png", "2025/deeper/d.png"])
    (source / "empty").mkdir()
    (source / ".hidden").mkdir()  # hidden folders are not counted: nobody expects them read


def _counts(out: Path) -> batch_pb2.BatchCounts:
    return read_counts(json.loads((out / "restore-summary.json").read_text()))


def test_subfolders_not_entered_in_the_summary(
    backend: Backend, client: Connection, tiny_onnx: Path, tmp_path: Path
) -> None:
    register(backend.workspace.root, tiny_onnx)
    source = tmp_path / "in"
    _folder(source)
    flat = batch_pb2.RestoreBatchSpec(input=str(source), out=str(tmp_path / "flat"), layer=1)
    job = wait_for_state(client, client.submit(jobs_pb2.JobSpec(restore_batch=flat)).id, timeout=120)
    assert job.state == jobs_pb2.JOB_STATE_SUCCEEDED, job.message
    assert _counts(tmp_path / "flat") == batch_pb2.BatchCounts(found=2, restored=2, subfolders_not_entered=3)
    assert job.outputs["subfolders_not_entered"] == "3"
    text = (tmp_path / "flat" / "restore-summary.txt").read_text()
    assert "Subfolders: 3 not entered (not recursive; run with --recursive to restore their images)" in text

    streamed = restore_remote(client, RemoteRestore(source, tmp_path / "streamed", RestoreOptions(layer=1)))
    assert streamed.subfolders_not_entered == 3
    assert _counts(tmp_path / "streamed") == _counts(tmp_path / "flat")

    deep = batch_pb2.RestoreBatchSpec(input=str(source), out=str(tmp_path / "deep"), layer=1, recursive=True)
    job = wait_for_state(client, client.submit(jobs_pb2.JobSpec(restore_batch=deep)).id, timeout=120)
    assert _counts(tmp_path / "deep") == batch_pb2.BatchCounts(found=4, restored=4)
    assert job.outputs["subfolders_not_entered"] == "0"
    assert "Subfolders:" not in (tmp_path / "deep" / "restore-summary.txt").read_text()


def test_a_folder_with_only_subfolders_says_to_recurse(
    backend: Backend, client: Connection, tiny_onnx: Path, tmp_path: Path
) -> None:
    register(backend.workspace.root, tiny_onnx)
    source = tmp_path / "in"
    write_images(source, ["2024/a.png", "2025/b.png"])
    spec = batch_pb2.RestoreBatchSpec(input=str(source), out=str(tmp_path / "out"), layer=1)
    from desktop.client import BackendError

    try:
        job = wait_for_state(client, client.submit(jobs_pb2.JobSpec(restore_batch=spec)).id, timeout=120)
        message = job.message
    except BackendError as error:  # refused at submit
        message = error.message
    assert "2 subfolder(s) not entered: use --recursive" in message
    assert _counts(tmp_path / "out").subfolders_not_entered == 2
