"""Layout (stage 3): glyphs of pure wirings -- operations that only route wires.

Views and concatenations (a bar), additions, copies, deletions, saves and loads and units, as the paper draws
them (``vocabulary.md``); the einsum's glyph is :mod:`.glyph_einsum`.
"""
from __future__ import annotations

import math

from ..model.types import OpKind
from .copy_fan import draw_fan, fan_branches
from .geometry import (
    ARROW, bend_length, DOT_R, FONT, PITCH, SEP_WIDTH, THICK, THIN, WIRE, wire_path,
)
from .glyph_parts import (
    all_rows, arrow_head, core_rows, draw_line, draw_sep, draw_text, Glyph, ink_of, OpRows, pass_wires,
    seps_between,
)
from .mathtext import label
from .scene import Circle, Path, Text

__all__ = ["draw_bar", "draw_add", "draw_copy", "draw_delete", "draw_save_load", "draw_unit"]


def draw_bar(g: OpRows, concat: bool | None = None) -> Glyph:
    concat = g.op.kind == OpKind.CONCAT if concat is None else concat
    if concat:
        glyph = _draw_concat(g)
        if glyph is not None:
            return glyph
    w = 24.0
    glyph = Glyph(w)
    xb = w / 2
    core = core_rows(g) or all_rows(g) or [0.0]
    if concat:
        core = all_rows(g) or core
    y0, y1 = min(core) - 5, max(core) + 5
    for ys, cs in zip(g.ins, g.in_core):
        for y, c in zip(ys, cs):
            if c or concat:
                glyph.items.append(draw_line(0, y, xb, y, g))
    for ys, cs in zip(g.outs, g.out_core):
        for y, c in zip(ys, cs):
            if c or concat:
                glyph.items.append(draw_line(xb, y, w, y, g))
    if not concat:
        pass_wires(glyph, g)
    glyph.items.append(Path((("M", xb, y0), ("L", xb, y1)), stroke=ink_of(g), width=THICK, role="box", owner=g.owner))
    if concat:
        over = g.op.params.over
        for k, out in enumerate(g.op.outputs):
            for l, a in enumerate(out.axes):
                if over is not None and (a == over or a.label == getattr(over, "label", over)):
                    glyph.items.append(Circle(xb, g.outs[k][l], DOT_R, fill=ink_of(g), stroke=None, owner=g.owner))
        # the separators between inputs end on the bar
        for ysep in seps_between(g.ins):
            glyph.items.append(draw_sep(0, ysep, xb, ysep, g))
    else:
        for ysep in seps_between(g.ins):
            glyph.items.append(draw_sep(0, ysep, xb, ysep, g))
    for ysep in seps_between(g.outs):
        glyph.items.append(draw_sep(xb, ysep, w, ysep, g))
    top = min(all_rows(g) or [0.0])
    bottom = max(all_rows(g) or [0.0])
    glyph.headroom = max(0.0, top - y0)
    glyph.footroom = max(0.0, y1 - bottom)
    return glyph


BAR_GAP = 7.0  # between the concatenated wires where they meet the bar


