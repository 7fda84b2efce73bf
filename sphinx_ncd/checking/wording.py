"""Check (stage: Answer -> the report's text): the code's sizes, in the names the user wrote.

The worker prints sizes as the code computed them: a size the code holds as a number where the spec
gives it by name (``35//h`` from ``nn.Linear(35, 35)``, with ``sizes d=35``), a floor division where the
diagram names the quotient (``d//h`` where it draws ``e``, with ``let e = d/h``).  :func:`in_user_names`
rewrites an answer's "got" shapes and its assumptions so that a size the diagram writes is shown as it is
written: ``b t h e``, not ``b t h 35//h``; ``d divisible by h``, not ``35 divisible by h``.  A size that is
not one the diagram writes keeps the code's text.  No torch here.
"""
from __future__ import annotations

import dataclasses
import re

import sympy

from ..model.types import Diagram
from .answer import Answer
from .plan import CheckPlan, _all_axes, _lets, _size

__all__ = ["in_user_names", "passed_by_name"]

_DIVISIBLE = re.compile(r"^(.+) divisible by (.+)$")


class _Names:
    """What the user wrote: each size of the diagram (lets expanded) to its label, and numbers to names."""

    def __init__(self, diagram: Diagram, plan: CheckPlan, answer: Answer):
        lets = _lets(diagram)
        self.labels: dict = {}
        for axis in _all_axes(diagram.main):
            if axis.rank == 1:
                self.labels.setdefault(_size(axis, lets), axis.label)
        for name, expr in lets.items():
            if name.isidentifier():
                self.labels[expr] = name  # a let's name before its definition: e, not d/h
        literals = {int(n) for e in self.labels for n in e.atoms(sympy.Integer)}
        by_value: dict[int, set] = {}
        hints = dict(plan.hints)
        for name in plan.given:
            by_value.setdefault(int(hints[name]), set()).add(name)
        for name, value in answer.fixed.items():
            if name in plan.symbols and name.isidentifier():
                by_value.setdefault(int(value), set()).add(name)
        # a number the code has in place of a given size: one name only, never a number the diagram writes
        self.numbers = {sympy.Integer(v): _symbol(next(iter(ns))) for v, ns in by_value.items()
                        if len(ns) == 1 and v >= 2 and v not in literals}

    def named(self, expr):
        return expr.xreplace(self.numbers) if self.numbers else expr

    def size(self, text: str) -> str:
        """One dimension: the diagram's label when it is a size the diagram writes, else as it was."""
        expr = _read(text)
        if expr is None or not (expr.free_symbols or expr.atoms(sympy.floor)):
            return text
        for candidate in (expr, self.named(expr)):
            for form in (candidate, _exact(candidate)):
                if form in self.labels:
                    return self.labels[form]
        return text

    def shape(self, text: str) -> str:
        """``b t h 35//h`` -> ``b t h e``; segments (``, ``) one by one."""
        if "," in text:
            return ", ".join(self.shape(part.strip()) for part in text.split(","))
        out = []
        for d in _dims(text):
            inner = d[1:-1] if d.startswith("(") and d.endswith(")") else d
            new = self.size(inner)
            out.append(d if new == inner else (f"({new})" if " " in new else new))
        return " ".join(out)

    def assumptions(self, items) -> tuple[str, ...]:
        """``35 divisible by h`` -> ``d divisible by h``; an equation that says nothing once written in the
        user's names (``d/h = 35//h`` beside ``d divisible by h``) is left out."""
        out, divides = [], []
        for text in items:
            m = _DIVISIBLE.match(text)
            if m:
                a, b = (_read(x) for x in m.groups())
                if a is not None and b is not None:
                    a, b = self.named(a), self.named(b)
                    divides.append((a, b))
                    text = f"{_show(a)} divisible by {_show(b)}"
            if text not in out:
                out.append(text)
        kept = []
        for text in out:
            sides = text.split(" = ")
            if len(sides) == 2:
                left, right = (_read(s) for s in sides)
                if left is not None and right is not None and \
                        _exact(self.named(left), divides) == _exact(self.named(right), divides):
                    continue
            kept.append(text)
        return tuple(kept)


def in_user_names(answer: Answer, diagram: Diagram, plan: CheckPlan) -> Answer:
    """``answer`` with its got shapes and assumptions in the user's names (unchanged if nothing applies)."""
    try:
        names = _Names(diagram, plan, answer)
    except (TypeError, ValueError, KeyError, sympy.SympifyError):
        return answer

    def box(b):
        return dataclasses.replace(b, got=names.shape(b.got)) if b is not None and b.got else b

    return dataclasses.replace(answer, boxes=tuple(box(b) for b in answer.boxes), mismatch=box(answer.mismatch),
                               assumptions=names.assumptions(answer.assumptions))


def passed_by_name(code: str, given) -> set[str]:
    """The given sizes a code call passes by name: ``d`` in ``pkg.mod:Attn(n_embd=d, n_head=h)`` (keyword
    names and numbers are not; embedded code passes nothing)."""
    start, end = code.find("("), code.rfind(")")
    if start < 0 or end < start:
        return set()
    # n_embd=d, a positional d, also inside a nested call (GPT2Config(n_embd=d)): a name followed by , or )
    words = set(re.findall(r"[(,=]\s*([A-Za-z_]\w*)\s*(?=[,)])", code[start:end + 1]))
    return words & set(given)


def _symbol(name: str) -> sympy.Symbol:
    return sympy.Symbol(name, integer=True, positive=True)


def _dims(text: str) -> list[str]:
    """``b t (x//2 + 1) h`` -> its dimensions (a parenthesised one is one)."""
    out, depth, word = [], 0, ""
    for ch in text:
        if ch == " " and depth == 0:
            if word:
                out.append(word)
            word = ""
            continue
        depth += (ch == "(") - (ch == ")")
        word += ch
    return out + ([word] if word else [])


_TOKENS = re.compile(r"\s*(?:(\d+)|([A-Za-z_]\w*)|(//|[-+*/^()·]))")


def _read(text: str):
    """A size as the worker prints it (``35//h``, ``k·h``, ``x - 2``) to sympy; None if it is not one."""
    pos, parts, names = 0, [], {}
    text = text.strip()
    while pos < len(text):
        m = _TOKENS.match(text, pos)
        if m is None or m.end() == pos:
            return None
        num, word, op = m.groups()
        if word is not None:
            names[word] = _symbol(word)
            parts.append(f"_n[{word!r}]")
        else:
            parts.append(num or {"·": "*", "^": "**"}.get(op, op))
        pos = m.end()
    if not parts:
        return None
    try:
        expr = eval("".join(parts), {"__builtins__": {}}, {"_n": names})  # noqa: S307
    except Exception:  # noqa: BLE001 - text the reader cannot take keeps the worker's wording
        return None
    return sympy.sympify(expr) if isinstance(expr, (int, sympy.Basic)) else None


def _exact(expr, divides=None):
    """Floor divisions as the diagram's exact quotients (``d//h`` -> ``d/h``): all of them, or with
    ``divides``, only those an assumption says are whole."""
    def whole(arg):
        num, den = sympy.fraction(sympy.together(arg))
        return divides is None or (num, den) in divides

    return expr.replace(lambda e: isinstance(e, sympy.floor) and whole(e.args[0]), lambda e: e.args[0])


def _show(expr) -> str:
    from ..model.sizes import size_label

    return size_label(expr)
