"""Minimal reproductions of the mistakes in the paper's published notebook code.

Gallery stage, "mistakes the checker catches" page.  Each object below is our
own minimal code that makes the *same* mistake as one cell of the notebook
printed in the paper's appendix; its docstring says what the paper printed or
did.  The gallery's real pages use the corrected code of the other modules.
None of this is the paper's code: each is rewritten down to the one mistake.
"""
from __future__ import annotations

import einops
import torch
from torch import Tensor, nn

from .attention import multi_head_dot_product_attention
from .mlp import BasicImageRecogniser

__all__ = [
    "G", "broadcast_G_with_stray_index", "jc",
    "SoftmaxModuleMLP",
    "SharedUnitsBlock",
    "DoubleConvolutionTwiceC0", "PaddedPoolingUNet", "ConcatWithoutTuple", "ForwardReturnsNothing",
    "FinalConvWithoutKernel", "PythonListOfBlocks",
    "VisualAttentionWrongSize", "VisualAttentionWithBias",
]


# --- Figure 10: the loop that indexes with a stray global -------------------
def G(x: Tensor) -> Tensor:
    """G : 3 -> 2."""
    return torch.stack([x.sum(), (x ** 2).sum()])


jc = 3  #: a global left over from an earlier loop, as in the notebook


def broadcast_G_with_stray_index(X: Tensor) -> Tensor:
    """``3 c -> 2 c`` by a loop whose variable is ``j`` but whose body uses ``jc``.

    The paper's figure-10 cell writes ``for j in range(c): Y[:, jc] = G(X[:, jc])``:
    only column ``jc`` is ever filled, the others stay zero, and the cell's
    test (which itself loops with ``jc``, comparing only column slices) passes
    by accident.
    """
    Y = torch.zeros(2, X.shape[1])
    for j in range(X.shape[1]):  # noqa: B007  (the mistake: j is never used)
        Y[:, jc] = G(X[:, jc])
    return Y


# --- Figure 19: nn.Softmax(x) ------------------------------------------------
class SoftmaxModuleMLP(BasicImageRecogniser):
    """``28 28 -> 10`` whose last step is ``nn.Softmax(x)``.

    ``nn.Softmax``'s argument is the axis, so this builds a module with
    ``dim`` set to the tensor and returns that module instead of applying
    SoftMax.  The paper printed ``Softmax(dim=tensor([...]))``.  Everything
    else is the corrected model of figure 19.
    """

    def forward(self, x: Tensor):
        x = self.linear_relu_stack(self.flatten(x))
        return nn.Softmax(x)


# --- Figure 26: one module object repeated, and N + 1 units -----------------
class _Unit(nn.Module):
    def __init__(self, n: int):
        super().__init__()
        self.conv = nn.Conv2d(n, n, 3, padding=1)

    def forward(self, x: Tensor) -> Tensor:
        return x + self.conv(torch.relu(x))


class SharedUnitsBlock(nn.Sequential):
    """``Block(N)`` built as ``[first] + [unit] * N``.

    The list repetition repeats *one* module object, so all N later units
    share the same weights, and with the first unit the block holds N+1 units
    where the diagram shows N.  The paper's identity ResNet cell builds its
    Block this way; its only test checks the final output size, which shared
    weights and an extra unit do not change.
    """

    def __init__(self, N: int, n: int):
        super().__init__(*([_Unit(n)] + [_Unit(n)] * N))


# --- Figure 27: the U-Net --------------------------------------------------
class DoubleConvolutionTwiceC0(nn.Sequential):
    """``c0 -> c1`` double convolution whose second layer is again ``Conv2d(c0, c1)``.

    The second convolution receives c1 channels but expects c0: it fails as
    soon as c0 != c1 (always, in a U-Net).  The paper's cell was never run.
    """

    def __init__(self, c0: int, c1: int):
        super().__init__(
            nn.Conv2d(c0, c1, 3, padding=1), nn.ReLU(),
            nn.Conv2d(c0, c1, 3, padding=1), nn.ReLU(),
        )


class PaddedPoolingUNet(nn.Module):
    """A two-level U-Net whose pooling and transposed convolution have padding 1.

    ``MaxPool2d(2, 2, padding=1)`` takes 128 to 65 (not 64) and 65 to 33;
    ``ConvTranspose2d(..., 2, 2, padding=1)`` takes 33 back to 64.  The saved
    tensor C_2 is 65 x 65 but the upsampled one is 64 x 64, so the
    concatenation fails.  The diagram draws no padding on these operations.
    The paper's cell uses these paddings and was never instantiated.
    """

    def __init__(self, c0: int = 1, c: int = 4):
        super().__init__()
        self.conv1 = nn.Conv2d(c0, c, 3, padding=1)
        self.pool1 = nn.MaxPool2d(2, 2, padding=1)
        self.conv2 = nn.Conv2d(c, 2 * c, 3, padding=1)
        self.pool2 = nn.MaxPool2d(2, 2, padding=1)
        self.middle = nn.Conv2d(2 * c, 4 * c, 3, padding=1)
        self.up2 = nn.ConvTranspose2d(4 * c, 2 * c, 2, 2, padding=1)
        self.merge2 = nn.Conv2d(4 * c, 2 * c, 3, padding=1)
        self.up1 = nn.ConvTranspose2d(2 * c, c, 2, 2, padding=1)
        self.merge1 = nn.Conv2d(2 * c, c, 3, padding=1)
        self.final = nn.Conv2d(c, 2, 1)

    def forward(self, x: Tensor) -> Tensor:
        c1 = self.conv1(x)
        c2 = self.conv2(self.pool1(c1))
        x = self.middle(self.pool2(c2))
        x = self.merge2(torch.cat((self.up2(x), c2), dim=-3))
        x = self.merge1(torch.cat((self.up1(x), c1), dim=-3))
        return self.final(x)


