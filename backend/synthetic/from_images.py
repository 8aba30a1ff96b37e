"""Restoration pairs from the user's own clean images: each image (or a random crop of it) degraded by the
domain's realistic preset, ``count_per_image`` times.

Pair ``k`` of image ``i`` (in path order) depends only on ``(seed, i, k)``: the crop comes from
``default_rng([seed, i, k, 0])`` and the degradation from the seed ``[seed, i, k, 1]``, so a resumed job
writes the missing pairs exactly as an uninterrupted run would (and recomputes, without writing, the values
of those already there, for the manifest). Files that are
not images, or that cannot be read, are skipped and listed with the reason in the manifest and the log.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import numpy as np

from backend.jobs.context import JobContext, confinement_of
from backend.storage.base import ArtifactStore
from backend.synthetic import output
from backend.synthetic.clean_images import CleanImage, UnreadableImage, find_clean_images, read_rgb8
from backend.synthetic.fields import encode_png
from backend.synthetic.params import SynthRestorationParams, fingerprint, validate_restoration
from backend.synthetic.realistic.pipeline import degrade
from backend.synthetic.realistic.presets import PRESETS
from omni_core.confinement import Confinement, PathChecker
from omni_core.errors import FailedPrecondition, InvalidArgument

KIND = "restoration"
MAX_LOGGED_SKIPS = 20


def pair_name(image_index: int, image: CleanImage, k: int) -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(image.relative).stem)[:48] or "image"
    return f"{image_index:05d}_{stem}_{k:02d}"


def random_crop(image: np.ndarray, crop: int, rng: np.random.Generator) -> tuple[np.ndarray, list[int]]:
    """A ``crop`` x ``crop`` window at a random place (the whole side where the image is smaller), and the
    box [left, top, width, height]; ``crop`` 0 is the whole image."""
    h, w = image.shape[:2]
    if not crop:
        return image, [0, 0, w, h]
    ch, cw = min(crop, h), min(crop, w)
    top, left = int(rng.integers(0, h - ch + 1)), int(rng.integers(0, w - cw + 1))
    return np.ascontiguousarray(image[top : top + ch, left : left + cw]), [left, top, cw, ch]


def preview_from_images(
    params: SynthRestorationParams, source: Path, confinement: Confinement, index: int, max_side: int
) -> tuple[bytes, bytes, str, list[dict[str, Any]]]:
    """(target PNG, degraded PNG, name, steps applied) of pair ``index`` of ``source`` (already resolved and
    allowed), exactly as the job writes it: pair ``k`` of image ``index // count_per_image``."""
    p = validate_restoration(params)
    folder = find_clean_images(source, allowed=PathChecker(confinement).admits)
    pairs = len(folder.images) * p.count_per_image
    if not folder.images:
        raise FailedPrecondition(f"source: no images in {source} ({len(folder.skipped)} other files)")
    if not 0 <= index < pairs:
        raise InvalidArgument("index", f"must be between 0 and {pairs - 1}, got {index}")
    image_index, k = divmod(index, p.count_per_image)
    image = folder.images[image_index]
    try:
        pixels = read_rgb8(image.path)
    except UnreadableImage as error:
        raise FailedPrecondition(f"source: {image.relative} is skipped by the job: {error.reason}") from None
    if not p.crop and max(pixels.shape[:2]) > max_side:
        raise InvalidArgument(
            "crop",
            f"{image.relative} is {pixels.shape[1]}x{pixels.shape[0]}; previews of images over {max_side} px "
            "need a crop",
        )
    crop, _ = random_crop(pixels, p.crop, np.random.default_rng([p.seed, image_index, k, 0]))
    result = degrade(crop, PRESETS[p.domain], [p.seed, image_index, k, 1])
    name = pair_name(image_index, image, k)
    return encode_png(result.target), encode_png(result.degraded), name, result.applied


