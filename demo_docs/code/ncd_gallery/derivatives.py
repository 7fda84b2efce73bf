"""Gallery code for figures 29-36 (paper section 3.6): the Jacobian, the
forward derivative (JVP), the reverse derivative (VJP), the (F, DF) functor,
and why backpropagation beats the naive forward-mode optimisation.

Gallery stage.  Built on ``torch.func``.  :func:`compare_costs` measures the
floating-point operations and the largest number of elements stored by the
two ways of computing a gradient, so the complexity reasoning of figures 33
and 36 can be checked against a count rather than asserted.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn
from torch.func import jacrev, jvp, vjp, vmap
from torch.utils._python_dispatch import TorchDispatchMode

__all__ = [
    "jacobian", "chain_rule_by_jacobians", "forward_derivative", "forward_derivative_of_composite",
    "tangent_functor", "reverse_derivative", "jacobian_from_unit", "gradient_forward_mode",
    "gradient_reverse_mode", "forward_reverse_adjoint", "Cost", "compare_costs", "mlp_chain",
    "Layer", "ChainRule", "ForwardDerivative", "ComposedForwardDerivative", "TangentFunctor",
    "NaiveOptimisation", "ReverseDerivative", "JacobianFromUnit", "Backpropagation",
    "two_layer_loss", "cost_table",
]


def jacobian(F, x: Tensor) -> Tensor:
    """``JF(x)``: for ``F : a -> b``, a ``b a`` tensor (figure 29)."""
    return jacrev(F)(x)


def chain_rule_by_jacobians(F, G, x: Tensor) -> tuple[Tensor, Tensor]:
    """Figure 29: ``J[F;G](x)`` and ``JG(F(x)) JF(x)`` (an inner product over b)."""
    composite = jacobian(lambda t: G(F(t)), x)
    product = torch.einsum("cb,ba->ca", jacobian(G, F(x)), jacobian(F, x))
    return composite, product


def forward_derivative(F, x: Tensor, dx: Tensor) -> tuple[Tensor, Tensor]:
    """``(F, DF)(x, dx) = (F(x), JF(x) dx)``: the JVP (figure 30)."""
    return jvp(F, (x,), (dx,))


def forward_derivative_of_composite(F, G, x: Tensor, dx: Tensor) -> tuple[Tensor, Tensor]:
    """Figure 30's second line: ``D[F;G](x, dx) = DG(F(x), DF(x, dx))``, and
    the direct JVP of the composite, to compare."""
    y, dy = forward_derivative(F, x, dx)
    _, dz = forward_derivative(G, y, dy)
    _, dz_direct = jvp(lambda t: G(F(t)), (x,), (dx,))
    return dz, dz_direct


def tangent_functor(F):
    """The ``(_, D_)`` functor of figure 31: ``F`` to ``(x, dx) -> (F x, DF(x, dx))``."""
    def lifted(x: Tensor, dx: Tensor) -> tuple[Tensor, Tensor]:
        return jvp(F, (x,), (dx,))
    return lifted


def reverse_derivative(F, x: Tensor, dy: Tensor) -> Tensor:
    """``RF(x, dy) = JF(x)^T dy``: the VJP (figure 34)."""
    _, pullback = vjp(F, x)
    return pullback(dy)[0]


def forward_reverse_adjoint(F, x: Tensor, dx: Tensor, dy: Tensor) -> tuple[Tensor, Tensor]:
    """Figure 34: the two derivatives are associated transposes of each
    other, ``<DF(x, dx), dy> = <dx, RF(x, dy)>``; returns both sides."""
    _, Fdx = forward_derivative(F, x, dx)
    return (Fdx * dy).sum(), (dx * reverse_derivative(F, x, dy)).sum()


def jacobian_from_unit(F, x: Tensor) -> Tensor:
    """Figure 35: the unit on ``a`` fed to the forward derivative, broadcast
    over a, gives the Jacobian: ``b a``."""
    basis = torch.eye(x.shape[-1], dtype=x.dtype)                      # the unit
    columns = vmap(lambda e: jvp(F, (x,), (e,))[1])(basis)            # a b
    return columns.T


def gradient_forward_mode(loss, x: Tensor, target_change: float = -1.0) -> Tensor:
    """Figure 32 (naive optimisation): run the forward derivative once per
    input degree of freedom (the unit, broadcast over a), then an inner product
    with the target change of the loss (an axis of length 1: a product)."""
    basis = torch.eye(x.shape[-1], dtype=x.dtype)
    dL = vmap(lambda e: jvp(loss, (x,), (e,))[1])(basis)               # a
    return dL * target_change


def gradient_reverse_mode(loss, x: Tensor, target_change: float = -1.0) -> Tensor:
    """Figure 36 (backpropagation): one reverse derivative of the target change."""
    return reverse_derivative(loss, x, torch.as_tensor(target_change, dtype=x.dtype))


def mlp_chain(weights: list[Tensor]):
    """A loss ``a -> 1`` made of ``len(weights)`` tanh layers of width a, then a sum."""
    def loss(x: Tensor) -> Tensor:
        for w in weights:
            x = torch.tanh(w @ x)
        return x.sum()
    return loss


@dataclass(frozen=True)
class Cost:
    """Measured cost of one way of computing a gradient."""

    flops: int          # floating point operations of the matrix products
    largest: int        # elements of the largest tensor allocated on the way


_aten = torch.ops.aten


def _matmul_flops(func, args) -> int:
    """Multiply-adds (x2) of the matrix products; element-wise work is ignored."""
    shape = lambda i: tuple(args[i].shape)  # noqa: E731
    if func in (_aten.mm.default, _aten.bmm.default):
        *batch, m, k = shape(0)
        n = shape(1)[-1]
        return 2 * m * k * n * (batch[0] if batch else 1)
    if func is _aten.addmm.default:
        (m, k), n = shape(1), shape(2)[-1]
        return 2 * m * k * n
    if func is _aten.mv.default:
        m, k = shape(0)
        return 2 * m * k
    if func is _aten.addmv.default:
        m, k = shape(1)
        return 2 * m * k
    if func is _aten.dot.default:
        return 2 * shape(0)[0]
    return 0


def _measure(fn, *args) -> Cost:
    """Count matmul FLOPs and the largest freshly allocated tensor while ``fn`` runs."""
    flops = 0
    largest = 0

    class _Counter(TorchDispatchMode):
        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            nonlocal flops, largest
            out = func(*args, **(kwargs or {}))
            flops += _matmul_flops(func, args)
            if not getattr(func, "is_view", False):      # views store nothing new
                for t in (out if isinstance(out, (tuple, list)) else (out,)):
                    if isinstance(t, Tensor):
                        largest = max(largest, t.numel())
            return out

    with _Counter():
        fn(*args)
    return Cost(flops=flops, largest=largest)


def compare_costs(loss, x: Tensor) -> dict[str, Cost]:
    """Figures 33 and 36: the cost of the naive forward-mode optimisation and
    of backpropagation, for the same loss and the same input."""
    return {
        "forward": _measure(gradient_forward_mode, loss, x),
        "reverse": _measure(gradient_reverse_mode, loss, x),
    }


# --- modules for the shape checks of figures 29-36 ---------------------------
class Layer(nn.Module):
    """A differentiable ``n -> m``: ``tanh(W x)``, the F and G of section 3.6."""

    def __init__(self, n: int, m: int):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(m, n) / n ** 0.5)

    def forward(self, x: Tensor) -> Tensor:
        return torch.tanh(x @ self.weight.T)


class _Pair(nn.Module):
    def __init__(self, a: int, b: int, c: int):
        super().__init__()
        self.F = Layer(a, b)
        self.G = Layer(b, c)

    def FG(self, x: Tensor) -> Tensor:
        return self.G(self.F(x))


class ChainRule(_Pair):
    """Figure 29: ``a -> c a``, the Jacobian of F; G."""

    def forward(self, X: Tensor) -> Tensor:
        return jacobian(self.FG, X)


class ForwardDerivative(nn.Module):
    """Figure 30: ``a, a' -> b'``, ``DF(x, dx)``."""

    def __init__(self, a: int, b: int):
        super().__init__()
        self.F = Layer(a, b)

    def forward(self, X: Tensor, dX: Tensor) -> Tensor:
        return forward_derivative(self.F, X, dX)[1]


class ComposedForwardDerivative(_Pair):
    """Figure 30, second line: ``a, a' -> c'``, ``DG(F(x), DF(x, dx))``."""

    def forward(self, X: Tensor, dX: Tensor) -> Tensor:
        Y, dY = forward_derivative(self.F, X, dX)
        return forward_derivative(self.G, Y, dY)[1]


class TangentFunctor(_Pair):
    """Figure 31: ``a, a' -> c, c'``, the functor applied to F; G."""

    def forward(self, X: Tensor, dX: Tensor) -> tuple[Tensor, Tensor]:
        return tangent_functor(self.FG)(X, dX)


class NaiveOptimisation(nn.Module):
    """Figure 32: ``1, a -> a``: given the target change ``dL`` of the loss and the
    location ``X``, the change of X that achieves it, by one forward derivative
    per input degree of freedom."""

    def __init__(self, a: int, b: int):
        super().__init__()
        self.F = Layer(a, b)

    def loss(self, x: Tensor) -> Tensor:
        return (self.F(x) ** 2).sum()

    def forward(self, dL: Tensor, X: Tensor) -> Tensor:
        return gradient_forward_mode(self.loss, X, 1.0) * dL


class ReverseDerivative(nn.Module):
    """Figure 34: ``a, b' -> a'``, ``RF(x, dy)``."""

    def __init__(self, a: int, b: int):
        super().__init__()
        self.F = Layer(a, b)

    def forward(self, X: Tensor, dY: Tensor) -> Tensor:
        return reverse_derivative(self.F, X, dY)


class JacobianFromUnit(nn.Module):
    """Figure 35: ``a -> b a``, the unit fed to the forward derivative."""

    def __init__(self, a: int, b: int):
        super().__init__()
        self.F = Layer(a, b)

    def forward(self, X: Tensor) -> Tensor:
        return jacobian_from_unit(self.F, X)


class Backpropagation(NaiveOptimisation):
    """Figure 36: ``1, a -> a``, the same result as figure 32 by one reverse derivative."""

    def forward(self, dL: Tensor, X: Tensor) -> Tensor:
        return reverse_derivative(self.loss, X, dL.reshape(()))


def two_layer_loss(a: int, b: int, seed: int = 0):
    """The algorithm of figures 32-36: ``F : a -> b`` (``tanh(W x)``), then the loss
    ``L : b -> 1`` (a sum of squares)."""
    W = torch.randn(b, a, generator=torch.Generator().manual_seed(seed)) / a ** 0.5
    return lambda x: (torch.tanh(W @ x) ** 2).sum()


def cost_table(shapes=((16, 16), (64, 64), (256, 64))) -> list[tuple[int, int, int, int, int, int]]:
    """Rows ``(a, b, forward flops, reverse flops, forward largest, reverse largest)``
    measured for the figure-32 algorithm and backpropagation (figure 36)."""
    rows = []
    for a, b in shapes:
        costs = compare_costs(two_layer_loss(a, b), torch.rand(a))
        f, r = costs["forward"], costs["reverse"]
        rows.append((a, b, f.flops, r.flops, f.largest, r.largest))
    return rows
