"""The realistic degradation model: kernels, operations, presets and the seeded pipeline."""

from __future__ import annotations

import dataclasses
import json

import cv2
import numpy as np
import pytest

from backend.synthetic.realistic import capture, kernels, operations
from backend.synthetic.realistic.pipeline import degrade
from backend.synthetic.realistic.presets import (
    DOCUMENT,
    PHOTO,
    PRESETS,
    CaptureSettings,
    DegradationPreset,
    FadeSettings,
    StageSettings,
)
from tests.clean_folder import scene

NOTHING = StageSettings(
    blur_prob=0.0, resize_weights=(0.0, 0.0, 1.0), gaussian_noise_prob=1.0, noise_sigma=(0.0, 0.0), jpeg_prob=0.0
)
QUIET_CAPTURE = CaptureSettings(
    perspective_prob=0.0,
    paper_tone_prob=0.0,
    bleed_through_prob=0.0,
    uneven_light_prob=0.0,
    shadow_prob=0.0,
    moire_prob=0.0,
)


def only(**stage: object) -> DegradationPreset:
    """A preset that does nothing but what ``stage`` turns on in the first pass."""
    return DegradationPreset(
        domain="photo", first=dataclasses.replace(NOTHING, **stage), second=NOTHING, final_sinc_prob=0.0
    )


def high_frequency(image: np.ndarray) -> float:
    grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY).astype(np.float64)
    return float(cv2.Laplacian(grey, cv2.CV_64F).var())


def blockiness(image: np.ndarray) -> float:
    """Mean jump across 8-pixel block boundaries over the mean jump inside blocks (1 = no blocks)."""
    grey = image.astype(np.float64).mean(axis=2)
    jumps = np.abs(np.diff(grey, axis=1))  # jumps[:, j] is between columns j and j + 1
    across = jumps[:, 7::8].mean()
    inside = np.delete(jumps, np.s_[7::8], axis=1).mean()
    return float(across / inside)


@pytest.mark.parametrize("preset", list(PRESETS.values()), ids=list(PRESETS))
def test_the_same_seed_gives_the_same_bytes_and_other_seeds_vary(preset: DegradationPreset) -> None:
    clean = scene(77, 53, 0)  # odd sizes: resizing must come back to exactly these
    first = degrade(clean, preset, [3, 1])
    again = degrade(clean.copy(), preset, [3, 1])
    assert first.degraded.shape == first.target.shape == clean.shape
    assert first.degraded.dtype == np.uint8
    assert np.array_equal(first.degraded, again.degraded) and np.array_equal(first.target, again.target)
    assert first.applied == again.applied
    others = [degrade(clean, preset, [3, seed]) for seed in range(2, 14)]
    assert all(not np.array_equal(other.degraded, first.degraded) for other in others)
    assert len({json.dumps([step["op"] for step in o.applied]) for o in others}) >= 3  # varied steps
    kernels_used = {step["kind"] for o in others for step in o.applied if step["op"] == "blur"}
    assert len(kernels_used) >= 2
    json.dumps([o.applied for o in others])  # the manifest records them as they are


def test_presets_serialise_every_parameter() -> None:
    for preset in (PHOTO, DOCUMENT):
        data = json.loads(json.dumps(preset.to_dict()))
        assert data["domain"] == preset.domain
        assert set(data["first"]) == {f.name for f in dataclasses.fields(StageSettings)}
        assert data["first"]["kernel"]["kinds"] == list(kernels.KERNEL_KINDS)
    assert PHOTO.capture is None
    assert set(DOCUMENT.to_dict()["capture"]) == {f.name for f in dataclasses.fields(CaptureSettings)}


