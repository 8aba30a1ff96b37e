"""The quality/speed frontier of restoration versions: PSNR/SSIM on one held-out set against MP/s of a bare
``session.run`` on 1024² inputs, for every version (preset, tier from its card) and every precision it has.

``bench.restoration`` calls it on the versions it trains; on an existing workspace:
``python -m bench.frontier WORKSPACE HELD_OUT [--json out.json]`` (HELD_OUT holds clean/ and degraded/).
The plot is a PNG beside the JSON (``plot_frontier``, matplotlib's Agg backend, log x).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

#: the bare-speed input side (the issue's measure: whole 1024² documents)
SPEED_SIDE = 1024


@dataclass(frozen=True)
class Point:
    version: str
    preset: str
    tier: str
    precision: str
    psnr: float
    ssim: float
    mp_per_s: float

    @property
    def label(self) -> str:
        return f"{self.preset}/{self.tier}/{self.precision}"


def version_points(
    version_dir: Path, pairs: Sequence[tuple[np.ndarray, np.ndarray]], side: int = SPEED_SIDE
) -> list[Point]:
    """One point per precision the version in ``version_dir`` (its card.json and files) has."""
    from backend.restoration.quantize import cpu_session, interleaved_speeds
    from omni_core.precision import ROLES

    card = json.loads((version_dir / "card.json").read_text(encoding="utf-8"))
    sessions = {
        precision: cpu_session(version_dir / Path(card["files"][role]).name)
        for precision, role in ROLES.items()
        if role in card.get("files", {})
    }
    quality = {precision: _score(session, pairs) for precision, session in sessions.items()}
    speeds = interleaved_speeds(sessions, side, rounds=3, enough_s=10.0)
    return [
        Point(
            version=card["version"],
            preset=_preset_name(card),
            tier=str(card.get("tier") or "-"),
            precision=precision,
            psnr=quality[precision][0],
            ssim=quality[precision][1],
            mp_per_s=speeds[precision],
        )
        for precision in sessions
    ]


def _preset_name(card: dict[str, Any]) -> str:
    """ "layer2-mini" as a training card names it, or "layer_1-tiny" from a card with a bare preset."""
    preset = str(card.get("preset", "?"))
    return preset if preset.startswith("layer") else f"{card.get('layer', '?')}-{preset}"


def _score(session: Any, pairs: Sequence[tuple[np.ndarray, np.ndarray]]) -> tuple[float, float]:
    psnrs, ssims = per_image_scores(session, pairs)
    return float(np.mean(psnrs)), float(np.mean(ssims))


def per_image_scores(session: Any, pairs: Sequence[tuple[np.ndarray, np.ndarray]]) -> tuple[list[float], list[float]]:
    """PSNR and SSIM of each (clean, degraded) pair restored whole by ``session`` (an ONNX Runtime session)."""
    from backend.restoration.metrics import psnr, ssim

    psnrs, ssims = [], []
    for clean, degraded in pairs:
        x = degraded.astype(np.float32).transpose(2, 0, 1)[None] / 255.0
        output = np.clip(session.run(None, {"input": x})[0][0].transpose(1, 2, 0), 0.0, 1.0)
        target = clean.astype(np.float32) / 255.0
        psnrs.append(psnr(output, target))
        ssims.append(ssim(output, target))
    return psnrs, ssims


@dataclass(frozen=True)
class PairedGap:
    """How far one model's PSNR is below another's on the same images: the mean of the per-image differences and
    the half-width of its 95% interval (normal approximation; on 24 images the differences spread by ~1.5 dB, so
    the interval is about +-0.6 dB and a 0.3 dB goal cannot be told from noise there)."""

    mean_db: float
    half_width_db: float
    images: int

    def describe(self) -> str:
        return f"{self.mean_db:.2f} +- {self.half_width_db:.2f} dB (95%, {self.images} images)"


def paired_gap(better: Sequence[float], worse: Sequence[float]) -> PairedGap:
    """``better`` minus ``worse``, image by image (both PSNR lists over the same images, in order)."""
    if len(better) != len(worse) or len(better) < 2:
        raise ValueError(f"needs two equal lists of at least 2 scores, got {len(better)} and {len(worse)}")
    differences = np.asarray(better, dtype=np.float64) - np.asarray(worse, dtype=np.float64)
    half_width = 1.96 * float(differences.std(ddof=1)) / float(np.sqrt(len(differences)))
    return PairedGap(float(differences.mean()), half_width, len(differences))


def print_frontier(points: Sequence[Point], held_out: str) -> None:
    print(f"\nfrontier on {held_out}; speed: bare session.run, 1x3x{SPEED_SIDE}x{SPEED_SIDE}, this machine")
    print(f"{'preset':<16} {'tier':<8} {'precision':<9} {'PSNR dB':>8} {'SSIM':>7} {'MP/s':>8}")
    for p in sorted(points, key=lambda p: (p.preset, p.tier, -p.mp_per_s)):
        print(f"{p.preset:<16} {p.tier:<8} {p.precision:<9} {p.psnr:>8.2f} {p.ssim:>7.4f} {p.mp_per_s:>8.3f}")


def frontier_figure(points: Sequence[Point], title: str = "restoration: quality against speed") -> Any:
    """PSNR against MP/s (log x), one labelled marker per point, one marker shape (and series) per precision."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, NullFormatter

    figure = Figure(figsize=(8, 5), dpi=100)
    axes = figure.subplots()
    for precision, marker in {"fp32": "o", "fp16": "s", "int8": "^"}.items():
        chosen = [p for p in points if p.precision == precision]
        if chosen:
            axes.scatter([p.mp_per_s for p in chosen], [p.psnr for p in chosen], marker=marker, label=precision)
    for p in points:  # the precisions of one version sit close together: their labels go above, below, right
        offset = {"fp16": (4, -10), "int8": (4, -4)}.get(p.precision, (4, 3))
        axes.annotate(p.label, (p.mp_per_s, p.psnr), fontsize=7, xytext=offset, textcoords="offset points")
    axes.set_xscale("log", base=2)  # ticks at 0.25, 0.5, 1, 2, 4 MP/s: the range of a CPU, plainly labelled
    axes.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    axes.xaxis.set_minor_formatter(NullFormatter())
    axes.margins(x=0.3, y=0.1)  # room for the labels of the outermost points
    axes.set_xlabel(f"MP/s (bare session.run, {SPEED_SIDE}² input)")
    axes.set_ylabel("PSNR dB (held-out set)")
    axes.set_title(title)
    axes.grid(True, which="both", alpha=0.3)
    axes.legend()
    figure.tight_layout()
    return figure


