"""Gallery code for figure 27 (paper section 3.4): the U-Net (Ronneberger et
al., 2015), with padded 3x3 convolutions as the figure's caption says.

Gallery stage.  ``b c0 X -> b y X`` (or without the batch axis) for an image
whose side is divisible by 2^depth.  Channel sizes ``c_1 .. c_{depth+1}``
double at each level from ``c1``.  The down path saves each level's double
convolution to memory (C_λ) before pooling; the up path upsamples with a
transposed convolution, loads the saved tensor of the same level, concatenates
the two over the channel axis and runs a double convolution; a 1x1
convolution gives the ``y`` classes.

Corrected against the paper's cell: the second convolution of a double
convolution maps c1 -> c1; blocks live in ``nn.ModuleList`` so their weights
are registered; concatenation is ``torch.cat((x, saved), dim=...)``; pooling
and the transposed convolutions have no padding, so the loaded and upsampled
tensors have the same size; the final convolution has its kernel size; every
saved level is loaded back; ``forward`` returns its result.
"""
from __future__ import annotations

import torch
from torch import Tensor, nn

__all__ = ["DoubleConvolution", "DownScaleBlock", "UpScaleBlock", "UNet", "channel_sizes"]


def channel_sizes(c0: int = 1, c1: int = 64, depth: int = 4) -> list[int]:
    """``[c_0, c_1, ..., c_{depth+1}]``: ``c0``, then ``c1`` doubling at each level."""
    return [c0] + [c1 * 2 ** i for i in range(depth + 1)]


class DoubleConvolution(nn.Sequential):
    """``c0 X -> c1 X``: conv 3x3 (c0 -> c1), ReLU, conv 3x3 (c1 -> c1), ReLU."""

    def __init__(self, c0: int, c1: int):
        super().__init__(
            nn.Conv2d(c0, c1, 3, padding=1), nn.ReLU(),
            nn.Conv2d(c1, c1, 3, padding=1), nn.ReLU(),
        )


class DownScaleBlock(nn.Module):
    """``c0 X -> c1 X/2``, also returning the saved ``c1 X`` (C_λ):
    double convolution, save, max pool (kernel 2, stride 2)."""

    def __init__(self, c0: int, c1: int):
        super().__init__()
        self.conv = DoubleConvolution(c0, c1)
        self.pool = nn.MaxPool2d(2, 2)

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        saved = self.conv(x)
        return self.pool(saved), saved


class UpScaleBlock(nn.Module):
    """``c1 X, loaded c0 2X -> c0 2X``: transposed convolution (c1 -> c0, kernel 2,
    stride 2), concatenate with the loaded tensor over the channels (2 c0),
    double convolution 2 c0 -> c0."""

    def __init__(self, c1: int, c0: int):
        super().__init__()
        self.up = nn.ConvTranspose2d(c1, c0, 2, stride=2)
        self.conv = DoubleConvolution(2 * c0, c0)

    def forward(self, x: Tensor, saved: Tensor) -> Tensor:
        x = self.up(x)
        return self.conv(torch.cat((x, saved), dim=-3))


class UNet(nn.Module):
    """Figure 27: ``forward(x: b c0 X) -> b y X``."""

    def __init__(self, c0: int = 1, y: int = 2, c1: int = 64, depth: int = 4):
        super().__init__()
        c = channel_sizes(c0, c1, depth)
        self.down = nn.ModuleList(DownScaleBlock(c[i], c[i + 1]) for i in range(depth))
        self.middle = DoubleConvolution(c[depth], c[depth + 1])
        self.up = nn.ModuleList(UpScaleBlock(c[depth + 1 - i], c[depth - i]) for i in range(depth))
        self.final = nn.Conv2d(c[1], y, 1)

    def forward(self, x: Tensor) -> Tensor:
        memory: list[Tensor] = []
        for block in self.down:            # save to C_λ, λ = 0 .. depth-1
            x, saved = block(x)
            memory.append(saved)
        x = self.middle(x)
        for block in self.up:              # load C_{depth-λ}, λ = 1 .. depth
            x = block(x, memory.pop())
        return self.final(x)
