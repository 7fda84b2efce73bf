"""Layout (stage 3): glyphs of a copy saved to memory and of a concatenation with a value loaded from it.

A copy whose first copy is saved (:class:`~.fuse.SavedCopy`) and a concatenation taking a loaded value
(:class:`~.fuse.LoadedConcat`) are drawn with the memory arrow *between* the wires of the value that goes on: its
top wire runs over the arrow and the slot's name, the others under it.  Copies fanning out of a stack of ``n``
wires into two stacks, one above the other, cross ``n (n - 1) / 2`` times (each pair once), and so does a loaded
stack rising into the one it is concatenated with; with the arrow under the top wire only the pairs of the others
cross, ``(n - 1) (n - 2) / 2`` times -- the U-Net's ``b c x`` once instead of three times, at the save and at the
concatenation, as the paper's ``x c`` (which has no batch wire).  The wire over the arrow is copied where the fan
into the arrow begins (at the save) or meets its loaded twin where the fan ends (at the load), so no copy runs on
one row with the wire it leaves.
"""
from __future__ import annotations

import dataclasses

from .fuse import loaded_by, saved_by
from .geometry import ARROW, bend_length, DOT_R, FONT, PITCH, THICK
from .glyph_parts import arrow_head, Glyph, ink_of, is_tandem, OpRows, wire_strokes
from .glyph_wirings import _join_length, BAR_GAP, bend_reach, copy_dot_steps
from .mathtext import label, plain_text
from .scene import Circle, Group, Path, Text

__all__ = ["draw_saved_copy", "draw_loaded_concat", "split_at"]

CLEAR = 4.0  # between the memory arrow's name and the wires running past it
FAN_SLOPE = 0.6  # length of the fan into or out of the memory arrow per unit of its widest spread


def _fan_length(rows: list[float], cy: float) -> float:
    return max(bend_length(0.0), FAN_SLOPE * max(abs(y - cy) for y in rows))


def split_at(n: int) -> int:
    """How many of ``n`` wires run over the memory arrow (the rest run under it): the top one.  (Half of them
    would leave the fewest pairs on one side, but the copies of several wires over the arrow cross each other
    next to their dots.)"""
    return 1 if n > 1 else 0


def _arrow_row(rows: list[float], k: int, lab) -> float:
    """Where the memory arrow points: midway along the lower wires, far enough under the upper ones for its
    name to clear them."""
    cy = (rows[k] + rows[-1]) / 2
    if k:
        cy = max(cy, rows[k - 1] + CLEAR + 1.5 + lab.ascent)
    return cy


def _memory_group(mem, g: OpRows, lab, xa: float, cy: float, fan: list, load: bool) -> Group:
    """The memory arrow (tip at ``xa``), its slot's name, and the fan of wires into or out of it, owned by the
    save or load ``mem`` (notes and hover find it)."""
    sub = dataclasses.replace(g, op=mem, owner=f"op:{mem.id}", act=None, scale=None, alert=g.memory_alert)
    base = cy + (lab.ascent - lab.descent) / 2
    tx = xa - ARROW - 2 - lab.width if load else xa + 2
    fan = [dataclasses.replace(p, stroke=ink_of(sub)) for p in fan]
    items = [*fan, arrow_head(xa, cy, sub), Text(lab, tx, base, fill=ink_of(sub), owner=sub.owner)]
    title = f"{plain_text(mem.label) if mem.label else mem.kind} : {mem.signature}"
    return Group(tuple(items), role="op", owner=sub.owner, title=title)


def _strokes(pts, g: OpRows, doubled: bool, owner=None) -> list[Path]:
    return wire_strokes(pts, g, doubled, owner)


