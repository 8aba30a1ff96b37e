"""Fine-tuning (``start_from``): a run over a real backend starts from a registered version's weights and keeps
its network — the one in its weights file, even where the preset of that name has changed since — and its tier
and domain unless given, records it as the new version's parent, and refuses a version that is missing or a
network it would not keep, naming the field."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
import torch

from backend.registry import ModelRegistry
from backend.restoration.archs import build_network, config_to_dict, preset_for
from backend.restoration.jobs import kept_from_start
from backend.restoration.params import TrainRestorationParams
from backend.rpc.server import Backend
from backend.storage import LocalStore
from backend.workspace import Workspace
from desktop.client import BackendError, Connection
from protos.omni.v1 import jobs_pb2
from tests.backend.training.test_training_job import train_spec
from tests.helpers import wait_for_state

TINY_LR = 1e-9  # AdamW moves each weight by about lr a step: fine-tuning at this rate keeps the start's weights


def _weights(backend: Backend, version: str) -> dict[str, torch.Tensor]:
    store = LocalStore(backend.workspace.root)
    path = store.path_of(ModelRegistry(store).get(version).files["weights"])
    return torch.load(path, map_location="cpu", weights_only=True)["state_dict"]


def _largest_change(before: dict[str, torch.Tensor], after: dict[str, torch.Tensor]) -> float:
    return max(float((before[name] - after[name]).abs().max()) for name in before)


def _trained(client: Connection, spec: jobs_pb2.JobSpec) -> tuple[str, str]:
    job = wait_for_state(client, client.submit(spec).id, timeout=240)
    assert job.state == jobs_pb2.JOB_STATE_SUCCEEDED, job.message
    return job.id, job.outputs["model_version"]


def test_a_fine_tuned_run_starts_from_the_version_and_keeps_its_network(
    backend: Backend, client: Connection, pairs_dir: Path
) -> None:
    _, start = _trained(client, train_spec(pairs_dir, epochs=1))
    # the start's weights file now holds a network the "tiny" preset does not describe (as after a preset grew)
    store = LocalStore(backend.workspace.root)
    weights_path = store.path_of(ModelRegistry(store).get(start).files["weights"])
    grown = dataclasses.replace(preset_for(1, "tiny"), width=preset_for(1, "tiny").width * 2)
    torch.manual_seed(11)
    torch.save({"config": config_to_dict(grown), "state_dict": build_network(grown).state_dict()}, weights_path)
    start_weights = _weights(backend, start)

    job_id, tuned = _trained(client, train_spec(pairs_dir, layer=0, preset="", epochs=1, lr=TINY_LR, start_from=start))

    card = json.loads(client.get_model(tuned).card_json)
    assert card["network"] == config_to_dict(grown) and card["preset"] == "layer1-tiny"
    assert card["parent_version"] == card["started_from"] == start
    assert _largest_change(start_weights, _weights(backend, tuned)) < 1e-5  # it began where the start ended
    assert "started_from" not in json.loads(client.get_model(start).card_json)  # a run from random weights
    logs = [e.log.message for e in client.watch_job(job_id) if e.WhichOneof("payload") == "log"]
    assert f"starting from the weights of {start}" in logs
    assert f"Fine-tuned from: {start}" in client.get_report(job_id, "text")
    # the start was scored on this run's validation set before training: at this rate the run ends where it began
    before = json.loads(client.get_report(job_id, "json"))["fine_tuning"]
    assert before["start_version"] == start and before["psnr"] == pytest.approx(card["metrics"]["psnr"], abs=1e-3)


def _registered_tiny(backend: Backend, tmp_path: Path) -> str:
    """A layer-1 tiny version in the backend's registry, for checks made at submit time (the registry only)."""
    (tmp_path / "model.pt").write_bytes(b"weights")
    card = {"architecture": "layer1", "preset": "layer1-tiny"}
    model = ModelRegistry(backend.workspace.store).register("layer_1", {"weights": tmp_path / "model.pt"}, card)
    return model.version


def test_a_start_that_cannot_be_kept_is_refused_naming_the_field(
    backend: Backend, client: Connection, pairs_dir: Path, tmp_path: Path
) -> None:
    with pytest.raises(BackendError) as missing:
        client.submit(train_spec(pairs_dir, start_from="restoration_layer1_20200101_000000"))
    assert missing.value.code == "NOT_FOUND" and missing.value.message.startswith("start_from:")
    with pytest.raises(BackendError) as malformed:
        client.submit(train_spec(pairs_dir, start_from="../escape"))
    assert malformed.value.code == "INVALID_ARGUMENT" and malformed.value.message.startswith("start_from:")

    start = _registered_tiny(backend, tmp_path)
    for field, value in (("layer", 2), ("preset", "mini")):
        with pytest.raises(BackendError) as other:
            client.submit(train_spec(pairs_dir, start_from=start, **{field: value}))
        assert other.value.code == "INVALID_ARGUMENT" and other.value.message.startswith(f"{field}:")
        assert start in other.value.message and "leave" in other.value.message
    # the same network, given explicitly, is accepted (and cancelled: the weights are not real)
    accepted = client.submit(train_spec(pairs_dir, start_from=start, layer=1, preset="TINY", epochs=1))
    client.cancel_job(accepted.id)
    assert accepted.spec.train_restoration.start_from == start


def test_a_fine_tuned_run_keeps_the_starts_tier_and_domain_unless_given(tmp_path: Path) -> None:
    workspace = Workspace(tmp_path / "workspace")
    files = tmp_path / "files"
    files.mkdir()
    (files / "model.pt").write_bytes(b"weights")  # the submit-time check reads the registry only
    start = "restoration_layer1_20260101_000000"
    card = {"architecture": "layer1", "preset": "layer1-mini", "tier": "quality", "domain": "document"}
    ModelRegistry(workspace.store).register("layer_1", {"weights": files / "model.pt"}, card, version=start)

    from_clean = kept_from_start(
        TrainRestorationParams("", clean="scans", start_from=f" {start} ", layer=0, preset=""), workspace
    )
    assert (from_clean.start_from, from_clean.layer, from_clean.preset) == (start, 1, "mini")
    assert (from_clean.tier, from_clean.domain) == ("quality", "document")
    given = kept_from_start(
        TrainRestorationParams("", clean="photos", start_from=start, tier="fast", domain="photo", layer=0, preset=""),
        workspace,
    )
    assert (given.tier, given.domain) == ("fast", "photo")
    pairs = kept_from_start(TrainRestorationParams("pairs", start_from=start, layer=0, preset=""), workspace)
    assert pairs.domain == "" and pairs.tier == "quality"  # pairs carry no domain preset


@pytest.mark.parametrize("field", ["start_from", "teacher"])
def test_a_weights_file_that_is_not_one_fails_the_run_naming_the_field(
    backend: Backend, client: Connection, pairs_dir: Path, tmp_path: Path, field: str
) -> None:
    version = _registered_tiny(backend, tmp_path)  # its "weights" are seven bytes of text
    network = {"layer": 1, "preset": "tiny"} if field == "start_from" else {}
    job = wait_for_state(client, client.submit(train_spec(pairs_dir, epochs=1, **network, **{field: version})).id)
    assert job.state == jobs_pb2.JOB_STATE_FAILED
    assert job.message.startswith(f"{field}: the weights file of {version} cannot be read"), job.message
