"""Parameters of a batch restoration (``RestoreBatchSpec``), checked before anything runs.

Proto3 sends 0 for "not given", so zero means the default everywhere; ``tile = -1`` asks for whole
images and ``overlap = -1`` for no overlap (the CLI's ``--tile 0`` / ``--overlap 0``). The default tile
(``AUTO_TILE``) is no fixed side: tiles as large as the device's free memory holds for the model
(``backend.inference.memory``), so whole images where they fit.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from omni_core.batch.formats import normalise_format
from omni_core.errors import InvalidArgument
from omni_core.jobkinds import RESTORE_BATCH
from omni_core.jobkinds.batch import CURRENT
from omni_core.jobkinds.checks import check, or_default
from omni_core.providers import provider_name

AUTO_TILE = 0
#: the smallest tile side a memory-derived plan uses (the out-of-memory rule may go lower); the overlap must be
#: under half of it
MIN_AUTO_SIDE = 256
WHOLE_IMAGE = -1
NO_OVERLAP = -1
DEFAULT_OVERLAP = RESTORE_BATCH["overlap"].int_default
DEFAULT_QUALITY = RESTORE_BATCH["quality"].int_default
MIN_TILE = RESTORE_BATCH["tile"].int_min
MAX_TILE = RESTORE_BATCH["tile"].int_max
MAX_BATCH = RESTORE_BATCH["batch_size"].int_max


@dataclass(frozen=True)
class RestoreOptions:
    """How images are restored: the same for a run on the backend and a remote stream."""

    model: str = CURRENT  # a version, or "current" (the promoted version of ``layer``, else its newest)
    layer: int = 0  # 1 or 2; 0 = 2 for "current", or the explicit version's layer
    tile: int = AUTO_TILE  # px; 0 = from the memory the model needs and the device has; -1 = whole images
    overlap: int = DEFAULT_OVERLAP  # -1 = none
    format: str = RESTORE_BATCH["format"].str_default
    quality: int = DEFAULT_QUALITY
    require_provider: str = ""  # an ONNX Runtime provider name, or ""
    batch_size: int = 0  # images/tiles per network call; 0 = auto
    tier: str = ""  # "fast" | "quality": the tier's current version instead of ``model``/``layer``; "" = none
    precision: str = RESTORE_BATCH["precision"].str_default  # which export of the version runs
    self_ensemble: bool = False  # each tile restored in its eight flips and turns, averaged

    @property
    def tile_side(self) -> int:
        """The tile side asked for in pixels; 0 for whole images or the memory-derived default."""
        return max(0, self.tile)

    @property
    def auto_tile(self) -> bool:
        return self.tile == AUTO_TILE

    @property
    def overlap_px(self) -> int:
        return 0 if self.overlap == NO_OVERLAP else self.overlap


@dataclass(frozen=True)
class RestoreBatchParams:
    input: str
    out: str
    model: str = CURRENT
    layer: int = 0
    recursive: bool = False
    tile: int = 0
    overlap: int = 0
    format: str = ""
    quality: int = 0
    overwrite: bool = False  # redo outputs that exist (the CLI's --no-resume)
    ref: str = ""
    require_provider: str = ""
    batch_size: int = 0
    tier: str = ""
    precision: str = ""
    self_ensemble: bool = False

    def options(self) -> RestoreOptions:
        return RestoreOptions(
            self.model,
            self.layer,
            self.tile,
            self.overlap,
            self.format,
            self.quality,
            self.require_provider,
            self.batch_size,
            self.tier,
            self.precision,
            self.self_ensemble,
        )


def check_options(options: RestoreOptions) -> RestoreOptions:
    """Defaults for zero values, then range checks; raises InvalidArgument naming the field."""
    o = replace(
        options,
        model=or_default(RESTORE_BATCH, "model", options.model).strip(),
        tile=options.tile,
        overlap=or_default(RESTORE_BATCH, "overlap", options.overlap),
        format=normalise_format(options.format),
        quality=or_default(RESTORE_BATCH, "quality", options.quality),
        require_provider=provider_name(options.require_provider),
        tier=options.tier.strip().lower(),
        precision=or_default(RESTORE_BATCH, "precision", options.precision.strip().lower()),
    )
    check(RESTORE_BATCH, o, "tile", "overlap", "tier")
    if o.tier and (o.model != CURRENT or o.layer):
        raise InvalidArgument("tier", f"picks the current {o.tier} version itself; leave out model and layer")
    if o.auto_tile and 2 * o.overlap_px >= MIN_AUTO_SIDE:
        raise InvalidArgument(
            "overlap", f"must be under half the smallest default tile ({MIN_AUTO_SIDE} px), got {o.overlap_px}"
        )
    if o.tile > 0 and 2 * o.overlap_px >= o.tile:
        raise InvalidArgument("overlap", f"must be under half the tile ({o.tile} px), got {o.overlap_px}")
    check(RESTORE_BATCH, o, "format", "quality", "layer", "batch_size", "precision")
    return o


def check_params(params: RestoreBatchParams) -> RestoreBatchParams:
    for name in ("input", "out"):
        if not getattr(params, name).strip():
            raise InvalidArgument(name, "a folder is required")
    o = check_options(params.options())
    return replace(
        params,
        model=o.model,
        layer=o.layer,
        tile=o.tile,
        overlap=o.overlap,
        format=o.format,
        quality=o.quality,
        require_provider=o.require_provider,
        tier=o.tier,
        precision=o.precision,
    )
