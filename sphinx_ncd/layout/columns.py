"""Layout (stage 3): columns -- a memory state's column and a step's column.

A *state* column shows the wires in memory (naming the new ones) with dashed separators between tuple
segments; a *step* column holds the operations of one step side by side in the vertical direction, each as
close as possible to the rows its inputs arrive on, with every other value passing through.  A step is planned
(:func:`_plan`: order, glyphs, heights, zone lengths) apart from where it begins, so a later pass over the
same panel (a fold's rows after the measure of the strip) replays the plan and only draws.
"""
from __future__ import annotations

from bisect import bisect_right

from ..model.types import Operation, OpKind, Panel, Section, Value
from .geometry import (
    bend_length, BRACKET_W, FENCE_PAD, FONT, ITEM_GAP, LABEL_GAP, LABEL_PAD, PITCH, SEP_DASH, SEP_WIDTH,
    separator_y, BOUND_FONT, STATE_BARE_W, STATE_MIN_W, wire_path,
)
from .glyphs import axis_label_source, build_glyph, Glyph, OpRows
from .fuse import LoadedConcat
from .glyph_memo import kept_glyph, shared_glyph
from .mathtext import label, plain_text
from .names import column_lead, column_names
from .rows import nrows, op_rows, shown_axes, value_axis
from .scene import bbox_moved, box_moved_terms, box_terms, Group, Path, Text
from .separator_runs import record
from .wires import STUB, WireRuns

__all__ = ["GLYPH_GAP", "SEP_CLEAR", "COMPACT", "bracket_room", "repeat_label_widths", "state_column", "step_column"]

GLYPH_GAP = 4.0  # least room between the vertical extents of two items of one step


_WIRINGS = frozenset((OpKind.EINSUM, OpKind.ADD, OpKind.COPY, OpKind.ELEMENTWISE, OpKind.SCALE, OpKind.SOFTMAX,
                      OpKind.NORM, OpKind.INDEX, OpKind.CONCAT, OpKind.DELETE, OpKind.SAVE, OpKind.MASK))


SEP_CLEAR = 4.0  # least room between a separator and a glyph it runs past
ITEMS_SEP_GAP = max(GLYPH_GAP, 2 * SEP_CLEAR + SEP_WIDTH)  # two items of a step: room for a separator between them


COMPACT = PITCH  # an item further than this below its least position moves up


class _Item:
    """One item of a step: an operation, or a value passing through.  Compared by identity (field-wise equality
    would walk whole operations)."""

    __slots__ = ("fresh", "glyph", "key", "kind", "op", "rank", "rows", "top", "value")

    def __init__(self, kind: str, op: Operation | None = None, value: Value | None = None):
        self.kind = kind  # "op" | "pass"
        self.op = op
        self.value = value
        self.key = 0.0  # where the inputs arrive (y of the topmost)
        self.rank = 0.0  # place in the next memory state
        self.glyph: Glyph | None = None
        self.rows: OpRows | None = None
        self.top = 0.0  # absolute y of the item's first wire row
        self.fresh: frozenset = frozenset()  # the operation's wires to be named in the next state (_fresh_wires)


def bracket_room(before, after, repeats) -> tuple[float, float]:
    """Width a state column needs so that the repetition brackets closing on its left and opening on its right,
    with their bounds, fit between the neighbouring steps' glyphs."""
    if not repeats:
        return 0.0, 0.0
    left = {gid for op in (before.ops if before is not None else ()) for gid in op.groups if gid in repeats}
    right = {gid for op in (after.ops if after is not None else ()) for gid in op.groups if gid in repeats}
    closing = left - right
    opening = right - left
    left = FENCE_PAD + BRACKET_W + 2 if closing else 0.0  # its bound is written above it (see .fences)
    right = FENCE_PAD + BRACKET_W + 2 if opening else 0.0
    return left, right


def repeat_label_widths(panel: Panel) -> dict:
    """Per repetition group: the width of the bound written by its closing bracket."""
    out = {}
    for g in panel.groups:
        if g.kind == "repeat":
            up = g.upper or ""
            src = up if g.index else (f"{up}\\times" if up else "")
            out[g.id] = label(src, BOUND_FONT).width + 2 if src else 0.0
    return out