def _draw_concat(g: OpRows) -> Glyph | None:
    """Concatenation as the paper draws it: the wires of the concatenated axis converge into a short bar on
    the output's row of that axis (the bar sits on the concatenated axis only); every other axis is shared
    (a diagonal): its wires from each input meet in a dot on its output row.  The dashed line between the
    inputs runs level as far as the bends leave it room.  None when the wiring is not that (the plain bar)."""
    op = g.op
    if len(g.outs) != 1 or not op.core_out_pos or len(op.core_out_pos[0]) != 1 or not g.outs[0]:
        return None
    outs = g.outs[0]
    oc = outs[op.core_out_pos[0][0]]
    paired = {a: b for a, b in g.pairs}
    out_axes = op.outputs[0].axes
    shared, bar_in = [], []  # (row in, row out) of the wires into dots; rows into the bar
    for i, ys in enumerate(g.ins):
        core = set(op.core_in_pos[i]) if i < len(op.core_in_pos) else set()
        for j, y in enumerate(ys):
            if j in core:
                bar_in.append(y)
            elif (i, j) in paired:
                k, l = paired[i, j]
                shared.append((y, g.outs[k][l]))
            else:  # merged into its twin that passes: the output wire of the same name
                lab = op.inputs[i].axes[j].label if j < len(op.inputs[i].axes) else None
                l = next((n for n, a in enumerate(out_axes) if a.label == lab and n not in op.core_out_pos[0]), None)
                if l is None:
                    return None
                shared.append((y, outs[l]))
    if not bar_in:
        return None
    bar_in.sort()
    entries = [oc + (n - (len(bar_in) - 1) / 2) * BAR_GAP for n in range(len(bar_in))]
    moves = shared + list(zip(bar_in, entries))
    dots = sorted({b for _, b in shared if sum(1 for _, o in shared if o == b) > 1})
    dy = max(abs(a - b) for a, b in moves)
    xd = min(max(bend_length(dy) + 4, _join_length(moves, dots + [oc])), 8 * PITCH)
    w = xd + 12
    glyph = Glyph(w)
    for a, b in moves:
        glyph.items.append(Path(wire_path([(0, a), (xd, b)]), stroke=ink_of(g), width=WIRE, owner=g.owner))
    for y in sorted({b for _, b in shared}) + [oc]:
        glyph.items.append(draw_line(xd, y, w, y, g))
    for y in dots:
        glyph.items.append(Circle(xd, y, DOT_R, fill=ink_of(g), stroke=None, owner=g.owner))
    y0, y1 = entries[0] - 5, entries[-1] + 5
    glyph.items.append(Path((("M", xd, y0), ("L", xd, y1)), stroke=ink_of(g), width=THICK, role="box", owner=g.owner))
    for ysep in seps_between(g.ins):
        xs = _plus_x(moves, xd, ysep, 0.0, 3.0)
        glyph.items.append(draw_sep(0, ysep, xs, ysep, g))
        glyph.anchors[f"sep.{len(glyph.anchors)}"] = (xs, ysep)
    rows = all_rows(g)
    glyph.headroom = max(0.0, min(rows) - y0)
    glyph.footroom = max(0.0, y1 - max(rows))
    glyph.anchors["bar"] = (xd, oc)
    return glyph


def draw_add(g: OpRows) -> Glyph:
    """Addition: the inputs' wires join the output's in dots, a ``+`` by them.  A join (:class:`~.fuse.JoinedAdd`)
    converges symmetrically, the ``+`` on the dashed line between its branches; a residual keeps its main line
    straight, the skip rising into it with its dots staggered as a copy's are, mirrored (:func:`copy_dot_steps`),
    the ``+`` above the top dot."""
    if g.join and g.outs and g.outs[0]:
        return _draw_join(g)
    ins = g.ins
    outs = g.outs[0] if g.outs else []
    dy = max((abs(y - outs[min(j, len(outs) - 1)]) for ys in ins for j, y in enumerate(ys)),
             default=0.0) if outs else 0.0
    steps, widen = copy_dot_steps(outs, ins, dy)
    xm = bend_length(dy) + 4 + widen
    w = xm + ADD_TAIL
    glyph = Glyph(w)
    xs = [xm - steps[j] for j in range(len(outs))]
    for ys in ins:
        for j, y in enumerate(ys):
            if j < len(outs):
                glyph.items.append(Path(wire_path([(0, y), (xs[j], outs[j])]), stroke=ink_of(g), width=WIRE,
                                        owner=g.owner))
    for j, y in enumerate(outs):
        glyph.items.append(draw_line(xs[j], y, w, y, g))
        glyph.items.append(Circle(xs[j], y, DOT_R, fill=ink_of(g), stroke=None, owner=g.owner))
    if outs:  # the separators between the branches end where the skip starts rising (at the glyph's edge)
        plus = draw_text("+", xs[0], outs[0] - DOT_R - PLUS / 2 - 2.5, g, size=PLUS, style="bold")
        glyph.items.append(plus)
        glyph.headroom = max(0.0, min(all_rows(g)) - plus.bbox[1]) + 1
    glyph.anchors["sum"] = (xs[0] if outs else xm, outs[0] if outs else 0.0)
    return glyph


PLUS = FONT * 1.15  # the addition's "+"
ADD_TAIL = 8.0  # a residual's level run after its last dot (its "+" stands above the top dot, within the glyph)


