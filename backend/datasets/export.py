"""Exporting a dataset (the ``export_dataset`` job's work): YOLO, COCO or VOC, split by class, into a folder or
to ``s3://BUCKET/PREFIX`` on the workspace remote's server.

An S3 export is written into the job's scratch folder first, then uploaded with keys relative to the prefix.
A YOLO export to S3 is laid out split first (``train/images``, ``train/labels``, ``val/...`` and ``data.yaml``
naming ``train/images`` ...), the layout the second system's training reads; ``data.yaml`` goes up last, so a
reader that finds it finds every image too.
"""

from __future__ import annotations

import functools
import itertools
import shutil
from pathlib import Path

from backend.datasets.jobs import check_s3_out, is_s3_url, workspace_root
from backend.datasets.params import ExportDatasetParams
from backend.datasets.service import DatasetService
from backend.jobs.context import JobContext, confinement_of
from backend.storage import credentials
from backend.storage.local import LocalStore
from backend.storage.s3 import S3Store
from backend.workspace import STATE_DIR_NAME
from omni_core.errors import FailedPrecondition, shown
from omni_core.formats import writer_for
from omni_core.formats.images import FORMAT_EXTENSIONS, export_name
from omni_core.formats.model import ExportImage, ExportResult
from omni_core.formats.split import assign_splits
from omni_core.formats.yolo import DATA_YAML

CHECK_EVERY = 50
SPLIT_FOLDERS = ("images", "labels")


def export_dataset(service: DatasetService, params: ExportDatasetParams, ctx: JobContext) -> dict[str, object]:
    if is_s3_url(params.out):
        return _export_to_s3(service, params, ctx)
    out = Path(params.out)
    confinement_of(ctx).resolve(out, "out")  # again in the worker: the folder may have become a link since
    result, total = _write(service, params, ctx, out)
    for key in result.descriptors:
        info = LocalStore(out).stat(key)
        ctx.artifact(str(out / key), "dataset", size_bytes=info.size, sha256=info.sha256)
    return _finish(params, ctx, result, total)


def _write(
    service: DatasetService, params: ExportDatasetParams, ctx: JobContext, folder: Path
) -> tuple[ExportResult, int]:
    record, rows = service.export_rows(params.dataset, params.statuses)
    if not rows:
        raise FailedPrecondition(f"dataset {shown(params.dataset)} has no images with the statuses asked for")
    splits = assign_splits([(row.sha256, [b.class_id for b in row.boxes]) for row in rows], params.split, params.seed)
    images = [
        ExportImage(
            name=export_name(row.filename, FORMAT_EXTENSIONS[row.format.upper()]),
            width=row.width,
            height=row.height,
            boxes=row.boxes,
            data=functools.partial(service.blobs.read, row.key),
        )
        for row in rows
    ]
    total = len(images)

    def on_image(done: int) -> None:
        if done % CHECK_EVERY == 0:
            ctx.check_cancelled()
        ctx.progress(done, total, unit="images")

    return writer_for(params.format)(LocalStore(folder), record.class_names, images, splits, on_image), total


def _finish(params: ExportDatasetParams, ctx: JobContext, result: ExportResult, total: int) -> dict[str, object]:
    counts = ", ".join(f"{split} {count}" for split, count in sorted(result.images.items()))
    ctx.log(f"exported {total} images ({counts}) and {result.boxes} boxes of {params.dataset} as {params.format}")
    for note in result.notes:
        ctx.log(note, level="warning")
    ctx.set_output("out", params.out)
    return {"images": total, "boxes": result.boxes, **{f"images_{k}": v for k, v in result.images.items()}}


# -- to S3 --------------------------------------------------------------------------------------------------------


def _export_to_s3(service: DatasetService, params: ExportDatasetParams, ctx: JobContext) -> dict[str, object]:
    state_dir = workspace_root(ctx) / STATE_DIR_NAME
    config = check_s3_out(params.out, state_dir)
    scratch = Path(ctx.scratch_dir)
    scratch.mkdir(parents=True, exist_ok=True)
    store = S3Store(config, credentials.resolve(config, state_dir), state_dir=scratch)
    held = [entry.key for entry in itertools.islice(store.entries(""), 4)]
    if held:
        shown = ", ".join(held[:3]) + (", ..." if len(held) > 3 else "")
        raise FailedPrecondition(
            f"{config.url}/ already holds objects ({shown}); choose a new prefix. Nothing was overwritten.", field="out"
        )
    folder = scratch / "export"
    shutil.rmtree(folder, ignore_errors=True)  # what an earlier attempt left
    result, total = _write(service, params, ctx, folder)
    _upload(folder, store, split_first=params.format == "yolo", descriptors=result.descriptors, ctx=ctx)
    shutil.rmtree(folder, ignore_errors=True)
    return _finish(params, ctx, result, total)


def _upload(folder: Path, store: S3Store, *, split_first: bool, descriptors: list[str], ctx: JobContext) -> None:
    """Upload every file of ``folder``; if that fails or is cancelled, remove what went up (best effort), so
    the prefix is empty again for the next attempt."""
    files = sorted(path.relative_to(folder).as_posix() for path in folder.rglob("*") if path.is_file())
    files.sort(key=lambda key: key in descriptors)  # the files describing the dataset last
    sent: list[str] = []
    try:
        for done, key in enumerate(files, start=1):
            if done % CHECK_EVERY == 0:
                ctx.check_cancelled()
            target = split_first_key(key) if split_first else key
            if split_first and key == DATA_YAML:
                info = store.put_bytes(key, split_first_yaml((folder / key).read_text(encoding="utf-8")).encode())
            else:
                info = store.put_file(target, folder / key)
            sent.append(target)
            if key in descriptors:
                ctx.artifact(f"{store.config.url}/{target}", "dataset", size_bytes=info.size, sha256=info.sha256)
            ctx.progress(done, len(files), unit="files", message=f"uploading to {store.config.url}")
    except BaseException:
        _remove(store, sent, ctx)
        raise


def _remove(store: S3Store, keys: list[str], ctx: JobContext) -> None:
    try:
        for key in keys:
            store.delete(key)
    except Exception as error:  # noqa: BLE001 - the upload's own error is the one to report
        ctx.log(f"could not remove the partial export under {store.config.url}/: {error}", level="warning")
    else:
        if keys:
            ctx.log(f"removed the {len(keys)} files of the unfinished export from {store.config.url}/")


def split_first_key(key: str) -> str:
    """``images/train/a.png`` -> ``train/images/a.png`` (and labels alike); other keys as they are."""
    kind, _, rest = key.partition("/")
    split, slash, name = rest.partition("/")
    return f"{split}/{kind}/{name}" if kind in SPLIT_FOLDERS and slash else key


def split_first_yaml(text: str) -> str:
    """A YOLO ``data.yaml`` with its ``images/<split>`` folders as ``<split>/images``, still relative to itself."""
    import yaml

    document = yaml.safe_load(text)
    for split in ("train", "val", "test"):
        value = document.get(split)
        if isinstance(value, str) and value.startswith("images/"):
            document[split] = f"{value.removeprefix('images/')}/images"
    return str(yaml.safe_dump(document, sort_keys=False, allow_unicode=True))
