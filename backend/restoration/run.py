"""A restoration training job from start to finish: data, training, ONNX export, registry, report.

The report is written whatever happens (succeeded, failed, cancelled), so an operator always
learns what the run did and why it stopped.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import torch

from backend.inference.memory import probed as probed_memory
from backend.jobs.context import JobContext, confinement_of
from backend.jobs.outcome import RunEnd, local_stop
from backend.registry.publish import publish_version
from backend.registry.shared import registry_at
from backend.reports.environment import environment
from backend.reports.recommendations import recommend
from backend.reports.store import json_safe, save_report
from backend.restoration.archs import NetworkConfig, config_from_dict, config_to_dict, count_parameters, preset_for
from backend.restoration.before_after import before_after
from backend.restoration.checkpoints import load_checkpoint
from backend.restoration.clean_data import CleanImages, DegradedPatches, DegradedValidation, scan_clean
from backend.restoration.datasets import PairImages, TrainPatches, split_pairs
from backend.restoration.distill import TaughtPairs, objective_for, taught_training_pairs
from backend.restoration.export import export_onnx
from backend.restoration.pairs import PairScan, scan_pairs
from backend.restoration.params import TrainRestorationParams
from backend.restoration.precision_data import TRAINING_SET, VALIDATION_SET, add_precision_variants
from backend.restoration.real_eval import evaluate_real, torch_restorer
from backend.restoration.trainer import TrainOutcome, train
from backend.sync.auto_push import push_after_training
from backend.synthetic.realistic.presets import PRESETS
from omni_core.errors import FailedPrecondition
from omni_core.tiers import AUTO_PRESET, tier_for_layer

MAX_STEP_POINTS = 2000


def data_fingerprint(scan: PairScan) -> str:
    """Names, sizes and modification times of the pairs used: changes when the data set changes."""
    digest = hashlib.sha256()
    for clean, degraded in scan.pairs:
        for path in (clean, degraded):
            stat = path.stat()
            digest.update(f"{path.name}:{stat.st_size}:{int(stat.st_mtime)};".encode())
    return digest.hexdigest()[:16]


def _improvement(outcome: TrainOutcome) -> dict[str, float]:
    first, last = outcome.history[0], outcome.registered()  # "last": the epoch registered, the best validated
    return {
        "loss_first": first.train_loss,
        "loss_last": last.train_loss,
        "loss_change_pct": (last.train_loss - first.train_loss) / first.train_loss * 100 if first.train_loss else 0.0,
        "psnr_first": first.psnr,
        "psnr_last": last.psnr,
        "psnr_change": last.psnr - first.psnr,
        "psnr_vs_input": last.psnr - outcome.baseline["psnr"],
        "ssim_first": first.ssim,
        "ssim_last": last.ssim,
        "ssim_change": last.ssim - first.ssim,
        "ssim_vs_input": last.ssim - outcome.baseline["ssim"],
        "registered_epoch": last.epoch,
    }


def register_trained(
    params: TrainRestorationParams,
    outcome: TrainOutcome,
    fingerprint: str,
    ctx: JobContext,
    extra_card: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Save weights, export and check ONNX, and register a version; returns the report's model section.

    A SageMaker run comes here too, with the model it trained loaded back (``extra_card``: where it ran)."""
    registry = registry_at(ctx.workspace_root)
    layer = f"layer_{params.layer}"
    previous = registry.previous(layer)
    assert outcome.model is not None
    model = outcome.model.to("cpu").eval()
    weights = ctx.scratch_dir / "model.pt"
    torch.save({"config": config_to_dict(outcome.config), "state_dict": model.state_dict()}, weights)
    ctx.progress(0, 0, unit="", message="exporting to ONNX")
    export = export_onnx(model, ctx.scratch_dir / "model.onnx")
    ctx.log(f"ONNX export checked against PyTorch: max abs difference {export.max_abs_diff:.2e}")
    speed = speed_section(export.path, ctx)
    memory = probed_memory(export.path)  # what a run's tile plan needs: measured here, no run probes it again
    last = outcome.registered()
    card = {
        "architecture": outcome.config.arch,
        "preset": outcome.config.preset,
        "network": config_to_dict(outcome.config),
        "parameters": count_parameters(model),
        "data_fingerprint": fingerprint,
        "data": params.data or params.clean,
        "metrics": {
            "psnr": last.psnr,
            "ssim": last.ssim,
            "val_loss": last.val_loss,
            "improved_fraction": last.improved_fraction,
            "input_psnr": outcome.baseline["psnr"],
            "input_ssim": outcome.baseline["ssim"],
            **({"mp_per_s": speed["mp_per_s"]} if "mp_per_s" in speed else {}),
        },
        "speed": speed,
        **({"memory": asdict(memory)} if memory else {}),
        **tier_card(params),
        "epochs": len(outcome.history),
        "registered_epoch": last.epoch,
        "parent_version": params.start_from or (previous.version if previous else ""),
        **({"started_from": params.start_from} if params.start_from else {}),
        "job_id": ctx.job_id,
        "onnx_max_abs_diff": export.max_abs_diff,
        "environment": environment(outcome.device),
        **(extra_card or {}),
    }
    variants: dict[str, Path] = {}
    card["precisions"] = add_precision_variants(export.path, outcome.extra, variants, ctx)
    files = publish_version(registry, layer, {"weights": weights, "onnx": export.path, **variants}, card, ctx)
    section = {
        **files,
        "architecture": outcome.config.arch,
        "preset": outcome.config.preset,
        "parameters": card["parameters"],
        "onnx_max_abs_diff": export.max_abs_diff,
        "previous_version": previous.version if previous else "",
        "tier": card["tier"],
        "speed": speed,
    }
    if previous is not None and "psnr" in previous.metrics:
        section["comparison"] = {
            "previous_version": previous.version,
            "psnr_change": last.psnr - previous.metrics["psnr"],
            "ssim_change": last.ssim - previous.metrics.get("ssim", 0.0),
        }
    return section


