"""Pre-labelling every ``todo`` image of a dataset with a detector (the ``prelabel`` job).

Each image gets the detector's boxes as suggestions (with their confidence) and the status ``review``, so
annotators can fix them, least confident first (``ListImages order_by=confidence``). Boxes a person drew
on a todo image are kept. An image someone saved meanwhile (a revision conflict) or that is no longer
``todo`` is left alone and counted. Re-running the job continues with the images still ``todo``.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from backend.datasets.records import Status
from backend.datasets.service import DatasetService
from backend.detection import netguard
from backend.detection.onnx_detector import OnnxDetector
from backend.detection.params import PrelabelParams
from backend.detection.suggest import class_mapping, merge_suggestions, to_boxes
from backend.jobs.context import JobContext
from backend.registry.shared import registry_at
from backend.storage.local import local_file
from backend.workspace import Workspace
from omni_core.detection.images import UnreadableImage, decode_rgb
from omni_core.errors import Conflict, FailedPrecondition, NotFound

PAGE = 1000


def _todo_images(service: DatasetService, dataset: str) -> list[str]:
    ids: list[str] = []
    token = ""
    while True:
        page = service.list_images(dataset, status=int(Status.TODO), page_size=PAGE, page_token=token)
        ids.extend(image.image_id for image in page.images)
        token = page.next_page_token
        if not token:
            return ids


def prelabel_dataset(params: PrelabelParams, ctx: JobContext) -> dict[str, Any]:
    netguard.install_from_env()
    root = getattr(ctx.store, "root", None)
    if root is None:
        raise FailedPrecondition("pre-labelling needs the workspace's local store", field="dataset")
    service = DatasetService.for_workspace(Workspace(Path(root)))
    record = service.get_dataset(params.dataset)
    model = registry_at(ctx.workspace_root).get(params.model)
    detector = OnnxDetector.open(
        local_file(ctx.store, model.files["onnx"], ctx.scratch_dir), require_provider=params.require_provider
    )
    mapping = class_mapping(detector.names, record)
    if not mapping.to_dataset:
        raise FailedPrecondition(
            f"none of {model.version}'s classes ({', '.join(detector.names)}) is a class of dataset "
            f"{params.dataset} ({', '.join(record.class_names)})",
            field="model",
        )
    if mapping.unmapped:
        ctx.log(
            f"{params.dataset} has no class {', '.join(mapping.unmapped)}: those detections are left out", "warning"
        )
    ctx.log(f"pre-labelling with {model.version} on {detector.provider}")
    editor = f"model:{model.version}"
    ids = _todo_images(service, params.dataset)
    counts = {"labelled": 0, "boxes": 0, "changed_meanwhile": 0, "unreadable": 0}
    started = time.perf_counter()
    ctx.progress(0, len(ids), unit="images")
    for done, image_id in enumerate(ids, start=1):
        ctx.check_cancelled()
        try:
            annotations = service.get_annotations(params.dataset, image_id)
            if annotations.status != Status.TODO:
                counts["changed_meanwhile"] += 1
                continue
            pixels = decode_rgb(service.get_image(params.dataset, image_id).data)
            found = detector.detect(pixels, conf=params.conf, iou=params.iou, max_det=params.max_det)
            raw = [(d.class_id, d.confidence, d.x1, d.y1, d.x2, d.y2) for d in found]
            suggested = to_boxes(raw, pixels.shape[1], pixels.shape[0], mapping)
            boxes = merge_suggestions(annotations.boxes, suggested, params.iou)
            service.save_annotations(
                params.dataset,
                image_id,
                base_revision=annotations.revision,
                boxes=boxes,
                status=int(Status.REVIEW),
                editor=editor,
                client_edit_id=f"{ctx.job_id}:{image_id}"[:128],
            )
            counts["labelled"] += 1
            counts["boxes"] += len(suggested)
        except (Conflict, NotFound):
            counts["changed_meanwhile"] += 1
        except UnreadableImage as error:
            counts["unreadable"] += 1
            ctx.log(f"image {image_id[:12]}: {error.reason}", level="warning")
        finally:
            ctx.progress(done, len(ids), unit="images")
    netguard.report(ctx.log)
    seconds = time.perf_counter() - started
    ctx.log(
        f"{counts['labelled']} images pre-labelled with {counts['boxes']} suggestions and marked review; "
        f"{counts['changed_meanwhile']} changed meanwhile, {counts['unreadable']} unreadable ({seconds:.1f} s)"
    )
    return {**counts, "model": model.version, "provider": detector.provider}
