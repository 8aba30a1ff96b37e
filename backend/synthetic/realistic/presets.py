"""The degradation presets, one per domain, as typed settings with every parameter.

The ranges follow Real-ESRGAN's ``train_realesrnet_x4plus.yml`` (kernel list and weights, resize weights,
noise and JPEG ranges, a second blur with some probability, a final sinc), narrowed for restoration at the
same size: Real-ESRGAN downscales by 4 on purpose and shrinks to 0.15x; here an image is resized by at most
about 2x before it comes back to its own size, and blur and noise stop where a phone or a scanner stops.
``document`` adds the capture effects of pages (``CaptureSettings``); ``photo`` a faded print on some pairs
(``FadeSettings``: old prints an archivist scans, the target the print as it was).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from backend.synthetic.realistic.kernels import KERNEL_KINDS

Range = tuple[float, float]


@dataclass(frozen=True)
class KernelSettings:
    sizes: tuple[int, int] = (7, 21)  # odd kernel sizes between these
    kinds: tuple[str, ...] = KERNEL_KINDS
    weights: tuple[float, ...] = (0.45, 0.25, 0.12, 0.03, 0.12, 0.03)
    sigma: Range = (0.2, 3.0)  # pixels
    beta_generalized: Range = (0.5, 4.0)
    beta_plateau: Range = (1.0, 2.0)
    sinc_prob: float = 0.1


@dataclass(frozen=True)
class StageSettings:
    """One pass of blur -> resize -> noise -> JPEG."""

    blur_prob: float = 1.0
    kernel: KernelSettings = field(default_factory=KernelSettings)
    resize_weights: tuple[float, float, float] = (0.2, 0.7, 0.1)  # up, down, keep
    resize_range: Range = (0.5, 1.5)  # scale factor, relative to the original size
    resize_modes: tuple[str, ...] = ("area", "bilinear", "bicubic")
    gaussian_noise_prob: float = 0.5  # else Poisson noise
    noise_sigma: Range = (1.0, 25.0)  # Gaussian, 0-255 units
    poisson_scale: Range = (0.05, 2.5)
    grey_noise_prob: float = 0.4  # the same noise in the three channels (a sensor's luma noise)
    jpeg_prob: float = 1.0
    jpeg_quality: tuple[int, int] = (35, 95)


@dataclass(frozen=True)
class CaptureSettings:
    """Scanner and phone-capture effects of pages, each applied with its probability."""

    perspective_prob: float = 0.3
    perspective_amount: Range = (0.005, 0.03)  # corner shift, share of the side (applied to the target too)
    paper_tone_prob: float = 0.6
    paper_tone_yellow: Range = (0.02, 0.15)  # how much blue (and a little green) the paper loses
    paper_tone_grey: Range = (0.0, 0.12)  # how much darker than white the paper is
    bleed_through_prob: float = 0.3
    bleed_through_strength: Range = (0.04, 0.15)
    uneven_light_prob: float = 0.6
    uneven_light_strength: Range = (0.02, 0.12)
    uneven_light_gradient: Range = (0.0, 0.25)
    uneven_light_vignette: Range = (0.0, 0.25)
    shadow_prob: float = 0.25
    shadow_darkness: Range = (0.1, 0.45)
    moire_prob: float = 0.1
    moire_amplitude: Range = (0.01, 0.05)
    moire_period_px: Range = (2.2, 4.0)


@dataclass(frozen=True)
class FadeSettings:
    """A faded print: its contrast fades toward a warm paper tone and the light falls off across it when it is
    photographed or scanned. The degraded side's alone: the target is the print as it was."""

    prob: float = 0.3
    strength: Range = (0.1, 0.4)  # how far each value moves toward the tone
    tone_grey: Range = (0.75, 0.95)  # the tone's brightness
    tone_yellow: Range = (0.0, 0.2)  # how much blue (and a little green) the tone lacks
    light_prob: float = 0.6
    light_gradient: Range = (0.0, 0.35)  # a linear fall-off across the image
    light_vignette: Range = (0.0, 0.15)


@dataclass(frozen=True)
class DegradationPreset:
    domain: str
    first: StageSettings
    second: StageSettings
    final_sinc_prob: float = 0.5
    final_sinc_cutoff: Range = (1.0472, 3.1416)  # pi/3 .. pi, radians
    capture: CaptureSettings | None = None
    fade: FadeSettings | None = None

    def to_dict(self) -> dict[str, Any]:
        """Every parameter, JSON-ready (tuples as lists), for the manifest and the model card."""
        return _jsonable(dataclasses.asdict(self))


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    return value


# Photos: a first blur on 60% of pairs, mostly no resize, a final sinc on 20%, no ageing. Measured with
# bench.restoration --real --real-photo-model (layer 2 mini, 20 CPU-minutes) on the 12 real held-out photo crops:
# Real-ESRGAN's shares (a blur on every pair, a resize on 90%, a sinc on half) and the ageing of prints (fading
# toward a tint, a colour cast, uneven light): -1.20 dB against the input, worse on 9; these shares with ageing
# (and two more training photos): -0.36 dB, worse on 7; these without ageing: +0.41 dB, worse on 2. Aged
# pairs taught the model to shift the colour of every photo, faded or not (+3 to +10 of 255, most in blue).
PHOTO = DegradationPreset(
    domain="photo",
    first=StageSettings(
        blur_prob=0.6,
        kernel=KernelSettings(sigma=(0.2, 1.6)),
        resize_weights=(0.2, 0.3, 0.5),
        resize_range=(0.7, 1.3),
    ),
    second=StageSettings(
        blur_prob=0.3,
        kernel=KernelSettings(sigma=(0.2, 1.0)),
        resize_weights=(0.2, 0.2, 0.6),
        resize_range=(0.8, 1.2),
        noise_sigma=(1.0, 15.0),
        poisson_scale=(0.05, 1.5),
        jpeg_quality=(40, 95),
    ),
    final_sinc_prob=0.2,
    fade=FadeSettings(),
)

DOCUMENT = DegradationPreset(
    domain="document",
    first=StageSettings(
        kernel=KernelSettings(sigma=(0.2, 1.2)),  # a page's strokes are a few pixels wide: less blur than photos
        resize_range=(0.7, 1.3),
        noise_sigma=(1.0, 15.0),
        poisson_scale=(0.05, 1.5),
        grey_noise_prob=0.6,
        jpeg_quality=(40, 95),
    ),
    second=StageSettings(
        blur_prob=0.3,
        kernel=KernelSettings(sigma=(0.2, 0.8)),
        resize_weights=(0.3, 0.4, 0.3),
        resize_range=(0.7, 1.2),
        noise_sigma=(1.0, 10.0),
        poisson_scale=(0.05, 1.0),
        grey_noise_prob=0.6,
        jpeg_prob=0.7,
        jpeg_quality=(50, 95),
    ),
    final_sinc_prob=0.3,
    capture=CaptureSettings(),
)

#: domain -> preset; the first is the default
PRESETS: dict[str, DegradationPreset] = {"photo": PHOTO, "document": DOCUMENT}
DOMAINS = tuple(PRESETS)
DEFAULT_DOMAIN = "photo"
