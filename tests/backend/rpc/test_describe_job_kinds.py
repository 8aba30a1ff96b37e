"""Jobs.DescribeJobKinds over a real loopback server: the table, as typed messages; and the backend refuses a value
outside a described range with INVALID_ARGUMENT naming the field."""

from __future__ import annotations

import pytest

from backend.rpc.jobkinds_convert import kind_to_proto
from desktop.client import BackendError, Connection
from omni_core.jobkinds import JOB_KINDS
from protos.omni.v1 import jobs_pb2, synthetic_pb2, training_pb2


def test_the_rpc_answers_the_table(client: Connection) -> None:
    answer = client.describe_job_kinds()
    assert [kind.kind for kind in answer.kinds] == list(JOB_KINDS)
    for kind in answer.kinds:
        assert kind == kind_to_proto(JOB_KINDS[kind.kind])
    train = {p.name: p for p in answer.kinds[0].parameters}
    epochs = train["epochs"]
    assert epochs.type == jobs_pb2.PARAMETER_TYPE_INT
    assert epochs.default_value.WhichOneof("value") == "int_value"
    assert (epochs.default_value.int_value, epochs.minimum.int_value, epochs.maximum.int_value) == (10, 1, 100_000)
    lr = train["lr"]
    assert lr.default_value.float_value == pytest.approx(1e-4) and lr.minimum_exclusive
    assert list(train["preset"].choices) == ["tiny", "mini", "small", "base", "auto"]
    assert not train["data"].HasField("minimum")


def test_some_kinds_only_and_an_unknown_kind_is_refused(client: Connection) -> None:
    answer = client.describe_job_kinds(["restore_batch"])
    assert [kind.kind for kind in answer.kinds] == ["restore_batch"]
    tile = {p.name: p for p in answer.kinds[0].parameters}["tile"]
    assert [(s.value.int_value, s.meaning.split(":")[0]) for s in tile.specials] == [(0, "auto"), (-1, "whole images")]
    with pytest.raises(BackendError) as refused:
        client.describe_job_kinds(["no_such_kind"])
    assert refused.value.code == "INVALID_ARGUMENT"
    assert [v.field for v in refused.value.violations] == ["kinds"]


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        (jobs_pb2.JobSpec(train_restoration=training_pb2.TrainRestorationSpec(data="d", epochs=100_001)), "epochs"),
        (jobs_pb2.JobSpec(train_restoration=training_pb2.TrainRestorationSpec(data="d", patch=8)), "patch"),
        (
            jobs_pb2.JobSpec(synth_detection=synthetic_pb2.SynthDetectionSpec(count=1, out="o", max_objects=51)),
            "max_objects",
        ),
    ],
)
def test_a_value_outside_its_described_range_is_refused_naming_the_field(
    client: Connection, spec: jobs_pb2.JobSpec, field: str
) -> None:
    kind = spec.WhichOneof("spec")
    with pytest.raises(BackendError) as refused:
        client.submit(spec)
    assert refused.value.code == "INVALID_ARGUMENT"
    [violation] = refused.value.violations
    assert violation.field == f"spec.{kind}.{field}"
    assert JOB_KINDS[kind][field].range_text() in violation.description
