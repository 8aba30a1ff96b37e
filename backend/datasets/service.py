"""The datasets service: what the ``Datasets`` RPCs and the import/export jobs call.

It ties together the SQLite metadata (``db``), the content-addressed image bytes (``blobs``), cached
renditions (``rendering``) and upload staging (``uploads``). Each public method is one transaction.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from backend.datasets import annotating, catalog, imagerows, stats
from backend.datasets.blobs import ImageBlobs, blob_info
from backend.datasets.catalog import ClassChange
from backend.datasets.db import Database
from backend.datasets.imagerows import AddOutcome
from backend.datasets.records import (
    AnnotationsRecord,
    DatasetRecord,
    DatasetStats,
    ImageBytes,
    ImagePage,
    NewImage,
    Status,
    UploadOutcome,
)
from backend.datasets.rendering import Renderer
from backend.datasets.uploads import Staging, UploadSession, Verified
from backend.storage.base import ArtifactStore
from backend.workspace import Workspace
from omni_core.datasets.classmap import class_mapping, missing_classes, source_class_names
from omni_core.datasets.names import DEFAULT_CLASSES, check_sha256
from omni_core.errors import InvalidArgument, NotFound, shown
from omni_core.formats.images import ImageProbe, UnusableImage, probe_bytes
from omni_core.formats.model import Box

DB_NAME = "datasets.sqlite3"
MAX_SIDE = 16384
_services: dict[Path, DatasetService] = {}
_services_lock = threading.Lock()


@dataclass(frozen=True)
class ExportRow:
    filename: str
    sha256: str
    key: str
    format: str
    width: int
    height: int
    boxes: tuple[Box, ...]


class DatasetService:
    def __init__(self, store: ArtifactStore, state_dir: Path) -> None:
        self.db = Database(state_dir / DB_NAME)
        self.blobs = ImageBlobs(store)
        self.renderer = Renderer(self.blobs, state_dir / "thumbs")
        self.staging = Staging(state_dir / "uploads")

    @classmethod
    def for_workspace(cls, workspace: Workspace) -> DatasetService:
        """One service per workspace and process (the database connections are per thread)."""
        with _services_lock:
            service = _services.get(workspace.state_dir)
            if service is None:
                service = _services[workspace.state_dir] = cls(workspace.store, workspace.state_dir)
            return service

    # -- datasets ---------------------------------------------------------------------------------------------

    def create_dataset(self, name: str, classes: Sequence[str] = ()) -> DatasetRecord:
        with self.db.write() as conn:
            ds = catalog.create(conn, name, list(classes) or list(DEFAULT_CLASSES))
            return catalog.describe(conn, ds)

    def list_datasets(self) -> list[DatasetRecord]:
        with self.db.read() as conn:
            return catalog.list_all(conn)

    def get_dataset(self, name: str) -> DatasetRecord:
        with self.db.read() as conn:
            return catalog.describe(conn, catalog.dataset_id(conn, name))

    def find_dataset(self, name: str) -> DatasetRecord | None:
        try:
            return self.get_dataset(name)
        except NotFound:
            return None

    def delete_dataset(self, name: str) -> None:
        """Delete the dataset's records; bytes no other dataset holds are deleted too."""
        with self.db.write() as conn:
            ds = catalog.dataset_id(conn, name)
            shas = [row[0] for row in conn.execute("SELECT sha256 FROM images WHERE dataset_id = ?", (ds,))]
            conn.execute("DELETE FROM datasets WHERE id = ?", (ds,))
            gone = self.blobs.delete_unreferenced(conn, shas)
        for sha256 in gone:
            self.renderer.forget(sha256)

    def update_classes(self, name: str, changes: Sequence[ClassChange]) -> DatasetRecord:
        if not changes:
            raise InvalidArgument("changes", "give at least one change")
        with self.db.write() as conn:
            ds = catalog.dataset_id(conn, name)
            catalog.apply_class_changes(conn, ds, changes)
            return catalog.describe(conn, ds)

    def prepare_import(self, name: str, source_classes: Sequence[str]) -> tuple[DatasetRecord, list[int], list[str]]:
        """Create the dataset (with ``source_classes``) or add the classes it lacks; (dataset, class id of each
        source class, names added). Duplicated source names map to one class."""
        with self.db.write() as conn:
            try:
                ds = catalog.dataset_id(conn, name)
            except NotFound:
                ds = catalog.create(conn, name, source_class_names(source_classes) or list(DEFAULT_CLASSES))
                added: list[str] = []
            else:
                added = missing_classes(source_classes, catalog.classes(conn, ds))
                catalog.apply_class_changes(conn, ds, [ClassChange("add", name=n) for n in added])
            record = catalog.describe(conn, ds)
        return record, class_mapping(source_classes, record.classes), added

    # -- images -----------------------------------------------------------------------------------------------

    def add_images(self, name: str, items: Sequence[NewImage]) -> list[AddOutcome]:
        with self.db.write() as conn:
            return imagerows.add_images(conn, catalog.dataset_id(conn, name), items, self.blobs.ensure_stored)

    def list_images(
        self, name: str, *, status: int = 0, order_by: str = "", page_size: int = 0, page_token: str = ""
    ) -> ImagePage:
        with self.db.read() as conn:
            return imagerows.list_page(
                conn,
                catalog.dataset_id(conn, name),
                status=status,
                order_by=order_by,
                page_size=page_size,
                page_token=page_token,
            )

    def get_image(self, name: str, image_id: str, max_side: int = 0) -> ImageBytes:
        if not 0 <= max_side <= MAX_SIDE:
            raise InvalidArgument("max_side", f"must be 0 (full size) to {MAX_SIDE}")
        with self.db.read() as conn:
            imagerows.image_row(conn, catalog.dataset_id(conn, name), image_id, name)
            info = blob_info(conn, image_id)
        if info is None:
            raise NotFound(f"the bytes of image {shown(image_id)} are missing")
        return self.renderer.image(info, max_side)

    def get_annotations(self, name: str, image_id: str) -> AnnotationsRecord:
        with self.db.read() as conn:
            return annotating.get(conn, name, image_id)

    def save_annotations(
        self,
        name: str,
        image_id: str,
        *,
        base_revision: int,
        boxes: Sequence[Box],
        status: int = 0,
        editor: str = "",
        client_edit_id: str = "",
    ) -> AnnotationsRecord:
        with self.db.write() as conn:
            return annotating.save(
                conn,
                name,
                image_id,
                base_revision=base_revision,
                boxes=boxes,
                status=status,
                editor=editor,
                client_edit_id=client_edit_id,
            )

    def stats(self, name: str) -> DatasetStats:
        with self.db.read() as conn:
            return stats.dataset_stats(conn, name)

    def export_rows(self, name: str, statuses: Sequence[int] = ()) -> tuple[DatasetRecord, list[ExportRow]]:
        """The dataset and, in position order, every image with one of ``statuses`` (all if empty)."""
        wanted = {int(s) for s in statuses} or {s.value for s in Status}
        with self.db.read() as conn:
            ds = catalog.dataset_id(conn, name)
            record = catalog.describe(conn, ds)
            boxes: dict[int, list[Box]] = {}
            for row_id, cls, x, y, w, h, conf, flags in conn.execute(
                "SELECT b.image_row, b.class_id, b.x_center, b.y_center, b.width, b.height, b.confidence, b.flags "
                "FROM boxes b WHERE b.dataset_id = ? ORDER BY b.image_row, b.idx",
                (ds,),
            ):
                boxes.setdefault(row_id, []).append(Box(cls, x, y, w, h, conf, int(flags)))
            rows = [
                ExportRow(filename, sha, key, fmt, width, height, tuple(boxes.get(row_id, ())))
                for row_id, filename, sha, key, fmt, width, height, status in conn.execute(
                    "SELECT i.id, i.filename, i.sha256, b.key, b.format, b.width, b.height, i.status "
                    "FROM images i JOIN blobs b ON b.sha256 = i.sha256 WHERE i.dataset_id = ? ORDER BY i.position",
                    (ds,),
                )
                if status in wanted
            ]
        return record, rows

    # -- uploads ----------------------------------------------------------------------------------------------

    def upload_offset(self, sha256: str) -> tuple[int, bool]:
        """(bytes held of an upload of ``sha256``, are all its bytes stored already)."""
        digest = check_sha256(sha256)
        with self.db.read() as conn:
            info = blob_info(conn, digest)
        if info is not None and self.blobs.store.exists(info.key):
            return info.size_bytes, True
        return self.staging.offset(digest), False

    def _stored_blob(self, sha256: str) -> str | None:
        """The key of ``sha256``'s bytes in the store, registered or not: an upload stores them before the
        transaction that registers them, so a concurrent upload of the same bytes finds them there."""
        with self.db.read() as conn:
            info = blob_info(conn, sha256)
        if info is not None and self.blobs.store.exists(info.key):
            return info.key
        return self.blobs.find_stored(sha256)

    def _probe_stored(self, sha256: str) -> ImageProbe | None:
        """The probe of stored bytes no blob row describes yet (see ``_stored_blob``)."""
        key = self.blobs.find_stored(sha256)
        if key is None:
            return None
        try:
            return probe_bytes(self.blobs.read(key))
        except (UnusableImage, OSError):
            return None

    def upload_session(self) -> UploadSession:
        return UploadSession(
            staging=self.staging,
            check_dataset=self._check_dataset,
            is_stored=lambda sha: self._stored_blob(sha) is not None,
            store_file=lambda path, sha, fmt: self.blobs.put_file(path, sha, fmt)[1],
            register=self._register_uploads,
        )

    def _check_dataset(self, name: str) -> None:
        with self.db.read() as conn:
            catalog.dataset_id(conn, name)  # NotFound; cheap, unlike counting its images

    def _register_uploads(self, batch: list[Verified]) -> list[UploadOutcome]:
        outcomes: dict[int, UploadOutcome] = {}
        by_dataset: dict[str, list[tuple[int, Verified]]] = {}
        for index, verified in enumerate(batch):
            by_dataset.setdefault(verified.dataset, []).append((index, verified))
        for name, members in by_dataset.items():
            with self.db.write() as conn:
                ds = catalog.dataset_id(conn, name)
                items = []
                for index, verified in members:
                    probe = verified.probe or _probe_of(conn, verified.sha256) or self._probe_stored(verified.sha256)
                    if probe is None:
                        outcomes[index] = UploadOutcome(
                            verified.filename, error="its bytes left the store: upload again"
                        )
                        continue
                    items.append(
                        (
                            index,
                            NewImage(verified.sha256, verified.filename, probe, verified.size_bytes, verified.source),
                        )
                    )
                added = imagerows.add_images(conn, ds, [item for _, item in items], self.blobs.ensure_stored)
            for (index, _), outcome in zip(items, added, strict=True):
                outcomes[index] = UploadOutcome(
                    outcome.filename,
                    image_id=outcome.image_id,
                    duplicate=batch[index].duplicate,
                    error="" if outcome.image_id else outcome.message,
                )
        return [outcomes[index] for index in range(len(batch))]


def _probe_of(conn: sqlite3.Connection, sha256: str) -> ImageProbe | None:
    info = blob_info(conn, sha256)
    if info is None:
        return None
    return ImageProbe(info.format, info.mode, info.width, info.height, info.orientation)