def _draw_join(g: OpRows) -> Glyph:
    """The symmetric join: every input wire bends into its output row's dot (the dots in one column, far
    enough right that no two bends cross within a pitch of a dot); the dashed line between two branches runs
    level into a ``+`` set where the branches are still apart."""
    outs = g.outs[0]
    moves = [(y, outs[j]) for ys in g.ins for j, y in enumerate(ys) if j < len(outs)]
    dy = max(abs(a - b) for a, b in moves)
    xd = min(max(max(bend_length(dy), 1.6 * dy) + 4, _join_length(moves, outs)), 8 * PITCH)  # a long Y
    w = xd + 12
    glyph = Glyph(w)
    for a, b in moves:
        glyph.items.append(Path(wire_path([(0, a), (xd, b)]), stroke=ink_of(g), width=WIRE, owner=g.owner))
    for y in outs:
        glyph.items.append(draw_line(xd, y, w, y, g))
        glyph.items.append(Circle(xd, y, DOT_R, fill=ink_of(g), stroke=None, owner=g.owner))
    plus = label("+", PLUS, "bold")
    half_w, half_h = plus.width / 2, (plus.ascent + plus.descent) / 2
    for ysep in seps_between(g.ins):
        xp = _plus_x(moves, xd, ysep, half_w + 2.0, half_h + 3.0)
        glyph.items.append(draw_sep(0, ysep, xp - half_w - 1.5, ysep, g))
        glyph.items.append(draw_text("+", xp, ysep, g, size=PLUS, style="bold"))
        glyph.anchors[f"plus.{len(glyph.anchors)}"] = (xp - half_w - 1.5, ysep)
    rows = all_rows(g)
    glyph.headroom = max(0.0, min(rows) - min(outs))
    glyph.footroom = max(0.0, max(outs) - max(rows))
    glyph.anchors["sum"] = (xd, outs[0])
    return glyph


def _bend_t(s: float) -> float:
    """The parameter at which an S-bend (:func:`wire_path`) has travelled the fraction ``s`` of its rise."""
    return 0.5 - math.sin(math.asin(max(-1.0, min(1.0, 1.0 - 2.0 * s))) / 3.0)


def _bend_x(t: float) -> float:
    """The fraction of its length an S-bend has run at parameter ``t`` (its controls at mid-length)."""
    return 1.5 * t * (1.0 - t) + t ** 3


_SMOOTH = [0.0] * 257  # the fraction of its rise an S-bend has made at each 1/256 of its length
for _k in range(257):
    _lo, _hi = 0.0, 1.0
    for _ in range(40):
        _mid = (_lo + _hi) / 2
        _lo, _hi = (_mid, _hi) if _bend_x(_mid) < _k / 256 else (_lo, _mid)
    _t = (_lo + _hi) / 2
    _SMOOTH[_k] = 3 * _t * _t - 2 * _t ** 3


def _bend_y(a: float, b: float, u: float) -> float:
    """The height of an S-bend from row ``a`` to row ``b`` at the fraction ``u`` of its length."""
    u = u if u < 1.0 else 1.0  # max(0.0, min(1.0, u)), min(255, int(u)), without the calls
    u = (u if u > 0.0 else 0.0) * 256
    k = int(u)
    k = k if k < 255 else 255
    return a + (b - a) * (_SMOOTH[k] + (_SMOOTH[k + 1] - _SMOOTH[k]) * (u - k))


def _join_length(moves, outs) -> float:
    """The least length of bends ``(from row, to row)`` ending together in dots on the rows ``outs`` for which
    every crossing of two of them is at least a pitch from each dot.  Bends of one length share their
    parameter along x, so two cross at a fixed height and a fixed fraction of that length."""
    need = 0.0
    for n, (a0, b0) in enumerate(moves):
        for a1, b1 in moves[n + 1:]:
            if (a0 - a1) * (b0 - b1) >= 0:
                continue  # they keep their order: no crossing
            s = (a1 - a0) / ((b0 - a0) - (b1 - a1))
            y, back = a0 + (b0 - a0) * s, 1.0 - _bend_x(_bend_t(s))
            for o in outs:
                dy = abs(y - o)
                if dy < PITCH + 1.0:
                    need = max(need, math.sqrt((PITCH + 1.0) ** 2 - dy * dy) / max(back, 1e-3))
    return need


