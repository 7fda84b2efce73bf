"""Gallery code for figure 27 (paper section 3.4): the U-Net (Ronneberger et
al., 2015), with padded 3x3 convolutions as the figure's caption says.

Gallery stage.  ``c0 X -> y X`` (a leading batch axis is allowed) for an
image whose side is divisible by 2^depth.  Channel sizes follow the figure's
legend, ``c_i = 64 * 2^i`` for i >= 1.  The blocks follow the figure: the
down-scale block (double convolution, save to C_λ, max pool), the middle
double convolution with its transposed convolution, the up-scale block
(load C_{5-λ}, concatenate over the channels, double convolution,
transposed convolution), and the final stage.

Corrected against the paper's cell: the second convolution of a double
convolution maps c1 -> c1; blocks live in ``nn.ModuleList`` so their weights
are registered; concatenation is ``torch.cat((x, saved), dim=...)``; pooling
and the transposed convolutions have no padding, so the loaded and upsampled
tensors have the same size; ``forward`` returns its result.  The final stage
also loads C_1 (concatenate, double convolution) before the 1x1 convolution,
as in the original U-Net: the paper's figure saves C_1 but never loads it.
"""
from __future__ import annotations

import torch
from torch import Tensor, nn

__all__ = ["DoubleConvolution", "DownScaleBlock", "UpScaleBlock", "FinalBlock", "UNet", "channel_sizes"]


def channel_sizes(c0: int = 1, base: int = 64, depth: int = 4) -> list[int]:
    """``c_0 .. c_{depth+1}``: ``c0``, then ``base * 2^i`` (the figure's legend)."""
    return [c0] + [base * 2 ** i for i in range(1, depth + 2)]


class DoubleConvolution(nn.Sequential):
    """``c0 X -> c1 X``: conv 3x3 (c0 -> c1), ReLU, conv 3x3 (c1 -> c1), ReLU."""

    def __init__(self, c0: int, c1: int):
        super().__init__(
            nn.Conv2d(c0, c1, 3, padding=1), nn.ReLU(),
            nn.Conv2d(c1, c1, 3, padding=1), nn.ReLU(),
        )


def _cat(x: Tensor, saved: Tensor) -> Tensor:
    """Concatenation over the channel axis (the figure's orange view bar)."""
    return torch.cat((x, saved), dim=-3)


class DownScaleBlock(nn.Module):
    """``c0 X -> c1 X/2``, saving ``c1 X`` (C_λ): double convolution, save, max pool."""

    def __init__(self, c0: int, c1: int):
        super().__init__()
        self.conv = DoubleConvolution(c0, c1)
        self.pool = nn.MaxPool2d(2, 2)

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        saved = self.conv(x)
        return self.pool(saved), saved


class UpScaleBlock(nn.Module):
    """``c X, loaded c X -> c/2 2X``: concatenate (2c channels), double
    convolution 2c -> c, transposed convolution c -> c/2 (kernel 2, stride 2)."""

    def __init__(self, c: int, c_next: int):
        super().__init__()
        self.conv = DoubleConvolution(2 * c, c)
        self.up = nn.ConvTranspose2d(c, c_next, 2, stride=2)

    def forward(self, x: Tensor, saved: Tensor) -> Tensor:
        return self.up(self.conv(_cat(x, saved)))


class FinalBlock(nn.Module):
    """``c1 X, loaded c1 X -> y X``: concatenate, double convolution, 1x1 convolution."""

    def __init__(self, c1: int, y: int):
        super().__init__()
        self.conv = DoubleConvolution(2 * c1, c1)
        self.out = nn.Conv2d(c1, y, 1)

    def forward(self, x: Tensor, saved: Tensor) -> Tensor:
        return self.out(self.conv(_cat(x, saved)))


class UNet(nn.Module):
    """Figure 27: ``forward(x: c0 X) -> y X``."""

    def __init__(self, c0: int = 1, y: int = 2, base: int = 64, depth: int = 4):
        super().__init__()
        c = channel_sizes(c0, base, depth)
        self.down = nn.ModuleList(DownScaleBlock(c[i], c[i + 1]) for i in range(depth))
        self.middle = DoubleConvolution(c[depth], c[depth + 1])
        self.middle_up = nn.ConvTranspose2d(c[depth + 1], c[depth], 2, stride=2)
        self.up = nn.ModuleList(UpScaleBlock(c[depth - i], c[depth - i - 1]) for i in range(depth - 1))
        self.final = FinalBlock(c[1], y)

    def forward(self, x: Tensor) -> Tensor:
        memory: list[Tensor] = []
        for block in self.down:            # λ = 1..depth: save to C_λ
            x, saved = block(x)
            memory.append(saved)
        x = self.middle_up(self.middle(x))
        for block in self.up:              # λ = 1..depth-1: load C_{depth+1-λ}
            x = block(x, memory.pop())
        return self.final(x, memory.pop())