def tier_card(params: TrainRestorationParams) -> dict[str, Any]:
    """The card's tier and, for a distilled network, its teacher."""
    card: dict[str, Any] = {"tier": params.tier or tier_for_layer(params.layer)}
    if params.teacher:
        card.update(teacher=params.teacher, distill_weight=params.distill_weight)
    return card


def speed_section(onnx: Path, ctx: JobContext) -> dict[str, Any]:
    """The exported model's bare ONNX Runtime speed (``speed.measure_speed``); a failure is recorded, never
    fails the run."""
    from backend.restoration.speed import SIDE, measure_speed

    ctx.progress(0, 0, unit="", message=f"measuring speed on a {SIDE}x{SIDE} image")
    try:
        speed = measure_speed(onnx)
    except (OSError, RuntimeError, MemoryError) as failure:
        ctx.log(f"speed not measured: {failure}", level="warning")
        return {"error": str(failure)}
    ctx.log(f"speed: {speed['mp_per_s']:.2f} MP/s on {speed['provider']} ({speed['threads']} threads, {speed['cpu']})")
    return speed


def train_from_data(
    params: TrainRestorationParams, ctx: JobContext, outcome: TrainOutcome, report: dict[str, Any]
) -> str:
    """Check the pairs, train into ``outcome`` (filled as it goes, so a failed run still has its curves) and
    return the data's fingerprint. Local runs and the SageMaker container both train through here."""
    ctx.progress(0, 0, message="checking the data")
    scan = scan_pairs(Path(params.data), max_pairs=params.max_pairs, confinement=confinement_of(ctx))
    train_pairs, val_pairs = split_pairs(scan.pairs, params.val_split, params.seed)
    report["data"] = {**scan.summary(), "train_pairs": len(train_pairs), "val_pairs": len(val_pairs)}
    ctx.log(f"data: {len(scan.pairs)} valid pairs of {scan.files_seen} files, {len(scan.rejected)} rejected")
    for item in scan.rejected[:20]:
        ctx.log(f"rejected {item.file}: {item.reason}", level="warning")
    if not scan.pairs:
        raise FailedPrecondition(
            f"no valid pairs in {params.data} ({scan.files_seen} files seen, {len(scan.rejected)} rejected); "
            "it needs clean/ and degraded/ images with matching names",
            field="data",
        )
    images, objective = taught_training_pairs(params, PairImages(train_pairs), ctx)
    if isinstance(images, TaughtPairs):
        report["distillation"] = {"taught_ahead": True, "teacher_cpu_seconds": images.cpu_seconds}
    dataset = TrainPatches(images, params.patch, params.seed)
    validation = PairImages(val_pairs)
    outcome.extra.update({TRAINING_SET: dataset, VALIDATION_SET: validation})  # for the precision variants
    train(params, outcome.config, dataset, validation, ctx, outcome, objective)
    return data_fingerprint(scan)