def plot_frontier(points: Sequence[Point], path: Path) -> Path:
    """``frontier_figure`` written to ``path`` as a PNG."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frontier_figure(points).savefig(path, format="png")
    return path


def write_frontier(points: Sequence[Point], json_path: Path, extra: dict[str, Any] | None = None) -> Path:
    """``json_path`` gets the points (under "frontier", beside ``extra``); the plot goes beside it; returns it."""
    png = json_path.with_name(f"{json_path.stem}-frontier.png")
    data = {**(extra or {}), "frontier": [asdict(p) for p in points], "frontier_plot": png.name}
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return plot_frontier(points, png)


def main() -> None:
    from bench.restoration import held_out

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workspace", type=Path, help="a backend workspace (its models/ folder is read)")
    parser.add_argument("held_out", type=Path, help="a folder with clean/ and degraded/ images of the same names")
    parser.add_argument("--json", type=Path, default=Path("restoration-frontier.json"))
    args = parser.parse_args()
    pairs = held_out(args.held_out)
    points = [
        point
        for card in sorted((args.workspace / "models").glob("layer_[12]/*/card.json"))
        for point in version_points(card.parent, pairs)
    ]
    print_frontier(points, f"{args.held_out} ({len(pairs)} pairs)")
    print(f"plot: {write_frontier(points, args.json)}")


if __name__ == "__main__":
    main()
