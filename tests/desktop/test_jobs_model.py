"""JobsModel and the job display text, without Qt."""

from __future__ import annotations

from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp

from desktop.models import JobsModel
from desktop.models.job_text import (
    can_cancel,
    can_resume,
    cell_text,
    eta_text,
    event_line,
    event_text,
    percent_text,
    progress_percent,
    progress_text,
    rate_text,
    spec_text,
)
from protos.omni.v1 import jobs_pb2, synthetic_pb2

S = jobs_pb2


def job(job_id: str, created: int, state: Any = S.JOB_STATE_QUEUED, last_seq: int = 1, **progress: Any) -> S.Job:
    return S.Job(
        id=job_id,
        kind="synth_restoration",
        state=state,
        created_at=Timestamp(seconds=created),
        last_seq=last_seq,
        progress=S.Progress(**progress),
    )


def event(job_id: str, seq: int, **payload: object) -> S.JobEvent:
    return S.JobEvent(job_id=job_id, seq=seq, time=Timestamp(seconds=1_700_000_000 + seq), **payload)  # type: ignore[arg-type]


def recorder(model: JobsModel) -> list[tuple[str, object]]:
    seen: list[tuple[str, object]] = []
    model.row_inserted.connect(lambda row: seen.append(("inserted", row)))
    model.row_changed.connect(lambda row: seen.append(("changed", row)))
    model.reset.connect(lambda: seen.append(("reset", None)))
    model.selection_changed.connect(lambda job_id: seen.append(("selected", job_id)))
    return seen


def test_jobs_are_kept_newest_first() -> None:
    model = JobsModel()
    seen = recorder(model)
    for update in (job("b", 200), job("a", 100), job("c", 300)):
        model.apply_update(S.JobUpdate(job=update, snapshot=True))
    assert [j.id for j in model.jobs()] == ["c", "b", "a"]
    assert seen == [("inserted", 0), ("inserted", 1), ("inserted", 0)]
    assert model.row_of("a") == 2 and model.job_at(0).id == "c"
    assert not model.snapshot_complete
    model.apply_update(S.JobUpdate(snapshot_done=True))
    assert model.snapshot_complete


def test_an_update_replaces_the_job_but_never_with_an_older_version() -> None:
    model = JobsModel()
    model.upsert(job("a", 100, S.JOB_STATE_RUNNING, last_seq=5, done=5, total=10))
    seen = recorder(model)
    model.upsert(job("a", 100, S.JOB_STATE_RUNNING, last_seq=3, done=3, total=10))  # a stale replay
    assert model.job("a").progress.done == 5  # type: ignore[union-attr]
    model.upsert(job("a", 100, S.JOB_STATE_SUCCEEDED, last_seq=9, done=10, total=10))
    assert model.job("a").state == S.JOB_STATE_SUCCEEDED  # type: ignore[union-attr]
    assert seen == [("changed", 0)]


def test_event_log_never_holds_a_seq_twice() -> None:
    model = JobsModel()
    model.upsert(job("a", 100, last_seq=1))
    added: list[list[int]] = []
    model.events_added.connect(lambda job_id, events: added.append([e.seq for e in events]))
    first = [event("a", seq, log=S.LogLine(message=f"line {seq}")) for seq in (1, 2, 3)]
    assert [e.seq for e in model.add_events("a", first)] == [1, 2, 3]
    replay = [event("a", seq, log=S.LogLine(message=f"line {seq}")) for seq in (2, 3, 4)]
    assert [e.seq for e in model.add_events("a", replay)] == [4]
    assert model.add_events("a", first) == []
    assert [e.seq for e in model.events("a")] == [1, 2, 3, 4]
    assert model.last_event_seq("a") == 4
    assert added == [[1, 2, 3], [4]]


def test_events_bring_the_job_row_up_to_date() -> None:
    model = JobsModel()
    model.upsert(job("a", 100, S.JOB_STATE_QUEUED, last_seq=1))
    model.add_events(
        "a",
        [
            event("a", 2, state=S.StateChange(state=S.JOB_STATE_RUNNING)),
            event("a", 3, progress=S.Progress(done=4, total=8, unit="pairs")),
        ],
    )
    current = model.job("a")
    assert current is not None
    assert current.state == S.JOB_STATE_RUNNING and current.progress.done == 4 and current.last_seq == 3
    model.add_events("a", [event("a", 4, state=S.StateChange(state=S.JOB_STATE_FAILED, message="boom"))])
    assert model.job("a").message == "boom"  # type: ignore[union-attr]


