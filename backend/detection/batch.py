"""Batch detection of a folder with a registered detector's ONNX export (the ``detect_batch`` job).

Images are found like batch restoration finds them (``omni_core.batch.walk``: sorted, optionally recursive,
never inside OUT). Decoding and writing run on a small thread pool, overlapping with inference (ONNX
Runtime releases the GIL). Resumable: an image whose record says it was done with the same model and
settings is skipped. Files that cannot be read are reported and skipped; the run goes on. Every file gets an
``item`` event: detected (once its outputs are written), done before, left out, or unreadable.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from backend.detection import netguard
from backend.detection.onnx_detector import OnnxDetector
from backend.detection.params import DetectBatchParams
from backend.jobs.context import JobContext, confinement_of
from backend.registry.shared import registry_at
from backend.storage.local import local_file
from omni_core.batch.output import remove_partials
from omni_core.batch.walk import scan_folder
from omni_core.confinement import Confinement, PathChecker
from omni_core.detection.batch_output import (
    SUMMARY_JSON,
    detected_item,
    record,
    summary_header,
    write_outputs,
    write_summary,
)
from omni_core.detection.batch_plan import CORRUPT, DONE_BEFORE, Planned, Work, plan_work, split_done
from omni_core.detection.images import PREFETCH, UnreadableImage, decode_rgb, prefetched
from protos.omni.v1 import jobs_pb2

PROGRESS_UNIT = "images"


def _plan(params: DetectBatchParams, identity: dict[str, Any], policy: Confinement) -> Work:
    source, out = Path(params.input), Path(params.out)
    policy.resolve(source, "input")
    scan = scan_folder(source, recursive=params.recursive, exclude=out, allowed=PathChecker(policy).admits)
    work = plan_work(scan, out)
    split_done(work, identity, overwrite=params.overwrite)
    return work


def _annotated(item: Planned, out: Path) -> str:
    return item.annotated(out)


def _detected_item(item: Planned, out: Path, rec: dict[str, Any]) -> jobs_pb2.ItemOutcome:
    return detected_item(item.relative, item.annotated(out), rec)


def _decode(item: Planned) -> np.ndarray | UnreadableImage:
    try:
        return decode_rgb(item.source)
    except UnreadableImage as error:
        return error
    except OSError as error:
        return UnreadableImage(f"unreadable: {error.strerror or error}")


def _write(item: Planned, pixels: np.ndarray, found: list[Any], rec: dict[str, Any], policy: Confinement) -> None:
    for target in (item.paths.annotated, item.paths.labels, item.paths.record):
        policy.resolve(target.parent, "out")  # a folder that became a link out of the workspace is not written
    write_outputs(item.paths, pixels, found, rec)


Write = tuple[Future[None], jobs_pb2.ItemOutcome]


def _settled(
    writes: list[Write], report: Callable[[jobs_pb2.ItemOutcome], None], limit: int = 2 * PREFETCH
) -> list[Write]:
    """The writes still running; a finished write's image is reported done, its error (a full disk) is raised
    here. Waits for the oldest while more than ``limit`` are queued, so a slow disk holds back the reading too."""
    while len(writes) > limit:
        write, item = writes.pop(0)
        write.result()
        report(item)
    pending = []
    for write, item in writes:
        if write.done():
            write.result()
            report(item)
        else:
            pending.append((write, item))
    return pending


def detect_folder(params: DetectBatchParams, ctx: JobContext) -> dict[str, Any]:
    netguard.install_from_env()
    registry = registry_at(ctx.workspace_root)
    model = registry.get(params.model)
    onnx = local_file(ctx.store, model.files["onnx"], ctx.scratch_dir)
    detector = OnnxDetector.open(onnx, require_provider=params.require_provider)
    ctx.log(f"detecting with {model.version} on {detector.provider} (input {detector.info.input_w} px)")
    for warning in detector.engine.warnings:
        ctx.log(warning, level="warning")
    out = Path(params.out)
    policy = confinement_of(ctx)
    policy.resolve(out, "out")  # again: a resumed job's folder may have become a link since it was checked
    out.mkdir(parents=True, exist_ok=True)
    removed = remove_partials(out)
    if removed:
        ctx.log(f"removed {removed} partial files an interrupted run left")
    identity = {"model": model.version, "conf": params.conf, "iou": params.iou, "max_det": params.max_det}
    work = _plan(params, identity, policy)
    todo, done, problems = work.todo, work.done, work.problems
    total = len(todo) + len(done)
    ctx.log(f"{total} images: {len(done)} done already, {len(todo)} to detect; {len(problems)} files not read")
    if work.subfolders_not_entered:
        ctx.log(f"{work.subfolders_not_entered} subfolder(s) of {params.input} not entered (use --recursive)")
    ctx.set_output("out", str(out))
    ctx.set_output("subfolders_not_entered", str(work.subfolders_not_entered))
    for problem in problems:
        ctx.item(jobs_pb2.ItemOutcome(input=problem["file"], skipped=True, reason=problem["reason"]))
    for item in done:
        output = _annotated(item, out)
        ctx.item(jobs_pb2.ItemOutcome(input=item.relative, output=output, skipped=True, reason=DONE_BEFORE))
    started = time.perf_counter()
    finished = len(done)
    ctx.progress(finished, total, unit=PROGRESS_UNIT)
    writes: list[Write] = []
    with ThreadPoolExecutor(max_workers=3, thread_name_prefix="detect-io") as pool:
        for item, pixels in prefetched(pool, todo, _decode, PREFETCH):
            ctx.check_cancelled()
            if isinstance(pixels, UnreadableImage):
                problems.append({"file": item.relative, "status": CORRUPT, "reason": pixels.reason})
                ctx.item(jobs_pb2.ItemOutcome(input=item.relative, reason=pixels.reason))
            else:
                began = time.perf_counter()
                found = detector.detect(pixels, conf=params.conf, iou=params.iou, max_det=params.max_det)
                height, width = pixels.shape[:2]
                rec = record(item.relative, item.source, width, height, found, identity, time.perf_counter() - began)
                writes = _settled(writes, ctx.item)
                writes.append((pool.submit(_write, item, pixels, found, rec, policy), _detected_item(item, out, rec)))
            finished += 1
            ctx.progress(finished, total, unit=PROGRESS_UNIT)
        _settled(writes, ctx.item, limit=0)  # every write waited for, every image reported
    seconds = time.perf_counter() - started
    corrupt = sum(1 for p in problems if p["status"] == CORRUPT)
    header = summary_header(
        model=model.version,
        provider=detector.provider,
        conf=params.conf,
        iou=params.iou,
        source=params.input,
        classes=detector.names,
        subfolders_not_entered=work.subfolders_not_entered,
        todo=len(todo),
        done_before=len(done),
        corrupt=corrupt,
        seconds=seconds,
    )
    paths = [item.paths.record for item in sorted(todo + done, key=lambda i: i.relative)]
    images, files = write_summary(out, paths, detector.names, problems, header)
    size = len(files[SUMMARY_JSON])
    ctx.artifact(str(out / SUMMARY_JSON), "summary", size_bytes=size, description="batch detection summary")
    ctx.set_output("summary", str(out / SUMMARY_JSON))
    netguard.report(ctx.log)
    ctx.log(f"{images} images with results, {corrupt} corrupt, {header['images_per_second']} images/s")
    return {"images": images, "corrupt": corrupt, "provider": detector.provider}
