"""Layer 1: a small convolutional U-Net with residual blocks and a global residual, the quick baseline.

Levels halve the resolution with a 2x2 stride-2 convolution and double the channels; the decoder comes
back with a 2x2 transposed convolution and adds the encoder's features (additive skips keep it cheap).
The network predicts a correction: ``output = input + f(input)``.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from backend.restoration.archs.arch_util import pad_to_multiple


class ChannelAttention(nn.Module):
    """Features scaled per channel by a gate (0..2) computed from their mean over the image: the one place the
    network sees the whole image (or tile) at once, e.g. how far a faded print's blacks are lifted. Squeeze-
    and-excitation's idea (RCAN's channel attention) with NAFNet's single 1x1 convolution; the gate starts at
    1, so a new block starts as the plain one."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.conv = nn.Conv2d(channels, channels, 1)
        nn.init.zeros_(self.conv.weight)
        assert self.conv.bias is not None
        nn.init.zeros_(self.conv.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * (2 * torch.sigmoid(self.conv(self.pool(x))))


class ResBlock(nn.Module):
    """conv3x3 -> ReLU -> [channel attention] -> conv3x3, added to the input."""

    def __init__(self, channels: int, bias: bool = True, attention: bool = False) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1, bias=bias)
        self.act = nn.ReLU(inplace=True)
        self.attention: nn.Module = ChannelAttention(channels) if attention else nn.Identity()
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv2(self.attention(self.act(self.conv1(x))))


def _blocks(channels: int, count: int, bias: bool, attention: bool) -> nn.Sequential:
    return nn.Sequential(*[ResBlock(channels, bias, attention) for _ in range(count)])


class Layer1Net(nn.Module):
    """``num_blocks[i]`` residual blocks per encoder and decoder level ``i``; the last entry is the bottleneck.
    ``channel_attention`` puts a :class:`ChannelAttention` in every block."""

    def __init__(
        self,
        in_channels: int = 3,
        out_channels: int = 3,
        width: int = 16,
        num_blocks: Sequence[int] = (1, 1, 2),
        bias: bool = True,
        channel_attention: bool = False,
    ) -> None:
        super().__init__()
        levels = len(num_blocks)
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.multiple = 2 ** (levels - 1)
        channels = [width * 2**i for i in range(levels)]
        self.head = nn.Conv2d(in_channels, width, 3, padding=1, bias=bias)
        self.encoders = nn.ModuleList(
            _blocks(channels[i], num_blocks[i], bias, channel_attention) for i in range(levels - 1)
        )
        self.downs = nn.ModuleList(
            nn.Conv2d(channels[i], channels[i + 1], 2, stride=2, bias=bias) for i in range(levels - 1)
        )
        self.bottleneck = _blocks(channels[-1], num_blocks[-1], bias, channel_attention)
        self.ups = nn.ModuleList(
            nn.ConvTranspose2d(channels[i + 1], channels[i], 2, stride=2, bias=bias) for i in range(levels - 1)
        )
        self.decoders = nn.ModuleList(
            _blocks(channels[i], num_blocks[i], bias, channel_attention) for i in range(levels - 1)
        )
        self.output = nn.Conv2d(width, out_channels, 3, padding=1, bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[-2:]
        padded = pad_to_multiple(x, self.multiple)
        feat = self.head(padded)
        skips = []
        for encoder, down in zip(self.encoders, self.downs, strict=True):
            feat = encoder(feat)
            skips.append(feat)
            feat = down(feat)
        feat = self.bottleneck(feat)
        for i in reversed(range(len(self.decoders))):
            feat = self.decoders[i](self.ups[i](feat) + skips[i])
        out = self.output(feat)[:, :, :h, :w]
        if self.in_channels == self.out_channels:
            out = out + x
        return out
