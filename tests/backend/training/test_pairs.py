"""Finding training pairs: every kind of bad file is skipped and counted with its reason."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from backend.restoration.datasets import EpochSampler, PairImages, TrainPatches, split_pairs
from backend.restoration.pairs import scan_pairs
from omni_core.errors import InvalidArgument


def _image(path: Path, size: tuple[int, int] = (40, 30), seed: int = 0) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    array = np.random.default_rng(seed).integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)
    Image.fromarray(array).save(path)


def test_scan_counts_every_rejection(tmp_path: Path) -> None:
    for name in ("a", "b", "c"):
        _image(tmp_path / "clean" / f"{name}.png")
        _image(tmp_path / "degraded" / f"{name}.png", seed=1)
    _image(tmp_path / "clean" / "jpeg.jpg")  # formats may differ between the two sides
    _image(tmp_path / "degraded" / "jpeg.png")
    _image(tmp_path / "clean" / "lonely.png")
    _image(tmp_path / "clean" / "small.png")
    _image(tmp_path / "degraded" / "small.png", size=(20, 15))
    (tmp_path / "clean" / "empty.png").write_bytes(b"")
    _image(tmp_path / "degraded" / "empty.png")
    _image(tmp_path / "clean" / "cut.png", size=(64, 64))
    full = (tmp_path / "clean" / "cut.png").read_bytes()
    (tmp_path / "clean" / "cut.png").write_bytes(full[: len(full) // 2])
    _image(tmp_path / "degraded" / "cut.png", size=(64, 64))
    (tmp_path / "clean" / "notes.txt").write_text("not an image")
    scan = scan_pairs(tmp_path)
    assert [clean.name for clean, _ in scan.pairs] == ["a.png", "b.png", "c.png", "jpeg.jpg"]
    reasons = {Path(item.file).name: item.reason for item in scan.rejected}
    assert reasons["lonely.png"].startswith("unpaired")
    assert reasons["small.png"].startswith("size mismatch")
    assert reasons["empty.png"].startswith("unreadable")
    assert reasons["cut.png"].startswith("unreadable")
    assert reasons["notes.txt"].startswith("not an image")
    summary = scan.summary()
    assert summary["valid_pairs"] == 4
    assert summary["files_seen"] == 16
    assert summary["rejected"] == 5
    assert scan_pairs(tmp_path, max_pairs=2).pairs == scan.pairs[:2]


def test_missing_folders_are_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "clean").mkdir()
    with pytest.raises(InvalidArgument, match="degraded/ is missing"):
        scan_pairs(tmp_path)


def test_crops_are_aligned_and_deterministic(tmp_path: Path) -> None:
    _image(tmp_path / "clean" / "a.png", size=(50, 40))
    (tmp_path / "degraded").mkdir()
    Image.open(tmp_path / "clean" / "a.png").save(tmp_path / "degraded" / "a.png")
    _image(tmp_path / "clean" / "tiny.png", size=(10, 12), seed=3)
    Image.open(tmp_path / "clean" / "tiny.png").save(tmp_path / "degraded" / "tiny.png")
    images = PairImages(scan_pairs(tmp_path).pairs)
    dataset = TrainPatches(images, patch=16, seed=5)
    degraded, clean = dataset[(0, 0)]
    assert degraded.shape == clean.shape == (3, 16, 16)
    assert (degraded == clean).all()  # identical sources: the crops must be the same window
    again, _ = dataset[(0, 0)]
    assert (again == degraded).all()
    other_epoch, _ = dataset[(1, 0)]
    assert not (other_epoch == degraded).all()
    small, _ = dataset[(0, 1)]  # smaller than the patch: padded, not refused
    assert small.shape == (3, 16, 16)
    sampler = EpochSampler(10, seed=1)
    sampler.set_epoch(3)
    first = list(sampler)
    assert first == list(sampler)
    assert sorted(index for _, index in first) == list(range(10))
    assert {epoch for epoch, _ in first} == {3}


def test_split_is_deterministic_and_never_empty() -> None:
    pairs = [(Path(f"c{i}"), Path(f"d{i}")) for i in range(20)]
    train, val = split_pairs(pairs, 0.1, seed=0)
    assert len(val) == 2 and len(train) == 18
    assert split_pairs(pairs, 0.1, seed=0) == (train, val)
    assert set(train).isdisjoint(val)
    assert split_pairs(pairs[:2], 0.01, seed=0)[1]
    single = pairs[:1]
    assert split_pairs(single, 0.5, seed=0) == (single, single)
