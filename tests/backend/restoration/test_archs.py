"""The restoration networks: presets, shapes on any size, residual identity, learning, config round-trip."""

from __future__ import annotations

import json

import pytest
import torch
from torch import nn

from backend.restoration.archs import (
    PRESETS,
    NetworkConfig,
    build_network,
    config_from_dict,
    config_to_dict,
    count_parameters,
    preset_for,
)
from backend.restoration.losses import build_loss
from omni_core.errors import InvalidArgument

TINY = ["layer1-tiny", "layer2-tiny"]


@pytest.fixture(autouse=True)
def _seed() -> None:
    torch.manual_seed(0)


def test_presets_cover_both_layers_and_four_sizes() -> None:
    assert set(PRESETS) == {f"layer{layer}-{size}" for layer in (1, 2) for size in ("tiny", "mini", "small", "base")}
    for name, config in PRESETS.items():
        assert config.preset == name
        assert config.arch == ("layer1" if name.startswith("layer1") else "restormer")


def test_parameter_counts_per_preset() -> None:
    counts = {name: count_parameters(build_network(config)) for name, config in PRESETS.items()}
    assert 15_000 <= counts["layer2-tiny"] <= 40_000  # the first system's model had about 25k
    assert counts["layer2-base"] > 1_000_000
    for layer in (1, 2):
        sizes = [counts[f"layer{layer}-{size}"] for size in ("tiny", "mini", "small", "base")]
        assert sizes == sorted(set(sizes)), sizes


def test_reference_restormer_size() -> None:
    """The paper's configuration gives the paper's 26.1M parameters: the blocks are the real ones."""
    config = NetworkConfig(arch="restormer", width=48, num_blocks=(4, 6, 6, 8), heads=(1, 2, 4, 8), refinement_blocks=4)
    assert count_parameters(build_network(config)) == 26_126_644


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_forward_on_odd_sizes_keeps_the_shape(name: str) -> None:
    model = build_network(PRESETS[name]).eval()
    with torch.no_grad():
        for shape in [(1, 3, 37, 53), (2, 3, 16, 9)]:
            out = model(torch.rand(shape))
            assert out.shape == shape
            assert out.dtype == torch.float32
            assert torch.isfinite(out).all()


@pytest.mark.parametrize("name", TINY)
def test_inputs_smaller_than_the_padding_still_work_in_eager_mode(name: str) -> None:
    model = build_network(PRESETS[name]).eval()
    with torch.no_grad():
        assert model(torch.rand(1, 3, 3, 2)).shape == (1, 3, 3, 2)


@pytest.mark.parametrize("name", TINY)
def test_zero_output_head_is_the_identity(name: str) -> None:
    model = build_network(PRESETS[name]).eval()
    output = model.output
    assert isinstance(output, nn.Conv2d)
    nn.init.zeros_(output.weight)
    if output.bias is not None:
        nn.init.zeros_(output.bias)
    x = torch.rand(2, 3, 29, 41)
    with torch.no_grad():
        assert torch.equal(model(x), x)


@pytest.mark.parametrize("name", TINY)
def test_a_few_steps_reduce_the_loss(name: str) -> None:
    model = build_network(PRESETS[name])
    clean = torch.rand(2, 3, 32, 32)
    degraded = (clean * 0.6 + 0.2 + 0.05 * torch.randn_like(clean)).clamp(0, 1)  # faded and noisy
    loss_fn = build_loss("charbonnier")
    optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)
    losses = []
    for _ in range(12):
        optimizer.zero_grad()
        loss = loss_fn(model(degraded), clean)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.8 * losses[0], losses


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_config_json_round_trip(name: str) -> None:
    config = PRESETS[name]
    data = json.loads(json.dumps(config_to_dict(config)))
    assert data["num_blocks"] == list(config.num_blocks)
    assert config_from_dict(data) == config
    rebuilt = build_network(config_from_dict(data))
    rebuilt.load_state_dict(build_network(config).state_dict())  # same modules, same shapes


def test_preset_for_maps_layers_to_archs() -> None:
    assert preset_for(1, "tiny") is PRESETS["layer1-tiny"]
    assert preset_for(2, "base").arch == "restormer"


@pytest.mark.parametrize(
    ("layer", "preset", "field"),
    [(2, "huge", "preset"), (2, "", "preset"), (3, "tiny", "layer"), (0, "tiny", "layer"), (True, "tiny", "layer")],
)
def test_preset_for_rejects_unknown_values_naming_the_field(layer: int, preset: str, field: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        preset_for(layer, preset)
    assert caught.value.field == field
    valid = "tiny, mini, small, base" if field == "preset" else "1, 2"
    assert valid in caught.value.message


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"arch": "unet"}, "arch"),
        ({"arch": "restormer", "width": 0}, "width"),
        ({"arch": "restormer", "num_blocks": []}, "num_blocks"),
        ({"arch": "restormer", "num_blocks": 3}, "num_blocks"),
        ({"arch": "restormer", "width": 8, "num_blocks": [1, 1], "heads": [1]}, "heads"),
        ({"arch": "restormer", "width": 6, "num_blocks": [1, 1], "heads": [4, 1]}, "heads"),
        ({"arch": "restormer", "width": 7, "num_blocks": [1, 1], "heads": [1, 1]}, "width"),
        ({"arch": "layer1", "ffn_expansion": float("nan")}, "ffn_expansion"),
        ({"arch": "layer1", "depth": 3}, "network"),
        ({"width": 8}, "arch"),
    ],
)
def test_bad_configs_name_the_field(data: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        build_network(config_from_dict(data))
    assert caught.value.field == field


def test_channel_attention_starts_as_the_plain_block_and_only_where_asked() -> None:
    """layer1-base gates every block's features by their image mean; at initialisation the gate is 1, so the
    network computes what the same weights without it do, and older configs (no such key) build without it."""
    base = PRESETS["layer1-base"]
    assert base.channel_attention and not any(c.channel_attention for n, c in PRESETS.items() if n != "layer1-base")
    plain_config = config_from_dict({k: v for k, v in config_to_dict(base).items() if k != "channel_attention"})
    assert not plain_config.channel_attention
    gated, plain = build_network(base).eval(), build_network(plain_config).eval()
    missing = gated.load_state_dict(plain.state_dict(), strict=False).missing_keys
    assert missing and all(".attention.conv." in key for key in missing)
    x = torch.rand(1, 3, 40, 56)
    with torch.no_grad():
        torch.testing.assert_close(gated(x), plain(x))
        for name, parameter in gated.named_parameters():
            if ".attention.conv." in name:
                parameter.add_(0.5 * torch.randn_like(parameter))
        assert not torch.allclose(gated(x), plain(x), atol=1e-4)  # a trained gate does change the output
    with pytest.raises(InvalidArgument) as caught:
        config_from_dict({"arch": "layer1", "channel_attention": "yes"})
    assert caught.value.field == "channel_attention"
