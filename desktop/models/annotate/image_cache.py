"""A bounded cache of decoded images with prefetch, keyed by image id.

What is cached is whatever ``decode`` makes of the backend's ``ImageData`` (the Qt layer decodes into a
ready-to-draw ``QImage`` on the worker thread; tests keep the bytes), with its size in bytes from
``size_of``. The least recently used entries go first once ``capacity_bytes`` is exceeded; the entries
named by the last ``prefetch`` and the one being shown are never evicted by it.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any, Generic, TypeVar

from desktop.models.annotate.api import Runner
from desktop.models.events import Event
from protos.omni.v1 import datasets_pb2

T = TypeVar("T")

DEFAULT_CAPACITY = 512 * 1024 * 1024


class ImageCache(Generic[T]):
    def __init__(
        self,
        runner: Runner,
        dataset: str,
        *,
        max_side: int = 0,
        decode: Callable[[datasets_pb2.ImageData], T],
        size_of: Callable[[T], int],
        capacity_bytes: int = DEFAULT_CAPACITY,
        max_inflight: int = 6,
        max_queued: int | None = None,
    ) -> None:
        self.runner = runner
        self.dataset = dataset
        self.max_side = max_side
        self.decode = decode
        self.size_of = size_of
        self.capacity_bytes = capacity_bytes
        self.max_inflight = max_inflight
        self.max_queued = max_queued  # beyond it, the least urgent wishes are forgotten (a fast scroll)
        self._entries: OrderedDict[str, tuple[T, int]] = OrderedDict()
        self._bytes = 0
        self._inflight: set[str] = set()
        self._queue: list[str] = []  # wanted, not started (most urgent first)
        self._protected: set[str] = set()
        self._generation = 0
        self.hits = 0
        self.misses = 0
        self.ready: Event[[str]] = Event()
        self.failed: Event[[str, str]] = Event()

    def __contains__(self, image_id: object) -> bool:
        return image_id in self._entries

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def bytes_used(self) -> int:
        return self._bytes

    def get(self, image_id: str) -> T | None:
        """The decoded image if cached (and mark it recently used); None if not (yet)."""
        entry = self._entries.get(image_id)
        if entry is None:
            self.misses += 1
            return None
        self.hits += 1
        self._entries.move_to_end(image_id)
        return entry[0]

    def peek(self, image_id: str) -> T | None:
        entry = self._entries.get(image_id)
        return entry[0] if entry is not None else None

    def request(self, image_id: str, *, urgent: bool = True) -> None:
        """Fetch ``image_id`` unless cached or on its way; ``ready(image_id)`` fires when it is here."""
        if image_id in self._entries or image_id in self._inflight:
            return
        if image_id in self._queue:
            self._queue.remove(image_id)
        if urgent:
            self._queue.insert(0, image_id)
        else:
            self._queue.append(image_id)
        if self.max_queued is not None:
            del self._queue[self.max_queued :]
        self._pump()

    def prefetch(self, image_ids: Iterable[str], *, keep: Iterable[str] = ()) -> None:
        """Fetch these (in order) in the background; they and ``keep`` are protected from eviction."""
        ids = list(image_ids)
        self._protected = set(ids) | set(keep)
        self._queue = [i for i in self._queue if i in self._protected]
        for image_id in ids:
            self.request(image_id, urgent=False)

    def clear(self) -> None:
        self._generation += 1
        self._entries.clear()
        self._bytes = 0
        self._inflight.clear()
        self._queue.clear()

    def _pump(self) -> None:
        while self._queue and len(self._inflight) < self.max_inflight:
            image_id = self._queue.pop(0)
            if image_id in self._entries or image_id in self._inflight:
                continue
            self._start(image_id)

    def _start(self, image_id: str) -> None:
        self._inflight.add(image_id)
        generation = self._generation
        dataset, max_side, decode = self.dataset, self.max_side, self.decode

        def call(api: Any) -> T:
            return decode(api.get_image(dataset, image_id, max_side))  # decoded on the worker thread

        self.runner.run(
            call,
            lambda value: self._arrived(generation, image_id, value),
            lambda error: self._failed(generation, image_id, error),
        )

    def _arrived(self, generation: int, image_id: str, value: T) -> None:
        if generation != self._generation:
            return
        self._inflight.discard(image_id)
        self.put(image_id, value)
        self.ready.emit(image_id)
        self._pump()

    def _failed(self, generation: int, image_id: str, error: BaseException) -> None:
        if generation != self._generation:
            return
        self._inflight.discard(image_id)
        self.failed.emit(image_id, str(error))
        self._pump()

    def put(self, image_id: str, value: T) -> None:
        size = max(1, self.size_of(value))
        old = self._entries.pop(image_id, None)
        if old is not None:
            self._bytes -= old[1]
        self._entries[image_id] = (value, size)
        self._bytes += size
        self._evict()

    def _evict(self) -> None:
        for image_id in list(self._entries):
            if self._bytes <= self.capacity_bytes or len(self._entries) <= 1:
                return
            if image_id in self._protected:
                continue
            _value, size = self._entries.pop(image_id)
            self._bytes -= size
