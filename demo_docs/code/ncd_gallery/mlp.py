"""Gallery code for figure 19 (paper section 3.1): the basic image recogniser
of the PyTorch tutorial, ``28 28 -> 10``.

Gallery stage.  Corrected: SoftMax is *applied* over the 10 classes (the
paper's cell builds ``nn.Softmax(x)``, a module whose ``dim`` is the tensor,
and returns that module).  The flatten acts on the two image axes only, so the
model takes one image ``28 28`` or a batch ``b 28 28``.
"""
from __future__ import annotations

from torch import Tensor, nn

__all__ = ["BasicImageRecogniser"]


class BasicImageRecogniser(nn.Module):
    """``28 28 -> 10``: view, then L+ ReLU L+ ReLU L+, then SoftMax over 10."""

    def __init__(self, hidden: int = 512, classes: int = 10):
        super().__init__()
        self.flatten = nn.Flatten(start_dim=-2)
        self.linear_relu_stack = nn.Sequential(
            nn.Linear(28 * 28, hidden),
            nn.ReLU(),
            nn.Linear(hidden, hidden),
            nn.ReLU(),
            nn.Linear(hidden, classes),
        )
        self.softmax = nn.Softmax(dim=-1)

    def forward(self, x: Tensor) -> Tensor:
        return self.softmax(self.linear_relu_stack(self.flatten(x)))