class ConcatWithoutTuple(nn.Module):
    """Concatenation written ``torch.concat(x, saved, 1)``.

    ``torch.concat`` takes one sequence of tensors; given two tensors and an
    integer it raises a TypeError.  (The paper's up-scale block.)
    """

    def forward(self, x: Tensor, saved: Tensor) -> Tensor:
        return torch.concat(x, saved, 1)


class ForwardReturnsNothing(nn.Module):
    """A ``forward`` that computes its result and does not return it (the
    paper's U-Net ``forward`` ends with ``x = self.finalConvolution(x)``)."""

    def __init__(self, c: int = 4, y: int = 2):
        super().__init__()
        self.final = nn.Conv2d(c, y, 1)

    def forward(self, x: Tensor):
        x = self.final(x)  # noqa: F841 (the mistake)


def FinalConvWithoutKernel(c: int = 4, y: int = 2) -> nn.Module:
    """``nn.Conv2d(c, y)`` with no kernel size: a TypeError when the model is
    built (the paper's U-Net final convolution)."""
    return nn.Conv2d(c, y)


class PythonListOfBlocks(nn.Module):
    """Blocks kept in a plain Python list: they run, but their weights are not
    registered, so the optimiser never sees them, ``.to(device)`` never moves
    them and ``state_dict`` never saves them (the paper's U-Net)."""

    def __init__(self, c: int = 4, depth: int = 2):
        super().__init__()
        self.blocks = [nn.Conv2d(c, c, 3, padding=1) for _ in range(depth)]

    def forward(self, x: Tensor) -> Tensor:
        for block in self.blocks:
            x = block(x)
        return x


# --- Figure 28: visual attention --------------------------------------------
class VisualAttentionWrongSize(nn.Module):
    """``c Y, c X -> c Y`` promised, but stride 3 gives ``c 15 15`` from 16 x 16.

    Convolution with kernel 3 and stride 3 takes 16 to 5; the transposed
    convolution takes 5 back to (5-1)*3 + 3 = 15, not 16.  The paper printed
    ``torch.Size([1, 33, 15, 15])`` and remarked that "the height/width
    reduces by 1 for stride values above 1", though its docstring promises the
    input size.  (Its convolutions also have bias, which the diagram's **L**
    does not show: see :class:`VisualAttentionWithBias`.)
    """

    def __init__(self, c: int, k: int, heads: int = 1, kernel: int = 3, stride: int = 3):
        super().__init__()
        self.h = heads
        self.Cq = nn.Conv2d(c, k * heads, kernel, stride, bias=False)
        self.Ck = nn.Conv2d(c, k * heads, kernel, stride, bias=False)
        self.Cv = nn.Conv2d(c, k * heads, kernel, stride, bias=False)
        self.Co = nn.ConvTranspose2d(k * heads, c, kernel, stride, bias=False)

    def forward(self, E: Tensor, X: Tensor) -> Tensor:
        def split(t):
            return einops.rearrange(t, "... (k h) H W -> ... (H W) k h", h=self.h)
        q = self.Cq(E)
        H, W = q.shape[-2:]
        o = multi_head_dot_product_attention(split(q), split(self.Ck(X)), split(self.Cv(X)))
        return self.Co(einops.rearrange(o, "... (H W) k h -> ... (k h) H W", H=H, W=W))


class VisualAttentionWithBias(VisualAttentionWrongSize):
    """The learned convolutions carry a bias that the diagram's **L** (no ``+``)
    does not show.  The shapes are right; only the parameters differ."""

    def __init__(self, c: int, k: int, heads: int = 1, kernel: int = 1, stride: int = 1):
        super().__init__(c, k, heads, kernel, stride)
        self.Cq = nn.Conv2d(c, k * heads, kernel, stride, bias=True)
        self.Ck = nn.Conv2d(c, k * heads, kernel, stride, bias=True)
        self.Cv = nn.Conv2d(c, k * heads, kernel, stride, bias=True)
        self.Co = nn.ConvTranspose2d(k * heads, c, kernel, stride, bias=True)
