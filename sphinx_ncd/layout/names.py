"""Layout (stage 3): value names -- the ``name`` statement's labels on a value's wires.

As the paper writes ``Q``, ``K`` and ``V`` beside the wires of scaled dot-product attention: an input's name
stands left of where its wires begin and an output's right of where they end, centred on the value's wires; a
value made inside the diagram is named in the memory state where its wires first appear, left of their axis
labels, in the clear band between two of its wires (its middle gap; above its wire when it has one), so the
name never sits on a wire, and :data:`LEAD_GAP` clear of the axis labels beside it.  Names are set larger than axis labels, upright like the paper's.
"""
from __future__ import annotations

from .geometry import FONT, LABEL_GAP
from .mathtext import Label, label
from .scene import Text

__all__ = ["LEAD_GAP", "NAME_FONT", "NAME_GAP", "column_lead", "column_names", "edge_names", "name_label"]

NAME_FONT = FONT * 1.25
NAME_GAP = 6.0  # between an input's or output's name and the ends of its wires
LEAD_GAP = 12.0  # between a name in a state column and the axis labels right of it: a name never reads as one
# word with an axis label beside it ("Q k"); the paper sets Q, K, V well apart from their wires' labels


def name_label(src: str) -> Label:
    return label(src, NAME_FONT)


def _named(values, names: dict, keep=None):
    return [v for v in values if v.id in names and (keep is None or keep(v))]


def column_lead(values, names: dict | None) -> float:
    """Width a state column adds left of its axis labels for the names of the values first shown there."""
    if not names:
        return 0.0
    return max((name_label(names[v.id]).width + LEAD_GAP for v in _named(values, names)), default=0.0)


def column_names(values, ypos, x: float, names: dict | None, labels: list) -> None:
    """The names of the values first shown in a state column, from ``x`` (the column's left edge plus its
    padding); each is taken out of ``names`` (a value is named once)."""
    if not names:
        return
    for v in _named(values, names, lambda v: v.id in ypos):
        lab = name_label(names.pop(v.id))
        ys = ypos[v.id]
        if len(ys) % 2 == 0:  # centred in the middle gap of its wires
            mid = (ys[len(ys) // 2 - 1] + ys[len(ys) // 2]) / 2
            base = mid + (lab.ascent - lab.descent) / 2
        else:  # just above its middle wire, like an axis label
            base = ys[len(ys) // 2] - LABEL_GAP - lab.descent
        labels.append(Text(lab, x, base, fill="ink", role="label", owner=f"name:{v.id}"))


def edge_names(values, ypos, x: float, side: str, names: dict | None, labels: list) -> None:
    """Names of inputs (``side="left"``: right-aligned at ``x``) or outputs (``"right"``: from ``x``), each
    centred on its value's wires and taken out of ``names``."""
    if not names:
        return
    for v in _named(values, names, lambda v: v.id in ypos):
        lab = name_label(names.pop(v.id))
        ys = ypos[v.id]
        mid = (ys[0] + ys[-1]) / 2
        tx = x - NAME_GAP - lab.width if side == "left" else x + NAME_GAP
        labels.append(Text(lab, tx, mid + (lab.ascent - lab.descent) / 2, fill="ink", role="label",
                           owner=f"name:{v.id}"))
