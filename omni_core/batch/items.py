"""A batch restoration's per-image outcomes as the contract's ``ItemOutcome``: what the job emits as ``item``
events and what a streamed run (``omni_core/batch/remote.py``) hands its client, made the same way for both."""

from __future__ import annotations

from omni_core.batch.formats import output_name
from omni_core.batch.outcome import Outcome
from omni_core.batch.plan import ALREADY_DONE, Plan
from omni_core.batch.walk import Skipped
from protos.omni.v1 import jobs_pb2


def restored_item(outcome: Outcome) -> jobs_pb2.ItemOutcome:
    """An image the pipeline finished with: restored, or failed with the reason."""
    if not outcome.restored:
        return jobs_pb2.ItemOutcome(input=outcome.key, ok=False, reason=outcome.reason)
    return jobs_pb2.ItemOutcome(
        input=outcome.key,
        output=outcome.output,
        ok=True,
        seconds=outcome.seconds,
        size_bytes=outcome.size_bytes,
        width=outcome.width,
        height=outcome.height,
        pages=outcome.pages,
    )


def planned_items(plan: Plan, fmt: str) -> list[jobs_pb2.ItemOutcome]:
    """The files the plan leaves out: skipped on purpose (not images, outputs already complete, which keep
    their output's name) and refused images (name clashes), which are failures."""
    items = [_skipped(skipped, fmt) for skipped in plan.skipped]
    items += [jobs_pb2.ItemOutcome(input=failed.file, ok=False, reason=failed.reason) for failed in plan.failed]
    return items


def _skipped(skipped: Skipped, fmt: str) -> jobs_pb2.ItemOutcome:
    output = output_name(skipped.file, fmt) if skipped.reason == ALREADY_DONE else ""
    return jobs_pb2.ItemOutcome(input=skipped.file, output=output, ok=False, skipped=True, reason=skipped.reason)
