"""Codegen (stage: Diagram -> Python source): names in the generated code.

Three kinds of name: Python variables (one per diagram value, named after it),
einops axis names (one per tensor dimension, named after the diagram's wire
labels; a tandem wire ``Y`` of rank 2 is ``Y1 Y2``) and sizes (constructor
arguments, read as ``self.k``).  Everything here is pure text; no torch.
"""
from __future__ import annotations

import keyword
import re

import sympy

__all__ = ["identifier", "SizePrinter", "RESERVED"]

RESERVED = frozenset({"self", "torch", "nn", "math", "einops", "fn", "functions", "super", "int", "float"})


def identifier(text: str, fallback: str = "v") -> str:
    """A Python identifier for a diagram name: ``c_{\\lambda+1}`` -> ``c_lambda_1``, ``28`` -> ``d28``."""
    body = re.sub(r"\\([A-Za-z]+)", r"\1", text)
    body = re.sub(r"[^0-9A-Za-z_]+", "_", body).strip("_")
    if not body:
        body = fallback
    if body[0].isdigit():
        body = "d" + body
    if keyword.iskeyword(body) or body in RESERVED:
        body += "_"
    return body


def _einops_name(text: str) -> str:
    """einops refuses names that start or end with an underscore."""
    name = identifier(text, "a").strip("_")
    return name or "a"


class SizePrinter:
    """Sizes as Python expressions over the module's size attributes (``self.k * self.h``).

    ``symbols`` records every size symbol used, in order, so the constructor can ask for them.
    """

    def __init__(self, prefix: str = "self."):
        self.prefix = prefix
        self.symbols: dict[str, str] = {}  # diagram symbol name -> argument name

    def arg(self, name: str) -> str:
        if name not in self.symbols:
            self.symbols[name] = identifier(name, "n")
        return self.symbols[name]

    def __call__(self, size) -> str | None:
        """The expression, or None where it is not a whole-number expression the printer knows."""
        expr = _plain(sympy.sympify(size))
        return self._expr(expr)

    def _expr(self, e) -> str | None:
        if e.is_Integer:
            return str(int(e))
        if e.is_Symbol:
            return self.prefix + self.arg(e.name)
        if isinstance(e, sympy.floor):
            return self._division(e.args[0])
        if e.is_Add:
            num, den = sympy.fraction(sympy.together(e))
            if den != 1:
                return self._division(e)
            parts = [self._expr(a) for a in e.args]
            return None if None in parts else "(" + " + ".join(parts) + ")"
        if e.is_Mul or (e.is_Pow and e.exp.is_Integer and e.exp > 0):
            num, den = sympy.fraction(e)
            if den != 1:
                return self._division(e)
            factors = []
            for f in sympy.Mul.make_args(e):
                if f.is_Pow:
                    base = self._expr(f.base)
                    if base is None:
                        return None
                    factors.extend([base] * int(f.exp))
                else:
                    text = self._expr(f)
                    if text is None:
                        return None
                    factors.append(text)
            return " * ".join(factors)
        return None

    def _division(self, e) -> str | None:
        num, den = sympy.fraction(sympy.together(e))
        a, b = self._expr(num), self._expr(den)
        if a is None or b is None:
            return None
        return f"({a}) // ({b})" if not (num.is_Atom and den.is_Atom) else f"{a} // {b}"


def _plain(expr):
    """Subscripted sizes (``c(0)`` for ``c_0``) as plain symbols named ``c_0``."""
    from sympy.core.function import AppliedUndef

    if not expr.atoms(AppliedUndef):
        return expr

    def name(e):
        args = "_".join(sympy.sstr(a).replace(" ", "") for a in e.args)
        return sympy.Symbol(f"{e.func.__name__}_{args}", integer=True, positive=True)

    return expr.replace(lambda e: isinstance(e, AppliedUndef), name)