def train_from_clean(
    params: TrainRestorationParams, ctx: JobContext, outcome: TrainOutcome, report: dict[str, Any]
) -> str:
    """Train on crops of clean images degraded afresh every epoch by the domain's preset; returns the data's
    fingerprint."""
    ctx.progress(0, 0, message="reading the clean images")
    scan = scan_clean(Path(params.clean), confinement_of(ctx), params.max_pairs)
    train_images, val_images = split_pairs(scan.images, params.val_split, params.seed)
    preset = PRESETS[params.domain]
    report["data"] = {
        **scan.summary(),
        "train_images": len(train_images),
        "val_images": len(val_images),
        "domain": params.domain,
        "whiten_paper": params.whiten_paper,
        "degradation": preset.to_dict(),
    }
    ctx.log(
        f"data: {len(scan.images)} clean images, {len(scan.skipped)} files skipped; degraded on the fly by the "
        f"{params.domain} preset" + (", paper whitened in the targets" if params.whiten_paper else "")
    )
    for item in scan.skipped[:20]:
        ctx.log(f"skipped {item['file']}: {item['reason']}", level="warning")
    if not scan.images:
        raise FailedPrecondition(f"clean: no readable images in {params.clean} ({len(scan.skipped)} files skipped)")
    whiten = params.whiten_paper
    dataset = DegradedPatches(CleanImages(train_images), params.patch, params.seed, preset, whiten=whiten)
    validation = DegradedValidation(CleanImages(val_images), params.seed, preset, whiten=whiten)
    outcome.extra.update({TRAINING_SET: dataset, VALIDATION_SET: validation})  # for the precision variants
    train(params, outcome.config, dataset, validation, ctx, outcome, objective_for(params, ctx))
    return scan.fingerprint()


def domain_card(params: TrainRestorationParams) -> dict[str, Any]:
    """What the model card says about the images the model is for and how its inputs were made."""
    card: dict[str, Any] = {"domain": params.domain}
    if params.clean:
        card["training_data"] = "clean images degraded on the fly"
        card["whiten_paper"] = params.whiten_paper
        card["degradation"] = PRESETS[params.domain].to_dict()
    return card


def real_images_section(outcome: TrainOutcome, ctx: JobContext, *, whitened: bool = False) -> dict[str, Any]:
    """The trained model scored on the held-out real images (``real_eval``); a failure is recorded in the
    section, never fails a run whose model is already registered. A model that whitens the paper also gets
    before/after images of the real scans, which its PSNR cannot describe."""
    assert outcome.model is not None
    ctx.progress(0, 0, unit="", message="scoring on real images")
    try:
        section = evaluate_real(torch_restorer(outcome.model), check=ctx.check_cancelled)
        if whitened:
            section.update(whiten_paper=True, before_after=before_after(torch_restorer(outcome.model), "document"))
    except (OSError, ValueError, RuntimeError) as failure:
        ctx.log(f"real images not scored: {failure}", level="warning")
        return {"error": str(failure)}
    for domain, summary in section["domains"].items():
        ctx.log(
            f"real {domain} crops: input {summary['input']['psnr']:.2f} dB, model {summary['model']['psnr']:.2f} dB "
            f"({summary['model_vs_input']:+.2f}), worse than input on {summary['model_worse_than_input']} of "
            f"{summary['count']}",
            level="warning" if summary["model_vs_input"] < 0 else "info",
        )
    return section


