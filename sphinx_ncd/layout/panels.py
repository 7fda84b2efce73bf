"""Layout (stage 3): panels -- one panel's sections laid out left to right as a piece.

:func:`_layout_panel` makes one pass over the sections (linear in operations and wires): state and step
columns, the wires through them, then fences and brackets around; :func:`panel_piece` wraps the result as a
:class:`~.pieces.Piece` with its ports, arrowheads on a row that goes on, and the notes under it.  Block headers are panels too.
"""
from __future__ import annotations

import dataclasses
import math

from ..model.types import BlockParams, Operation, OpKind, Panel, Section, Value
from .annotations import add_notes
from .bindings import numeric_lets, wire_bindings
from .columns import bracket_room, repeat_label_widths, state_column, step_column
from .fences import group_items, group_starts, title_reach, title_room
from .names import column_lead, edge_names
from .notes import add_author_notes
from .fuse import fuse_activations, fuse_beside, fuse_memory, fuse_scales, mark_joins
from .geometry import ITEM_GAP
from .pieces import bbox_all, Piece, union
from .rows import reserve_below, shown_axes, silent_values, stack_values, value_axis
from .scene import bbox_moved, bbox_of
from .separator_ends import separators_reach
from .separator_runs import level_runs
from .wires import ARROW_TIP, continue_arrow, MeasureRuns, PanelOut, permute, WireRuns

__all__ = ["panel_sections", "with_headers", "panel_piece", "measure_panel"]

def panel_sections(panel: Panel) -> list:
    """The sections the panel is drawn with: residual branches beside their box, a first state always."""
    sections = mark_joins(panel, fuse_activations(panel, fuse_scales(panel, _residual_sections(panel))))
    sections = fuse_memory(panel, fuse_beside(panel, sections))
    if not sections or sections[0].kind != "state":
        sections.insert(0, Section("state", panel.inputs))
    return sections


def _layout_panel(panel: Panel, hl: dict, x0: float, sections=None, silent=None, base: int = 0,
                  glyphs=None, measure: bool = False, open_end: float | None = None) -> PanelOut:
    """Lay out ``sections`` (the panel's own by default; a slice of them for one row of a folded panel, whose
    first is section ``base`` of the panel) from x = ``x0``; ``glyphs``: the glyphs drawn by an earlier pass over
    the same panel (see :class:`.wires.PanelOut`); ``measure``: only where the columns and wires go; ``open_end``:
    where the row goes on in the next one, the farthest its last column may reach (``math.inf``: any)."""
    out = PanelOut()
    out.measure = measure
    if not measure:
        out.sep_bands = {}  # where each separator piece may run level (see .separator_runs)
    if glyphs is not None:
        out.glyphs = glyphs
    wires = MeasureRuns(out) if measure else WireRuns(out)
    wires.silent = silent_values(panel) if silent is None else silent
    seps: list = []
    labels: list = []
    glyph_groups: list = []
    sections = panel_sections(panel) if sections is None else list(sections)
    repeats = repeat_label_widths(panel)
    first = sections[0]
    names, total = _value_names(panel, base)
    bound = wire_bindings(panel, panel_sections(panel), wires.silent) if numeric_lets(panel.legend) else {}
    ypos, values_by_id, x, new_runs = _panel_start(first, base, x0, names, wires, labels, out)
    cur: list[Value] = list(first.values)
    starts: dict = {}  # fence id -> where its first step began (see .fences.title_room)
    idx = 0
    while idx < len(sections):
        sec = sections[idx]
        x_begin = x
        if sec.kind == "state":
            # values that appear from nowhere are stacked below
            missing = [v for v in sec.values if v.id not in ypos]
            if missing:
                bottom = max((ys[-1] for ys in ypos.values()), default=-ITEM_GAP)
                ypos.update(stack_values(missing, bottom + ITEM_GAP))
                for v in missing:
                    values_by_id[v.id] = v
                    for j, y in enumerate(ypos[v.id]):
                        wires.start((v.id, j), x, y, value_axis(v, j))
                new_runs |= {(v.id, j) for v in missing for j in range(len(shown_axes(v)))}
            if idx > 0:
                x = permute(sec.values, ypos, x, wires)
            if idx == len(sections) - 1 and idx > 0:  # the outputs: every wire named at the right edge
                new_runs = new_runs | {(v.id, j) for v in sec.values for j in range(len(shown_axes(v)))}
            before = sections[idx - 1] if idx > 0 else None
            after = sections[idx + 1] if idx + 1 < len(sections) else None
            room = bracket_room(before, after, repeats)
            reach, row = 0.0, None
            if open_end is not None and after is None:  # a fence the row's edge cuts: as wide as its title
                reach, row = title_reach(panel, before, out.op_boxes, open_end), out.op_boxes
            room = (room[0] + title_room(panel, before, after, starts, x, row), room[1])
            x = state_column([v for v in sec.values if v.id not in wires.silent], new_runs, ypos, x, wires, seps,
                              labels, out, room, None if base + idx == total - 1 else names, bound.get(base + idx),
                              reach)
            out.section_x[base + idx] = (x_begin, x)
            cur = list(sec.values)
            new_runs = set()
            idx += 1
            continue
        # a step
        nxt = sections[idx + 1] if idx + 1 < len(sections) and sections[idx + 1].kind == "state" else None
        later = sections[idx + 2] if nxt is not None and idx + 2 < len(sections) else None
        reserve = _reserve(later, out.glyphs)
        group_starts(panel, sec, x_begin, starts)
        x, produced, new_runs = step_column(sec, cur, nxt, ypos, values_by_id, x, wires, seps, glyph_groups, hl,
                                             out, reserve)
        out.section_x[base + idx] = (x_begin, x)
        if nxt is None:  # two steps in a row: an implicit state of what the step produced
            cur = [v for v in cur if v.id in ypos] + produced
            x = state_column([v for v in cur if v.id not in wires.silent], new_runs, ypos, x, wires, seps,
                              labels, out, names=names)
            new_runs = set()
        idx += 1
    wires.finish(x)
    if names and base + len(sections) == total:  # the panel's outputs: named right of where their wires end
        edge_names([v for v in sections[-1].values if v.id not in wires.silent], ypos, x, "right", names, labels)
    if not measure:
        seps = level_runs(seps, out.sep_bands)
    out.items = [("wires", wires.paths), ("seps", seps), ("glyphs", glyph_groups), ("labels", labels)]
    return out


