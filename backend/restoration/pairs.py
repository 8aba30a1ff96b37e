"""Finding training pairs in a folder: ``clean/`` and ``degraded/`` files with the same name stem.

Any common image format and any sizes are accepted; a pair is refused (and the reason recorded for
the report) when one side is missing, unreadable, or not the same size as the other.
"""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from omni_core.confinement import Confinement, PathChecker, unconfined
from omni_core.errors import InvalidArgument, shown
from omni_core.formats.upright import load_upright

IMAGE_EXTENSIONS = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp"})
DECODE_THREADS = 4


@dataclass
class Rejected:
    file: str
    reason: str


@dataclass
class PairScan:
    pairs: list[tuple[Path, Path]]
    files_seen: int
    clean_files: int
    degraded_files: int
    rejected: list[Rejected] = field(default_factory=list)

    def summary(self) -> dict[str, object]:
        reasons = Counter(item.reason.split(":")[0] for item in self.rejected)
        return {
            "files_seen": self.files_seen,
            "clean_files": self.clean_files,
            "degraded_files": self.degraded_files,
            "valid_pairs": len(self.pairs),
            "rejected": len(self.rejected),
            "rejected_by_reason": dict(reasons),
            "rejected_examples": [{"file": r.file, "reason": r.reason} for r in self.rejected[:20]],
        }


def load_rgb(path: Path) -> np.ndarray:
    """Decode an image as HxWx3 uint8 RGB, upright (EXIF orientation applied)."""
    with Image.open(path) as opened:
        image = load_upright(opened)
        if image.mode in ("I;16", "I;16B", "I", "F"):
            array = np.asarray(image, dtype=np.float64)
            array = np.clip(array / (65535.0 if array.max() > 255 else 255.0) * 255.0, 0, 255).astype(np.uint8)
            return np.repeat(array[..., None], 3, axis=2)
        return np.asarray(image.convert("RGB"), dtype=np.uint8)


def _images_by_stem(folder: Path, policy: PathChecker) -> tuple[dict[str, Path], int, list[Rejected]]:
    found: dict[str, Path] = {}
    rejected: list[Rejected] = []
    seen = 0
    for path in sorted(folder.rglob("*")):
        why = policy.refusal(path)
        if why:
            rejected.append(Rejected(str(path), why))
            continue
        if not path.is_file():
            continue
        seen += 1
        relative = path.relative_to(folder).with_suffix("").as_posix()
        if path.suffix.lower() not in IMAGE_EXTENSIONS:
            rejected.append(Rejected(str(path), f"not an image: unsupported extension {path.suffix or '(none)'}"))
        elif relative in found:
            rejected.append(Rejected(str(path), f"duplicate name: {found[relative].name} has the same stem"))
        else:
            found[relative] = path
    return found, seen, rejected


def _check_pair(pair: tuple[Path, Path]) -> str | None:
    sizes = []
    for path in pair:
        try:
            with Image.open(path) as image:
                sizes.append(load_upright(image).size)
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as error:
            return f"unreadable: {path.name} ({type(error).__name__}: {error})"
    if sizes[0] != sizes[1]:
        return f"size mismatch: clean {sizes[0][0]}x{sizes[0][1]}, degraded {sizes[1][0]}x{sizes[1][1]}"
    return None


def scan_pairs(root: Path, *, max_pairs: int = 0, confinement: Confinement | None = None) -> PairScan:
    """Match ``root/clean`` with ``root/degraded`` and check every pair decodes and sizes agree. Files (and the
    two folders) that resolve where ``confinement`` does not allow are not read: refused or listed as rejected."""
    policy = confinement or unconfined()
    clean_dir, degraded_dir = root / "clean", root / "degraded"
    for folder in (clean_dir, degraded_dir):
        policy.resolve(folder, "data")
        if not folder.is_dir():
            raise InvalidArgument(
                "data", f"{shown(root)} must hold clean/ and degraded/ folders; {folder.name}/ is missing"
            )
    checker = PathChecker(policy)
    clean, clean_seen, rejected = _images_by_stem(clean_dir, checker)
    degraded, degraded_seen, rejected_degraded = _images_by_stem(degraded_dir, checker)
    rejected += rejected_degraded
    for stem in sorted(set(clean) - set(degraded)):
        rejected.append(Rejected(str(clean[stem]), "unpaired: no degraded image with this name"))
    for stem in sorted(set(degraded) - set(clean)):
        rejected.append(Rejected(str(degraded[stem]), "unpaired: no clean image with this name"))
    candidates = [(clean[stem], degraded[stem]) for stem in sorted(set(clean) & set(degraded))]
    with ThreadPoolExecutor(DECODE_THREADS) as pool:
        problems = list(pool.map(_check_pair, candidates))
    pairs = []
    for pair, problem in zip(candidates, problems, strict=True):
        if problem is None:
            pairs.append(pair)
        else:
            rejected.append(Rejected(str(pair[0]), problem))
    if max_pairs > 0:
        pairs = pairs[:max_pairs]
    return PairScan(pairs, clean_seen + degraded_seen, clean_seen, degraded_seen, rejected)
