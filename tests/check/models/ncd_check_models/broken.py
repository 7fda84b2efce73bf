"""Code that misbehaves, for the checker's isolation tests."""
import torch
from torch import nn


class Raises(nn.Module):
    def forward(self, x):
        scale = len(x) // 0  # the line the report must point at
        return x * scale


class Forever(nn.Module):
    def forward(self, x):
        n = 0
        while True:
            n += 1


class Hungry(nn.Module):
    def forward(self, x):
        hoard = []
        while True:
            hoard.append(bytearray(64 * 2**20))


def reads_value(x):
    """The output length is a tensor value: no proof without data."""
    n = int(x.abs().argmax().item())
    return x.reshape(-1)[: n + 1]


class Exits(nn.Module):
    """Takes the whole process down, as a crashing extension would."""

    def forward(self, x):
        import os

        os._exit(3)
