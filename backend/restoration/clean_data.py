"""Training from clean images alone: random crops degraded afresh every epoch, nothing written to disk.

Crop, flips and degradation of sample ``index`` in epoch ``epoch`` come from ``(seed, epoch, index)`` only,
never from worker or process state, so a run resumed at any step sees exactly the patches an uninterrupted
run would have seen. Validation uses a fixed degraded centre crop of each validation image (its seed does not
depend on the epoch), so epochs are compared on the same inputs.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import torch

from backend.restoration.datasets import CACHE_LIMIT_BYTES, TrainingSet, augment, pad_to, to_tensor
from backend.synthetic.clean_images import CleanImage, UnreadableImage, find_clean_images, read_rgb8
from backend.synthetic.realistic.pipeline import degrade
from backend.synthetic.realistic.presets import DegradationPreset
from omni_core.confinement import Confinement, PathChecker

#: side of the centre crop each validation image is judged on (smaller images whole)
VAL_CROP = 256
#: stands for the epoch in validation seeds, so they never meet a training sample's
VAL_STREAM = 2**31 - 1
PAPER_WINDOW = 15  # px: wider than a pen stroke, narrower than a page's light falls off


def whiten_paper(image: np.ndarray) -> np.ndarray:
    """The page with its paper made white: each pixel divided by the local paper colour (the brightest
    nearby, smoothed), so ink keeps its contrast and the paper's tone and uneven light go."""
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (PAPER_WINDOW, PAPER_WINDOW))
    paper = cv2.GaussianBlur(cv2.dilate(image, kernel), (0, 0), PAPER_WINDOW).astype(np.float32)
    white = image.astype(np.float32) / np.maximum(paper, 1.0)
    return np.clip(np.rint(white * 255.0), 0, 255).astype(np.uint8)


@dataclass
class CleanScan:
    images: list[CleanImage]
    skipped: list[dict[str, str]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {"clean_images": len(self.images), "skipped": len(self.skipped), "skipped_examples": self.skipped[:20]}

    def fingerprint(self) -> str:
        """Names, sizes and modification times of the images: changes when the data set changes."""
        digest = hashlib.sha256()
        for image in self.images:
            stat = image.path.stat()
            digest.update(f"{image.relative}:{stat.st_size}:{int(stat.st_mtime)};".encode())
        return digest.hexdigest()[:16]


def scan_clean(root: Path, confinement: Confinement, max_images: int = 0) -> CleanScan:
    """The readable images under ``root`` (each decoded once to make sure) and the files skipped, with why."""
    found = find_clean_images(root, allowed=PathChecker(confinement).admits)
    scan = CleanScan(images=[], skipped=list(found.skipped))
    for image in found.images:
        try:
            read_rgb8(image.path)
        except UnreadableImage as error:
            scan.skipped.append({"file": image.relative, "reason": error.reason})
            continue
        scan.images.append(image)
        if max_images and len(scan.images) >= max_images:
            break
    return scan


class CleanImages:
    """Decoded clean images (upright 8-bit RGB), kept in memory when they fit in ``CACHE_LIMIT_BYTES``."""

    def __init__(self, images: list[CleanImage]) -> None:
        self.images = images
        self._cache: list[np.ndarray] | None = None
        sample = [read_rgb8(image.path).nbytes for image in images[:8]]
        if images and sum(sample) / len(sample) * len(images) <= CACHE_LIMIT_BYTES:
            self._cache = [read_rgb8(image.path) for image in images]

    def __len__(self) -> int:
        return len(self.images)

    def get(self, index: int) -> np.ndarray:
        return self._cache[index] if self._cache is not None else read_rgb8(self.images[index].path)


def _prepare_target(target: np.ndarray, whiten: bool) -> np.ndarray:
    return whiten_paper(target) if whiten else target


class DegradedPatches(TrainingSet):
    """``(epoch, index)`` -> (degraded, clean) patch: a random crop of clean image ``index``, flipped and
    turned, degraded by ``preset`` with a seed of its own."""

    def __init__(
        self, images: CleanImages, patch: int, seed: int, preset: DegradationPreset, *, whiten: bool = False
    ) -> None:
        self.images, self.patch, self.seed, self.preset, self.whiten = images, patch, seed, preset, whiten

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, key: tuple[int, int]) -> tuple[torch.Tensor, torch.Tensor]:
        epoch, index = key
        rng = np.random.default_rng([self.seed, epoch, index])
        image = pad_to(self.images.get(index), self.patch)
        top = int(rng.integers(0, image.shape[0] - self.patch + 1))
        left = int(rng.integers(0, image.shape[1] - self.patch + 1))
        crop = np.ascontiguousarray(augment(image[top : top + self.patch, left : left + self.patch], rng))
        result = degrade(crop, self.preset, [self.seed, epoch, index, 1])
        return to_tensor(result.degraded), to_tensor(_prepare_target(result.target, self.whiten))


class DegradedValidation:
    """A fixed (clean, degraded) centre crop of each validation image, degraded once for the whole run."""

    def __init__(
        self, images: CleanImages, seed: int, preset: DegradationPreset, *, whiten: bool = False, crop: int = VAL_CROP
    ) -> None:
        self.pairs: list[tuple[np.ndarray, np.ndarray]] = []
        for index in range(len(images)):
            image = images.get(index)
            h, w = image.shape[:2]
            ch, cw = min(crop, h), min(crop, w)
            top, left = (h - ch) // 2, (w - cw) // 2
            centre = np.ascontiguousarray(image[top : top + ch, left : left + cw])
            result = degrade(centre, preset, [seed, VAL_STREAM, index, 1])
            self.pairs.append((_prepare_target(result.target, whiten), result.degraded))

    def __len__(self) -> int:
        return len(self.pairs)

    def get(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        return self.pairs[index]
