"""The Batch view-model without Qt: form defaults and checks, the spec it builds, following a run."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.models.batch_model import (
    BatchFields,
    BatchFormModel,
    BatchRunModel,
    Failure,
    check_fields,
    is_local_address,
    model_choices,
    output_name,
    parse_failure,
)
from desktop.models.synth_form import FormInvalid
from protos.omni.v1 import batch_pb2, jobs_pb2, models_pb2


def filled(tmp_path: Path, **changes: object) -> BatchFields:
    fields = BatchFields(input=str(tmp_path / "in"), out=str(tmp_path / "out"))
    for name, value in changes.items():
        setattr(fields, name, value)
    return fields


def test_defaults_match_the_cli() -> None:
    f = BatchFields()
    assert (f.model, f.layer, f.tile, f.overlap, f.format, f.quality, f.recursive) == (
        "current",
        2,
        512,
        32,
        "same",
        95,
        False,
    )


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"input": " "}, "input", "a folder is required"),
        ({"out": ""}, "out", "a folder is required"),
        ({"tile": 32}, "tile", "between 64 and 8192"),
        ({"tile": 128, "overlap": 64}, "overlap", "under half the tile"),
        ({"overlap": -1}, "overlap", "must not be negative"),
        ({"quality": 0}, "quality", "between 1 and 100"),
        ({"format": "gif"}, "format", "unknown format"),
        ({"layer": 3}, "model", "layer must be 1 or 2"),
    ],
)
def test_checks_name_the_field(tmp_path: Path, changes: dict[str, object], field: str, words: str) -> None:
    errors = check_fields(filled(tmp_path, **changes))
    assert words in errors[field]


def test_out_must_not_be_in_or_inside_in_with_recursive(tmp_path: Path) -> None:
    assert "input folder" in check_fields(filled(tmp_path, out=str(tmp_path / "in")))["out"]
    inside = filled(tmp_path, out=str(tmp_path / "in" / "restored"))
    assert check_fields(inside) == {}
    inside.recursive = True
    assert "recursive" in check_fields(inside)["out"]


def test_whole_images_and_no_overlap_are_valid(tmp_path: Path) -> None:
    assert check_fields(filled(tmp_path, tile=0, overlap=4000)) == {}


def test_spec_has_absolute_paths_and_the_specs_sentinels(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    form = BatchFormModel()
    form.set("input", "in")
    form.set("out", "out")
    form.set("tile", 0)
    form.set("overlap", 0)
    form.set("format", "jpg")
    form.set("quality", 80)
    form.set("recursive", True)
    spec = form.job_spec().restore_batch
    assert spec.input == str(tmp_path / "in") and spec.out == str(tmp_path / "out")
    assert (spec.tile, spec.overlap, spec.format, spec.quality, spec.recursive) == (-1, -1, "jpg", 80, True)
    assert (spec.model, spec.layer) == ("current", 2)


def test_an_explicit_version_leaves_the_layer_to_the_backend(tmp_path: Path) -> None:
    form = BatchFormModel()
    form.fields = filled(tmp_path)
    choices = model_choices(
        [models_pb2.ModelVersion(version="restoration_layer_1_x", kind="restoration", layer="layer_1", current=True)]
    )
    assert [(c.model, c.layer) for c in choices] == [("current", 2), ("current", 1), ("restoration_layer_1_x", 0)]
    assert "★" in choices[2].label
    form.choose_model(choices[1])
    assert (form.spec().model, form.spec().layer) == ("current", 1)
    form.choose_model(choices[2])
    assert (form.spec().model, form.spec().layer) == ("restoration_layer_1_x", 0)


def test_invalid_form_raises_and_server_errors_land_on_fields(tmp_path: Path) -> None:
    form = BatchFormModel()
    seen: list[int] = []
    form.errors_changed.connect(lambda: seen.append(1))
    with pytest.raises(FormInvalid):
        form.job_spec()
    assert set(form.errors) == {"input", "out"} and seen
    form.fields = filled(tmp_path)
    form.clear_errors()
    form.apply_server_error("input: '/x' is not a folder on the backend")
    assert form.errors == {"input": "'/x' is not a folder on the backend"}
    form.set("input", "/y")  # editing the field clears its error
    assert form.errors == {}
    form.apply_server_error("layer_2 has no registered version")
    assert form.general_error == "layer_2 has no registered version"


def test_output_names_follow_the_format() -> None:
    assert output_name("a/b.tif", "same") == "a/b.tif"
    assert output_name("a/b.tif", "png") == "a/b.png"
    assert output_name("b.png", "jpg") == "b.jpg"


def test_local_addresses() -> None:
    assert is_local_address("127.0.0.1:50051") and is_local_address("localhost:1") and is_local_address("[::1]:5")
    assert not is_local_address("gpu.example.com:443")


def job(state: int = jobs_pb2.JOB_STATE_RUNNING, **progress: float) -> jobs_pb2.Job:
    spec = jobs_pb2.JobSpec(restore_batch=batch_pb2.RestoreBatchSpec(input="/in", out="/out", format="png"))
    return jobs_pb2.Job(id="j1", kind="restore_batch", state=state, spec=spec, progress=jobs_pb2.Progress(**progress))


def progress_event(seq: int, done: int, name: str) -> jobs_pb2.JobEvent:
    return jobs_pb2.JobEvent(
        job_id="j1", seq=seq, progress=jobs_pb2.Progress(done=done, total=4, unit="images", message=name)
    )


def log_event(seq: int, message: str) -> jobs_pb2.JobEvent:
    return jobs_pb2.JobEvent(job_id="j1", seq=seq, log=jobs_pb2.LogLine(message=message))


def test_a_run_follows_progress_failures_and_finished_files() -> None:
    run = BatchRunModel()
    failures: list[Failure] = []
    files: list[str] = []
    run.failure_added.connect(failures.append)
    run.file_finished.connect(files.append)
    run.start(job())
    assert run.active and run.progress_text() == "0 images"
    events = [
        progress_event(1, 0, "starting"),
        progress_event(2, 1, "a.png"),
        log_event(3, "failed sub/bad.jpg: cannot decode: broken data"),
        progress_event(4, 2, "sub/bad.jpg"),
        log_event(5, "failed to start"),  # no "<file>: <reason>": not a failure line
    ]
    for event in events + events:  # a replay after reconnecting changes nothing
        run.apply_event(event)
    assert files == ["a.png", "sub/bad.jpg"]
    assert failures == [Failure("sub/bad.jpg", "cannot decode: broken data")]
    assert run.restored() == ["a.png"]
    run.apply_job(job(done=2, total=4, rate=2.5, eta_seconds=0.8))
    assert run.progress_text() == "50% · 2/4 images · 2.5 images/s · ETA 1s"
    assert run.paths_of("a.tif") == (Path("/in/a.tif"), Path("/out/a.png"))
    finished = job(jobs_pb2.JOB_STATE_SUCCEEDED, done=4, total=4)
    finished.outputs["summary_text"] = "/out/restore-summary.txt"
    run.apply_job(finished)
    assert not run.active and run.fraction == 1.0
    assert run.progress_text() == "100% · 4/4 images"
    assert run.summary_path() == Path("/out/restore-summary.txt")


def test_events_of_other_jobs_are_ignored() -> None:
    run = BatchRunModel()
    run.start(job())
    other = log_event(1, "failed x.png: nope")
    other.job_id = "j2"
    run.apply_event(other)
    assert run.failures == []
    assert parse_failure(log_event(1, "restored 3")) is None