def test_kernels_are_normalised_and_shaped_as_named() -> None:
    iso = kernels.gaussian(21, 2.0, 2.0, 0.0)
    aniso = kernels.gaussian(21, 3.0, 0.8, 0.0)
    assert iso.shape == (21, 21) and abs(float(iso.sum()) - 1) < 1e-5
    assert np.allclose(iso, iso.T, atol=1e-7) and not np.allclose(aniso, aniso.T, atol=1e-4)
    assert aniso[10, 14] > aniso[14, 10]  # wide along x, narrow along y
    heavy_tailed = kernels.generalized_gaussian(21, 2.0, 2.0, 0.0, 0.5)
    flat_topped = kernels.generalized_gaussian(21, 2.0, 2.0, 0.0, 4.0)
    assert heavy_tailed[10, 18] > iso[10, 18] > flat_topped[10, 18]
    assert flat_topped[10, 10] > iso[10, 10] > heavy_tailed[10, 10]
    assert kernels.plateau(21, 2.0, 2.0, 0.0, 2.0)[10, 20] > 10 * iso[10, 20]  # polynomial tails
    ring = kernels.sinc(21, np.pi / 4)
    assert abs(float(ring.sum()) - 1) < 1e-5 and ring.min() < 0  # ringing lobes
    drawn, record = kernels.random_kernel(
        np.random.default_rng(1),
        sizes=(7, 21),
        kinds=kernels.KERNEL_KINDS,
        weights=(1, 1, 1, 1, 1, 1),
        sigma=(0.2, 3.0),
        beta_generalized=(0.5, 4.0),
        beta_plateau=(1.0, 2.0),
        sinc_prob=0.0,
    )
    assert drawn.shape == (record["size"], record["size"]) and record["size"] % 2 == 1


def test_noise_raises_high_frequency_energy_and_blur_lowers_it() -> None:
    clean = scene(128, 128, 1)
    noisy = degrade(clean, only(noise_sigma=(20.0, 20.0)), 0).degraded
    poisson = degrade(clean, only(gaussian_noise_prob=0.0, poisson_scale=(2.0, 2.0)), 0).degraded
    blurred = degrade(
        clean, only(blur_prob=1.0, kernel=dataclasses.replace(PHOTO.first.kernel, sigma=(2.5, 3.0), sinc_prob=0.0)), 0
    ).degraded
    assert high_frequency(noisy) > 5 * high_frequency(clean)
    assert high_frequency(poisson) > 2 * high_frequency(clean)
    assert high_frequency(blurred) < 0.5 * high_frequency(clean)
    # grey noise is the same in the three channels; colour noise is not
    flat = np.full((64, 64, 3), 128, np.uint8)
    grey = degrade(flat, only(noise_sigma=(10.0, 10.0), grey_noise_prob=1.0), 0).degraded.astype(int)
    colour = degrade(flat, only(noise_sigma=(10.0, 10.0), grey_noise_prob=0.0), 0).degraded.astype(int)
    assert np.array_equal(grey[..., 0], grey[..., 1]) and not np.array_equal(colour[..., 0], colour[..., 1])


def test_jpeg_draws_8x8_blocks() -> None:
    clean = scene(128, 128, 2)
    compressed = degrade(clean, only(jpeg_prob=1.0, jpeg_quality=(10, 10)), 0).degraded
    assert blockiness(compressed) > 1.3 * blockiness(clean)
    assert blockiness(operations.jpeg(clean / 255.0, 95) * 255) < blockiness(compressed)


def test_resizing_comes_back_to_the_size_and_loses_detail() -> None:
    clean = scene(101, 67, 3)
    shrunk = only(resize_weights=(0.0, 1.0, 0.0), resize_range=(0.4, 0.5))
    result = degrade(clean, shrunk, 0)
    assert result.degraded.shape == clean.shape
    assert high_frequency(result.degraded) < high_frequency(clean)
    assert [s["direction"] for s in result.applied if s["op"] == "resize"] == ["down", "keep"]


