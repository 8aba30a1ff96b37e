"""Autosave: the journal's pending edits go to the backend, debounced, one save at a time, in order.

A save carries the image's whole state after its newest pending edit, the revision that state was based
on (``base_revision``) and the newest edit's id (``client_edit_id``). Outcomes:

- stored: the edits it covers are acknowledged in the journal; the image is now at the answer's revision;
- ABORTED (someone else saved in between): the edits are put aside, the server's version is fetched and
  ``conflict`` fires; nothing is overwritten and nothing of ours is lost;
- the backend is unreachable: nothing changes in the journal; we are *offline* and retry with backoff
  (or at once on ``wake()``), re-sending exactly the same save first, so that a save that did land
  before the connection broke is answered, not applied twice;
- any other refusal: the edits are put aside with the reason and ``refused`` fires.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass

from desktop.models.annotate.api import Runner, Scheduler, Timer, error_code, is_offline
from desktop.models.annotate.boxes import ImageState
from desktop.models.annotate.journal import Journal, JournalEdit, SendRecord
from desktop.models.events import Event
from protos.omni.v1 import datasets_pb2

DEBOUNCE_S = 0.3
RETRY_DELAYS_S = (0.5, 1.0, 2.0, 4.0, 5.0)


class SaveState(enum.Enum):
    SAVED = "saved"
    PENDING = "pending"  # edits waiting for the debounce
    SAVING = "saving"
    OFFLINE = "offline"


@dataclass(frozen=True)
class SaveRequest:
    edit_id: str
    image_id: str
    base_revision: int
    state: ImageState
    covers: tuple[str, ...]
    retry: bool = False


@dataclass(frozen=True)
class Conflict:
    """Our edits to ``image_id`` were refused because the image changed on the server meanwhile."""

    image_id: str
    mine: ImageState
    edit_ids: tuple[str, ...]
    theirs: datasets_pb2.Annotations | None = None  # None until fetched
    reason: str = "conflict"

    @property
    def is_conflict(self) -> bool:
        return self.reason == "conflict"


def new_edit_id() -> str:
    return uuid.uuid4().hex


class AutoSaver:
    def __init__(
        self,
        journal: Journal,
        runner: Runner,
        scheduler: Scheduler,
        dataset: str,
        *,
        editor: str = "",
        debounce_s: float = DEBOUNCE_S,
    ) -> None:
        self.journal = journal
        self.runner = runner
        self.scheduler = scheduler
        self.dataset = dataset
        self.editor = editor
        self.debounce_s = debounce_s
        self.revisions: dict[str, int] = {}  # image id -> the server revision our state builds on
        self.offline = False
        self.last_error = ""
        self._inflight: SaveRequest | None = None
        self._timer: Timer | None = None
        self._attempt = 0
        self._closed = False
        self.changed: Event[[]] = Event()
        self.stored: Event[[str, datasets_pb2.Annotations, bool]] = Event()  # image, answer, more pending
        self.conflict: Event[[Conflict]] = Event()

    # -- recording ------------------------------------------------------------------------------------

    def revision(self, image_id: str) -> int:
        return self.revisions.get(image_id, 0)

    def set_revision(self, image_id: str, revision: int) -> None:
        """What the server has, as loaded: only taken while we have nothing pending for the image."""
        if not self.journal.pending_for(image_id) and self._inflight_image != image_id:
            self.revisions[image_id] = revision

    def force_revision(self, image_id: str, revision: int) -> None:
        self.revisions[image_id] = revision

    def record(self, image_id: str, state: ImageState, kind: str) -> str:
        """Journal an edit (durably) and schedule the save; returns the edit id."""
        edit = JournalEdit(new_edit_id(), image_id, self.revision(image_id), state, kind)
        self.journal.append_edit(edit)
        if not self.offline:
            self._schedule(self.debounce_s)
        self.changed.emit()
        return edit.edit_id

    def drop(self, edit_ids: tuple[str, ...]) -> None:
        if edit_ids:
            self.journal.record_drop(edit_ids)
            self.changed.emit()

    # -- state ------------------------------------------------------------------------------------------

    @property
    def queued(self) -> int:
        return len(self.journal.pending())

    @property
    def state(self) -> SaveState:
        if self.offline:
            return SaveState.OFFLINE
        if self._inflight is not None:
            return SaveState.SAVING
        return SaveState.PENDING if self.queued else SaveState.SAVED

    def status_text(self) -> str:
        queued = self.queued
        state = self.state
        if state is SaveState.OFFLINE:
            return f"Offline — {queued} edit{'s' if queued != 1 else ''} queued"
        if state in (SaveState.SAVING, SaveState.PENDING):
            return "Saving…"
        return "All changes saved"

    @property
    def _inflight_image(self) -> str | None:
        return self._inflight.image_id if self._inflight is not None else None

    # -- flushing ---------------------------------------------------------------------------------------

    def wake(self) -> None:
        """Try now (the connection is back, or the view asks)."""
        self._attempt = 0
        self._schedule(0.0)

    def flush_now(self) -> None:
        self._cancel_timer()
        self._flush()

    def close(self) -> None:
        self._closed = True
        self._cancel_timer()

    def _schedule(self, seconds: float) -> None:
        self._cancel_timer()
        if not self._closed:
            self._timer = self.scheduler.call_later(seconds, self._on_timer)

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _on_timer(self) -> None:
        self._timer = None
        self._flush()

    def _next_request(self) -> SaveRequest | None:
        pending = self.journal.pending()
        if not pending:
            return None
        image_id = pending[0].image_id
        unanswered = self.journal.unanswered_send(image_id)
        if unanswered is not None:
            sent = self.journal.edit(unanswered.edit_id)
            if sent is not None:
                return SaveRequest(
                    sent.edit_id, image_id, unanswered.base_revision, sent.state, unanswered.covers, retry=True
                )
        mine = [edit for edit in pending if edit.image_id == image_id]
        base = self.revisions.get(image_id, mine[0].base_revision)
        return SaveRequest(mine[-1].edit_id, image_id, base, mine[-1].state, tuple(e.edit_id for e in mine))

    def _flush(self) -> None:
        if self._closed or self._inflight is not None:
            return
        request = self._next_request()
        if request is None:
            self.changed.emit()
            return
        if not request.retry:
            self.journal.record_send(
                SendRecord(request.edit_id, request.image_id, request.base_revision, request.covers)
            )
        self._inflight = request
        self.changed.emit()
        dataset, editor = self.dataset, self.editor

        def call(api: object) -> datasets_pb2.Annotations:
            return api.save_annotations(  # type: ignore[attr-defined, no-any-return]
                dataset,
                request.image_id,
                base_revision=request.base_revision,
                boxes=[box.to_proto() for box in request.state.boxes],
                status=request.state.status,
                editor=editor,
                client_edit_id=request.edit_id,
            )

        self.runner.run(call, lambda answer: self._saved(request, answer), lambda error: self._failed(request, error))

    def _saved(self, request: SaveRequest, answer: datasets_pb2.Annotations) -> None:
        self._inflight = None
        if self._closed:
            return  # acknowledged next time: the journal still has it, and a resend is answered, not applied
        self._attempt = 0
        was_offline, self.offline, self.last_error = self.offline, False, ""
        revision = answer.revision
        more = any(e.image_id == request.image_id for e in self.journal.pending() if e.edit_id not in request.covers)
        if request.retry and more and ImageState.from_annotations(answer) != request.state:
            # Answered from the server's memory of our save, but the image moved on since: build on the
            # revision our save made, so the next save is refused as a conflict instead of overwriting.
            revision = request.base_revision + 1
        self.journal.record_ack(request.covers, request.image_id, revision)
        self.revisions[request.image_id] = revision
        self.stored.emit(request.image_id, answer, more)
        if self.journal.pending():
            self._schedule(0.0 if was_offline or more else self.debounce_s)
        self.changed.emit()

    def _failed(self, request: SaveRequest, error: BaseException) -> None:
        self._inflight = None
        if self._closed:
            return
        if is_offline(error):
            self.offline = True
            self.last_error = str(error)
            delay = RETRY_DELAYS_S[min(self._attempt, len(RETRY_DELAYS_S) - 1)]
            self._attempt += 1
            self._schedule(delay)
            self.changed.emit()
            return
        self.offline = False
        edit_ids = tuple(e.edit_id for e in self.journal.pending() if e.image_id == request.image_id)
        reason = "conflict" if error_code(error) == "ABORTED" else f"refused: {error}"
        self.journal.record_aside(edit_ids, request.image_id, reason)
        conflict = Conflict(request.image_id, self._latest_state(request, edit_ids), edit_ids, None, reason)
        if conflict.is_conflict:
            self._fetch_theirs(conflict)
        else:
            self.conflict.emit(conflict)
        self._schedule(0.0)
        self.changed.emit()

    def _latest_state(self, request: SaveRequest, edit_ids: tuple[str, ...]) -> ImageState:
        edit = self.journal.edit(edit_ids[-1]) if edit_ids else None
        return edit.state if edit is not None else request.state

    def _fetch_theirs(self, conflict: Conflict) -> None:
        dataset = self.dataset

        def fetched(theirs: datasets_pb2.Annotations) -> None:
            if self._closed:
                return
            self.revisions[conflict.image_id] = theirs.revision
            self.conflict.emit(Conflict(conflict.image_id, conflict.mine, conflict.edit_ids, theirs, conflict.reason))

        self.runner.run(
            lambda api: api.get_annotations(dataset, conflict.image_id),
            fetched,
            lambda _error: self.conflict.emit(conflict),
        )
