"""The workflows of installers/n8n run by a real n8n against a real backend, both on loopback.

One n8n holds all of them (imported and activated with n8n's CLI, then started): the nightly training twice
(first with no current model, so it promotes; then as a strict copy whose Config asks for +1000 dB PSNR, so the
comparison keeps the current model: deterministic whatever a few training steps learn), the restoration of a
folder of scans (the model the first nightly run promoted; then once more after one new scan), and the
pre-labelling of photos dropped into a watched folder (a detector imported for the test), and a third copy of
the nightly workflow whose Wait node gets a forged notification first. Each test checks in the backend what
happened, and what arrived at the receiver standing in for a chat webhook; the last one that n8n tried to reach
nothing beyond loopback.
"""

from __future__ import annotations

import base64
import json
import shutil
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from backend.webhooks import signature
from protos.omni.v1 import datasets_pb2, jobs_pb2
from tests.automation import n8n as n8n_runtime
from tests.automation.conftest import (
    NOT_INSTALLED,
    Backend,
    Receiver,
    Sentinel,
    load_workflow,
    proxy_env,
    started_n8n,
)
from tests.helpers import wait_for

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(900),
    pytest.mark.skipif(not n8n_runtime.installed(), reason=NOT_INSTALLED),
]

CLASSES = ["dent", "dirt", "rust", "scratch", "spoiled", "mold"]
TINY_TRAINING = {"pairs": 8, "size": 64, "epochs": 1, "batch_size": 2, "patch": 32, "device": "cpu", "poll_seconds": 1}


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("n8n-folders")
    made = {name: root / name for name in ("photos", "scans", "restored", "n8n")}
    for name in ("photos", "scans", "n8n"):
        made[name].mkdir()
    return made


@pytest.fixture(scope="module")
def n8n(
    backend: Backend, receiver: Receiver, sentinel: Sentinel, folders: dict[str, Path]
) -> Iterator[n8n_runtime.N8n]:
    base = {"base_url": backend.http_url}
    nightly = {**base, **TINY_TRAINING, "report_url": f"{receiver.url}/nightly"}
    workflows = [
        load_workflow("nightly-layer2.json", {**nightly, "min_psnr_gain": 0.1}),
        load_workflow(
            "nightly-layer2.json",
            {**nightly, "min_psnr_gain": 1000, "report_url": f"{receiver.url}/nightly-strict"},
            id="omniNightlyStrict",
            name="Omni: nightly layer 2 training (strict copy)",
            path="omni-nightly-strict",
        ),
        load_workflow(
            "nightly-layer2.json",
            {**nightly, "report_url": f"{receiver.url}/nightly-forged"},
            id="omniNightlyForged",
            name="Omni: nightly layer 2 training (forgery target)",
            path="omni-nightly-forged",
        ),
        load_workflow(
            "restore-scans.json",
            {
                **base,
                "input": str(folders["scans"]),
                "out": str(folders["restored"]),
                "poll_seconds": 1,
                "report_url": f"{receiver.url}/restore",
            },
        ),
        load_workflow("prelabel-photos.json", {**base, "dataset": "incoming", "conf": 0.3}),
    ]
    trigger = next(n for n in workflows[-1]["nodes"] if n["name"] == "New photo")
    trigger["parameters"]["path"] = str(folders["photos"])
    env = {"N8N_RESTRICT_FILE_ACCESS_TO": str(folders["photos"]), **proxy_env(sentinel)}
    instance = started_n8n(folders["n8n"], workflows, env)
    yield instance
    instance.stop()


@pytest.fixture(scope="module")
def first_night(n8n: n8n_runtime.N8n, receiver: Receiver) -> dict[str, Any]:
    began = time.monotonic()
    n8n.trigger("omni-nightly")
    report = receiver.wait("/nightly", n8n, "omniNightlyLayer2")[0]
    print(f"nightly run (generate, train, webhook, compare, promote, report): {time.monotonic() - began:.1f} s")
    return dict(report)


@pytest.fixture(scope="module")
def strict_night(n8n: n8n_runtime.N8n, first_night: dict[str, Any]) -> float:
    """The strict copy, started once the first night has promoted its model; it trains while the restore and
    pre-label tests run (the backend runs two jobs at once) and its test, the last, waits for its report."""
    n8n.trigger("omni-nightly-strict")
    return time.monotonic()


