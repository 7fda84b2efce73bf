"""Layout (stage 3): rows and equations -- a panel folded into rows, panels joined by '='.

:func:`_fold_panel` measures the unfolded strip, lets :mod:`.fold` choose the cuts and stacks the rows,
recording each carried wire; :func:`join_equation` sets panels side by side when they fit the target width and
one under the other otherwise (a block's header above its body).
"""
from __future__ import annotations

import math

from ..model.types import OpKind, Panel
from .fold import choose_cuts, Strip, strip_width
from .geometry import BRACKET_W, EQ_GAP, FENCE_PAD, FONT, LABEL_PAD, STATE_MIN_W
from .glyphs import axis_label_source
from .mathtext import label
from .names import name_label, NAME_GAP
from .notes import add_fold_tints
from .panels import measure_panel, panel_piece, panel_sections
from .pieces import below, beside, join_all, Piece, place, union
from .rows import nrows, shown_axes, silent_values
from .scene import Text
from .wires import ARROW_TIP, PanelOut, STUB

__all__ = ["ROW_GAP", "FOLD_GAP", "HEADER_GAP", "join_equation"]

ROW_GAP = 28.0  # between the figure and the block definitions drawn under it


FOLD_GAP = 22.0  # between the rows of a folded panel
HEADER_GAP = 8.0  # between a block's header and its body set under it: one equation, so one small gap


def _group_spans(panel: Panel, sections) -> tuple[dict, list]:
    """(group id -> (its first step, its last step), counting the steps of the groups inside it; per section,
    what it belongs to: its groups, and a block box of its own)."""
    by_id = {g.id: g for g in panel.groups}
    spans: dict = {}
    tags = []
    for k, sec in enumerate(sections):
        tag = set()
        for op in sec.ops:
            for gid in op.groups:
                p, seen = gid, set()
                while p is not None and p in by_id and p not in seen:
                    seen.add(p)
                    first, last = spans.get(p, (k, k))
                    spans[p] = (min(first, k), max(last, k))
                    p = by_id[p].parent
                tag.add(("g", gid))
            if op.kind == OpKind.BLOCK:
                tag.add(("b", op.id))
        tags.append(frozenset(tag))
    return spans, tags


def _strip(panel: Panel, sections, po: PanelOut, spans: dict, tags: list) -> Strip:
    """What the folding needs to know of the unfolded strip (see :class:`.fold.Strip`)."""
    left = [0.0] * len(sections)
    right = [0.0] * len(sections)
    for k, (a, b) in po.section_x.items():
        left[k], right[k] = a, b
    states = tuple(k for k, sec in enumerate(sections) if sec.kind == "state")
    relabel = {}
    for k in states:
        widths = [label(axis_label_source(a), FONT).width + 2 * LABEL_PAD
                  for v in sections[k].values for a in shown_axes(v)]
        relabel[k] = max([STATE_MIN_W, *widths])
    kinds = {g.id: g.kind for g in panel.groups}
    groups = [(first, last, 2 * (FENCE_PAD + (BRACKET_W if kinds[gid] == "repeat" else 0.0)))
              for gid, (first, last) in spans.items()]
    names = dict(panel.names) if panel.names else {}  # the outputs' names, written right of the last row's edge
    right[-1] += max((NAME_GAP + name_label(names[v.id]).width for v in sections[-1].values if v.id in names),
                     default=0.0)
    boundary = frozenset(k for k in states[1:-1] if tags[k - 1] != tags[k + 1])
    breaks = frozenset(k for k in states[1:-1] if getattr(sections[k], "brk", False))
    wires = {k: sum(nrows(v) for v in sections[k].values) for k in states}
    return Strip(tuple(left), tuple(right), relabel, states, tuple(groups), boundary, breaks, ARROW_TIP + 2.0,
                 wires)