def draw_saved_copy(g: OpRows) -> Glyph:
    """A copy whose first copy goes to memory: the lower wires' dots first, their copies going on bending down
    at once under the saved ones, which run level into the arrow's fan; the top wire's dot where the fan begins,
    its saved copy into it, the copy going on over the arrow and its name, then down to its row over the others
    (where the copy going on lies, under the saved stack)."""
    save, op = saved_by(g.op), g.op
    src, outs = g.ins[0], g.outs[0]
    v = op.inputs[0]
    k = split_at(len(src))
    lab = label(str(save.params.slot or save.label or "C"), FONT)
    cy = _arrow_row(src, k, lab)
    dy = max(abs(o - s) for s, o in zip(src, outs))
    steps, widen = copy_dot_steps(src[k:], [outs[k:]], dy)
    xd = 4.0
    down = bend_length(dy)
    xf = xd + widen + max(steps, default=0.0) + down  # the saved copies fan into the arrow from here
    xs = [xf] * k + [xd + st for st in steps]  # each wire's dot
    xa = xf + _fan_length(src, cy) + ARROW * 0.7
    # the upper copies bend down past the name: from the arrow's tip on, as long as they clear the name's top
    clear_top = cy - lab.ascent - CLEAR - (src[k - 1] if k else 0.0)
    xu = max(xa, xa + 2 + lab.width + CLEAR - bend_reach(down, dy, clear_top)) if k else xa
    w = xu + (down if k else 2 + lab.width) + 4.0
    glyph = Glyph(w)
    fan = []
    for j, (s, o) in enumerate(zip(src, outs)):
        dbl, x = is_tandem(v, j), xs[j]
        glyph.items += _strokes([(0.0, s), (x, s)], g, dbl)
        if x < xf:
            glyph.items += _strokes([(x, s), (xf, s)], g, dbl)  # the saved copy, level to the fan
        fan += _strokes([(xf, s), (xa - ARROW * 0.7, cy)], g, dbl, f"op:{save.id}")
        if j < k:
            glyph.items += _strokes([(x, s), (xu, s), (w - 4.0, o), (w, o)], g, dbl)
        else:
            glyph.items += _strokes([(x, s), (x + down, o), (w, o)], g, dbl)
    glyph.items.append(_memory_group(save, g, lab, xa, cy, fan, False))
    for x, s in zip(xs, src):
        glyph.items.append(Circle(x, s, DOT_R, fill=ink_of(g), stroke=None, owner=g.owner))
    glyph.anchors["split"] = (xs[0], src[0])
    glyph.footroom = max(0.0, cy + lab.descent - max(outs)) + 1
    return glyph


def _junction_rows(g: OpRows, oc: float, first) -> tuple[dict, list]:
    """Each input wire's row at the concatenation's junction -- its dot's row, or its entry into the bar on the
    concatenated axis -- and the wires into the bar, top to bottom: those of the inputs ``first`` (coming over
    the arrow), then the others as they arrive."""
    op = g.op
    paired = {a: b for a, b in g.pairs}
    outs = g.outs[0]
    targets, bar = {}, []
    for i, ys in enumerate(g.ins):
        core = set(op.core_in_pos[i]) if i < len(op.core_in_pos) else set()
        for j, y in enumerate(ys):
            if j in core:
                bar.append((i not in first, y, (i, j)))
            elif (i, j) in paired:
                targets[i, j] = g.outs[paired[i, j][0]][paired[i, j][1]]
            else:
                name = op.inputs[i].axes[j].label
                targets[i, j] = next(outs[l] for l, a in enumerate(op.outputs[0].axes)
                                     if a.label == name and l not in op.core_out_pos[0])
    bar.sort()
    for m, (_, _, key) in enumerate(bar):
        targets[key] = oc + (m - (len(bar) - 1) / 2) * BAR_GAP
    return targets, [key for _, _, key in bar]


