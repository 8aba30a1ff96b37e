"""The self-check's steps: each one the user's own path through the real window, view-models and backend.

``default_steps`` lists them in order; a new check is one more class with ``name``, ``timeout_s``, ``start``,
``poll`` and ``waiting_for`` (the ``runner.Step`` protocol) added there.
"""

from __future__ import annotations

import sys
from typing import Any

from PySide6.QtCore import QPointF

from desktop.models import ConnectionState
from desktop.models.annotate.autosave import SaveState
from desktop.qt.app import start_session
from desktop.qt.self_check.mouse import drag
from desktop.qt.self_check.restore_step import RestoreFolder
from desktop.qt.self_check.runner import CheckContext, Step, StepFailed
from desktop.qt.views.annotate import AnnotateView

#: a saved box matches the drawn one within this much (normalized): the canvas rounds to screen pixels
BOX_TOLERANCE = 0.01


class ShowWindow:
    name = "show window"
    timeout_s = 10.0

    def start(self, ctx: CheckContext) -> str | None:
        ctx.window.show()
        return None

    def poll(self, ctx: CheckContext) -> bool:
        handle = ctx.window.windowHandle()
        if not (ctx.window.isVisible() and handle is not None and handle.isExposed()):
            return False
        ctx.report.window_shown()
        return True

    def waiting_for(self) -> str:
        return "the main window to be shown"


class Connect:
    name = "connect"
    timeout_s = 30.0

    def start(self, ctx: CheckContext) -> str | None:
        options = ctx.options
        if not options.backend and getattr(sys, "frozen", False):
            raise StepFailed("no --backend given: the bundle cannot start a backend of its own")
        start_session(ctx.session, options.backend, options.token, options.tls, options.tls_ca)
        return None

    def poll(self, ctx: CheckContext) -> bool:
        model = ctx.session.connection_model
        if model.state is ConnectionState.ERROR:
            raise StepFailed(f"could not connect: {model.error}")
        if not model.connected or model.system is None:
            return False
        ctx.report.backend_address = model.target.address if model.target is not None else ""
        ctx.report.backend_version = model.system.version
        ctx.report.backend_api_version = model.system.api_version
        return True

    def waiting_for(self) -> str:
        return "the backend to answer"


class OpenAnnotate:
    """The Annotate view on the dataset's first image, ready for edits (pixels and annotations loaded)."""

    name = "open annotate"
    timeout_s = 30.0

    def start(self, ctx: CheckContext) -> str | None:
        if not ctx.options.dataset:
            return "no --dataset given"
        view = ctx.window.show_view("Annotate")
        if not isinstance(view, AnnotateView):
            raise StepFailed("the window has no Annotate view")
        ctx.view = view
        view.open_dataset(ctx.options.dataset)
        return None

    def poll(self, ctx: CheckContext) -> bool:
        view = ctx.view
        model = view.model if view is not None else None
        if view is None or model is None:
            raise StepFailed(view.error_label.text() if view is not None else "no view")
        if model.error:
            raise StepFailed(f"{model.dataset}: {model.error}")
        if model.images.complete and model.images.total == 0:
            raise StepFailed(f"the dataset {model.dataset} has no images")
        if model.row != 0 or model.current_image is None or not model.editable or view.canvas.image_size == (0, 0):
            return False
        ctx.image_id = model.image_id
        return True

    def waiting_for(self) -> str:
        return "the dataset's first image and its annotations"


class DrawBox:
    """Pick the class as the class list does, then drag a box on the canvas with the mouse."""

    name = "draw box"
    timeout_s = 10.0

    def __init__(self) -> None:
        self.before = 0

    def start(self, ctx: CheckContext) -> str | None:
        view = ctx.view
        if view is None or view.model is None:
            return "no dataset open"
        model = view.model
        classes = {c.name: c.id for c in model.classes}
        wanted = ctx.options.box_class
        if wanted is not None and wanted not in classes:
            raise StepFailed(f"the dataset has no class {wanted!r} (it has {', '.join(classes) or 'none'})")
        if not classes:
            raise StepFailed("the dataset has no classes")
        model.choose_class(classes[wanted] if wanted is not None else model.classes[0].id)
        self.before = len(model.boxes)
        width, height = view.canvas.image_size
        left, top, right, bottom = ctx.options.box
        canvas = view.canvas
        start = canvas.mapFromScene(QPointF(left * width, top * height))
        end = canvas.mapFromScene(QPointF(right * width, bottom * height))
        drag(canvas.viewport(), QPointF(start), QPointF(end))
        return None

    def poll(self, ctx: CheckContext) -> bool:
        model = ctx.view.model if ctx.view is not None else None
        if model is None or len(model.boxes) <= self.before:
            return False
        ctx.drawn = model.boxes[-1]
        return True

    def waiting_for(self) -> str:
        return "the canvas to add the box"


class SaveBox:
    """The autosaver sends the edit; then the backend is asked what it stored."""

    name = "save box"
    timeout_s = 20.0

    def __init__(self) -> None:
        self.asked = False
        self.answer: Any = None
        self.error: BaseException | None = None

    def start(self, ctx: CheckContext) -> str | None:
        if ctx.view is None or ctx.view.model is None or ctx.drawn is None:
            return "no box drawn"
        return None

    def poll(self, ctx: CheckContext) -> bool:
        model = ctx.view.model if ctx.view is not None else None
        if model is None or ctx.drawn is None or ctx.image_id is None:
            raise StepFailed("the dataset was closed")
        if self.error is not None:
            raise StepFailed(f"could not read the annotations back: {self.error}")
        if model.conflicts:
            raise StepFailed(f"the save conflicted: {next(iter(model.conflicts.values())).reason}")
        if not self.asked:
            if model.saver.state is SaveState.SAVED and not model.journal.pending_for(ctx.image_id):
                self.asked = True
                dataset, image_id = model.dataset, ctx.image_id
                ctx.session.run(
                    lambda connection: connection.get_annotations(dataset, image_id),
                    on_result=lambda answer: setattr(self, "answer", answer),
                    on_error=lambda error: setattr(self, "error", error),
                )
            return False
        if self.answer is None:
            return False
        return self._check(ctx)

    def _check(self, ctx: CheckContext) -> bool:
        drawn, model = ctx.drawn, ctx.view.model if ctx.view is not None else None
        assert drawn is not None and model is not None
        for box in self.answer.boxes:
            edges = (
                box.x_center - box.width / 2,
                box.y_center - box.height / 2,
                box.x_center + box.width / 2,
                box.y_center + box.height / 2,
            )
            if box.class_id == drawn.class_id and all(
                abs(a - b) <= BOX_TOLERANCE for a, b in zip(edges, drawn.edges, strict=True)
            ):
                ctx.report.box = {
                    "dataset": model.dataset,
                    "image_id": ctx.image_id,
                    "class_id": box.class_id,
                    "class_name": model.class_name(box.class_id),
                    "edges": [round(e, 6) for e in edges],
                    "revision": self.answer.revision,
                }
                return True
        raise StepFailed(f"the backend's annotations hold no box like the one drawn ({len(self.answer.boxes)} boxes)")

    def waiting_for(self) -> str:
        return "the backend to store the box" if not self.asked else "the stored annotations"


def default_steps() -> list[Step]:
    return [ShowWindow(), Connect(), OpenAnnotate(), DrawBox(), SaveBox(), RestoreFolder()]
