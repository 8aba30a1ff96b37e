"""Layer 2: a Restormer-style encoder-decoder transformer (Zamir et al., CVPR 2022).

Attention runs across channels, not pixels (MDTA), so its cost grows linearly with the image area and
full-size validation images fit. Level ``i`` has ``width * 2**i`` channels, ``num_blocks[i]`` transformer
blocks and ``heads[i]`` heads; the last level is the bottleneck. As in the reference model, the
full-resolution decoder level keeps the concatenated ``2 * width`` channels (no 1x1 reduction there) and the
refinement blocks run at that width too.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from backend.restoration.archs.arch_util import pad_to_multiple


class LayerNorm2d(nn.Module):
    """LayerNorm over the channels of an NxCxHxW tensor, with a bias ("WithBias" in Restormer)."""

    def __init__(self, channels: int, eps: float = 1e-5) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(channels))
        self.bias = nn.Parameter(torch.zeros(channels))
        self.shape = (channels,)  # a constant, not x.shape[1]: the ONNX exporter needs it static
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # Normalising channels-last with the fused kernel is faster than mean/var over dim 1 on CPU,
        # and exports to one LayerNormalization node.
        y = F.layer_norm(x.permute(0, 2, 3, 1), self.shape, self.weight, self.bias, self.eps)
        return y.permute(0, 3, 1, 2)


class MDTA(nn.Module):
    """Multi-Dconv head transposed attention: a C/heads x C/heads attention map per head."""

    def __init__(self, channels: int, heads: int, bias: bool) -> None:
        super().__init__()
        self.heads = heads
        self.temperature = nn.Parameter(torch.ones(heads, 1, 1))
        self.qkv = nn.Conv2d(channels, channels * 3, 1, bias=bias)
        self.qkv_dwconv = nn.Conv2d(channels * 3, channels * 3, 3, padding=1, groups=channels * 3, bias=bias)
        self.project_out = nn.Conv2d(channels, channels, 1, bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, h, w = x.shape
        q, k, v = self.qkv_dwconv(self.qkv(x)).chunk(3, dim=1)
        q = F.normalize(q.reshape(b, self.heads, c // self.heads, -1), dim=-1)
        k = F.normalize(k.reshape(b, self.heads, c // self.heads, -1), dim=-1)
        v = v.reshape(b, self.heads, c // self.heads, -1)
        attn = (q @ k.transpose(-2, -1) * self.temperature).softmax(dim=-1)
        return self.project_out((attn @ v).reshape(b, c, h, w))


class GDFN(nn.Module):
    """Gated-Dconv feed-forward network: expand, depthwise 3x3, GELU(one half) x other half, project."""

    def __init__(self, channels: int, expansion: float, bias: bool) -> None:
        super().__init__()
        hidden = int(channels * expansion)
        self.project_in = nn.Conv2d(channels, hidden * 2, 1, bias=bias)
        self.dwconv = nn.Conv2d(hidden * 2, hidden * 2, 3, padding=1, groups=hidden * 2, bias=bias)
        self.project_out = nn.Conv2d(hidden, channels, 1, bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        gate, value = self.dwconv(self.project_in(x)).chunk(2, dim=1)
        return self.project_out(F.gelu(gate) * value)


class TransformerBlock(nn.Module):
    def __init__(self, channels: int, heads: int, expansion: float, bias: bool) -> None:
        super().__init__()
        self.norm1 = LayerNorm2d(channels)
        self.attn = MDTA(channels, heads, bias)
        self.norm2 = LayerNorm2d(channels)
        self.ffn = GDFN(channels, expansion, bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.norm1(x))
        return x + self.ffn(self.norm2(x))


def _stage(channels: int, count: int, heads: int, expansion: float, bias: bool) -> nn.Sequential:
    return nn.Sequential(*[TransformerBlock(channels, heads, expansion, bias) for _ in range(count)])


class Downsample(nn.Module):
    """Halve H and W, double C: conv3x3 to C/2 then pixel-unshuffle (x4 channels)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(channels, channels // 2, 3, padding=1, bias=False), nn.PixelUnshuffle(2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)


class Upsample(nn.Module):
    """Double H and W, halve C: conv3x3 to 2C then pixel-shuffle (/4 channels)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(channels, channels * 2, 3, padding=1, bias=False), nn.PixelShuffle(2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)


class Restormer(nn.Module):
    def __init__(
        self,
        in_channels: int = 3,
        out_channels: int = 3,
        width: int = 48,
        num_blocks: Sequence[int] = (4, 6, 6, 8),
        heads: Sequence[int] = (1, 2, 4, 8),
        ffn_expansion: float = 2.66,
        refinement_blocks: int = 4,
        bias: bool = False,
    ) -> None:
        super().__init__()
        levels = len(num_blocks)
        if len(heads) != levels:
            raise ValueError(f"heads has {len(heads)} entries for {levels} levels")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.multiple = 2 ** (levels - 1)
        channels = [width * 2**i for i in range(levels)]
        self.patch_embed = nn.Conv2d(in_channels, width, 3, padding=1, bias=bias)
        self.encoders = nn.ModuleList(
            _stage(channels[i], num_blocks[i], heads[i], ffn_expansion, bias) for i in range(levels - 1)
        )
        self.downs = nn.ModuleList(Downsample(channels[i]) for i in range(levels - 1))
        self.latent = _stage(channels[-1], num_blocks[-1], heads[-1], ffn_expansion, bias)
        self.ups = nn.ModuleList(Upsample(channels[i + 1]) for i in range(levels - 1))
        # Level 0 keeps the concatenation (2 * width channels); deeper levels reduce it back with a 1x1 conv.
        self.reduces = nn.ModuleList(
            nn.Conv2d(channels[i] * 2, channels[i], 1, bias=bias) if i else nn.Identity() for i in range(levels - 1)
        )
        decoder_channels = [channels[i] * 2 if i == 0 else channels[i] for i in range(levels - 1)]
        self.decoders = nn.ModuleList(
            _stage(decoder_channels[i], num_blocks[i], heads[i], ffn_expansion, bias) for i in range(levels - 1)
        )
        top = decoder_channels[0] if levels > 1 else width
        self.refinement = _stage(top, refinement_blocks, heads[0], ffn_expansion, bias)
        self.output = nn.Conv2d(top, out_channels, 3, padding=1, bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[-2:]
        feat = self.patch_embed(pad_to_multiple(x, self.multiple))
        skips = []
        for encoder, down in zip(self.encoders, self.downs, strict=True):
            feat = encoder(feat)
            skips.append(feat)
            feat = down(feat)
        feat = self.latent(feat)
        for i in reversed(range(len(self.decoders))):
            feat = torch.cat([self.ups[i](feat), skips[i]], dim=1)
            feat = self.decoders[i](self.reduces[i](feat))
        out = self.output(self.refinement(feat))[:, :, :h, :w]
        if self.in_channels == self.out_channels:
            out = out + x
        return out