def _fold_panel(panel: Panel, hl: dict, target: float | None) -> Piece:
    """The panel as one row, or folded into rows no wider than ``target`` where it can be (see :mod:`.fold`).
    With no target, only the author's ``break`` statements cut it."""
    sections = panel_sections(panel)
    silent = silent_values(panel)
    asked = any(getattr(sec, "brk", False) for sec in sections[1:-1] if sec.kind == "state")
    po = _measured(panel, hl, sections, silent, target) if target is not None and not asked else None
    whole = None
    if isinstance(po, dict):  # measured and found to fit: laid out whole, with the glyphs the measure drew
        whole, po = panel_piece(panel, hl, sections, silent, 0, False, glyphs=po, fold=target)
    elif po is None:
        whole, po = panel_piece(panel, hl, sections, silent, 0, False, fold=target)
        if not asked:
            if target is None or whole.width <= target:  # nothing asks for a cut
                return whole
        elif target is None:
            target = math.inf
    spans, tags = _group_spans(panel, sections)
    strip = _strip(panel, sections, po, spans, tags)
    if whole is not None and whole.width <= target and not strip.breaks:
        return whole
    goal, cuts, rows = target, None, None
    if whole is not None and whole.width > target >= strip_width(strip):  # measured as fitting, drawn wider
        goal -= whole.width - target  # (strokes overhang the strip's edges): cut as if the strip were that wider
    laid: dict = {}  # (first state, last state) -> the row, laid out once

    def row(a: int, b: int, last: bool) -> Piece:
        if (a, b) not in laid:  # the groups it shares with the rows before and after it are drawn open there
            here = {g for g, (first, end) in spans.items() if first <= b and end >= a}
            cut = (frozenset(g for g in here if spans[g][0] < a), frozenset(g for g in here if spans[g][1] > b))
            laid[a, b] = panel_piece(panel, hl, sections[a:b + 1], silent, a, not last, cut, po.glyphs,
                                     fold=target if target < math.inf else None)[0]
        return laid[a, b]

    for _ in range(3):  # the rows are measured on the strip; one that comes out wider tightens the goal
        new = choose_cuts(strip, goal)
        if new == cuts or not new:
            break
        cuts = new
        bounds = [strip.states[0], *cuts, strip.states[-1]]
        rows = [row(a, b, b == bounds[-1]) for a, b in zip(bounds, bounds[1:])]
        over = max(r.width for r in rows) - target
        if over <= 0.5:
            break
        goal -= over
    if rows is None:  # no cut helps: one row after all
        return whole if whole is not None else panel_piece(panel, hl, sections, silent, 0, False, glyphs=po.glyphs)[0]
    out = _stack_rows(rows)
    if panel.notes:  # a tint along a path that the fold cut: carried across the break
        add_fold_tints(panel, out)
    return out


#: a panel whose columns' least width (see :func:`_measured`) is at least this share of the target is measured
#: before it is drawn: the demo's panels that fold have least widths of 0.23 to 0.37 of their drawn widths.  Over
#: every spec of the repository at the default, 400 and 250 widths, those below 0.34 fit (fig 21's body, fig 28 at
#: 0.33 of the default target, the small figures at 0.33 of 250), and every one found wider than its target by
#: the measure lies at 0.35 or more.  Measuring first costs little even when the panel fits after all: it is then
#: drawn with the glyphs and the steps' plans the measure made (see :class:`.wires.PassCache`), and it saves
#: drawing the whole strip only to throw it away; below this share it would be a pass thrown away
MEASURE_FIRST = 0.34


def _measured(panel: Panel, hl: dict, sections, silent, target: float):
    """The unfolded strip's columns, measured without drawing it (see :func:`.panels.measure_panel`), when the
    panel is surely wider than ``target``: its columns alone are wider (each state and step column takes some
    least width), and wires run from its left edge to its right edge, so the drawing is at least as wide.  None
    when it may fit and was not measured: it is then laid out whole; the measure's glyphs (op id -> (rows, glyph))
    when it was measured and may fit."""
    n_states = sum(1 for sec in sections if sec.kind == "state")
    least = n_states * STATE_MIN_W + (len(sections) - n_states) * 2 * STUB
    if least < MEASURE_FIRST * target:
        return None
    po = measure_panel(panel, hl, sections, silent)
    xs = po.section_x.values()
    if po.edge_in and po.edge_out and max(b for _, b in xs) - min(a for a, _ in xs) > target:
        return po
    return po.glyphs