def generate_from_images(params: SynthRestorationParams, store: ArtifactStore, ctx: JobContext) -> dict[str, Any]:
    """Write ``clean/NAME.png`` (the target) and ``degraded/NAME.png`` for each pair, then ``manifest.json``."""
    p = validate_restoration(params)
    preset = PRESETS[p.domain]
    policy = confinement_of(ctx)
    source = policy.resolve(p.source, "source")
    folder = find_clean_images(source, exclude=Path(p.out), allowed=PathChecker(policy).admits)
    resuming = output.claim_folder(store, p.out, KIND, fingerprint(p))
    planned = len(folder.images) * p.count_per_image
    total = min(planned, p.count) if p.count else planned
    ctx.set_output("out", p.out)
    ctx.log(
        f"{'continuing' if resuming else 'degrading'} {len(folder.images)} images from {source} into {total} "
        f"pairs in {p.out} ({p.domain} preset, {p.count_per_image} per image, "
        f"{f'{p.crop}px crops' if p.crop else 'whole images'}, seed {p.seed})"
    )
    skipped = list(folder.skipped)
    manifest = output.ManifestWriter("pairs")
    written = existing = done = 0
    started = time.perf_counter()
    try:
        for index, image in enumerate(folder.images):
            if done >= total:
                break
            pixels: np.ndarray | None = None
            for k in range(p.count_per_image):
                if done >= total:
                    break
                ctx.check_cancelled()
                name = pair_name(index, image, k)
                clean_key, degraded_key = f"clean/{name}.png", f"degraded/{name}.png"
                entry: dict[str, Any] = {
                    "name": name,
                    "source": image.relative,
                    "clean": clean_key,
                    "degraded": degraded_key,
                    "seed": [p.seed, index, k, 1],
                }
                if pixels is None:
                    try:
                        pixels = read_rgb8(image.path)
                    except UnreadableImage as error:
                        skipped.append({"file": image.relative, "reason": error.reason})
                        ctx.log(f"skipped {image.relative}: {error.reason}", level="warning")
                        planned -= p.count_per_image - k  # a skipped image does not use up --count
                        total = min(planned, p.count) if p.count else planned
                        break
                # computed for a pair already written too (a resume): the manifest records every pair's values
                crop, box = random_crop(pixels, p.crop, np.random.default_rng([p.seed, index, k, 0]))
                result = degrade(crop, preset, [p.seed, index, k, 1])
                entry.update(box=box, size=[box[2], box[3]], applied=result.applied)
                if store.exists(clean_key) and store.exists(degraded_key):
                    existing += 1
                else:
                    store.put_bytes(clean_key, encode_png(result.target))
                    store.put_bytes(degraded_key, encode_png(result.degraded))
                    written += 1
                manifest.add(entry)
                done += 1
                ctx.progress(done, total, unit="pairs")
        seconds = time.perf_counter() - started
        header = {
            "kind": KIND,
            "version": output.MANIFEST_VERSION,
            "params": fingerprint(p),
            "source": str(source),
            "domain": p.domain,
            "preset": preset.to_dict(),
            "images": len(folder.images),
            "count": written + existing,
            "skipped": skipped,
        }
        info = manifest.finish(store, header)
    finally:
        manifest.close()
    output.report_file(
        ctx, p.out, info, "manifest", f"{written + existing} pairs from your images and how each was degraded"
    )
    for item in skipped[:MAX_LOGGED_SKIPS]:
        if not item["reason"].startswith(("not an image", "unsupported")):
            continue
        ctx.log(f"not read {item['file']}: {item['reason']}", level="warning")
    ctx.log(f"wrote {written} pairs, {existing} already present, {len(skipped)} files skipped")
    return {
        "count": written + existing,
        "written": written,
        "skipped": existing,
        "files_skipped": len(skipped),
        "seconds": round(seconds, 3),
        "pairs_per_second": round(written / seconds, 2) if written and seconds > 0 else 0.0,
    }