def state_column(values, new_runs, ypos, x, wires: WireRuns, seps, labels, out, room=(0.0, 0.0),
                 names=None, bound=None, reach=0.0) -> float:
    """A memory state: its wires run level, new ones are named, separators between segments.  ``room`` is
    (left, right) width kept free for repetition brackets closing and opening here; ``names``: value id ->
    the name a ``name`` statement draws left of the axis labels of a value new here (:mod:`.names`);
    ``bound``: (value id, axis index) -> the label its wire reads here instead, ``x = 28`` (:mod:`.bindings`);
    ``reach``: the column ends there at least (a folded row's edge under a fence title, :func:`.fences.title_reach`)."""
    lead = column_lead(values, names)
    width = STATE_BARE_W  # a state naming no wire is only a short level run; one naming wires fits its labels
    pending = []
    if bound:
        new_runs = new_runs | bound.keys()
    for v in values:
        for j, a in enumerate(shown_axes(v)):
            if (v.id, j) not in new_runs:
                continue
            lab = label(axis_label_source(a) if not bound or (v.id, j) not in bound else bound[v.id, j], FONT)
            need = lab.width + 2 * LABEL_PAD  # max(width, STATE_MIN_W, need), without the call
            if STATE_MIN_W > width:
                width = STATE_MIN_W
            if need > width:
                width = need
            pending.append((v, j, lab))
    if reach > x + width + lead + room[0] + room[1]:  # the labels stay by the row's edge
        room = (reach - x - width - lead - room[1], room[1])
    for v, j, lab in ([] if out.measure else pending):
        y = ypos[v.id][j]
        labels.append(Text(lab, x + room[0] + LABEL_PAD + lead, y - LABEL_GAP - lab.descent, "ink", "label",
                           f"wire:{v.id}.{j}"))
    if lead:
        column_names(values, ypos, x + room[0] + LABEL_PAD, names, labels)
    x1 = x + width + lead + room[0] + room[1]
    if out.measure:  # where the wires run is not measured
        return x1
    for v in values:
        for j, y in enumerate(ypos.get(v.id, ())):
            wires.level((v.id, j), x, x1, y)
    order = sorted((ypos[v.id][0], ypos[v.id][-1], v.id) for v in values if v.id in ypos)
    bands = getattr(out, "sep_bands", None)
    for (a0, a1, _), (b0, b1, vid) in zip(order, order[1:]):
        ym = separator_y(a1, b0)
        sep = Path((("M", x, ym), ("L", x1, ym)), "ink", None, SEP_WIDTH, SEP_DASH, "separator", "sep")
        seps.append(sep)
        if bands is not None:  # a wire named here has its label above it: the separator stays over the label
            record(bands, sep, [(x, ym), (x1, ym)], [(a1 + SEP_CLEAR, ym if (vid, 0) in new_runs else b0 - SEP_CLEAR)])
    return x1


def step_column(sec: Section, cur, nxt, ypos, values_by_id, x, wires: WireRuns, seps, glyph_groups, hl, out,
                reserve=None):
    """Lay out one step from ``x``: its items top to bottom, the bends into them, their glyphs, the wires through
    and the separators between them.  Returns (x where the step ends, the values it produced, the wires that
    are new there and must be named)."""
    step = _Step(sec, ypos, x, wires, seps, hl, reserve or {}, out.glyphs)
    step.bands = getattr(out, "sep_bands", None)
    _plan(step, nxt)
    step.zones()
    if not out.measure:
        step.separators_between()
        step.separators_after_enders()
    produced, fresh = [], set()
    for it in step.order:
        if it.kind == "pass":
            step.draw_pass(it, out.measure)
        else:
            produced += step.draw_op(it, values_by_id, glyph_groups, out, fresh)
    # values of the current state that were neither consumed nor passed on: they end here
    live = {it.value.id for it in step.order if it.kind == "pass"}
    live.update(v.id for op in sec.ops for v in op.inputs)
    live.update(v.id for v in produced)
    runs = wires.runs
    for v in cur:
        if v.id not in live:
            for j in range(nrows(v)):
                key = (v.id, j)
                if key in runs:
                    pts = runs[key][0]
                    wires.end(key, pts[-1][0], pts[-1][1])
    return step.x_end, produced, fresh


