"""A full pre-activation ResNet for the checker's tests (``b 3 Y -> b y``, Y a 2-D image axis)."""
import torch
from torch import nn


def norm_relu(c):
    return nn.Sequential(nn.BatchNorm2d(c), nn.ReLU())


class Unit(nn.Module):
    """Bottleneck residual unit: norm-relu-conv three times, plus a shortcut (projection when shapes change)."""

    def __init__(self, c_in, c_out, stride=1):
        super().__init__()
        mid = c_out // 4
        self.pre = norm_relu(c_in)
        self.body = nn.Sequential(
            nn.Conv2d(c_in, mid, 1, stride), norm_relu(mid),
            nn.Conv2d(mid, mid, 3, padding=1), norm_relu(mid),
            nn.Conv2d(mid, c_out, 1),
        )
        self.shortcut = nn.Conv2d(c_in, c_out, 1, stride) if (stride != 1 or c_in != c_out) else None

    def forward(self, x):
        p = self.pre(x)
        skip = x if self.shortcut is None else self.shortcut(p)
        return self.body(p) + skip


class Stage(nn.Sequential):
    """One projection unit (stride s), then N - 1 identity units, each with its own weights."""

    def __init__(self, c_in, c_out, stride, N):
        super().__init__(Unit(c_in, c_out, stride), *[Unit(c_out, c_out) for _ in range(N - 1)])


class IdentityResNet(nn.Module):
    def __init__(self, n=(16, 64, 128, 256), N=2, classes=10):
        super().__init__()
        self.stem = nn.Conv2d(3, n[0], 3, padding=1)
        self.stages = nn.Sequential(Stage(n[0], n[1], 1, N), Stage(n[1], n[2], 2, N), Stage(n[2], n[3], 2, N))
        self.final = norm_relu(n[3])
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classify = nn.Linear(n[3], classes)

    def forward(self, x):
        x = self.pool(self.final(self.stages(self.stem(x)))).flatten(1)
        return self.classify(x).softmax(dim=-1)
