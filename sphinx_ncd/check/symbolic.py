"""Check (stage: Diagram + PyTorch code -> ShapeReport): the symbolic backend, inside the worker.

Fake tensors whose sizes are symbols of a ``ShapeEnv`` (``duck_shape=False``,
so two sizes with equal samples stay different symbols).  A run that completes
proves the shapes for every size, except where the code made the run record a
*guard*: the assumptions it made.  :meth:`SymbolicBackend.finish` maps the
guards back to the diagram's axis names and sorts them into

* assumptions that tie sizes together (``y = x``, ``m divisible by h``);
* sizes the code fixed (``m = 128`` from ``nn.Linear(128, ...)``);
* conditions that only exclude degenerate sizes (``h ≠ d``, ``k ≥ 2``): dropped.

``torch.fx.experimental`` has no compatibility promise, so :func:`available`
feature-detects it and the worker falls back to concrete fake tensors.
"""
from __future__ import annotations

import contextlib

import torch

from .fallbacks import ConcreteBackend, no_init

__all__ = ["available", "SymbolicBackend"]


def available() -> bool:
    try:
        from torch._dynamo.source import ConstantSource  # noqa: F401
        from torch._subclasses.fake_tensor import FakeTensorMode  # noqa: F401
        from torch.fx.experimental.symbolic_shapes import (  # noqa: F401
            DimDynamic, ShapeEnv, statically_known_true)
    except Exception:
        return False
    return True


class SymbolicBackend(ConcreteBackend):
    method = "symbolic"

    def __init__(self, hints: dict[str, int], *, symbolic_build: bool = True):
        super().__init__(hints)
        import sympy
        from torch._dynamo.source import ConstantSource
        from torch._subclasses.fake_tensor import FakeTensorMode
        from torch.fx.experimental.symbolic_shapes import DimDynamic, ShapeEnv

        self.env = ShapeEnv(duck_shape=False)
        self._mode = FakeTensorMode(shape_env=self.env, allow_non_fake_inputs=True)
        self.sym = {}
        self.to_name = {}  # env symbol -> sympy Symbol named like the diagram's axis
        for name, hint in hints.items():
            s = self.env.create_symbol(hint, ConstantSource(name), dynamic_dim=DimDynamic.DYNAMIC)
            self.sym[name] = self.env.create_symintnode(s, hint=hint, source=ConstantSource(name))
            self.to_name[s] = sympy.Symbol(name, positive=True, integer=True)
        self.order = list(hints)
        self.names = dict(self.sym) if symbolic_build else dict(hints)

    def value(self, name):
        return self.sym[name]

    def mode(self):
        return self._mode

    def building(self):
        return no_init()

    def tensor(self, dims):
        return torch.empty(*dims)

    def running(self):
        return _sizes_stay_symbolic()

    def rename(self, text: str) -> str:
        """An exception message with the env's symbols (``s65``) replaced by axis names."""
        import re

        names = {str(k): v.name for k, v in self.to_name.items()}
        return re.sub(r"\b[su]\d+\b", lambda m: names.get(m.group(0), m.group(0)), text)

    def equal(self, got, expected) -> bool:
        from torch.fx.experimental.symbolic_shapes import statically_known_true

        if isinstance(got, int) and isinstance(expected, int):
            return got == expected
        try:
            return bool(statically_known_true(got == expected))
        except Exception:
            return False

    def named(self, expr):
        """A sympy expression over env symbols, in the diagram's names (replacements applied)."""
        try:
            expr = self.env.replace(expr)
        except Exception:
            pass
        return expr.xreplace(self.to_name)

    def show(self, d) -> str:
        if isinstance(d, int):
            return str(d)
        node = getattr(d, "node", None)
        expr = node.expr if node is not None else d
        return pretty(self.named(expr))

    def finish(self) -> dict:
        """Guards sorted into assumptions and fixed sizes, in the diagram's names."""
        import sympy

        exprs = [g.expr for g in self.env.guards]
        for asserts in getattr(self.env, "deferred_runtime_asserts", {}).values():
            exprs.extend(a.expr for a in asserts)
        fixed: dict[str, int] = {}
        for s, r in self.env.replacements.items():
            if s in self.to_name and getattr(r, "is_Integer", False):
                fixed[self.to_name[s].name] = int(r)
        assumptions: list[str] = []
        divisible: list[tuple] = []
        equalities: list = []
        for raw in exprs:
            e = raw.xreplace(self.to_name)
            free = e.free_symbols
            if isinstance(e, sympy.Eq):
                lhs, rhs = e.lhs, e.rhs
                mod = _mod_of(lhs, rhs)
                if mod is not None:
                    divisible.append(mod)
                    continue
                if len(free) == 1 and (lhs.is_Integer or rhs.is_Integer):
                    sym = next(iter(free))
                    const = rhs if rhs.is_Integer else lhs
                    other = lhs if rhs.is_Integer else rhs
                    if other == sym:
                        fixed[sym.name] = int(const)
                        continue
                if len(free) >= 2:
                    equalities.append(e)
                elif free:
                    assumptions.append(_eq_text(lhs, rhs, self.order))
            elif isinstance(e, (sympy.Lt, sympy.Le, sympy.Gt, sympy.Ge)) and len(free) >= 2:
                assumptions.append(pretty(e))
            # Ne and one-symbol bounds only exclude degenerate sizes: not shown
        for a, b in divisible:
            text = f"{pretty(a)} divisible by {pretty(b)}"
            if text not in assumptions:
                assumptions.append(text)
        for e in equalities:
            if _implied(e, divisible, fixed):
                continue
            text = _eq_text(e.lhs, e.rhs, self.order)
            if text not in assumptions:
                assumptions.append(text)
        fixed = {n: v for n, v in fixed.items() if n in self.hints}
        return {"assumptions": assumptions, "fixed": fixed}


