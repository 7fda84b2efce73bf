"""Layout (stage 3): a size bound to a number, written on its wire as the paper writes it.

The paper labels fig 19's inputs ``x̄ = 28`` and ``ȳ = 28`` and the classes ``k = 10``: the axis keeps its name,
and where it first shows, the wire says what the name stands for.  A spec says the same with ``let y = 28``
(which also teaches the model that ``y`` is 28, so ``view X : y x -> 28^2`` holds and the shape check proves
it).  :func:`wire_bindings` finds, for each ``let`` whose definition is a whole number, the first memory state
where a wire of that axis is drawn new (or the panel's first or last state): its label there reads
``NAME = N``, and the legend leaves the ``let`` out (:func:`placed_names`).  A ``let`` defined by other sizes
(``let n_b = n_1/4``) stays in the legend.
"""
from __future__ import annotations

from .axismarks import axis_label_source
from .rows import shown_axes

__all__ = ["numeric_lets", "wire_bindings", "placed_names"]


def numeric_lets(legend) -> dict:
    """The legend's ``let NAME = N`` with a whole number N: name -> N (as written)."""
    return {name: expr.strip() for name, expr in legend if expr.strip().isdigit()}


def wire_bindings(panel, sections, silent) -> dict:
    """Section index (of ``sections``, the panel's as drawn) -> {(value id, axis index): label source} for the
    wires whose label reads ``NAME = N`` there (``silent``: the values that draw no wire).  Empty when the
    panel binds no size to a number."""
    return _bind(panel, sections, silent)[0]


def placed_names(panel, sections, silent) -> set:
    """The names :func:`wire_bindings` writes on a wire of ``panel`` (left out of the legend)."""
    return _bind(panel, sections, silent)[1]


def _bind(panel, sections, silent) -> tuple[dict, set]:
    numbers = numeric_lets(panel.legend)
    out: dict = {}
    placed: set = set()
    if not numbers:
        return out, placed
    last_state = max((i for i, sec in enumerate(sections) if sec.kind == "state"), default=-1)
    before: set | None = None  # the values of the state before this one, when a single step lies between
    for idx, sec in enumerate(sections):
        if sec.kind != "state":
            if idx and sections[idx - 1].kind != "state":
                before = None  # two steps in a row: what the first made is labelled in between
            continue
        for v in sec.values:
            new = idx == 0 or idx == last_state or (before is not None and v.id not in before)
            if v.id in silent or not new:
                continue
            for j, ax in enumerate(shown_axes(v)):
                if ax.label in numbers:
                    out.setdefault(idx, {})[v.id, j] = axis_label_source(ax) + " = " + numbers.pop(ax.label)
                    placed.add(ax.label)
        before = {v.id for v in sec.values}
    return out, placed
