"""How the CLI shows per-item outcomes: a failure is a warning line; files done or skipped are counted by the
summary, and listed only in a job's full event log (``omni jobs show``)."""

from __future__ import annotations

from omni_cli.display import event_line
from protos.omni.v1 import jobs_pb2


def item(**fields: object) -> jobs_pb2.JobEvent:
    return jobs_pb2.JobEvent(item=jobs_pb2.ItemOutcome(**fields))  # type: ignore[arg-type]


def test_item_lines() -> None:
    failed = item(input="b.png", reason="empty file (0 bytes)")
    assert event_line(failed) == "[warning] failed b.png: empty file (0 bytes)"
    done = item(input="a.jpg", output="a.png", ok=True)
    skipped = item(input="notes.txt", skipped=True, reason="not an image")
    assert event_line(done) is None and event_line(skipped) is None
    assert event_line(done, every_item=True) == "done a.jpg -> a.png"
    assert event_line(skipped, every_item=True) == "skipped notes.txt: not an image"