def _panel_start(first, base: int, x0: float, names, wires: WireRuns, labels: list, out: PanelOut):
    """The first state of a panel (or of one row of a folded panel): its values stacked from the top, its wires
    begun at the left edge (where the panel's inputs are named, if the spec names them).  Returns the rows of
    each value, the values by id, the x where the first column begins and the wires to be labelled there."""
    ypos: dict[int, list[float]] = dict(stack_values(first.values, 0.0))
    values_by_id: dict[int, Value] = {v.id: v for v in first.values}
    out.align_y = ypos[first.values[0].id][0] if first.values else 0.0
    if names and base == 0:  # the panel's inputs: named left of where their wires begin (at x0 or after)
        x0 += column_lead(first.values, names)
        edge_names(first.values, ypos, x0, "left", names, labels)
    new_runs: set = {(v.id, j) for v in first.values for j in range(len(shown_axes(v)))}
    for v in first.values:
        for j, y in enumerate(ypos[v.id]):
            wires.start((v.id, j), x0, y, value_axis(v, j))
            if v.id not in wires.silent:
                out.edge_in[f"wire:{v.id}.{j}"] = (x0, y)
                out.anchors.append((x0, y))  # the panel's left edge
    return ypos, values_by_id, x0, new_runs


def _reserve(later, cache) -> dict:
    """:func:`.rows.reserve_below` of ``later``, once per panel (``cache``: the passes' shared
    :class:`.wires.PassCache`)."""
    reserves = getattr(cache, "reserves", None)
    if reserves is None:
        return reserve_below(later)
    hit = reserves.get(id(later))
    if hit is None or hit[0] is not later:
        hit = reserves[id(later)] = (later, reserve_below(later))
    return hit[1]


def _value_names(panel: Panel, base: int) -> tuple[dict | None, int]:
    """(value id -> name, for the values a ``name`` statement names that no row before this one showed; the
    number of the panel's sections), or (None, 0) when the panel names none."""
    if not panel.names:
        return None, 0
    sections = panel_sections(panel)
    shown = {v.id for sec in sections[:base + 1] if base and sec.kind == "state" for v in sec.values}
    return {vid: name for vid, name in panel.names if vid not in shown}, len(sections)


