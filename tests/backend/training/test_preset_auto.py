"""``--preset auto``: the fast tier's network chosen by measuring this CPU, recorded in the report and the card."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from backend.restoration import preset_choice
from backend.restoration.archs import NetworkConfig, build_network, config_to_dict, preset_for
from backend.restoration.checkpoints import save_checkpoint
from backend.restoration.export import export_onnx
from backend.restoration.params import TrainRestorationParams, validate_train_params
from backend.restoration.run import network_for, run_training
from backend.restoration.speed import measure_speed
from backend.storage import LocalStore
from omni_core.errors import InvalidArgument
from tests.backend.synthetic.conftest import RecordingContext
from tests.backend.training.test_failures import _MetricContext, _pairs


def _speeds(table: dict[str, float]) -> preset_choice.Measure:
    """Measurements as a CPU would give them, by preset name."""
    return lambda config: table[config.preset.removeprefix("layer1-")]


def test_the_most_capable_network_that_reaches_the_floor_is_taken() -> None:
    choice = preset_choice.choose_fast_preset(_speeds({"base": 0.3, "small": 1.9, "mini": 3.4, "tiny": 4.1}), 3.0)
    assert choice.preset == "mini" and choice.reached
    assert list(choice.measured) == ["base", "small", "mini"]  # tiny need not be measured
    assert "mini" in choice.describe() and "small 1.90" in choice.describe()


def test_a_cpu_too_slow_for_every_network_gets_the_fastest_and_says_so() -> None:
    choice = preset_choice.choose_fast_preset(_speeds({"base": 0.1, "small": 0.5, "mini": 1.2, "tiny": 1.5}), 3.0)
    assert choice.preset == "tiny" and not choice.reached
    assert list(choice.measured) == ["base", "small", "mini", "tiny"]
    assert "no layer-1 network reaches 3 MP/s" in choice.describe()


def test_a_clearly_slow_network_is_not_run_again(tmp_path: Path) -> None:
    onnx = export_onnx(build_network(preset_for(1, "tiny")), tmp_path / "m.onnx", check_sizes=[(32, 32)]).path
    quick = measure_speed(onnx, side=256, runs=3, cpu_only=True, enough_below=1e9)
    assert quick["runs"] == 0 and quick["mp_per_s"] > 0 and quick["provider"] == "CPUExecutionProvider"
    full = measure_speed(onnx, side=256, runs=3, cpu_only=True, parallel=False)
    assert full["runs"] == 3 and full["mp_per_s"] > 0 and "parallel_mp_per_s" not in full


def test_a_cpu_with_several_cores_also_gets_the_speed_of_one_call_per_core(tmp_path: Path) -> None:
    from backend.inference.engine import machine_cores
    from backend.reports.text import speed_lines

    onnx = export_onnx(build_network(preset_for(1, "tiny")), tmp_path / "m.onnx", check_sizes=[(32, 32)]).path
    speed = measure_speed(onnx, side=256, runs=2, cpu_only=True)
    if machine_cores() == 1:
        assert "parallel_mp_per_s" not in speed  # nothing to run at once
        return
    assert speed["streams"] == machine_cores() and speed["parallel_mp_per_s"] > 0
    lines = speed_lines({"tier": "fast", "speed": speed})
    assert lines[1].strip() == (
        f"{speed['parallel_mp_per_s']:.2f} MP/s with {machine_cores()} single-threaded calls at once, "
        "as omni restore runs on this CPU"
    )


@pytest.mark.parametrize(("layer", "tier"), [(2, ""), (1, "quality"), (2, "fast")])
def test_auto_is_refused_where_no_speed_is_to_be_reached(layer: int, tier: str, tmp_path: Path) -> None:
    params = TrainRestorationParams(data=str(_pairs(tmp_path / "d")), layer=layer, preset="auto", tier=tier)
    with pytest.raises(InvalidArgument) as caught:
        validate_train_params(params)
    assert caught.value.field == "preset" and "fast tier" in str(caught.value)


def test_auto_training_measures_this_cpu_and_records_the_choice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(preset_choice, "FAST_CANDIDATES", ("tiny",))  # the others take seconds each to measure
    store = LocalStore(tmp_path / "ws")
    (tmp_path / "scratch").mkdir()
    ctx = _MetricContext(
        scratch_dir=tmp_path / "scratch", store=store, workspace_root=tmp_path / "ws", job_id="train_restoration_auto"
    )
    params = validate_train_params(
        TrainRestorationParams(
            data=str(_pairs(tmp_path / "data")),
            layer=1,
            preset="auto",
            epochs=1,
            batch_size=2,
            patch=16,
            val_split=0.25,
            device="cpu",
            num_workers=-1,
        )
    )
    version = run_training(params, ctx)["model_version"]
    report = json.loads(store.get_bytes("training-outputs/reports/train_restoration_auto/report.json"))
    choice = report["preset_choice"]
    assert choice["preset"] == "tiny" and choice["measured"]["tiny"] > 0
    assert choice["floor_mp_per_s"] == 3.0 and choice["reached"] == (choice["measured"]["tiny"] >= 3.0)
    card = json.loads(store.get_bytes(f"models/layer_1/{version}/card.json"))
    assert card["preset"] == "layer1-tiny" and card["tier"] == "fast"
    assert any(message.startswith("preset auto:") for _, message in ctx.logs)


def test_a_resumed_auto_run_keeps_its_checkpoints_network(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "ws")
    (tmp_path / "scratch").mkdir()
    small: NetworkConfig = preset_for(1, "small")
    save_checkpoint(store, "train_restoration_first", tmp_path / "scratch", {"config": config_to_dict(small)})
    ctx = RecordingContext(scratch_dir=tmp_path / "scratch", store=store, resumed_from="train_restoration_first")
    report: dict[str, object] = {}
    params = TrainRestorationParams(data="d", layer=1, preset="auto", tier="fast")
    assert network_for(params, ctx, report) == small
    assert "preset_choice" not in report  # nothing measured: a second measurement may choose another network


def test_a_resumed_run_keeps_the_network_its_checkpoint_has_when_the_preset_changed(tmp_path: Path) -> None:
    """A run that started before layer1-base gained channel attention resumes as the network it was."""
    import dataclasses

    store = LocalStore(tmp_path / "ws")
    (tmp_path / "scratch").mkdir()
    before = dataclasses.replace(preset_for(1, "base"), channel_attention=False)
    assert before != preset_for(1, "base")
    save_checkpoint(store, "train_restoration_first", tmp_path / "scratch", {"config": config_to_dict(before)})
    ctx = RecordingContext(scratch_dir=tmp_path / "scratch", store=store, resumed_from="train_restoration_first")
    assert network_for(TrainRestorationParams(data="d", layer=1, preset="base"), ctx, {}) == before