def _plan(step, nxt) -> None:
    """The step's own decisions, which do not depend on where it begins: its items' order (:func:`_order_items`),
    glyphs and heights, and its zones' lengths.  Kept per panel (:class:`.wires.PassCache`) by all they read, so
    a later pass that meets the step with the same rows coming in (a fold's rows, a panel drawn after its
    measure) replays them."""
    sec, ypos, reserve = step.sec, step.ypos, step.reserve
    plans = getattr(step.glyphs, "plans", None)
    key = _plan_key(sec, nxt, ypos, reserve) if plans is not None else None
    plan = plans.get(key) if plans is not None else None
    if plan is not None and plan[0] is sec and plan[1] is nxt:  # (not a section since freed, whose id is reused)
        step.order, step.bend, step.zone_w, step.spans, step.tail = plan[2:]
        return
    step.order = _order_items(step.items(), nxt, ypos)
    step.build_glyphs()
    step.place_vertically()
    step.plan_zones()
    if plans is not None:
        plans[key] = (sec, nxt, step.order, step.bend, step.zone_w, step.spans, step.tail)


def _plan_key(sec: Section, nxt, ypos, reserve) -> tuple:
    """All that a step's plan (:meth:`_Step.plan_zones` and what comes before it) reads: the section, the next
    state, the rows of every value it takes in or passes on, and the room kept below them."""
    ids = [v.id for v in sec.values]
    for op in sec.ops:
        ids += [v.id for v in op.inputs]
    return (id(sec), id(nxt), tuple([tuple(ypos[i]) if i in ypos else None for i in ids]),
            tuple(reserve.items()))


def _kept(g: OpRows) -> Glyph:
    """The glyph of ``g``, kept from an earlier layout that drew the same (see :func:`.glyph_memo.kept_glyph`)."""
    return kept_glyph(g, build_glyph)


def _sep(pts, owner="sep") -> Path:
    return Path(wire_path(pts), "ink", None, SEP_WIDTH, SEP_DASH, "separator", owner)