def _stack_rows(rows: list) -> Piece:
    """Rows of one folded panel, top to bottom, left edges where they were laid out; every wire that leaves one
    row's right edge is recorded as resumed at the next row's left edge."""
    if len(rows) == 1:
        rows[0].rows = 1
        return rows[0]
    placed, carried = [rows[0]], []
    bottom, outs = rows[0].bbox[3], rows[0].outs
    for row in rows[1:]:
        moved = place(row, 0.0, bottom + FOLD_GAP - row.bbox[1])
        carried.append([(o, (prev_pt[0] + ARROW_TIP, prev_pt[1]), moved.ins[o])
                        for o, prev_pt in outs.items() if o in moved.ins])
        placed.append(moved)
        bottom, outs = max(bottom, moved.bbox[3]), moved.outs
    out = join_all(placed)
    out.continued = [c for row, cont in zip(placed, [[]] + carried) for c in (*row.continued, *cont)]
    out.outs = dict(outs)
    out.rows = len(rows)
    return out


def join_equation(panels, hl: dict, target: float | None, rooms: dict | None = None) -> Piece:
    """Panels joined by '=': side by side, aligned on their first wire, when that fits in ``target``; else one
    under the other, '=' after a one-row panel (a block's header) or before the panel that follows.  ``rooms``
    (a dict, filled in): the index in ``panels`` of each panel set under a header -> the free room (x0, y0, x1,
    y1) right of that header's '=', or of a panel that ends a line of the equation -> the room after it, in the
    returned piece's frame (nothing placed later moves what is there)."""
    pieces = [_fold_panel(p, hl, target) for p in panels]
    eq = label("=", FONT * 1.3, "regular")
    eq_w = eq.width + 2 * EQ_GAP
    side = sum(p.width for p in pieces) + eq_w * (len(pieces) - 1)
    out = pieces[0]
    for i, piece in enumerate(pieces[1:], 1):
        if target is None or side <= target:
            ex = out.bbox[2] + EQ_GAP
            t = Text(eq, ex, out.align_y + (eq.ascent - eq.descent) / 2, role="label", owner="eq")
            out = beside(out, piece, 2 * EQ_GAP + eq.width, extra=(t,))
            if rooms is not None and target is not None:  # the line's end: the room after its last panel
                rooms.clear()
                rooms[i] = (out.bbox[2] + EQ_GAP, out.bbox[1], out.bbox[0] + target, out.bbox[3])
        elif out.rows == 1 and out.bbox[2] + eq_w <= target:
            t = Text(eq, out.bbox[2] + EQ_GAP, out.align_y + (eq.ascent - eq.descent) / 2, role="label",
                     owner="eq")
            out.front.append(t)
            out.bbox = union(out.bbox, t.bbox)
            if rooms is not None:
                rooms[i] = (t.bbox[2] + EQ_GAP, out.bbox[1], out.bbox[0] + target, out.bbox[3])
            out = below(out, piece, HEADER_GAP)
            out.rows = 2
        else:
            moved = place(piece, out.bbox[0] + eq_w - piece.bbox[0], out.bbox[3] + ROW_GAP - piece.bbox[1])
            t = Text(eq, out.bbox[0] + EQ_GAP, moved.align_y + (eq.ascent - eq.descent) / 2, role="label",
                     owner="eq")
            out = below(out, moved, ROW_GAP, keep_x=True, moved=True)
            out.front.append(t)
            out.bbox = union(out.bbox, t.bbox)
            out.rows = 2
    return out