def _residual_sections(panel: Panel) -> list:
    """The panel's sections with residual skip branches drawn next to their box.

    A copy's branch that only waits for an ``add`` (x + f(x)) runs level at the
    copy's rows, directly above the branches that go through ``f``, instead of
    being stacked under everything the step carries (a long loop down and back).
    The copies are equal values, so which branch is drawn first changes nothing
    the diagram says; each state lists the skip branch just before the first
    value that descends from the same copy."""
    consumers: dict[int, list] = {}
    for op in panel.operations:
        for v in op.inputs:
            consumers.setdefault(v.id, []).append(op)
    skip: dict[int, int] = {}  # value id -> the copy it branches from
    for op in panel.operations:
        if op.kind != OpKind.COPY or len(op.outputs) < 2:
            continue
        waiting = [v for v in op.outputs if [c.kind for c in consumers.get(v.id, ())] == [OpKind.ADD]]
        working = [v for v in op.outputs if v not in waiting]
        if len(waiting) == 1 and working:
            skip[waiting[0].id] = op.id
    if not skip:
        return list(panel.sections)
    copies = set(skip.values())
    fenced = {g.id for g in panel.groups if g.kind != "repeat"}
    copy_groups = {op.id: set(op.groups) for op in panel.operations if op.id in copies}
    below: set = set()  # copies whose skip runs under the branch: a fence's title needs the room above it
    tags: dict[int, frozenset] = {}
    for op in panel.operations:
        t = frozenset().union(*(tags.get(v.id, frozenset()) for v in op.inputs))
        t -= {skip[v.id] for v in op.inputs if v.id in skip}  # the add closes the residual
        for c in t:
            if (set(op.groups) & fenced) - copy_groups[c]:
                below.add(c)
        if op.id in copies:
            t |= {op.id}
        for v in op.outputs:
            tags[v.id] = t
    out = []
    for sec in panel.sections:
        if sec.kind == "state":
            vals = list(sec.values)
            for sv in [v for v in vals if v.id in skip]:
                rest = [v for v in vals if v is not sv]
                kin = [n for n, v in enumerate(rest) if skip[sv.id] in tags.get(v.id, ())]
                if kin:
                    rest.insert(kin[-1] + 1 if skip[sv.id] in below else kin[0], sv)
                    vals = rest
            out.append(sec if vals == list(sec.values) else dataclasses.replace(sec, values=tuple(vals)))
        else:
            ops = []
            for op in sec.ops:
                if op.id in copies:
                    first = op.id not in below
                    order = sorted(range(len(op.outputs)), key=lambda k: ((op.outputs[k].id in skip) != first, k))
                    if order != list(range(len(op.outputs))):
                        op = _reorder_outputs(op, order)
                ops.append(op)
            out.append(dataclasses.replace(sec, ops=tuple(ops)) if ops != list(sec.ops) else sec)
    return out


def _reorder_outputs(op: Operation, order: list) -> Operation:
    """The same operation with its outputs listed in ``order`` (their positions and pairing follow them)."""
    where = {k: n for n, k in enumerate(order)}
    return dataclasses.replace(
        op, outputs=tuple(op.outputs[k] for k in order),
        core_out=tuple(op.core_out[k] for k in order) if len(op.core_out) == len(op.outputs) else op.core_out,
        core_out_pos=tuple(op.core_out_pos[k] for k in order),
        broadcast_pairs=tuple((a, (where[b[0]], b[1])) for a, b in op.broadcast_pairs))


def _panel_bbox(po: PanelOut, back, front):
    """Bounding box of a laid-out panel: its glyphs (known per op), wires, separators, labels and groups."""
    b = None
    for name, layer in po.items:
        if name == "glyphs":
            for dx, dy, grp in layer:
                op_id = int(grp.owner.split(":")[1]) if grp.owner.startswith("op:") else None
                b = union(b, po.op_boxes.get(op_id) if op_id in po.op_boxes else bbox_moved(grp, dx, dy))
        elif name == "wires":  # boxed as they were drawn (see :attr:`.wires.PanelOut.wire_box`)
            b = union(b, po.wire_box)
        else:
            b = union(b, bbox_all(layer))
    return union(union(b, bbox_all(back)), bbox_all(front))


