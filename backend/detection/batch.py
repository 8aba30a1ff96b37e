"""Batch detection of a folder with a registered detector's ONNX export (the ``detect_batch`` job).

Images are found like batch restoration finds them (``omni_core.batch.walk``: sorted, optionally recursive,
never inside OUT). Decoding and writing run on a small thread pool, overlapping with inference (ONNX
Runtime releases the GIL). Resumable: an image whose record says it was done with the same model and
settings is skipped. Files that cannot be read are reported and skipped; the run goes on. Every file gets an
``item`` event: detected (once its outputs are written), done before, left out, or unreadable.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np

from backend.detection import netguard
from backend.detection.batch_output import (
    SUMMARY_JSON,
    WRITE_FORMATS,
    OutputPaths,
    is_done,
    label_text,
    read_record,
    record,
    summary_files,
)
from backend.detection.drawing import DrawnBox, draw_boxes, encode
from backend.detection.images import UnreadableImage, decode_rgb
from backend.detection.models import local_file
from backend.detection.onnx_detector import OnnxDetector
from backend.detection.params import DetectBatchParams
from backend.jobs.context import JobContext, confinement_of
from backend.registry.shared import registry_at
from omni_core.batch.output import remove_partials, write_atomic
from omni_core.batch.walk import scan_folder
from omni_core.confinement import Confinement, PathChecker
from protos.omni.v1 import jobs_pb2

PREFETCH = 4
PROGRESS_UNIT = "images"
DONE_BEFORE = "already detected with the same model and settings"


@dataclass(frozen=True)
class Planned:
    relative: str
    source: Path
    paths: OutputPaths


@dataclass
class _Work:
    todo: list[Planned]
    done: list[Planned]
    problems: list[dict[str, str]]  # files not read, with the reason
    subfolders_not_entered: int  # subfolders of IN a run without ``recursive`` did not read


def _plan(params: DetectBatchParams, identity: dict[str, Any], policy: Confinement) -> _Work:
    source, out = Path(params.input), Path(params.out)
    policy.resolve(source, "input")
    scan = scan_folder(source, recursive=params.recursive, exclude=out, allowed=PathChecker(policy).admits)
    problems = [{"file": s.file, "status": "skipped", "reason": s.reason} for s in scan.skipped]
    todo: list[Planned] = []
    done: list[Planned] = []
    claimed: dict[str, str] = {}
    for found in scan.images:
        stem = str(PurePosixPath(found.relative).with_suffix(""))
        if stem in claimed:
            reason = f"its outputs would have the names of {claimed[stem]}'s (same name, other extension)"
            problems.append({"file": found.relative, "status": "skipped", "reason": reason})
            continue
        claimed[stem] = found.relative
        item = Planned(found.relative, found.path, OutputPaths.of(out, found.relative))
        if not params.overwrite and is_done(item.paths, item.source, identity):
            done.append(item)
        else:
            todo.append(item)
    return _Work(todo, done, problems, scan.subfolders_not_entered)


def _annotated(item: Planned, out: Path) -> str:
    return item.paths.annotated.relative_to(out).as_posix()


def _detected_item(item: Planned, out: Path, rec: dict[str, Any]) -> jobs_pb2.ItemOutcome:
    counts: dict[str, int] = rec["counts"]
    return jobs_pb2.ItemOutcome(
        input=item.relative,
        output=_annotated(item, out),
        ok=True,
        seconds=rec["seconds"],
        width=rec["width"],
        height=rec["height"],
        detections=sum(counts.values()),
        classes=counts,
    )


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
    height, width = pixels.shape[:2]
    drawn = draw_boxes(
        pixels, [DrawnBox(d.x1, d.y1, d.x2, d.y2, f"{d.class_name} {d.confidence:.2f}", d.class_id) for d in found]
    )
    fmt = WRITE_FORMATS.get(item.paths.annotated.suffix.lower(), "PNG")
    write_atomic(item.paths.annotated, encode(drawn, fmt, quality=92))
    write_atomic(item.paths.labels, label_text(found, width, height).encode())
    write_atomic(item.paths.record, json.dumps(rec, indent=1).encode())  # last: the image is done


def _decoded(pool: ThreadPoolExecutor, items: list[Planned]) -> Iterator[tuple[Planned, np.ndarray | UnreadableImage]]:
    """Decoded images in order, ``PREFETCH`` ahead of the consumer."""
    pending: list[tuple[Planned, Future[np.ndarray | UnreadableImage]]] = []
    for item in items:
        pending.append((item, pool.submit(_decode, item)))
        if len(pending) > PREFETCH:
            first, future = pending.pop(0)
            yield first, future.result()
    for item, future in pending:
        yield item, future.result()


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
        for item, pixels in _decoded(pool, todo):
            ctx.check_cancelled()
            if isinstance(pixels, UnreadableImage):
                problems.append({"file": item.relative, "status": "corrupt", "reason": pixels.reason})
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
    records = [
        r for r in (read_record(item.paths.record) for item in sorted(todo + done, key=lambda i: i.relative)) if r
    ]
    header = {
        "model": model.version,
        "provider": detector.provider,
        "conf": params.conf,
        "iou": params.iou,
        "input": params.input,
        # whatever the input's mode (CMYK, 16-bit, float, alpha...), an annotated image is a drawing
        "annotated_images": "8-bit RGB, upright, boxes drawn; in the input's file format",
        "classes": detector.names,
        "subfolders_not_entered": work.subfolders_not_entered,
        "detected_now": len(todo) - sum(1 for p in problems if p["status"] == "corrupt"),
        "done_before": len(done),
        "seconds": round(seconds, 3),
        "images_per_second": round((len(todo) / seconds) if seconds > 0 and todo else 0.0, 2),
    }
    files = summary_files(records, detector.names, problems, header)
    for name, data in files.items():
        write_atomic(out / name, data)
    ctx.artifact(
        str(out / SUMMARY_JSON), "summary", size_bytes=len(files[SUMMARY_JSON]), description="batch detection summary"
    )
    ctx.set_output("summary", str(out / SUMMARY_JSON))
    netguard.report(ctx.log)
    corrupt = sum(1 for p in problems if p["status"] == "corrupt")
    ctx.log(f"{len(records)} images with results, {corrupt} corrupt, {header['images_per_second']} images/s")
    return {"images": len(records), "corrupt": corrupt, "provider": detector.provider}
