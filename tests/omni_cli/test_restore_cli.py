"""``omni restore`` as a user runs it: a real process with an embedded backend, in place (a job) or
streamed (``--remote``), exit codes, the summary on stdout, and Ctrl+C; and as the desktop runs it:
``--events jsonl`` against ``omni serve`` on loopback, token in the environment, stopped with SIGTERM."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from google.protobuf import json_format
from PIL import Image

from desktop.models.batch_model import BatchRunModel
from omni_core.partial import TEMP_SUFFIX
from protos.omni.v1 import jobs_pb2
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
    write_images(source, [f"{n:02d}.png" for n in range(30)], size=(256, 256))
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


# -- --events jsonl: what the desktop's Batch view reads --------------------------------------------------

TOKEN = "events-token"
SLOW = ["--layer", "1", "--tile", "64", "--overlap", "16", "--batch-size", "1"]


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


def events_command(source: Path, out: Path, address: str, *extra: str) -> list[str]:
    return [
        sys.executable, "-m", "omni_cli", "restore", str(source), str(out), "--remote", "--backend", address,
        *extra, "--events", "jsonl",
    ]  # fmt: skip


def parse_lines(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines()]  # every line is JSON, nothing else


def test_events_jsonl_tell_a_streamed_run(served: ServeProcess, tmp_path: Path) -> None:
    source, out = tmp_path / "in", tmp_path / "out"
    write_images(source, ["a.png", "sub/b.jpg"])
    (source / "zero.png").write_bytes(b"")
    env = {**os.environ, "OMNI_TOKEN": TOKEN}
    command = events_command(source, out, served.address, "--layer", "1", "--recursive")
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == EXIT_SOME_FAILED, done.stderr
    lines = parse_lines(done.stdout)
    progress = [line for line in lines if line["type"] == "progress"]
    assert {line["total"] for line in progress} == {3} and max(line["done"] for line in progress) == 3
    assert {line["message"] for line in progress} == {"a.png", "sub/b.jpg", "zero.png"}
    # one item line per file: the ItemOutcome message by its field names, read back with json_format
    items = [json_format.ParseDict(line["item"], jobs_pb2.ItemOutcome()) for line in lines if line["type"] == "item"]
    by_input = {item.input: item for item in items}
    assert len(items) == len(by_input) == 3
    zero, good = by_input["zero.png"], by_input["sub/b.jpg"]
    assert (zero.ok, zero.skipped, zero.output, zero.reason) == (False, False, "", "empty file (0 bytes)")
    assert (good.ok, good.output, good.reason) == (True, "sub/b.jpg", "")
    assert good.size_bytes == (out / "sub/b.jpg").stat().st_size and good.width > 0 and good.height > 0
    run = BatchRunModel()  # the desktop's run model reads them as they are
    run.start_remote(str(source), str(out), "same", True)
    for line in lines:
        run.apply_stream_line(line)
    assert sorted(run.restored()) == ["a.png", "sub/b.jpg"]
    assert [(f.input, f.reason) for f in run.failures] == [("zero.png", "empty file (0 bytes)")]
    end = lines[-1]
    assert [line["type"] for line in lines].count("end") == 1
    assert (end["type"], end["state"], end["error"], end["restored"], end["failed"]) == ("end", "finished", "", 2, 1)
    assert Path(end["summary_text"]) == out.resolve() / "restore-summary.txt"
    assert "RESTORE SUMMARY" in Path(end["summary_text"]).read_text()
    assert json.loads(Path(end["summary_json"]).read_text())["state"] == "finished"

    wrong = subprocess.run(
        command, cwd=REPO, env={**env, "OMNI_TOKEN": "wrong"}, capture_output=True, text=True, timeout=60
    )  # the token comes from the environment
    assert wrong.returncode == 1
    end = parse_lines(wrong.stdout)[-1]
    assert end["state"] == "failed" and "refused the token" in end["error"]
    # the refused run says so in OUT too (it is the latest run there)
    assert "refused the token" in json.loads(Path(end["summary_json"]).read_text())["message"]

    in_place = subprocess.run(
        command[:6] + command[7:], cwd=REPO, env=env, capture_output=True, text=True, timeout=60
    )  # without --remote, a backend on loopback would run a job: no events for that
    assert in_place.returncode == 1 and "--events needs a streamed run" in in_place.stderr


def read_lines(process: subprocess.Popen[str]) -> tuple[queue.Queue[str], threading.Thread]:
    """The child's stdout lines as they come (a thread reads them until it closes)."""
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)

    thread = threading.Thread(target=pump, daemon=True)
    thread.start()
    return lines, thread


def test_sigterm_stops_a_streamed_run_cleanly(served: ServeProcess, tmp_path: Path) -> None:
    source, out = tmp_path / "in", tmp_path / "out"
    write_images(source, [f"{n:02d}.png" for n in range(30)], size=(256, 256))
    process = subprocess.Popen(
        events_command(source, out, served.address, *SLOW), cwd=REPO, env={**os.environ, "OMNI_TOKEN": TOKEN},
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        pending, reader = read_lines(process)
        seen: list[dict[str, Any]] = []
        while sum(line["type"] == "progress" for line in seen) < 2:
            seen.append(json.loads(pending.get(timeout=60)))
        process.terminate()  # SIGTERM, as the desktop's Cancel
        code = process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    reader.join(timeout=10)
    seen += [json.loads(pending.get_nowait()) for _ in range(pending.qsize())]
    assert code == 130
    end = seen[-1]
    assert (end["type"], end["state"]) == ("end", "stopped") and 2 <= end["restored"] < 30
    assert json.loads(Path(end["summary_json"]).read_text())["state"] == "stopped"
    written = list(out.iterdir())
    assert not [path for path in written if TEMP_SUFFIX in path.name]
    images = [path for path in written if path.suffix == ".png"]
    assert len(images) == end["restored"]
    for path in images:  # whole: every output decodes to its full size
        with Image.open(path) as image:
            image.load()
            assert image.size == (256, 256)


def test_a_flat_run_says_how_many_subfolders_it_did_not_enter(served: ServeProcess, tmp_path: Path) -> None:
    """In the summary the CLI prints, and in the end line the desktop reads (from the typed counts)."""
    source = tmp_path / "in"
    write_images(source, ["a.png", "2024/b.png", "2025/c.png"])
    env = {**os.environ, "OMNI_TOKEN": TOKEN}
    command = events_command(source, tmp_path / "events", served.address, "--layer", "1")
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    end = parse_lines(done.stdout)[-1]
    assert (end["restored"], end["failed"], end["subfolders_not_entered"]) == (1, 0, 2)
    printed = subprocess.run(
        command[:-2], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )  # the same run for a person: the summary on stdout
    assert printed.returncode == 0, printed.stderr
    assert "Subfolders: 2 not entered (not recursive; run with --recursive" in printed.stdout
