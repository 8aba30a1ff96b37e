"""The dataset's images as a lazily paged list: the first page answers at once, later pages load when a
row past them is needed (the filmstrip scrolls there, or navigation walks past the last loaded row).

``total`` is known from the first page, so a list view can size itself to every image while holding
only the pages it has seen. Pages arrive in order (page tokens are opaque and sequential).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from desktop.models.annotate.api import Runner
from desktop.models.events import Event
from protos.omni.v1 import datasets_pb2

FIRST_PAGE = 200
NEXT_PAGE = 1000


class ImageList:
    def __init__(self, runner: Runner, dataset: str, *, status: int = 0, order_by: str = "") -> None:
        self.runner = runner
        self.dataset = dataset
        self.status = status
        self.order_by = order_by
        self.total = 0
        self.infos: list[datasets_pb2.ImageInfo] = []
        self._rows: dict[str, int] = {}
        self.started = False
        self.error = ""
        self._next_token = ""
        self._loading = False
        self._generation = 0
        self._wanted = 0  # load until this many rows are here (or the list ends)
        self._waiters: list[tuple[int, Callable[[bool], object]]] = []
        self.reset: Event[[]] = Event()
        self.rows_loaded: Event[[int, int]] = Event()  # [start, end)
        self.row_changed: Event[[int]] = Event()
        self.failed: Event[[str]] = Event()

    # -- reading --------------------------------------------------------------------------------------

    @property
    def loaded(self) -> int:
        return len(self.infos)

    @property
    def complete(self) -> bool:
        return self.started and not self._next_token and not self._loading

    def info(self, row: int) -> datasets_pb2.ImageInfo | None:
        return self.infos[row] if 0 <= row < len(self.infos) else None

    def row_of(self, image_id: str) -> int | None:
        return self._rows.get(image_id)

    # -- loading --------------------------------------------------------------------------------------

    def start(self, *, status: int | None = None, order_by: str | None = None) -> None:
        """(Re)load from the first page, optionally with another status filter or order."""
        self._generation += 1
        if status is not None:
            self.status = status
        if order_by is not None:
            self.order_by = order_by
        self.infos = []
        self._rows = {}
        self.total = 0
        self.error = ""
        self.started = False
        self._next_token = ""
        self._loading = False
        self._wanted = 1
        waiters, self._waiters = self._waiters, []
        self.reset.emit()
        for _row, callback in waiters:
            callback(False)
        self._load_page("")

    def ensure(self, row: int, callback: Callable[[bool], object] | None = None) -> None:
        """Make row ``row`` loaded; ``callback(found)`` runs once it is (or once it cannot be)."""
        if row < len(self.infos):
            if callback is not None:
                callback(True)
            return
        if self.started and not self._next_token and not self._loading:
            if callback is not None:
                callback(False)
            return
        if callback is not None:
            self._waiters.append((row, callback))
        self._wanted = max(self._wanted, row + 1)
        if self.started and not self._loading:
            self._load_page(self._next_token)

    def load_more(self) -> None:
        """The next page, if there is one and none is loading."""
        self.ensure(len(self.infos))

    def _load_page(self, token: str) -> None:
        self._loading = True
        generation = self._generation
        dataset, status, order_by = self.dataset, self.status, self.order_by
        size = FIRST_PAGE if not token else NEXT_PAGE

        def call(api: Any) -> datasets_pb2.ListImagesResponse:
            return api.list_images(  # type: ignore[no-any-return]
                dataset, status=status, page_size=size, page_token=token, order_by=order_by
            )

        self.runner.run(
            call,
            lambda page: self._page_loaded(generation, page),
            lambda error: self._page_failed(generation, error),
        )

    def _page_loaded(self, generation: int, page: datasets_pb2.ListImagesResponse) -> None:
        if generation != self._generation:
            return
        self._loading = False
        self.started = True
        start = len(self.infos)
        self.infos.extend(page.images)
        for row, info in enumerate(page.images, start):
            self._rows.setdefault(info.image_id, row)
        self.total = max(page.total, len(self.infos))
        self._next_token = page.next_page_token
        if not self._next_token:
            self.total = len(self.infos)
        if start == 0:
            self.reset.emit()
        elif len(self.infos) > start:
            self.rows_loaded.emit(start, len(self.infos))
        self._settle_waiters()
        if self._next_token and len(self.infos) < self._wanted:
            self._load_page(self._next_token)

    def _page_failed(self, generation: int, error: BaseException) -> None:
        if generation != self._generation:
            return
        self._loading = False
        self.error = str(error)
        waiters, self._waiters = self._waiters, []
        for _row, callback in waiters:
            callback(False)
        self.failed.emit(self.error)

    def _settle_waiters(self) -> None:
        done = not self._next_token
        keep: list[tuple[int, Callable[[bool], object]]] = []
        ready: list[tuple[bool, Callable[[bool], object]]] = []
        for row, callback in self._waiters:
            if row < len(self.infos):
                ready.append((True, callback))
            elif done:
                ready.append((False, callback))
            else:
                keep.append((row, callback))
        self._waiters = keep
        for found, callback in ready:
            callback(found)

    # -- local updates --------------------------------------------------------------------------------

    def update(
        self,
        image_id: str,
        *,
        status: int | None = None,
        box_count: int | None = None,
        revision: int | None = None,
        updated_by: str | None = None,
    ) -> None:
        """Reflect a saved (or locally edited) image in its row."""
        row = self.row_of(image_id)
        if row is None:
            return
        info = self.infos[row]
        changed = False
        for name, value in (
            ("status", status),
            ("box_count", box_count),
            ("revision", revision),
            ("updated_by", updated_by),
        ):
            if value is not None and getattr(info, name) != value:
                setattr(info, name, value)
                changed = True
        if changed:
            self.row_changed.emit(row)