def test_paper_tone_shifts_the_background_of_both_sides_and_perspective_keeps_the_pair_aligned() -> None:
    page = np.full((96, 96, 3), 245, np.uint8)
    page[40:44, 10:86] = 20  # a line of ink
    toned = DegradationPreset(
        domain="document",
        first=NOTHING,
        second=NOTHING,
        final_sinc_prob=0.0,
        capture=dataclasses.replace(QUIET_CAPTURE, paper_tone_prob=1.0, paper_tone_yellow=(0.1, 0.15)),
    )
    result = degrade(page, toned, 0)
    background = result.degraded[:30].reshape(-1, 3).mean(axis=0)
    assert background[2] < 245 - 20 and background[2] < background[0]  # yellower: blue falls most
    # the target shares the tone: a crop cannot tell yellowed paper from a cream page, so undoing it is not taught
    assert np.abs(result.target.astype(int) - result.degraded.astype(int)).max() <= 1
    tilted = dataclasses.replace(toned, capture=dataclasses.replace(QUIET_CAPTURE, perspective_prob=1.0))
    warped = degrade(page, tilted, 0)
    assert not np.array_equal(warped.target, page)  # the target is turned with the page...
    assert np.abs(warped.target.astype(int) - warped.degraded.astype(int)).max() <= 1  # ...and stays aligned


def test_every_capture_effect_changes_the_page() -> None:
    page = scene(64, 64, 4).astype(np.float32) / 255
    rng = np.random.default_rng(0)
    changed = [
        capture.bleed_through(page, 0.2, 1.5, (2, 3)),
        capture.uneven_light(page, rng, 0.1, 0.2, 1.0, 0.2),
        capture.shadow(page, rng, 0.4),
        capture.moire(page, 0.05, 3.0, 0.3, 0.05),
    ]
    for image in changed:
        assert image.shape == page.shape and np.abs(image - page).mean() > 1e-3


def test_light_and_shadow_are_shared_with_the_target_but_bleed_through_and_moire_are_defects() -> None:
    page = np.full((96, 96, 3), 240, np.uint8)
    page[20:24, 10:86] = page[60:64, 10:86] = 20  # two lines of ink
    lit = dataclasses.replace(
        QUIET_CAPTURE,
        uneven_light_prob=1.0,
        uneven_light_gradient=(0.2, 0.25),
        shadow_prob=1.0,
        shadow_darkness=(0.4, 0.45),
    )
    shared = degrade(page, DegradationPreset("document", NOTHING, NOTHING, final_sinc_prob=0.0, capture=lit), 1)
    assert {"uneven_light", "shadow"} <= {step["op"] for step in shared.applied}
    assert np.abs(shared.target.astype(int) - page.astype(int)).max() > 40  # the light reached the target...
    assert np.abs(shared.target.astype(int) - shared.degraded.astype(int)).max() <= 1  # ...exactly as the input
    defects = dataclasses.replace(QUIET_CAPTURE, bleed_through_prob=1.0, moire_prob=1.0, moire_amplitude=(0.05, 0.05))
    damaged = degrade(page, DegradationPreset("document", NOTHING, NOTHING, final_sinc_prob=0.0, capture=defects), 1)
    assert np.array_equal(damaged.target, page)  # the target stays clean of them
    assert np.abs(damaged.degraded.astype(int) - page.astype(int)).max() > 5


def test_a_faded_print_is_the_degraded_sides_alone_and_recorded() -> None:
    photo = scene(96, 96, 5)
    faded = DegradationPreset(
        "photo", NOTHING, NOTHING, final_sinc_prob=0.0, fade=FadeSettings(prob=1.0, light_prob=1.0)
    )
    result = degrade(photo, faded, 2)
    steps = {step["op"]: step for step in result.applied}
    assert {"fade", "fade_light"} <= set(steps) and 0.1 <= steps["fade"]["strength"] <= 0.4
    assert np.array_equal(result.target, photo)  # the target is the print as it was
    before, after = photo.astype(float), result.degraded.astype(float)
    assert after.std() < 0.95 * before.std()  # contrast faded
    assert after.min() > before.min() + 5  # the blacks lifted toward the tone
    tone = steps["fade"]["tone"]
    assert tone[2] <= tone[1] <= tone[0]  # warm: blue fades least far up
    unfaded = degrade(photo, dataclasses.replace(faded, fade=FadeSettings(prob=0.0)), 2)
    assert np.array_equal(unfaded.degraded, photo)
    assert PHOTO.fade is not None and DOCUMENT.fade is None
    assert set(PHOTO.to_dict()["fade"]) == {f.name for f in dataclasses.fields(FadeSettings)}
