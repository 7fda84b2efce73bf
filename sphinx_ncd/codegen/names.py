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
        self.loops: dict[str, tuple[str, object, object]] = {}  # repetition index -> (loop variable, lo, hi)
        self.families: dict[str, set[int]] = {}  # c_\lambda: the family c and the indices its sizes take

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
            if e.name in self.loops:
                return self.loops[e.name][0]
            return self.prefix + self.arg(e.name)
        if _is_family(e):
            return self._family(e)
        if isinstance(e, sympy.floor):
            return self._division(e.args[0])
        if e.is_Add:
            num, den = sympy.fraction(sympy.together(e))
            if den != 1:
                return self._division(e)
            return self._sum(e)
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

    def _sum(self, e) -> str | None:
        """``(lambda_ + 1)``, ``(5 - lambda_)``: terms with sizes first, a negative term subtracted."""
        terms = sorted(sympy.Add.make_args(e), key=lambda t: (t.could_extract_minus_sign(), t.is_Number,
                                                              sympy.default_sort_key(t)))
        text = ""
        for t in terms:
            negative = t.could_extract_minus_sign()
            part = self._expr(-t if negative else t)
            if part is None:
                return None
            text += (" - " if negative else " + ") + part if text else ("-" if negative else "") + part
        return "(" + text + ")"

    def _family(self, e) -> str | None:
        """``c_{\\lambda+1}`` inside a repetition: ``self.c[lambda_ + 1]``, the family a tuple of its sizes
        over every index the repetition reaches (each a constructor argument ``c_0``, ``c_1`` ...)."""
        index = e.args[0]
        ranges = [self.loops.get(s.name) for s in index.free_symbols]
        if len(e.args) != 1 or None in ranges or len(ranges) != 1:
            return None
        _, lo, hi = ranges[0]
        sym = next(iter(index.free_symbols))
        try:
            values = [int(index.subs(sym, v)) for v in range(int(lo), int(hi) + 1)]
        except (TypeError, ValueError):
            return None  # bounds that are sizes (repeat N): no tuple of known length
        if min(values) < 0:
            return None
        self.families.setdefault(e.func.__name__, set()).update(values)
        for i in range(max(values) + 1):
            self.arg(f"{e.func.__name__}_{i}")
        text = self._expr(index)
        if text is not None and text.startswith("(") and text.endswith(")"):
            text = text[1:-1]
        return None if text is None else f"{self.prefix}{identifier(e.func.__name__, 'n')}[{text}]"

    def family_lines(self, indent: str) -> list[str]:
        """``self.c = (self.c_0, ..., self.c_5)`` for each family a repetition indexes."""
        out = []
        for base, values in self.families.items():
            items = ", ".join(self.prefix + self.arg(f"{base}_{i}") for i in range(max(values) + 1))
            out.append(f"{indent}{self.prefix}{identifier(base, 'n')} = ({items},)")
        return out

    def _division(self, e) -> str | None:
        num, den = sympy.fraction(sympy.together(e))
        a, b = self._expr(num), self._expr(den)
        if a is None or b is None:
            return None
        return f"({a}) // ({b})" if not (num.is_Atom and den.is_Atom) else f"{a} // {b}"


def _is_family(e) -> bool:
    from sympy.core.function import AppliedUndef

    return isinstance(e, AppliedUndef)


def _plain(expr):
    """Subscripted sizes (``c(0)`` for ``c_0``) as plain symbols named ``c_0``; one whose subscript holds a
    repetition's index (``c(lambda + 1)``) stays a family member."""
    from sympy.core.function import AppliedUndef

    if not expr.atoms(AppliedUndef):
        return expr

    def name(e):
        args = "_".join(sympy.sstr(a).replace(" ", "") for a in e.args)
        return sympy.Symbol(f"{e.func.__name__}_{args}", integer=True, positive=True)

    return expr.replace(lambda e: isinstance(e, AppliedUndef) and all(a.is_Integer for a in e.args), name)
