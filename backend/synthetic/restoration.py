"""Synthetic restoration pairs: a clean rendered document and the same page degraded, pixel-aligned.

Sample ``i`` depends only on ``(seed, i)`` and the parameters, never on other samples: the page comes
from ``default_rng([seed, i, 0])`` and the choice of degradations from ``default_rng([seed, i, 1])``. So a
preview shows exactly what the job writes, and an interrupted job resumes by skipping the finished pairs.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

import numpy as np

from backend.jobs.context import JobContext
from backend.storage.base import ArtifactStore
from backend.synthetic import output
from backend.synthetic.degradations import Params, apply_plan, plan
from backend.synthetic.documents import render_document
from backend.synthetic.fields import encode_png
from backend.synthetic.params import SynthRestorationParams, fingerprint, validate_restoration
from omni_core.errors import InvalidArgument

KIND = "restoration"


def sample_name(index: int) -> str:
    return f"doc_{index:06d}"


def sample_keys(index: int) -> tuple[str, str]:
    """The (clean, degraded) keys of sample ``index``, relative to the output folder."""
    name = sample_name(index)
    return f"clean/{name}.png", f"degraded/{name}.png"


def sample_plan(p: SynthRestorationParams, index: int) -> dict[str, Params]:
    """The degradations of sample ``index`` and their parameters (cheap: nothing is rendered)."""
    return plan(np.random.default_rng([p.seed, index, 1]), p.degradations, p.max_degradations, p.size)


def render_pair(p: SynthRestorationParams, index: int, steps: dict[str, Params]) -> tuple[np.ndarray, np.ndarray]:
    clean = render_document(np.random.default_rng([p.seed, index, 0]), p.size)
    return clean, apply_plan(clean, steps)


def preview_restoration(params: SynthRestorationParams, index: int) -> tuple[bytes, bytes, str, dict[str, Any]]:
    """(clean PNG, degraded PNG, name, degradation -> parameters) of sample ``index``, as the job writes."""
    p = validate_restoration(params)
    if p.source:
        raise InvalidArgument(
            "source", "previews show rendered documents; pairs from your own images are made by the job"
        )
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < p.count:
        raise InvalidArgument("index", f"must be between 0 and {p.count - 1}, got {index!r}")
    steps = sample_plan(p, index)
    clean, degraded = render_pair(p, index, steps)
    return encode_png(clean), encode_png(degraded), sample_name(index), steps


def generate_restoration(params: SynthRestorationParams, store: ArtifactStore, ctx: JobContext) -> dict[str, Any]:
    """Write ``clean/NAME.png`` and ``degraded/NAME.png`` for every sample, then ``manifest.json``.

    ``store`` is rooted at the output folder. Pairs already complete there are skipped (counted in
    ``skipped``); the clean image is written first, so a pair cut short is redone whole.
    """
    p = validate_restoration(params)
    resuming = output.claim_folder(store, p.out, KIND, fingerprint(p))
    ctx.set_output("out", p.out)
    ctx.log(
        f"{'continuing' if resuming else 'generating'} {p.count} restoration pairs of {p.size}px in {p.out} "
        f"(seed {p.seed}, degradations: {', '.join(p.degradations)})"
    )
    manifest = output.ManifestWriter("pairs")
    used: Counter[str] = Counter()
    written = skipped = 0
    started = time.perf_counter()
    try:
        for index in range(p.count):
            ctx.check_cancelled()
            steps = sample_plan(p, index)
            clean_key, degraded_key = sample_keys(index)
            if store.exists(clean_key) and store.exists(degraded_key):
                skipped += 1
            else:
                clean, degraded = render_pair(p, index, steps)
                store.put_bytes(clean_key, encode_png(clean))
                store.put_bytes(degraded_key, encode_png(degraded))
                written += 1
            used.update(steps.keys())
            manifest.add(
                {
                    "name": sample_name(index),
                    "clean": clean_key,
                    "degraded": degraded_key,
                    "degradations": steps,
                }
            )
            ctx.progress(index + 1, p.count, unit="pairs")
        seconds = time.perf_counter() - started
        summary: dict[str, Any] = {
            "count": p.count,
            "written": written,
            "skipped": skipped,
            "seconds": round(seconds, 3),
            "pairs_per_second": round(written / seconds, 2) if written and seconds > 0 else 0.0,
        }
        header = {
            "kind": KIND,
            "version": output.MANIFEST_VERSION,
            "params": fingerprint(p),
            "count": p.count,
            "size": [p.size, p.size],
            "degradation_counts": {name: used[name] for name in p.degradations},
        }
        info = manifest.finish(store, header)
    finally:
        manifest.close()
    output.report_file(ctx, p.out, info, "manifest", f"{p.count} clean/degraded pairs and their degradations")
    ctx.log(f"wrote {written} pairs, skipped {skipped} already present, {summary['pairs_per_second']} pairs/s")
    return summary
