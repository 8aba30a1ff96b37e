"""Synthetic inspection photos with YOLO labels: defects drawn on container steel, crates and produce.

Image ``i`` depends only on ``(seed, i)`` and the parameters: its plan (background, classes) comes from
``default_rng([seed, i, 0])`` and its pixels from ``default_rng([seed, i, 1])``. Each block of
``len(classes)`` images starts its images with every class once, in a shuffled order, so every class
appears as soon as ``count >= len(classes)``. The train/val split is a function of the index alone
(evenly spread, image 1 always val), so a resumed or extended run puts every image where it was.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np
import yaml

from backend.jobs.context import JobContext
from backend.storage.base import ArtifactStore
from backend.synthetic import output
from backend.synthetic.defects import Sprite, drawer
from backend.synthetic.fields import blur, encode_jpeg, encode_png, grid, to_uint8
from backend.synthetic.params import SynthDetectionParams, fingerprint, validate_detection
from backend.synthetic.scenes import BACKGROUNDS
from omni_core.errors import InvalidArgument

KIND = "detection"
DATA_YAML = "data.yaml"
JPEG_QUALITY = 93
PLACEMENT_TRIES = 15
#: mean change over an object's pixels below which a placement is refused as invisible
MIN_CONTRAST = 0.05

# how likely each background is for a defect (unknown classes: 1 everywhere)
AFFINITY: dict[str, dict[str, float]] = {
    "container": {"dent": 3.0, "rust": 3.0, "scratch": 3.0, "dirt": 2.0, "mold": 0.3, "spoiled": 0.1},
    "crate": {"dirt": 2.0, "mold": 2.0, "scratch": 1.0, "spoiled": 1.0, "rust": 0.5, "dent": 0.5},
    "produce": {"spoiled": 3.0, "mold": 3.0, "dirt": 1.5, "scratch": 0.5, "dent": 0.7, "rust": 0.1},
}
# object extent as a fraction of the image side
EXTENT = {"scratch": (0.15, 0.45), "rust": (0.06, 0.3)}
DEFAULT_EXTENT = (0.06, 0.3)


@dataclass(frozen=True)
class Box:
    cls: int
    x0: int
    y0: int
    x1: int  # exclusive
    y1: int  # exclusive

    def overlaps(self, other: Box, margin: int = 2) -> bool:
        return not (
            self.x1 + margin <= other.x0
            or other.x1 + margin <= self.x0
            or self.y1 + margin <= other.y0
            or other.y1 + margin <= self.y0
        )


@dataclass(frozen=True)
class ScenePlan:
    background: str
    classes: tuple[int, ...]  # the first is this image's turn in the class cycle


def sample_name(index: int) -> str:
    return f"scene_{index:06d}"


def is_val(index: int, val_fraction: float) -> bool:
    """Evenly spread validation images, independent of ``count``; image 1 is always one."""
    if val_fraction <= 0 or index < 1:
        return False
    return index == 1 or math.floor((index - 1) * val_fraction) < math.floor(index * val_fraction)


def sample_keys(index: int, val_fraction: float) -> tuple[str, str, str]:
    """(split, image key, label key) of image ``index``, relative to the output folder."""
    split = "val" if is_val(index, val_fraction) else "train"
    name = sample_name(index)
    return split, f"images/{split}/{name}.jpg", f"labels/{split}/{name}.txt"


def scene_plan(p: SynthDetectionParams, index: int) -> ScenePlan:
    n = len(p.classes)
    first = int(np.random.default_rng([p.seed, index // n, 2]).permutation(n)[index % n])
    rng = np.random.default_rng([p.seed, index, 0])
    names = list(BACKGROUNDS)
    weights = np.array([AFFINITY[bg].get(p.classes[first].lower(), 1.0) for bg in names])
    background = names[int(rng.choice(len(names), p=weights / weights.sum()))]
    n_objects = int(rng.integers(1, p.max_objects + 1))
    affinity = np.array([AFFINITY[background].get(name.lower(), 1.0) for name in p.classes])
    others = rng.choice(n, size=n_objects - 1, p=affinity / affinity.sum())
    return ScenePlan(background, (first, *(int(c) for c in others)))


def render_scene(p: SynthDetectionParams, index: int) -> tuple[np.ndarray, list[Box], ScenePlan]:
    """The uint8 image of ``index``, its boxes (tight around what was drawn) and its plan."""
    plan = scene_plan(p, index)
    rng = np.random.default_rng([p.seed, index, 1])
    size = p.size
    canvas = BACKGROUNDS[plan.background](rng, size)
    crowd = float(np.clip(math.sqrt(4.0 / len(plan.classes)), 0.45, 1.0))
    boxes: list[Box] = []
    for k, cls in enumerate(plan.classes):
        name = p.classes[cls]
        low, high = EXTENT.get(name.lower(), DEFAULT_EXTENT)
        extent = int(max(10, min(size * 0.45, size * rng.uniform(low, high) * crowd)))
        # the first object is this image's turn in the class cycle: try a few fresh sprites before giving up
        for _ in range(4 if k == 0 else 1):
            box = _place(rng, canvas, drawer(name)(rng, extent), cls, boxes, inside=k == 0)
            if box is not None:
                boxes.append(box)
                break
    return to_uint8(_photograph(rng, canvas)), boxes, plan


def label_text(boxes: list[Box], size: int) -> str:
    """YOLO lines ``cls xc yc w h``, normalised to (0, 1], six decimals."""
    lines = []
    for b in boxes:
        xc, yc = (b.x0 + b.x1) / 2 / size, (b.y0 + b.y1) / 2 / size
        w, h = (b.x1 - b.x0) / size, (b.y1 - b.y0) / size
        lines.append(f"{b.cls} {xc:.6f} {yc:.6f} {w:.6f} {h:.6f}")
    return "".join(line + "\n" for line in lines)


def preview_detection(params: SynthDetectionParams, index: int) -> tuple[bytes, str]:
    """(PNG, YOLO label text) of image ``index``; the job writes the same pixels as JPEG."""
    p = validate_detection(params)
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < p.count:
        raise InvalidArgument("index", f"must be between 0 and {p.count - 1}, got {index!r}")
    image, boxes, _ = render_scene(p, index)
    return encode_png(image), label_text(boxes, p.size)


def generate_detection(params: SynthDetectionParams, store: ArtifactStore, ctx: JobContext) -> dict[str, Any]:
    """Write ``images/{train,val}/NAME.jpg`` and ``labels/{train,val}/NAME.txt``, ``data.yaml``, the manifest.

    ``store`` is rooted at the output folder. The image is written before its label, and an image counts
    as done only when both exist, so an image cut short is redone.
    """
    p = validate_detection(params)
    resuming = output.claim_folder(store, p.out, KIND, fingerprint(p))
    ctx.set_output("out", p.out)
    ctx.log(
        f"{'continuing' if resuming else 'generating'} {p.count} detection images of {p.size}px in {p.out} "
        f"(seed {p.seed}, {len(p.classes)} classes, val fraction {p.val_fraction})"
    )
    manifest = output.ManifestWriter("images")
    instances: Counter[int] = Counter()
    splits: Counter[str] = Counter()
    written = skipped = 0
    started = time.perf_counter()
    try:
        for index in range(p.count):
            ctx.check_cancelled()
            split, image_key, label_key = sample_keys(index, p.val_fraction)
            if store.exists(image_key) and store.exists(label_key):
                label = store.get_bytes(label_key).decode()
                background = scene_plan(p, index).background
                skipped += 1
            else:
                image, boxes, plan = render_scene(p, index)
                label = label_text(boxes, p.size)
                background = plan.background
                store.put_bytes(image_key, encode_jpeg(image, JPEG_QUALITY))
                store.put_bytes(label_key, label.encode())
                written += 1
            rows = [line.split() for line in label.splitlines() if line.strip()]
            instances.update(int(row[0]) for row in rows)
            splits[split] += 1
            objects = [{"class": p.classes[int(r[0])], "xywhn": [float(v) for v in r[1:5]]} for r in rows]
            manifest.add(
                {"name": sample_name(index), "split": split, "image": image_key, "label": label_key,
                 "background": background, "objects": objects}
            )  # fmt: skip
            ctx.progress(index + 1, p.count, unit="images")
        seconds = time.perf_counter() - started
        yaml_info = store.put_bytes(DATA_YAML, data_yaml(p.classes, has_val=splits["val"] > 0).encode())
        summary: dict[str, Any] = {
            "count": p.count,
            "written": written,
            "skipped": skipped,
            "train": splits["train"],
            "val": splits["val"],
            "seconds": round(seconds, 3),
            "images_per_second": round(written / seconds, 2) if written and seconds > 0 else 0.0,
        }
        header = {
            "kind": KIND,
            "version": output.MANIFEST_VERSION,
            "params": fingerprint(p),
            "count": p.count,
            "size": [p.size, p.size],
            "data_yaml": DATA_YAML,
            "splits": {"train": splits["train"], "val": splits["val"]},
            "instances": {name: instances[i] for i, name in enumerate(p.classes)},
        }
        info = manifest.finish(store, header)
    finally:
        manifest.close()
    output.report_file(ctx, p.out, yaml_info, "data-yaml", f"YOLO dataset description, {len(p.classes)} classes")
    output.report_file(ctx, p.out, info, "manifest", f"{p.count} images, their splits and objects")
    ctx.log(f"wrote {written} images, skipped {skipped} already present, {summary['images_per_second']} images/s")
    return summary


def data_yaml(classes: tuple[str, ...], *, has_val: bool) -> str:
    """The Ultralytics dataset file. No ``path`` key: Ultralytics then uses the folder of the yaml file
    (``path: .`` would resolve against the trainer's working directory). Without validation images, the
    training images double as validation so the file stays loadable."""
    document = {
        "train": "images/train",
        "val": "images/val" if has_val else "images/train",
        "nc": len(classes),
        "names": dict(enumerate(classes)),
    }
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)


# -- drawing ----------------------------------------------------------------------------------------


def _place(
    rng: np.random.Generator, canvas: np.ndarray, sprite: Sprite, cls: int, boxes: list[Box], *, inside: bool
) -> Box | None:
    """Put ``sprite`` where it overlaps no earlier box and return its tight box, or None if it found no room.

    The box is computed from the sprite's visible pixels inside the image, so it is tight after clipping.
    """
    size = canvas.shape[0]
    h, w = sprite.alpha.shape
    visible = sprite.visible()
    for attempt in range(PLACEMENT_TRIES):
        if (inside or attempt < PLACEMENT_TRIES // 2) and w <= size and h <= size:
            x0, y0 = int(rng.integers(0, size - w + 1)), int(rng.integers(0, size - h + 1))
        else:  # let it run off an edge
            x0 = int(rng.integers(-w // 3, size - 2 * w // 3 + 1))
            y0 = int(rng.integers(-h // 3, size - 2 * h // 3 + 1))
        sx0, sy0 = max(0, -x0), max(0, -y0)
        sx1, sy1 = min(w, size - x0), min(h, size - y0)
        if sx1 <= sx0 or sy1 <= sy0:
            continue
        shown = visible[sy0:sy1, sx0:sx1]
        rows, cols = np.flatnonzero(shown.any(axis=1)), np.flatnonzero(shown.any(axis=0))
        if rows.size == 0 or rows[-1] - rows[0] < 2 or cols[-1] - cols[0] < 2:
            continue
        box = Box(cls, x0 + sx0 + int(cols[0]), y0 + sy0 + int(rows[0]),
                  x0 + sx0 + int(cols[-1]) + 1, y0 + sy0 + int(rows[-1]) + 1)  # fmt: skip
        if any(box.overlaps(other) for other in boxes):
            continue
        # nothing is drawn outside the visible mask, so the box encloses every pixel changed
        region = canvas[y0 + sy0 : y0 + sy1, x0 + sx0 : x0 + sx1]
        alpha = np.where(shown, sprite.alpha[sy0:sy1, sx0:sx1], 0.0)[..., None]
        drawn = region
        if sprite.shade is not None:
            drawn = region * np.where(shown, sprite.shade[sy0:sy1, sx0:sx1], 1.0)[..., None]
        drawn = drawn * (1.0 - alpha) + sprite.colour[sy0:sy1, sx0:sx1] * alpha
        if float(np.abs(drawn - region)[shown].mean()) < MIN_CONTRAST:
            continue  # would be nearly invisible here (dark scratch on dark wood): a label nobody could see
        region[...] = drawn
        return box
    return None


def _photograph(rng: np.random.Generator, image: np.ndarray) -> np.ndarray:
    """What a phone camera adds: uneven light, colour temperature, a little softness, sensor noise."""
    size = image.shape[0]
    ys, xs = grid(0, size, 0, size)
    angle = rng.uniform(0, 2 * np.pi)
    strength = np.float32(rng.uniform(0.0, 0.35))
    ramp = (xs / size - 0.5) * np.float32(np.cos(angle)) + (ys / size - 0.5) * np.float32(np.sin(angle))
    image *= (1.0 + strength * ramp)[..., None] * rng.uniform(0.95, 1.05, 3).astype(np.float32)
    if rng.random() < 0.25:
        image = blur(image, float(rng.uniform(0.4, 0.9)))
    sigma = np.float32(rng.uniform(0.006, 0.018))
    image += rng.standard_normal((size, size, 1), dtype=np.float32) * sigma
    return image
