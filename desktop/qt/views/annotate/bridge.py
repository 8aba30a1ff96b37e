"""The Qt side of the annotation view-model's protocols: the session's thread pool as its ``Runner``,
``QTimer`` as its ``Scheduler``, and images decoded on the worker thread into ready-to-draw ``QImage``s."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QImage

from desktop.qt.session import Session
from protos.omni.v1 import datasets_pb2

# Images larger than this also get a downscaled copy, drawn whenever the view shows them smaller.
PREVIEW_SIDE = 2048


@dataclass(frozen=True)
class DecodedImage:
    full: QImage
    preview: QImage | None  # None when the image is small enough as it is
    original_width: int
    original_height: int

    @property
    def width(self) -> int:
        return self.full.width()

    @property
    def height(self) -> int:
        return self.full.height()

    @property
    def null(self) -> bool:
        return self.full.isNull()


def decode_image(data: datasets_pb2.ImageData) -> DecodedImage:
    """Decode (on the worker thread) into the format the raster engine draws fastest."""
    image = QImage.fromData(data.data)
    if image.isNull():
        raise ValueError(f"the backend sent {data.format or 'data'} that does not decode as an image")
    wanted = QImage.Format.Format_ARGB32_Premultiplied if image.hasAlphaChannel() else QImage.Format.Format_RGB32
    if image.format() != wanted:
        image = image.convertToFormat(wanted)
    preview = None
    if max(image.width(), image.height()) > PREVIEW_SIDE:
        preview = image.scaled(
            PREVIEW_SIDE, PREVIEW_SIDE, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
        )
    return DecodedImage(image, preview, data.original_width or image.width(), data.original_height or image.height())


def decoded_size(image: DecodedImage) -> int:
    return int(image.full.sizeInBytes()) + (int(image.preview.sizeInBytes()) if image.preview is not None else 0)


class SessionRunner:
    """``Runner`` over the session's thread pool: answers come back on the UI thread (or not at all if
    ``owner`` was deleted first). Without a connection the call fails at once as UNAVAILABLE."""

    def __init__(self, session: Session, owner: QObject) -> None:
        self.session = session
        self.owner = owner

    def run(
        self,
        call: Callable[[Any], Any],
        on_result: Callable[[Any], object],
        on_error: Callable[[BaseException], object],
    ) -> None:
        self.session.run(call, owner=self.owner, on_result=on_result, on_error=on_error)


class _QtTimer:
    def __init__(self, timer: QTimer) -> None:
        self.timer: QTimer | None = timer

    def cancel(self) -> None:
        if self.timer is not None:
            self.timer.stop()
            self.timer.deleteLater()
            self.timer = None


class QtScheduler:
    def __init__(self, parent: QObject) -> None:
        self.parent = parent

    def call_later(self, seconds: float, callback: Callable[[], object]) -> _QtTimer:
        timer = QTimer(self.parent)
        timer.setSingleShot(True)
        timer.setTimerType(Qt.TimerType.PreciseTimer)
        handle = _QtTimer(timer)

        def fire() -> None:
            handle.timer = None
            timer.deleteLater()
            callback()

        timer.timeout.connect(fire)
        timer.start(max(0, int(seconds * 1000)))
        return handle


def backend_key(session: Session) -> str | None:
    """Names the backend across restarts (its port changes): host + workspace; None when not connected."""
    system = session.connection_model.system
    if system is None:
        return None
    digest = hashlib.sha1(system.workspace.encode()).hexdigest()[:12]
    return f"{system.host or 'backend'}-{digest}"
