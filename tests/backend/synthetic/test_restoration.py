from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from backend.storage.local import LocalStore
from backend.synthetic.degradations import CATALOGUE, DEGRADATIONS, apply_plan
from backend.synthetic.documents import render_document
from backend.synthetic.params import SynthRestorationParams
from backend.synthetic.restoration import generate_restoration, preview_restoration
from omni_core.errors import FailedPrecondition, InvalidArgument, JobCancelled
from tests.backend.synthetic.conftest import RecordingContext

SIZE = 64


def params(out: Path, **changes: object) -> SynthRestorationParams:
    values: dict[str, object] = {"count": 6, "out": str(out), "size": SIZE, "seed": 7}
    return SynthRestorationParams(**{**values, **changes})  # type: ignore[arg-type]


def pixels(png: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG"
        return np.asarray(image.convert("RGB"))


def names(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.glob("*.png")) if folder.exists() else []


def test_preview_is_deterministic_and_seeded(tmp_path: Path) -> None:
    first = preview_restoration(params(tmp_path), 3)
    assert preview_restoration(params(tmp_path), 3) == first
    clean, degraded, name, applied = first
    assert name == "doc_000003"
    assert preview_restoration(params(tmp_path, seed=8), 3)[0] != clean
    assert preview_restoration(params(tmp_path), 4)[0] != clean
    assert pixels(clean).shape == pixels(degraded).shape == (SIZE, SIZE, 3)
    assert not np.array_equal(pixels(clean), pixels(degraded))
    assert 1 <= len(applied) <= 3
    assert list(applied) == [n for n in DEGRADATIONS if n in applied]  # physical order
    json.dumps(applied)  # recorded in the manifest as is


def test_preview_index_is_checked(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgument) as caught:
        preview_restoration(params(tmp_path), 6)
    assert caught.value.field == "index"


@pytest.mark.parametrize("name", list(DEGRADATIONS))
def test_each_degradation_changes_pixels_reproducibly(name: str) -> None:
    clean = render_document(np.random.default_rng([1, 2, 0]), 96)
    step = {name: CATALOGUE[name].sample(np.random.default_rng(5), 96)}
    degraded = apply_plan(clean, step)
    assert degraded.shape == clean.shape and degraded.dtype == np.uint8
    assert not np.array_equal(degraded, clean)
    assert np.array_equal(apply_plan(clean, json.loads(json.dumps(step))), degraded)  # the manifest reproduces it


def test_generate_writes_matching_pairs_and_a_manifest(
    tmp_path: Path, out_dir: Path, store: LocalStore, ctx: RecordingContext
) -> None:
    p = params(out_dir)
    summary = generate_restoration(p, store, ctx)
    assert summary["written"] == 6 and summary["skipped"] == 0 and summary["count"] == 6
    assert summary["pairs_per_second"] > 0
    expected = [f"doc_{i:06d}.png" for i in range(6)]
    assert names(out_dir / "clean") == names(out_dir / "degraded") == expected
    for name in expected:
        clean = pixels((out_dir / "clean" / name).read_bytes())
        degraded = pixels((out_dir / "degraded" / name).read_bytes())
        assert clean.shape == degraded.shape == (SIZE, SIZE, 3)
        assert not np.array_equal(clean, degraded)
    manifest = json.loads((out_dir / "manifest.json").read_text())
    assert manifest["complete"] is True and manifest["count"] == 6
    assert [pair["name"] for pair in manifest["pairs"]] == [f"doc_{i:06d}" for i in range(6)]
    assert all(pair["degradations"] for pair in manifest["pairs"])
    # the preview shows exactly what the job wrote
    clean_png, degraded_png, _, applied = preview_restoration(p, 2)
    assert clean_png == (out_dir / "clean" / "doc_000002.png").read_bytes()
    assert degraded_png == (out_dir / "degraded" / "doc_000002.png").read_bytes()
    assert manifest["pairs"][2]["degradations"] == applied
    # what the job system heard
    assert ctx.outputs["out"] == str(out_dir)
    assert ctx.progress_calls[-1] == (6, 6, "pairs")
    assert [a["kind"] for a in ctx.artifacts] == ["manifest"]
    assert ctx.artifacts[0]["key"].endswith("manifest.json") and ctx.artifacts[0]["size_bytes"] > 0


def test_resume_skips_finished_pairs_and_redoes_missing_ones_identically(
    out_dir: Path, store: LocalStore, ctx: RecordingContext
) -> None:
    generate_restoration(params(out_dir, count=5), store, ctx)
    before = {path: path.read_bytes() for path in out_dir.rglob("*.png")}
    (out_dir / "degraded" / "doc_000002.png").unlink()  # interrupted between its two files
    (out_dir / "clean" / "doc_000004.png").unlink()
    summary = generate_restoration(params(out_dir, count=5), store, ctx)
    assert (summary["written"], summary["skipped"]) == (2, 3)
    assert {path: path.read_bytes() for path in out_dir.rglob("*.png")} == before
    # a larger count continues the same dataset
    summary = generate_restoration(params(out_dir, count=7), store, ctx)
    assert (summary["written"], summary["skipped"]) == (2, 5)
    assert len(json.loads((out_dir / "manifest.json").read_text())["pairs"]) == 7


def test_a_folder_of_another_dataset_is_refused(out_dir: Path, store: LocalStore, ctx: RecordingContext) -> None:
    generate_restoration(params(out_dir, count=2), store, ctx)
    with pytest.raises(FailedPrecondition, match="seed"):
        generate_restoration(params(out_dir, count=2, seed=99), store, ctx)


def test_cancellation_leaves_only_complete_pairs(tmp_path: Path, out_dir: Path, store: LocalStore) -> None:
    ctx = RecordingContext(scratch_dir=tmp_path, cancel_after=3)
    with pytest.raises(JobCancelled):
        generate_restoration(params(out_dir), store, ctx)
    assert names(out_dir / "clean") == names(out_dir / "degraded") == [f"doc_{i:06d}.png" for i in range(3)]
    assert not list(out_dir.rglob("*.omni-partial"))
    summary = generate_restoration(params(out_dir), store, RecordingContext(scratch_dir=tmp_path))
    assert (summary["written"], summary["skipped"]) == (3, 3)
