"""Layout (stage 3): fences and brackets -- the groups drawn around laid-out operations.

A fence is a tinted rectangle (with its title) behind its operations and the wires into and between them;
a repetition is a pair of brackets with its bounds.  On a row of a folded panel, a repetition that began
earlier or goes on later is drawn open on that side.
"""
from __future__ import annotations

from ..model.types import Panel
from .geometry import (
    bezier_y_at, BOUND_FONT, BRACKET_T, BRACKET_W, FENCE_PAD, FONT, STATE_BARE_W, THIN, TITLE_GAP, WIRE,
)
from .mathtext import label, plain_text
from .scene import Group, Path, Text
from .wires import PanelOut, STUB

__all__ = ["group_items", "title_room", "title_reach", "group_starts", "title_width"]

TITLE_FONT = FONT * 0.95
TITLE_LEADING = 2.5  # between the lines of a fence title wrapped on a row that cuts the fence
TITLE_MIN_SCALE = 0.85  # a title the row's edge leaves too little room is set down to this share (8.9 units, the
# corner marks are 8.5) before it wraps

def group_items(panel: Panel, po: PanelOut, cut=(frozenset(), frozenset())) -> tuple[list, list]:
    """Fence rectangles (drawn behind) and repetition brackets / titles (drawn in front).  ``cut``: the
    repetitions that began on an earlier row of a folded panel (no opening bracket here) and those that go
    on in a later one (no closing bracket, and the bounds are written where it closes)."""
    back, front = [], []
    if not panel.groups:
        return back, front
    by_id = {g.id: g for g in panel.groups}
    members: dict[int, list] = {g.id: [] for g in panel.groups}
    ops_in: dict[int, set] = {g.id: set() for g in panel.groups}  # every op inside a group, nested ones too
    for op in panel.operations:
        for gid in op.groups:
            if gid in members and op.id in po.op_boxes:
                members[gid].append(po.op_boxes[op.id])
            for p in _enclosing(gid, by_id):
                ops_in[p].add(op.id)
    levels_all = _separator_levels(po)
    levels = levels_all if any(g.kind != "repeat" for g in panel.groups) else []
    by_op: dict[int, list] = {}  # op id -> the wire runs that start or end at it
    for run in po.wire_ops:
        a, b = run[1], run[2]
        if a is not None:
            by_op.setdefault(a, []).append(run)
        if b is not None and b != a:
            by_op.setdefault(b, []).append(run)
    cut_runs = _cut_runs(panel, po) if cut[0] or cut[1] else []
    boxes: dict[int, tuple] = {}
    for g in sorted(panel.groups, key=lambda g: -len(_enclosing(g.id, by_id))):  # innermost first
        bbs = list(members[g.id]) + [boxes[c.id] for c in panel.groups if c.parent == g.id and c.id in boxes]
        if not bbs:
            continue
        x0, y0 = min(b[0] for b in bbs) - FENCE_PAD, min(b[1] for b in bbs) - FENCE_PAD
        x1, y1 = max(b[2] for b in bbs) + FENCE_PAD, max(b[3] for b in bbs) + FENCE_PAD
        if g.kind == "repeat":
            boxes[g.id] = _bracket(g, (x0, y0, x1, y1), cut, po, levels_all, front)
            continue
        # the wires into and between its operations, within its columns, are inside; on a row that cuts it, also
        # the wires carried across the cut from or to its operations
        runs = {id(r): r for oid in ops_in[g.id] for r in by_op.get(oid, ())}
        if g.id in cut[0] or g.id in cut[1]:
            runs.update((id(r), r) for r, ends in cut_runs if ends & ops_in[g.id])
        span = _runs_y_extent(runs.values(), x0, x1)
        if span is not None:
            bbs.append((x0 + FENCE_PAD, span[0], x1 - FENCE_PAD, span[1]))
            y0, y1 = min(y0, span[0] - FENCE_PAD), max(y1, span[1] + FENCE_PAD)
        y0, y1 = _clear_of_separators(x0, y0, x1, y1, min(b[1] for b in bbs), max(b[3] for b in bbs), levels)
        opened = (g.id in cut[0], g.id in cut[1])
        if opened[0] or opened[1]:  # a row of a folded panel cuts it: it runs on to the row's edge, open there
            edges = po.section_x.values()
            x0 = min(a for a, _ in edges) if opened[0] else x0
            x1 = max(b for _, b in edges) if opened[1] else x1
        boxes[g.id] = _fence(g, (x0, y0, x1, y1), back, front, opened, po)
    back.reverse()  # outermost fences are drawn first
    return back, front