def _jobs(backend: Backend, kind: str) -> list[jobs_pb2.Job]:
    with backend.client() as client:
        return [job for job in client.list_jobs() if job.kind == kind]


def test_nightly_promotes_the_first_model(
    backend: Backend, n8n: n8n_runtime.N8n, first_night: dict[str, Any], strict_night: float
) -> None:
    body = first_night["json"]
    trainings = [j for j in _jobs(backend, "train_restoration") if j.outputs["model_version"] == body["version"]]
    assert len(trainings) == 1
    training = trainings[0]
    generation = next(
        j
        for j in _jobs(backend, "synth_restoration")
        if j.spec.synth_restoration.out == training.spec.train_restoration.data
    )
    assert generation.state == training.state == jobs_pb2.JOB_STATE_SUCCEEDED
    assert dict(training.labels) == {"source": "n8n", "workflow": "nightly"}
    assert training.spec.train_restoration.layer == 2 and training.spec.train_restoration.epochs == 1
    assert training.spec.train_restoration.data == generation.spec.synth_restoration.out
    version = training.outputs["model_version"]
    with backend.client() as client:
        model = client.get_model(version)
    assert model.current and model.layer == "layer_2"
    assert body["version"] == version and body["promoted"] is True and body["job_id"] == training.id
    assert body["reason"] == "there is no current layer 2 model yet"
    assert f"Omni nightly: promoted {version}" in body["text"] and "TRAINING REPORT" in body["text"]
    # the Wait node was resumed by the backend's signed notification, and the signature was checked
    deliveries = backend.get(f"/v1/webhooks/deliveries?job_id={training.id}")["deliveries"]
    assert [(d["eventType"], d["state"]) for d in deliveries] == [("job.succeeded", "DELIVERY_STATE_DELIVERED")]
    executions = [e for e in n8n.executions() if e["workflow"] == "omniNightlyLayer2"]
    assert [e["status"] for e in executions] == ["success"], executions


def _write_scans(folder: Path, names: list[str]) -> None:
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(7)
    for name in names:
        Image.fromarray(rng.integers(0, 255, (48, 64, 3), dtype=np.uint8)).save(folder / name)


def test_restore_new_scans(
    backend: Backend, n8n: n8n_runtime.N8n, receiver: Receiver, folders: dict[str, Path], first_night: dict[str, Any]
) -> None:
    _write_scans(folders["scans"], ["a.png", "b.png", "c.png"])
    n8n.trigger("omni-restore")
    first = receiver.wait("/restore", n8n, "omniRestoreScans", timeout=120)[0]["json"]
    assert first["state"] == "JOB_STATE_SUCCEEDED", first
    assert (first["counts"]["restored"], first["counts"]["skipped"], first["counts"]["failed"]) == ("3", "0", "0")
    assert first["text"].startswith(f"Omni: restored 3 new scans of {folders['scans']} into {folders['restored']}")
    assert sorted(p.name for p in folders["restored"].glob("*.png")) == ["a.png", "b.png", "c.png"]
    with backend.client() as client:
        job = client.get_job(first["job_id"])
    assert job.spec.restore_batch.model == first_night["json"]["version"]  # resolved from "current"

    _write_scans(folders["scans"], ["d.png"])
    n8n.trigger("omni-restore")
    second = receiver.wait("/restore", n8n, "omniRestoreScans", count=2, timeout=120)[1]["json"]
    assert (second["counts"]["restored"], second["counts"]["skipped"]) == ("1", "3")  # the 3 restored before
    assert second["text"].startswith("Omni: restored 1 new scans")
    assert (folders["restored"] / "d.png").exists()


