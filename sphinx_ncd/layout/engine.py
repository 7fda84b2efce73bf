"""Layout (stage 3): Diagram -> Scene.

The entry point: every panel of the diagram laid out (:mod:`.panels`), folded into rows where it is wider
than the target width and joined by '=' (:mod:`.assemble`), the block definitions the spec draws under the
figure, then the annotations (:mod:`.annotations`).  Nothing here writes output syntax;
:mod:`sphinx_ncd.rendering.svg` turns the scene into SVG.
"""
from __future__ import annotations

import re

from .. import messages as msg
from ..errors import NCDError
from ..model.types import Diagram
from .annotations import add_badge, add_legend, describe_scene
from .assemble import join_equation, ROW_GAP
from .axismarks import name_marks
from .bindings import numeric_lets, placed_names
from .geometry import MARGIN
from .mathtext import plain_text
from .panels import panel_sections, with_headers
from .pieces import below, place, shift_box
from .rows import silent_values
from .scene import Scene

__all__ = ["layout", "MAX_OPERATIONS", "MAX_WIRES"]


MAX_OPERATIONS = 20000  # beyond this a diagram is refused (a clear error, not a hang)
MAX_WIRES = 20000


def layout(diagram: Diagram, highlights=(), badge: str | None = None, max_width: float | None = None,
           parts: bool = False) -> Scene:
    """Lay out every panel of ``diagram`` (``=`` between them) and return the scene.  A panel wider than
    ``max_width`` (layout units; None: never) is folded into rows.  ``parts``: a scene to be written at once,
    its primitives left unmoved (see :attr:`.scene.Scene.parts`)."""
    n_ops = sum(len(p.operations) for p in diagram.panels)
    if n_ops > MAX_OPERATIONS:
        raise NCDError(msg.RENDER_TOO_MANY_OPS.format(n=n_ops, limit=MAX_OPERATIONS), None, kind="render")
    n_wires = sum(len(v.axes) or 1 for p in diagram.panels for s in p.sections for v in s.values)  # (nrows)
    if n_wires > MAX_WIRES * 10:
        raise NCDError(msg.RENDER_TOO_MANY_WIRES.format(n=n_wires, limit=MAX_WIRES * 10), None, kind="render")
    if not diagram.panels or all(not p.sections and not p.inputs and not p.operations for p in diagram.panels):
        raise NCDError(msg.RENDER_EMPTY, None, kind="render")
    hl = _highlights(highlights)
    if max_width is not None:  # the drawing's margins are part of the width it is shown at
        max_width = max(1.0, max_width - 2 * MARGIN)
    rooms: dict = {}
    joined = with_headers(diagram.panels)
    fig = join_equation(joined, hl, max_width, rooms)
    drawn = [(p, rooms.get(i)) for i, p in enumerate(joined) if any(p is q for q in diagram.panels)]
    for name, body in diagram.blocks:  # blocks defined by this spec: "Name(params) = body" under the figure
        if body.header is not None and body.span is not None and body.span.file == diagram.filename \
                and body.operations and all(p is not body for p in diagram.panels):
            # highlights name the drawn panels' operations: a block's body numbers its own from 0 again
            rooms = {}
            blk = join_equation(with_headers((body,)), {}, max_width, rooms)
            dy = fig.bbox[3] + ROW_GAP - blk.bbox[1]
            fig = below(fig, place(blk, 0.0, dy), ROW_GAP, moved=True)
            drawn.append((body, shift_box(rooms[1], 0.0, dy) if 1 in rooms else None))
    legend = [pair for p in diagram.panels for pair in p.legend]
    if legend:  # a size bound to a number is written on its wire (x = 28), not in the legend
        placed = {name for p in diagram.panels if numeric_lets(p.legend)
                  for name in placed_names(p, panel_sections(p), silent_values(p))}
        legend = [pair for pair in legend if pair[0] not in placed]
    if legend:  # (the axes' marks are only looked for when there is a legend to mark)
        add_legend(fig, legend, name_marks(
            ax for p in diagram.panels + tuple(b for _, b in diagram.blocks) for s in p.sections for v in s.values
            for ax in v.axes), _legend_room(legend, drawn))
    add_badge(fig, badge)
    items = () if parts else fig.back + fig.mid + fig.front
    bb = fig.bbox or (0, 0, 1, 1)
    vb = (bb[0] - MARGIN, bb[1] - MARGIN, (bb[2] - bb[0]) + 2 * MARGIN, (bb[3] - bb[1]) + 2 * MARGIN)
    title = plain_text(diagram.title) if diagram.title else "Neural circuit diagram"
    desc = describe_scene(diagram)
    return Scene(tuple(items), vb, title=title, description=desc, anchors=tuple(fig.anchors),
                 continued=tuple(fig.continued), named_anchors=dict(fig.named), parts=fig.parts() if parts else ())


def _legend_room(legend, drawn):
    """Where the legend goes: the free room beside the first header (or after the first equation line) of a drawn
    panel whose wires carry one of the sizes it defines (the block it defines them for); else None."""
    names = [re.compile(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])") for name, _ in legend]
    for panel, room in drawn:
        if room is not None and any(pat.search(ax.label) for s in panel.sections for v in s.values for ax in v.axes for pat in names):
            return room
    return None


def _highlights(highlights) -> dict:
    """op id -> note ("" for none), from ``(op_id, note)`` pairs or bare ids."""
    hl = {}
    for item in highlights or ():
        try:
            op_id, note = item
        except (TypeError, ValueError):
            op_id, note = item, ""
        hl[op_id] = note or ""
    return hl
