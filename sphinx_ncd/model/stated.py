"""Model stage: the ``sizes`` line against the divisions the drawing states.

Shape inference works on symbols, so a ``chunk`` into equal parts, a convolution's ``groups``, a ``let``
quotient (``let e = d/h``), a view's sizes (``h -> g r`` with ``let h = g*r``) and a rotary embedding's even
feature axis are taken as stated.  When the spec's ``sizes`` line gives numbers, they are checked here: each
place that states such a division records a :class:`Stated` (what must be whole, or two sizes that must be
equal, and where it is written), and :func:`problems` evaluates them with the given sizes (and the lets)
substituted.  A stated division that comes out fractional, or a let the sizes contradict, is a located
:class:`~sphinx_ncd.errors.NCDError` at the operation or size that states it.
"""
from __future__ import annotations

import sympy

from .. import messages as msg
from ..errors import NCDError, Span
from .sizes import SizeSyntaxError, parse_size, size_label

__all__ = ["Stated", "whole", "equal", "problems"]


class Stated:
    """One stated division: ``expr`` must be a whole number (``other`` None), or equal ``other``.

    ``message`` is a template of :mod:`sphinx_ncd.messages`, formatted with ``fields`` and, once
    evaluated, ``value`` (and ``other_value``) and ``given`` (the sizes that decided it)."""

    __slots__ = ("expr", "other", "span", "message", "fields", "hint")

    def __init__(self, expr, other, span: Span | None, message: str, fields: dict, hint: str | None = None):
        self.expr, self.other, self.span, self.message, self.fields, self.hint = expr, other, span, message, fields, hint


def whole(expr, span, message: str, hint: str | None = None, /, **fields) -> Stated:
    """``expr`` (a quotient such as ``d/2``) must come out a whole number."""
    return Stated(sympy.sympify(expr), None, span, message, fields, hint)


def equal(left, right, span, message: str, hint: str | None = None, /, **fields) -> Stated:
    """``left`` and ``right`` (a view's two sides, a let's two sides) must come out equal."""
    return Stated(sympy.sympify(left), sympy.sympify(right), span, message, fields, hint)


def _given(sizes) -> dict:
    """The sizes line as {sympy atom: Integer}; names that are not sizes are left out."""
    table = {}
    for name, value in sizes:
        try:
            table[parse_size(name)] = sympy.Integer(value)
        except SizeSyntaxError:
            continue
    return table


def _evaluate(expr, given: dict, rewrites: dict):
    """``expr`` with the given sizes substituted, then the lets for names still free (a few rounds)."""
    for _ in range(8):
        before = expr
        expr = expr.xreplace(given)
        if rewrites:
            expr = expr.xreplace(rewrites)
        if expr == before:
            break
    return expr


def _used(expr, given: dict, rewrites: dict) -> str:
    """``d=5, h=2``: the given sizes that ``expr`` reaches, directly or through lets."""
    names, todo, seen = [], [expr], set()
    while todo:
        e = todo.pop()
        for atom in e.atoms(sympy.Symbol, sympy.core.function.AppliedUndef):
            if atom in seen:
                continue
            seen.add(atom)
            if atom in given:
                names.append(atom)
            elif atom in rewrites:
                todo.append(rewrites[atom])
    names.sort(key=str)
    return ", ".join(f"{size_label(n)}={given[n]}" for n in names)


def problems(stated, sizes, rewrites: dict, sizes_span: Span | None) -> list[NCDError]:
    """The stated divisions the ``sizes`` line breaks, in the order they are written."""
    given = _given(sizes)
    if not given:
        return []
    found = []
    for item in stated:
        value = _evaluate(item.expr, given, rewrites)
        if not value.is_Number:
            continue
        if item.other is None:
            if value.is_Integer and value > 0:
                continue
            other_value = None
        else:
            other_value = _evaluate(item.other, given, rewrites)
            if not other_value.is_Number or value == other_value:
                continue
        if item.other is None:
            used = _used(item.expr, given, rewrites)
        else:  # a let whose name the sizes line gives: the sizes its definition reaches
            used = _used(item.other if item.expr in given else item.expr + item.other, given, rewrites)
        text = item.message.format(value=_number(value), other_value=_number(other_value), given=used,
                                   **item.fields)
        where = msg.HINT_SIZES_LINE.format(line=sizes_span.line) if sizes_span is not None else None
        hint = "\n".join(h for h in (item.hint, where) if h) or None
        found.append(NCDError(text, item.span, kind="shape", hint=hint))
    found.sort(key=lambda e: (e.span.line, e.span.column) if e.span is not None else (0, 0))
    return found


def _number(value) -> str:
    """A whole number, or a fraction in lowest terms (``5/2``, ``4/3``)."""
    return "" if value is None else str(value)
