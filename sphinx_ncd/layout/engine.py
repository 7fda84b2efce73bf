"""Layout (stage 3): Diagram -> Scene.

Columns are the panel's vertical sections: a *state* column shows the wires in
memory (and labels the ones that are new there); a *step* column holds the
operations of one step side by side in the vertical direction, with every
other value passing through.  Wires sit on a uniform pitch; a step's items
(operations and pass-through values) are placed top to bottom, each as close
as possible to the rows its inputs arrive on, so most wires run straight and
the rest bend once, at the left of the step, with smooth S-curves whose length
grows with their travel (crossings stay at clear angles).  One pass from left
to right: linear in the number of operations and wires.

Fences, repetition brackets, block headers, legends and the ``=`` between
panels are added around the laid-out panels.  Nothing here writes output
syntax; :mod:`sphinx_ncd.rendering.svg` turns the scene into SVG.
"""
from __future__ import annotations

from bisect import bisect_right
import dataclasses
import sympy
from dataclasses import dataclass, field

from ..errors import NCDError
from .. import messages as msg
from ..model.types import Axis, AxisKind, BlockParams, Diagram, Group as ModelGroup, OpKind, Operation, Panel, Section, Value
from .geometry import (
    BRACKET_W, EQ_GAP, FENCE_PAD, FONT, ITEM_GAP, LABEL_GAP, LABEL_PAD, MARGIN, PITCH,
    SEP_DASH, SEP_WIDTH, SMALL_FONT, STATE_MIN_W, THIN, TITLE_GAP, WIRE, bend_length, bezier_y_at, separator_y,
    wire_path,
)
from .fold import Strip, choose_cuts
from .glyphs import Glyph, OpRows, axis_label_source, build_glyph
from .mathtext import label, plain_text
from .pieces import Piece, bbox_all, below, beside, place, shift_box, translate, union
from .scene import Circle, Group, Path, Scene, Text, bbox_of

__all__ = ["layout", "MAX_OPERATIONS", "MAX_WIRES"]

MAX_OPERATIONS = 20000  # beyond this a diagram is refused (a clear error, not a hang)
MAX_WIRES = 20000
GLYPH_GAP = 4.0  # least room between the vertical extents of two items of one step
STUB = 6.0  # straight wire between a glyph and the next state column
NOTE_GAP = 4.0
_WIRINGS = frozenset((OpKind.EINSUM, OpKind.ADD, OpKind.COPY, OpKind.ELEMENTWISE, OpKind.SCALE, OpKind.SOFTMAX,
                      OpKind.NORM, OpKind.INDEX, OpKind.CONCAT, OpKind.DELETE, OpKind.SAVE))
ROW_GAP = 28.0  # between the figure and the block definitions drawn under it
SEP_CLEAR = 4.0  # least room between a separator and a glyph it runs past
BADGE_GAP = 6.0  # between the verdict badge and the top of the drawing
COMPACT = PITCH  # an item further than this below its least position moves up
FOLD_GAP = 22.0  # between the rows of a folded panel
ARROW_TIP = 7.0  # a continued wire's arrowhead: from the wire's end to its tip
ARROW_NOTCH = 2.5  # ... and back from the wire's end to its barbs
ARROW_HALF = 3.6  # ... half its height


@dataclass(eq=False)  # compared by identity: field-wise equality would walk whole operations
class _Item:
    kind: str  # "op" | "pass"
    op: Operation | None = None
    value: Value | None = None
    key: float = 0.0  # where the inputs arrive (y of the topmost)
    rank: float = 0.0  # place in the next memory state
    glyph: Glyph | None = None
    rows: OpRows | None = None
    top: float = 0.0  # absolute y of the item's first wire row
    note: Text | None = None


@dataclass
class _PanelOut:
    items: list = field(default_factory=list)  # back to front: fences, wires, separators, glyphs, labels
    anchors: list = field(default_factory=list)
    align_y: float = 0.0
    op_boxes: dict = field(default_factory=dict)  # op id -> absolute bbox
    op_ports: dict = field(default_factory=dict)  # op id -> list of absolute port points
    wire_ops: list = field(default_factory=list)  # (points, op id it starts at or None, op id it ends at or None)
    run_spans: list = field(default_factory=list)  # cache of _run_spans
    section_x: dict = field(default_factory=dict)  # section index -> (x where it begins, x where it ends)
    edge_in: dict = field(default_factory=dict)  # owner -> (x, y): wires that begin at the left edge
    edge_out: dict = field(default_factory=dict)  # owner -> (x, y): wires that end at the right edge
    edge_style: dict = field(default_factory=dict)  # owner -> wire style, for those


def _nrows(v: Value) -> int:
    return max(1, len(v.axes))


_ONE = Axis("1", sympy.Integer(1))  # the wire of a value with no axes (a scalar), where one is drawn


def _shown_axes(v: Value) -> tuple:
    """The axes drawn for ``v``: its own, or a single ``1`` wire for a scalar."""
    return v.axes or (_ONE,)


def _silent_values(panel: Panel) -> set:
    """Scalars (no axes) that an operation produces and nothing consumes: they carry no wire and end at the
    operation that produced them (a 1-length axis may be removed freely).  A scalar that feeds an operation, or
    is an input of the diagram, keeps a wire labelled ``1`` so its data flow stays visible."""
    consumed = {v.id for op in panel.operations for v in op.inputs}
    return {v.id for op in panel.operations for v in op.outputs if not v.axes and v.id not in consumed}


def _stack(values, top: float) -> dict[int, list[float]]:
    out = {}
    y = top
    for v in values:
        rows = [y + PITCH * r for r in range(_nrows(v))]
        out[v.id] = rows
        y = rows[-1] + ITEM_GAP
    return out


def _rel_rows(values) -> list[list[float]]:
    st = _stack(values, 0.0)
    return [st[v.id] for v in values]


def _spaced_rows(values, reserve) -> list[list[float]]:
    """Like :func:`_rel_rows`, with the reserved room kept below each value."""
    out = []
    y = 0.0
    for v in values:
        rows = [y + PITCH * r for r in range(_nrows(v))]
        out.append(rows)
        y = rows[-1] + reserve.get(v.id, 0.0) + ITEM_GAP
    return out


