"""``omni eval`` as a user runs it (``main([...])`` in this process) against a real loopback backend: it prints
the typed result (a table, or its JSON form); and with a remote backend it refuses --pred/--ref, which name
folders on this machine, before sending anything, unless --on-backend says they are the backend's."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from backend.rpc.server import Backend
from omni_cli.main import main
from tests.backend.conftest import TOKEN, backend, make_backend  # noqa: F401 - a real loopback backend
from tests.backend.restoration.test_evaluation_event import _folders


def test_eval_of_two_folders_prints_the_typed_result(
    backend: Backend,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    pred, ref = _folders(tmp_path)
    where = ["--backend", f"127.0.0.1:{backend.port}", "--token", TOKEN]
    assert main(["eval", "--pred", str(pred), "--ref", str(ref), *where]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].split() == ["Image", "PSNR", "SSIM"]
    assert lines[1].split()[:3] == ["a", "inf", "1.0000"]
    assert lines[3].startswith("mean of 2")
    assert f"skipped {pred / 'lonely.png'}: no reference" in out
    assert main(["eval", "--pred", str(pred), "--ref", str(ref), "--json", *where]) == 0
    result = json.loads(capsys.readouterr().out)["folders"]
    assert result["count"] == 2 and math.isinf(float(result["images"][0]["psnr"]))


def test_eval_of_folders_on_a_remote_backend_is_refused_naming_the_flags(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pred, ref = _folders(tmp_path)
    remote = ["--backend", "192.0.2.1:50051", "--token", "omni_unused"]  # TEST-NET: nothing answers there
    assert main(["eval", "--pred", str(pred), "--ref", str(ref), *remote]) == 2
    err = capsys.readouterr().err
    assert "--pred and --ref" in err and "remote" in err and "--on-backend" in err
