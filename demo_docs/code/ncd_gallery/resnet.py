"""Gallery code for figure 26 (paper section 3.4): the identity ResNet with
full pre-activation (He et al., 2016), ``b 3 Y -> b y`` for images ``Y``.

Gallery stage.  Every fence of the figure is a module, so the figure's
bindings name real submodules: ``NormActivate`` (BatchNorm & activate),
``ResidualConnection`` (a residual component ``main`` beside a
``secondary`` path: identity, or the learned 1x1 shortcut), ``Block(s, N, n0,
n1)`` (the configured component, ``nb = n1/4`` in the legend).

Corrected against the paper's cell: a Block holds exactly N residual units,
each a distinct module with its own weights, in an ``nn.ModuleList``: the first
(stride s, ``n0 -> n1``, after the shared pre-activation, with the learned
shortcut) and N-1 identity units, so the figure's bindings reach every
iteration's modules (``units.\\iter.main.1``).  The cell repeats one module
object with ``[...] * N``, so its units share weights, and adds them after the
first unit, N+1 in all.
"""
from __future__ import annotations

from torch import Tensor, nn

__all__ = ["NormActivate", "ResidualConnection", "Block", "IdentityResNet"]


class NormActivate(nn.Sequential):
    """BatchNorm over the channels, then ReLU: ``b n Y -> b n Y``."""

    def __init__(self, n: int):
        super().__init__(nn.BatchNorm2d(n), nn.ReLU())


class ResidualConnection(nn.Module):
    """``main(x) + secondary(x)``; ``secondary`` is the identity unless given."""

    def __init__(self, main: nn.Module, secondary: nn.Module | None = None):
        super().__init__()
        self.main = main
        self.secondary = secondary if secondary is not None else nn.Identity()

    def forward(self, x: Tensor) -> Tensor:
        return self.main(x) + self.secondary(x)


def _bottleneck(n0: int, nb: int, n1: int, s: int = 1, preactivate: bool = True) -> nn.Sequential:
    """(NA) 1x1 (stride s) -> NA -> 3x3 -> NA -> 1x1: the residual component."""
    layers = [NormActivate(n0)] if preactivate else []
    layers += [
        nn.Conv2d(n0, nb, 1, stride=s),
        NormActivate(nb),
        nn.Conv2d(nb, nb, 3, padding=1),
        NormActivate(nb),
        nn.Conv2d(nb, n1, 1),
    ]
    return nn.Sequential(*layers)


class Block(nn.Module):
    """``Block(s, N)``: ``b n0 Y -> b n1 Y/s`` with exactly N residual units.

    ``preactivate``: the pre-activation shared by the first unit's two paths;
    ``units``: the N residual units, an ``nn.ModuleList`` (stable paths, as in
    torchvision's ResNet stages): ``units[0]`` the first (learned 1x1 shortcut
    with stride s), ``units[1..N-1]`` the N-1 identity units, each with its own
    weights.
    """

    def __init__(self, s: int, N: int, n0: int, n1: int):
        if N < 1:
            raise ValueError("a Block needs at least one residual unit")
        super().__init__()
        nb = n1 // 4
        self.preactivate = NormActivate(n0)
        first = ResidualConnection(_bottleneck(n0, nb, n1, s, preactivate=False), nn.Conv2d(n0, n1, 1, stride=s))
        self.units = nn.ModuleList([first] + [ResidualConnection(_bottleneck(n1, nb, n1)) for _ in range(N - 1)])

    def forward(self, x: Tensor) -> Tensor:
        x = self.preactivate(x)
        for unit in self.units:
            x = unit(x)
        return x


class IdentityResNet(nn.Sequential):
    """Figure 26: conv 3x3 (3 -> n0), Block(1, N), Block(2, N), Block(2, N),
    BatchNorm & activate, average pool, flatten, L+ to y classes, SoftMax."""

    def __init__(self, N: int = 3, n: tuple[int, int, int, int] = (16, 64, 128, 256), y: int = 10):
        super().__init__(
            nn.Conv2d(3, n[0], 3, padding=1),
            Block(1, N, n[0], n[1]),
            Block(2, N, n[1], n[2]),
            Block(2, N, n[2], n[3]),
            NormActivate(n[3]),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(start_dim=-3),
            nn.Linear(n[3], y),
            nn.Softmax(dim=-1),
        )