def _plus_x(moves, xd: float, y: float, half_w: float, half_h: float) -> float:
    """How far right a mark of half-width ``half_w`` centred on the level dashed line at ``y`` can go with that
    line and the mark at least ``half_h`` from every bend (the bends are S-curves: once one comes that close,
    it stays close or crosses the line further right)."""
    x = half_w + 2
    while x + 1.0 + half_w < xd and all(abs(_bend_y(a, b, (x + 1.0 + half_w) / xd) - y) >= half_h
                                        for a, b in moves):
        x += 1.0
    return x


def draw_copy(g: OpRows) -> Glyph:
    """Copies: each source wire ends in a dot its copies leave from.  Where the copies bend across the source's
    other wires, the dots are staggered (:func:`copy_dot_steps`) so that no crossing is within a wire pitch of
    the dot of the wire crossed.  A wire sending two or more copies the same way sends each from a dot of its
    own, as the paper's two-branch dots in a chain (:mod:`.copy_fan`)."""
    src = g.ins[0] if g.ins else []
    xd = 4.0  # the source wire before its dots
    fan = fan_branches(src, g.outs)
    if fan is not None:  # a wire sends two branches one way: a chain of dots (:mod:`.copy_fan`)
        return draw_fan(g, src, fan, xd)
    dy = max((abs(y - ys[j]) for ys in g.outs for j, y in enumerate(src) if j < len(ys)), default=0.0)
    steps, widen = copy_dot_steps(src, g.outs, dy)
    w = xd + widen + bend_length(dy) + 4
    glyph = Glyph(w)
    for j, y in enumerate(src):
        xj = xd + steps[j]
        glyph.items.append(draw_line(0, y, xj, y, g))
        for ys in g.outs:
            if j < len(ys):
                glyph.items.append(Path(wire_path([(xj, y), (w, ys[j])]), stroke=ink_of(g), width=WIRE,
                                        owner=g.owner))
    for j, y in enumerate(src):
        glyph.items.append(Circle(xd + steps[j], y, DOT_R, fill=ink_of(g), stroke=None, owner=g.owner))
    if src:  # the dashed line between two copies starts where the lower copy's wires have left its height
        wires = [(xd + steps[j], y, ys[j]) for j, y in enumerate(src) for ys in g.outs if j < len(ys)]
        for n, ysep in enumerate(seps_between(g.outs)):
            xs = _clear_from(wires, w, ysep)
            glyph.items.append(draw_sep(xs, ysep, w, ysep, g))
            glyph.anchors[f"sep.{n}"] = (xs, ysep)
    if not src:  # copying a scalar: a dot that splits
        for ys in g.outs:
            for y in ys:
                glyph.items.append(draw_line(xd, 0, w, y, g))
    glyph.anchors["split"] = (xd + (steps[0] if steps else 0.0), src[0] if src else 0.0)
    return glyph


def _clear_from(wires, w: float, y: float) -> float:
    """The least x from which a level dashed line at ``y`` up to ``w`` keeps clear of every copy's wire (each
    ``(x of its dot, its row there, its row at w)``, level before its dot)."""
    clear = (SEP_WIDTH + WIRE) / 2 + 1.5

    def ok(x):
        for x0, a, b in wires:
            yy = a if x <= x0 else _bend_y(a, b, (x - x0) / (w - x0))
            if abs(yy - y) < clear:
                return False
        return True

    x = w - 1.0
    while x > 0 and ok(x - 1.0):
        x -= 1.0
    return x


def copy_dot_steps(src: list[float], outs: list[list[float]], dy: float) -> tuple[list[float], float]:
    """How far right of the first dot column each source wire's copy dot sits, and how much the glyph widens.
    Copies bending down cross the wires below their source, so a lower wire's dot is drawn further left
    (copies bending up: further right), by enough that the crossing is at least a pitch past it.  The
    bends end where they would without staggering (the later dots' bends are a little steeper) unless that
    would make them too steep; level or mixed copies keep one column."""
    n = len(src)
    drops = [ys[j] - y for ys in outs for j, y in enumerate(src) if j < len(ys) and abs(ys[j] - y) > 1e-9]
    if n < 2 or not drops or (min(drops) < 0 < max(drops)):
        return [0.0] * n, 0.0
    gap = min(abs(b - a) for a, b in zip(src, src[1:]))
    length = bend_length(dy)
    r = bend_reach(1.0, dy, gap - 2 * WIRE)  # the steepest copy crosses the next wire (a doubled one's near
    # stroke, ~1.4 off its row) r * its length on
    need = PITCH + 1.0
    if r * length >= need:
        return [0.0] * n, 0.0
    room = 1.0 - r * (n - 1)  # the first branch is shortened by (n - 1) steps
    step = (need - r * length) / room if room > 0.2 else 0.0
    widen = 0.0
    if step <= 0.0 or length - (n - 1) * step < 0.6 * length:  # too steep: widen instead
        step, widen = need - r * length, (n - 1) * (need - r * length)
    return [(n - 1 - j) * step if drops[0] > 0 else j * step for j in range(n)], widen


