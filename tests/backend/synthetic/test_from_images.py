"""``omni synth restoration --from DIR``: pairs from a folder of the user's own clean images."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from backend.storage.local import LocalStore
from backend.synthetic.from_images import generate_from_images
from backend.synthetic.params import SynthRestorationParams, fingerprint, validate_restoration
from backend.synthetic.realistic.presets import DOCUMENT
from desktop.client import BackendError, Connection
from omni_core.errors import InvalidArgument
from protos.omni.v1 import synthetic_pb2
from tests.backend.synthetic.conftest import RecordingContext
from tests.clean_folder import CORRUPT, NOT_AN_IMAGE, READABLE, make_clean_folder


def params(source: Path | str, out: Path, **changes: object) -> SynthRestorationParams:
    values: dict[str, object] = {"count": 0, "out": str(out), "source": str(source), "seed": 5}
    return SynthRestorationParams(**{**values, **changes})  # type: ignore[arg-type]


def read(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


def test_every_kind_of_image_becomes_pairs_and_the_broken_ones_are_listed(tmp_path: Path) -> None:
    source, out = make_clean_folder(tmp_path / "mine"), tmp_path / "pairs"
    ctx = RecordingContext(scratch_dir=tmp_path / "scratch")
    summary = generate_from_images(params(source, out, count_per_image=2), LocalStore(out), ctx)
    assert summary["written"] == 2 * len(READABLE) and summary["files_skipped"] == 2
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["complete"] and manifest["domain"] == "photo" and manifest["images"] == len(READABLE) + 1
    assert manifest["preset"]["first"]["kernel"]["kinds"]  # every preset parameter is recorded
    reasons = {item["file"]: item["reason"] for item in manifest["skipped"]}
    assert reasons[NOT_AN_IMAGE].startswith("not an image")
    assert reasons[CORRUPT].startswith(("truncated", "unreadable"))
    assert any(CORRUPT in message for level, message in ctx.logs if level == "warning")
    by_source: dict[str, list[dict[str, object]]] = {}
    for pair in manifest["pairs"]:
        by_source.setdefault(str(pair["source"]), []).append(pair)
    assert set(by_source) == set(READABLE)
    for relative, (width, height) in READABLE.items():
        for pair in by_source[relative]:
            clean, degraded = read(out / str(pair["clean"])), read(out / str(pair["degraded"]))
            assert clean.shape == degraded.shape == (height, width, 3)  # upright, whole, any mode -> RGB
            assert not np.array_equal(clean, degraded)
            assert pair["applied"]
    # EXIF orientation was applied: the rotated phone picture's target is upright (64 wide, 100 high)
    assert read(out / str(by_source["phone_rotated.jpg"][0]["clean"])).shape[:2] == (100, 64)
    # the transparent corner of the cut-out lies on white
    assert read(out / str(by_source["sub/cutout_rgba.png"][0]["clean"]))[:10, :10].min() == 255


def test_crops_counts_and_the_same_seed_give_the_same_bytes(tmp_path: Path) -> None:
    source = make_clean_folder(tmp_path / "mine")
    outs = [tmp_path / "a", tmp_path / "b"]
    for out in outs:
        p = params(source, out, domain="document", crop=48, count=5, count_per_image=3)
        generate_from_images(p, LocalStore(out), RecordingContext(scratch_dir=tmp_path / "s"))
    files = sorted(path.relative_to(outs[0]) for path in outs[0].rglob("*.png"))
    assert len(files) == 10  # 5 pairs, clean and degraded
    for relative in files:
        assert (outs[0] / relative).read_bytes() == (outs[1] / relative).read_bytes()
        assert Image.open(outs[0] / relative).size[0] <= 48
    manifest = json.loads((outs[0] / "manifest.json").read_text())
    assert manifest["preset"] == DOCUMENT.to_dict()
    assert all(len(pair["box"]) == 4 for pair in manifest["pairs"])


def test_resume_skips_what_is_written_and_rewrites_a_half_pair(tmp_path: Path) -> None:
    source, out = make_clean_folder(tmp_path / "mine"), tmp_path / "pairs"
    p = params(source, out, crop=32)
    generate_from_images(p, LocalStore(out), RecordingContext(scratch_dir=tmp_path / "s"))
    first = {path.name: path.read_bytes() for path in out.rglob("*.png")}
    victim = next((out / "degraded").glob("*.png"))
    victim.unlink()
    again = generate_from_images(p, LocalStore(out), RecordingContext(scratch_dir=tmp_path / "s"))
    assert again["written"] == 1 and again["skipped"] == len(READABLE) - 1
    assert {path.name: path.read_bytes() for path in out.rglob("*.png")} == first
    pairs = json.loads((out / "manifest.json").read_text())["pairs"]
    assert len(pairs) == len(READABLE) and all(pair["applied"] and pair["box"] for pair in pairs)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"domain": "painting"}, "domain"),
        ({"count_per_image": -1}, "count_per_image"),
        ({"crop": 8}, "crop"),
        ({"source": "", "count": 3, "crop": 64}, "crop"),
        ({"source": "", "count": 3, "domain": "photo"}, "domain"),
        ({"source": "", "count": 0}, "count"),
    ],
)
def test_wrong_options_name_their_field(tmp_path: Path, changes: dict[str, object], field: str) -> None:
    values = {"source": str(tmp_path), **changes}
    with pytest.raises(InvalidArgument) as caught:
        validate_restoration(params(**values, out=tmp_path / "out"))  # type: ignore[arg-type]
    assert caught.value.field == field


def test_rendered_documents_keep_their_old_fingerprint(tmp_path: Path) -> None:
    rendered = validate_restoration(SynthRestorationParams(count=2, out=str(tmp_path)))
    assert set(fingerprint(rendered)) == {"size", "degradations", "seed", "max_degradations"}


def test_a_preview_over_grpc_is_the_pair_the_job_writes(client: Connection, tmp_path: Path) -> None:
    source, out = make_clean_folder(tmp_path / "mine"), tmp_path / "pairs"
    p = params(source, out, domain="document", count_per_image=2, crop=40)
    generate_from_images(p, LocalStore(out), RecordingContext(scratch_dir=tmp_path / "s"))
    manifest = json.loads((out / "manifest.json").read_text())
    spec = synthetic_pb2.SynthRestorationSpec(source=str(source), domain="document", count_per_image=2, crop=40, seed=5)
    for index in (0, 5):  # image 0 is the corrupt one: the job skipped it, the preview says why
        if index == 0:
            with pytest.raises(BackendError) as refused:
                client.preview_restoration(spec, index)
            assert CORRUPT in refused.value.message
            continue
        reply = client.preview_restoration(spec, index)
        pair = next(pair for pair in manifest["pairs"] if pair["name"] == reply.name)
        assert reply.clean_png == (out / pair["clean"]).read_bytes()
        assert reply.degraded_png == (out / pair["degraded"]).read_bytes()
        assert json.loads(reply.applied_json) == pair["applied"]
    whole = synthetic_pb2.SynthRestorationSpec(source=str(source), count_per_image=1)
    assert client.preview_restoration(whole, 1).name  # small images need no crop
