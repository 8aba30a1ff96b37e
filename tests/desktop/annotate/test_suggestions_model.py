"""Model-assisted labelling without Qt or a server: Suggest's answer becomes one undoable edit of
suggestions, accept one / all at or above the threshold / reject are edits that autosave and undo, errors
(no detector) are said plainly, and the pre-labelling job's status line."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.client import BackendError
from desktop.models.annotate.api import ManualClock
from desktop.models.annotate.boxes import REVIEW, Box, ImageState
from desktop.models.annotate.commands import EditKind
from desktop.models.annotate.prelabel import PrelabelWatch, prelabel_text
from desktop.models.annotate.session import AnnotationSession
from desktop.models.annotate.suggestions import (
    Suggester,
    accept_above,
    suggest_error_text,
    with_suggestions,
    without_suggestions,
)
from desktop.models.jobs_model import JobsModel
from protos.omni.v1 import datasets_pb2, detection_pb2, jobs_pb2
from tests.desktop.annotate.fakes import FakeDatasets, QueueRunner
from tests.desktop.refusals import field_refusal

MINE = Box(0, 0.2, 0.2, 0.1, 0.1)
SCORES = (0.9, 0.6, 0.5, 0.3)


class FakeDetector(FakeDatasets):
    """The in-memory datasets plus ``suggest_boxes``: four boxes of known confidence, or an error."""

    def __init__(self) -> None:
        super().__init__(count=5)
        self.error: BackendError | None = None
        self.requests: list[tuple[str, str, str, float]] = []

    def suggest_boxes(
        self, dataset: str, image_id: str, *, model: str = "", conf: float = 0.0, iou: float = 0.0, max_det: int = 0
    ) -> detection_pb2.SuggestBoxesResponse:
        self._check("suggest_boxes")
        self.requests.append((dataset, image_id, model, conf))
        if self.error is not None:
            raise self.error
        boxes = [
            datasets_pb2.Box(class_id=i % 2, x_center=0.3 + 0.1 * i, y_center=0.5, width=0.1, height=0.2, confidence=c)
            for i, c in enumerate(SCORES)
        ]
        return detection_pb2.SuggestBoxesResponse(
            boxes=boxes,
            model_version="detector_1",
            provider="CPUExecutionProvider",
            inference_ms=12.0,
            unmapped_classes=["mold"],
            width=640,
            height=480,
        )


Made = tuple[AnnotationSession[bytes], Suggester, QueueRunner, ManualClock, FakeDetector]


@pytest.fixture
def made(tmp_path: Path) -> Made:
    fake = FakeDetector()
    runner, clock = QueueRunner(fake), ManualClock()
    session: AnnotationSession[bytes] = AnnotationSession(
        fake.name, runner, clock, tmp_path / "j.jsonl", decode=lambda d: d.data, size_of=len, editor="alice"
    )
    session.open()
    runner.drain()
    return session, Suggester(session), runner, clock, fake


def settle(runner: QueueRunner, clock: ManualClock) -> None:
    for _ in range(10):
        runner.drain()
        clock.advance(0.2)
    runner.drain()


def confidences(session: AnnotationSession[bytes]) -> list[float | None]:
    """Rounded: confidences travel as float32."""
    return [None if box.confidence is None else round(box.confidence, 4) for box in session.boxes]


def test_pure_edits_keep_peoples_boxes() -> None:
    state = ImageState((MINE, Box(1, 0.5, 0.5, 0.1, 0.1, 0.2)))
    new = [Box(0, 0.6, 0.6, 0.1, 0.1, 0.8), Box(1, 0.7, 0.7, 0.1, 0.1, 0.4)]
    merged = with_suggestions(state, new)
    assert merged.boxes == (MINE, *new)  # the old open suggestion is replaced, mine kept first
    accepted, count = accept_above(merged, 0.5)
    assert count == 1 and [b.confidence for b in accepted.boxes] == [None, None, 0.4]
    rejected, gone = without_suggestions(accepted)
    assert gone == 1 and rejected.boxes == (MINE, new[0].accepted())


def test_suggest_adds_suggestions_in_one_undoable_edit_that_autosaves(made: Made) -> None:
    session, suggester, runner, clock, fake = made
    session.add_box(MINE)
    assert suggester.suggest()
    assert suggester.busy and not suggester.suggest()  # one request at a time
    runner.drain()
    assert not suggester.busy
    assert fake.requests[-1][:3] == (fake.name, session.image_id, "")
    assert confidences(session) == [None, *SCORES]
    assert suggester.last is not None and "4 suggestions by detector_1 (CPU" in suggester.last.text()
    assert "mold" in suggester.last.text()
    settle(runner, clock)
    saved = fake.annotations(0)
    assert [b.confidence if b.HasField("confidence") else None for b in saved.boxes] == pytest.approx([None, *SCORES])
    session.undo()  # undoes Suggest only: my box stays
    assert session.boxes == (MINE,)
    session.redo()
    assert confidences(session) == [None, *SCORES]
    suggester.suggest()  # again: replaces the open suggestions, does not duplicate them
    runner.drain()
    assert confidences(session) == [None, *SCORES]


def test_accept_one_above_threshold_and_reject_are_edits(made: Made) -> None:
    session, suggester, runner, clock, fake = made
    suggester.suggest()
    runner.drain()
    session.accept_suggestion()  # Enter with nothing selected: the most confident
    assert confidences(session) == [None, 0.6, 0.5, 0.3]
    assert session.undo_stack._done[-1].kind is EditKind.ACCEPT_SUGGESTION
    suggester.set_threshold(0.5)
    assert suggester.accept_above_threshold() == 2  # 0.6 and 0.5 (at the threshold counts)
    assert confidences(session) == [None, None, None, 0.3]
    session.select(3)
    session.delete_selected()  # reject one (Delete)
    assert confidences(session) == [None, None, None]
    session.undo()
    assert confidences(session) == [None, None, None, 0.3]
    assert suggester.reject_all() == 1 and confidences(session) == [None, None, None]
    session.undo()
    session.undo()  # the threshold accept, undone in one step
    assert confidences(session) == [None, 0.6, 0.5, 0.3]
    suggester.set_threshold(0.95)
    assert suggester.accept_above_threshold() == 0
    settle(runner, clock)
    assert len(fake.annotations(0).boxes) == 4


def test_an_answer_for_an_image_left_behind_is_not_added(made: Made) -> None:
    session, suggester, runner, _clock, fake = made
    messages: list[str] = []
    session.message.connect(messages.append)
    suggester.suggest()
    call = runner.queue.pop(0)
    session.next()
    runner.drain()
    runner.queue.append(call)
    runner.drain()
    assert session.image_id == fake.id_at(1) and session.boxes == ()
    assert fake.annotations(0).boxes == [] and "image you left" in messages[-1]


def test_no_detector_is_said_plainly(made: Made) -> None:
    session, suggester, runner, _clock, fake = made
    fake.error = field_refusal(
        "model", "no detector is registered; train one (omni train detection) or import one", "NOT_FOUND"
    )
    messages: list[str] = []
    session.message.connect(messages.append)
    suggester.suggest()
    runner.drain()
    assert suggester.error.startswith("Suggest needs a detector: no detector is registered")
    assert messages[-1] == suggester.error and session.boxes == () and not suggester.busy
    assert suggest_error_text(BackendError("UNAVAILABLE", "down")).startswith("Suggest: the backend did not answer")


def test_prelabel_spec_and_progress_line() -> None:
    jobs = JobsModel()
    watch = PrelabelWatch(jobs)
    lines: list[str] = []
    finished: list[str] = []
    watch.changed.connect(lines.append)
    watch.finished.connect(lambda job: finished.append(job.id))
    spec = jobs_pb2.JobSpec(prelabel=detection_pb2.PrelabelSpec(dataset="parts"))
    job = jobs_pb2.Job(id="j1", kind="prelabel", spec=spec, state=jobs_pb2.JOB_STATE_QUEUED, last_seq=1)
    jobs.upsert(job)
    watch.follow(job)
    assert watch.active and lines[-1] == "Pre-labelling parts: queued"
    running = jobs_pb2.Job()
    running.CopyFrom(job)
    running.state, running.last_seq = jobs_pb2.JOB_STATE_RUNNING, 2
    running.progress.CopyFrom(jobs_pb2.Progress(done=3, total=12, unit="images", eta_seconds=9))
    jobs.upsert(running)
    assert lines[-1].startswith("Pre-labelling parts · 3/12 images · 25%") and "ETA" in lines[-1]
    done = jobs_pb2.Job()
    done.CopyFrom(running)
    done.state, done.last_seq = jobs_pb2.JOB_STATE_SUCCEEDED, 3
    done.progress.done = 12
    jobs.upsert(done)
    assert finished == ["j1"] and not watch.active and "finished: 12 images to review" in lines[-1]
    failed = jobs_pb2.Job(spec=spec, state=jobs_pb2.JOB_STATE_FAILED, message="no detector is registered")
    assert prelabel_text(failed).endswith("failed: no detector is registered")
    assert REVIEW  # pre-labelled images become review on the server (tested in tests/backend/detection)


def test_an_answer_after_the_session_closed_is_dropped(made: Made) -> None:
    session, suggester, runner, _clock, _fake = made
    suggester.suggest()
    suggester.detach()
    runner.drain()
    assert session.boxes == () and not suggester.busy and suggester.last is None
