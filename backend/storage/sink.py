"""Where a download's bytes go: hashed and written on a thread of their own, so that receiving the next
chunk overlaps hashing and writing the last one (hashlib, socket reads and file writes release the GIL).

The disk is asked to start writing every ``WRITEBACK_STEP`` bytes (``posix_fadvise`` DONTNEED starts the
writeback of dirty pages without waiting), so the final fsync finds little left to do instead of the whole
file.
"""

from __future__ import annotations

import hashlib
import os
import queue
import threading
from typing import BinaryIO

#: chunks waiting to be written (memory held: at most this many chunks of the stream)
QUEUE_CHUNKS = 16
WRITEBACK_STEP = 64 * 1024 * 1024
_DONE = b""


class HashingSink:
    def __init__(self, out: BinaryIO, sha: hashlib._Hash) -> None:
        self.out = out
        self.sha = sha
        self._queue: queue.Queue[bytes] = queue.Queue(maxsize=QUEUE_CHUNKS)
        self._error: BaseException | None = None
        self._since_writeback = 0
        self._flushed_to = out.tell()
        self._thread = threading.Thread(target=self._run, name="download-sink", daemon=True)
        self._thread.start()

    def write(self, chunk: bytes) -> None:
        if self._error is not None:
            raise self._error
        if chunk:
            self._queue.put(chunk)

    def close(self) -> None:
        """Wait until every chunk is hashed and written; re-raise a write failure (a full disk)."""
        self._queue.put(_DONE)
        self._thread.join()
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        while (chunk := self._queue.get()) != _DONE:
            if self._error is not None:
                continue  # drain: the receiving thread learns of the failure at its next write
            try:
                self.sha.update(chunk)
                self.out.write(chunk)
                self._since_writeback += len(chunk)
                if self._since_writeback >= WRITEBACK_STEP:
                    self._start_writeback()
            except BaseException as error:  # noqa: BLE001 - handed to the receiving thread
                self._error = error

    def _start_writeback(self) -> None:
        self.out.flush()
        end = self.out.tell()
        if hasattr(os, "posix_fadvise"):
            os.posix_fadvise(self.out.fileno(), self._flushed_to, end - self._flushed_to, os.POSIX_FADV_DONTNEED)
        self._flushed_to, self._since_writeback = end, 0