class _Step:
    """One step column being laid out: its items, then its zones left to right -- the bends into the items, the
    glyph zone (glyphs centred in it), the bends out to the next state."""

    def __init__(self, sec, ypos, x, wires, seps, hl, reserve, glyphs):
        self.sec, self.ypos, self.x, self.wires, self.seps, self.hl, self.reserve = \
            sec, ypos, x, wires, seps, hl, reserve
        self.glyphs = glyphs  # op id -> (rows, glyph) drawn before (glyphs are pure functions of their rows)
        self.order: list = []

    def items(self) -> list:
        """An item per operation, and one per value passing through untouched."""
        consumed = {v.id for op in self.sec.ops for v in op.inputs}
        ypos = self.ypos
        return [_Item("op", op) for op in self.sec.ops] + \
            [_Item("pass", None, v) for v in self.sec.values if v.id in ypos and v.id not in consumed]

    def build_glyphs(self) -> None:
        for it in self.order:
            if it.kind == "op":
                it.rows = op_rows(it.op, f"op:{it.op.id}", it.op.id in self.hl, self.ypos, self.reserve, self.hl)
                seen = self.glyphs.get(it.op.id)
                if seen is not None and seen[0] == it.rows:
                    it.glyph = seen[1]
                else:
                    shapes = getattr(self.glyphs, "shapes", None)
                    it.glyph = _kept(it.rows) if shapes is None else shared_glyph(it.rows, shapes, _kept)
                    self.glyphs[it.op.id] = (it.rows, it.glyph)
                it.fresh = _fresh_wires(it.op, it.rows)

    def place_vertically(self) -> None:
        """Each item's top row, top to bottom: where its inputs arrive, below the item above, packed up."""
        ypos, prev_bottom_row, prev_foot = self.ypos, None, 0.0
        for it in self.order:
            if it.kind == "pass":
                rows_rel = [0.0 + PITCH * r for r in range(nrows(it.value))]
                head, foot = 0.0, 0.0
                desired = ypos[it.value.id][0]
            else:
                rows_rel = [y for ys in it.rows.ins for y in ys] + [y for ys in it.rows.outs for y in ys] or [0.0]
                head, foot = it.glyph.headroom, it.glyph.footroom
                desired = None  # min() of the first rows of its inputs that arrive
                for v in it.op.inputs:
                    ys = ypos.get(v.id)
                    if ys is not None and (desired is None or ys[0] < desired):
                        desired = ys[0]
                if desired is not None and type(it.op) is LoadedConcat:  # what arrives runs under the load, level
                    desired -= it.rows.ins[next(i for i, v in enumerate(it.op.inputs) if v.id in ypos)][0]
            if prev_bottom_row is None:
                top = desired if desired is not None else 0.0
            else:  # the separator between the two runs through the glyph zone: room for it, clear of both
                least, clear = prev_bottom_row + ITEM_GAP, prev_bottom_row + prev_foot + head + ITEMS_SEP_GAP
                least = clear if clear > least else least  # (max() without the calls: the first wins ties)
                top = least if desired is None else (least if least > desired else desired)
                if top > least + COMPACT:  # pack towards the item above: the inputs bend up once
                    top = least
            it.top = top
            last = it.value if it.kind == "pass" else (it.op.outputs[-1] if it.op.outputs else None)
            extra = self.reserve.get(last.id, 0.0) if last is not None else 0.0  # room the next step will fill
            prev_bottom_row = top + max(rows_rel) + extra
            prev_foot = foot - extra if foot - extra > 0.0 else 0.0

    def plan_zones(self) -> None:
        """The horizontal geometry's lengths: bend zone, glyph zone, bends out (or short stubs where nothing
        bends), and the separators' heights between the items."""
        ypos = self.ypos
        most = 0.0  # the longest vertical travel of a wire into an item
        widths = []
        for it in self.order:
            top = it.top
            if it.kind == "pass":
                for j, y in enumerate(ypos[it.value.id]):
                    d = abs(top + PITCH * j - y)
                    if d > most:
                        most = d
                continue
            widths.append(it.glyph.width)
            ins = it.rows.ins
            for i, v in enumerate(it.op.inputs):
                ys = ypos.get(v.id)
                if ys is not None:
                    rows = ins[i]
                    for y, r in zip(ys, rows):
                        d = abs(top + r - y)
                        if d > most:
                            most = d
        self.bend = bend_length(most) if most > 1e-6 else STUB
        self.zone_w = max(widths, default=STUB)
        self.spans = _item_spans(self.order, ypos)
        jog = 0.0  # max() of the separators' jogs into the next state, without the call
        for span in self.spans:
            d = abs(span[1] - span[2])
            if d > jog:
                jog = d
        self.tail = bend_length(jog) if jog > 1e-6 else STUB

    def zones(self) -> None:
        """Where the zones lie, from where the step begins."""
        self.zx0 = self.x + self.bend
        self.zx1 = self.zx0 + self.zone_w
        self.x_end = self.zx1 + self.tail

    def gx(self, it, side: int) -> float:
        """Where the item's glyph begins (side 0) or ends (side 1) in the zone."""
        g0 = self.zx0 + (self.zone_w - it.glyph.width) / 2
        return g0 + side * it.glyph.width

    def separators_between(self) -> None:
        """The dashed separator between each pair of vertically adjacent items."""
        x, zx0, zx1, x_end = self.x, self.zx0, self.zx1, self.x_end
        xm = (zx0 + zx1) / 2
        for (yl, yz, yr, both_in, both_out, apart, ab), a, b in zip(self.spans, self.order, self.order[1:]):
            if not apart and both_out:  # interleaved on the left: it starts at the operation's glyph
                xs = min((self.gx(it, 0) for it in (a, b) if it.kind == "op"), default=zx0)
                pts = [(xs, yz), (zx1, yz), (x_end, yr)] if xs < zx1 - 1e-6 else [(xs, yz), (x_end, yr)]
            elif both_in and both_out:
                pts = [(x, yl), (zx0, yz), (zx1, yz), (x_end, yr)]
                sep = _sep(pts)
                self.seps.append(sep)
                if self.bands is not None:
                    record(self.bands, sep, pts, _sep_bands(*ab), abs(yz - yl) > 1e-6 and abs(yz - yr) > 1e-6)
                continue
            elif both_in:  # a segment ends in this step (saved, deleted): the separator ends where its wires do
                ending = [it for it in (a, b) if it.kind == "op" and not it.op.outputs]
                xe = min((self.gx(it, 0) for it in ending), default=xm)
                pts = [(x, yl), (zx0, yz), (xe, yz)] if xe > zx0 + 1e-6 else [(x, yl), (xe, yz)]
            elif both_out:  # a segment starts here (loaded, a unit): the separator starts where its wires do
                starting = [it for it in (a, b)
                            if it.kind == "op" and not any(v.id in self.ypos for v in it.op.inputs)]
                xs = max((self.gx(it, 1) for it in starting), default=xm)
                pts = [(xs, yz), (zx1, yz), (x_end, yr)] if xs < zx1 - 1e-6 else [(xs, yz), (x_end, yr)]
            else:
                continue
            self.seps.append(_sep(pts))

    def separators_after_enders(self) -> None:
        """Segments that end here (saved, deleted) between two that go on: those two lie side by side from where
        the last of them ends, so their separator starts there."""
        if not any(it.kind == "op" and not it.op.outputs for it in self.order):
            return  # no segment ends here
        above, enders = None, []
        for it in self.order:
            if it.kind == "op" and not it.op.outputs:
                enders.append(it)
                continue
            if it.kind == "pass":
                rows_all = rows_out = [PITCH * j for j in range(nrows(it.value))]
                head = foot = 0.0
            else:
                rows_out = [y for ys in it.rows.outs for y in ys]
                rows_all = [y for ys in it.rows.ins for y in ys] + rows_out
                head, foot = it.glyph.headroom, it.glyph.footroom
            if above is not None and enders and rows_out:
                xs = max(self.gx(e, 0) for e in enders)
                yr = separator_y(above[0], it.top + rows_out[0])  # where the next state draws it
                lo, hi = above[1] + SEP_CLEAR, it.top + min(rows_all) - head - SEP_CLEAR
                ym = yr if lo <= yr <= hi else (lo + hi) / 2  # clear of the glyphs on either side
                pts = [(xs, ym), (self.x_end, ym)] if abs(ym - yr) < 1e-6 or xs >= self.zx1 - 1e-6 else \
                    [(xs, ym), (self.zx1, ym), (self.x_end, yr)]
                self.seps.append(_sep(pts))
            if rows_out:
                above, enders = (it.top + rows_out[-1], it.top + max(rows_all) + foot), []

    def draw_pass(self, it, measure: bool = False) -> None:
        v = it.value
        new = [it.top + PITCH * j for j in range(nrows(v))]
        for j, y in ([] if measure else enumerate(new)):
            self.wires.level((v.id, j), self.zx0, self.x_end, y)
        self.ypos[v.id] = new

    def draw_op(self, it, values_by_id, glyph_groups, out, fresh) -> list:
        """The operation's glyph, its wires in and out, the separators at its ports; returns what it produced."""
        op, g, rows, ypos, wires = it.op, it.glyph, it.rows, self.ypos, self.wires
        if out.measure:
            return self._measure_op(it, values_by_id, fresh)
        gx0 = self.gx(it, 0)
        gx1 = gx0 + g.width
        top, zx0, x_end, runs = it.top, self.zx0, self.x_end, wires.runs
        ports, produced = [], []
        for i, v in enumerate(op.inputs):  # (the wires' calls take their arguments by position: quicker)
            for j, y in enumerate(rows.ins[i][:nrows(v)]):
                py = top + y
                if (v.id, j) not in runs and v.id not in ypos:
                    continue
                wires.end((v.id, j), gx0, py, op.id, zx0)
                ports.append((gx0, py))
        alert = op.id in self.hl
        for k, v in enumerate(op.outputs):
            ys = [top + y for y in rows.outs[k]]
            ypos[v.id] = ys
            values_by_id[v.id] = v
            axes = shown_axes(v)  # (value_axis() of each row, one look-up per value)
            for l, y in enumerate(ys):
                wires.start((v.id, l), gx1, y, axes[l] if l < len(axes) else None, alert, op.id, x_end)
                ports.append((gx1, y))
            produced.append(v)
        fresh |= it.fresh
        self._port_separators(it, gx0, gx1)
        # the glyph is drawn from its own origin: it is moved into place with the piece (see .pieces.Piece)
        owner = f"op:{op.id}"
        group = Group(tuple(g.items), "op", owner, _op_title(op))
        if g.box is None:  # boxed from its walk, kept with the glyph for another place (a fold's rows)
            g.box = box_terms(g.items)
        bb = box_moved_terms(g.box, gx0, top)
        glyph_groups.append((gx0, top, group))
        if bb:
            out.op_boxes[op.id] = bb
        for sub in g.items:  # an operation drawn inside another's glyph (a scaling as the cup's arrow)
            if type(sub) is Group and sub.owner != owner and sub.owner.startswith("op:"):
                out.op_boxes[int(sub.owner[3:])] = bbox_moved(sub, gx0, top)
        out.op_ports[op.id] = ports
        anchors, named = out.anchors, out.named
        anchors += ports  # where its wires may end
        prefix = owner + "/"
        for name, (ax, ay) in g.anchors.items():
            pt = (gx0 + ax, top + ay)
            anchors.append(pt)
            named[prefix + name] = pt
        return produced

    def _measure_op(self, it, values_by_id, fresh) -> list:
        """:meth:`draw_op` in a pass that only measures: the wires it ends and begins, the rows of what it
        produced."""
        op, rows, runs = it.op, it.rows, self.wires.runs
        for i, v in enumerate(op.inputs):
            for j in range(min(nrows(v), len(rows.ins[i]))):
                runs.pop((v.id, j), None)
        for k, v in enumerate(op.outputs):
            ys = [it.top + y for y in rows.outs[k]]
            self.ypos[v.id] = ys
            values_by_id[v.id] = v
            for l in range(len(ys)):
                self.wires.start((v.id, l), 0.0, ys[l], value_axis(v, l))
        fresh |= it.fresh
        return list(op.outputs)

    def _port_separators(self, it, gx0: float, gx1: float) -> None:
        """Separators between an operation's inputs follow their segments into the glyph; those between its
        outputs start at it."""
        op, rows, ypos = it.op, it.rows, self.ypos
        if len(op.inputs) < 2 and len(op.outputs) < 2:  # one segment in, one out: no separator at its ports
            return
        stack = sorted((i for i in range(len(op.inputs)) if rows.ins[i]), key=lambda i: rows.ins[i][0])
        for a, b in zip(stack, stack[1:]):
            va, vb = op.inputs[a], op.inputs[b]
            if va.id not in ypos or vb.id not in ypos:
                continue
            yl = separator_y(ypos[va.id][-1], ypos[vb.id][0])
            yp = it.top + separator_y(rows.ins[a][-1], rows.ins[b][0])
            pts = [(self.x, yl), (self.zx0, yp), (gx0, yp)]
            sep = _sep(pts, f"op:{op.id}")
            self.seps.append(sep)
            if self.bands is not None:  # its bend runs between the two inputs' wires, on the left and at the glyph
                lo = max(ypos[va.id][-1], it.top + rows.ins[a][-1]) + SEP_CLEAR
                hi = min(ypos[vb.id][0], it.top + rows.ins[b][0]) - SEP_CLEAR
                record(self.bands, sep, pts, [(lo, hi), None])
        for k in range(len(op.outputs) - 1):
            ym = separator_y(it.top + rows.outs[k][-1], it.top + rows.outs[k + 1][0])
            self.seps.append(_sep([(gx1, ym), (self.x_end, ym)], f"op:{op.id}"))


