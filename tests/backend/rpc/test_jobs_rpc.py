"""The Jobs service end to end: real server on loopback, real worker processes, real synthetic jobs."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from backend.rpc.server import Backend
from desktop.client import BackendError, Connection
from protos.omni.v1 import jobs_pb2, synthetic_pb2
from tests.helpers import restoration_spec, wait_for, wait_for_progress, wait_for_state

SUCCEEDED, RUNNING = jobs_pb2.JOB_STATE_SUCCEEDED, jobs_pb2.JOB_STATE_RUNNING


def test_synth_job_succeeds_with_gapless_numbered_events(client: Connection, tmp_path: Path) -> None:
    job = client.submit(restoration_spec(tmp_path / "pairs", count=5))
    assert job.kind == "synth_restoration"
    assert job.state == jobs_pb2.JOB_STATE_QUEUED
    assert job.spec.synth_restoration.count == 5
    events = list(client.watch_job(job.id))
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    states = [e.state.state for e in events if e.WhichOneof("payload") == "state"]
    assert states == [jobs_pb2.JOB_STATE_QUEUED, RUNNING, SUCCEEDED]
    progress = [e.progress for e in events if e.WhichOneof("payload") == "progress"]
    assert progress[-1].done == progress[-1].total == 5
    assert any(e.WhichOneof("payload") == "artifact" for e in events)
    final = client.get_job(job.id)
    assert final.state == SUCCEEDED
    assert final.last_seq == events[-1].seq
    assert final.outputs["out"] == str(tmp_path / "pairs")
    assert sorted(p.name for p in (tmp_path / "pairs" / "clean").iterdir()) == sorted(
        p.name for p in (tmp_path / "pairs" / "degraded").iterdir()
    )
    assert len(list((tmp_path / "pairs" / "clean").iterdir())) == 5


def test_watch_job_reconnect_misses_nothing_and_repeats_nothing(client: Connection, tmp_path: Path) -> None:
    job = client.submit(restoration_spec(tmp_path / "pairs", count=30))
    first: list[jobs_pb2.JobEvent] = []
    for event in client.watch_job(job.id):  # drop the stream after a few events
        first.append(event)
        if len(first) == 3:
            break
    wait_for_state(client, job.id)
    rest = list(client.watch_job(job.id, after_seq=first[-1].seq))
    seqs = [e.seq for e in first + rest]
    assert seqs == list(range(1, client.get_job(job.id).last_seq + 1))
    # a replay from the middle is the same events, byte for byte
    replay = list(client.watch_job(job.id, after_seq=2))
    assert [e.SerializeToString() for e in replay] == [e.SerializeToString() for e in (first + rest)[2:]]


def test_unknown_job_id_is_not_found(client: Connection) -> None:
    for call in (client.get_job, client.cancel_job, client.resume_job, lambda i: list(client.watch_job(i))):
        with pytest.raises(BackendError) as caught:
            call("no_such_job")
        assert caught.value.code == "NOT_FOUND"
        assert "no_such_job" in caught.value.message


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        (synthetic_pb2.SynthRestorationSpec(count=-3, out="x"), "count"),
        (synthetic_pb2.SynthRestorationSpec(count=2, out="x", size=10), "size"),
        (synthetic_pb2.SynthRestorationSpec(count=2, out="x", size=100_000), "size"),
        (synthetic_pb2.SynthRestorationSpec(count=2, out="x", degradations=["noise", "glitter"]), "degradations"),
        (synthetic_pb2.SynthRestorationSpec(count=2, out=""), "out"),
    ],
)
def test_bad_spec_is_invalid_argument_naming_the_field(
    client: Connection, spec: synthetic_pb2.SynthRestorationSpec, field: str
) -> None:
    with pytest.raises(BackendError) as caught:
        client.submit(jobs_pb2.JobSpec(synth_restoration=spec))
    assert caught.value.code == "INVALID_ARGUMENT"
    assert caught.value.message.startswith(f"{field}:")


def test_empty_spec_is_invalid(client: Connection) -> None:
    with pytest.raises(BackendError) as caught:
        client.submit(jobs_pb2.JobSpec())
    assert caught.value.code == "INVALID_ARGUMENT"
    assert "spec" in caught.value.message


def test_out_inside_a_file_is_invalid(client: Connection, tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x")
    with pytest.raises(BackendError) as caught:
        client.submit(restoration_spec(tmp_path / "afile" / "sub"))
    assert caught.value.code == "INVALID_ARGUMENT"
    assert caught.value.message.startswith("out:")
    assert "inside a file" in caught.value.message


def test_folder_with_data_is_never_overwritten(client: Connection, tmp_path: Path) -> None:
    out = tmp_path / "pairs"
    out.mkdir()
    (out / "precious.png").write_bytes(b"mine")
    with pytest.raises(BackendError) as caught:
        client.submit(restoration_spec(out))
    assert caught.value.code == "INVALID_ARGUMENT"
    assert "already holds" in caught.value.message
    assert (out / "precious.png").read_bytes() == b"mine"
    assert [p.name for p in out.iterdir()] == ["precious.png"]


def test_two_active_jobs_cannot_share_an_output(client: Connection, tmp_path: Path) -> None:
    first = client.submit(restoration_spec(tmp_path / "pairs", count=100_000))
    try:
        with pytest.raises(BackendError) as caught:
            client.submit(restoration_spec(tmp_path / "pairs"))
        assert first.id in caught.value.message
    finally:
        client.cancel_job(first.id)
        wait_for_state(client, first.id)


def test_cancel_stops_a_running_job_within_seconds_and_keeps_complete_pairs(client: Connection, tmp_path: Path) -> None:
    out = tmp_path / "pairs"
    job = client.submit(restoration_spec(out, count=100_000, size=128))
    wait_for_progress(client, job.id, done=3)
    asked = time.monotonic()
    client.cancel_job(job.id)
    final = wait_for_state(client, job.id, timeout=15)
    assert time.monotonic() - asked < 5
    assert final.state == jobs_pb2.JOB_STATE_CANCELLED
    assert final.resumable
    clean = {p.name for p in (out / "clean").iterdir()}
    degraded = {p.name for p in (out / "degraded").iterdir()}
    assert clean and clean == degraded  # only whole pairs, nothing half-written


def test_resume_after_cancel_completes_the_set(client: Connection, tmp_path: Path) -> None:
    out = tmp_path / "pairs"
    job = client.submit(restoration_spec(out, count=40, size=96))
    wait_for_progress(client, job.id, done=2)
    client.cancel_job(job.id)
    cancelled = wait_for_state(client, job.id)
    if cancelled.state == SUCCEEDED:
        pytest.skip("the job finished before the cancel arrived")
    resumed = client.resume_job(job.id)
    assert resumed.resumed_from == job.id
    assert resumed.id != job.id
    assert wait_for_state(client, resumed.id).state == SUCCEEDED
    assert len(list((out / "clean").iterdir())) == 40
    assert len(list((out / "degraded").iterdir())) == 40
    with pytest.raises(BackendError) as caught:
        client.resume_job(resumed.id)
    assert caught.value.code == "FAILED_PRECONDITION"


def test_worker_crash_fails_only_that_job(backend: Backend, client: Connection, tmp_path: Path) -> None:
    doomed = client.submit(restoration_spec(tmp_path / "doomed", count=100_000))
    healthy = client.submit(restoration_spec(tmp_path / "healthy", count=6))
    wait_for_progress(client, doomed.id, done=1)
    pid = wait_for(lambda: backend.manager.worker_pid(doomed.id), what="worker pid")
    os.kill(pid, signal.SIGKILL)
    failed = wait_for_state(client, doomed.id, timeout=20)
    assert failed.state == jobs_pb2.JOB_STATE_FAILED
    assert "SIGKILL" in failed.message
    assert wait_for_state(client, healthy.id).state == SUCCEEDED
    again = client.submit(restoration_spec(tmp_path / "after", count=2))
    assert wait_for_state(client, again.id).state == SUCCEEDED


def test_list_jobs_pages_and_filters(client: Connection, tmp_path: Path) -> None:
    ids = []
    for index in range(3):
        job = client.submit(restoration_spec(tmp_path / f"set{index}", count=1))
        ids.append(job.id)
        wait_for_state(client, job.id)
    listed = client.list_jobs(limit=10)
    assert [j.id for j in listed] == list(reversed(ids))  # newest first
    page = client.jobs.ListJobs(jobs_pb2.ListJobsRequest(page_size=2), metadata=client._metadata)
    assert len(page.jobs) == 2 and page.next_page_token
    rest = client.jobs.ListJobs(
        jobs_pb2.ListJobsRequest(page_size=2, page_token=page.next_page_token), metadata=client._metadata
    )
    assert [j.id for j in list(page.jobs) + list(rest.jobs)] == list(reversed(ids))
    assert client.list_jobs(states=[jobs_pb2.JOB_STATE_FAILED]) == []
    assert len(client.list_jobs(kinds=["synth_restoration"])) == 3
    assert client.list_jobs(kinds=["synth_detection"]) == []


def test_watch_jobs_sends_a_snapshot_then_live_updates(client: Connection, tmp_path: Path) -> None:
    done = client.submit(restoration_spec(tmp_path / "before", count=1))
    wait_for_state(client, done.id)
    stream = client.watch_jobs()
    first = next(stream)
    assert first.snapshot and first.job.id == done.id
    assert next(stream).snapshot_done
    live = client.submit(restoration_spec(tmp_path / "live", count=5))
    seen_states = []
    for update in stream:
        if update.job.id == live.id:
            seen_states.append(update.job.state)
            if update.job.state == SUCCEEDED:
                assert update.job.progress.done == 5
                break
    stream.close()
    assert RUNNING in seen_states
