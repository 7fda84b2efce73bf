"""Models for the checks of real architectures: sizes derived with let, fused projections, tuples, settings."""
import torch
from torch import nn


class MLP(nn.Module):
    def __init__(self, d, f):
        super().__init__()
        self.fc1 = nn.Linear(d, f)
        self.fc2 = nn.Linear(f, d)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


class Renamed(nn.Module):
    """An MLP whose constructor names its sizes otherwise than the diagram."""

    def __init__(self, width, hidden):
        super().__init__()
        self.fc1 = nn.Linear(width, hidden)
        self.fc2 = nn.Linear(hidden, width)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


class Heads(nn.Module):
    """A fused q, k, v projection split into heads of depth d/h."""

    def __init__(self, d, h):
        super().__init__()
        self.h = h
        self.qkv = nn.Linear(d, 3 * d)

    def forward(self, x):
        b, t, _ = x.shape
        return self.qkv(x).reshape(b, t, 3, self.h, -1)


class Fused(nn.Module):
    """Takes a head count the diagram never draws."""

    def __init__(self, d, n_head):
        super().__init__()
        self.n_head = n_head
        self.qkv = nn.Linear(d, 3 * d)

    def forward(self, x):
        return self.qkv(x)


class Outer(nn.Module):
    """An MLP block used by name inside a model: hidden width k·m."""

    def __init__(self, m, k):
        super().__init__()
        self.mlp = MLP(m, k * m)

    def forward(self, x):
        return self.mlp(x)


class Conv(nn.Module):
    def __init__(self, c, k, kernel=5, padding=2, stride=1, groups=1):
        super().__init__()
        self.c1 = nn.Conv2d(c, k, kernel, stride=stride, padding=padding, groups=groups)

    def forward(self, x):
        return self.c1(x)


class Normed(nn.Module):
    """A layer norm over the last axis (the diagram may say another)."""

    def __init__(self, a):
        super().__init__()
        self.ln = nn.LayerNorm(a)

    def forward(self, x):
        return self.ln(x)


class Strided(nn.Module):
    def __init__(self, c, k):
        super().__init__()
        self.c1 = nn.Conv2d(c, k, 5, stride=2, bias=False)
        self.c2 = nn.Conv2d(k, k, 3, stride=2, bias=False)

    def forward(self, x):
        return self.c2(self.c1(x))


class WithWeights(nn.Module):
    """Returns (output, weights), as Hugging Face attention does."""

    def __init__(self, d):
        super().__init__()
        self.proj = nn.Linear(d, d)

    def forward(self, x):
        scores = x @ x.transpose(-1, -2)
        return self.proj(x), scores


class Wrapped(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.attn = WithWeights(d)

    def forward(self, x):
        out, _ = self.attn(x)
        return out


class Needs(nn.Module):
    """A forward that needs a second input and a keyword, and returns a tuple."""

    def __init__(self, config):
        super().__init__()
        self.proj = nn.Linear(config["d"], config["d"])

    def forward(self, x, bias, scale=None):
        return self.proj(x) * scale + bias, None


def config(d):
    return {"d": d}
