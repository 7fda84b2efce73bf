"""Gallery code for figures 23-25 (paper section 3.3): the convolution tensor
★, convolution as "split into blocks, then broadcast", pooling, stride,
dilation, padding and transposed convolution.

Gallery stage.  Convolution is built from the paper's definition,
``★[i, j, l] = 1 if l = s*i + d*j else 0`` (equation 4), and compared with
PyTorch's own layers; :func:`conv_output_size` is the paper's equation 5.
"""
from __future__ import annotations

import einops
import torch
from torch import Tensor, nn

__all__ = [
    "conv_output_size", "conv_transpose_output_size", "convolution_tensor",
    "convolution_tensor_2d", "blocks", "conv1d_by_tensor", "conv2d_by_tensor",
    "maxpool2d_by_tensor", "avgpool2d_by_tensor", "conv_transpose1d_by_tensor",
    "LearnedConvolution", "MaxPool", "TransposedConvolution", "convolve", "AveragePool",
]


def conv_output_size(x: int, k: int, s: int = 1, d: int = 1, p: int = 0) -> int:
    """Equation 5, ``y = floor((x - d(k-1) - 1)/s + 1)``, on the padded input ``x + 2p``."""
    return (x + 2 * p - d * (k - 1) - 1) // s + 1


def conv_transpose_output_size(y: int, k: int, s: int = 1, d: int = 1, p: int = 0,
                               output_padding: int = 0) -> int:
    """The size that transposing a strided convolution produces: ``(y-1)s - 2p + d(k-1) + 1``."""
    return (y - 1) * s - 2 * p + d * (k - 1) + output_padding + 1


def convolution_tensor(x: int, k: int, s: int = 1, d: int = 1) -> Tensor:
    """★ with stride and dilation, shape ``y k x`` (equation 4), no padding."""
    y = conv_output_size(x, k, s, d)
    star = torch.zeros(y, k, x)
    i = torch.arange(y)[:, None]
    j = torch.arange(k)[None, :]
    star[i, j, s * i + d * j] = 1.0
    return star


def convolution_tensor_2d(x: tuple[int, int], k: tuple[int, int], s: int = 1, d: int = 1) -> Tensor:
    """The 2-D ★ for tandem axes: the product of one ★ per spatial axis,
    ``(y0 y1) (k0 k1) (x0 x1)``."""
    a = convolution_tensor(x[0], k[0], s, d)
    b = convolution_tensor(x[1], k[1], s, d)
    both = einops.einsum(a, b, "y0 k0 x0, y1 k1 x1 -> y0 y1 k0 k1 x0 x1")
    return einops.rearrange(both, "y0 y1 k0 k1 x0 x1 -> (y0 y1) (k0 k1) (x0 x1)")


def blocks(v: Tensor, k: int, s: int = 1, d: int = 1) -> Tensor:
    """Figure 24's first step: ★ splits ``... x`` into overlapping blocks ``... y k``."""
    star = convolution_tensor(v.shape[-1], k, s, d).to(v.dtype)
    return einops.einsum(star, v, "y k x, ... x -> ... y k")


def conv1d_by_tensor(v: Tensor, w: Tensor, s: int = 1, d: int = 1) -> Tensor:
    """``b c x, o c k -> b o y``: blocks of the input, then a learned map on
    (channel, kernel) broadcast over every block."""
    vb = blocks(v, w.shape[-1], s, d)                                   # b c y k
    return einops.einsum(vb, w, "b c y k, o c k -> b o y")


def conv2d_by_tensor(v: Tensor, w: Tensor, s: int = 1, d: int = 1) -> Tensor:
    """``b c X0 X1, o c K0 K1 -> b o Y0 Y1`` through the 2-D ★ (tandem axes)."""
    b, c, x0, x1 = v.shape
    k0, k1 = w.shape[-2:]
    star = convolution_tensor_2d((x0, x1), (k0, k1), s, d).to(v.dtype)
    y0, y1 = conv_output_size(x0, k0, s, d), conv_output_size(x1, k1, s, d)
    vb = einops.einsum(star, v.flatten(-2), "Y K X, b c X -> b c Y K")
    out = einops.einsum(vb, w.flatten(-2), "b c Y K, o c K -> b o Y")
    return out.reshape(b, -1, y0, y1)


