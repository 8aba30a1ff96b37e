"""The connected backend's job kinds (``Jobs.DescribeJobKinds``), asked once per backend address for the views
whose forms take their defaults and limits from it; until the answer arrives the forms keep this client's table."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject

from desktop.models.described import kind_from_proto
from desktop.qt.session import Session
from omni_core.jobkinds import JobKind
from protos.omni.v1 import jobs_pb2


class JobKindsAsker:
    """Calls ``on_kinds`` with the described kinds by name each time a different backend is connected."""

    def __init__(self, session: Session, owner: QObject, on_kinds: Callable[[dict[str, JobKind]], None]) -> None:
        self.session = session
        self.owner = owner
        self.on_kinds = on_kinds
        self._asked_of: str | None = None

    def ask_if_needed(self) -> None:
        model = self.session.connection_model
        address = model.target.address if model.connected and model.target else None
        if address is None or address == self._asked_of:
            return
        self._asked_of = address

        def forget(_error: BaseException) -> None:  # the client's own table stays; the next connection asks again
            self._asked_of = None

        self.session.run(
            lambda connection: connection.job_kinds(), owner=self.owner, on_result=self._answered, on_error=forget
        )

    def _answered(self, kinds: dict[str, jobs_pb2.JobKindDescription]) -> None:
        self.on_kinds({name: kind_from_proto(kind) for name, kind in kinds.items()})