def _op_rows(op: Operation, owner: str, alert: bool, ypos=None, reserve=None) -> OpRows:
    if ypos is not None and len(op.inputs) > 1 and all(v.id in ypos for v in op.inputs):
        # stack the inputs in the order they arrive (top to bottom), so their wires need not cross
        order = sorted(range(len(op.inputs)), key=lambda i: (ypos[op.inputs[i].id][0], i))
        stacked = _stack([op.inputs[i] for i in order], 0.0)
        ins = [stacked[v.id] for v in op.inputs] if len({v.id for v in op.inputs}) == len(op.inputs) \
            else _rel_rows(op.inputs)
    else:
        ins = _rel_rows(op.inputs)
    if op.kind == OpKind.COPY and reserve:  # each branch leaves room for what its consumer will grow into
        outs = _spaced_rows(op.outputs, reserve)
    else:
        outs = _rel_rows(op.outputs)
    # which wires the box acts on and which pass over it: the model's explicit positions and pairing
    pairs = [tuple(map(tuple, p)) for p in op.broadcast_pairs]
    paired_in = {p[0] for p in pairs}
    paired_out = {p[1] for p in pairs}
    in_core = [[j in op.core_in_pos[i] or (i, j) not in paired_in for j in range(len(v.axes))] or [True]
               for i, v in enumerate(op.inputs)]
    out_core = [[l in op.core_out_pos[k] or (k, l) not in paired_out for l in range(len(v.axes))] or [True]
                for k, v in enumerate(op.outputs)]
    return OpRows(op, ins, outs, in_core, out_core, pairs, owner=owner, alert=alert)


def _wire_style(axis, alert: bool) -> dict:
    stroke = "alert" if alert else ("tangent" if getattr(axis, "tangent", False) else "ink")
    return {"stroke": stroke, "tandem": getattr(axis, "kind", None) == AxisKind.TANDEM}


class _Wires:
    """Wire runs: a wire from where it starts (input edge or output port) to where it ends (port or output edge)."""

    def __init__(self, out: _PanelOut):
        self.out = out
        self.runs: dict[tuple[int, int], list] = {}  # (value id, row) -> [points, style, owner]
        self.paths: list = []
        self.silent: set = set()  # values drawn without a wire

    def start(self, key, x, y, axis, alert=False, op=None):
        if key[0] in self.silent:
            return
        self.runs[key] = [[(x, y)], _wire_style(axis, alert), f"wire:{key[0]}.{key[1]}", op, None]
        self.out.anchors.append((x, y))

    def to(self, key, x, y):
        run = self.runs.get(key)
        if run is None:
            return
        pts = run[0]
        if abs(pts[-1][0] - x) > 1e-9 or abs(pts[-1][1] - y) > 1e-9:
            pts.append((x, y))

    def end(self, key, x, y, op=None):
        run = self.runs.pop(key, None)
        if run is None:
            return
        run[4] = op
        self.to_run(run, x, y)
        self.out.anchors.append((x, y))
        self._emit(run)

    @staticmethod
    def to_run(run, x, y):
        pts = run[0]
        if abs(pts[-1][0] - x) > 1e-9 or abs(pts[-1][1] - y) > 1e-9:
            pts.append((x, y))

    def _emit(self, run):
        pts, style, owner, op_from, op_to = run
        if len(pts) < 2:
            return
        self.out.wire_ops.append((pts, op_from, op_to))
        d = wire_path(pts)
        if style["tandem"]:
            for off in (-1.4, 1.4):
                self.paths.append(Path(wire_path([(x, y + off) for x, y in pts]), stroke=style["stroke"], width=0.85,
                                       role="wire", owner=owner))
        else:
            self.paths.append(Path(d, stroke=style["stroke"], width=WIRE, role="wire", owner=owner))

    def finish(self, x):
        for key in sorted(self.runs):
            run = self.runs[key]
            self.to_run(run, x, run[0][-1][1])
            self.out.anchors.append((x, run[0][-1][1]))
            self.out.edge_out[run[2]] = (x, run[0][-1][1])
            self.out.edge_style[run[2]] = run[1]
            self._emit(run)
        self.runs.clear()


def _value_axis(v: Value, j: int):
    axes = _shown_axes(v)
    return axes[j] if j < len(axes) else None


def panel_sections(panel: Panel) -> list:
    """The sections the panel is drawn with: residual branches beside their box, a first state always."""
    sections = _residual_sections(panel)
    if not sections or sections[0].kind != "state":
        sections.insert(0, Section("state", panel.inputs))
    return sections


def _layout_panel(panel: Panel, hl: dict, x0: float, sections=None, silent=None, base: int = 0) -> _PanelOut:
    """Lay out ``sections`` (the panel's own by default; a slice of them for one row of a folded panel, whose
    first is section ``base`` of the panel) from x = ``x0``."""
    out = _PanelOut()
    wires = _Wires(out)
    wires.silent = _silent_values(panel) if silent is None else silent
    seps: list = []
    labels: list = []
    glyph_groups: list = []
    sections = panel_sections(panel) if sections is None else list(sections)
    repeats = _repeat_label_widths(panel)
    ypos: dict[int, list[float]] = {}
    values_by_id: dict[int, Value] = {}
    first = sections[0]
    ypos.update(_stack(first.values, 0.0))
    for v in first.values:
        values_by_id[v.id] = v
    out.align_y = ypos[first.values[0].id][0] if first.values else 0.0
    new_runs: set = {(v.id, j) for v in first.values for j in range(len(_shown_axes(v)))}
    for v in first.values:
        for j, y in enumerate(ypos[v.id]):
            wires.start((v.id, j), x0, y, _value_axis(v, j))
            if v.id not in wires.silent:
                out.edge_in[f"wire:{v.id}.{j}"] = (x0, y)
    x = x0
    cur: list[Value] = list(first.values)
    idx = 0
    while idx < len(sections):
        sec = sections[idx]
        x_begin = x
        if sec.kind == "state":
            # values that appear from nowhere are stacked below
            missing = [v for v in sec.values if v.id not in ypos]
            if missing:
                bottom = max((ys[-1] for ys in ypos.values()), default=-ITEM_GAP)
                ypos.update(_stack(missing, bottom + ITEM_GAP))
                for v in missing:
                    values_by_id[v.id] = v
                    for j, y in enumerate(ypos[v.id]):
                        wires.start((v.id, j), x, y, _value_axis(v, j))
                new_runs |= {(v.id, j) for v in missing for j in range(len(_shown_axes(v)))}
            if idx > 0:
                x = _permute(sec.values, ypos, x, wires)
            if idx == len(sections) - 1 and idx > 0:  # the outputs: every wire named at the right edge
                new_runs = new_runs | {(v.id, j) for v in sec.values for j in range(len(_shown_axes(v)))}
            before = sections[idx - 1] if idx > 0 else None
            after = sections[idx + 1] if idx + 1 < len(sections) else None
            room = _bracket_room(before, after, repeats)
            x = _state_column([v for v in sec.values if v.id not in wires.silent], new_runs, ypos, x, wires, seps,
                              labels, out, room)
            out.section_x[base + idx] = (x_begin, x)
            cur = list(sec.values)
            new_runs = set()
            idx += 1
            continue
        # a step
        nxt = sections[idx + 1] if idx + 1 < len(sections) and sections[idx + 1].kind == "state" else None
        later = sections[idx + 2] if nxt is not None and idx + 2 < len(sections) else None
        reserve = _reserve(later)
        x, produced, new_runs = _step_column(sec, cur, nxt, ypos, values_by_id, x, wires, seps, glyph_groups, hl,
                                             out, reserve)
        out.section_x[base + idx] = (x_begin, x)
        if nxt is None:  # two steps in a row: an implicit state of what the step produced
            cur = [v for v in cur if v.id in ypos] + produced
            x = _state_column([v for v in cur if v.id not in wires.silent], new_runs, ypos, x, wires, seps,
                              labels, out)
            new_runs = set()
        idx += 1
    wires.finish(x)
    out.items = [("wires", wires.paths), ("seps", seps), ("glyphs", glyph_groups), ("labels", labels)]
    return out


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


