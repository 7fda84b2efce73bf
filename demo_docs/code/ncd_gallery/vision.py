"""Gallery code for figure 28 (paper section 3.5): visual attention, the
multi-head attention of figure 21 with tandem (2-D) width axes and
convolutions as the learned maps.

Gallery stage.  ``c Y, c X -> c Y`` (with or without a leading batch axis).
Corrected against the paper's cell: the output has the input's spatial size
for every stride (the transposed convolution is told the size to produce; the
cell returns 15 x 15 from a 16 x 16 input with stride 3), and the learned
convolutions have no bias, as the diagram's **L** has no ``+``.
"""
from __future__ import annotations

import einops
from torch import Tensor, nn

from .attention import multi_head_dot_product_attention

__all__ = ["VisualAttention"]


class VisualAttention(nn.Module):
    """``forward(E: c Y, X: c X) -> c Y``: queries from E, keys and values from X."""

    def __init__(self, c: int, k: int, heads: int = 1, kernel: int = 1, stride: int = 1):
        super().__init__()
        self.c, self.k, self.h = c, k, heads
        self.Cq = nn.Conv2d(c, k * heads, kernel, stride, bias=False)
        self.Ck = nn.Conv2d(c, k * heads, kernel, stride, bias=False)
        self.Cv = nn.Conv2d(c, k * heads, kernel, stride, bias=False)
        self.Co = nn.ConvTranspose2d(k * heads, c, kernel, stride, bias=False)

    def forward(self, E: Tensor, X: Tensor) -> Tensor:
        def split(t: Tensor) -> Tensor:  # the heads unbound, the pixels as one width axis
            return einops.rearrange(t, "... (k h) H W -> ... (H W) k h", h=self.h)

        q = self.Cq(E)
        H, W = q.shape[-2:]
        o = multi_head_dot_product_attention(split(q), split(self.Ck(X)), split(self.Cv(X)))
        o = einops.rearrange(o, "... (H W) k h -> ... (k h) H W", H=H, W=W)
        return self.Co(o, output_size=list(E.shape[-2:]))
