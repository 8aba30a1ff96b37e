"""The real-image evaluation: a set read from installed packages with the network cut, a degradation
independent of our generator, NLM and BM3D baselines, and the report section with its recommendation."""

from __future__ import annotations

import ast
import inspect
import socket
from typing import Any

import numpy as np
import pytest
import torch
from PIL import Image

from backend.reports.recommendations import recommend
from backend.reports.render import render
from backend.restoration import independent_degradation, real_set
from backend.restoration.archs import build_network, preset_for
from backend.restoration.baselines import bm3d, nlm
from backend.restoration.independent_degradation import CASES, degrade
from backend.restoration.metrics import psnr
from backend.restoration.real_eval import evaluate_real, one_by_one, torch_restorer, worse_domains
from backend.synthetic.realistic.pipeline import degrade as our_degrade
from backend.synthetic.realistic.presets import PRESETS


def _refuse(*_: object, **__: object) -> None:
    raise OSError("network is cut in this test")


def test_the_set_loads_from_installed_files_with_the_network_cut(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _refuse)
    real_set.load.cache_clear()
    first = [(image.name, crop.copy()) for image, crop in real_set.held_out()]
    real_set.load.cache_clear()
    second = [(image.name, crop) for image, crop in real_set.held_out()]
    assert [name for name, _ in first] == ["astronaut", "chelsea", "coffee", "china", "page", "text"]
    assert all(np.array_equal(a, b) for (_, a), (_, b) in zip(first, second, strict=True))
    assert all(crop.shape == (real_set.CROP, real_set.CROP, 3) and crop.std() > 10 for _, crop in first)
    assert {image.domain for image, _ in real_set.held_out("document")} == {"document"}
    # held-out images are never among those a model trains on
    training = {image.name for image in real_set.REAL_IMAGES if image.split == "train"}
    assert training and not training & {name for name, _ in first}


def test_the_training_photos_are_written_whole(tmp_path: Any) -> None:
    written = real_set.write_training_photos(tmp_path / "whole")
    assert len(written) == 8 and all(path.stat().st_size > 10_000 for path in written)
    colourful = [np.ptp(np.asarray(Image.open(path).convert("RGB")), axis=2).mean() for path in written]
    assert min(colourful) > 20  # colour photographs, no grey ones
    tiles = real_set.write_training_photos(tmp_path / "tiles", tile=192)
    assert len(tiles) >= 30 and all(Image.open(path).size == (192, 192) for path in tiles)
    with pytest.raises(ValueError, match="training image"):
        real_set.held_out_crop(next(image for image in real_set.REAL_IMAGES if image.split == "train"))


def test_the_degradation_is_reproducible_and_not_our_generator() -> None:
    crop = real_set.held_out_crop(real_set.REAL_IMAGES[0])
    for case in CASES:
        once, again = degrade(crop, case, seed=5), degrade(crop, case, seed=5)
        assert np.array_equal(once, again) and once.shape == crop.shape and once.dtype == np.uint8
        assert not np.array_equal(once, crop)
    assert not np.array_equal(degrade(crop, "noise_jpeg35", 5), degrade(crop, "noise_jpeg35", 6))
    ours = our_degrade(crop, PRESETS["photo"], 5).degraded
    assert not np.array_equal(ours, degrade(crop, "noise_jpeg35", 5))
    # independent by construction: the module imports nothing of ours
    tree = ast.parse(inspect.getsource(independent_degradation))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    assert not {name for name in imported if name and name.startswith("backend")}
    with pytest.raises(ValueError, match="case: unknown degradation"):
        degrade(crop, "rain", 0)


def test_nlm_and_bm3d_improve_a_noisy_photo() -> None:
    clean = real_set.held_out_crop(real_set.REAL_IMAGES[1])[:64, :64]
    rng = np.random.default_rng(0)
    noisy = np.clip(clean + rng.normal(0, 20, clean.shape), 0, 255).astype(np.uint8)
    before = psnr(noisy / 255.0, clean / 255.0)
    assert psnr(nlm(noisy) / 255.0, clean / 255.0) > before + 1.0
    assert psnr(bm3d(noisy) / 255.0, clean / 255.0) > before + 1.0


def _report_with(section: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "train_restoration", "state": "succeeded", "real_images": section, "environment": {}}


def test_an_untrained_model_is_reported_worse_than_its_input_on_real_images() -> None:
    torch.manual_seed(0)
    section = evaluate_real(torch_restorer(build_network(preset_for(1, "tiny"))))
    assert set(section["domains"]) == {"photo", "document"}
    assert section["methods"] == ["input", "nlm", "model"]
    assert len(section["cases"]) == 6 * len(CASES)
    photo = section["domains"]["photo"]
    assert photo["count"] == 12 and photo["model_vs_input"] < 0 and photo["model_worse_than_input"] > 6
    assert worse_domains(section) == ["photo", "document"]
    report = _report_with(section)
    advice = [line for line in recommend(report) if "worse than its input" in line]
    assert len(advice) == 2 and "real photo validation images" in advice[0]
    report["recommendations"] = recommend(report)
    text = render(report, "text")
    assert "REAL IMAGES (HELD OUT)" in text and "OpenCV non-local means" in text and "this model" in text
    assert "Real images (held out)" in render(report, "html")
    # a document model that whitens paper is not told it is worse: PSNR cannot measure what it was trained for
    whitening = recommend(_report_with({**section, "whiten_paper": True}))
    assert any("whitens the paper" in line for line in whitening)
    assert [line for line in whitening if "worse than its input" in line] == advice[:1]


def test_a_model_that_changes_nothing_gets_no_warning() -> None:
    section = evaluate_real(one_by_one(lambda image: image), baselines=())
    assert all(summary["model_vs_input"] == 0 for summary in section["domains"].values())
    assert not [line for line in recommend(_report_with(section)) if "worse than its input" in line]
    with pytest.raises(ValueError, match="baselines: unknown"):
        evaluate_real(None, baselines=("wiener",))