def _pool2d(v: Tensor, k: int, s: int, reduce) -> Tensor:
    x0, x1 = v.shape[-2:]
    star = convolution_tensor_2d((x0, x1), (k, k), s).to(v.dtype)
    vb = einops.einsum(star, v.flatten(-2), "Y K X, ... X -> ... Y K")
    out = reduce(vb)
    return out.reshape(*v.shape[:-2], conv_output_size(x0, k, s), conv_output_size(x1, k, s))


def maxpool2d_by_tensor(v: Tensor, k: int, s: int) -> Tensor:
    """Max pooling: the kernel wire goes into Max instead of a learned map."""
    return _pool2d(v, k, s, lambda t: t.amax(-1))


def avgpool2d_by_tensor(v: Tensor, k: int, s: int) -> Tensor:
    """Average pooling: the kernel wire goes into the mean."""
    return _pool2d(v, k, s, lambda t: t.mean(-1))


def conv_transpose1d_by_tensor(u: Tensor, w: Tensor, s: int = 1, d: int = 1) -> Tensor:
    """``b c y, c o k -> b o x``: ★ read backwards (★ᵀ), so every input
    position produces a block of outputs, summed where blocks overlap."""
    y, k = u.shape[-1], w.shape[-1]
    x = conv_transpose_output_size(y, k, s, d)
    star = convolution_tensor(x, k, s, d)
    assert star.shape[0] == y
    return einops.einsum(star.to(u.dtype), u, w, "y k x, b c y, c o k -> b o x")


class LearnedConvolution(nn.Module):
    """Figure 24/25 as a module: ``c X -> o Y`` with one learned ``C`` (bias: the ``+``)."""

    def __init__(self, c: int, o: int, kernel: int = 3, stride: int = 1, padding: int = 0,
                 dilation: int = 1, bias: bool = True):
        super().__init__()
        self.C = nn.Conv2d(c, o, kernel, stride=stride, padding=padding, dilation=dilation,
                           bias=bias)

    def forward(self, X: Tensor) -> Tensor:
        return self.C(X)


class MaxPool(nn.Module):
    """Figure 24's max pooling, ``c X -> c X/s``."""

    def __init__(self, kernel: int = 2, stride: int = 2):
        super().__init__()
        self.pool = nn.MaxPool2d(kernel, stride)

    def forward(self, X: Tensor) -> Tensor:
        return self.pool(X)


class TransposedConvolution(nn.Module):
    """Figure 25's transposed convolution, ``c Y -> o s*Y`` for kernel = stride."""

    def __init__(self, c: int, o: int, kernel: int = 2, stride: int = 2, bias: bool = True):
        super().__init__()
        self.up = nn.ConvTranspose2d(c, o, kernel, stride=stride, bias=bias)

    def forward(self, X: Tensor) -> Tensor:
        return self.up(X)


def convolve(v: Tensor, w: Tensor) -> Tensor:
    """Figure 23: ``x, k -> x-k+1``, one vector convolved with one kernel through ★."""
    star = convolution_tensor(v.shape[-1], w.shape[-1]).to(v.dtype)
    return einops.einsum(star, v, w, "y k x, x, k -> y")


class AveragePool(nn.Module):
    """Figure 24's average pooling, ``c X -> c (X-k)/s+1``."""

    def __init__(self, kernel: int = 3, stride: int = 1):
        super().__init__()
        self.pool = nn.AvgPool2d(kernel, stride)

    def forward(self, X: Tensor) -> Tensor:
        return self.pool(X)