def test_selection_and_clear() -> None:
    model = JobsModel()
    model.upsert(job("a", 100))
    seen = recorder(model)
    model.select("a")
    model.select("a")
    assert model.selected is not None and model.selected.id == "a"
    model.add_events("a", [event("a", 1, log=S.LogLine(message="x"))])
    model.clear()
    assert len(model) == 0 and model.events("a") == [] and model.selected is None
    assert seen == [("selected", "a"), ("reset", None), ("selected", None)]


def test_progress_texts() -> None:
    running = job("a", 100, S.JOB_STATE_RUNNING, done=37, total=100, rate=12.5, eta_seconds=5.2, unit="pairs")
    assert progress_percent(running) == 37
    assert progress_text(running) == "37% (37/100 pairs)"
    assert cell_text(running, 3) == "37% · 37/100"
    assert rate_text(running) == "12.5 pairs/s"
    assert eta_text(running) == "5s"
    assert percent_text(57 / 100000) == "0.1%"
    assert percent_text(0.0) == "0%"
    assert percent_text(1.0) == "100%"
    unknown = job("b", 100, S.JOB_STATE_RUNNING, done=7, unit="images", eta_seconds=-1)
    assert progress_percent(unknown) is None and progress_text(unknown) == "7 images" and eta_text(unknown) == ""
    done = job("c", 100, S.JOB_STATE_SUCCEEDED, done=4, total=4, rate=80, unit="pairs")
    assert progress_percent(done) == 100 and rate_text(done) == "" and eta_text(done) == ""
    assert cell_text(done, 2) == "succeeded"


def test_cancel_and_resume_follow_the_state() -> None:
    assert can_cancel(job("a", 1, S.JOB_STATE_RUNNING)) and can_cancel(job("a", 1, S.JOB_STATE_QUEUED))
    assert not can_cancel(job("a", 1, S.JOB_STATE_SUCCEEDED)) and not can_cancel(None)
    cancelled = job("a", 1, S.JOB_STATE_CANCELLED)
    assert not can_resume(cancelled)
    cancelled.resumable = True
    assert can_resume(cancelled)
    succeeded = job("a", 1, S.JOB_STATE_SUCCEEDED)
    succeeded.resumable = True
    assert not can_resume(succeeded)


def test_event_texts() -> None:
    assert event_text(event("a", 1, state=S.StateChange(state=S.JOB_STATE_CANCELLED, message="stop"))) == (
        "state cancelled: stop"
    )
    progress = event("a", 2, progress=S.Progress(done=3, total=10, unit="pairs", rate=2, eta_seconds=3.5))
    assert event_text(progress) == "progress 3/10 pairs, 2.0 pairs/s, ETA 4s"
    warning = event("a", 3, log=S.LogLine(level=S.LogLine.LEVEL_WARNING, message="careful"))
    assert event_text(warning) == "[warning] careful"
    assert event_text(event("a", 4, log=S.LogLine(level=S.LogLine.LEVEL_INFO, message="hi"))) == "hi"
    metric = event("a", 5, metric=S.Metric(name="val/psnr", value=31.25, step=3))
    assert event_text(metric) == "metric val/psnr = 31.25 (step 3)"
    artifact = event("a", 6, artifact=S.Artifact(kind="manifest", key="/x/manifest.json"))
    assert event_text(artifact) == "artifact manifest: /x/manifest.json"
    done = event("a", 7, item=S.ItemOutcome(input="a.tif", output="a.png", ok=True))
    assert event_text(done) == "done a.tif -> a.png"
    failed = event("a", 8, item=S.ItemOutcome(input="b.png", reason="cannot decode"))
    assert event_text(failed) == "failed b.png: cannot decode"
    skipped = event("a", 9, item=S.ItemOutcome(input="c.txt", skipped=True, reason="not an image"))
    assert event_text(skipped) == "skipped c.txt: not an image"
    line = event_line(progress)
    assert line.startswith("    2  ") and line.endswith("ETA 4s")


def test_spec_text_lists_the_parameters() -> None:
    spec = S.JobSpec(
        synth_restoration=synthetic_pb2.SynthRestorationSpec(count=4, out="/tmp/o", degradations=["blur", "jpeg"])
    )
    text = spec_text(S.Job(spec=spec))
    assert text.splitlines() == ["count: 4", "out: /tmp/o", "degradations: blur, jpeg"]
    assert spec_text(S.Job()) == ""
