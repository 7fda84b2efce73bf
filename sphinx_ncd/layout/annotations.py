"""Layout (stage 3): annotations -- what is drawn around the finished figure.

Highlight notes under their boxes, the legend of derived sizes, the verdict badge, and the scene's text
description.
"""
from __future__ import annotations

from ..errors import NCDError
from ..model.types import Diagram
from .axismarks import marked
from .geometry import FONT, SMALL_FONT
from .mathtext import label, plain_text
from .pieces import Piece, union
from .scene import Path, Text

__all__ = ["NOTE_GAP", "BADGE_GAP", "add_notes", "add_legend", "add_badge", "describe_scene"]

NOTE_GAP = 4.0
BADGE_GAP = 6.0  # between the verdict badge and the top of the drawing
LEGEND_GAP = 12.0  # between the drawing and the legend


def add_notes(fig: Piece, hl: dict) -> None:
    """Highlight notes under a piece (a panel, or one row of a folded panel), each under its box's column -- or
    as far right as keeps it within the piece -- joined to its box by a dotted leader."""
    notes = [(op_id, note) for op_id, note in hl.items() if note and op_id in fig.op_boxes]
    if not notes or fig.bbox is None:
        return
    y = fig.bbox[3] + NOTE_GAP + 4
    for op_id, note in sorted(notes, key=lambda kv: (fig.op_boxes[kv[0]][0], str(kv[0]))):
        bb = fig.op_boxes[op_id]
        lab = label(str(note), SMALL_FONT + 0.5, "regular")
        tx = max(fig.bbox[0], min(bb[0], fig.bbox[2] - lab.width))
        t = Text(lab, tx, y + lab.ascent, fill="alert", role="label", owner=f"op:{op_id}")
        lx = min(bb[2], bb[0] + 3)
        fig.front.append(Path((("M", lx, bb[3] + 1), ("L", lx, y - 1)), stroke="alert", width=0.7,
                              dash=(1.2, 1.8), role="leader", owner=f"op:{op_id}"))
        fig.front.append(t)
        fig.bbox = union(fig.bbox, t.bbox)
        y = t.bbox[3] + 3


def add_legend(fig: Piece, legend, marks=None, room=None) -> None:
    """The derived sizes (``(name, expression)`` pairs) in a grey panel: in ``room`` (x0, y0, x1, y1: the free
    space right of the '=' of the block that uses them, see :func:`.assemble.join_equation`) where it fits there,
    level with the middle of that header; else under the drawing at its left.  The names in ``marks`` (see
    :func:`.axismarks.name_marks`) overlined as their wires are."""
    if not legend:
        return
    rows = [label(marked(f"{name} = {expr}", marks or {}), FONT * 0.95) for name, expr in legend]
    w = max(lab.width for lab in rows) + 14
    h = sum(lab.height + 4 for lab in rows) + 8
    allb = fig.bbox or (0, 0, 0, 0)
    lx, y = allb[0], allb[3] + LEGEND_GAP
    if room is not None and room[0] + LEGEND_GAP + w <= room[2] and h <= room[3] - room[1]:
        lx, y = room[0] + LEGEND_GAP, (room[1] + room[3] - h) / 2
    fig.front.append(Path((("M", lx, y), ("L", lx + w, y), ("L", lx + w, y + h), ("L", lx, y + h), ("Z",)),
                          stroke="legend-edge", fill="legend", width=0.6, role="legend", owner="legend"))
    cy = y + 6
    for lab in rows:
        fig.front.append(Text(lab, lx + 7, cy + lab.ascent, role="label", owner="legend"))
        cy += lab.height + 4
    fig.bbox = union(fig.bbox, (lx - 0.3, y - 0.3, lx + w + 0.3, y + h + 0.3))


def add_badge(fig: Piece, badge: str | None) -> None:
    """The verdict badge: as large as the wire labels (a page scales the whole figure down), on its own line
    above the drawing, flush right."""
    if not badge:
        return
    allb = fig.bbox or (0, 0, 0, 0)
    lab = label(str(badge), FONT, "regular")
    bt = Text(lab, allb[2] - lab.width, allb[1] - BADGE_GAP - lab.descent, fill="muted", role="label",
              owner="badge")
    fig.front.append(bt)
    fig.bbox = union(fig.bbox, bt.bbox)


def describe_scene(diagram: Diagram) -> str:
    """The scene's text description: the model's own (the same text Sphinx uses as alt text), else the
    signatures and labels."""
    try:  # the model's own short description (the same text Sphinx uses as alt text)
        from ..model.describe import describe

        text = describe(diagram)
        if text:
            return text
    except (ImportError, NCDError):
        pass
    parts = []
    for p in diagram.panels:
        ops = ", ".join(plain_text(o.label) if o.label else o.kind for o in p.operations[:40])
        more = f" and {len(p.operations) - 40} more" if len(p.operations) > 40 else ""
        parts.append(f"{p.signature}" + (f"; {ops}{more}" if ops else ""))
    return "Neural circuit diagram: " + " = ".join(parts)
