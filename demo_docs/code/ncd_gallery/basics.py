"""Gallery code for figures 4-12 (paper section 2.1-2.3): tuples, tensors,
indexes, broadcasting and element-wise operations.

Gallery stage.  The paper represents generic functions by assertions and
random outputs; here every function is deterministic (fixed weights drawn
from a seeded generator), so the broadcasting identities can be tested on
real tensors, value by value.

Shapes are written as in the diagrams: spaces separate the axes of one
tensor, commas separate tuple segments.
"""
from __future__ import annotations

import torch
from torch import Tensor, nn

__all__ = [
    "f", "g", "h", "ComposedH", "row", "subtensor_identity_holds",
    "G", "G_loop", "G_broadcast", "make_H", "H", "H_loop", "H_inner_broadcast",
    "InnerBroadcastH", "BroadcastG", "square", "square_broadcast", "Index", "IndexTwice",
]


def _weights(*shape: int, seed: int) -> Tensor:
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=gen)


# --- Figures 4-7: h = (Id[A] x f); g  on  3, 4 2, 6 -> 1 2 -----------------
_WF = _weights(3, 3, 4, 2, seed=1)  # f reads the 4 2 tensor ...
_VF = _weights(3, 3, 6, seed=2)     # ... and the 6 vector
_WG = _weights(1, 2, 3, seed=3)
_VG = _weights(1, 2, 3, 3, seed=4)


def f(x0: Tensor, x1: Tensor) -> Tensor:
    """f : 4 2, 6 -> 3 3  (figure 7's B x C -> D, with B = 4 2, C = 6, D = 3 3)."""
    if x0.shape[-2:] != (4, 2) or x1.shape[-1:] != (6,):
        raise ValueError(f"f expects 4 2, 6; got {tuple(x0.shape)}, {tuple(x1.shape)}")
    return torch.tanh(torch.einsum("...ab,ijab->...ij", x0, _WF)
                      + torch.einsum("...c,ijc->...ij", x1, _VF))


def g(x0: Tensor, x1: Tensor) -> Tensor:
    """g : 3, 3 3 -> 1 2  (figure 7's A x D -> E)."""
    if x0.shape[-1:] != (3,) or x1.shape[-2:] != (3, 3):
        raise ValueError(f"g expects 3, 3 3; got {tuple(x0.shape)}, {tuple(x1.shape)}")
    return torch.einsum("...a,ija->...ij", x0, _WG) * torch.einsum("...ab,ijab->...ij", x1, _VG)


def h(x0: Tensor, x1: Tensor, x2: Tensor) -> Tensor:
    """h : 3, 4 2, 6 -> 1 2, defined by figure 4 as (Id[A] x f); g."""
    return g(x0, f(x1, x2))


class _Fn(nn.Module):
    """A module wrapper so that a diagram's box can be bound to a submodule."""

    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, *xs: Tensor) -> Tensor:
        return self.fn(*xs)


class ComposedH(nn.Module):
    """Figures 5 and 7 as a module: ``A, B, C -> E`` with submodules ``f`` and ``g``.

    ``forward(a: 3, b: 4 2, c: 6) -> 1 2``; the identity on ``a`` is the wire
    that passes ``f`` untouched.
    """

    def __init__(self):
        super().__init__()
        self.f = _Fn(f)
        self.g = _Fn(g)

    def forward(self, a: Tensor, b: Tensor, c: Tensor) -> Tensor:
        d = self.f(b, c)
        return self.g(a, d)


# --- Figures 8, 9: indexes -------------------------------------------------
def row(A: Tensor, i: int) -> Tensor:
    """Figure 8: the index pentagon ``i`` on the first axis, ``4 3 -> 3``."""
    return A[i, :]


def subtensor_identity_holds(A: Tensor) -> bool:
    """Figure 9: ``A[i, :][j] == A[i, j] == A[:, j][i]`` for every index pair."""
    a, b = A.shape
    return all(
        bool(A[i, :][j] == A[i, j]) and bool(A[:, j][i] == A[i, j])
        for i in range(a) for j in range(b)
    )


# --- Figure 10: broadcasting G : 3 -> 2 over a 4-length axis ---------------
_WGb = _weights(2, 3, seed=5)