def _fresh_wires(op: Operation, rows) -> frozenset:
    """The wires new at this operation, to be named in the next state: everything a map produces, and for pure
    wirings (einsum, copies, element-wise maps...) only wires whose name did not come in."""
    same = {(k, l) for (i, j), (k, l) in rows.pairs if op.inputs[i].axes[j].label == op.outputs[k].axes[l].label}
    wiring = op.kind in _WIRINGS
    in_labels = {a.label for v in op.inputs for a in v.axes} if wiring else ()  # (only a wiring reads them)
    return frozenset([(v.id, l) for k, v in enumerate(op.outputs) for l, a in enumerate(shown_axes(v))
                      if not ((k, l) in same or (wiring and a.label in in_labels))])


def _order_items(items, nxt, ypos) -> list:
    """The step's items top to bottom.

    The next memory state's order is the model's (``order`` statements, the
    ``output`` list, results in their first input's place): it is part of the
    diagram's meaning, so each item takes the rank of its first value there.
    Items that leave nothing in the next state (saves, deletions) sit just below
    the item whose inputs arrive above theirs, so their wires stay short.
    """
    for it in items:
        if it.kind == "pass":
            it.key = ypos[it.value.id][0]
            continue
        key = None  # min() of the first rows of its inputs that arrive
        for v in it.op.inputs:
            ys = ypos.get(v.id)
            if ys is not None and (key is None or ys[0] < key):
                key = ys[0]
        it.key = 1e18 if key is None else key
    if nxt is None:
        return sorted(items, key=lambda it: (it.key, it.op.id if it.op is not None else -1,
                                             it.value.id if it.value is not None else -1))
    index = {v.id: n for n, v in enumerate(nxt.values)}
    ranked, unranked = [], []
    for it in items:
        outs = [it.value] if it.kind == "pass" else it.op.outputs
        hits = [index[v.id] for v in outs if v.id in index]
        if hits:
            it.rank = float(min(hits))
            ranked.append(it)
        else:
            unranked.append(it)
    if unranked:
        by_key = sorted(ranked, key=lambda it: it.key)
        keys = [it.key for it in by_key]
        best, run = [], -1.0
        for it in by_key:  # the highest rank among the items arriving at or above each key
            run = max(run, it.rank)
            best.append(run)
        for it in unranked:
            n = bisect_right(keys, it.key)
            it.rank = (best[n - 1] if n else -1.0) + 0.5
    return sorted(items, key=lambda it: (it.rank, it.key, it.op.id if it.op is not None else -1,
                                         it.value.id if it.value is not None else -1))


