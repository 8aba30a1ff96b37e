"""The Batch view-model without Qt: form defaults and checks, the spec it builds, following a run (a job,
or a run streamed in this process: the request it runs, and the typed progress, items and summary it hears)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from desktop.models.batch_form_model import (
    FORM_AUTO_TILE,
    BatchFields,
    BatchFormModel,
    check_fields,
    model_choices,
)
from desktop.models.batch_run_model import STREAMED, BatchRunModel
from desktop.models.connection_model import is_local_address
from desktop.models.form_errors import FormInvalid
from omni_core.batch import params
from omni_core.batch.formats import output_name
from omni_core.batch.outcome import Outcome
from omni_core.batch.remote import ProgressView
from omni_core.batch.summary import BatchSummary
from omni_core.errors import FailedPrecondition
from omni_core.jobkinds import RESTORE_BATCH, JobKind
from protos.omni.v1 import batch_pb2, jobs_pb2, models_pb2
from tests.desktop.refusals import field_refusal


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
        FORM_AUTO_TILE,  # no --tile: tiles as large as the backend's free memory holds
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
        ({"tile": FORM_AUTO_TILE, "overlap": 128}, "overlap", "under half the smallest automatic tile (256 px)"),
        ({"overlap": -1}, "overlap", "must not be negative"),
        ({"quality": 0}, "quality", "between 1 and 100"),
        ({"format": "gif"}, "format", "unknown format"),
        ({"layer": 3}, "model", "layer must be 1 or 2"),
    ],
)
def test_checks_name_the_field(tmp_path: Path, changes: dict[str, object], field: str, words: str) -> None:
    errors = check_fields(filled(tmp_path, **changes))
    assert words in errors[field]


def narrower(**limits: dict[str, object]) -> JobKind:
    """The table with other limits, as a remote backend may describe ``restore_batch``."""
    params = tuple(
        dataclasses.replace(param, **limits[param.name]) if param.name in limits else param
        for param in RESTORE_BATCH.params
    )
    return dataclasses.replace(RESTORE_BATCH, params=params)


def test_a_narrower_description_is_what_the_form_defaults_to_and_refuses_by(tmp_path: Path) -> None:
    form = BatchFormModel()
    form.fields = filled(tmp_path)
    form.set("quality", 99)  # edited: kept when the description arrives
    described: list[int] = []
    form.described.connect(lambda: described.append(1))
    form.set_description(
        narrower(
            quality={"maximum": 90},
            tile={"minimum": 128, "maximum": 2048},
            overlap={"default": 8, "maximum": 48},
            layer={"maximum": 1},
        )
    )
    assert described and (form.fields.quality, form.fields.overlap) == (99, 8)
    assert form.validate() == {
        "quality": "must be between 1 and 90, got 99",
        "model": "layer must be between 1 and 1 (0 = 2 with current, else the version's layer), got 2",
    }  # "current" of layer 2, the first choice, is refused by a backend with layer 1 only
    form.set("layer", 1)
    form.set("quality", 90)
    form.set("tile", 64)
    assert form.validate() == {"tile": "must be between 128 and 2048 px, auto, or 0 for whole images; got 64"}
    form.set("tile", 0)  # whole images: the form's 0, the spec's -1, whatever the range
    form.set("overlap", 64)
    assert form.validate() == {"overlap": "must be between 0 and 48 px (0 = none), got 64"}
    form.set("overlap", 0)
    assert form.validate() == {}
    assert (form.spec().tile, form.spec().overlap) == (-1, -1)
    with_default = BatchFormModel(narrower(overlap={"default": -1}))  # a backend whose default is no overlap
    assert with_default.fields.overlap == 0


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
    form.set("tile", FORM_AUTO_TILE)
    assert form.job_spec().restore_batch.tile == 0  # the spec's "default": the backend's memory-based plan


def test_an_explicit_version_leaves_the_layer_to_the_backend(tmp_path: Path) -> None:
    form = BatchFormModel()
    form.fields = filled(tmp_path)
    choices = model_choices(
        [models_pb2.ModelVersion(version="restoration_layer_1_x", kind="restoration", layer="layer_1", current=True)]
    )
    assert [(c.model, c.layer, c.tier) for c in choices] == [
        ("current", 2, ""),
        ("current", 1, ""),
        ("current", 0, "fast"),
        ("current", 0, "quality"),
        ("restoration_layer_1_x", 0, ""),
    ]
    assert "★" in choices[4].label
    form.choose_model(choices[1])
    assert (form.spec().model, form.spec().layer) == ("current", 1)
    form.choose_model(choices[4])
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
    form.apply_server_error(field_refusal("input", "'/x' is not a folder on the backend", "FAILED_PRECONDITION"))
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


def item_event(seq: int, **fields: object) -> jobs_pb2.JobEvent:
    return jobs_pb2.JobEvent(job_id="j1", seq=seq, item=jobs_pb2.ItemOutcome(**fields))  # type: ignore[arg-type]


BAD = jobs_pb2.ItemOutcome(input="sub/bad.jpg", reason="cannot decode: broken data")


def test_a_run_follows_progress_failures_and_finished_files_from_item_events() -> None:
    run = BatchRunModel()
    failures: list[jobs_pb2.ItemOutcome] = []
    files: list[str] = []
    run.failure_added.connect(failures.append)
    run.file_finished.connect(files.append)
    run.start(job())
    assert run.active and run.progress_text() == "0 images"
    events = [
        item_event(1, input="notes.txt", skipped=True, reason="not an image"),  # nothing to show
        item_event(2, input="old.tif", output="old.png", skipped=True, reason="already restored"),
        progress_event(3, 0, "starting"),
        item_event(4, input="a.tif", output="a.png", ok=True, seconds=0.5),
        progress_event(5, 1, "a.png"),
        log_event(6, "failed sub/bad.jpg: cannot decode: broken data"),  # for people: not read
        jobs_pb2.JobEvent(job_id="j1", seq=7, item=BAD),
        progress_event(8, 2, "named.png"),  # a progress message names no file either
        log_event(9, "failed x.png: a log line in the old wording"),
    ]
    for event in events + events:  # a replay after reconnecting changes nothing
        run.apply_event(event)
    assert files == ["old.tif", "a.tif", "sub/bad.jpg"]
    assert failures == [BAD]
    assert run.restored() == ["old.tif", "a.tif"]
    run.apply_job(job(done=2, total=4, rate=2.5, eta_seconds=0.8))
    assert run.progress_text() == "50% · 2/4 images · 2.5 images/s · ETA 1s"
    assert run.paths_of("a.tif") == (Path("/in/a.tif"), Path("/out/a.png"))  # the output its item named
    assert run.paths_of("other.tif") == (Path("/in/other.tif"), Path("/out/other.png"))
    finished = job(jobs_pb2.JOB_STATE_SUCCEEDED, done=4, total=4)
    finished.outputs["summary_text"] = "/out/restore-summary.txt"
    finished.outputs["subfolders_not_entered"] = "1"  # the job's output, named as BatchCounts' field
    run.apply_job(finished)
    assert not run.active and run.fraction == 1.0
    assert run.subfolders_text() == "1 subfolder not entered: tick Recursive to restore their images"
    assert run.progress_text() == "100% · 4/4 images"
    assert run.summary_path() == Path("/out/restore-summary.txt")


def test_events_of_other_jobs_are_ignored() -> None:
    run = BatchRunModel()
    run.start(job())
    other = item_event(1, input="x.png", reason="nope")
    other.job_id = "j2"
    run.apply_event(other)
    assert run.failures == [] and run.finished == []


# -- streamed runs ------------------------------------------------------------------------------------


def test_remote_backends_force_streaming_local_ones_let_the_user_choose() -> None:
    form = BatchFormModel()
    changes: list[int] = []
    form.changed.connect(lambda: changes.append(1))
    assert not form.streamed
    form.set("stream", True)
    assert form.streamed
    form.set("stream", False)
    form.set_backend_remote(True)
    assert form.streamed and not form.fields.stream and len(changes) == 3
    form.set_backend_remote(False)
    assert not form.streamed


def test_the_streamed_request_is_the_jobs_spec(tmp_path: Path) -> None:
    """One set of conventions: the form's 0 = whole images / no overlap becomes the spec's -1, auto its 0."""
    form = BatchFormModel()
    for name, value in vars(filled(tmp_path, tile=0, overlap=0, format="jpg", quality=80, recursive=True)).items():
        form.set(name, value)
    form.set("layer", 1)
    request = form.remote_request()
    assert (request.input, request.out) == (tmp_path / "in", tmp_path / "out")
    assert request.recursive and not request.overwrite and request.ref is None
    o = request.options
    assert (o.model, o.layer, o.tile, o.overlap, o.format, o.quality) == ("current", 1, -1, -1, "jpg", 80)
    assert params.check_options(o) == o  # what restore_remote checks it against: nothing to default
    form.set("tile", FORM_AUTO_TILE)
    form.set("overlap", 16)
    form.set("model", "restoration_layer_1_x")
    form.set("overwrite", True)
    request = form.remote_request()
    assert (request.options.tile, request.options.overlap, request.options.layer) == (params.AUTO_TILE, 16, 0)
    assert request.overwrite
    form.set("out", "")
    with pytest.raises(FormInvalid) as caught:
        form.remote_request()
    assert set(caught.value.errors) == {"out"} and form.errors["out"] == "a folder is required"


def test_the_forms_limits_are_the_cores() -> None:
    """Checked by the form as restore_remote and the backend check them, from one definition."""
    f = BatchFields()
    assert (f.overlap, f.quality) == (params.DEFAULT_OVERLAP, params.DEFAULT_QUALITY)
    too_wide = check_fields(BatchFields(input="/a", out="/b", overlap=params.MIN_AUTO_SIDE // 2))
    assert too_wide["overlap"].endswith(f"({params.MIN_AUTO_SIDE} px), got {params.MIN_AUTO_SIDE // 2}")
    assert (
        f"between {params.MIN_TILE} and {params.MAX_TILE} px"
        in check_fields(BatchFields(input="/a", out="/b", tile=params.MAX_TILE + 1))["tile"]
    )


def view(done: int, total: int = 3) -> ProgressView:
    return ProgressView(done, total, 2.0, 3.0, "")


def summary_of(state: str, *, restored: int = 0, failed: int = 0, subfolders: int = 0) -> BatchSummary:
    summary = BatchSummary(mode="remote", input="/in", out="/out", model="v", layer="layer_1")
    summary.restored = [Outcome(f"r{n}.png", f"r{n}.png", True) for n in range(restored)]
    for n in range(failed):
        summary.add(Outcome(f"f{n}.png", "", False, "cannot decode"))
    summary.subfolders_not_entered = subfolders
    summary.model_domain = "document"
    summary.finish(state, "the message" if state == "failed" else "")
    return summary


def test_a_streamed_run_follows_what_it_hears() -> None:
    run = BatchRunModel()
    failures: list[jobs_pb2.ItemOutcome] = []
    files: list[str] = []
    run.failure_added.connect(failures.append)
    run.file_finished.connect(files.append)
    run.start_remote("/in", "/out", "png", True)
    assert run.streamed and run.active and run.job_id == STREAMED and run.state == jobs_pb2.JOB_STATE_RUNNING
    run.apply_log("3 image(s) found: 3 to restore, 0 already restored", "info")
    run.apply_item(jobs_pb2.ItemOutcome(input="a.png", output="a.png", ok=True))
    run.apply_stream_progress(view(1))
    run.apply_log("failed other.png: log text is not read", "warning")  # a warning is shown as it is
    run.apply_item(BAD)
    run.apply_stream_progress(view(2))
    run.stream_reconnecting("the backend at h:1 is not reachable")
    assert run.reconnecting == "connection lost (the backend at h:1 is not reachable); reconnecting…"
    run.apply_item(jobs_pb2.ItemOutcome(input="late.png", output="late.png", ok=True))
    run.apply_stream_progress(view(1))  # out of order: the count does not go back
    assert run.reconnecting == ""  # an image came back: connected again
    assert files == ["a.png", "sub/bad.jpg", "late.png"]
    assert failures == [BAD] and run.warnings == ["failed other.png: log text is not read"]
    assert run.restored() == ["a.png", "late.png"]
    assert run.progress_text() == "66% · 2/3 images · 2.0 images/s · ETA 3s"
    assert run.paths_of("sub/bad.jpg") == (Path("/in/sub/bad.jpg"), Path("/out/sub/bad.png"))
    assert run.subfolders_not_entered == 0 and run.subfolders_text() == ""
    run.stream_ended(summary_of("finished", restored=2, failed=1, subfolders=2))
    assert run.state == jobs_pb2.JOB_STATE_SUCCEEDED and not run.active and run.fraction == 1.0
    assert run.subfolders_text() == "2 subfolders not entered: tick Recursive to restore their images"
    assert run.summary_path() == Path("/out/restore-summary.txt") and run.outputs["failed"] == "1"
    assert run.model_domain == "document" and run.domain_warning == ""
    run.apply_item(jobs_pb2.ItemOutcome(input="after.png", ok=True))  # nothing after the end
    run.stream_ended(None, "late")
    assert run.state == jobs_pb2.JOB_STATE_SUCCEEDED and "after.png" not in run.finished and run.message == ""
    run.apply_job(job(jobs_pb2.JOB_STATE_FAILED))  # job updates are for job runs only
    assert run.state == jobs_pb2.JOB_STATE_SUCCEEDED


@pytest.mark.parametrize(
    ("state", "job_state", "words"),
    [
        ("stopped", jobs_pb2.JOB_STATE_CANCELLED, "run again to resume"),
        ("failed", jobs_pb2.JOB_STATE_FAILED, "the message"),
    ],
)
def test_end_states_map_to_job_states(state: str, job_state: int, words: str) -> None:
    run = BatchRunModel()
    run.start_remote("/in", "/out", "same", False)
    run.stream_ended(summary_of(state, restored=1))
    assert (run.state, run.active) == (job_state, False) and words in run.message
    assert run.summary_path() == Path("/out/restore-summary.txt")


def test_a_streamed_run_that_raised() -> None:
    run = BatchRunModel()
    run.start_remote("/in", "/out", "same", False)
    error = FailedPrecondition("no images in /in (1 other file(s))", field="input")
    run.stream_ended(None, str(error))
    assert (run.state, run.message) == (jobs_pb2.JOB_STATE_FAILED, "input: no images in /in (1 other file(s))")
    form = BatchFormModel()
    form.apply_server_error(error)  # the core's field violation lands beside its field
    assert form.errors == {"input": "no images in /in (1 other file(s))"} and form.general_error == ""


# -- the model's domain -------------------------------------------------------------------------------


def test_choices_name_the_domain_from_the_card_and_unknown_for_older_models() -> None:
    cards = {"v_photo": '{"domain": "photo"}', "v_old": '{"preset": "tiny"}', "v_bad": "{not json"}
    versions = [
        models_pb2.ModelVersion(version=name, kind="restoration", layer="layer_2", card_json=card)
        for name, card in cards.items()
    ]
    choices = model_choices(versions)
    labels = [choice.label for choice in choices[4:]]  # after the currents of two layers and two tiers
    assert labels == ["v_photo (layer_2, photo)", "v_old (layer_2, unknown)", "v_bad (layer_2, unknown)"]
    # "current" resolves to the newest when none is promoted, the promoted one otherwise
    assert choices[0].label.endswith(", photo") and choices[1].label == "Current of layer 1 (promoted, else newest)"
    versions[1].current = True
    assert model_choices(versions)[0].label.endswith(", unknown")


def test_a_run_keeps_the_domain_and_its_warning_apart_from_failures() -> None:
    run = BatchRunModel()
    failures: list[jobs_pb2.ItemOutcome] = []
    run.failure_added.connect(failures.append)
    run.start(job())
    warning = "domain: this model was trained for photos, but 3 of 3 sampled inputs look like pages"
    for seq, message in enumerate((warning, warning), 1):
        event = log_event(seq, message)
        event.log.level = jobs_pb2.LogLine.LEVEL_WARNING
        run.apply_event(event)
    failed = jobs_pb2.ItemOutcome(input="x.png", ok=False, reason="cannot decode")
    run.apply_event(jobs_pb2.JobEvent(seq=3, item=failed))
    assert run.warnings == [warning] and [item.input for item in failures] == ["x.png"]
    finished = job(jobs_pb2.JOB_STATE_SUCCEEDED)
    finished.outputs["model_domain"] = "photo"
    run.apply_job(finished)
    assert run.model_domain == "photo" and run.trained_for_text() == "model trained for photos"
    finished.outputs["model_domain"] = "not stated"
    run.apply_job(finished)
    assert run.trained_for_text() == "model's domain: not stated"
    streamed = BatchRunModel()
    streamed.start_remote("/in", "/out", "png", False)
    assert streamed.model_domain == "" and streamed.trained_for_text() == ""
    streamed.apply_log(warning, "warning")
    finished_streaming = summary_of("finished", restored=1)
    finished_streaming.domain_warning = "inputs look like photos"
    streamed.stream_ended(finished_streaming)
    assert streamed.warnings == [warning] and streamed.model_domain == "document"
    assert streamed.domain_warning == "inputs look like photos"