def draw_loaded_concat(g: OpRows) -> Glyph:
    """A concatenation with a loaded value (level with the result): the value coming in runs under it, its top
    wire rising first over the slot's name and the arrow, to meet its loaded twin in a dot where the arrow's fan
    ends (or, on the concatenated axis, the bar, half a pitch over the loaded wire); the other loaded wires fan
    out and meet theirs, or the bar, further on."""
    load, op = loaded_by(g.op), g.op
    li = next(i for i, v in enumerate(op.inputs) if v.id == load.outputs[0].id)
    lrows = g.ins[li]
    outs = g.outs[0]
    oc = outs[op.core_out_pos[0][0]]
    k = split_at(len(lrows))
    lab = label(str(load.params.slot or load.label or "C"), FONT)
    cy = _arrow_row(lrows, k, lab)
    bar_top = k > 0 and 0 in op.core_in_pos[li]  # the concatenated axis is the loaded value's top wire
    others = {i for i in range(len(g.ins)) if i != li}
    targets, bar = _junction_rows(g, oc, others if bar_top else ())
    upper = {targets[li, j] for j in range(k) if (li, j) not in bar}  # rows whose dot is where the fan ends
    over = {(i, j) for i in others for j in range(len(g.ins[i]))  # the twins coming in over the arrow
            if ((i, j) in bar and bar_top) or ((i, j) not in bar and targets[i, j] in upper)}
    # where each runs over the arrow: on its dot's row, or half a pitch over its entry into the bar (clear of the
    # loaded wire going into the bar under it)
    lvl = {key: targets[key] - (PITCH / 2 if key in bar else 0.0) for key in over}
    rise = max((g.ins[i][j] - lvl[i, j] for i, j in over), default=0.0)
    x_up = bend_length(rise) if over else 0.0  # the top wire rises to its row first
    # the slot's name where the rising wires have cleared its top, then the arrow
    xl = max((bend_reach(x_up, g.ins[i][j] - lvl[i, j], g.ins[i][j] - (cy - lab.ascent - CLEAR))
              for i, j in over), default=0.0) + 1.0
    xa = xl + lab.width + 2 + ARROW
    xf = xa + _fan_length(lrows, cy)  # the fan's end
    late = [(i, j) for i, ys in enumerate(g.ins) for j in range(len(ys))
            if (i, j) not in over and not (i == li and targets[i, j] in upper)]
    moves = [(g.ins[i][j], targets[i, j]) for i, j in late]
    dots = sorted({targets[key] for key in late if key not in bar})
    dmax = max((abs(a - b) for a, b in moves), default=0.0)
    xd = xf + min(max(bend_length(dmax) + 4, _join_length(moves, dots + [oc])), 160.0)
    w = xd + 12
    glyph = Glyph(w)
    fan = []
    for i, ys in enumerate(g.ins):
        for j, y in enumerate(ys):
            dbl, t = is_tandem(op.inputs[i], j), targets[i, j]
            if i == li:
                fan += _strokes([(xa, cy), (xf, y)], g, dbl, f"op:{load.id}")
                if t not in upper or (i, j) in bar:
                    glyph.items += _strokes([(xf, y), (xd, t)], g, dbl)
            elif (i, j) in over:
                tail = [(xd, t)] if (i, j) in bar else []
                glyph.items += _strokes([(0.0, y), (x_up, lvl[i, j]), (xf, lvl[i, j])] + tail, g, dbl)
            else:
                glyph.items += _strokes([(0.0, y), (xf, y), (xd, t)], g, dbl)
    glyph.items.append(_memory_group(load, g, lab, xa, cy, fan, True))
    for l, y in enumerate(outs):
        glyph.items += _strokes([(xf if y in upper else xd, y), (w, y)], g, is_tandem(op.outputs[0], l))
    for y in sorted(upper):
        glyph.items.append(Circle(xf, y, DOT_R, fill=ink_of(g), stroke=None, owner=g.owner))
    for y in dots:
        glyph.items.append(Circle(xd, y, DOT_R, fill=ink_of(g), stroke=None, owner=g.owner))
    entries = [targets[key] for key in bar]
    y0, y1 = min(entries) - 5, max(entries) + 5
    glyph.items.append(Path((("M", xd, y0), ("L", xd, y1)), stroke=ink_of(g), width=THICK, role="box",
                            owner=g.owner))
    rows = [y for ys in g.ins for y in ys] + list(outs)
    glyph.headroom = max(0.0, min(rows) - min([y0, *lvl.values()]) + (2.0 if lvl else 0.0))
    glyph.footroom = max(0.0, y1 - max(rows))
    glyph.anchors["bar"] = (xd, oc)
    return glyph
