"""Field errors travel typed: a real loopback backend answers INVALID_ARGUMENT (and FAILED_PRECONDITION when a
field is at fault) with ``google.rpc.BadRequest`` field violations beside the unchanged message, and clients —
the desktop's forms and the ``omni`` command — read them by field."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from backend.rpc.server import Backend
from desktop.client import BackendError, BackendTarget, Connection, FieldViolation
from desktop.client.violations import field_violations
from desktop.models.synth_form import SynthFormModel
from desktop.models.train_form import TrainFormModel
from omni_cli.errors import command_options, error_lines
from omni_cli.main import build_parser
from protos.omni.v1 import jobs_pb2, jobs_pb2_grpc
from tests.backend.conftest import TOKEN
from tests.helpers import restoration_spec

AUTH = (("authorization", f"Bearer {TOKEN}"),)


@pytest.fixture
def held(backend: Backend) -> Backend:
    backend.manager.hold()  # nothing submitted here runs
    return backend


@pytest.fixture
def jobs(held: Backend) -> Iterator[jobs_pb2_grpc.JobsStub]:
    with grpc.insecure_channel(f"127.0.0.1:{held.port}") as channel:
        yield jobs_pb2_grpc.JobsStub(channel)


def _refusal(call: object) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as caught:
        call()  # type: ignore[operator]
    return caught.value


def test_a_field_beyond_its_limit_is_a_violation_with_its_path(jobs: jobs_pb2_grpc.JobsStub, tmp_path: Path) -> None:
    spec = restoration_spec(tmp_path / "out")
    spec.synth_restoration.degradations.extend(["noise"] * 1001)
    error = _refusal(lambda: jobs.SubmitJob(jobs_pb2.SubmitJobRequest(spec=spec), metadata=AUTH, timeout=10))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error.details() == "spec.synth_restoration.degradations: 1001 items, at most 1000"  # message unchanged
    assert field_violations(error) == (
        FieldViolation("spec.synth_restoration.degradations", "1001 items, at most 1000"),
    )
    labels = {f"k{i}": "v" for i in range(65)}
    error = _refusal(
        lambda: jobs.SubmitJob(jobs_pb2.SubmitJobRequest(spec=spec, labels=labels), metadata=AUTH, timeout=10)
    )
    assert field_violations(error)[0].field in ("labels", "spec.synth_restoration.degradations")


def test_an_unknown_enum_value_names_the_item(jobs: jobs_pb2_grpc.JobsStub) -> None:
    error = _refusal(lambda: jobs.ListJobs(jobs_pb2.ListJobsRequest(states=[1, 99]), metadata=AUTH, timeout=10))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(error) == (FieldViolation("states[1]", "99 is not a value of omni.v1.JobState"),)
    streamed = _refusal(lambda: list(jobs.WatchJobs(jobs_pb2.WatchJobsRequest(states=[42]), metadata=AUTH, timeout=10)))
    assert streamed.code() == grpc.StatusCode.INVALID_ARGUMENT  # a response stream carries them the same way
    assert field_violations(streamed) == (FieldViolation("states[0]", "42 is not a value of omni.v1.JobState"),)


def test_a_job_kinds_own_checks_name_the_field_from_the_request(held: Backend, tmp_path: Path) -> None:
    spec = restoration_spec(tmp_path / "out")
    spec.synth_restoration.count = -1
    bad_layer = jobs_pb2.JobSpec()
    bad_layer.train_restoration.data = str(tmp_path)
    bad_layer.train_restoration.layer = 3
    with Connection(BackendTarget(f"127.0.0.1:{held.port}", token=TOKEN)) as client:
        with pytest.raises(BackendError) as count:
            client.submit(spec)
        with pytest.raises(BackendError) as layer:
            client.submit(bad_layer)
        with pytest.raises(BackendError) as remote:
            client.check_remote()  # this workspace has no remote: FAILED_PRECONDITION about one field
        with pytest.raises(BackendError) as missing:
            client.get_job("nope")  # NOT_FOUND about no field
    assert count.value.code == "INVALID_ARGUMENT"
    assert count.value.message == "count: must be between 1 and 1000000, got -1"
    assert count.value.violations == (
        FieldViolation("spec.synth_restoration.count", "must be between 1 and 1000000, got -1"),
    )
    assert layer.value.violations == (FieldViolation("spec.train_restoration.layer", "must be 1 or 2, got 3"),)
    assert remote.value.code == "FAILED_PRECONDITION"
    assert [v.field for v in remote.value.violations] == ["remote"]
    assert missing.value.violations == ()


def test_the_forms_put_the_servers_violations_beside_their_fields(held: Backend, tmp_path: Path) -> None:
    train = TrainFormModel()
    train.set("data", str(tmp_path))
    spec = train.job_spec()
    spec.train_restoration.lr = -1.0  # past the form's own check, as an older form would send it
    synth = SynthFormModel()
    synth.set("out", str(tmp_path / "synth"))
    synth_spec = synth.job_spec()
    getattr(synth_spec, synth_spec.WhichOneof("spec")).count = 0
    with Connection(BackendTarget(f"127.0.0.1:{held.port}", token=TOKEN)) as client:
        with pytest.raises(BackendError) as lr:
            client.submit(spec)
        with pytest.raises(BackendError) as count:
            client.submit(synth_spec)
    train.apply_server_error(lr.value)
    assert list(train.errors) == ["lr"] and train.general_error == ""
    assert train.errors["lr"] == lr.value.violations[0].description
    synth.apply_server_error(count.value)
    assert list(synth.errors) == ["count"] and synth.general_error == ""


def test_the_cli_names_the_option_of_the_field_at_fault(held: Backend, tmp_path: Path) -> None:
    parser = build_parser()
    # the CLI itself refuses --lr -1 (its range is described); a backend with narrower limits refuses what it accepts
    args = parser.parse_args(["train", "restoration", "--data", str(tmp_path), "--lr", "0.5"])
    spec = jobs_pb2.JobSpec()
    spec.train_restoration.data, spec.train_restoration.layer, spec.train_restoration.lr = str(tmp_path), 2, -1.0
    with (
        Connection(BackendTarget(f"127.0.0.1:{held.port}", token=TOKEN)) as client,
        pytest.raises(BackendError) as caught,
    ):
        client.submit(spec)
    lines = error_lines(caught.value, command_options(parser, args))
    assert lines == [f"omni: {caught.value.message} (option --lr)"]
    token_args = parser.parse_args(["token", "create", "Bad Name"])
    assert "name" not in command_options(parser, token_args)  # a positional argument is no option