def _permute(values, ypos, x, wires: _Wires) -> float:
    """Bring the wires into the state's own top-to-bottom order when the step left them otherwise.

    Steps already place their items in the next state's order; this catches what
    they cannot (one operation's outputs listed apart by an ``order`` or
    ``output`` statement).  The wires cross in S-bends before the state column.
    """
    placed = [v for v in values if v.id in ypos]
    tops = [ypos[v.id][0] for v in placed]
    if all(a < b for a, b in zip(tops, tops[1:])):
        return x
    restacked = _stack(placed, min(tops))
    travel = max(abs(a - b) for v in placed for a, b in zip(ypos[v.id], restacked[v.id]))
    x1 = x + bend_length(travel)
    for v in placed:
        for j, (y0, y1) in enumerate(zip(ypos[v.id], restacked[v.id])):
            wires.to((v.id, j), x, y0)
            wires.to((v.id, j), x1, y1)
        ypos[v.id] = restacked[v.id]
    return x1


def _bracket_room(before, after, repeats) -> tuple[float, float]:
    """Width a state column needs so that the repetition brackets closing on its left and opening on its right,
    with their bounds, fit between the neighbouring steps' glyphs."""
    if not repeats:
        return 0.0, 0.0
    left = {gid for op in (before.ops if before is not None else ()) for gid in op.groups if gid in repeats}
    right = {gid for op in (after.ops if after is not None else ()) for gid in op.groups if gid in repeats}
    closing = left - right
    opening = right - left
    left = FENCE_PAD + BRACKET_W + max(repeats[gid] for gid in closing) + 2 if closing else 0.0
    right = FENCE_PAD + BRACKET_W + 2 if opening else 0.0
    return left, right


def _repeat_label_widths(panel: Panel) -> dict:
    """Per repetition group: the width of the bound written by its closing bracket."""
    out = {}
    for g in panel.groups:
        if g.kind == "repeat":
            up = g.upper or ""
            src = up if g.index else (f"{up}\\times" if up else "")
            out[g.id] = label(src, SMALL_FONT + 1).width + 2 if src else 0.0
    return out


def _state_column(values, new_runs, ypos, x, wires: _Wires, seps, labels, out, room=(0.0, 0.0)) -> float:
    """A memory state: its wires run level, new ones are named, separators between segments.  ``room`` is
    (left, right) width kept free for repetition brackets closing and opening here."""
    width = STATE_MIN_W
    pending = []
    for v in values:
        for j, a in enumerate(_shown_axes(v)):
            if (v.id, j) not in new_runs:
                continue
            lab = label(axis_label_source(a), FONT)
            width = max(width, lab.width + 2 * LABEL_PAD)
            pending.append((v, j, lab))
    for v, j, lab in pending:
        y = ypos[v.id][j]
        labels.append(Text(lab, x + room[0] + LABEL_PAD, y - LABEL_GAP - lab.descent, fill="ink", role="label",
                           owner=f"wire:{v.id}.{j}"))
    x1 = x + width + room[0] + room[1]
    for v in values:
        for j, y in enumerate(ypos.get(v.id, ())):
            wires.to((v.id, j), x, y)
            wires.to((v.id, j), x1, y)
    order = sorted((ypos[v.id][0], ypos[v.id][-1]) for v in values if v.id in ypos)
    for (a0, a1), (b0, b1) in zip(order, order[1:]):
        ym = separator_y(a1, b0)
        seps.append(Path((("M", x, ym), ("L", x1, ym)), stroke="ink", width=SEP_WIDTH, dash=SEP_DASH,
                         role="separator", owner="sep"))
    return x1


def _reserve(later) -> dict[int, float]:
    """Room to keep below each value of the coming state: the extra height its consumer in the following step
    will need (a map from one axis to three grows by two rows).  Leaving that room now lets the wires run
    straight into their consumers instead of bending a second time (a copy feeding several maps)."""
    out: dict[int, float] = {}
    if later is None or later.kind != "step":
        return out
    for op in later.ops:
        if len(op.inputs) != 1 or not op.outputs:
            continue
        rows = _rel_rows(op.outputs)
        grown = (rows[-1][-1] - rows[0][0]) - PITCH * (_nrows(op.inputs[0]) - 1)
        if grown > 1e-6:
            out[op.inputs[0].id] = grown
    return out


