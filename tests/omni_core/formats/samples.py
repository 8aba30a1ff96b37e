"""Small images and dataset folders for the format and dataset tests."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import yaml
from PIL import Image

CLASSES = ["dent", "dirt", "rust", "scratch", "spoiled", "mold"]


def image_bytes(
    size: tuple[int, int] = (64, 48),
    *,
    mode: str = "RGB",
    fmt: str = "PNG",
    seed: int = 0,
    orientation: int | None = None,
) -> bytes:
    """A noisy image (different seeds give different bytes). ``size`` is as stored (before EXIF rotation)."""
    rng = np.random.default_rng(seed)
    width, height = size
    if mode in ("I;16", "I"):
        image = Image.fromarray(rng.integers(0, 65535, (height, width), dtype=np.uint16))  # mode I;16
        image = image.convert("I") if mode == "I" else image
    else:
        rgb = Image.fromarray(rng.integers(0, 255, (height, width, 3), dtype=np.uint8), "RGB")
        image = rgb.convert(mode)
    out = io.BytesIO()
    kwargs = {}
    if orientation is not None:
        exif = Image.Exif()
        exif[0x0112] = orientation
        kwargs["exif"] = exif.tobytes()
    image.save(out, fmt, **kwargs)
    return out.getvalue()


def write_image(path: Path, size: tuple[int, int] = (64, 48), **options: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fmt = {"jpg": "JPEG", "jpeg": "JPEG", "png": "PNG", "tif": "TIFF", "tiff": "TIFF", "bmp": "BMP", "webp": "WEBP"}[
        path.suffix.lower().lstrip(".")
    ]
    path.write_bytes(image_bytes(size, fmt=fmt, **options))  # type: ignore[arg-type]
    return path


def write_bad_files(folder: Path) -> dict[str, str]:
    """A zero-byte, a truncated, a non-image-with-image-name and a non-image file; name -> expected reason."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "empty.jpg").write_bytes(b"")
    whole = image_bytes((80, 60), fmt="JPEG", seed=99)
    (folder / "truncated.jpg").write_bytes(whole[: len(whole) // 2])
    (folder / "fake.png").write_bytes(b"this is text, not a picture")
    (folder / "notes.docx").write_bytes(b"PK\x03\x04 not an image")
    return {
        "empty.jpg": "empty",
        "truncated.jpg": "truncated",
        "fake.png": "not an image",
        "notes.docx": "not an image",
    }


def yolo_line(cls: int, x: float, y: float, w: float, h: float) -> str:
    return f"{cls} {x:.6f} {y:.6f} {w:.6f} {h:.6f}"


def write_yolo(
    root: Path,
    classes: Sequence[str],
    labels: Mapping[str, list[str] | None],
    *,
    split: str = "train",
    sizes: dict[str, tuple[int, int]] | None = None,
) -> Path:
    """``images/<split>/<name>`` + ``labels/<split>/<stem>.txt`` (None = no label file) + data.yaml."""
    for index, (name, lines) in enumerate(labels.items()):
        write_image(root / "images" / split / name, (sizes or {}).get(name, (64, 48)), seed=index + 1)
        if lines is not None:
            label = root / "labels" / split / (name.rsplit(".", 1)[0] + ".txt")
            label.parent.mkdir(parents=True, exist_ok=True)
            label.write_text("".join(line + "\n" for line in lines))
    document = {"train": f"images/{split}", "val": f"images/{split}", "names": dict(enumerate(classes))}
    (root / "data.yaml").write_text(yaml.safe_dump(document, sort_keys=False))
    return root
