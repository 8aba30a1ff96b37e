"""Torch datasets over scanned pairs: random aligned crops for training, whole images for validation.

Randomness is a pure function of ``(seed, epoch, index)``, never of worker or process state, so a run
resumed at epoch k sees exactly the crops and order an uninterrupted run would have seen.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Protocol, TypeVar

import numpy as np
import torch
from torch.utils.data import Dataset, Sampler

from backend.restoration.pairs import load_rgb

CACHE_LIMIT_BYTES = 2 << 30
Item = TypeVar("Item")


class ImagePairs(Protocol):
    """What training patches and validation read: ``len`` and (clean, degraded) uint8 images by index."""

    def __len__(self) -> int: ...

    def get(self, index: int) -> tuple[np.ndarray, np.ndarray]: ...


ValidationPairs = ImagePairs


class PairImages:
    """Decoded pairs, kept in memory when they fit in ``CACHE_LIMIT_BYTES`` (small sets decode once)."""

    def __init__(self, pairs: list[tuple[Path, Path]]) -> None:
        self.pairs = pairs
        self._cache: list[tuple[np.ndarray, np.ndarray]] | None = None
        estimate = 0
        for clean, _ in pairs[:8]:
            estimate += load_rgb(clean).nbytes * 2
        if pairs and estimate / min(8, len(pairs)) * len(pairs) <= CACHE_LIMIT_BYTES:
            self._cache = [self._load(i) for i in range(len(pairs))]

    def __len__(self) -> int:
        return len(self.pairs)

    @property
    def in_memory(self) -> bool:
        """Whether every pair is decoded and kept (the set fits in ``CACHE_LIMIT_BYTES``)."""
        return self._cache is not None

    def _load(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        clean, degraded = self.pairs[index]
        return load_rgb(clean), load_rgb(degraded)

    def get(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        return self._cache[index] if self._cache is not None else self._load(index)


def to_tensor(image: np.ndarray) -> torch.Tensor:
    """HxWx3 uint8 -> 3xHxW float32 in [0, 1]."""
    return torch.from_numpy(np.ascontiguousarray(image.transpose(2, 0, 1))).float().div_(255.0)


def augment(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A random flip and quarter turn (the same draws as ``_crop_pair``'s)."""
    rotations = int(rng.integers(0, 4))
    if rng.integers(0, 2):
        image = image[:, ::-1]
    return np.rot90(image, rotations) if rotations else image


def pad_to(image: np.ndarray, patch: int) -> np.ndarray:
    """Reflect-pad an image smaller than ``patch`` up to it."""
    height, width = image.shape[:2]
    if height >= patch and width >= patch:
        return image
    pad = ((0, max(0, patch - height)), (0, max(0, patch - width)), (0, 0))
    return np.pad(image, pad, mode="reflect" if min(height, width) > 1 else "edge")


def _crop_pair(
    clean: np.ndarray, degraded: np.ndarray, patch: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    height, width = clean.shape[:2]
    if height < patch or width < patch:  # small images: reflect-pad up to the patch size
        pad = ((0, max(0, patch - height)), (0, max(0, patch - width)), (0, 0))
        clean, degraded = np.pad(clean, pad, mode="reflect"), np.pad(degraded, pad, mode="reflect")
        height, width = clean.shape[:2]
    top = int(rng.integers(0, height - patch + 1))
    left = int(rng.integers(0, width - patch + 1))
    clean = clean[top : top + patch, left : left + patch]
    degraded = degraded[top : top + patch, left : left + patch]
    rotations = int(rng.integers(0, 4))
    flip = bool(rng.integers(0, 2))
    if flip:
        clean, degraded = clean[:, ::-1], degraded[:, ::-1]
    if rotations:
        clean, degraded = np.rot90(clean, rotations), np.rot90(degraded, rotations)
    return clean, degraded


class TrainingSet(Dataset[tuple[torch.Tensor, torch.Tensor]]):
    """What the trainer draws from: ``(epoch, index)`` -> (degraded, clean) patch tensors, the randomness a
    pure function of the seed, the epoch and the index."""

    def __len__(self) -> int:
        raise NotImplementedError

    def __getitem__(self, key: tuple[int, int]) -> tuple[torch.Tensor, torch.Tensor]:
        raise NotImplementedError


class TrainPatches(TrainingSet):
    """Index ``(epoch, i)`` -> (degraded patch, clean patch), augmented with flips and 90° turns."""

    def __init__(self, images: ImagePairs, patch: int, seed: int) -> None:
        self.images = images
        self.patch = patch
        self.seed = seed

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, key: tuple[int, int]) -> tuple[torch.Tensor, torch.Tensor]:
        epoch, index = key
        rng = np.random.default_rng([self.seed, epoch, index])
        clean, degraded = self.images.get(index)
        clean, degraded = _crop_pair(clean, degraded, self.patch, rng)
        return to_tensor(degraded), to_tensor(clean)


class EpochSampler(Sampler[tuple[int, int]]):
    """A shuffled order per epoch from ``(seed, epoch)``; yields ``(epoch, index)`` so persistent
    DataLoader workers need no epoch updates."""

    def __init__(self, size: int, seed: int) -> None:
        self.size = size
        self.seed = seed
        self.epoch = 0
        self.skip = 0

    def set_epoch(self, epoch: int, *, skip: int = 0) -> None:
        """Iterate epoch ``epoch``'s order from its ``skip``-th sample on (a resume inside an epoch)."""
        self.epoch, self.skip = epoch, min(max(0, skip), self.size)

    def __len__(self) -> int:
        return self.size - self.skip

    def __iter__(self) -> Iterator[tuple[int, int]]:
        order = np.random.default_rng([self.seed, self.epoch, 7919]).permutation(self.size)
        return iter((self.epoch, int(index)) for index in order[self.skip :])


def split_pairs(pairs: list[Item], val_split: float, seed: int) -> tuple[list[Item], list[Item]]:
    """A deterministic train/validation split (of pairs, or of clean images); both sides non-empty when there
    are two items or more."""
    if len(pairs) < 2:
        return list(pairs), list(pairs)
    order = np.random.default_rng([seed, 104729]).permutation(len(pairs))
    val_count = min(len(pairs) - 1, max(1, round(len(pairs) * val_split)))
    val = [pairs[i] for i in sorted(order[:val_count])]
    train = [pairs[i] for i in sorted(order[val_count:])]
    return train, val
