"""``omni restore --self-ensemble``: a real process and embedded backend, in place and streamed; both write the
same ensembled images and the summary says the setting ran."""

from __future__ import annotations

from pathlib import Path

from tests.backend.batch.conftest import register, tiny_onnx, write_images  # noqa: F401 - tiny_onnx is a fixture
from tests.omni_cli.test_restore_cli import omni


def test_self_ensemble_in_place_and_streamed(tiny_onnx: Path, tmp_path: Path) -> None:  # noqa: F811
    workspace = tmp_path / "ws"
    register(workspace, tiny_onnx)
    write_images(tmp_path / "in", ["a.png"])
    for out, extra in (("plain", []), ("local", ["--self-ensemble"]), ("streamed", ["--self-ensemble", "--remote"])):
        done = omni("restore", str(tmp_path / "in"), str(tmp_path / out), "--layer", "1", *extra, workspace=workspace)
        assert done.returncode == 0, done.stderr
        assert f"self_ensemble {bool(extra)}" in done.stdout and "1 restored" in done.stdout
    ensembled = (tmp_path / "local" / "a.png").read_bytes()
    assert (tmp_path / "streamed" / "a.png").read_bytes() == ensembled != (tmp_path / "plain" / "a.png").read_bytes()
