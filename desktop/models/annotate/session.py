"""``AnnotationSession``: the Annotate view's state for one dataset.

The images (paged), the current image and its boxes (normalized), the selection, the classes, and every
edit as a command on one undo stack for the whole session. An edit is journaled (fsync'd) before the
view shows it, then saved by the autosaver; conflicts and refusals keep the user's edit aside until they
choose. Images and annotations of the next few images are prefetched.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, Generic, TypeVar

from desktop.models.annotate.api import Runner, Scheduler
from desktop.models.annotate.autosave import DEBOUNCE_S, AutoSaver, Conflict
from desktop.models.annotate.boxes import DONE, REVIEW, TODO, Box, ImageState
from desktop.models.annotate.commands import Command, EditKind, UndoStack
from desktop.models.annotate.image_cache import ImageCache
from desktop.models.annotate.image_list import ImageList
from desktop.models.annotate.journal import Journal
from desktop.models.events import Event
from protos.omni.v1 import datasets_pb2

T = TypeVar("T")
PREFETCH_AHEAD = 4
PREFETCH_BEHIND = 1
THUMB_SIDE = 160


class AnnotationSession(Generic[T]):
    def __init__(
        self,
        dataset: str,
        runner: Runner,
        scheduler: Scheduler,
        journal_file: Path,
        *,
        decode: Callable[[datasets_pb2.ImageData], T],
        size_of: Callable[[T], int],
        editor: str = "",
        debounce_s: float = DEBOUNCE_S,
        cache_bytes: int = 512 * 1024 * 1024,
        prefetch_ahead: int = PREFETCH_AHEAD,
    ) -> None:
        self.dataset = dataset
        self.runner = runner
        self.editor = editor or _user()
        self.prefetch_ahead = prefetch_ahead
        self.journal = Journal(journal_file)
        self.saver = AutoSaver(self.journal, runner, scheduler, dataset, editor=self.editor, debounce_s=debounce_s)
        self.images = ImageList(runner, dataset)
        self.cache: ImageCache[T] = ImageCache(
            runner, dataset, decode=decode, size_of=size_of, capacity_bytes=cache_bytes
        )
        self.thumbnails: ImageCache[T] = ImageCache(
            runner,
            dataset,
            max_side=THUMB_SIDE,
            decode=decode,
            size_of=size_of,
            capacity_bytes=64 * 1024 * 1024,
            max_inflight=3,
            max_queued=48,
        )
        self.undo_stack = UndoStack()
        self.info: datasets_pb2.Dataset | None = None
        self.docs: dict[str, ImageState] = {}  # per image: what is shown (ours, possibly not saved yet)
        self.conflicts: dict[str, Conflict] = {}
        self.row: int | None = None
        self.image_id: str | None = None
        self.selected: int | None = None
        self.draw_class = 0
        self.error = ""
        self._doc_loading: set[str] = set()
        self._closed = False

        self.dataset_loaded: Event[[]] = Event()
        self.current_changed: Event[[]] = Event()  # another image (its boxes follow with boxes_changed)
        self.boxes_changed: Event[[]] = Event()  # the current image's boxes or status
        self.selection_changed: Event[[]] = Event()
        self.image_ready: Event[[str]] = Event()  # the current image's pixels are in the cache
        self.save_changed: Event[[]] = Event()
        self.conflict_changed: Event[[]] = Event()
        self.draw_class_changed: Event[[]] = Event()
        self.message: Event[[str]] = Event()
        self.failed: Event[[str]] = Event()

        self.saver.changed.connect(self.save_changed.emit)
        self.saver.stored.connect(self._stored)
        self.saver.conflict.connect(self._conflict)
        self.cache.ready.connect(self._image_arrived)
        self.images.reset.connect(self._list_reset)
        self.images.failed.connect(self._fail)
        self._restore_journal()

    # -- opening --------------------------------------------------------------------------------------

    def open(self) -> None:
        """Load the dataset and the first page; the first image is shown as soon as it is known."""
        name = self.dataset
        self.runner.run(lambda api: api.get_dataset(name), self._dataset_arrived, self._fail)
        self.images.start()
        self.saver.wake()

    def reconnected(self) -> None:
        """The backend is reachable again (perhaps at another address): flush the queue, reload what failed."""
        self.saver.wake()
        if self.info is None or not self.images.started:
            self.open()
        elif self.image_id is not None:
            self._load_doc(self.image_id, refresh=True)
            self.cache.request(self.image_id)

    def close(self) -> None:
        self._closed = True
        self.saver.flush_now()
        self.saver.close()
        self.journal.close()

    def _restore_journal(self) -> None:
        """Edits the backend never acknowledged (we were offline, or killed): shown as ours, sent again."""
        for edit in self.journal.pending():
            self.docs[edit.image_id] = edit.state
            if edit.image_id not in self.saver.revisions:
                send = self.journal.unanswered_send(edit.image_id)
                self.saver.force_revision(edit.image_id, send.base_revision if send else edit.base_revision)
        for image_id, entries in self.journal.aside().items():
            edits = [edit for edit, _reason in entries]
            conflict = Conflict(image_id, edits[-1].state, tuple(e.edit_id for e in edits), None, entries[-1][1])
            self.conflicts[image_id] = conflict
            if not self.journal.pending_for(image_id):
                self.docs.pop(image_id, None)  # theirs is loaded from the server

    def _dataset_arrived(self, info: datasets_pb2.Dataset) -> None:
        self.info = info
        active = self.classes
        if active and self.draw_class not in {c.id for c in active}:
            self.draw_class = active[0].id
        self.dataset_loaded.emit()

    def _list_reset(self) -> None:
        if self.images.loaded and (self.row is None or self.image_id != self._id_at(self.row)):
            self.go_to(0)
        elif self.images.complete and not self.images.loaded and self.image_id is not None:
            self.row = self.image_id = self.selected = None  # the filter matches nothing
            self.current_changed.emit()
            self.boxes_changed.emit()
            self.selection_changed.emit()

    def _fail(self, error: BaseException | str) -> None:
        self.error = str(error)
        self.failed.emit(self.error)

    # -- classes --------------------------------------------------------------------------------------

    @property
    def classes(self) -> list[datasets_pb2.DatasetClass]:
        return [c for c in self.info.classes if not c.deleted] if self.info is not None else []

    def class_name(self, class_id: int) -> str:
        if self.info is not None:
            for cls in self.info.classes:
                if cls.id == class_id:
                    return cls.name
        return str(class_id)

    def class_for_key(self, number: int) -> int | None:
        """The class id the number key ``number`` (1-based) picks."""
        active = self.classes
        return active[number - 1].id if 1 <= number <= len(active) else None

    def set_draw_class(self, class_id: int) -> None:
        if class_id != self.draw_class:
            self.draw_class = class_id
            self.draw_class_changed.emit()

    def choose_class(self, class_id: int) -> None:
        """The class list / number keys: the selected box takes it, and new boxes will too."""
        self.set_draw_class(class_id)
        box = self.selected_box
        if box is not None and self.selected is not None and box.class_id != class_id:
            self.replace_box(self.selected, box.with_class(class_id), EditKind.CHANGE_CLASS)

    def toggle_flag(self, flag: str) -> None:
        """Turn the selected box's ``difficult``, ``truncated`` or ``occluded`` on or off (one undoable edit)."""
        box = self.selected_box
        if box is None or self.selected is None or flag not in box.flags():
            return
        self.replace_box(self.selected, replace(box, **{flag: not getattr(box, flag)}), EditKind.SET_FLAG)

    # -- the current image ----------------------------------------------------------------------------

    @property
    def current_info(self) -> datasets_pb2.ImageInfo | None:
        return self.images.info(self.row) if self.row is not None else None

    @property
    def state(self) -> ImageState | None:
        return self.docs.get(self.image_id) if self.image_id else None

    @property
    def boxes(self) -> tuple[Box, ...]:
        state = self.state
        return state.boxes if state is not None else ()

    @property
    def editable(self) -> bool:
        """Edits need the image's annotations (an edit builds on a known revision)."""
        return self.state is not None

    @property
    def selected_box(self) -> Box | None:
        boxes = self.boxes
        return boxes[self.selected] if self.selected is not None and self.selected < len(boxes) else None

    @property
    def current_image(self) -> T | None:
        return self.cache.peek(self.image_id) if self.image_id else None

    @property
    def conflict(self) -> Conflict | None:
        return self.conflicts.get(self.image_id) if self.image_id else None

    def select(self, index: int | None) -> None:
        if index is not None and not 0 <= index < len(self.boxes):
            index = None
        if index != self.selected:
            self.selected = index
            self.selection_changed.emit()

    def select_next(self) -> None:
        count = len(self.boxes)
        if count:
            self.select(0 if self.selected is None else (self.selected + 1) % count)

    # -- navigation -----------------------------------------------------------------------------------

    def _id_at(self, row: int) -> str | None:
        info = self.images.info(row)
        return info.image_id if info is not None else None

    def go_to(self, row: int) -> None:
        if row < 0:
            return

        def arrived(found: bool) -> None:
            if found and not self._closed:
                self._show_row(row)

        self.images.ensure(row, arrived)

    def _show_row(self, row: int) -> None:
        image_id = self._id_at(row)
        if image_id is None:
            return
        self.row, self.image_id = row, image_id
        self.selected = None
        self.cache.get(image_id)  # marks it recently used (and counts a hit or a miss)
        self.cache.request(image_id)
        self._load_doc(image_id, refresh=True)
        self.current_changed.emit()
        self.boxes_changed.emit()
        self.selection_changed.emit()
        self.conflict_changed.emit()
        if self.cache.peek(image_id) is not None:
            self.image_ready.emit(image_id)
        self._prefetch(row)

    def next(self) -> None:
        if self.row is None:
            self.go_to(0)
        elif self.images.complete and self.row + 1 >= self.images.total:
            self.message.emit("This is the last image")
        else:
            self.go_to(self.row + 1)

    def previous(self) -> None:
        if self.row is not None and self.row > 0:
            self.go_to(self.row - 1)

    def status_of(self, row: int) -> int:
        info = self.images.info(row)
        if info is None:
            return 0
        doc = self.docs.get(info.image_id)
        return doc.status if doc is not None else (info.status or TODO)

    def next_todo(self) -> None:
        """The next image still to do after the current one (loading pages as needed)."""
        start = (self.row + 1) if self.row is not None else 0
        self._find_todo(start)

    def _find_todo(self, start: int) -> None:
        for row in range(start, self.images.loaded):
            if self.status_of(row) == TODO:
                self.go_to(row)
                return
        if self.images.complete:
            self.message.emit("No image left to do after this one")
            return
        loaded = self.images.loaded
        self.images.ensure(loaded, lambda found: self._find_todo(loaded) if found else self._find_todo(loaded + 1))

    def _prefetch(self, row: int) -> None:
        rows = [*range(row + 1, row + 1 + self.prefetch_ahead), *range(row - PREFETCH_BEHIND, row)]
        ids = [image_id for r in rows if (image_id := self._id_at(r)) is not None]
        keep = [self.image_id] if self.image_id else []
        self.cache.prefetch(ids, keep=keep)
        for image_id in ids:
            self._load_doc(image_id, refresh=False)
        if not self.images.complete and row + self.prefetch_ahead >= self.images.loaded:
            self.images.load_more()

    def _load_doc(self, image_id: str, *, refresh: bool) -> None:
        doc = self.docs.get(image_id)
        if (doc is not None and not refresh) or image_id in self._doc_loading:
            return
        self._doc_loading.add(image_id)
        name = self.dataset
        self.runner.run(
            lambda api: api.get_annotations(name, image_id),
            lambda answer: self._doc_arrived(image_id, answer),
            lambda error: self._doc_failed(image_id, error),
        )

    def _doc_arrived(self, image_id: str, answer: datasets_pb2.Annotations) -> None:
        self._doc_loading.discard(image_id)
        if self.journal.pending_for(image_id) or answer.revision < self.saver.revisions.get(image_id, -1):
            return  # ours is newer (unsaved, or saved after this answer left the server)
        self.saver.set_revision(image_id, answer.revision)
        conflict = self.conflicts.get(image_id)
        if conflict is not None and conflict.theirs is None:
            self.conflicts[image_id] = Conflict(image_id, conflict.mine, conflict.edit_ids, answer, conflict.reason)
            self.conflict_changed.emit()
        theirs = ImageState.from_annotations(answer)
        doc = self.docs.get(image_id)
        if doc == theirs:
            return
        if doc is not None:
            # Someone else changed the image: undoing our older edits would silently revert theirs.
            self.undo_stack.forget_image(image_id)
        self.docs[image_id] = theirs
        self.images.update(image_id, status=theirs.status, box_count=len(theirs.boxes), revision=answer.revision)
        if image_id == self.image_id:
            self.select(None)
            self.boxes_changed.emit()

    def _doc_failed(self, image_id: str, error: BaseException) -> None:
        self._doc_loading.discard(image_id)
        if image_id == self.image_id and image_id not in self.docs:
            self._fail(error)

    def _image_arrived(self, image_id: str) -> None:
        if image_id == self.image_id:
            self.image_ready.emit(image_id)

    # -- edits ----------------------------------------------------------------------------------------

    def add_box(self, box: Box) -> None:
        state = self.state
        if state is None:
            return
        self._commit(EditKind.DRAW, state.with_boxes((*state.boxes, box)))
        self.select(len(state.boxes))

    def replace_box(self, index: int, box: Box, kind: EditKind) -> None:
        state = self.state
        if state is None or not 0 <= index < len(state.boxes):
            return
        boxes = list(state.boxes)
        boxes[index] = box
        self._commit(kind, state.with_boxes(boxes))

    def delete_selected(self) -> None:
        state = self.state
        if state is None or self.selected is None or self.selected >= len(state.boxes):
            return
        boxes = list(state.boxes)
        del boxes[self.selected]
        self.selected = None
        self._commit(EditKind.DELETE, state.with_boxes(boxes))
        self.selection_changed.emit()

    def set_status(self, status: int) -> None:
        state = self.state
        if state is not None and status in (TODO, DONE, REVIEW):
            self._commit(EditKind.SET_STATUS, state.with_status(status))

    def accept_suggestion(self) -> None:
        """The selected suggestion, else the most confident one, becomes a box a person vouches for."""
        boxes = self.boxes
        index = self.selected if self.selected_box is not None and self.selected_box.is_suggestion else None
        if index is None:
            suggestions = [(b.confidence or 0.0, i) for i, b in enumerate(boxes) if b.is_suggestion]
            if not suggestions:
                self.message.emit("No suggestion on this image")
                return
            index = max(suggestions)[1]
        self.replace_box(index, boxes[index].accepted(), EditKind.ACCEPT_SUGGESTION)
        self.select(index)

    def accept_all_suggestions(self) -> None:
        state = self.state
        if state is None or not any(b.is_suggestion for b in state.boxes):
            return
        self._commit(EditKind.ACCEPT_SUGGESTION, state.with_boxes(b.accepted() for b in state.boxes))

    def edit(self, kind: EditKind, after: ImageState) -> None:
        """Replace the current image's state with ``after`` as one undoable edit (journaled, autosaved)."""
        self._commit(kind, after)

    def _commit(self, kind: EditKind, after: ImageState) -> None:
        image_id, state = self.image_id, self.state
        if image_id is None or state is None or after == state:
            return
        self.undo_stack.push(Command(image_id, kind, state, after))
        self._apply(image_id, after, kind.value)

    def _apply(self, image_id: str, state: ImageState, kind: str) -> None:
        """Journal first (durable), then show: an edit on screen is an edit on disk."""
        self.saver.record(image_id, state, kind)
        self.docs[image_id] = state
        self.images.update(image_id, status=state.status, box_count=len(state.boxes))
        if image_id == self.image_id:
            if self.selected is not None and self.selected >= len(state.boxes):
                self.selected = None
                self.selection_changed.emit()
            self.boxes_changed.emit()

    def undo(self) -> None:
        command = self.undo_stack.take_undo()
        if command is None:
            self.message.emit("Nothing to undo")
            return
        self._replay(command, command.before, EditKind.UNDO)

    def redo(self) -> None:
        command = self.undo_stack.take_redo()
        if command is None:
            self.message.emit("Nothing to redo")
            return
        self._replay(command, command.after, EditKind.REDO)

    def _replay(self, command: Command, state: ImageState, kind: EditKind) -> None:
        """Undo/redo on any image of the session; we go to that image so the user sees what changed."""
        self._apply(command.image_id, state, kind.value)
        self.message.emit(f"{kind.value.capitalize()}: {command.label}")
        if command.image_id != self.image_id:
            row = self.images.row_of(command.image_id)
            if row is not None:
                self.go_to(row)
        else:
            self.select(None)

    # -- saving, conflicts ----------------------------------------------------------------------------

    def _stored(self, image_id: str, answer: datasets_pb2.Annotations, _more: bool) -> None:
        self.images.update(image_id, revision=answer.revision, updated_by=answer.updated_by)

    def _conflict(self, conflict: Conflict) -> None:
        self.conflicts[conflict.image_id] = conflict
        self.undo_stack.forget_image(conflict.image_id)
        if conflict.theirs is not None:
            theirs = ImageState.from_annotations(conflict.theirs)
            self.docs[conflict.image_id] = theirs
            self.images.update(
                conflict.image_id,
                status=theirs.status,
                box_count=len(theirs.boxes),
                revision=conflict.theirs.revision,
                updated_by=conflict.theirs.updated_by,
            )
        else:
            self.docs.pop(conflict.image_id, None)
            self._load_doc(conflict.image_id, refresh=True)
        if conflict.image_id == self.image_id:
            self.selected = None
            self.selection_changed.emit()
            self.boxes_changed.emit()
        self.conflict_changed.emit()

    def apply_mine(self) -> None:
        """Resolve the current image's conflict with my version, saved over theirs (an undoable edit)."""
        conflict = self.conflict
        state = self.state
        if conflict is None or state is None or self.image_id is None:
            return
        del self.conflicts[self.image_id]
        self._commit(EditKind.APPLY_MINE, conflict.mine)
        self.saver.drop(conflict.edit_ids)
        self.conflict_changed.emit()

    def keep_theirs(self) -> None:
        conflict = self.conflict
        if conflict is None or self.image_id is None:
            return
        del self.conflicts[self.image_id]
        self.saver.drop(conflict.edit_ids)
        self.conflict_changed.emit()

    def save_text(self) -> str:
        text = self.saver.status_text()
        if self.conflicts:
            count = len(self.conflicts)
            text += f" · {count} conflict{'s' if count != 1 else ''}"
        return text

    def progress_text(self) -> str:
        """``"12 / 10,000"`` for the current position."""
        total = self.images.total
        return f"{(self.row or 0) + 1:,} / {total:,}" if self.row is not None and total else "—"


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name (containers): anonymous
        return "annotator"


def describe_conflict(conflict: Conflict) -> str:
    """The banner's sentence."""
    if not conflict.is_conflict:
        why = conflict.reason.removeprefix("refused: ")
        return f"The backend did not take your change ({why}) — it was kept aside."
    theirs: Any = conflict.theirs
    if theirs is None:
        return "Someone saved this image meanwhile — your change was kept aside."
    who = theirs.updated_by or "someone"
    return f"{who} saved revision {theirs.revision} meanwhile — your change was kept aside."
