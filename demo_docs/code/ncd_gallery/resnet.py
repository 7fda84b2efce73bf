"""Gallery code for figure 26 (paper section 3.4): the identity ResNet with
full pre-activation (He et al., 2016), ``b 3 h w -> b y``.

Gallery stage.  Every fence of the figure is a module: ``NormActivate``
(BatchNorm & activate), ``ResidualUnit`` (the residual component), ``Block(s,
N, n0, n1)`` (the configured component, ``nb = n1/4`` in the legend).
Corrected against the paper's cell: a Block holds exactly N residual units,
each a distinct module with its own weights (the cell repeats one module
object with ``[...] * N``, so its units share weights, and adds a first unit,
N+1 in all).
"""
from __future__ import annotations

from torch import Tensor, nn

__all__ = ["NormActivate", "ResidualUnit", "Block", "IdentityResNet"]


class NormActivate(nn.Sequential):
    """BatchNorm over the channels, then ReLU: ``b n h w -> b n h w``."""

    def __init__(self, n: int):
        super().__init__(nn.BatchNorm2d(n), nn.ReLU())


class ResidualUnit(nn.Module):
    """One full pre-activation bottleneck unit, ``b n0 h w -> b n1 h/s w/s``.

    The residual branch is 1x1 (stride s) -> NA -> 3x3 -> NA -> 1x1, after
    the unit's own pre-activation NA.  The first unit of a Block (``project``)
    has a learned 1x1 convolution (stride s) of the pre-activated input as its
    shortcut, as in the figure; the others add their input unchanged.
    """

    def __init__(self, n0: int, n1: int, s: int = 1, project: bool | None = None):
        super().__init__()
        nb = n1 // 4
        self.preact = NormActivate(n0)
        self.residual = nn.Sequential(
            nn.Conv2d(n0, nb, 1, stride=s),
            NormActivate(nb),
            nn.Conv2d(nb, nb, 3, padding=1),
            NormActivate(nb),
            nn.Conv2d(nb, n1, 1),
        )
        self.projects = (s != 1 or n0 != n1) if project is None else project
        if not self.projects and (s != 1 or n0 != n1):
            raise ValueError("an identity shortcut needs s = 1 and n0 = n1")
        self.shortcut = nn.Conv2d(n0, n1, 1, stride=s) if self.projects else nn.Identity()

    def forward(self, x: Tensor) -> Tensor:
        a = self.preact(x)
        return self.residual(a) + (self.shortcut(a) if self.projects else x)


class Block(nn.Module):
    """``Block(s, N)``: N distinct residual units, the first with stride s and
    ``n0 -> n1`` channels, the rest ``n1 -> n1``."""

    def __init__(self, s: int, N: int, n0: int, n1: int):
        super().__init__()
        if N < 1:
            raise ValueError("a Block needs at least one residual unit")
        self.units = nn.ModuleList(
            [ResidualUnit(n0, n1, s, project=True)]
            + [ResidualUnit(n1, n1, 1, project=False) for _ in range(N - 1)]
        )

    def forward(self, x: Tensor) -> Tensor:
        for unit in self.units:
            x = unit(x)
        return x


class IdentityResNet(nn.Module):
    """Figure 26: conv 3x3 (3 -> n0), three Blocks, NA, average pool, L+, SoftMax."""

    def __init__(self, N: int = 3, n: tuple[int, int, int, int] = (16, 64, 128, 256), y: int = 10):
        super().__init__()
        self.stem = nn.Conv2d(3, n[0], 3, padding=1)
        self.blocks = nn.Sequential(
            Block(1, N, n[0], n[1]),
            Block(2, N, n[1], n[2]),
            Block(2, N, n[2], n[3]),
        )
        self.head = nn.Sequential(
            NormActivate(n[3]),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(start_dim=-3),
            nn.Linear(n[3], y),
            nn.Softmax(dim=-1),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.blocks(self.stem(x)))