def _segments(po: PanelOut) -> list:
    """The panel's middle layer as a piece's segments (see :class:`.pieces.Piece`): each glyph, drawn from its
    own origin, with the offset that puts it in place."""
    segs, run = [], []
    for name, layer in po.items:
        if name != "glyphs":
            run.extend(layer)
            continue
        for dx, dy, grp in layer:
            if run:
                segs.append(((), tuple(run)))
                run = []
            segs.append((((dx, dy),), (grp,)))
    if run or not segs:
        segs.append(((), tuple(run)))
    return segs


def _header_panel(panel: Panel) -> Panel:
    """The collapsed configured component drawn left of a block definition's body."""
    hdr = panel.header
    op = Operation(id=-1, kind=OpKind.BLOCK, label=hdr.name, inputs=panel.inputs, outputs=tuple(
        Value(-1000 - i, v.name, v.axes) for i, v in enumerate(panel.outputs)),
        core_in=tuple(v.axes for v in panel.inputs), core_out=tuple(v.axes for v in panel.outputs),
        broadcast=tuple(() for _ in panel.inputs), params=BlockParams(hdr.name, tuple((p, p) for p in hdr.params)))
    return Panel(inputs=panel.inputs, outputs=op.outputs,
                 sections=(Section("state", panel.inputs), Section("step", (), (op,)), Section("state", op.outputs)),
                 operations=(op,))


def with_headers(panels) -> list[Panel]:
    out: list[Panel] = []
    for p in panels:
        if p.header is not None:
            out.append(_header_panel(p))
        out.append(p)
    return out


def _separators_reach(po: PanelOut, front: list) -> None:
    """A separator ends at something: its loose ends carried on along their lines (:mod:`.separator_ends`) to a
    glyph, a wire, a label, a repetition's bracket or the row's edge."""
    items = dict(po.items)
    if not items.get("seps") or not po.section_x:
        return
    edges = po.section_x.values()
    wires = items["wires"]
    marks = wires + [p for p in front if getattr(p, "role", "") == "bracket"]
    known = po.wire_inks if len(po.wire_inks) == len(wires) else ()  # (each wire's box, as it was drawn)
    seps, glyphs = separators_reach(items["seps"], marks, items["glyphs"], items["labels"], po.anchors,
                                    min(a for a, _ in edges), max(b for _, b in edges), po.op_boxes, known)
    po.items = [(name, seps if name == "seps" else glyphs if name == "glyphs" else part) for name, part in po.items]


def measure_panel(panel: Panel, hl: dict, sections, silent) -> PanelOut:
    """The column pass over the whole panel without drawing it: where its sections begin and end, its edges'
    wires, and its glyphs (which a fold's rows then reuse).  Nothing it skips moves anything."""
    return _layout_panel(panel, hl, 0.0, sections, silent, 0, None, measure=True)


def panel_piece(panel: Panel, hl: dict, sections, silent, base: int, continued: bool,
                cut=(frozenset(), frozenset()), glyphs=None, fold: float | None = None):
    """One panel, or one row of a folded panel (``sections`` from section ``base``), as a piece; a row that goes
    on in the next one ends in arrowheads; ``cut``: the repetitions it continues and those it leaves open (see
    :func:`.fences.group_items`); ``glyphs``: those an earlier pass over the panel drew.  Returns the piece and the
    column pass's record."""
    end = (math.inf if fold is None else fold - ARROW_TIP - 1.0) if continued else None  # (within the fold)
    po = _layout_panel(panel, hl, 0.0, sections, silent, base, glyphs, open_end=end)
    back, front = group_items(panel, po, cut)
    _separators_reach(po, front)
    piece = Piece(back=back, front=front, bbox=_panel_bbox(po, back, front) or (0, 0, 0, 0),
                  align_y=po.align_y, anchors=list(po.anchors), named=dict(po.named), op_boxes=dict(po.op_boxes),
                  ins=dict(po.edge_in), outs=dict(po.edge_out))
    piece.set_segments(1, _segments(po))
    add_notes(piece, hl)  # under the row that holds the box
    if panel.notes:  # the author's notes, wrapped to the fold width ``fold``
        add_author_notes(piece, panel, po, sections, base, fold, cut[0])
    if continued:
        for owner, (x, y) in po.edge_out.items():
            head = continue_arrow(x, y, po.edge_style.get(owner, {}), owner)
            piece.front.append(head)
            piece.bbox = union(piece.bbox, bbox_of(head))
            piece.anchors.append((x + ARROW_TIP, y))
    return piece, po
