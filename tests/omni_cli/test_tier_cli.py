"""``omni restore --tier`` and ``omni models`` with tiers, as a user runs them (a real process, an embedded
backend): the tier's promoted version is used, not the newest; an empty tier is refused saying how to fill it."""

from __future__ import annotations

from pathlib import Path

from backend.registry import ModelRegistry
from backend.storage import LocalStore
from tests.backend.batch.conftest import tiny_onnx, write_images  # noqa: F401 - tiny_onnx is a fixture
from tests.omni_cli.test_restore_cli import omni


def test_restore_by_tier(tiny_onnx: Path, tmp_path: Path) -> None:  # noqa: F811
    workspace = tmp_path / "ws"
    registry = ModelRegistry(LocalStore(workspace))
    promoted = registry.register("layer_1", {"onnx": tiny_onnx}, {"architecture": "layer1"}).version
    newest = registry.register("layer_1", {"onnx": tiny_onnx}, {"architecture": "layer1"}).version
    write_images(tmp_path / "in", ["a.png"])

    missing = omni("restore", str(tmp_path / "in"), str(tmp_path / "out"), "--tier", "fast", workspace=workspace)
    assert missing.returncode == 1
    assert "tier: the fast tier has no current version" in missing.stderr and "omni models promote" in missing.stderr

    shown = omni("models", "promote", promoted, workspace=workspace)
    assert shown.returncode == 0 and "current model of layer_1 and of the fast tier" in shown.stdout
    done = omni("restore", str(tmp_path / "in"), str(tmp_path / "out"), "--tier", "fast", workspace=workspace)
    assert done.returncode == 0, done.stderr
    assert promoted in done.stdout and newest not in done.stdout
    streamed = omni(
        "restore", str(tmp_path / "in"), str(tmp_path / "streamed"), "--tier", "fast", "--remote", workspace=workspace
    )
    assert streamed.returncode == 0 and promoted in streamed.stdout, streamed.stderr
    quality = omni("restore", str(tmp_path / "in"), str(tmp_path / "q"), "--tier", "quality", workspace=workspace)
    assert quality.returncode == 1 and "the quality tier has no current version" in quality.stderr
    bad = omni("restore", str(tmp_path / "in"), str(tmp_path / "q"), "--tier", "turbo", workspace=workspace)
    assert bad.returncode == 2 and "--tier" in bad.stderr and "fast, quality" in bad.stderr

    listing = omni("models", "list", workspace=workspace)
    rows = {line.split()[1] if line.startswith("*") else line.split()[0]: line for line in listing.stdout.splitlines()}
    assert " fast " in rows[promoted] and rows[promoted].startswith("*") and " fast " in rows[newest]
