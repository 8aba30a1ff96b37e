"""The job kinds table: every field of each described spec message is described (or listed as internal), and the
one check accepts and refuses what its spec says."""

from __future__ import annotations

import pytest

from omni_core.jobkinds import JOB_KINDS, RESTORE_BATCH, SYNTH_DETECTION, TRAIN_DETECTION, TRAIN_RESTORATION
from protos.omni.v1 import jobs_pb2


@pytest.mark.parametrize("name", list(JOB_KINDS))
def test_every_field_of_the_spec_message_is_described_or_internal(name: str) -> None:
    kind = JOB_KINDS[name]
    field = jobs_pb2.JobSpec.DESCRIPTOR.fields_by_name[name]  # the kind is a JobSpec oneof member
    message = field.message_type
    assert message.full_name == kind.message
    fields = {f.name for f in message.fields}
    described = set(kind.names())
    internal = {n for n, _why in kind.internal}
    assert not described & internal, "a field is both described and internal"
    assert fields - described - internal == set(), f"{kind.message} fields neither described nor internal"
    assert described | internal <= fields, "a described name is no field of the message"
    for param in kind.params:  # repeated fields are described as repeated, and the other way round
        is_list = message.fields_by_name[param.name].is_repeated
        assert param.repeated == is_list, param.name


@pytest.mark.parametrize("name", list(JOB_KINDS))
def test_every_default_passes_its_own_check(name: str) -> None:
    kind = JOB_KINDS[name]
    for param in kind.params:
        assert kind.problem(param.name, param.default if not param.repeated else list(param.default)) is None, (
            param.name
        )  # type: ignore[arg-type]


def test_ranges_refuse_and_accept_at_their_bounds() -> None:
    epochs = TRAIN_RESTORATION["epochs"]
    assert epochs.problem(1) is None and epochs.problem(100_000) is None
    assert epochs.problem(0) == "must be between 1 and 100000, got 0"
    lr = TRAIN_RESTORATION["lr"]
    assert lr.problem(1.0) is None
    assert lr.problem(0.0) == "must be in (0, 1], got 0"
    assert lr.problem(float("nan")) == "must be a finite number, got nan"
    imgsz = TRAIN_DETECTION["imgsz"]
    assert imgsz.problem(640) is None
    assert "a multiple of 32" in (imgsz.problem(650) or "")
    tile = RESTORE_BATCH["tile"]
    assert tile.problem(-1) is None and tile.problem(0) is None and tile.problem(64) is None
    assert tile.problem(10) == (
        "must be between 64 and 8192 (0 = auto: as large as the device's memory holds, -1 = whole images), got 10"
    )
    assert SYNTH_DETECTION["val_fraction"].problem(0.0) is None
    assert SYNTH_DETECTION["val_fraction"].problem(1.0) is not None
    assert (
        TRAIN_RESTORATION["preset"].problem("huge")
        == "unknown preset 'huge'; choose one of tiny, mini, small, base, auto"
    )
    assert TRAIN_RESTORATION["epochs"].problem(True) == "must be a whole number, got True"
    assert TRAIN_DETECTION.problem("statuses", ["done", "gone"]) is not None