def new_report(params: TrainRestorationParams, ctx: JobContext) -> dict[str, Any]:
    """The report of a training run before it starts; ``finish_report`` completes and saves it."""
    return {
        "report_version": 1,
        "id": ctx.job_id,
        "kind": "train_restoration",
        "title": f"Training report: restoration layer {params.layer}",
        "parameters": vars(params),
        "data": {},
        "epochs": [],
        "steps": [],
        "resumed_from": ctx.resumed_from,
    }


def network_for(params: TrainRestorationParams, ctx: JobContext, report: dict[str, Any]) -> NetworkConfig:
    """The preset's network; for ``auto``, the one measured on this CPU (``preset_choice``); for a fine-tuning
    run, the network its starting version was trained as. On resume, the one its checkpoint was trained with
    (a second measurement may choose another, and a preset's network may have changed since)."""
    if params.start_from:
        from backend.restoration.saved_weights import registered_weights

        return registered_weights(params.start_from, ctx, "start_from").config
    if ctx.resumed_from:
        state = load_checkpoint(ctx.store, ctx.resumed_from, ctx.scratch_dir)
        return config_from_dict(state["config"])
    if params.preset != AUTO_PRESET:
        return preset_for(params.layer, params.preset)
    from backend.restoration.preset_choice import choose_fast_preset  # imports onnxruntime

    ctx.progress(0, 0, unit="", message="measuring the layer-1 networks on this CPU")
    choice = choose_fast_preset()
    ctx.log(choice.describe(), level="info" if choice.reached else "warning")
    report["preset_choice"] = vars(choice)
    return preset_for(1, choice.preset)


def run_training(params: TrainRestorationParams, ctx: JobContext) -> dict[str, Any]:
    started = time.time()
    report = new_report(params, ctx)
    outcome = TrainOutcome(config=network_for(params, ctx, report))
    ended = RunEnd()
    try:
        with ended.recording(lambda: local_stop(ctx)):
            run = train_from_clean if params.clean else train_from_data
            fingerprint = run(params, ctx, outcome, report)
            report["model"] = register_trained(params, outcome, fingerprint, ctx, domain_card(params))
            report["comparison"] = report["model"].pop("comparison", None)
            report["real_images"] = real_images_section(outcome, ctx, whitened=params.whiten_paper)
    finally:
        finish_report(report, outcome, params, ctx, ended.state, ended.error, started)
    version = report["model"]["version"]
    push_after_training(ctx, version)
    return {"model_version": version}


def finish_report(
    report: dict[str, Any],
    outcome: TrainOutcome | None,
    params: TrainRestorationParams,
    ctx: JobContext,
    state: str,
    error: str,
    started: float,
) -> None:
    finished = time.time()
    report["state"], report["error"] = state, error
    report["job"] = {
        "id": ctx.job_id,
        "started_at": started,
        "finished_at": finished,
        "duration_seconds": finished - started,
    }
    history = outcome.history if outcome else []
    report["epochs"] = [vars(item) for item in history]
    steps = outcome.step_losses if outcome else []
    stride = max(1, len(steps) // MAX_STEP_POINTS)
    report["steps"] = [list(item) for item in steps[::stride]]
    report["baseline"] = outcome.baseline if outcome else {}
    if outcome and outcome.history:
        report["improvement"] = _improvement(outcome)
    if outcome and outcome.start_metrics:  # fine-tuning: the start scored on this run's validation set
        report["fine_tuning"] = {"start_version": params.start_from, **outcome.start_metrics}
    report["environment"] = environment(outcome.device if outcome and outcome.device else params.device)
    report["recommendations"] = recommend(report)
    try:
        keys = save_report(ctx.store, json_safe(report))
        ctx.artifact(keys["html"], "report", description="training report (HTML)")
        ctx.set_output("report", ctx.job_id)
    except Exception as failure:  # noqa: BLE001 - the run's own outcome matters more than its report
        ctx.log(f"could not write the report: {failure}", level="error")