def _enclosing_ids(gids, by_id) -> set:
    """The groups ``gids`` and every group around them."""
    out = set()
    for gid in gids:
        p = gid
        while p is not None and p in by_id and p not in out:
            out.add(p)
            p = by_id[p].parent
    return out


def group_starts(panel: Panel, sec, x: float, starts: dict) -> None:
    """Record, for every fence the step ``sec`` (beginning at ``x``) lies in, where its first step began."""
    by_id = {g.id: g for g in panel.groups}
    for gid in _enclosing_ids({gid for op in sec.ops for gid in op.groups}, by_id):
        starts.setdefault(gid, x)


def title_room(panel: Panel, before, after, starts: dict, x: float, row: dict | None = None) -> float:
    """Width the state column at ``x`` between steps ``before`` and ``after`` keeps free (before its labels) so
    that a titled fence closing here is as wide as its title (drawn at its top left, see :func:`_title`) and does
    not reach over the next step's glyphs: a fence of one narrow column with a long title.  ``row``: at the end
    of a folded row, the glyph boxes it drew (op id -> box): a fence with an operation not among them goes on in
    the next row (see :func:`title_reach`)."""
    if not panel.groups or before is None or before.kind != "step":
        return 0.0
    by_id = {g.id: g for g in panel.groups}
    closing = _enclosing_ids({gid for op in before.ops for gid in op.groups}, by_id)
    if after is not None and after.kind == "step":
        closing -= _enclosing_ids({gid for op in after.ops for gid in op.groups}, by_id)
    need = 0.0
    for gid in closing:
        g = by_id[gid]
        if g.kind != "repeat" and g.title and gid in starts and not (row is not None and _goes_on(panel, gid, row)):
            # the fence's right edge: its first glyph's left (a stub after where its step began) less its pad,
            # plus the title's width and margins
            right = starts[gid] + STUB - FENCE_PAD + title_width(g.title)
            need = max(need, right - x - STATE_BARE_W)
    return need


def title_reach(panel: Panel, before, boxes: dict, limit: float) -> float:
    """Where the last state of a folded row reaches so that each titled fence the row's edge cuts, begun on this
    row after the step ``before``, has its title on one line (it runs on to the row's edge, so the state's labels
    lie inside it; see :func:`_title`); ``boxes``: the row's glyph boxes (op id -> box), where the fence begins.
    No farther than ``limit`` (the fold's width: a title never costs a row): where that is too little, the title is
    set smaller (down to :data:`TITLE_MIN_SCALE`); where even that does not fit, it wraps at its size in all the
    room the row has.  0 where no title needs more than the row gives."""
    if not panel.groups or before is None or before.kind != "step":
        return 0.0
    by_id = {g.id: g for g in panel.groups}
    reach = 0.0
    for gid in _enclosing_ids({gid for op in before.ops for gid in op.groups}, by_id):
        g = by_id[gid]
        if g.kind == "repeat" or not g.title:
            continue
        members = _members(panel, gid, by_id)
        if members and members[0] in boxes and members[-1] not in boxes:  # begun on this row, titled here, and
            # going on in the next
            left = min(boxes[m][0] for m in members if m in boxes) - FENCE_PAD
            full = title_width(g.title)
            reach = max(reach, min(left + full, limit))
    return reach


def _members(panel: Panel, gid: int, by_id: dict) -> list:
    """The ids of the operations inside group ``gid`` (nested groups' too), in the panel's order."""
    return [op.id for op in panel.operations if gid in _enclosing_ids(op.groups, by_id)]


def _goes_on(panel: Panel, gid: int, row: dict) -> bool:
    """Whether group ``gid`` has an operation after those of a folded row (``row``: its glyph boxes)."""
    members = _members(panel, gid, {g.id: g for g in panel.groups})
    return bool(members) and members[-1] not in row


