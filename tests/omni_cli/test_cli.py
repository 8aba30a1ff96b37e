"""The ``omni`` command as a user runs it: a real process, an embedded backend, exit codes, stderr."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.helpers import REPO, ServeProcess


def omni(*args: str, workspace: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OMNI_WORKSPACE": str(workspace)}
    return subprocess.run(
        [sys.executable, "-m", "omni_cli", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout
    )


def test_synth_restoration_with_an_embedded_backend(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    done = omni(
        "synth", "restoration", "--count", "3", "--size", "64", "--out", str(tmp_path / "pairs"), workspace=workspace
    )
    assert done.returncode == 0, done.stderr
    assert "succeeded" in done.stderr
    assert len(list((tmp_path / "pairs" / "clean").glob("*.png"))) == 3
    listed = omni("jobs", "list", "--json", workspace=workspace)
    jobs = json.loads(listed.stdout)
    assert [job["state"] for job in jobs] == ["succeeded"]
    shown = omni("jobs", "show", jobs[0]["id"], workspace=workspace)
    assert "state succeeded" in shown.stdout


def test_relative_out_is_relative_to_the_shell(tmp_path: Path) -> None:
    env = {**os.environ, "OMNI_WORKSPACE": str(tmp_path / "ws")}
    done = subprocess.run(
        [sys.executable, "-m", "omni_cli", "synth", "detection", "--count", "2", "--size", "64", "--out", "scenes"],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "scenes" / "data.yaml").is_file()


def test_bad_input_exits_non_zero_with_the_field_on_stderr(tmp_path: Path) -> None:
    done = omni("synth", "restoration", "--count", "-1", "--out", str(tmp_path / "x"), workspace=tmp_path / "ws")
    assert done.returncode == 1
    assert "count" in done.stderr and "(option --count)" in done.stderr  # read from the field violation
    missing = omni("jobs", "show", "nope", workspace=tmp_path / "ws")
    assert missing.returncode == 1
    assert "no job with id 'nope'" in missing.stderr


def test_commands_reuse_a_running_backend_and_take_backend_and_token(tmp_path: Path) -> None:
    server = ServeProcess(tmp_path / "ws", token="s3cret")
    try:
        via_discovery = omni("system", "--json", workspace=tmp_path / "ws")
        assert via_discovery.returncode == 0, via_discovery.stderr
        assert json.loads(via_discovery.stdout)["auth_required"] is True
        explicit = omni(
            "system", "--json", "--backend", server.address, "--token", "s3cret", workspace=tmp_path / "other"
        )
        assert json.loads(explicit.stdout)["workspace"] == str((tmp_path / "ws").resolve())
        wrong = omni("jobs", "list", "--backend", server.address, "--token", "bad", workspace=tmp_path / "other")
        assert wrong.returncode == 1
        assert "refused the token" in wrong.stderr
        detached = omni(
            "synth",
            "restoration",
            "--count",
            "2",
            "--size",
            "64",
            "--out",
            str(tmp_path / "p"),
            "--detach",
            workspace=tmp_path / "ws",
        )
        job_id = detached.stdout.strip()
        watched = omni("jobs", "watch", job_id, workspace=tmp_path / "ws")
        assert watched.returncode == 0, watched.stderr
        assert "succeeded" in watched.stderr
    finally:
        server.stop()


def test_progress_is_plain_lines_when_not_a_terminal(tmp_path: Path) -> None:
    done = omni(
        "synth",
        "restoration",
        "--count",
        "4",
        "--size",
        "64",
        "--out",
        str(tmp_path / "pairs"),
        workspace=tmp_path / "ws",
    )
    progress_lines = [line for line in done.stderr.splitlines() if "pairs" in line and "/4" in line]
    assert progress_lines
    assert "\x1b[" not in done.stderr  # no terminal control codes in logs
