"""Gallery code for figures 13-15 and 18 (paper section 2.4): linearity,
naturality, matrix multiplication as inner broadcasting, and graphical linear
algebra (units, inner products, associated transposes).

Gallery stage.  Each identity drawn as an equality between diagrams is a
function here returning both sides, so a test (and the gallery page) can
compare them on real tensors.
"""
from __future__ import annotations

import einops
import torch
from torch import Tensor, nn

__all__ = [
    "additivity", "homogeneity", "naturality", "inner_product", "matmul_by_inner_broadcast",
    "unit", "snake", "associated_transpose_by_broadcast", "associated_transpose_by_linearity",
    "LinearMap", "composition_through_transpose", "outer_product_shift", "AxisLinear",
    "Additivity", "Homogeneity", "Naturality", "AssociatedTranspose", "Snake", "OuterProductShift",
]


class LinearMap:
    """A linear map ``a -> b c ...`` given by its associated tensor ``a b c ...``."""

    def __init__(self, tensor: Tensor):
        self.tensor = tensor

    def __call__(self, x: Tensor) -> Tensor:
        """Apply to the last axis of ``x`` (other axes are broadcast)."""
        return torch.tensordot(x, self.tensor, dims=([-1], [0]))


# --- Figure 13: additivity and homogeneity ---------------------------------
def additivity(f, x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    """Both sides of ``f(x + y) = f(x) + f(y)``."""
    return f(x + y), f(x) + f(y)


def homogeneity(f, r: float, x: Tensor) -> tuple[Tensor, Tensor]:
    """Both sides of ``f(r x) = r f(x)``."""
    return f(r * x), r * f(x)


# --- Figure 14: naturality of linear maps w.r.t. each other and broadcasting
def naturality(f: LinearMap, g: LinearMap, X: Tensor) -> tuple[Tensor, Tensor]:
    """``X : a c``; ``f : a -> b`` acts on the first axis, ``g : c -> d`` on the second.

    Left: apply f broadcast over c, then g broadcast over b.  Right: apply g
    first, then f.  Linear maps commute past each other's broadcast wires, so
    both give ``b d`` (and so does the simultaneous einsum).
    """
    fa, gc = f.tensor, g.tensor
    left = einops.einsum(einops.einsum(X, fa, "a c, a b -> b c"), gc, "b c, c d -> b d")
    right = einops.einsum(einops.einsum(X, gc, "a c, c d -> a d"), fa, "a d, a b -> b d")
    return left, right


# --- Figure 15: matrix multiplication is the inner product, inner-broadcast
def inner_product(u: Tensor, v: Tensor) -> Tensor:
    """``n, n -> 1``: the cup."""
    return (u * v).sum(-1, keepdim=True)


def matmul_by_inner_broadcast(P: Tensor, Q: Tensor) -> Tensor:
    """``p n, n q -> p q`` built only from the inner product and two broadcasts."""
    over_q = torch.vmap(inner_product, in_dims=(None, 1), out_dims=1)   # n, n q -> 1 q
    over_p = torch.vmap(over_q, in_dims=(0, None), out_dims=0)          # p n, n q -> p 1 q
    return over_p(P, Q).squeeze(1)


# --- Figure 18: units, snakes and associated transposes --------------------
def unit(a: int, r: float | Tensor = 1.0) -> Tensor:
    """eta : 1 -> a a, ``r`` times the identity matrix (a cup)."""
    return torch.as_tensor(r) * torch.eye(a)


def snake(x: Tensor) -> Tensor:
    """Outer product with the unit, then the inner product over the first two
    axes (cup then cap): the identity ``b -> b``."""
    b = x.shape[-1]
    xbbb = einops.einsum(x, unit(b), "b0, b1 b2 -> b0 b1 b2")
    return einops.einsum(xbbb, "b0 b0 b1 -> b1")


def associated_transpose_by_broadcast(F: LinearMap, X: Tensor) -> Tensor:
    """``F : a -> b c`` turned into ``F^T : b a -> c`` by broadcasting F over b,
    then an inner product of the two b axes (bending the b wire back)."""
    Xbbc = torch.vmap(F)(X)                       # b a -> b b c
    return einops.einsum(Xbbc, "b b c -> c")


def associated_transpose_by_linearity(F: LinearMap) -> Tensor:
    """The associated tensor of ``F^T : b a -> c``, from the unit on b tensored
    with F's own tensor, followed by an inner product (figure 18's right side)."""
    Fabc = F.tensor
    b = Fabc.shape[1]
    outer = einops.einsum(unit(b), Fabc, "b0 b1, a b2 c -> b0 b1 a b2 c")
    return einops.einsum(outer, "b0 b1 a b1 c -> b0 a c")


def composition_through_transpose(G: LinearMap, H: LinearMap, x: Tensor) -> tuple[Tensor, Tensor]:
    """Figure 18, second row: ``G; H`` equals G and ``H^T`` side by side, joined
    by an inner product over b (the snake is introduced, then H slides along
    it).  ``G : a -> b``, ``H : b -> c``; returns both sides, each ``c``."""
    left = H(G(x))
    HT = H.tensor                                   # H^T : 1 -> b c, the same numbers
    right = einops.einsum(G(x), HT, "b, b c -> c")  # cup over b
    return left, right


def outer_product_shift(G: LinearMap, H: LinearMap, K: LinearMap,
                        xa: Tensor, xb: Tensor) -> tuple[Tensor, Tensor]:
    """Figure 18, third row: the outer product can be taken before or after
    applying G and H simultaneously.  ``G : a -> b``, ``H : b' -> c``,
    ``K : (b c) -> d``; returns both sides, each ``d``."""
    left = K(einops.rearrange(einops.einsum(G(xa), H(xb), "b, c -> b c"), "b c -> (b c)"))
    outer = einops.einsum(xa, xb, "a, e -> a e")
    both = einops.einsum(outer, G.tensor, H.tensor, "a e, a b, e c -> b c")
    right = K(einops.rearrange(both, "b c -> (b c)"))
    return left, right


# --- modules for the shape checks of figures 13, 14 and 18 -----------------
class AxisLinear(nn.Module):
    """A linear map ``n -> m`` on one axis of its input (the others are broadcast)."""

    def __init__(self, n: int, m: int, axis: int = -1):
        super().__init__()
        self.axis = axis
        self.weight = nn.Parameter(torch.randn(n, m) / n ** 0.5)

    def forward(self, x: Tensor) -> Tensor:
        moved = x.movedim(self.axis, -1) @ self.weight
        return moved.movedim(-1, self.axis)


class Additivity(nn.Module):
    """Figure 13's left side: ``a, a -> b``, f(x + y) with a linear ``f``."""

    def __init__(self, a: int, b: int):
        super().__init__()
        self.f = AxisLinear(a, b)

    def forward(self, x: Tensor, y: Tensor) -> Tensor:
        return self.f(x + y)


class Homogeneity(nn.Module):
    """Figure 13's left side: ``a -> b``, f(r x) with a linear ``f``."""

    def __init__(self, a: int, b: int, r: float = 2.5):
        super().__init__()
        self.r = r
        self.f = AxisLinear(a, b)

    def forward(self, x: Tensor) -> Tensor:
        return self.f(self.r * x)


class Naturality(nn.Module):
    """Figure 14's left side: ``a c -> b d``, f on a (broadcast over c), then g on c."""

    def __init__(self, a: int, b: int, c: int, d: int):
        super().__init__()
        self.f = AxisLinear(a, b, axis=-2)
        self.g = AxisLinear(c, d, axis=-1)

    def forward(self, X: Tensor) -> Tensor:
        return self.g(self.f(X))


class AssociatedTranspose(nn.Module):
    """Figure 18's first row: ``b a -> c`` computed as F broadcast over b, then
    the inner product of the two b axes."""

    def __init__(self, a: int, b: int, c: int):
        super().__init__()
        self.F = nn.Parameter(torch.randn(a, b, c))

    def forward(self, X: Tensor) -> Tensor:
        return einops.einsum(einops.einsum(X, self.F, "b0 a, a b1 c -> b0 b1 c"), "b b c -> c")


class Snake(nn.Module):
    """Figure 18's second row, right side: ``a -> c``: G, then the unit on b and an
    inner product (the identity), then H."""

    def __init__(self, a: int, b: int, c: int):
        super().__init__()
        self.G = AxisLinear(a, b)
        self.H = AxisLinear(b, c)

    def forward(self, X: Tensor) -> Tensor:
        return self.H(snake(self.G(X)))


class OuterProductShift(nn.Module):
    """Figure 18's third row, left side: ``a, e -> d``: outer product, G and H
    broadcast over the tensor, then K on ``b c``."""

    def __init__(self, a: int, e: int, b: int, c: int, d: int):
        super().__init__()
        self.G = AxisLinear(a, b, axis=-2)
        self.H = AxisLinear(e, c, axis=-1)
        self.K = nn.Linear(b * c, d, bias=False)

    def forward(self, A: Tensor, B: Tensor) -> Tensor:
        P = einops.einsum(A, B, "a, e -> a e")
        return self.K(einops.rearrange(self.H(self.G(P)), "b c -> (b c)"))