def _item_spans(order, ypos) -> list[tuple[float, float, float]]:
    """For each pair of vertically adjacent items: the separator's y at the state on the left, in the glyph
    zone and at the state on the right (called before the step moves any value), whether it runs in, out and
    clear of the wires on the left, and the two items' records (their rows left, in the zone with and without
    their glyphs' room, and right: see :func:`_sep_bands`)."""
    spans = []
    for it in order:
        if it.kind == "pass":
            n = nrows(it.value)
            left = ypos[it.value.id]
            placed = [it.top + PITCH * j for j in range(n)]
            spans.append((left[0], left[-1], placed[0], placed[-1], placed[0], placed[-1], True, True, placed[0],
                          placed[-1]))
        else:
            top = it.top
            lefts = [y for v in it.op.inputs if v.id in ypos for y in ypos[v.id]]
            ins = [top + y for ys in it.rows.ins for y in ys]
            outs = [top + y for ys in it.rows.outs for y in ys]
            alls = ins + outs
            if not alls:
                continue
            has_in, has_out = bool(lefts), bool(it.op.outputs)
            l0, l1 = _least_most(lefts or alls)
            a0, a1 = _least_most(alls)
            o0, o1 = _least_most(outs or alls)
            spans.append((l0, l1, a0 - it.glyph.headroom, a1 + it.glyph.footroom, o0, o1, has_in, has_out, a0, a1))
    out = []
    for a, b in zip(spans, spans[1:]):
        yl = separator_y(a[1], b[0])
        yr = separator_y(a[5], b[4])
        # the separator runs level when it can: at its height on the left, else on the right, else midway
        # between the rows; it only steps aside (midway between the glyphs) when a glyph reaches over that line
        lo, hi = a[3] + SEP_CLEAR, b[2] - SEP_CLEAR
        if lo <= yl <= hi:
            yz = yl
        elif lo <= yr <= hi:
            yz = yr
        else:
            yz = separator_y(a[1] if a[1] >= a[5] else a[5], b[0] if b[0] <= b[4] else b[4])
            if not lo <= yz <= hi:
                yz = (a[3] + b[2]) / 2
        # on the left, wires of the lower item lying between those of the upper one (a value passing between
        # an operation's inputs): no separator runs between them there, it starts in the glyph zone
        apart = a[1] <= b[0] + 1e-6
        out.append((yl, yz, yr, a[6] and b[6] and apart, a[7] and b[7], apart, (a, b)))
    return out


def _sep_bands(a, b) -> list:
    """Where a level separator between items ``a`` and ``b`` (their :func:`_item_spans` records) may run: in
    the bends in and out, between the two items' wires; in the glyph zone, clear of their glyphs."""
    return [(max(a[1], a[9]) + SEP_CLEAR, min(b[0], b[8]) - SEP_CLEAR), (a[3] + SEP_CLEAR, b[2] - SEP_CLEAR),
            (max(a[9], a[5]) + SEP_CLEAR, min(b[8], b[4]) - SEP_CLEAR)]


def _least_most(values) -> tuple[float, float]:
    """(min(values), max(values)) in one walk (each the first met, as min() and max() keep it)."""
    lo = hi = values[0]
    for v in values:
        if v < lo:
            lo = v
        elif v > hi:
            hi = v
    return lo, hi


def _op_title(op: Operation) -> str:
    lab = plain_text(op.label) if op.label else op.kind
    return f"{lab} : {op.signature}"
