""" "Test connection": the steps of ``CheckRemote`` (reach, credentials, buckets, write, read, delete) as rows,
each timed, and one line saying how it went and what to do if it did not."""

from __future__ import annotations

from desktop.models.events import Event
from desktop.models.storage_problems import problem_sentence, problem_text
from desktop.models.table_rows import Row
from protos.omni.v1 import storage_pb2

COLUMNS = ("Step", "Result", "Time", "Detail")


def format_ms(millis: float) -> str:
    return f"{millis:.0f} ms" if millis >= 10 else f"{millis:.1f} ms"


def step_row(step: storage_pb2.RemoteCheckStep) -> Row:
    detail = problem_text(step.problem, step.detail) if not step.ok else step.detail
    return Row(
        key=step.name,
        cells=(step.name, "ok" if step.ok else "failed", format_ms(step.millis), detail),
        tones=("bold", "good" if step.ok else "bad", "muted", ""),
        tooltips={3: detail} if detail else {},
    )


class RemoteCheckModel:
    def __init__(self) -> None:
        self.create_buckets = False
        self.running = False
        self.result: storage_pb2.RemoteCheck | None = None
        self.error = ""  # the call itself failed (the backend, not the remote)
        self.changed: Event[[]] = Event()

    def start(self) -> None:
        self.running, self.result, self.error = True, None, ""
        self.changed.emit()

    def finished(self, result: storage_pb2.RemoteCheck) -> None:
        self.running, self.result, self.error = False, result, ""
        self.changed.emit()

    def failed(self, error: BaseException) -> None:
        self.running, self.result, self.error = False, None, f"The test could not run: {error}"
        self.changed.emit()

    def clear(self) -> None:
        """The remote changed: an earlier result says nothing about it."""
        self.running, self.result, self.error = False, None, ""
        self.changed.emit()

    def rows(self) -> list[Row]:
        return [step_row(step) for step in self.result.steps] if self.result is not None else []

    @property
    def ok(self) -> bool | None:
        return None if self.result is None else self.result.ok

    def summary(self) -> str:
        if self.running:
            return "Testing the connection…"
        if self.error:
            return self.error
        result = self.result
        if result is None:
            return ""
        round_trip = f" · round trip {format_ms(result.round_trip_ms)}" if result.round_trip_ms > 0 else ""
        if result.ok:
            return f"All {len(result.steps)} steps passed{round_trip}."
        failed = next((step for step in result.steps if not step.ok), None)
        problem = result.problem or (failed.problem if failed is not None else 0)
        if failed is None:  # no step to read the server's detail in: say it here
            return "Failed: " + (problem_text(problem) or "the remote did not pass the test") + round_trip
        sentence = problem_sentence(problem) or "see the step below"
        return f"Failed at {failed.name}: {sentence}{round_trip}"
