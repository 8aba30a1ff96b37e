"""The fast and quality restoration tiers against their goals, in one run: ``python -m bench.tiers``.

1. Data: the synthetic training pairs (``--train-pairs`` at 128 px, seed 1) and the held-out set (24 x 256 px,
   seed 99) from the same generator and seeds as ``bench.restoration``, so the figures compare with its table.
2. The quality tier: layer 2 (``--quality-preset``) trained through the real job system for
   ``--quality-cpu-minutes`` of CPU time.
3. The fast tier: layer 1 (``--fast-preset``) on the same data, distilled from the quality version
   (``--teacher``, ``--distill-weight``) for ``--fast-cpu-minutes``.
4. Every version in every precision its export kept: PSNR/SSIM on the held-out set against the MP/s of a bare
   ``session.run`` on 1024² inputs (``bench.frontier``: table, JSON and PNG).
5. A 24 MP scan restored end to end by a ``restore_batch`` job with ``tier=fast`` (default precision "auto"):
   wall time from submit to the end, the tile plan, and the peak RSS of the job's processes.
6. The goals: fast tier >= 3 MP/s, within 0.3 dB of the quality tier; quality tier >= +1.0 dB over 26.78 dB (the
   best of the bench before tiers); the scan in under 10 s. The gap between the tiers is also given image by
   image with its 95% interval, on the held-out set and on ``--gap-images`` more (seed 98): two networks' PSNRs
   differ by +-1.5 dB from image to image, so 24 images alone cannot tell 0.3 dB from 0.6.

``--work DIR`` keeps the data and the workspace, so a second run can reuse them: ``--quality VERSION`` and
``--fast VERSION`` skip training. Trainings can be given one core each (``taskset``, ``OMP_NUM_THREADS=1``) and
run side by side: the budgets are CPU time, so the result does not depend on the machine's load; speeds do,
so run steps 4 and 5 on a quiet machine.
"""

from __future__ import annotations

import argparse
import json
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from omni_core.tiers import FAST_TIER_MP_PER_S

#: the best held-out PSNR before tiers (layer 2 mini, bench.restoration at its defaults)
BEFORE_TIERS_DB = 26.78
FAST_GAP_DB, QUALITY_GAIN_DB, SCAN_SECONDS = 0.3, 1.0, 10.0
#: the seed of the larger set that measures the gap between the tiers (the held-out set's is 99)
GAP_SEED = 98


@dataclass(frozen=True)
class Trained:
    version: str
    layer: int
    preset: str
    epochs: int
    cpu_minutes: float  # with ``started_from``, the start's budget too: the whole training behind the version
    teacher: str
    started_from: str = ""


def prepare_data(work: Path, train_pairs: int, gap_images: int) -> tuple[Path, Path, Path]:
    """Training pairs, the held-out set every figure uses, and a larger set that only measures the tiers' gap."""
    from bench.restoration import synth

    train, test, gap = work / "data" / "train", work / "data" / "test", work / "data" / f"gap-{gap_images}"
    if not (test / "clean").is_dir():
        synth(test, 24, 256, seed=99)
    if not (train / "clean").is_dir():
        synth(train, train_pairs, 128, seed=1)
    if gap_images and not (gap / "clean").is_dir():
        synth(gap, gap_images, 256, seed=GAP_SEED)
    return train, test, gap


def train_tier(
    client: Any, data: Path, args: argparse.Namespace, tier: str, teacher: str = "", start: Trained | None = None
) -> Trained:
    """Train the tier's network through the job system; from ``start``'s weights (fine-tuning) when given."""
    from protos.omni.v1 import jobs_pb2, training_pb2

    layer, preset, minutes = (
        (2, args.quality_preset, args.quality_cpu_minutes)
        if tier == "quality"
        else (1, args.fast_preset, args.fast_cpu_minutes)
    )
    spec = training_pb2.TrainRestorationSpec(
        data=str(data),
        layer=0 if start else layer,  # a fine-tuning run keeps its start's network
        preset="" if start else preset,
        start_from=start.version if start else "",
        epochs=100_000,
        batch_size=args.batch_size,
        lr=args.lr,
        patch=args.patch,
        loss=args.loss,
        device="cpu",
        num_workers=-1,
        cpu_minutes=minutes,
        val_split=0.02,
        tier=tier,
        teacher=teacher,
        distill_weight=args.distill_weight if teacher else 0.0,
    )
    job = client.submit(jobs_pb2.JobSpec(train_restoration=spec))
    for _ in client.follow_job(job.id):
        pass
    job = client.get_job(job.id)
    if "model_version" not in job.outputs:
        raise SystemExit(f"the {tier} tier did not train: {job.message}")
    report = json.loads(client.get_report(job.id, "json"))
    chosen = report.get("preset_choice", {}).get("preset", start.preset if start else preset)  # what auto took
    total = minutes + (start.cpu_minutes if start else 0.0)
    return Trained(
        job.outputs["model_version"],
        layer,
        chosen,
        len(report["epochs"]),
        total,
        teacher,
        start.version if start else "",
    )


