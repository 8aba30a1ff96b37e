"""The evaluation's view-model and table, without Qt: what Evaluate allows, the job's progress from its events,
Cancel, and the typed result as rows that mark a model worse than its input."""

from __future__ import annotations

from desktop.models.evaluation_model import DETECTOR_NOTE, EvaluationModel
from desktop.models.evaluation_table import WORSE_MARK, result_text
from desktop.models.job_text import event_text
from protos.omni.v1 import jobs_pb2, models_pb2, training_pb2

RESTORER = models_pb2.ModelVersion(version="layer_1_20260101", layer="layer_1")
DETECTOR = models_pb2.ModelVersion(version="detector_20260101", layer="detector", metrics={"map50": 0.61234})


def _domain(name: str, input_psnr: float, model_psnr: float, worse_cases: int) -> training_pb2.DomainEvaluation:
    return training_pb2.DomainEvaluation(
        domain=name,
        count=12,
        methods=[
            training_pb2.MethodScore(method="input", psnr=input_psnr, ssim=0.7),
            training_pb2.MethodScore(method="nlm", psnr=input_psnr + 1, ssim=0.75),
            training_pb2.MethodScore(method="model", psnr=model_psnr, ssim=0.72),
        ],
        model_vs_input_db=model_psnr - input_psnr,
        cases_worse_than_input=worse_cases,
        worse_than_input=model_psnr < input_psnr,
    )


RESULT = training_pb2.ModelEvaluation(
    version=RESTORER.version,
    layer="layer_1",
    domain="photo",
    description="held-out crops",
    domains=[_domain("photo", 25.0, 23.5, 9), _domain("document", 20.0, 22.25, 0)],
    recommendations=["On real photo validation images this model is worse than its input."],
    report_html="evaluation/j1.html",
    report_text="evaluation/j1.txt",
    report_json="evaluation/j1.json",
)


def _event(seq: int, **payload: object) -> jobs_pb2.JobEvent:
    return jobs_pb2.JobEvent(job_id="j1", seq=seq, **payload)  # type: ignore[arg-type]


def test_evaluate_applies_to_one_restoration_version_not_to_a_detector() -> None:
    model = EvaluationModel()
    assert "Select one version" in model.refusal()
    model.select(DETECTOR)
    assert "detector" in model.refusal().lower()
    assert model.columns() == ("Metric", "Value")
    assert [row.cells for row in model.rows()] == [("map50", "0.6123")]
    assert model.verdicts() == [DETECTOR_NOTE] and model.report_key() == ""
    model.select(RESTORER)
    assert model.refusal() == ""
    model.bm3d = True
    assert model.spec().evaluate == training_pb2.EvaluateSpec(model=RESTORER.version, bm3d=True)
    model.self_ensemble = True
    assert model.spec().evaluate.self_ensemble is True


def test_a_run_shows_progress_then_the_result_with_the_worse_domain_marked() -> None:
    model = EvaluationModel()
    changes: list[None] = []
    model.changed.connect(lambda: changes.append(None))
    model.select(RESTORER)
    model.submit_started()
    assert model.running and not model.can_cancel() and "being evaluated" in model.refusal()
    model.submitted(jobs_pb2.Job(id="j1", state=jobs_pb2.JOB_STATE_QUEUED))
    assert model.can_cancel() and "queued" in model.status_text()
    model.add_events([_event(1, progress=jobs_pb2.Progress(done=3, total=12, message="scoring"))])
    assert model.state == jobs_pb2.JOB_STATE_RUNNING and model.fraction() == 0.25
    assert "25% scoring" in model.status_text()
    model.add_events(
        [
            _event(2, evaluation=training_pb2.EvaluationResult(model=RESULT)),
            _event(3, state=jobs_pb2.StateChange(state=jobs_pb2.JOB_STATE_SUCCEEDED)),
        ]
    )
    assert not model.running and model.fraction() == 1.0 and model.error == ""
    rows = {row.key: row for row in model.rows()}
    assert list(rows) == [f"{d}/{m}" for d in ("photo", "document") for m in ("input", "nlm", "model")]
    photo = rows["photo/model"]
    assert photo.cells[2:] == ("23.50 dB", "0.7200", f"-1.50 dB  {WORSE_MARK}")
    assert photo.tone(4) == "bad" and "9 of 12" in photo.tooltips[4]
    document = rows["document/model"]
    assert document.cells[4] == "+2.25 dB" and document.tone(4) == "good"
    assert rows["photo/nlm"].cells[4] == "+1.00 dB" and rows["photo/input"].cells[4] == ""
    assert model.verdicts()[0] == f"photo: model -1.50 dB vs input, {WORSE_MARK} (9 of 12 crops)"
    assert model.verdicts()[1] == "document: model +2.25 dB vs input, better than its input"
    assert model.report_key() == "evaluation/j1.html" and len(changes) >= 4
    model.select(DETECTOR)  # the detector's own metrics, once nothing runs
    assert model.columns() == ("Metric", "Value")


def test_cancel_and_failure_end_the_run_with_a_reason() -> None:
    model = EvaluationModel()
    model.select(RESTORER)
    model.submit_started()
    model.submitted(jobs_pb2.Job(id="j1", state=jobs_pb2.JOB_STATE_RUNNING))
    model.cancel_requested()
    assert not model.can_cancel() and "cancelling" in model.status_text()
    model.add_events([_event(4, state=jobs_pb2.StateChange(state=jobs_pb2.JOB_STATE_CANCELLED, message="cancelled"))])
    assert not model.running and model.result is None and "cancelled" in model.status_text()
    model.submit_started()
    model.failed("Could not start the evaluation: UNAVAILABLE")
    assert not model.running and model.error.endswith("UNAVAILABLE") and model.refusal() == ""


def test_the_cli_text_is_the_same_table() -> None:
    text = result_text(training_pb2.EvaluationResult(model=RESULT))
    assert text.startswith("layer_1_20260101 (layer_1, trained for photo) on real images\n")
    table = text.split("\n\n")[1].splitlines()
    assert table[0].split() == ["Domain", "Method", "PSNR", "SSIM", "vs", "input"]
    assert table[3].split()[:5] == ["photo", "model", "23.50", "dB", "0.7200"] and WORSE_MARK in table[3]
    assert "report: evaluation/j1.html" in text
    ensembled = training_pb2.ModelEvaluation(self_ensemble=True)
    ensembled.MergeFrom(RESULT)
    assert result_text(training_pb2.EvaluationResult(model=ensembled)).startswith(
        "layer_1_20260101 (layer_1, trained for photo) on real images, run with self-ensemble\n"
    )
    event = jobs_pb2.JobEvent(evaluation=training_pb2.EvaluationResult(model=RESULT))
    assert event_text(event) == (
        "result: layer_1_20260101: photo -1.50 dB vs input (worse), document +2.25 dB vs input"
    )
