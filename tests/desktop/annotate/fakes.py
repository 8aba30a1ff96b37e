"""An in-memory Datasets backend with the contract's semantics (revisions, conflicts, idempotent retries,
offline), and runners that deliver on demand: the annotation view-models tested without a server or Qt."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, cast

from desktop.client import BackendError
from protos.omni.v1 import datasets_pb2

DEFAULT_CLASSES = ("dent", "dirt", "rust", "scratch", "spoiled", "mold")


@dataclass
class _Image:
    info: datasets_pb2.ImageInfo
    data: bytes
    annotations: datasets_pb2.Annotations
    edit_ids: dict[str, datasets_pb2.Annotations] = field(default_factory=dict)


class FakeDatasets:
    def __init__(self, name: str = "parts", count: int = 30, classes: Iterable[str] = DEFAULT_CLASSES) -> None:
        self.name = name
        self.offline = False
        self.calls: list[str] = []
        self.saves = 0
        self.dataset = datasets_pb2.Dataset(
            name=name, classes=[datasets_pb2.DatasetClass(id=i, name=c) for i, c in enumerate(classes)]
        )
        self.images: dict[str, _Image] = {}
        self.order: list[str] = []
        for index in range(count):
            self.add_image(f"img_{index:05d}.png", f"pixels {index}".encode(), 640, 480)

    def add_image(self, filename: str, data: bytes, width: int, height: int) -> str:
        image_id = hashlib.sha256(data).hexdigest()
        info = datasets_pb2.ImageInfo(
            image_id=image_id,
            filename=filename,
            width=width,
            height=height,
            status=datasets_pb2.IMAGE_STATUS_TODO,
            position=len(self.order),
            size_bytes=len(data),
        )
        annotations = datasets_pb2.Annotations(
            dataset=self.name, image_id=image_id, status=datasets_pb2.IMAGE_STATUS_TODO
        )
        self.images[image_id] = _Image(info, data, annotations)
        self.order.append(image_id)
        return image_id

    def _check(self, what: str) -> None:
        self.calls.append(what)
        if self.offline:
            raise BackendError("UNAVAILABLE", "the backend at fake is not reachable")

    def _image(self, image_id: str) -> _Image:
        if image_id not in self.images:
            raise BackendError("NOT_FOUND", f"no image {image_id}")
        return self.images[image_id]

    # -- the DatasetsApi ------------------------------------------------------------------------------

    def get_dataset(self, name: str) -> datasets_pb2.Dataset:
        self._check("get_dataset")
        return self.dataset

    def list_images(
        self, dataset: str, *, status: int = 0, page_size: int = 200, page_token: str = "", order_by: str = ""
    ) -> datasets_pb2.ListImagesResponse:
        self._check("list_images")
        rows = [self.images[i].info for i in self.order if not status or self.images[i].info.status == status]
        start = int(page_token or 0)
        size = page_size or 200
        page = rows[start : start + size]
        token = str(start + size) if start + size < len(rows) else ""
        return datasets_pb2.ListImagesResponse(images=page, next_page_token=token, total=len(rows))

    def get_image(self, dataset: str, image_id: str, max_side: int = 0) -> datasets_pb2.ImageData:
        self._check("get_image")
        image = self._image(image_id)
        return datasets_pb2.ImageData(
            image_id=image_id,
            data=image.data,
            format="png",
            width=image.info.width,
            height=image.info.height,
        )

    def get_annotations(self, dataset: str, image_id: str) -> datasets_pb2.Annotations:
        self._check("get_annotations")
        result = datasets_pb2.Annotations()
        result.CopyFrom(self._image(image_id).annotations)
        return result

    def save_annotations(
        self,
        dataset: str,
        image_id: str,
        *,
        base_revision: int,
        boxes: Iterable[datasets_pb2.Box],
        status: int = 0,
        editor: str = "",
        client_edit_id: str = "",
    ) -> datasets_pb2.Annotations:
        self._check("save_annotations")
        image = self._image(image_id)
        if client_edit_id and client_edit_id in image.edit_ids:
            return image.edit_ids[client_edit_id]
        if base_revision != image.annotations.revision:
            raise BackendError("ABORTED", f"{image.info.filename} is at revision {image.annotations.revision}")
        self.saves += 1
        image.annotations = datasets_pb2.Annotations(
            dataset=dataset,
            image_id=image_id,
            boxes=list(boxes),
            status=cast(Any, status or image.annotations.status),
            revision=base_revision + 1,
            updated_by=editor,
        )
        image.info.status = image.annotations.status
        image.info.revision = image.annotations.revision
        image.info.box_count = len(image.annotations.boxes)
        answer = datasets_pb2.Annotations()
        answer.CopyFrom(image.annotations)
        if client_edit_id:
            image.edit_ids[client_edit_id] = answer
        return answer

    # -- helpers for tests ----------------------------------------------------------------------------

    def id_at(self, index: int) -> str:
        return self.order[index]

    def annotations(self, index: int) -> datasets_pb2.Annotations:
        return self.images[self.order[index]].annotations

    def set_status(self, index: int, status: int) -> None:
        image = self.images[self.order[index]]
        image.info.status = image.annotations.status = cast(Any, status)

    def save_as_other(self, index: int, boxes: list[datasets_pb2.Box], editor: str = "bob") -> None:
        """Another annotator saves in between."""
        image = self.images[self.order[index]]
        self.save_annotations(
            self.name, image.info.image_id, base_revision=image.annotations.revision, boxes=boxes, editor=editor
        )


class QueueRunner:
    """Calls run only when the test says so (``drain``), like answers arriving later on the UI thread."""

    def __init__(self, api: Any) -> None:
        self.api = api
        self.queue: list[tuple[Callable[[Any], Any], Callable[[Any], object], Callable[[BaseException], object]]] = []

    def run(
        self,
        call: Callable[[Any], Any],
        on_result: Callable[[Any], object],
        on_error: Callable[[BaseException], object],
    ) -> None:
        self.queue.append((call, on_result, on_error))

    def drain(self, limit: int = 10_000) -> int:
        done = 0
        while self.queue and done < limit:
            call, on_result, on_error = self.queue.pop(0)
            done += 1
            try:
                result = call(self.api)
            except Exception as error:
                on_error(error)
                continue
            on_result(result)
        return done