def bend_reach(length: float, drop: float, rise: float) -> float:
    """Horizontal distance from its start at which an S-bend (:func:`wire_path`) of ``length`` and vertical
    travel ``drop`` has travelled ``rise`` vertically."""
    if abs(drop) <= rise:
        return length
    f = rise / abs(drop)
    lo, hi = 0.0, 1.0
    for _ in range(40):  # y(t) = 3t^2 - 2t^3 rises monotonically on [0, 1]
        t = (lo + hi) / 2
        lo, hi = (t, hi) if 3 * t * t - 2 * t ** 3 < f else (lo, t)
    t = (lo + hi) / 2
    return length * (1.5 * t * (1 - t) * (1 - t) + 1.5 * t * t * (1 - t) + t ** 3)  # x(t), controls at mid


def draw_delete(g: OpRows) -> Glyph:
    w = 12.0
    glyph = Glyph(w)
    for ys in g.ins:
        for y in ys:
            glyph.items.append(draw_line(0, y, w / 2, y, g))
            glyph.items.append(Circle(w / 2, y, DOT_R * 0.8, fill="paper", stroke=ink_of(g), width=THIN, owner=g.owner))
    return glyph


def draw_save_load(g: OpRows, save: bool | None = None) -> Glyph:
    save = g.op.kind == OpKind.SAVE if save is None else save
    slot = str(g.op.params.slot or g.op.label or "C")
    lab = label(slot, FONT)
    w = lab.width + ARROW + 14
    glyph = Glyph(w)
    rows = g.ins if save else g.outs
    ys = [y for r in rows for y in r] or [0.0]
    cy = (min(ys) + max(ys)) / 2
    if save:
        xa = 8 + ARROW
        for y in ys:
            glyph.items.append(Path(wire_path([(0, y), (xa - ARROW * 0.7, cy)]), stroke=ink_of(g), width=WIRE,
                                    owner=g.owner))
        glyph.items.append(arrow_head(xa, cy, g))
        glyph.items.append(Text(lab, xa + 2, cy + (lab.ascent - lab.descent) / 2, fill=ink_of(g), owner=g.owner))
    else:
        glyph.items.append(Text(lab, 0, cy + (lab.ascent - lab.descent) / 2, fill=ink_of(g), owner=g.owner))
        xa = lab.width + 2 + ARROW
        glyph.items.append(arrow_head(xa, cy, g))
        for y in ys:
            glyph.items.append(Path(wire_path([(xa, cy), (w, y)]), stroke=ink_of(g), width=WIRE, owner=g.owner))
    glyph.headroom = max(0.0, min(ys) - (cy - lab.ascent)) + 1
    glyph.footroom = max(0.0, cy + lab.descent - max(ys)) + 1
    return glyph


def draw_unit(g: OpRows) -> Glyph:
    outs = [y for ys in g.outs for y in ys]
    glyph = Glyph(24.0)
    pass_wires(glyph, g)
    pairs_out = {(k, l) for _, (k, l) in g.pairs}
    free = [g.outs[k][l] for k in range(len(g.outs)) for l in range(len(g.outs[k])) if (k, l) not in pairs_out]
    for a, b in zip(free[0::2], free[1::2]):
        r = abs(b - a) / 2
        xc = glyph.width - 8 - 0.0
        glyph.width = max(glyph.width, r + 14)
        xc = glyph.width - 8
        glyph.items.append(Path((("M", glyph.width, a), ("L", xc, a), ("A", r, 0, xc, b), ("L", glyph.width, b)),
                                stroke=ink_of(g), width=WIRE, owner=g.owner))
    if len(free) % 2:
        glyph.items.append(Circle(glyph.width - 8, free[-1], DOT_R, fill=ink_of(g), stroke=None, owner=g.owner))
        glyph.items.append(draw_line(glyph.width - 8, free[-1], glyph.width, free[-1], g))
    del outs
    return glyph
