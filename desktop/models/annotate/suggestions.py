"""Model-assisted labelling: ask the backend's detector for boxes on the current image, and turn them into
edits.

``Suggester`` runs ``SuggestBoxes`` through the session's runner (off the UI thread) and adds the answer to
the image as *suggestions* (boxes with a confidence) in one undoable edit; a new answer replaces the
suggestions still open and keeps every box a person drew or accepted. Accepting (one, or all at or above a
threshold) and rejecting (Delete) are edits too, so they are journaled, autosaved and undone like any other.

The pure functions on ``ImageState`` are what the edits do; they are tested without a backend.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from desktop.models.annotate.boxes import Box, ImageState
from desktop.models.annotate.commands import EditKind
from desktop.models.annotate.session import AnnotationSession
from desktop.models.events import Event
from protos.omni.v1 import detection_pb2, jobs_pb2

DEFAULT_THRESHOLD = 0.5
REQUEST_CONF = 0.0  # the server's default (0.25): what is shown; the threshold decides what is accepted at once


# -- what the edits do -----------------------------------------------------------------------------------


def with_suggestions(state: ImageState, suggestions: Iterable[Box]) -> ImageState:
    """``state`` with its open suggestions replaced by ``suggestions`` (people's boxes kept, first)."""
    kept = [box for box in state.boxes if not box.is_suggestion]
    return state.with_boxes([*kept, *(box for box in suggestions if box.is_suggestion)])


def accept_above(state: ImageState, threshold: float) -> tuple[ImageState, int]:
    """Every suggestion with confidence >= ``threshold`` accepted; the new state and how many."""
    count = 0
    boxes = []
    for box in state.boxes:
        if box.confidence is not None and box.confidence >= threshold:
            box = box.accepted()
            count += 1
        boxes.append(box)
    return state.with_boxes(boxes), count


def without_suggestions(state: ImageState) -> tuple[ImageState, int]:
    """Every open suggestion rejected; the new state and how many went."""
    kept = [box for box in state.boxes if not box.is_suggestion]
    return state.with_boxes(kept), len(state.boxes) - len(kept)


def suggestion_count(state: ImageState | None) -> int:
    return sum(1 for box in state.boxes if box.is_suggestion) if state is not None else 0


# -- the view-model ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SuggestResult:
    """What the last answer said besides its boxes (the status line shows it)."""

    image_id: str
    count: int
    model_version: str
    provider: str
    inference_ms: float
    unmapped: tuple[str, ...]

    def text(self) -> str:
        found = f"{self.count} suggestion{'s' if self.count != 1 else ''}" if self.count else "No box found"
        provider = self.provider.removesuffix("ExecutionProvider")
        text = f"{found} by {self.model_version} ({provider}, {self.inference_ms:.0f} ms)"
        if self.unmapped:
            text += f" · classes not in this dataset left out: {', '.join(self.unmapped)}"
        return text


class Suggester:
    """The Suggest action of one ``AnnotationSession``: request, answer -> edit, threshold, pre-labelling."""

    def __init__(self, session: AnnotationSession[Any], *, threshold: float = DEFAULT_THRESHOLD) -> None:
        self.session = session
        self.threshold = threshold
        self.model = ""  # "" = the backend's current detector, else a detector version
        self.busy_image: str | None = None  # the image a request is out for
        self.last: SuggestResult | None = None
        self.error = ""
        self.detached = False
        self.changed: Event[[]] = Event()  # busy, last result or error changed

    def detach(self) -> None:
        """The session closes: an answer still on its way is dropped."""
        self.detached = True

    @property
    def busy(self) -> bool:
        return self.busy_image is not None

    def set_threshold(self, value: float) -> None:
        value = min(1.0, max(0.0, float(value)))
        if value != self.threshold:
            self.threshold = value
            self.changed.emit()

    # -- asking -----------------------------------------------------------------------------------------

    def suggest(self) -> bool:
        """Ask for the current image's suggestions; False (and a message) when that cannot be done now."""
        session = self.session
        image_id = session.image_id
        if image_id is None or not session.editable:
            session.message.emit("Suggest: open an image first")
            return False
        if self.busy:
            session.message.emit("Suggest: still waiting for the detector")
            return False
        self.busy_image, self.error = image_id, ""
        dataset, model = session.dataset, self.model
        self.changed.emit()
        session.runner.run(
            lambda api: api.suggest_boxes(dataset, image_id, model=model, conf=REQUEST_CONF),
            lambda answer: self._arrived(image_id, answer),
            self._failed,
        )
        return True

    def _arrived(self, image_id: str, answer: detection_pb2.SuggestBoxesResponse) -> None:
        self.busy_image = None
        if self.detached:
            return
        boxes = [Box.from_proto(box) for box in answer.boxes]
        boxes = [box if box.is_suggestion else replace(box, confidence=1.0) for box in boxes]
        self.last = SuggestResult(
            image_id,
            len(boxes),
            answer.model_version,
            answer.provider,
            answer.inference_ms,
            tuple(answer.unmapped_classes),
        )
        session = self.session
        state = session.state
        if image_id != session.image_id or state is None:
            self.changed.emit()
            session.message.emit("Suggestions arrived for an image you left: not added (press Suggest again)")
            return
        session.edit(EditKind.SUGGEST, with_suggestions(state, boxes))
        self.changed.emit()
        session.message.emit(self.last.text())

    def _failed(self, error: BaseException) -> None:
        self.busy_image = None
        if self.detached:
            return
        self.error = suggest_error_text(error)
        self.changed.emit()
        self.session.message.emit(self.error)

    # -- deciding ---------------------------------------------------------------------------------------

    def accept_above_threshold(self) -> int:
        """Accept every suggestion on the image at or above the threshold (one undoable edit)."""
        state = self.session.state
        if state is None:
            return 0
        after, count = accept_above(state, self.threshold)
        if count:
            self.session.edit(EditKind.ACCEPT_SUGGESTION, after)
        else:
            self.session.message.emit(f"No suggestion at or above {self.threshold:.2f}")
        return count

    def reject_all(self) -> int:
        """Remove every open suggestion from the image (one undoable edit)."""
        state = self.session.state
        if state is None:
            return 0
        after, count = without_suggestions(state)
        if count:
            self.session.edit(EditKind.REJECT_SUGGESTION, after)
        return count

    # -- pre-labelling -----------------------------------------------------------------------------------

    def prelabel_spec(self, conf: float = 0.0) -> jobs_pb2.JobSpec:
        """The job that suggests boxes on every ``todo`` image of the dataset and marks them ``review``."""
        spec = detection_pb2.PrelabelSpec(dataset=self.session.dataset, model=self.model, conf=conf)
        return jobs_pb2.JobSpec(prelabel=spec)


def suggest_error_text(error: BaseException) -> str:
    """The server's reason, said for an annotator (no detector yet is the common one)."""
    code = getattr(error, "code", "")
    message = str(error)
    model = [v.description for v in getattr(error, "violations", ()) if v.field == "model"]
    if code == "NOT_FOUND" and model:  # no detector yet, or the one asked for is gone
        return f"Suggest needs a detector: {model[0]}"
    if code in ("UNAVAILABLE", "DEADLINE_EXCEEDED"):
        return f"Suggest: the backend did not answer ({message})"
    return f"Suggest failed: {message}"
