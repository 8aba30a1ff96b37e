"""Jobs over HTTP against a real backend: submit, get, list, cancel, events after a seq (JSON), and the
live Server-Sent Events stream resuming from Last-Event-ID with no event missed or repeated."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from PIL import Image

from backend.rpc.server import Backend
from tests.backend.http.conftest import Api
from tests.helpers import wait_for


def _spec(out: Path, count: int = 4) -> dict[str, Any]:
    return {"spec": {"synthRestoration": {"count": count, "out": str(out), "size": 64}}, "labels": {"by": "http"}}


def _finished(api: Api, job_id: str) -> dict[str, Any]:
    return wait_for(
        lambda: (
            (job := api.request("GET", f"/v1/jobs/{job_id}").json())["state"]
            in ("JOB_STATE_SUCCEEDED", "JOB_STATE_FAILED", "JOB_STATE_CANCELLED")
            and job
        ),
        60,
        what=f"job {job_id} to finish",
    )


def _sse_events(response: Any, stop_after: int | None = None) -> list[dict[str, str]]:
    """Parse an SSE body into events (id, event, data); comments (heartbeats) are skipped."""
    events: list[dict[str, str]] = []
    current: dict[str, str] = {}
    for raw in response:
        line = raw.decode().rstrip("\n")
        if not line:
            if current:
                events.append(current)
                current = {}
                if stop_after is not None and len(events) >= stop_after:
                    break
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(": ")
        current[name] = value
    return events


def test_submit_get_list_and_events_after_a_seq(api: Api, tmp_path: Path) -> None:
    submitted = api.request("POST", "/v1/jobs", _spec(tmp_path / "pairs"))
    assert submitted.status == 200, submitted.body
    job = submitted.json()
    assert job["kind"] == "synth_restoration" and job["labels"] == {"by": "http"}
    assert job["spec"]["synthRestoration"]["count"] == 4
    final = _finished(api, job["id"])
    assert final["state"] == "JOB_STATE_SUCCEEDED"
    assert isinstance(final["lastSeq"], str)  # int64 is a string in protobuf's JSON mapping
    listed = api.request("GET", "/v1/jobs?states=JOB_STATE_SUCCEEDED&kinds=synth_restoration&pageSize=10").json()
    assert [j["id"] for j in listed["jobs"]] == [job["id"]]
    assert api.request("GET", "/v1/jobs?states=JOB_STATE_FAILED").json()["jobs"] == []
    # events after seq 2 as a JSON array (the stream ends with the finished job's last event)
    events = api.request("GET", f"/v1/jobs/{job['id']}/events?after_seq=2", headers={"Accept": "application/json"})
    assert events.status == 200 and events.headers["Content-Type"].startswith("application/json")
    seqs = [int(e["seq"]) for e in events.json()]
    assert seqs == list(range(3, int(final["lastSeq"]) + 1))


def test_item_events_in_protobufs_json_mapping(api: Api, tmp_path: Path) -> None:
    """An import's per-image outcomes come as ``item`` events: ItemOutcome in protobuf's JSON mapping."""
    folder = tmp_path / "photos"
    folder.mkdir()
    Image.new("RGB", (24, 16), "white").save(folder / "good.png")
    (folder / "bad.png").write_bytes(b"not a png at all")
    spec = {"spec": {"importDataset": {"path": str(folder), "format": "images", "name": "photos"}}}
    job = api.request("POST", "/v1/jobs", spec).json()
    assert _finished(api, job["id"])["state"] == "JOB_STATE_SUCCEEDED"
    events = api.request("GET", f"/v1/jobs/{job['id']}/events", headers={"Accept": "application/json"}).json()
    items = {e["item"]["input"]: e["item"] for e in events if "item" in e}
    good, bad = items["good.png"], items["bad.png"]
    assert good["ok"] is True and (good["width"], good["height"]) == (24, 16) and good["output"]
    assert isinstance(good["sizeBytes"], str)  # int64: a string, named in lowerCamelCase
    assert (bad["ok"], bad["skipped"], bad["output"]) == (False, False, "") and bad["reason"].startswith("not an image")


def test_cancel_and_resume(api: Api, tmp_path: Path) -> None:
    job = api.request("POST", "/v1/jobs", _spec(tmp_path / "many", count=100_000)).json()
    cancelled = api.request("POST", f"/v1/jobs/{job['id']}:cancel")
    assert cancelled.status == 200 and cancelled.json()["id"] == job["id"]
    assert _finished(api, job["id"])["state"] == "JOB_STATE_CANCELLED"
    resumed = api.request("POST", f"/v1/jobs/{job['id']}:resume", {})
    assert resumed.status == 200 and resumed.json()["resumedFrom"] == job["id"]
    api.request("POST", f"/v1/jobs/{resumed.json()['id']}:cancel")
    _finished(api, resumed.json()["id"])


def test_sse_resumes_from_last_event_id_without_gaps_or_repeats(
    http_backend: Backend, api: Api, tmp_path: Path
) -> None:
    job = api.request("POST", "/v1/jobs", _spec(tmp_path / "pairs", count=40)).json()
    with api.open(f"/v1/jobs/{job['id']}/events", {"Accept": "text/event-stream"}) as first:
        assert first.headers["Content-Type"] == "text/event-stream"
        seen = _sse_events(first, stop_after=3)  # then drop the connection mid-stream
    assert [e["event"] for e in seen] == ["JobEvent"] * 3
    with api.open(f"/v1/jobs/{job['id']}/events", {"Last-Event-ID": seen[-1]["id"]}) as second:
        seen += _sse_events(second)  # to the end of the job
    final = _finished(api, job["id"])
    seqs = [int(e["id"]) for e in seen]
    assert seqs == list(range(1, int(final["lastSeq"]) + 1))
    assert all(json.loads(e["data"])["seq"] == e["id"] for e in seen)
    states = [json.loads(e["data"])["state"]["state"] for e in seen if "state" in json.loads(e["data"])]
    assert states[-1] == "JOB_STATE_SUCCEEDED"
    # reconnecting after the last event: nothing more, and 204 tells EventSource to stop reconnecting
    after = api.request("GET", f"/v1/jobs/{job['id']}/events", headers={"Last-Event-ID": str(seqs[-1])})
    assert after.status == 204