def _step_column(sec: Section, cur, nxt, ypos, values_by_id, x, wires: _Wires, seps, glyph_groups, hl, out,
                 reserve=None):
    reserve = reserve or {}
    items: list[_Item] = []
    for op in sec.ops:
        items.append(_Item("op", op=op))
    consumed = {v.id for op in sec.ops for v in op.inputs}
    passing = [v for v in sec.values if v.id in ypos and v.id not in consumed]
    for v in passing:
        items.append(_Item("pass", value=v))
    order = _order_items(items, nxt, ypos)
    # glyphs
    for it in order:
        if it.kind == "op":
            alert = it.op.id in hl
            it.rows = _op_rows(it.op, f"op:{it.op.id}", alert, ypos, reserve)
            it.glyph = build_glyph(it.rows)
    # vertical placement, top to bottom
    prev_bottom_row = None
    prev_foot = 0.0
    for it in order:
        if it.kind == "pass":
            rows_rel = [0.0 + PITCH * r for r in range(_nrows(it.value))]
            head, foot = 0.0, 0.0
            desired = ypos[it.value.id][0]
        else:
            rel = [y for ys in it.rows.ins for y in ys] + [y for ys in it.rows.outs for y in ys]
            rows_rel = rel or [0.0]
            head, foot = it.glyph.headroom, it.glyph.footroom
            ins = [v for v in it.op.inputs if v.id in ypos]
            desired = min(ypos[v.id][0] for v in ins) if ins else None
        if prev_bottom_row is None:
            top = desired if desired is not None else 0.0
        else:
            least = max(prev_bottom_row + ITEM_GAP, prev_bottom_row + prev_foot + head + GLYPH_GAP)
            top = least if desired is None else max(desired, least)
            if top > least + COMPACT:  # pack towards the item above: the inputs bend up once
                top = least
        it.top = top
        last = it.value if it.kind == "pass" else (it.op.outputs[-1] if it.op.outputs else None)
        extra = reserve.get(last.id, 0.0) if last is not None else 0.0  # room the next step will fill
        prev_bottom_row = top + max(rows_rel) + extra
        prev_foot = max(0.0, foot - extra)
    # horizontal geometry: bend zone, glyph zone, stub
    dys = []
    for it in order:
        if it.kind == "pass":
            for j, y in enumerate(ypos[it.value.id]):
                dys.append(abs(it.top + PITCH * j - y))
        else:
            for i, v in enumerate(it.op.inputs):
                if v.id in ypos:
                    for j, y in enumerate(ypos[v.id]):
                        if j < len(it.rows.ins[i]):
                            dys.append(abs(it.top + it.rows.ins[i][j] - y))
    bend = bend_length(max(dys, default=0.0)) if any(d > 1e-6 for d in dys) else STUB
    zone_w = max((it.glyph.width for it in order if it.kind == "op"), default=STUB)
    zx0 = x + bend
    zx1 = zx0 + zone_w
    spans = _item_spans(order, ypos)
    jog = max((abs(yz - yr) for _, yz, yr, _, _ in spans), default=0.0)
    x_end = zx1 + (bend_length(jog) if jog > 1e-6 else STUB)
    xm = (zx0 + zx1) / 2

    def _gx(it, side):  # where the item's glyph begins (side 0) or ends (side 1) in the zone
        g0 = zx0 + (zone_w - it.glyph.width) / 2
        return g0 + side * it.glyph.width

    for (yl, yz, yr, both_in, both_out), a, b in zip(spans, order, order[1:]):
        if both_in and both_out:
            pts = [(x, yl), (zx0, yz), (zx1, yz), (x_end, yr)]
        elif both_in:  # a segment ends in this step (saved, deleted): the separator ends where its wires do
            ending = [it for it in (a, b) if it.kind == "op" and not it.op.outputs]
            xe = min((_gx(it, 0) for it in ending), default=xm)
            pts = [(x, yl), (zx0, yz), (xe, yz)] if xe > zx0 + 1e-6 else [(x, yl), (xe, yz)]
        elif both_out:  # a segment starts here (loaded, a unit): the separator starts where its wires do
            starting = [it for it in (a, b) if it.kind == "op" and not any(v.id in ypos for v in it.op.inputs)]
            xs = max((_gx(it, 1) for it in starting), default=xm)
            pts = [(xs, yz), (zx1, yz), (x_end, yr)] if xs < zx1 - 1e-6 else [(xs, yz), (x_end, yr)]
        else:
            continue
        seps.append(Path(wire_path(pts), stroke="ink", width=SEP_WIDTH, dash=SEP_DASH, role="separator",
                         owner="sep"))
    # segments that end here (saved, deleted) between two that go on: those two lie side by side from where
    # the last of them ends, so their separator starts there
    above, enders = None, []
    for it in order:
        if it.kind == "op" and not it.op.outputs:
            enders.append(it)
            continue
        if it.kind == "pass":
            rows_all = rows_out = [PITCH * j for j in range(_nrows(it.value))]
            head = foot = 0.0
        else:
            rows_out = [y for ys in it.rows.outs for y in ys]
            rows_all = [y for ys in it.rows.ins for y in ys] + rows_out
            head, foot = it.glyph.headroom, it.glyph.footroom
        if above is not None and enders and rows_out:
            xs = max(_gx(e, 0) for e in enders)
            yr = separator_y(above[0], it.top + rows_out[0])  # where the next state draws it
            lo, hi = above[1] + SEP_CLEAR, it.top + min(rows_all) - head - SEP_CLEAR
            ym = yr if lo <= yr <= hi else (lo + hi) / 2  # clear of the glyphs on either side
            pts = [(xs, ym), (x_end, ym)] if abs(ym - yr) < 1e-6 or xs >= zx1 - 1e-6 else \
                [(xs, ym), (zx1, ym), (x_end, yr)]
            seps.append(Path(wire_path(pts), stroke="ink", width=SEP_WIDTH, dash=SEP_DASH, role="separator",
                             owner="sep"))
        if rows_out:
            above, enders = (it.top + rows_out[-1], it.top + max(rows_all) + foot), []
    produced: list[Value] = []
    fresh: set = set()
    # wires and glyphs
    for it in order:
        if it.kind == "pass":
            v = it.value
            new = [it.top + PITCH * j for j in range(_nrows(v))]
            for j, y in enumerate(new):
                wires.to((v.id, j), zx0, y)
                wires.to((v.id, j), x_end, y)
            ypos[v.id] = new
            continue
        op, g, rows = it.op, it.glyph, it.rows
        gx0 = zx0 + (zone_w - g.width) / 2
        gx1 = gx0 + g.width
        ports = []
        for i, v in enumerate(op.inputs):
            for j in range(_nrows(v)):
                if j >= len(rows.ins[i]):
                    continue
                py = it.top + rows.ins[i][j]
                if (v.id, j) not in wires.runs and v.id not in ypos:
                    continue
                wires.to((v.id, j), zx0, py)
                wires.end((v.id, j), gx0, py, op=op.id)
                ports.append((gx0, py))
        alert = op.id in hl
        for k, v in enumerate(op.outputs):
            ys = [it.top + y for y in rows.outs[k]]
            ypos[v.id] = ys
            values_by_id[v.id] = v
            for l, y in enumerate(ys):
                wires.start((v.id, l), gx1, y, _value_axis(v, l), alert=alert, op=op.id)
                wires.to((v.id, l), x_end, y)
                ports.append((gx1, y))
            produced.append(v)
        same = {(k, l) for (i, j), (k, l) in rows.pairs
                if op.inputs[i].axes[j].label == op.outputs[k].axes[l].label}
        # label the wires that are new here: everything a map produces, and for pure wirings
        # (einsum, copies, element-wise maps...) only wires whose name did not come in
        wiring = op.kind in _WIRINGS
        in_labels = {a.label for v in op.inputs for a in v.axes}
        for k, v in enumerate(op.outputs):
            for l, a in enumerate(_shown_axes(v)):
                if (k, l) in same or (wiring and a.label in in_labels):
                    continue
                fresh.add((v.id, l))
        # separators between this op's inputs follow their segments into the glyph
        stack = sorted((i for i in range(len(op.inputs)) if rows.ins[i]), key=lambda i: rows.ins[i][0])
        for a, b in zip(stack, stack[1:]):
            va, vb = op.inputs[a], op.inputs[b]
            if va.id not in ypos or vb.id not in ypos:
                continue
            yl = separator_y(ypos[va.id][-1], ypos[vb.id][0])
            yp = it.top + separator_y(rows.ins[a][-1], rows.ins[b][0])
            seps.append(Path(wire_path([(x, yl), (zx0, yp), (gx0, yp)]), stroke="ink", width=SEP_WIDTH,
                             dash=SEP_DASH, role="separator", owner=f"op:{op.id}"))
        for k in range(len(op.outputs) - 1):
            ya = it.top + rows.outs[k][-1]
            yb = it.top + rows.outs[k + 1][0]
            ym = separator_y(ya, yb)
            seps.append(Path(wire_path([(gx1, ym), (x_end, ym)]), stroke="ink", width=SEP_WIDTH, dash=SEP_DASH,
                             role="separator", owner=f"op:{op.id}"))
        items = [translate(p, gx0, it.top) for p in g.items]
        bb = bbox_all(items)
        grp = Group(tuple(items), role="op", owner=f"op:{op.id}", title=_op_title(op))
        glyph_groups.append(grp)
        if bb:
            out.op_boxes[op.id] = bb
        out.op_ports[op.id] = ports
        for name, (ax, ay) in g.anchors.items():
            out.anchors.append((gx0 + ax, it.top + ay))
    # values of the current state that were neither consumed nor passed on: they end here
    live = {v.id for v in passing} | {v.id for op in sec.ops for v in op.inputs} | {v.id for v in produced}
    for v in cur:
        if v.id not in live:
            for j in range(_nrows(v)):
                key = (v.id, j)
                if key in wires.runs:
                    pts = wires.runs[key][0]
                    wires.end(key, pts[-1][0], pts[-1][1])
    return x_end, produced, fresh


