"""A batch restoration job on the backend's own disk: the backend reads IN and writes OUT directly.

Runs in a worker process. The summary is written whatever happens (finished, cancelled, disk full), so the
user always learns what was done; outputs are only ever whole files.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

from backend.batch.engine_setup import RunEngine, open_run_engine
from backend.batch.models import precision_files, resolve_model, selection_note
from backend.batch.pipeline import Pipeline, Task, file_sink
from backend.batch.precision import check_precision
from backend.jobs.context import JobContext, confinement_of
from backend.registry.shared import registry_at
from omni_core.batch.domain_check import check_inputs, model_domain
from omni_core.batch.items import planned_items, restored_item
from omni_core.batch.outcome import Outcome
from omni_core.batch.output import DiskFull, remove_partials
from omni_core.batch.params import RestoreBatchParams, RestoreOptions, check_options
from omni_core.batch.plan import Plan, plan_outputs, reference_index
from omni_core.batch.summary import BatchSummary, run_settings
from omni_core.batch.walk import scan_folder
from omni_core.confinement import PathChecker
from omni_core.errors import FailedPrecondition, JobCancelled


def _prepare_out(out: Path) -> int:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise FailedPrecondition(f"cannot create {out}: {error.strerror or error}", field="out") from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise FailedPrecondition(f"{out} is not writable by the backend", field="out")
    return remove_partials(out)


def _plan(params: RestoreBatchParams, options: RestoreOptions, ctx: JobContext) -> Plan:
    policy = confinement_of(ctx)
    source, out = Path(params.input), Path(params.out)
    policy.resolve(source, "input")
    checker = PathChecker(policy)
    scan = scan_folder(source, recursive=params.recursive, exclude=out, allowed=checker.admits)
    if scan.subfolders_not_entered:
        ctx.log(
            f"{scan.subfolders_not_entered} subfolder(s) of {source} not entered (restore with --recursive to "
            "include them)"
        )
    references = reference_index(policy.resolve(params.ref, "ref"), checker.admits) if params.ref else None
    return plan_outputs(
        scan,
        input_root=source,
        out_root=out,
        fmt=options.format,
        overwrite=params.overwrite,
        recursive=params.recursive,
        references=references,
    )


def _open(params: RestoreBatchParams, options: RestoreOptions, ctx: JobContext) -> tuple[RunEngine, BatchSummary]:
    registry = registry_at(ctx.workspace_root)
    chosen = resolve_model(registry, params.model, 0)
    note = selection_note(registry, chosen.model)
    ctx.log(
        f"model {chosen.model.version} ({chosen.model.layer}), trained for: {model_domain(chosen.model.card)}"
        + (f": {note}" if note else "")
    )
    check_precision(chosen.model, options.precision)
    files = precision_files(ctx.store, chosen, ctx.scratch_dir, options.precision)
    # built TensorRT engines are kept per workspace (``.omni/cache``), beside the jobs' own folders
    started = time.time()
    run = open_run_engine(files, options, cache_dir=ctx.scratch_dir.parents[1] / "cache" / "tensorrt")
    loaded = time.time()
    ctx.log(f"execution provider: {run.provider}")
    ctx.log(f"precision: {run.precision} ({run.precision_reason})")
    ctx.log(f"tiles: {run.tile_limit}")
    for warning in run.warnings:
        ctx.log(warning, level="warning")
    ctx.set_output("provider", run.provider)
    ctx.set_output("precision", run.precision)
    ctx.set_output("precision_reason", run.precision_reason)
    if run.warnings:
        ctx.set_output("provider_warning", "; ".join(run.warnings))
    summary = BatchSummary(
        mode="local",
        input=params.input,
        out=params.out,
        model=chosen.model.version,
        layer=chosen.model.layer,
        job_id=ctx.job_id,
        model_note=note,
        model_domain=model_domain(chosen.model.card),
        provider=run.provider,
        provider_warnings=run.warnings,
        precision=run.precision,
        precision_reason=run.precision_reason,
        settings=run_settings(
            options, run.batch_size, run.batch_pixels, recursive=params.recursive, resume=not params.overwrite
        ),
        tile_limit=run.tile_limit,
        references=bool(params.ref),
        started_at=started,
        model_load_seconds=loaded - started,
    )
    return run, summary


def ignore_terminal_interrupt() -> None:
    """A terminal's Ctrl+C reaches every process of its group, this worker too; the CLI turns it into a
    cancel, which stops the run cleanly, so the signal itself must not kill the run mid-way."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def restore_folder(params: RestoreBatchParams, ctx: JobContext) -> dict[str, object]:
    ignore_terminal_interrupt()
    options = check_options(params.options())
    out = Path(params.out)
    policy = confinement_of(ctx)
    policy.resolve(out, "out")  # again: a resumed job's folder may have become a link since it was checked
    run, summary = _open(params, options, ctx)
    removed = _prepare_out(out)
    if removed:
        ctx.log(f"removed {removed} temporary file(s) an interrupted run left in {out}")
    plan = _plan(params, options, ctx)
    summary.found, summary.skipped, summary.failed = plan.found, list(plan.skipped), list(plan.failed)
    summary.missing_reference = plan.missing_reference
    summary.subfolders_not_entered = plan.subfolders_not_entered
    ctx.set_output("subfolders_not_entered", str(plan.subfolders_not_entered))
    for item in planned_items(plan, options.format):
        ctx.item(item)
    if plan.found == 0:
        summary.finish("failed", "no images found")
        summary.write(out)
        entered = plan.subfolders_not_entered
        hint = f"; {entered} subfolder(s) not entered: use --recursive" if entered else ""
        raise FailedPrecondition(
            f"no images in {params.input} ({len(plan.skipped)} other file(s); "
            f"readable formats: PNG, JPEG, TIFF, WebP, BMP{hint})",
            field="input",
        )
    summary.domain_warning = check_inputs(summary.model_domain, [item.source for item in plan.todo])
    ctx.set_output("model_domain", summary.model_domain)
    if summary.domain_warning:
        ctx.set_output("domain_warning", summary.domain_warning)
        ctx.log(f"domain: {summary.domain_warning}", level="warning")
    total = len(plan.todo)
    already = sum(1 for item in plan.skipped if item.reason.startswith("already restored"))
    ctx.log(f"{plan.found} image(s) found: {total} to restore, {already} already restored")
    ctx.progress(0, total, unit="images", message="starting")
    done = 0

    def report(outcome: Outcome) -> None:
        nonlocal done
        done += 1
        summary.add(outcome)
        if outcome.restored:
            if outcome.metrics:
                ctx.metric("image/psnr_after", outcome.metrics["psnr_after"], step=done)
                ctx.metric("image/ssim_after", outcome.metrics["ssim_after"], step=done)
            for note in outcome.notes:
                if "memory" in note:
                    ctx.log(f"{outcome.key}: {note}", level="warning")
        ctx.item(restored_item(outcome))
        ctx.progress(done, total, unit="images", message=outcome.key)

    tasks = (Task(item.relative, item.source, item.output, item.reference) for item in plan.todo)
    sink = file_sink(out, lambda folder: policy.resolve(folder, "out"))
    pipeline = Pipeline(
        run.restorer, sink=sink, report=report, should_stop=lambda: ctx.cancelled, settings=run.settings
    )
    try:
        pipeline.run(tasks)
    except DiskFull as error:
        summary.finish("failed", f"{error.message}; every output already written is whole")
        _write_quietly(summary, out)
        raise
    if ctx.cancelled:
        summary.finish("cancelled", "stopped on request; the outputs written are whole, a resume finishes the rest")
        _write_quietly(summary, out)
        raise JobCancelled()
    summary.finish("finished")
    return _finish(summary, out, ctx)


