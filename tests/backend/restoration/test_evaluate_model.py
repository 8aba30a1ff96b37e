"""``omni eval --model``: a registered model run by ONNX Runtime on the real-image set, as a real job on a real
server; an untrained model is worse than its input, and the report says so."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from backend.registry import ModelRegistry
from backend.rpc.server import Backend
from backend.storage import LocalStore
from desktop.client import BackendError, Connection
from protos.omni.v1 import jobs_pb2, training_pb2
from tests.backend.batch.conftest import tiny_onnx  # noqa: F401 - the session's exported untrained model
from tests.helpers import wait_for_state


def _register(workspace: Path, onnx: Path) -> str:
    card = {"architecture": "layer1", "domain": "photo"}
    return ModelRegistry(LocalStore(workspace)).register("layer_1", {"onnx": onnx}, card).version


def test_an_untrained_model_is_reported_worse_than_its_input(
    backend: Backend,
    client: Connection,
    tiny_onnx: Path,  # noqa: F811
) -> None:
    version = _register(backend.workspace.root, tiny_onnx)
    job = client.submit(jobs_pb2.JobSpec(evaluate=training_pb2.EvaluateSpec(model=version)))
    final = wait_for_state(client, job.id, timeout=120)
    assert final.state == jobs_pb2.JOB_STATE_SUCCEEDED, final.message
    result = json.loads(client.get_artifact_text(final.outputs["result"]))
    assert result["model"] == {"version": version, "layer": "layer_1", "domain": "photo", "self_ensemble": False}
    photo = result["real_images"]["domains"]["photo"]
    assert photo["model_vs_input"] < 0 and {"input", "nlm", "model"} <= set(photo)
    assert any(
        "On real photo validation images this model is worse than its input" in line
        for line in result["recommendations"]
    )
    text = client.get_artifact_text(final.outputs["result_text"])
    assert "trained for: photo" in text and "REAL IMAGES (HELD OUT)" in text and "worse than its input" in text
    assert "<table>" in client.get_artifact_text(final.outputs["result_html"])
    # the same, typed, in the job's one evaluation event
    (typed,) = [event.evaluation for event in client.watch_job(job.id) if event.HasField("evaluation")]
    model = typed.model
    assert (model.version, model.layer, model.domain) == (version, "layer_1", "photo")
    assert (model.report_html, model.report_text) == (final.outputs["result_html"], final.outputs["result_text"])
    assert list(model.recommendations) == result["recommendations"]
    typed_photo = next(domain for domain in model.domains if domain.domain == "photo")
    assert [score.method for score in typed_photo.methods] == ["input", "nlm", "model"]
    assert typed_photo.methods[2].psnr == pytest.approx(photo["model"]["psnr"])
    assert typed_photo.model_vs_input_db == pytest.approx(photo["model_vs_input"])
    assert typed_photo.worse_than_input and typed_photo.cases_worse_than_input == photo["model_worse_than_input"]


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        ({"model": "restoration_layer1_20990101_000000", "pred": "x"}, "pred"),
        ({"pred": "a", "ref": "b", "bm3d": True}, "bm3d"),
        ({"pred": "a", "ref": "b", "self_ensemble": True}, "self_ensemble"),
        ({"model": "restoration_layer1_20990101_000000"}, "model"),
        ({}, "pred"),
    ],
)
def test_wrong_evaluations_are_refused_naming_the_field(
    client: Connection, spec: dict[str, object], field: str
) -> None:
    with pytest.raises(BackendError) as refused:
        client.submit(jobs_pb2.JobSpec(evaluate=training_pb2.EvaluateSpec(**spec)))  # type: ignore[arg-type]
    assert field in str(refused.value)


def test_a_model_that_whitens_paper_is_shown_before_and_after_not_called_worse(
    backend: Backend,
    client: Connection,
    tiny_onnx: Path,  # noqa: F811
) -> None:
    card = {"architecture": "layer1", "domain": "document", "whiten_paper": True}
    version = ModelRegistry(LocalStore(backend.workspace.root)).register("layer_1", {"onnx": tiny_onnx}, card).version
    job = client.submit(jobs_pb2.JobSpec(evaluate=training_pb2.EvaluateSpec(model=version)))
    final = wait_for_state(client, job.id, timeout=120)
    assert final.state == jobs_pb2.JOB_STATE_SUCCEEDED, final.message
    result = json.loads(client.get_artifact_text(final.outputs["result"]))
    section = result["real_images"]
    assert section["whiten_paper"] is True and section["before_after"]["domain"] == "document"
    advice = " ".join(result["recommendations"])
    assert (
        "this model whitens the paper" in advice and "real document validation images this model is worse" not in advice
    )
    page = client.get_artifact_text(final.outputs["result_html"])
    assert f"data:image/png;base64,{section['before_after']['png_base64']}" in page


def test_self_ensemble_runs_the_model_as_restore_does_and_the_report_says_so(
    backend: Backend,
    client: Connection,
    tiny_onnx: Path,  # noqa: F811
) -> None:
    version = _register(backend.workspace.root, tiny_onnx)
    results = []
    for ensembled in (False, True):
        spec = training_pb2.EvaluateSpec(model=version, self_ensemble=ensembled)
        final = wait_for_state(client, client.submit(jobs_pb2.JobSpec(evaluate=spec)).id, timeout=120)
        assert final.state == jobs_pb2.JOB_STATE_SUCCEEDED, final.message
        results.append(json.loads(client.get_artifact_text(final.outputs["result"])))
    plain, ensembled_result = (result["real_images"]["domains"]["photo"]["model"]["psnr"] for result in results)
    assert plain != pytest.approx(ensembled_result, abs=1e-3)  # an untrained network is not symmetric
    assert results[1]["model"]["self_ensemble"] is True
    assert "run with self-ensemble" in client.get_artifact_text(final.outputs["result_text"])
    (typed,) = [event.evaluation for event in client.watch_job(final.id) if event.HasField("evaluation")]
    assert typed.model.self_ensemble is True
