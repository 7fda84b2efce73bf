"""Draft (stage: steps -> statements): the values the draft tracks, and the statement record.

Every tensor of the graph is tracked as a :class:`Val`: the spec's name for it
and one :class:`Ax` per tensor dimension, in the code's order -- the axis's
label in the spec, its size as an expression over the traced atoms, and
whether it is *hidden* (a size-1 dimension the diagram does not draw, from
``unsqueeze`` or a global pooling).  A :class:`Stmt` is one line of the draft
with the module path that encloses it and the source line that made it.
No torch here.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import sympy

from .naming import spec_size

__all__ = ["Ax", "Val", "Stmt", "Names", "shape_text", "pattern_text"]


@dataclass(frozen=True)
class Ax:
    label: str
    size: sympy.Expr
    hidden: bool = False


@dataclass
class Val:
    name: str
    axes: list  # list[Ax], the code's order
    pending: tuple | None = None  # (source Val, permutation): a transpose not yet written

    @property
    def shown(self) -> list:
        return [a for a in self.axes if not a.hidden]


@dataclass
class Stmt:
    text: str
    parents: tuple = ()  # ((path, class name), ...) outermost first
    source: tuple | None = None  # (file, line)
    generic: str | None = None  # what became a generic box (for the header)
    comment: str = ""


def shape_text(axes) -> str:
    """Axes as a spec shape (``b t d``); ``1`` for a scalar."""
    labels = [a.label for a in axes if not a.hidden]
    return " ".join(labels) if labels else "1"


def pattern_text(labels) -> str:
    return " ".join(labels) if labels else "1"


def label_for(expr) -> str:
    return spec_size(sympy.sympify(expr))


class Names:
    """Stable, unique value names: ``attn_c_attn``, ``softmax_1``; never a spec keyword."""

    KEYWORDS = {
        "input", "output", "title", "sizes", "let", "width", "tandem", "def", "order", "save", "fence",
        "repeat", "block", "use", "expand", "load", "to", "by", "over", "at", "on", "kernel", "stride",
        "padding", "dilation", "einsum", "view", "softmax", "norm", "index", "concat", "add", "scale",
        "map", "conv", "convT", "maxpool", "avgpool", "unit", "learned", "L", "relu", "gelu", "sigmoid",
        "tanh", "exp", "log", "silu", "softplus", "sqrt", "abs", "square", "dropout", "neg",
    }

    def __init__(self, reserved=()):
        self.taken: set[str] = set(reserved)

    def fresh(self, base: str) -> str:
        base = re.sub(r"\W+", "_", base).strip("_") or "v"
        if not base[0].isalpha():
            base = "v_" + base
        if base in self.KEYWORDS:
            base = base + "_"
        name, i = base, 1
        while name in self.taken:
            name = f"{base}_{i}"
            i += 1
        self.taken.add(name)
        return name


@dataclass
class Lets:
    """``let`` lines the draft needs (a second name for an axis: ``let t2 = t``)."""

    lines: list = field(default_factory=list)
    labels: set = field(default_factory=set)

    def alias(self, label: str, taken: set) -> str:
        base = label if re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", label) else "n"
        i = 2
        while f"{base}{i}" in taken or f"{base}{i}" in self.labels:
            i += 1
        name = f"{base}{i}"
        self.labels.add(name)
        self.lines.append(f"let {name} = {label}")
        return name
