"""Draft (stage: concrete sizes -> size expressions): naming what the trace measured.

The model is traced at concrete sizes: every input axis gets a distinct prime
(or the size the user gave), constructor arguments keep the values they were
given.  A size the trace produced (``192``, ``16``) is named from those
*atoms* by the simplest expression that gives it: the atom itself, a small
multiple or fraction of one (``3*d``, ``n1/4``), a product or a quotient of
two (``k*h``, ``d/h``), then of three.  When two expressions of the same rank
fit, the first is used and the ambiguity is noted for the draft's header.
Scalars (an attention's ``1/sqrt(k)``) are named the same way.  No torch here.
"""
from __future__ import annotations

import itertools
import math
from fractions import Fraction

import sympy

__all__ = ["SizeNamer", "spec_size", "size_symbol"]

_COEFFICIENTS = tuple(range(2, 17))


def size_symbol(name: str) -> sympy.Symbol:
    return sympy.Symbol(name, integer=True, positive=True)


def spec_size(expr) -> str:
    """A size expression as the spec language reads it: no spaces, ``^`` for powers."""
    expr = sympy.sympify(expr)
    if expr.is_Symbol:
        return expr.name
    text = sympy.sstr(expr, order="none").replace("**", "^").replace(" ", "")
    return text


class SizeNamer:
    """Names concrete sizes from atoms (``{"d": 64, "h": 4, "t": 7}``), remembering ambiguities."""

    def __init__(self, atoms: dict[str, int]):
        self.atoms = dict(atoms)
        self.symbols = {n: size_symbol(n) for n in atoms}
        self.values = {self.symbols[n]: sympy.Integer(v) for n, v in atoms.items()}
        self.notes: list[str] = []
        self._cache: dict[int, sympy.Expr] = {}
        self._noted: set[int] = set()

    def value(self, expr) -> int | None:
        """The concrete value of an expression over the atoms (None when it is not a whole number)."""
        got = sympy.sympify(expr).xreplace(self.values)
        try:
            got = sympy.nsimplify(got) if not got.is_Integer else got
        except (TypeError, ValueError):
            return None
        return int(got) if got.is_Integer else None

    def name(self, value: int, prefer=()) -> sympy.Expr:
        """The simplest expression whose value is ``value``; ``prefer`` (e.g. the op's own input sizes) first."""
        value = int(value)
        for e in prefer:
            if self.value(e) == value:
                return sympy.sympify(e)
        if value in self._cache:
            return self._cache[value]
        found = self._search(value)
        self._cache[value] = found
        return found

    def _search(self, value: int) -> sympy.Expr:
        if value == 1 or not self.atoms:
            return sympy.Integer(value)
        for tier in self._tiers(value):
            if tier:
                unique = list(dict.fromkeys(tier))
                if len(unique) > 1 and value not in self._noted:
                    self._noted.add(value)
                    self.notes.append(f"size {value} read as {spec_size(unique[0])}; it could also be "
                                      + " or ".join(spec_size(u) for u in unique[1:4]))
                return unique[0]
        return sympy.Integer(value)

    def _tiers(self, value: int):
        atoms = sorted(self.symbols.values(), key=lambda s: list(self.symbols.values()).index(s))
        val = self.values
        taken = {int(v) for v in val.values()}
        yield [a for a in atoms if val[a] == value]
        plain = []  # a coefficient that is also an atom's value is read as that atom (a product, below)
        for a, c in itertools.product(atoms, _COEFFICIENTS):
            for cand, ok in ((c * a, val[a] * c == value), (a / c, val[a] == value * c)):
                if ok and c not in taken:
                    plain.append(cand)
        yield plain
        pairs = []
        for a, b in itertools.combinations_with_replacement(atoms, 2):
            if val[a] * val[b] == value:
                pairs.append(a * b)
        for a, b in itertools.permutations(atoms, 2):
            if val[a] == value * val[b]:
                pairs.append(a / b)
        yield pairs
        triples = []
        for a, b, c in itertools.combinations_with_replacement(atoms, 3):
            if val[a] * val[b] * val[c] == value:
                triples.append(a * b * c)
        for (a, b), c in itertools.product(itertools.combinations_with_replacement(atoms, 2), atoms):
            if c not in (a, b) and val[a] * val[b] == value * val[c]:
                triples.append(a * b / c)
        for a, k in itertools.product(atoms, _COEFFICIENTS):
            for b in atoms:
                if val[a] * val[b] * k == value:
                    triples.append(k * a * b)
        yield triples

    def factor(self, c: float, sizes=()) -> str | None:
        """A scalar as a size expression: ``1/sqrt(k)``, ``sqrt(d/h)``, ``1/2``; None when none fits."""
        if c == 0 or not math.isfinite(c):
            return None
        candidates = list(dict.fromkeys([*sizes, *self.symbols.values()]))
        for e in candidates:
            v = self.value(e)
            if not v or v == 1:
                continue
            text = spec_size(e)
            wrapped = text if sympy.sympify(e).is_Symbol else f"({text})"
            for form, num in ((f"1/sqrt({text})", 1 / math.sqrt(v)), (f"sqrt({text})", math.sqrt(v)),
                              (f"1/{wrapped}", 1 / v), (text, float(v))):
                if math.isclose(c, num, rel_tol=1e-6):
                    return form
        frac = Fraction(c).limit_denominator(64)
        if math.isclose(float(frac), c, rel_tol=1e-9) and frac > 0:
            return str(frac)
        return None
