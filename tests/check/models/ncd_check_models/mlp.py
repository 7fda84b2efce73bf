"""Image classifiers for the checker's tests: a correct MLP and one with the SoftMax slip."""
import torch
from torch import nn


class Classifier(nn.Module):
    """``b 28 28 -> b 10``: flatten, three affine maps with ReLU, softmax over the classes."""

    def __init__(self, hidden=512, classes=10):
        super().__init__()
        self.flat = nn.Flatten()
        self.layers = nn.Sequential(
            nn.Linear(28 * 28, hidden), nn.ReLU(),
            nn.Linear(hidden, hidden), nn.ReLU(),
            nn.Linear(hidden, classes),
        )

    def forward(self, images):
        return torch.softmax(self.layers(self.flat(images)), dim=-1)


class SoftmaxSlip(Classifier):
    """Builds an ``nn.Softmax`` module from the logits instead of applying one."""

    def forward(self, images):
        return nn.Softmax(self.layers(self.flat(images)))


class WideFirst(Classifier):
    """The first layer's output size disagrees with what the next layer takes."""

    def __init__(self):
        super().__init__()
        self.layers[0] = nn.Linear(28 * 28, 500)