def _write_quietly(summary: BatchSummary, out: Path) -> None:
    try:
        summary.write(out)
    except OSError:
        pass  # the disk that is full cannot take the summary either; the job's message says why


def _finish(summary: BatchSummary, out: Path, ctx: JobContext) -> dict[str, object]:
    json_path, text_path = summary.write(out)
    data = summary.to_dict()
    for path, kind in ((json_path, "summary"), (text_path, "summary-text")):
        ctx.artifact(str(path), kind, size_bytes=path.stat().st_size, description="batch restoration summary")
    speed = data["throughput"]
    ctx.metric("batch/images_per_second", speed["images_per_second"])
    ctx.metric("batch/megapixels_per_second", speed["megapixels_per_second"])
    reference = data.get("reference") or {}
    for name in ("psnr_before", "psnr_after", "ssim_before", "ssim_after"):
        if reference.get(name) is not None:
            ctx.metric(f"reference/{name}", reference[name])
    counts = data["counts"]
    ctx.log(
        f"restored {counts['restored']}, skipped {counts['skipped']}, failed {counts['failed']} in "
        f"{data['wall_seconds']:.1f} s ({speed['images_per_second']:.2f} images/s); summary: {text_path}"
    )
    return {
        "restored": counts["restored"],
        "skipped": counts["skipped"],
        "failed": counts["failed"],
        "subfolders_not_entered": counts["subfolders_not_entered"],
        "images_per_second": f"{speed['images_per_second']:.3f}",
        "megapixels_per_second": f"{speed['megapixels_per_second']:.3f}",
        "summary": str(json_path),
        "summary_text": str(text_path),
    }
