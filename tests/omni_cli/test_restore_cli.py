"""``omni restore`` as a user runs it: a real process with an embedded backend, in place (a job) or
streamed (``--remote``), exit codes, the summary on stdout, and Ctrl+C; and streamed to ``omni serve`` on
loopback as to a remote backend, the token from the environment."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from omni_core.partial import TEMP_SUFFIX
from tests.backend.batch.conftest import register, tiny_onnx, write_images  # noqa: F401 - tiny_onnx is a fixture
from tests.helpers import REPO, ServeProcess, wait_for

EXIT_SOME_FAILED = 3


def omni(*args: str, workspace: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OMNI_WORKSPACE": str(workspace)}
    return subprocess.run(
        [sys.executable, "-m", "omni_cli", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout
    )


def test_restore_in_place_then_streamed(tiny_onnx: Path, tmp_path: Path) -> None:  # noqa: F811
    workspace = tmp_path / "ws"
    version = register(workspace, tiny_onnx)
    source = tmp_path / "scans"
    names = ["a.png", "dir with space/b.jpg"]
    write_images(source, names)
    done = omni("restore", str(source), str(tmp_path / "local"), "--recursive", "--layer", "1", workspace=workspace)
    assert done.returncode == 0, done.stderr
    assert "RESTORE SUMMARY" in done.stdout and "2 restored" in done.stdout and version in done.stdout
    assert "succeeded" in done.stderr
    (source / "zero.png").write_bytes(b"")
    streamed = omni(
        "restore", str(source), str(tmp_path / "remote"), "--recursive", "--model", version, "--remote",
        workspace=workspace,
    )  # fmt: skip
    assert streamed.returncode == EXIT_SOME_FAILED, streamed.stderr
    assert "(remote)" in streamed.stdout and "zero.png: empty file (0 bytes)" in streamed.stdout
    for name in names:
        assert (tmp_path / "remote" / name).read_bytes() == (tmp_path / "local" / name).read_bytes()
    again = omni("restore", str(source), str(tmp_path / "local"), "--recursive", "--layer", "1", workspace=workspace)
    assert again.returncode == EXIT_SOME_FAILED and "0 restored, 2 skipped, 1 failed" in again.stdout
    assert "a.png: already restored" in again.stdout


def test_bad_requests_exit_1_naming_the_field(tiny_onnx: Path, tmp_path: Path) -> None:  # noqa: F811
    workspace = tmp_path / "ws"
    write_images(tmp_path / "in", ["a.png"])
    missing = omni("restore", str(tmp_path / "in"), str(tmp_path / "out"), workspace=workspace)
    assert missing.returncode == 1 and "model: no restoration model of layer_2" in missing.stderr
    register(workspace, tiny_onnx)
    gpu = omni(
        "restore", str(tmp_path / "in"), str(tmp_path / "out"), "--layer", "1", "--require-provider", "cuda",
        workspace=workspace,
    )  # fmt: skip
    assert gpu.returncode == 1 and "require_provider: CUDAExecutionProvider could not be initialised" in gpu.stderr
    remote = omni(
        "restore", str(tmp_path / "in"), str(tmp_path / "in" / "x"), "--recursive", "--layer", "1", "--remote",
        workspace=workspace,
    )  # fmt: skip
    assert remote.returncode == 1 and "out:" in remote.stderr and "--recursive would read" in remote.stderr


def _interrupt(args: list[str], workspace: Path, out: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OMNI_WORKSPACE": str(workspace)}
    process = subprocess.Popen(
        [sys.executable, "-m", "omni_cli", *args], cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, start_new_session=True,
    )  # fmt: skip
    try:
        wait_for(lambda: len(list(out.glob("*.png"))) >= 2 or process.poll() is not None, timeout=60, what="outputs")
        assert process.poll() is None, process.communicate()
        os.killpg(process.pid, signal.SIGINT)  # as a terminal does: to the CLI and every process it started
        stdout, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    return subprocess.CompletedProcess(args, process.returncode, stdout, stderr)


def test_ctrl_c_stops_cleanly_and_a_second_run_resumes(tiny_onnx: Path, tmp_path: Path) -> None:  # noqa: F811
    workspace = tmp_path / "ws"
    register(workspace, tiny_onnx)
    source = tmp_path / "in"
    # 64 tiles an image, one per call: long enough (~4 s on 2 cores) for the interrupt to land mid-run, also
    # now that a CPU runs one call per core at once
    write_images(source, [f"{n:02d}.png" for n in range(30)], size=(512, 512))
    slow = ["--layer", "1", "--tile", "64", "--overlap", "16", "--batch-size", "1"]
    for mode, extra in (("local", []), ("remote", ["--remote"])):
        out = tmp_path / mode
        stopped = _interrupt(["restore", str(source), str(out), *slow, *extra], workspace, out)
        assert stopped.returncode == 130, stopped.stderr
        assert "stopped: the outputs written are whole" in stopped.stderr
        time.sleep(0.5)  # a cancelled job's worker has finished its last write by now
        written = list(out.iterdir())
        assert not [p for p in written if TEMP_SUFFIX in p.name], mode
        images = [p for p in written if p.suffix == ".png"]
        assert 2 <= len(images) < 30, mode
        resumed = omni("restore", str(source), str(out), *slow, *extra, workspace=workspace)
        assert resumed.returncode == 0, resumed.stderr
        assert f"30 found, {30 - len(images)} restored, {len(images)} skipped" in resumed.stdout, mode


# -- against ``omni serve`` on loopback, as against a remote backend ------------------------------------------

TOKEN = "remote-token"


@pytest.fixture
def served(tiny_onnx: Path, tmp_path: Path) -> Iterator[ServeProcess]:  # noqa: F811
    """``omni serve`` on loopback with a registered layer-1 model, as a remote backend would be."""
    workspace = tmp_path / "ws"
    register(workspace, tiny_onnx)
    server = ServeProcess(workspace, token=TOKEN)
    try:
        yield server
    finally:
        server.stop()


def remote_command(source: Path, out: Path, address: str, *extra: str) -> list[str]:
    return [
        sys.executable, "-m", "omni_cli", "restore", str(source), str(out), "--remote", "--backend", address, *extra,
    ]  # fmt: skip


def test_a_refused_token_fails_and_says_so_in_out(served: ServeProcess, tmp_path: Path) -> None:
    source, out = tmp_path / "in", tmp_path / "out"
    write_images(source, ["a.png"])
    command = remote_command(source, out, served.address, "--layer", "1")
    wrong = subprocess.run(
        command, cwd=REPO, env={**os.environ, "OMNI_TOKEN": "wrong"}, capture_output=True, text=True, timeout=60
    )  # the token comes from the environment
    assert wrong.returncode == 1 and "refused the token" in wrong.stderr
    # the refused run says so in OUT too (it is the latest run there)
    summary = json.loads((out / "restore-summary.json").read_text())
    assert summary["state"] == "failed" and "refused the token" in summary["message"]
    assert not (out / "a.png").exists()


def test_a_flat_run_says_how_many_subfolders_it_did_not_enter(served: ServeProcess, tmp_path: Path) -> None:
    source = tmp_path / "in"
    write_images(source, ["a.png", "2024/b.png", "2025/c.png"])
    env = {**os.environ, "OMNI_TOKEN": TOKEN}
    command = remote_command(source, tmp_path / "flat", served.address, "--layer", "1")
    printed = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert printed.returncode == 0, printed.stderr
    assert "Subfolders: 2 not entered (not recursive; run with --recursive" in printed.stdout
    summary = json.loads((tmp_path / "flat" / "restore-summary.json").read_text())
    assert summary["counts"]["restored"] == 1 and summary["counts"]["subfolders_not_entered"] == 2
