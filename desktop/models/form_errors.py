"""What a form shows as wrong: a message per field and one general message, with the event widgets follow.

The form view-models (synthetic data, restoration and detection training, batch restore) check their
fields as the server would, and route the server's own refusal to the same field: the backend names each field
at fault in the error's field violations (``BackendError.violations``, read from ``google.rpc.BadRequest``),
the field sometimes prefixed by the JobSpec's path, e.g. ``spec.train_restoration.lr``. The message itself is
never taken apart.
"""

from __future__ import annotations

from collections.abc import Collection

from desktop.client import BackendError
from desktop.models.events import Event
from omni_core.errors import OmniError


class FormInvalid(ValueError):
    """``job_spec()`` was asked for while a field is wrong; ``errors`` maps field to message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{name}: {message}" for name, message in errors.items()))
        self.errors = errors


class FormErrors:
    """Base of a form view-model: ``errors`` (field -> message), ``general_error`` and ``errors_changed``."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}
        self.general_error = ""  # an error not about one field
        self.errors_changed: Event[[]] = Event()

    # -- what a form says about itself ----------------------------------------------------------------

    def field_names(self) -> Collection[str]:
        """The fields that can carry an error."""
        raise NotImplementedError

    def spec_prefix(self) -> str:
        """The JobSpec field the server puts before a field's name, with its dot (e.g. ``"restore_batch."``)."""
        return ""

    def server_field(self, name: str) -> str:
        """The form's field for a field the server named (a form may show one spec field in another)."""
        return name

    # -- errors ---------------------------------------------------------------------------------------

    def apply_server_error(self, error: BackendError | OmniError | str) -> None:
        """Show each field the server (or the client core, checking a streamed run) says is at fault next to that
        field; a text, or a violation of a field this form does not show, as the general error (the whole
        message)."""
        if isinstance(error, str):
            self._set_errors(self.errors, error)
            return
        placed: dict[str, str] = {}
        for violation in error.violations:
            name = self.server_field(violation.field.removeprefix("spec.").removeprefix(self.spec_prefix()))
            if name in self.field_names():
                placed.setdefault(name, violation.description)
        everything_placed = bool(placed) and len(placed) == len({v.field for v in error.violations})
        self._set_errors({**self.errors, **placed}, "" if everything_placed else error.message)

    def clear_errors(self) -> None:
        self._set_errors({}, "")

    def _clear_error(self, name: str) -> None:
        """A field was edited: its error (and a general one) goes away until the next check."""
        if name in self.errors or self.general_error:
            self._set_errors({key: message for key, message in self.errors.items() if key != name}, "")

    def _set_errors(self, errors: dict[str, str], general: str) -> None:
        if errors != self.errors or general != self.general_error:
            self.errors, self.general_error = errors, general
            self.errors_changed.emit()