def _cut_runs(panel: Panel, po: PanelOut) -> dict:
    """The wire runs of a row of a folded panel that the row's edges cut (they begin at its left edge or end at
    its right edge), each with the operations its value runs between: the one that made it, those that use it:
    ``[(run, op ids), ...]``."""
    ends: dict = {}
    for op in panel.operations:
        for v in (*op.inputs, *op.outputs):
            ends.setdefault(v.id, set()).add(op.id)
    out = []
    for run in po.wire_ops:
        if (run[1] is None or run[2] is None) and run[3].startswith("wire:"):
            out.append((run, ends.get(int(run[3][5:].split(".")[0]), set())))
    return out


def _enclosing(gid, by_id) -> list:
    """The group and the groups around it, innermost first."""
    out, p = [], gid
    while p is not None and p in by_id and p not in out:
        out.append(p)
        p = by_id[p].parent
    return out


def _bracket(g, box, cut, po: PanelOut, levels, front) -> tuple:
    """A repetition's brackets around ``box`` (open on a side where a folded row cuts it) and its bounds;
    returns the box it takes."""
    x0, y0, x1, y1 = box
    owner = f"group:{g.id}"
    x0 -= BRACKET_W
    x1 += BRACKET_W
    for side, xs in ((0, x0), (1, x1)):
        if g.id in cut[side]:
            continue
        front.append(_paren(xs, y0, y1, BRACKET_W if side == 0 else -BRACKET_W, owner))
    up = g.upper or ""
    if g.id in cut[1]:
        top_src, bot_src = "", ""
    elif g.index:
        top_src, bot_src = up, f"{g.index}={g.lower or ''}"
    else:
        top_src, bot_src = (f"{up}\\times" if up else ""), ""
    if top_src:  # above the closing bracket, ending at its outer edge (the paper's N-1 over its parenthesis):
        lab = label(top_src, BOUND_FONT)  # it takes no width of the row
        tx = x1 - lab.width
        ty = _clear_y(lab, tx, [y0 - lab.descent - 1.5 - k * lab.height / 2 for k in range(8)], po, levels)
        front.append(Text(lab, tx, ty, role="label", owner=owner))
        y0 = min(y0, ty - lab.ascent)
    if bot_src:  # under the opening bracket, as the paper writes lambda = 1 (under the closing one if cut)
        lab = label(bot_src, BOUND_FONT)
        bx = x0 if g.id not in cut[0] else x1 - lab.width
        front.append(Text(lab, bx, y1 + lab.ascent + 2, role="label", owner=owner))
        y1 += lab.height + 3
    return (x0, y0, x1, y1)


def _paren(xs: float, y0: float, y1: float, bw: float, owner: str) -> Path:
    """A bold parenthesis from y0 to y1 bulging to ``xs`` (``bw`` > 0: an opening one): a filled crescent,
    thickest at its middle and pointed at its ends, as a typeset parenthesis."""
    h = y1 - y0
    t = BRACKET_T if bw > 0 else -BRACKET_T
    d = (("M", xs + bw, y0), ("C", xs, y0 + 0.2 * h, xs, y1 - 0.2 * h, xs + bw, y1),
         ("C", xs + t, y1 - 0.2 * h, xs + t, y0 + 0.2 * h, xs + bw, y0), ("Z",))
    return Path(d, stroke="ink", fill="ink", width=0.6, role="bracket", owner=owner)


def _fence(g, box, back, front, opened=(False, False), po: PanelOut | None = None) -> tuple:
    """A fence (tinted, shadowed) or a dotted outline around ``box``, its title above; returns its box.  On a row
    of a folded panel it is drawn open on a side where the row cuts it (``opened``: left, right), as the paper
    continues a box across rows, and titled only on the row where it begins."""
    x0, y0, x1, y1 = box
    owner = f"group:{g.id}"
    if opened[0] or opened[1]:
        return _open_fence(g, box, back, front, opened, po)
    if g.title:
        y0, width = _title(g, x0, y0, x1, False, po, front)
        x1 = max(x1, x0 + width + 10)
    rect = (("M", x0, y0), ("L", x1, y0), ("L", x1, y1), ("L", x0, y1), ("Z",))
    if g.kind == "dotted":
        back.append(Group((Path(rect, stroke="ink", fill=None, width=THIN, dash=(1.5, 2.5), role="fence",
                                owner=owner),), role="fence", owner=owner))
    else:
        shadow = tuple((c[0], c[1] + 2.5, c[2] + 2.5) if len(c) == 3 else c for c in rect)
        back.append(Group((
            Path(shadow, stroke=None, fill="shadow", role="shadow", owner=owner, opacity=0.16),
            Path(rect, stroke=None, fill="paper", width=0.6, role="fence", owner=owner),
            Path(rect, stroke="fence-edge", fill=g.color or "fence", width=0.6, role="fence", owner=owner,
                 opacity=0.5)),
            role="fence", owner=owner, title=plain_text(g.title) if g.title else "fence"))
    return (x0, y0, x1, y1)


