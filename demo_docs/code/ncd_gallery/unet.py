"""Gallery code for figure 27 (paper section 3.4): the U-Net (Ronneberger et
al., 2015), with padded 3x3 convolutions as the figure's caption says.

Gallery stage.  ``b c0 X -> b y X`` for an image whose side is divisible by
16.  The down path saves each double convolution's output to memory (C_λ,
λ = 1..4) before pooling; the up path loads C_{5-λ} and concatenates it with
the upsampled data over the channel axis.  Corrected against the paper's
cell: the second convolution of a double convolution maps c1 -> c1; blocks
live in ``nn.ModuleList`` so their weights are registered; concatenation is
``torch.cat((x, saved), dim=1)``; pooling and the transposed convolutions
have no padding, so the sizes of the loaded and upsampled tensors match;
``forward`` returns its result.
"""
from __future__ import annotations

import torch
from torch import Tensor, nn

__all__ = ["DoubleConvolution", "DownBlock", "UpBlock", "UNet", "channel_sizes"]


def channel_sizes(c0: int = 1, base: int = 64, depth: int = 4) -> list[int]:
    """``[c0, base, 2 base, ..., 2^depth base]``: c_0 .. c_{depth+1}."""
    return [c0] + [base * 2 ** i for i in range(depth + 1)]


class DoubleConvolution(nn.Sequential):
    """``b c0 X -> b c1 X``: conv 3x3 (c0 -> c1), ReLU, conv 3x3 (c1 -> c1), ReLU."""

    def __init__(self, c0: int, c1: int):
        super().__init__(
            nn.Conv2d(c0, c1, 3, padding=1), nn.ReLU(),
            nn.Conv2d(c1, c1, 3, padding=1), nn.ReLU(),
        )


class DownBlock(nn.Module):
    """``b c0 X -> (b c1 X/2, saved b c1 X)``: double convolution, save, max pool."""

    def __init__(self, c0: int, c1: int):
        super().__init__()
        self.conv = DoubleConvolution(c0, c1)
        self.pool = nn.MaxPool2d(2, 2)

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        saved = self.conv(x)
        return self.pool(saved), saved


class UpBlock(nn.Module):
    """``b c1 X, saved b c0 2X -> b c0 2X``: transposed conv (c1 -> c0, kernel 2,
    stride 2), concatenate with the saved tensor (2 c0 = c1 channels), double
    convolution c1 -> c0."""

    def __init__(self, c1: int, c0: int):
        super().__init__()
        self.up = nn.ConvTranspose2d(c1, c0, 2, stride=2)
        self.conv = DoubleConvolution(2 * c0, c0)

    def forward(self, x: Tensor, saved: Tensor) -> Tensor:
        x = self.up(x)
        return self.conv(torch.cat((x, saved), dim=-3))


class UNet(nn.Module):
    """Figure 27: four down blocks, a middle double convolution, four up blocks,
    and a final 1x1 convolution to ``y`` classes."""

    def __init__(self, c0: int = 1, y: int = 2, base: int = 64, depth: int = 4):
        super().__init__()
        c = channel_sizes(c0, base, depth)
        self.depth = depth
        self.down = nn.ModuleList(DownBlock(c[i], c[i + 1]) for i in range(depth))
        self.middle = DoubleConvolution(c[depth], c[depth + 1])
        self.up = nn.ModuleList(UpBlock(c[depth + 1 - i], c[depth - i]) for i in range(depth))
        self.final = nn.Conv2d(c[1], y, 1)

    def forward(self, x: Tensor) -> Tensor:
        memory: list[Tensor] = []
        for block in self.down:            # λ = 1..depth: save to C_λ
            x, saved = block(x)
            memory.append(saved)
        x = self.middle(x)
        for block in self.up:              # λ = 1..depth: load C_{depth+1-λ}
            x = block(x, memory.pop())
        return self.final(x)