@pytest.fixture(scope="module")
def detector(backend: Backend, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A real (untrained) yolo11n whose class head is nudged to propose boxes, imported into the registry."""
    from backend.detection import ultralytics_env
    from tests.backend.detection.conftest import _nudge_head, untrained_detector

    folder = tmp_path_factory.mktemp("detector")
    ultralytics_env.prepare(folder / "ultralytics")
    _nudge_head(untrained_detector(folder / "raw.pt", CLASSES), folder / "busy.pt")
    with backend.client() as client:
        return client.import_detector(path=str(folder / "busy.pt"), description="n8n test detector").version


def test_prelabel_new_photos(
    backend: Backend, n8n: n8n_runtime.N8n, folders: dict[str, Path], detector: str, tmp_path: Path
) -> None:
    from tests.backend.detection.conftest import generate_scenes

    with backend.client() as client:
        client.create_dataset("incoming", CLASSES)
    scenes = sorted((generate_scenes(tmp_path / "scenes", count=4) / "images").rglob("*.jpg"))[:3]
    for path in scenes:
        shutil.copy(path, folders["photos"] / path.name)
    (folders["photos"] / "notes.txt").write_text("not a photo")

    def reviewed() -> list[datasets_pb2.ImageInfo] | None:
        with backend.client() as client:
            images = list(client.list_images("incoming").images)
        done = [i for i in images if i.status == datasets_pb2.IMAGE_STATUS_REVIEW]
        return images if len(done) == len(scenes) else None

    try:
        images = wait_for(reviewed, 120, 0.5, what="3 photos marked for review")
    except AssertionError:
        raise AssertionError(f"n8n executions: {n8n.executions()}") from None
    assert sorted(i.filename for i in images) == sorted(p.name for p in scenes)  # notes.txt was not uploaded
    with backend.client() as client:
        for image in images:
            saved = client.get_annotations("incoming", image.image_id)
            assert saved.updated_by == "n8n" and saved.boxes
            assert all(b.HasField("confidence") and b.confidence >= 0.3 for b in saved.boxes)


def test_a_forged_notification_cannot_resume_the_nightly_workflow(
    backend: Backend, n8n: n8n_runtime.N8n, receiver: Receiver, first_night: dict[str, Any]
) -> None:
    """n8n resumes a Wait node on any POST to /webhook-waiting/<execution id> (ids count up from 1): the Verify
    signature node is what stops a forged "job.succeeded" from promoting anything."""
    n8n.trigger("omni-nightly-forged")

    def waiting() -> int | None:
        found = [e["id"] for e in n8n.executions() if e["workflow"] == "omniNightlyForged" and e["status"] == "waiting"]
        return found[0] if found else None

    execution = wait_for(waiting, 120, 0.5, what="the forgery target waiting for its training")
    training = n8n.node_output(execution, "Train layer 2")["id"]
    body = json.dumps({"id": "msg_forged", "type": "job.succeeded", "data": {"job": {"id": training}}}).encode()
    wrong = "whsec_" + base64.b64encode(b"not the backend's notify secret!").decode()
    headers = signature.sign(wrong, "msg_forged", body)
    request = urllib.request.Request(
        f"{n8n.url}/webhook-waiting/{execution}", data=body, headers={**headers, "content-type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30):
        pass

    def ended() -> dict[str, Any] | None:
        # n8n writes an execution's status before its data: a failed one's error can lag its status a moment
        found = [
            e
            for e in n8n.executions()
            if e["id"] == execution
            and e["status"] not in ("waiting", "running")
            and (e["status"] != "error" or e["error"])
        ]
        return found[0] if found else None

    outcome = wait_for(ended, 60, 0.5, what="the forged resume to be handled")
    assert outcome["status"] == "error" and "Verify signature" in outcome["error"], outcome
    assert "signature does not match" in outcome["error"]
    assert receiver.posts("/nightly-forged") == []
    with backend.client() as client:
        client.cancel_job(training)  # its real notification now finds the execution over
        assert client.get_model(first_night["json"]["version"]).current


def test_nightly_keeps_the_current_model_unless_better(
    backend: Backend, n8n: n8n_runtime.N8n, receiver: Receiver, first_night: dict[str, Any], strict_night: float
) -> None:
    current = first_night["json"]["version"]
    body = receiver.wait("/nightly-strict", n8n, "omniNightlyStrict")[0]["json"]
    print(f"strict nightly run (overlapping the restore and pre-label tests): {time.monotonic() - strict_night:.1f} s")
    assert body["promoted"] is False and body["version"] != current
    assert f"vs {current} (promotion needs +1000 dB)" in body["reason"] and body["psnr_change"] is not None
    assert body["text"].startswith(f"Omni nightly: kept the current model, trained {body['version']}")
    with backend.client() as client:
        assert client.get_model(current).current
        assert not client.get_model(body["version"]).current


def test_n8n_sent_nothing_beyond_this_machine(n8n: n8n_runtime.N8n, sentinel: Sentinel) -> None:
    """After every workflow ran: n8n's proxy-aware traffic (its global agent covers its own HTTP calls and the
    HTTP Request nodes) tried to reach nothing but loopback."""
    assert sentinel.seen == []
    assert "Editor is now accessible" in n8n.log()