def _open_fence(g, box, back, front, opened, po: PanelOut | None = None) -> tuple:
    """A fence cut by the rows of a folded panel: its fill and shadow as usual, its edge without the sides the
    cut opens."""
    x0, y0, x1, y1 = box
    owner = f"group:{g.id}"
    if g.title and not opened[0]:
        y0, width = _title(g, x0, y0, x1, opened[1], po, front)
        if not opened[1]:  # an open side stays at the cut
            x1 = max(x1, x0 + width + 10)
    rect = (("M", x0, y0), ("L", x1, y0), ("L", x1, y1), ("L", x0, y1), ("Z",))
    if opened[0] and opened[1]:  # top and bottom only
        edge = (("M", x0, y0), ("L", x1, y0), ("M", x0, y1), ("L", x1, y1))
    elif opened[0]:  # from the top left round the right side to the bottom left
        edge = (("M", x0, y0), ("L", x1, y0), ("L", x1, y1), ("L", x0, y1))
    else:  # from the top right round the left side to the bottom right
        edge = (("M", x1, y0), ("L", x0, y0), ("L", x0, y1), ("L", x1, y1))
    if g.kind == "dotted":
        back.append(Group((Path(edge, stroke="ink", fill=None, width=THIN, dash=(1.5, 2.5), role="fence",
                                owner=owner),), role="fence", owner=owner))
        return (x0, y0, x1, y1)
    sx1 = x1 if opened[1] else x1 + 2.5  # no shadow beyond an open side: the box goes on
    shadow = (("M", x0 + 2.5, y0 + 2.5), ("L", sx1, y0 + 2.5), ("L", sx1, y1 + 2.5), ("L", x0 + 2.5, y1 + 2.5), ("Z",))
    back.append(Group((
        Path(shadow, stroke=None, fill="shadow", role="shadow", owner=owner, opacity=0.16),
        Path(rect, stroke=None, fill="paper", width=0.6, role="fence", owner=owner),
        Path(rect, stroke=None, fill=g.color or "fence", width=0.6, role="fence", owner=owner, opacity=0.5),
        Path(edge, stroke="fence-edge", fill=None, width=0.6, role="fence", owner=owner)),
        role="fence", owner=owner, title=plain_text(g.title) if g.title else "fence"))
    return (x0, y0, x1, y1)


def title_width(title: str) -> float:
    """The width a fence takes to write ``title`` on one line at its top left (the title and its margins)."""
    return label(title, TITLE_FONT, "regular").width + 10


def _title(g, x0: float, y0: float, x1: float, open_right: bool, po: PanelOut | None, front: list):
    """A fence's title, above its contents at its top left: on a fence a folded row cuts on its right, set a
    little smaller to fit on one line before the cut (down to :data:`TITLE_MIN_SCALE`), else wrapped into lines
    that fit there; raised above any wire label or wire it would touch (one passing over
    the fence near its top).  Returns the fence's new top and the title's width."""
    owner = f"group:{g.id}"
    size = TITLE_FONT
    if open_right:  # the row's edge cuts it: on one line, a little smaller if need be, else wrapped
        room = x1 - x0 - 10
        whole = label(g.title, TITLE_FONT, "regular").width
        if whole > room and 0.995 * room / whole >= TITLE_MIN_SCALE:
            size = TITLE_FONT * 0.995 * room / whole
    lines = _wrapped(g.title, x1 - x0 - 10, size) if open_right else [g.title]
    labs = [label(t, size, "regular") for t in lines]
    width = max(lab.width for lab in labs)
    height = sum(lab.height for lab in labs) + TITLE_LEADING * (len(labs) - 1)
    tx0, tx1 = x0 + 5, x0 + 5 + width
    bottom = y0 - TITLE_GAP
    obstacles = []
    if po is not None:  # the title only rises: what lies wholly below its first place is never in its way
        reach = bottom + 0.5
        obstacles = [t.bbox for name, layer in po.items if name == "labels" for t in layer
                     if isinstance(t, Text) and t.bbox[0] < tx1 and t.bbox[2] > tx0]
        obstacles += [(tx0, ext[0], tx1, ext[1]) for ext in (_runs_y_extent((r,), tx0, tx1)
                      for a, b, r, top in _run_spans(po) if a <= tx1 and b >= tx0 and top < reach)
                      if ext is not None]
    for _ in range(len(obstacles) + 1):
        hit = [b[1] for b in obstacles if b[1] < bottom + 0.5 and b[3] > bottom - height - 0.5]
        if not hit:
            break
        bottom = min(hit) - 1.0
    y = bottom - height
    for lab in labs:
        front.append(Text(lab, tx0, y + lab.ascent, role="label", owner=owner))
        y += lab.height + TITLE_LEADING
    return bottom - height - TITLE_GAP, width


