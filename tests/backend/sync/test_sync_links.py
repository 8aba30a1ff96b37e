"""Sync moves the artifact store's own files only: a link in the workspace is neither pushed (its target could
be any file of the server) nor written through on a pull (nothing lands outside the workspace)."""

from __future__ import annotations

import json
from pathlib import Path

from protos.omni.v1 import jobs_pb2
from tests.backend.sync.conftest import Side

SUCCEEDED = jobs_pb2.JOB_STATE_SUCCEEDED
SECRET = "SECRET-OUTSIDE"


def _report(root: Path, job: str) -> Path:
    folder = root / "training-outputs" / "reports" / job
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "report.json").write_text(json.dumps({"id": job, "state": "succeeded"}))
    (folder / "report.txt").write_text("TRAINING REPORT\n")
    return folder


def test_links_are_not_pushed_and_not_written_through(remote_pair: tuple[Side, Side], tmp_path: Path) -> None:
    a, b = remote_pair
    outside = tmp_path / "outside"
    (outside / "evil").mkdir(parents=True)
    (outside / "evil" / "report.json").write_text(json.dumps({"id": "job-evil", "secret": SECRET}))
    (outside / "secret.txt").write_text(SECRET)
    _report(a.root, "job-x")
    (a.root / "training-outputs" / "reports" / "job-evil").symlink_to(outside / "evil", target_is_directory=True)
    (a.root / "training-outputs" / "reports" / "job-x" / "extra.txt").symlink_to(outside / "secret.txt")
    pushed = a.sync("push", reports=True)
    assert pushed.state == SUCCEEDED, pushed.message
    taken = tmp_path / "taken"
    taken.mkdir()
    (b.root / "training-outputs" / "reports").mkdir(parents=True, exist_ok=True)
    (b.root / "training-outputs" / "reports" / "job-x").symlink_to(taken, target_is_directory=True)
    pulled = b.sync("pull", reports=True)
    assert pulled.state != SUCCEEDED and "symbolic link" in pulled.message, pulled.message
    assert not list(taken.iterdir())  # nothing written through b's link
    (b.root / "training-outputs" / "reports" / "job-x").unlink()
    pulled = b.sync("pull", reports=True)
    assert pulled.state == SUCCEEDED, pulled.message
    got = sorted(p.relative_to(b.root).as_posix() for p in (b.root / "training-outputs").rglob("*") if p.is_file())
    assert got == ["training-outputs/reports/job-x/report.json", "training-outputs/reports/job-x/report.txt"]