class PeakRss:
    """The largest summed RSS of this process's children (the job's worker and its helpers) while running."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _watch(self) -> None:
        import psutil

        me = psutil.Process()
        while not self._stop.wait(0.1):
            total = 0
            for child in me.children(recursive=True):
                try:
                    total += child.memory_info().rss
                except psutil.Error:
                    continue
            self.peak = max(self.peak, total)


def restore_scan(client: Any, work: Path) -> dict[str, Any]:
    """A 6000x4000 scan through a ``restore_batch`` job with the fast tier at default settings."""
    from bench.restore import big_scan
    from protos.omni.v1 import batch_pb2, jobs_pb2

    source = work / "scan"
    source.mkdir(parents=True, exist_ok=True)
    if not (source / "scan.png").exists():
        big_scan(source / "scan.png", 6000, 4000)
    out = work / f"scan-out-{time.time_ns()}"
    spec = batch_pb2.RestoreBatchSpec(input=str(source), out=str(out), tier="fast")
    with PeakRss() as rss:
        began = time.perf_counter()
        job = client.submit(jobs_pb2.JobSpec(restore_batch=spec))
        for _ in client.follow_job(job.id):
            pass
        wall = time.perf_counter() - began
    job = client.get_job(job.id)
    if job.state != jobs_pb2.JOB_STATE_SUCCEEDED:
        raise SystemExit(f"the scan did not restore: {job.message}")
    summary = json.loads(Path(job.outputs["summary"]).read_text(encoding="utf-8"))
    return {
        "wall_seconds": wall,
        "peak_rss_mib": rss.peak / 2**20,
        "plans": [f"{p['images']}: {p['plan']}" for p in summary["tile_plans"]],
        "tile_limit": summary["tile_limit"],
        "precision": f"{summary.get('precision')} ({summary.get('precision_reason')})",
        "model": summary.get("model", {}),
    }


def goal_points(points: list[Any], quality: Trained, fast: Trained) -> tuple[Any, Any]:
    """The quality tier at its best precision; the fast tier at the best precision that reaches the speed goal
    (else its fastest)."""
    mine = [p for p in points if p.version == quality.version]
    best_quality = max(mine, key=lambda p: p.psnr)
    theirs = [p for p in points if p.version == fast.version]
    quick = [p for p in theirs if p.mp_per_s >= FAST_TIER_MP_PER_S]
    fast_point = max(quick, key=lambda p: p.psnr) if quick else max(theirs, key=lambda p: p.mp_per_s)
    return best_quality, fast_point


def tier_gaps(models: Path, points: tuple[Any, Any], sets: dict[str, list[Any]]) -> dict[str, Any]:
    """The fast tier's PSNR below the quality tier's, image by image, with its 95% interval, on each set."""
    from backend.restoration.quantize import cpu_session
    from bench.frontier import paired_gap, per_image_scores
    from omni_core.precision import ROLES

    sessions = []
    for point in points:
        folder = next(models.glob(f"layer_*/{point.version}"))
        card = json.loads((folder / "card.json").read_text(encoding="utf-8"))
        sessions.append(cpu_session(folder / Path(card["files"][ROLES[point.precision]]).name))
    gaps = {}
    for name, pairs in sets.items():
        better, worse = (per_image_scores(session, pairs)[0] for session in sessions)
        gaps[name] = paired_gap(better, worse)
    return gaps


def _started(trained: Trained) -> str:
    return f", the last run fine-tuned from {trained.started_from}" if trained.started_from else ""


def goals(
    points: list[Any], quality: Trained, fast: Trained, scan: dict[str, Any] | None, gaps: dict[str, Any]
) -> list[str]:
    """The goal lines, with the gap's interval on each held-out set."""
    best_quality, fast_point = goal_points(points, quality, fast)
    gap = best_quality.psnr - fast_point.psnr
    gain = best_quality.psnr - BEFORE_TIERS_DB

    def verdict(ok: bool) -> str:
        return "met" if ok else "NOT met"

    fast_met = fast_point.mp_per_s >= FAST_TIER_MP_PER_S and gap <= FAST_GAP_DB
    lines = [
        f"quality tier {best_quality.label}: {best_quality.psnr:.2f} dB, {gain:+.2f} dB over {BEFORE_TIERS_DB} "
        f"({quality.cpu_minutes:g} CPU-min, {quality.epochs} epochs) -> {verdict(gain >= QUALITY_GAIN_DB)}",
        f"fast tier {fast_point.label}: {fast_point.mp_per_s:.2f} MP/s, {fast_point.psnr:.2f} dB, {gap:.2f} dB "
        f"below the quality tier ({fast.cpu_minutes:g} CPU-min, {fast.epochs} epochs, teacher "
        f"{fast.teacher or 'none'}{_started(fast)}) -> {verdict(fast_met)}",
        *(f"  the gap image by image on {name}: {gap.describe()}" for name, gap in gaps.items()),
    ]
    if scan:
        lines.append(
            f"24 MP scan, fast tier end to end: {scan['wall_seconds']:.1f} s, peak RSS {scan['peak_rss_mib']:.0f} MiB "
            f"-> {verdict(scan['wall_seconds'] < SCAN_SECONDS)}"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", type=Path, default=Path("bench-tiers"), help="data and workspace (kept)")
    parser.add_argument("--train-pairs", type=int, default=3000)
    parser.add_argument("--quality-preset", default="mini")
    parser.add_argument("--quality-cpu-minutes", type=float, default=60.0)
    parser.add_argument(
        "--fast-preset", default="auto", help="auto: the largest layer-1 network at the tier's speed here"
    )
    parser.add_argument("--fast-cpu-minutes", type=float, default=30.0)
    parser.add_argument("--distill-weight", type=float, default=0.5)
    parser.add_argument("--no-teacher", action="store_true", help="train the fast tier without distillation")
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--patch", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--loss", default="charbonnier+ssim")
    parser.add_argument("--quality", default="", help="a trained quality version in --work's workspace")
    parser.add_argument("--fast", default="", help="a trained fast version in --work's workspace")
    parser.add_argument(
        "--fast-start-from",
        default="",
        metavar="VERSION",
        help="train the fast tier for --fast-cpu-minutes more from this fast version's weights (fine-tuning)",
    )
    parser.add_argument("--train-only", choices=("quality", "fast"), default=None, help="train one tier and stop")
    parser.add_argument("--no-scan", action="store_true")
    parser.add_argument(
        "--gap-images", type=int, default=96, help="a second held-out set, for the tiers' gap only (0: none)"
    )
    args = parser.parse_args(argv)
    print(f"settings: {vars(args)}", flush=True)
    os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

    from backend.rpc.server import start_backend
    from backend.settings import ServerSettings
    from bench.frontier import print_frontier, version_points, write_frontier
    from bench.restoration import held_out
    from desktop.client import BackendTarget, Connection

    work = args.work.resolve()
    train, test, gap_set = prepare_data(work, args.train_pairs, args.gap_images)
    backend = start_backend(ServerSettings(port=0, workspace=work / "workspace", token="bench", max_concurrent_jobs=1))
    try:
        with Connection(BackendTarget(f"127.0.0.1:{backend.port}", token="bench")) as client:
            quality = _version(client, backend.workspace.root, args.quality, "quality") if args.quality else None
            if quality is None and args.train_only != "fast":
                quality = train_tier(client, train, args, "quality")
                print(f"quality tier trained: {quality}", flush=True)
            if args.train_only == "quality":
                return 0
            fast = _version(client, backend.workspace.root, args.fast, "fast") if args.fast else None
            if fast is None:
                teacher = "" if args.no_teacher or quality is None else quality.version
                start = (
                    _version(client, backend.workspace.root, args.fast_start_from, "fast")
                    if args.fast_start_from
                    else None
                )
                fast = train_tier(client, train, args, "fast", teacher, start)
                print(f"fast tier trained: {fast}", flush=True)
            if args.train_only == "fast" or quality is None:
                return 0
            for tiered in (quality, fast):
                client.promote_model(tiered.version)
            pairs = held_out(test)
            root = backend.workspace.root / "models"
            points = [
                *version_points(root / "layer_2" / quality.version, pairs),
                *version_points(root / "layer_1" / fast.version, pairs),
            ]
            print_frontier(points, "the held-out set (24 x 256 px)")
            scan = None if args.no_scan else restore_scan(client, work)
            if scan:
                print("24 MP scan: " + ", ".join(f"{k} {v}" for k, v in scan.items()), flush=True)
            sets = {"the held-out set": pairs}
            if args.gap_images:
                sets[f"{args.gap_images} more images (seed {GAP_SEED})"] = held_out(gap_set)
            gaps = tier_gaps(root, goal_points(points, quality, fast), sets)
            lines = goals(points, quality, fast, scan, gaps)
            print("\n" + "\n".join(lines))
            extra = {
                "settings": {**vars(args), "work": str(work)},
                "goals": lines,
                "scan": scan,
                "gaps": {name: vars(gap) for name, gap in gaps.items()},
            }
            print(f"results: {write_frontier(points, work / 'bench-tiers.json', extra)}")
    finally:
        backend.stop(grace_s=5)
    return 0


def _version(client: Any, workspace: Path, version: str, tier: str) -> Trained:
    """A version trained earlier, described from its card and its training job's report."""
    layer = 2 if tier == "quality" else 1
    card = json.loads((workspace / "models" / f"layer_{layer}" / version / "card.json").read_text(encoding="utf-8"))
    report = json.loads(client.get_report(card["job_id"], "json"))
    minutes = float(report.get("parameters", {}).get("cpu_minutes", 0.0))
    start = card.get("started_from", "")
    if start:  # the budget behind a fine-tuned version includes its start's
        minutes += _version(client, workspace, start, tier).cpu_minutes
    return Trained(version, layer, card["preset"], int(card["epochs"]), minutes, card.get("teacher", ""), start)


if __name__ == "__main__":
    raise SystemExit(main())