@contextlib.contextmanager
def _sizes_stay_symbolic():
    """``math.sqrt(k)`` on a symbolic size would fix it to its sample; compute it symbolically instead."""
    import math

    original = math.sqrt

    def sqrt(x):
        if isinstance(x, (torch.SymInt, torch.SymFloat)):
            return torch.sym_sqrt(x)
        return original(x)

    math.sqrt = sqrt
    try:
        with torch.no_grad():
            yield
    finally:
        math.sqrt = original


def _mod_of(lhs, rhs):
    import sympy

    for a, b in ((lhs, rhs), (rhs, lhs)):
        if b == 0 and isinstance(a, sympy.Mod) or (b == 0 and type(a).__name__ in ("Mod", "PythonMod")):
            return a.args[0], a.args[1]
    return None


def _implied(e, divisible, fixed) -> bool:
    """Is the equality true once the divisibility facts are substituted (``d = h·q``)?"""
    import sympy

    sub = {}
    for a, b in divisible:
        if a.is_Symbol and a not in sub:
            sub[a] = b * sympy.Symbol(f"_q_{a.name}", positive=True, integer=True)
    try:
        diff = _plain(e.lhs - e.rhs).subs(sub)
        diff = diff.subs({sympy.Symbol(n, positive=True, integer=True): v for n, v in fixed.items()})
        return sympy.simplify(diff) == 0
    except Exception:
        return False


def _plain(expr):
    """Torch's sympy helpers (FloorDiv, PythonMod, ...) as plain sympy."""
    import sympy

    def rebuild(e):
        if not e.args:
            return e
        args = [rebuild(a) for a in e.args]
        name = type(e).__name__
        if name in ("FloorDiv", "IntTrueDiv", "CleanDiv"):
            return sympy.floor(args[0] / args[1]) if name == "FloorDiv" else args[0] / args[1]
        if name in ("PythonMod", "Mod"):
            return sympy.Mod(args[0], args[1])
        try:
            return e.func(*args)
        except Exception:
            return e

    return rebuild(expr)


def _eq_text(lhs, rhs, order) -> str:
    """``y = x``: the side whose first symbol comes first in the diagram goes left."""

    def rank(e):
        names = [s.name for s in e.free_symbols]
        return min((order.index(n) for n in names if n in order), default=len(order))

    if rank(rhs) < rank(lhs):
        lhs, rhs = rhs, lhs
    return f"{pretty(lhs)} = {pretty(rhs)}"


def pretty(expr) -> str:
    """Diagram-style text for a size expression: ``k·h``, ``d//h``, ``y ≤ x``."""
    import sympy

    name = type(expr).__name__
    if name == "FloorDiv":
        return f"{_paren(expr.args[0])}//{_paren(expr.args[1])}"
    if name in ("PythonMod", "Mod"):
        return f"{_paren(expr.args[0])} mod {_paren(expr.args[1])}"
    if isinstance(expr, sympy.Rel):
        op = {"<": "<", "<=": "≤", ">": ">", ">=": "≥", "==": "=", "!=": "≠"}[expr.rel_op]
        return f"{pretty(expr.lhs)} {op} {pretty(expr.rhs)}"
    if expr.is_Mul:
        return "·".join(_paren(a) for a in sorted(expr.args, key=lambda a: (not a.is_Number, sympy.default_sort_key(a))))
    text = sympy.sstr(expr)
    return text.replace("**", "^").replace("*", "·")


def _paren(expr) -> str:
    text = pretty(expr)
    return f"({text})" if (expr.is_Add or type(expr).__name__ == "FloorDiv") else text
