"""Restoration tiers over a real loopback backend: the tier a version belongs to, promote setting the current
of its tier, and restoring by tier (a job and a stream) — an empty tier is FAILED_PRECONDITION naming it."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend.registry import ModelRegistry
from backend.rpc.server import Backend
from backend.storage import LocalStore
from backend.sync.selection import synced
from desktop.client import BackendError, Connection
from omni_core.errors import FailedPrecondition
from protos.omni.v1 import batch_pb2, jobs_pb2
from tests.backend.batch.conftest import write_images
from tests.helpers import wait_for_state


def _register(workspace: Path, onnx: Path, layer: str, tier: str = "") -> str:
    card = {"architecture": "layer1", **({"tier": tier} if tier else {})}
    return ModelRegistry(LocalStore(workspace)).register(layer, {"onnx": onnx}, card).version


def test_promote_sets_the_current_of_the_version_s_tier(tmp_path: Path, tiny_onnx: Path) -> None:
    registry = ModelRegistry(LocalStore(tmp_path))
    quality_l2 = _register(tmp_path, tiny_onnx, "layer_2")  # no tier in the card: its layer's
    fast_l2 = _register(tmp_path, tiny_onnx, "layer_2", tier="fast")
    fast_l1 = _register(tmp_path, tiny_onnx, "layer_1")
    assert [registry.get(v).tier for v in (quality_l2, fast_l2, fast_l1)] == ["quality", "fast", "fast"]
    assert registry.tier_current("fast") is None and registry.tier_current("quality") is None
    registry.promote(fast_l2)
    assert registry.tier_current_name("fast") == fast_l2 and registry.current_name("layer_2") == fast_l2
    assert registry.tier_current("quality") is None  # promoting a fast layer-2 version leaves quality alone
    registry.promote(quality_l2)
    assert registry.tier_current_name("quality") == quality_l2 and registry.current_name("layer_2") == quality_l2
    assert registry.tier_current_name("fast") == fast_l2  # still the fast tier's, though no longer its layer's
    with pytest.raises(FailedPrecondition, match="current model of the fast tier"):
        registry.delete(fast_l2)
    registry.promote(fast_l1)
    assert registry.tier_current_name("fast") == fast_l1 and registry.current_name("layer_2") == quality_l2
    registry.delete(fast_l2)
    assert not synced("models/tiers/fast.json")  # the registry shares pointers itself; a sync never moves them
    assert synced(f"models/layer_1/{fast_l1}/card.json")


def test_tier_listed_and_restored_by_tier(
    backend: Backend, client: Connection, tiny_onnx: Path, tmp_path: Path
) -> None:
    root = backend.workspace.root
    fast_old = _register(root, tiny_onnx, "layer_1")
    fast_new = _register(root, tiny_onnx, "layer_1")
    quality = _register(root, tiny_onnx, "layer_2", tier="quality")
    source = tmp_path / "in"
    write_images(source, ["a.png"])

    def restore(out: str, **spec: object) -> jobs_pb2.Job:
        job = client.submit(
            jobs_pb2.JobSpec(
                restore_batch=batch_pb2.RestoreBatchSpec(input=str(source), out=str(tmp_path / out), **spec)  # type: ignore[arg-type]
            )
        )
        return wait_for_state(client, job.id)

    with pytest.raises(BackendError) as empty:
        restore("none", tier="fast")
    assert empty.value.code == "FAILED_PRECONDITION"
    assert "fast tier has no current version" in empty.value.message and "--tier fast" in empty.value.message
    assert [v.field for v in empty.value.violations] == ["spec.restore_batch.tier"]

    promoted = client.promote_model(fast_old)
    assert promoted.tier == "fast"
    client.promote_model(quality)
    listed = {m.version: m.tier for m in client.list_models(kind="restoration")}
    assert listed == {fast_old: "fast", fast_new: "fast", quality: "quality"}

    by_tier = restore("fast", tier="FAST")
    assert by_tier.state == jobs_pb2.JOB_STATE_SUCCEEDED, by_tier.message
    assert by_tier.outputs["model"] == fast_old  # the promoted one, not the newest
    assert restore("quality", tier="quality").outputs["model"] == quality
    with pytest.raises(BackendError) as both:
        restore("both", tier="fast", model=fast_new)
    assert both.value.code == "INVALID_ARGUMENT"
    assert [v.field for v in both.value.violations] == ["spec.restore_batch.tier"]

    start = batch_pb2.RestoreStreamStart(tier="quality")
    ready = next(iter(client.restore_stream(start, iter([]))))
    assert ready.ready.model == quality
    client.delete_model(fast_new)  # not a current: deleted
    with pytest.raises(BackendError) as current:
        client.delete_model(quality)
    assert current.value.code == "FAILED_PRECONDITION"