def G(x: Tensor) -> Tensor:
    """G : 3 -> 2, a non-linear function of a single 3-vector."""
    if x.shape != (3,):
        raise ValueError(f"G acts on one 3-vector; got {tuple(x.shape)}")
    return torch.sin(_WGb @ x) + (x ** 2).sum()


def G_loop(X: Tensor) -> Tensor:
    """Broadcast G by definition: ``G'(X)[i, :] = G(X[i, :])``, ``n 3 -> n 2``.

    The paper's cell loops with ``for j in ...`` but indexes with ``jc``, a
    global left over from elsewhere, so it fills one row only; here the loop
    variable is the index.
    """
    out = torch.zeros(X.shape[0], 2, dtype=X.dtype)
    for i in range(X.shape[0]):
        out[i, :] = G(X[i, :])
    return out


#: Broadcast G with ``torch.vmap``: the 4-length wire passes over the box.
G_broadcast = torch.vmap(G, in_dims=0, out_dims=0)


class BroadcastG(nn.Module):
    """Figure 10 as a module: ``4 3 -> 4 2`` (any leading length), box bound to ``G``."""

    def __init__(self):
        super().__init__()
        self.G = _Fn(G_broadcast)

    def forward(self, X: Tensor) -> Tensor:
        return self.G(X)


# --- Figure 11: inner broadcasting H : 3, 4 -> 2 over a 4-length axis ------
def make_H(a: int = 3, d: int = 4, b: int = 2, seed: int = 6):
    """A function ``H : a, d -> b`` with fixed weights (the paper's ``H``)."""
    Wa, Wd = _weights(b, a, seed=seed), _weights(b, d, seed=seed + 1)

    def H(xa: Tensor, xd: Tensor) -> Tensor:
        if xa.shape != (a,) or xd.shape != (d,):
            raise ValueError(f"H expects {a}, {d}; got {tuple(xa.shape)}, {tuple(xd.shape)}")
        return torch.tanh(Wa @ xa) * torch.cos(Wd @ xd)

    H.__doc__ = f"H : {a}, {d} -> {b}"
    return H


#: H : 3, 4 -> 2, the paper's example (its ``a, d -> b``).
H = make_H(3, 4, 2)


def H_loop(Xca: Tensor, Xd: Tensor) -> Tensor:
    """Inner broadcasting by definition: ``c 3, 4 -> c 2`` (codomain ``c b``, not ``c d``)."""
    out = torch.zeros(Xca.shape[0], 2, dtype=Xca.dtype)
    for i in range(Xca.shape[0]):
        out[i, :] = H(Xca[i, :], Xd)
    return out


#: The wire of the first segment passes over H; the second segment is shared.
H_inner_broadcast = torch.vmap(H, in_dims=(0, None), out_dims=0)


class InnerBroadcastH(nn.Module):
    """Figure 11 as a module: ``c a, d -> c b``, box bound to ``H``."""

    def __init__(self, a: int = 3, d: int = 4, b: int = 2):
        super().__init__()
        self.H = _Fn(torch.vmap(make_H(a, d, b), in_dims=(0, None), out_dims=0))

    def forward(self, Xca: Tensor, Xd: Tensor) -> Tensor:
        return self.H(Xca, Xd)


# --- Figure 12: element-wise operations -------------------------------------
def square(x: Tensor) -> Tensor:
    """An element-wise function 1 -> 1; PyTorch broadcasts it over every axis."""
    return x ** 2


#: The same function lifted explicitly (must agree with ``square`` itself).
square_broadcast = torch.vmap(square)


class Index(nn.Module):
    """Figure 8 as a module: the index pentagon ``i`` on axis ``axis`` (``4 3 -> 3``)."""

    def __init__(self, i: int = 2, axis: int = 0):
        super().__init__()
        self.i, self.axis = i, axis

    def forward(self, A: Tensor) -> Tensor:
        return A.select(self.axis, self.i)


class IndexTwice(nn.Module):
    """Figure 9 as a module: ``a b -> 1``, index ``i`` on a, then ``j`` on b
    (``first="b"`` takes them the other way round; the value is the same)."""

    def __init__(self, i: int = 1, j: int = 2, first: str = "a"):
        super().__init__()
        self.i, self.j, self.first = i, j, first

    def forward(self, A: Tensor) -> Tensor:
        if self.first == "a":
            return A[self.i, :][self.j]
        return A[:, self.j][self.i]