def _wrapped(text: str, room: float, size: float = TITLE_FONT) -> list[str]:
    """``text`` broken at spaces into lines no wider than ``room`` at font ``size`` where it can be (a word wider
    stays whole)."""
    lines: list[str] = []
    for word in text.split(" "):
        if lines and label(f"{lines[-1]} {word}", size, "regular").width <= room:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines or [text]


def _clear_y(lab, x: float, candidates, po: PanelOut, levels) -> float:
    """The first baseline among ``candidates`` where the label at ``x`` touches no wire and no separator (a
    bracket's bound written on a dashed line reads as part of it); the first one when none is clear."""
    x1 = x + lab.width
    exts = None  # the wires' extents under the label, worked out once for all the candidates
    for y in candidates:
        top, bottom = y - lab.ascent - 1.0, y + lab.descent + 1.0
        if any(a < x1 and b > x and top <= ly <= bottom for a, b, ly in levels):
            continue
        if exts is None:
            exts = [ext for ext in (_runs_y_extent((r,), x, x1) for a, b, r, _ in _run_spans(po)
                                    if a <= x1 and b >= x) if ext is not None]
        if any(ext[0] <= bottom and ext[1] >= top for ext in exts):
            continue
        return y
    return candidates[0]


def _run_spans(po: PanelOut) -> list:
    """(x from, x to, run, least y of its ink) for every wire run of the panel, computed once (a run's extent
    between any two x, :func:`_runs_y_extent`, never reaches above that y: a bend lies between its ends' rows,
    to a rounding)."""
    if len(po.run_spans) != len(po.wire_ops):
        spans = []
        for r in po.wire_ops:
            x0, lo = x1, _ = r[0][0]  # min() and max() of its points, in one walk
            for x, y in r[0]:
                if x < x0:
                    x0 = x
                elif x > x1:
                    x1 = x
                if y < lo:
                    lo = y
            spans.append((x0, x1, r, lo - WIRE / 2 - 1e-6))
        po.run_spans = spans
    return po.run_spans


def _runs_y_extent(runs, x0: float, x1: float):
    """The vertical extent of wire runs (polylines with S-bends between points) where they lie between x0
    and x1."""
    lo = hi = None
    for run in runs:
        pts = iter(run[0])
        px, py = next(pts)
        for qx, qy in pts:
            if qx < px:
                ax, ay, bx, by = qx, qy, px, py
            else:
                ax, ay, bx, by = px, py, qx, qy
            px, py = qx, qy
            if bx < x0 or ax > x1:
                continue
            if -1e-9 < ay - by < 1e-9:  # level (abs() < 1e-9)
                if lo is None:
                    lo = hi = ay
                elif ay < lo:
                    lo = ay
                elif ay > hi:
                    hi = ay
                continue
            # a bend: its ends, or where the bounds clip it (y is monotone along a bend)
            for y in (ay if ax >= x0 else bezier_y_at(ax, ay, bx, by, x0),
                      by if bx <= x1 else bezier_y_at(ax, ay, bx, by, x1)):
                if lo is None:
                    lo = hi = y
                elif y < lo:
                    lo = y
                elif y > hi:
                    hi = y
    return None if lo is None else (lo - WIRE / 2, hi + WIRE / 2)


def _separator_levels(po: PanelOut) -> list[tuple[float, float, float]]:
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
                if prev is not None and c[0] == "L" and -1e-6 < pt[1] - prev[1] < 1e-6:
                    a, b = prev[0], pt[0]  # min() and max() of the two, the first winning ties
                    runs.append((b if b < a else a, b if b > a else a, pt[1]))
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
