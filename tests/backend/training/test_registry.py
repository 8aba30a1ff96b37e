"""The model registry on a real local store: versions, current model, compare, half-written uploads."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend.registry import ModelRegistry
from backend.registry.registry import layer_of
from backend.storage import LocalStore
from omni_core.errors import FailedPrecondition, InvalidArgument, NotFound


def _files(tmp_path: Path, tag: str) -> dict[str, Path]:
    weights, onnx = tmp_path / f"{tag}.pt", tmp_path / f"{tag}.onnx"
    weights.write_bytes(b"w" * 100)
    onnx.write_bytes(b"o" * 50)
    return {"weights": weights, "onnx": onnx}


def test_register_list_promote_delete_compare(tmp_path: Path) -> None:
    registry = ModelRegistry(LocalStore(tmp_path / "store"))
    first = registry.register(
        "layer_2", _files(tmp_path, "a"), {"metrics": {"psnr": 30.0, "ssim": 0.9}, "created_at": 1000.0}
    )
    second = registry.register(
        "layer_2", _files(tmp_path, "b"), {"metrics": {"psnr": 31.5, "ssim": 0.92}, "created_at": 2000.0}
    )
    other = registry.register("layer_1", _files(tmp_path, "c"), {"metrics": {"psnr": 29.0}, "created_at": 1500.0})
    assert first.version.startswith("restoration_layer2_")
    assert other.version.startswith("restoration_layer1_")
    assert first.version != second.version
    assert first.card["size_bytes"] == 150
    assert [m.version for m in registry.list(layer="layer_2")] == [second.version, first.version]
    assert [m.version for m in registry.list(kind="restoration")] == [second.version, other.version, first.version]
    assert registry.list(kind="detector") == []
    assert registry.current("layer_2") is None
    assert registry.previous("layer_2", before=second.version).version == first.version
    registry.promote(first.version)
    assert registry.get(first.version).current
    assert registry.previous("layer_2").version == first.version
    with pytest.raises(FailedPrecondition, match="current model"):
        registry.delete(first.version)
    comparison = registry.compare(first.version, second.version)
    assert comparison["metrics"]["psnr"]["change"] == pytest.approx(1.5)
    assert comparison["metrics"]["ssim"]["change"] == pytest.approx(0.02)
    registry.delete(second.version)
    with pytest.raises(NotFound):
        registry.get(second.version)
    assert not list(LocalStore(tmp_path / "store").list(f"models/layer_2/{second.version}/"))


def test_a_version_without_its_card_is_not_listed(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    store.put_bytes("models/layer_2/restoration_layer2_20260101_000000/model.pt", b"half an upload")
    assert ModelRegistry(store).list() == []


def test_bad_names_are_refused(tmp_path: Path) -> None:
    registry = ModelRegistry(LocalStore(tmp_path))
    for bad in ("", "../x", "restoration_layer3_20260101_000000", "model"):
        with pytest.raises(InvalidArgument, match="version"):
            layer_of(bad)
    with pytest.raises(InvalidArgument, match="layer"):
        registry.list(layer="layer_9")
    with pytest.raises(NotFound):
        registry.promote("restoration_layer1_20260101_000000")