def _order_items(items, nxt, ypos) -> list:
    """The step's items top to bottom.

    The next memory state's order is the model's (``order`` statements, the
    ``output`` list, results in their first input's place): it is part of the
    diagram's meaning, so each item takes the rank of its first value there.
    Items that leave nothing in the next state (saves, deletions) sit just below
    the item whose inputs arrive above theirs, so their wires stay short.
    """
    for it in items:
        ins = [it.value] if it.kind == "pass" else [v for v in it.op.inputs if v.id in ypos]
        it.key = min(ypos[v.id][0] for v in ins) if ins else 1e18
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
    zone and at the state on the right (called before the step moves any value)."""
    spans = []
    for it in order:
        if it.kind == "pass":
            n = _nrows(it.value)
            left = ypos[it.value.id]
            placed = [it.top + PITCH * j for j in range(n)]
            spans.append((left[0], left[-1], placed[0], placed[-1], placed[0], placed[-1], True, True))
        else:
            lefts = [y for v in it.op.inputs if v.id in ypos for y in ypos[v.id]]
            ins = [it.top + y for ys in it.rows.ins for y in ys]
            outs = [it.top + y for ys in it.rows.outs for y in ys]
            alls = ins + outs
            if not alls:
                continue
            has_in, has_out = bool(lefts), bool(it.op.outputs)
            lefts = lefts or alls
            outs = outs or alls
            head = it.glyph.headroom
            foot = it.glyph.footroom
            spans.append((min(lefts), max(lefts), min(alls) - head, max(alls) + foot, min(outs), max(outs),
                          has_in, has_out))
    out = []
    for a, b in zip(spans, spans[1:]):
        yl = separator_y(a[1], b[0])
        yr = separator_y(a[5], b[4])
        # the separator runs level when it can: at its height on the left, else on the right, else midway
        # between the rows; it only steps aside (midway between the glyphs) when a glyph reaches over that line
        lo, hi = a[3] + SEP_CLEAR, b[2] - SEP_CLEAR
        yz = next((y for y in (yl, yr, separator_y(max(a[1], a[5]), min(b[0], b[4]))) if lo <= y <= hi),
                  (a[3] + b[2]) / 2)
        out.append((yl, yz, yr, a[6] and b[6], a[7] and b[7]))
    return out


def _op_title(op: Operation) -> str:
    lab = plain_text(op.label) if op.label else op.kind
    return f"{lab} : {op.signature}"


# --- groups: fences and repetition ------------------------------------------------------------------------------


def _group_items(panel: Panel, po: _PanelOut, cut=(frozenset(), frozenset())) -> tuple[list, list]:
    """Fence rectangles (drawn behind) and repetition brackets / titles (drawn in front).  ``cut``: the
    repetitions that began on an earlier row of a folded panel (no opening bracket here) and those that go
    on in a later one (no closing bracket, and the bounds are written where it closes)."""
    back, front = [], []
    if not panel.groups:
        return back, front
    members: dict[int, list] = {g.id: [] for g in panel.groups}
    for op in panel.operations:
        for gid in op.groups:
            if gid in members and op.id in po.op_boxes:
                members[gid].append(po.op_boxes[op.id])
    by_id = {g.id: g for g in panel.groups}
    depth = {}

    def _depth(g: ModelGroup) -> int:
        if g.id in depth:
            return depth[g.id]
        d = 0
        p = g.parent
        seen = set()
        while p is not None and p in by_id and p not in seen:
            seen.add(p)
            d += 1
            p = by_id[p].parent
        depth[g.id] = d
        return d

    levels_all = _separator_levels(po)
    levels = levels_all if any(g.kind != "repeat" for g in panel.groups) else []
    boxes: dict[int, tuple] = {}
    ops_in: dict[int, set] = {g.id: set() for g in panel.groups}  # every op inside a group, nested ones too
    for op in panel.operations:
        for gid in op.groups:
            p, seen = gid, set()
            while p is not None and p in by_id and p not in seen:
                seen.add(p)
                ops_in[p].add(op.id)
                p = by_id[p].parent
    by_op: dict[int, list] = {}  # op id -> the wire runs that start or end at it
    for run in po.wire_ops:
        for oid in {run[1], run[2]} - {None}:
            by_op.setdefault(oid, []).append(run)
    for g in sorted(panel.groups, key=lambda g: -_depth(g)):  # innermost first
        bbs = list(members[g.id])
        bbs += [boxes[c.id] for c in panel.groups if c.parent == g.id and c.id in boxes]
        if not bbs:
            continue
        x0 = min(b[0] for b in bbs) - FENCE_PAD
        y0 = min(b[1] for b in bbs) - FENCE_PAD
        x1 = max(b[2] for b in bbs) + FENCE_PAD
        y1 = max(b[3] for b in bbs) + FENCE_PAD
        if g.kind != "repeat":  # the wires into and between its operations, within its columns, are inside
            runs = {id(r): r for oid in ops_in[g.id] for r in by_op.get(oid, ())}
            span = _runs_y_extent(runs.values(), x0, x1)
            if span is not None:
                bbs.append((x0 + FENCE_PAD, span[0], x1 - FENCE_PAD, span[1]))
                y0 = min(y0, span[0] - FENCE_PAD)
                y1 = max(y1, span[1] + FENCE_PAD)
        if g.kind != "repeat":
            y0, y1 = _clear_of_separators(x0, y0, x1, y1, min(b[1] for b in bbs), max(b[3] for b in bbs), levels)
        owner = f"group:{g.id}"
        if g.kind == "repeat":
            x0 -= BRACKET_W
            x1 += BRACKET_W
            for side, xs in ((0, x0), (1, x1)):
                if g.id in cut[side]:
                    continue
                bw = BRACKET_W if side == 0 else -BRACKET_W
                front.append(Path((("M", xs + bw, y0), ("C", xs, y0 + 0.2 * (y1 - y0), xs, y1 - 0.2 * (y1 - y0),
                                                        xs + bw, y1)),
                                  stroke="ink", width=1.3, role="bracket", owner=owner))
            up = g.upper or ""
            if g.id in cut[1]:
                top_src, bot_src = "", ""
            elif g.index:
                top_src, bot_src = up, f"{g.index}={g.lower or ''}"
            else:
                top_src, bot_src = (f"{up}\\times" if up else ""), ""
            if top_src:
                lab = label(top_src, SMALL_FONT + 1)
                ty = _clear_y(lab, x1 + 1.5, (y0 + lab.ascent - 2, y0 - lab.descent - 1.5,
                                              y0 - lab.descent - 1.5 - lab.height), po, levels_all)
                front.append(Text(lab, x1 + 1.5, ty, role="label", owner=owner))
                x1 += lab.width + 2
            if bot_src:
                lab = label(bot_src, SMALL_FONT + 1)
                front.append(Text(lab, x1 - lab.width if not top_src else x1 - lab.width, y1 + lab.ascent + 2,
                                  role="label", owner=owner))
                y1 += lab.height + 3
        else:
            title_h = 0.0
            if g.title:
                lab = label(g.title, FONT * 0.95, "regular")
                title_h = lab.height + TITLE_GAP
                front.append(Text(lab, x0 + 5, y0 - TITLE_GAP - lab.descent, role="label", owner=owner))
                y0 -= title_h + TITLE_GAP
                x1 = max(x1, x0 + lab.width + 10)
            rect = (("M", x0, y0), ("L", x1, y0), ("L", x1, y1), ("L", x0, y1), ("Z",))
            if g.kind == "dotted":
                back.append(Group((Path(rect, stroke="ink", fill=None, width=THIN, dash=(1.5, 2.5), role="fence",
                                        owner=owner),), role="fence", owner=owner))
            else:
                fill = g.color or "fence"
                shadow = tuple((c[0], c[1] + 2.5, c[2] + 2.5) if len(c) == 3 else c for c in rect)
                back.append(Group((
                    Path(shadow, stroke=None, fill="shadow", role="shadow", owner=owner, opacity=0.16),
                    Path(rect, stroke=None, fill="paper", width=0.6, role="fence", owner=owner),
                    Path(rect, stroke="fence-edge", fill=fill, width=0.6, role="fence", owner=owner, opacity=0.5)),
                    role="fence", owner=owner, title=plain_text(g.title) if g.title else "fence"))
        boxes[g.id] = (x0, y0, x1, y1)
    # outermost fences are drawn first
    back.reverse()
    return back, front


def _clear_y(lab, x: float, candidates, po: _PanelOut, levels) -> float:
    """The first baseline among ``candidates`` where the label at ``x`` touches no wire and no separator (a
    bracket's bound written on a dashed line reads as part of it); the first one when none is clear."""
    x1 = x + lab.width
    for y in candidates:
        top, bottom = y - lab.ascent - 1.0, y + lab.descent + 1.0
        if any(a < x1 and b > x and top <= ly <= bottom for a, b, ly in levels):
            continue
        if any(ext is not None and ext[0] <= bottom and ext[1] >= top
               for ext in (_runs_y_extent((r,), x, x1) for a, b, r in _run_spans(po) if a <= x1 and b >= x)):
            continue
        return y
    return candidates[0]


def _run_spans(po: _PanelOut) -> list:
    """(x from, x to, run) for every wire run of the panel, computed once."""
    if len(po.run_spans) != len(po.wire_ops):
        po.run_spans = [(min(p[0] for p in r[0]), max(p[0] for p in r[0]), r) for r in po.wire_ops]
    return po.run_spans


def _runs_y_extent(runs, x0: float, x1: float):
    """The vertical extent of wire runs (polylines with S-bends between points) where they lie between x0
    and x1."""
    lo, hi = None, None
    for pts, _, _ in runs:
        for (ax, ay), (bx, by) in zip(pts, pts[1:]):
            if bx < ax:
                ax, ay, bx, by = bx, by, ax, ay
            if max(ax, bx) < x0 or min(ax, bx) > x1:
                continue
            if abs(ay - by) < 1e-9:
                ys = (ay,)
            else:  # a bend: its ends, or where the bounds clip it (y is monotone along a bend)
                ys = (ay if ax >= x0 else bezier_y_at(ax, ay, bx, by, x0),
                      by if bx <= x1 else bezier_y_at(ax, ay, bx, by, x1))
            for y in ys:
                lo = y if lo is None else min(lo, y)
                hi = y if hi is None else max(hi, y)
    return None if lo is None else (lo - WIRE / 2, hi + WIRE / 2)


def _separator_levels(po: _PanelOut) -> list[tuple[float, float, float]]:
    """The level runs (x from, x to, y) of the panel's dashed separators."""
    runs = []
    for name, layer in po.items:
        if name != "seps":
            continue
        for p in layer:
            prev = None
            for c in p.d:
                pt = (c[1], c[2]) if c[0] in ("M", "L") else ((c[5], c[6]) if c[0] == "C" else None)
                if pt is None:
                    continue
                if prev is not None and c[0] == "L" and abs(pt[1] - prev[1]) < 1e-6:
                    runs.append((min(prev[0], pt[0]), max(prev[0], pt[0]), pt[1]))
                prev = pt
    return runs


def _clear_of_separators(x0, y0, x1, y1, inner0, inner1, levels, gap=3.0):
    """Pull a fence's top and bottom edges in so they do not run along a separator just outside its contents
    (a tuple boundary drawn on the fence's edge reads as part of the fence)."""
    for a, b, y in levels:
        if b <= x0 or a >= x1:
            continue
        if inner1 < y < y1 + gap:
            y1 = max(inner1 + 1.5, min(y1, y - gap))
        elif y0 - gap < y < inner0:
            y0 = min(inner0 - 1.5, max(y0, y + gap))
    return y0, y1


# --- panels, headers, legends, '=' -----------------------------------------------------------------------------------


def _panel_bbox(po: _PanelOut, back, front):
    """Bounding box of a laid-out panel: its glyphs (known per op), wires, separators, labels and groups."""
    b = None
    for name, layer in po.items:
        if name == "glyphs":
            for grp in layer:
                op_id = int(grp.owner.split(":")[1]) if grp.owner.startswith("op:") else None
                b = union(b, po.op_boxes.get(op_id) if op_id in po.op_boxes else bbox_of(grp))
        else:
            b = union(b, bbox_all(layer))
    return union(union(b, bbox_all(back)), bbox_all(front))


def _flatten(po: _PanelOut) -> list:
    items = []
    for _, layer in po.items:
        items.extend(layer)
    return items


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


def _with_headers(panels) -> list[Panel]:
    out: list[Panel] = []
    for p in panels:
        if p.header is not None:
            out.append(_header_panel(p))
        out.append(p)
    return out


def _groups_in(panel: Panel, sections) -> set:
    """Ids of the groups (with the groups around them) that operations of ``sections`` belong to."""
    by_id = {g.id: g for g in panel.groups}
    out: set = set()
    for sec in sections:
        for op in sec.ops:
            for gid in op.groups:
                p = gid
                while p is not None and p in by_id and p not in out:
                    out.add(p)
                    p = by_id[p].parent
    return out


def _panel_piece(panel: Panel, hl: dict, sections, silent, base: int, continued: bool, whole=None):
    """One panel, or one row of a folded panel (``sections`` from section ``base`` of the panel's ``whole``
    list), as a piece; a row that goes on in the next one ends in arrowheads.  Returns the piece and the column
    pass's record."""
    po = _layout_panel(panel, hl, 0.0, sections, silent, base)
    cut = (frozenset(), frozenset())
    if whole is not None and panel.groups:
        here = _groups_in(panel, sections)
        cut = (frozenset(here & _groups_in(panel, whole[:base])),
               frozenset(here & _groups_in(panel, whole[base + len(sections):])))
    back, front = _group_items(panel, po, cut)
    piece = Piece(back=back, mid=_flatten(po), front=front, bbox=_panel_bbox(po, back, front) or (0, 0, 0, 0),
                  align_y=po.align_y, anchors=list(po.anchors), op_boxes=dict(po.op_boxes), ins=dict(po.edge_in),
                  outs=dict(po.edge_out))
    if continued:
        for owner, (x, y) in po.edge_out.items():
            head = _arrowhead(x, y, po.edge_style.get(owner, {}), owner)
            piece.front.append(head)
            piece.bbox = union(piece.bbox, bbox_of(head))
            piece.anchors.append((x + ARROW_TIP, y))
    return piece, po


def _arrowhead(x: float, y: float, style: dict, owner: str) -> Path:
    """The paper's arrowhead where a wire leaves a folded row: its notch on the wire's end at ``x``."""
    h = ARROW_HALF + (1.0 if style.get("tandem") else 0.0)
    return Path((("M", x - ARROW_NOTCH, y - h), ("L", x + ARROW_TIP, y), ("L", x - ARROW_NOTCH, y + h),
                 ("L", x, y), ("Z",)), stroke=None, fill=style.get("stroke", "ink"), role="arrow", owner=owner)


def _strip(panel: Panel, sections, po: _PanelOut) -> Strip:
    """What the folding needs to know of the unfolded strip (see :class:`.fold.Strip`)."""
    left = [0.0] * len(sections)
    right = [0.0] * len(sections)
    for k, (a, b) in po.section_x.items():
        left[k], right[k] = a, b
    states = tuple(k for k, sec in enumerate(sections) if sec.kind == "state")
    relabel = {}
    for k in states:
        widths = [label(axis_label_source(a), FONT).width + 2 * LABEL_PAD
                  for v in sections[k].values for a in _shown_axes(v)]
        relabel[k] = max([STATE_MIN_W, *widths])
    by_id = {g.id: g for g in panel.groups}
    steps_of: dict = {}
    tags = []  # per section: what it belongs to (groups, and a block box of its own)
    for k, sec in enumerate(sections):
        tag = set()
        for op in sec.ops:
            for gid in op.groups:
                p, seen = gid, set()
                while p is not None and p in by_id and p not in seen:
                    seen.add(p)
                    steps_of.setdefault(p, []).append(k)
                    p = by_id[p].parent
                tag.add(("g", gid))
            if op.kind == OpKind.BLOCK:
                tag.add(("b", op.id))
        tags.append(frozenset(tag))
    groups = []
    for gid, ks in steps_of.items():
        pad = 2 * (FENCE_PAD + (BRACKET_W if by_id[gid].kind == "repeat" else 0.0))
        groups.append((min(ks), max(ks), right[max(ks)] - left[min(ks)] + pad))
    boundary = frozenset(k for k in states[1:-1] if tags[k - 1] != tags[k + 1])
    breaks = frozenset(k for k in states[1:-1] if getattr(sections[k], "brk", False))
    return Strip(tuple(left), tuple(right), relabel, states, tuple(groups), boundary, breaks, ARROW_TIP + 2.0)


def _fold_panel(panel: Panel, hl: dict, target: float | None) -> Piece:
    """The panel as one row, or folded into rows no wider than ``target`` where it can be (see :mod:`.fold`)."""
    sections = panel_sections(panel)
    silent = _silent_values(panel)
    whole, po = _panel_piece(panel, hl, sections, silent, 0, False)
    if target is None:
        return whole
    strip = _strip(panel, sections, po)
    if whole.width <= target and not strip.breaks:
        return whole
    goal, cuts, rows = target, None, [whole]
    for _ in range(3):  # the rows are measured on the strip; one that comes out wider tightens the goal
        new = choose_cuts(strip, goal)
        if new == cuts or not new:
            break
        cuts = new
        bounds = [strip.states[0], *cuts, strip.states[-1]]
        rows = [_panel_piece(panel, hl, sections[a:b + 1], silent, a, b != bounds[-1], sections)[0]
                for a, b in zip(bounds, bounds[1:])]
        over = max(r.width for r in rows) - target
        if over <= 0.5:
            break
        goal -= over
    return _stack_rows(rows)


def _stack_rows(rows: list) -> Piece:
    """Rows of one folded panel, top to bottom, left edges where they were laid out; every wire that leaves one
    row's right edge is recorded as resumed at the next row's left edge."""
    out = rows[0]
    for prev, row in zip(rows, rows[1:]):
        moved = place(row, 0.0, out.bbox[3] + FOLD_GAP - row.bbox[1])
        cont = [(o, (prev_pt[0] + ARROW_TIP, prev_pt[1]), moved.ins[o])
                for o, prev_pt in out.outs.items() if o in moved.ins]
        out = below(out, moved, FOLD_GAP, keep_x=True, moved=True)
        out.continued += cont
        out.outs = dict(moved.outs)
    out.rows = len(rows)
    return out


def _equation(panels, hl: dict, target: float | None) -> Piece:
    """Panels joined by '=': side by side, aligned on their first wire, when that fits in ``target``; else one
    under the other, '=' after a one-row panel (a block's header) or before the panel that follows."""
    pieces = [_fold_panel(p, hl, target) for p in panels]
    eq = label("=", FONT * 1.3, "regular")
    eq_w = eq.width + 2 * EQ_GAP
    side = sum(p.width for p in pieces) + eq_w * (len(pieces) - 1)
    out = pieces[0]
    for piece in pieces[1:]:
        if target is None or side <= target:
            ex = out.bbox[2] + EQ_GAP
            t = Text(eq, ex, out.align_y + (eq.ascent - eq.descent) / 2, role="label", owner="eq")
            out = beside(out, piece, 2 * EQ_GAP + eq.width, extra=(t,))
        elif out.rows == 1 and out.bbox[2] + eq_w <= target:
            t = Text(eq, out.bbox[2] + EQ_GAP, out.align_y + (eq.ascent - eq.descent) / 2, role="label",
                     owner="eq")
            out.front.append(t)
            out.bbox = union(out.bbox, t.bbox)
            out = below(out, piece, ROW_GAP)
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


def layout(diagram: Diagram, highlights=(), badge: str | None = None, max_width: float | None = None) -> Scene:
    """Lay out every panel of ``diagram`` (``=`` between them) and return the scene.  A panel wider than
    ``max_width`` (layout units; None: never) is folded into rows."""
    n_ops = sum(len(p.operations) for p in diagram.panels)
    if n_ops > MAX_OPERATIONS:
        raise NCDError(msg.RENDER_TOO_MANY_OPS.format(n=n_ops, limit=MAX_OPERATIONS), None, kind="render")
    n_wires = sum(_nrows(v) for p in diagram.panels for s in p.sections for v in s.values)
    if n_wires > MAX_WIRES * 10:
        raise NCDError(msg.RENDER_TOO_MANY_WIRES.format(n=n_wires, limit=MAX_WIRES * 10), None, kind="render")
    if not diagram.panels or all(not p.sections and not p.inputs and not p.operations for p in diagram.panels):
        raise NCDError(msg.RENDER_EMPTY, None, kind="render")
    hl = {}
    for item in highlights or ():
        try:
            op_id, note = item
        except (TypeError, ValueError):
            op_id, note = item, ""
        hl[op_id] = note or ""
    fig = _equation(_with_headers(diagram.panels), hl, max_width)
    for name, body in diagram.blocks:  # blocks defined by this spec: "Name(params) = body" under the figure
        if body.header is not None and body.span is not None and body.span.file == diagram.filename \
                and body.operations and all(p is not body for p in diagram.panels):
            fig = below(fig, _equation(_with_headers((body,)), hl, max_width), ROW_GAP, keep_x=True)
    back_all, mid_all, front_all, anchors = fig.back, fig.mid, fig.front, fig.anchors
    total = fig.bbox
    op_boxes = fig.op_boxes
    # highlight notes: under the drawing, each under its box's column, joined by a dotted leader
    notes = [(op_id, note) for op_id, note in hl.items() if note and op_id in op_boxes]
    if notes and total is not None:
        y = total[3] + NOTE_GAP + 4
        for op_id, note in sorted(notes, key=lambda kv: (op_boxes[kv[0]][0], str(kv[0]))):
            bb = op_boxes[op_id]
            lab = label(str(note), SMALL_FONT + 0.5, "regular")
            tx = bb[0]
            t = Text(lab, tx, y + lab.ascent, fill="alert", role="label", owner=f"op:{op_id}")
            lx = min(bb[2], bb[0] + 3)
            front_all.append(Path((("M", lx, bb[3] + 1), ("L", lx, y - 1)), stroke="alert", width=0.7,
                                  dash=(1.2, 1.8), role="leader", owner=f"op:{op_id}"))
            front_all.append(t)
            total = union(total, t.bbox)
            y = t.bbox[3] + 3
    # legend: derived sizes in a grey panel under the drawing
    legend = [pair for p in diagram.panels for pair in p.legend]
    allb = total or (0, 0, 0, 0)
    if legend:
        rows = []
        y = allb[3] + 12
        lx = allb[0]
        maxw = 0.0
        for name, expr in legend:
            lab = label(f"{name} = {expr}", FONT * 0.95)
            rows.append(lab)
            maxw = max(maxw, lab.width)
        h = sum(l.height + 4 for l in rows) + 8
        front_all.append(Path((("M", lx, y), ("L", lx + maxw + 14, y), ("L", lx + maxw + 14, y + h), ("L", lx, y + h),
                               ("Z",)), stroke="legend-edge", fill="legend", width=0.6, role="legend", owner="legend"))
        cy = y + 6
        for lab in rows:
            front_all.append(Text(lab, lx + 7, cy + lab.ascent, role="label", owner="legend"))
            cy += lab.height + 4
        total = union(total, (lx - 0.3, y - 0.3, lx + maxw + 14.3, y + h + 0.3))
    if badge:
        allb = total or (0, 0, 0, 0)
        # as large as the wire labels (a page scales the whole figure down), on its own line above the drawing
        lab = label(str(badge), FONT, "regular")
        bt = Text(lab, allb[2] - lab.width, allb[1] - BADGE_GAP - lab.descent, fill="muted", role="label",
                  owner="badge")
        front_all.append(bt)
        total = union(total, bt.bbox)
    items = back_all + mid_all + front_all
    bb = total or (0, 0, 1, 1)
    vb = (bb[0] - MARGIN, bb[1] - MARGIN, (bb[2] - bb[0]) + 2 * MARGIN, (bb[3] - bb[1]) + 2 * MARGIN)
    title = plain_text(diagram.title) if diagram.title else "Neural circuit diagram"
    desc = _describe(diagram)
    return Scene(tuple(items), vb, title=title, description=desc, anchors=tuple(anchors),
                 continued=tuple(fig.continued))


def _describe(diagram: Diagram) -> str:
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
