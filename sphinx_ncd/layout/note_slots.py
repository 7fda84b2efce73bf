"""Layout (stage 3): where an author's note stands -- the free slot nearest what it explains.

The paper writes its notes beside the part they explain, in the free space around and inside the drawing, with
short leaders.  This module finds that place for one note at a time: the row's ink (wires, glyphs, labels,
fences' edges, highlights, the notes already placed and their leaders) is marked on a grid of :data:`CELL`
units, grown by :data:`CLEAR` so a note never touches it; the free rectangles of the note's size, at each of a
few wrap widths (a wide short note suits the space above or below the drawing, a narrow tall one the side or a
gap inside it), within the fold width, tops every :data:`ROW_STEP` cells, are the candidates (in each free run
of a row: the place nearest the targets, the run's ends, one every :data:`SPREAD` cells).  A candidate costs
the length of its leaders, plus how much it grows the drawing, plus :data:`WIRE_COST` for each wire a leader
crosses and :data:`FENCE_COST` for each fence edge, plus its shape (:func:`shape_cost`: a tall narrow column of
a few words a line reads badly, so a wider wrap wins at about the same cost); a leader that would cross a label,
a glyph or another note rules the candidate out.  The cheapest wins.  The search is best first -- a row of
candidates enters the queue at what its height alone costs and is opened only when nothing cheaper is left --
and stops when no candidate left can beat the best found; it is deterministic (ties go to the higher place,
then the left one).  Where no straight leader can reach any free place, the note goes under (or over)
everything with a bent leader (:mod:`.note_route`).
"""
from __future__ import annotations

import heapq
import math
import re
from itertools import pairwise

from .note_route import route
from .scene import Circle, Group, Path, Text, bbox_of

__all__ = ["CELL", "CLEAR", "FENCE_COST", "WIRE_COST", "Grid", "Ink", "leader_ends", "place_note"]

CELL = 4.0  # grid step (units)
CLEAR = 4.0  # least room between a note and any ink
WIRE_COST = 22.0  # a leader crossing a wire costs as much as this much more leader
FENCE_COST = 10.0  # ... crossing a fence's edge
GROW_H = 1.0  # a unit of height the note adds to the drawing costs as much as a unit of leader
GROW_W = 0.5  # ... a unit of width (within the fold width)
SPREAD = 16  # within a free run, a candidate every SPREAD cells besides its ends and the nearest place
ROW_STEP = 2  # a note's top every ROW_STEP cells
SHAPE_COST = 1.5  # a unit of a note's height past TALL, or of its width short of SLIM, costs this much leader:
TALL = 70.0  # a note taller than about five lines, or narrower than SLIM, reads as a column of words, not
SLIM = 120.0  # a note -- a wider wrap wins wherever it stands at about the same cost
_ONES = re.compile("1+")
MAX_TRIES = 2000  # candidates checked in full before the search settles for the best seen


def _chords(d) -> list:
    """A path's ink as straight pieces (curves as 8 chords each, arcs as their chord)."""
    out, cur, start = [], (0.0, 0.0), (0.0, 0.0)
    for c in d:
        op = c[0]
        if op == "M":
            cur = start = (c[1], c[2])
        elif op in ("L", "A"):
            nxt = (c[1], c[2]) if op == "L" else (c[3], c[4])
            out.append((cur, nxt))
            cur = nxt
        elif op == "C":
            p0, p1, p2, p3 = cur, (c[1], c[2]), (c[3], c[4]), (c[5], c[6])
            prev = p0
            for k in range(1, 9):
                t = k / 8
                u = 1 - t
                pt = (u ** 3 * p0[0] + 3 * u * u * t * p1[0] + 3 * u * t * t * p2[0] + t ** 3 * p3[0],
                      u ** 3 * p0[1] + 3 * u * u * t * p1[1] + 3 * u * t * t * p2[1] + t ** 3 * p3[1])
                out.append((prev, pt))
                prev = pt
            cur = p3
        elif op == "Z":
            out.append((cur, start))
            cur = start
    return out


class Ink:
    """What a row draws, sorted for the note search: ``lines`` (owner, role, chords, box) of stroked paths
    (wires, separators, leaders) and of the fences' edges, ``solids`` the boxes of labels, glyphs and other
    filled shapes (``(box, owner, kind)``, kind "text", "glyph", "note" or "tint"), ``fences`` the fences'
    boxes."""

    def __init__(self, items):
        self.lines, self.solids, self.fences = [], [], []
        stack = list(items)
        while stack:
            it = stack.pop()
            if isinstance(it, Group):
                stack.extend(it.items)
                continue
            box = bbox_of(it)
            if box is None:
                continue
            owner, role = getattr(it, "owner", ""), getattr(it, "role", "")
            if isinstance(it, Text):
                self.solids.append((box, owner, "text"))
            elif isinstance(it, Path) and it.fill is None:
                self.lines.append((owner, role, _chords(it.d), box))
            elif role in ("fence", "shadow"):  # a note may stand on a fence's tint, wholly inside it, never
                if role == "fence" and box not in self.fences:  # across its edge (nor its shadow's)
                    self.fences.append(box)
                x0, y0, x1, y1 = box
                edge = [((x0, y0), (x1, y0)), ((x1, y0), (x1, y1)), ((x1, y1), (x0, y1)), ((x0, y1), (x0, y0))]
                self.lines.append((owner, "fence", edge, box))
            elif role in ("highlight", "note"):
                self.solids.append((box, owner, "tint" if role == "highlight" else "note"))
            elif isinstance(it, (Path, Circle)):
                self.solids.append((box, owner, "glyph"))

    def add_note(self, box, leaders, owner) -> None:
        """A placed note and its leaders (each a list of points)."""
        self.solids.append((box, owner, "note"))
        for pts in leaders:
            chords = list(pairwise(pts))
            xs, ys = [p[0] for p in pts], [p[1] for p in pts]
            self.lines.append((owner, "leader", chords, (min(xs), min(ys), max(xs), max(ys))))


class Grid:
    """Cells of :data:`CELL` units over ``area``, marked where ink (grown by :data:`CLEAR`) lies: each row of
    cells a bit mask (bit i: column i), so the free places for a rectangle are found a row at a time."""

    def __init__(self, area, ink: Ink):
        self.ink = ink
        self.x0, self.y0 = area[0], area[1]
        self.nx = max(1, math.ceil((area[2] - area[0]) / CELL))
        self.ny = max(1, math.ceil((area[3] - area[1]) / CELL))
        self.rows = [0] * self.ny
        for box, _, _ in ink.solids:
            self.mark(box)
        for _, _, chords, _ in ink.lines:
            self._mark_chords(chords)

    def _mark_chords(self, chords) -> None:
        """A line's cells: a level or plumb piece as its box, a slanted one as the boxes of its stretches of at
        most two cells."""
        for p, q in chords:
            dx, dy = q[0] - p[0], q[1] - p[1]
            n = 1 if abs(dx) < 1e-6 or abs(dy) < 1e-6 else max(1, math.ceil(math.hypot(dx, dy) / (2 * CELL)))
            for k in range(n):
                ax, ay, bx, by = p[0] + dx * k / n, p[1] + dy * k / n, p[0] + dx * (k + 1) / n, p[1] + dy * (k + 1) / n
                self.mark((min(ax, bx), min(ay, by), max(ax, bx), max(ay, by)))

    def mark(self, box) -> None:
        i0 = max(0, int((box[0] - CLEAR - self.x0) // CELL))
        i1 = min(self.nx - 1, int((box[2] + CLEAR - self.x0) // CELL))
        j0 = max(0, int((box[1] - CLEAR - self.y0) // CELL))
        j1 = min(self.ny - 1, int((box[3] + CLEAR - self.y0) // CELL))
        if i0 > i1:
            return
        bits = ((1 << (i1 - i0 + 1)) - 1) << i0
        for j in range(j0, j1 + 1):
            self.rows[j] |= bits

    def add_note(self, box, leaders, owner) -> None:
        """A placed note and its leaders: ink for the notes after it."""
        self.ink.add_note(box, leaders, owner)
        self.mark(box)
        self._mark_chords([c for pts in leaders for c in pairwise(pts)])

    def free_runs(self, j: int, wi: int, hj: int):
        """The runs ``(first, last)`` of columns where a rectangle ``wi`` x ``hj`` cells with its top at row
        ``j`` touches no ink (first and last: its leftmost column)."""
        used = 0
        for r in self.rows[j:j + hj]:
            used |= r
        starts = ~used & ((1 << self.nx) - 1)
        span = 1
        while span * 2 <= wi:  # starts of free runs of span cells, span doubling
            starts &= starts >> span
            span *= 2
        if wi > span:
            starts &= starts >> (wi - span)
        if not starts:
            return []
        bits = format(starts, "b")[::-1]
        return [(m.start(), m.end() - 1) for m in _ONES.finditer(bits)]


def leader_ends(target, box) -> tuple:
    """The straight leader from ``target`` (a box) to the note's ``box``: level or plumb where the two face each
    other across a gap (at the middle of what they share), else from corner to nearest corner."""
    lo, hi = max(target[0], box[0]), min(target[2], box[2])
    if hi - lo > 4.0 and (box[1] >= target[3] or box[3] <= target[1]):
        x = (lo + hi) / 2
        return ((x, target[3]), (x, box[1])) if box[1] >= target[3] else ((x, target[1]), (x, box[3]))
    lo, hi = max(target[1], box[1]), min(target[3], box[3])
    if hi - lo > 4.0 and (box[0] >= target[2] or box[2] <= target[0]):
        y = (lo + hi) / 2
        return ((target[2], y), (box[0], y)) if box[0] >= target[2] else ((target[0], y), (box[2], y))
    tx = target[2] if box[0] >= target[2] else target[0] if box[2] <= target[0] else (target[0] + target[2]) / 2
    ty = target[3] if box[1] >= target[3] else target[1] if box[3] <= target[1] else (target[1] + target[3]) / 2
    nx = box[0] if box[0] >= target[2] else box[2] if box[2] <= target[0] else min(max(tx, box[0]), box[2])
    ny = box[1] if box[1] >= target[3] else box[3] if box[3] <= target[1] else min(max(ty, box[1]), box[3])
    return ((tx, ty), (nx, ny))


def _gap(a, b) -> float:
    dx = max(0.0, a[0] - b[2], b[0] - a[2])
    dy = max(0.0, a[1] - b[3], b[1] - a[3])
    return math.hypot(dx, dy)


def _seg_box(seg):
    (x0, y0), (x1, y1) = seg
    return (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))


def _hits(p, q, box, pad: float) -> bool:
    """Whether the segment p-q enters ``box`` grown by ``pad`` (Liang-Barsky clipping)."""
    bx0, by0, bx1, by1 = box[0] - pad, box[1] - pad, box[2] + pad, box[3] + pad
    dx, dy = q[0] - p[0], q[1] - p[1]
    t0, t1 = 0.0, 1.0
    for den, num in ((-dx, p[0] - bx0), (dx, bx1 - p[0]), (-dy, p[1] - by0), (dy, by1 - p[1])):
        if abs(den) < 1e-12:
            if num < 0:
                return False
            continue
        t = num / den
        if den < 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
        if t0 > t1:
            return False
    return True


def _cross(p, q, a, b) -> bool:
    """Whether the segments p-q and a-b cross (touching ends do not count)."""
    def side(o, u, v):
        return (u[0] - o[0]) * (v[1] - o[1]) - (u[1] - o[1]) * (v[0] - o[0])
    d1, d2, d3, d4 = side(a, b, p), side(a, b, q), side(p, q, a), side(p, q, b)
    return d1 * d2 < -1e-9 and d3 * d4 < -1e-9


def _is_mine(owner: str, mine) -> bool:
    return owner in mine or any(owner.startswith((m + "/", m + ".")) for m in mine)


def obstacles(ink: Ink, mine) -> tuple:
    """What a leader of the note whose own owners (its note's and its targets') are ``mine`` must not cross
    (the boxes of labels, glyphs and other notes), what it should cross little (other wires, as
    ``(chords, box)``), and the fences' boxes."""
    solids = [box for box, owner, kind in ink.solids
              if kind in ("text", "glyph") or kind == "note" and not _is_mine(owner, mine)]
    lines = [(chords, lb) for owner, role, chords, lb in ink.lines
             if role not in ("fence", "highlight") and not _is_mine(owner, mine)]
    return solids, lines, ink.fences


def leader_cost(seg, obs) -> float | None:
    """What the leader ``seg`` costs beyond its length: :data:`WIRE_COST` for each wire it crosses,
    :data:`FENCE_COST` for each fence edge; None where it crosses a label, a glyph or another note (``obs``:
    see :func:`obstacles`)."""
    p, q = seg
    sx0, sy0, sx1, sy1 = _seg_box(seg)
    solids, lines, fences = obs
    run = math.hypot(q[0] - p[0], q[1] - p[1])
    if run > 2.0:  # it starts on its target's edge, where the target's own labels may end
        p = (p[0] + (q[0] - p[0]) * 1.5 / run, p[1] + (q[1] - p[1]) * 1.5 / run)
    for box in solids:
        if box[0] - 1 < sx1 and sx0 < box[2] + 1 and box[1] - 1 < sy1 and sy0 < box[3] + 1 and _hits(p, q, box, 1.0):
            return None
    cost = 0.0
    for chords, lb in lines:
        if lb[0] <= sx1 and sx0 <= lb[2] and lb[1] <= sy1 and sy0 <= lb[3] and any(_cross(p, q, a, b)
                                                                                 for a, b in chords):
            cost += WIRE_COST
    for fb in fences:
        inside = [fb[0] < pt[0] < fb[2] and fb[1] < pt[1] < fb[3] for pt in (p, q)]
        if inside[0] != inside[1]:
            cost += FENCE_COST
        elif not inside[0] and _hits(p, q, fb, 0.0):
            cost += 2 * FENCE_COST
    return cost


def place_note(grid: Grid, size_of, wraps, targets, mine, bbox, span, one: bool = False) -> tuple:
    """Where a note stands: ``size_of(wrap)`` its (width, height) at each wrap in ``wraps``, ``targets`` the
    boxes its leaders start from, ``mine`` the owners of the note and its targets, ``bbox`` the drawing so far,
    ``span`` the x range the note may take (the fold width); ``one``: a single leader, from whichever target
    suits the place best (a highlighted note's tinted parts).  Returns ``(wrap, box, leaders)``, each leader a
    list of points (two but where no straight leader could reach the note).

    Best first: a row of places (one wrap, one height) enters the queue with what its height alone costs (the
    height it adds, the leaders' rise), and is opened into its free places only when that is the cheapest left;
    a place is then checked in full (its leaders' crossings)."""
    sizes = [(wrap, w, h, shape_cost(w, h)) for wrap in wraps for w, h in (size_of(wrap),)]
    obs = obstacles(grid.ink, mine)
    mid = sum((t[0] + t[2]) / 2 for t in targets) / len(targets)
    heap = []
    for k, (wrap, w, h, shape) in enumerate(sizes):
        hj = math.ceil(h / CELL)
        top = max(0, int((bbox[1] - h - 2 * CLEAR - grid.y0) // CELL) - 1)  # past the drawing's top or bottom,
        end = min(grid.ny - hj, int((bbox[3] + 2 * CLEAR - grid.y0) // CELL) + 2)  # only the rows nearest it
        for j in range(top, end + 1, ROW_STEP):
            y0, y1 = grid.y0 + j * CELL, grid.y0 + j * CELL + h
            low = shape + GROW_H * (max(bbox[3], y1) - min(bbox[1], y0) - (bbox[3] - bbox[1])) + _reach(
                [max(0.0, t[1] - y1, y0 - t[3]) for t in targets], one)
            heap.append((low, j, -1, k, len(heap), None))
    heapq.heapify(heap)
    best, tries, seq = None, 0, len(heap)
    while heap and tries < MAX_TRIES:
        cheap, j, _, k, _, box = heapq.heappop(heap)
        if best is not None and cheap >= best[0]:
            break
        if box is None or len(box) == 3:  # a row, or the rest of a free run: its places
            items = _row_places(grid, sizes[k], j, k, mid, targets, bbox, span, one) if box is None else \
                _run_places(grid, sizes[k], j, box, k, targets, bbox, span, one)
            for c, jj, ii, kk, b in items:
                heapq.heappush(heap, (c, jj, ii, kk, seq, b))
                seq += 1
            continue
        tries += 1
        leaders = [leader_ends(t, box) for t in targets]
        if one:  # the best of the leaders that may be drawn
            best_one = _best_leader(leaders, obs)
            if best_one is None:
                continue
            leaders, extra = [best_one[1]], [best_one[0] - math.dist(*best_one[1])]
        else:
            extra = [leader_cost(seg, obs) for seg in leaders]
        if any(e is None for e in extra):
            continue
        score = sum(math.hypot(b[0] - a[0], b[1] - a[1]) for a, b in leaders) - _reach(
            [_gap(t, box) for t in targets], one) + cheap + sum(extra)
        if best is None or score < best[0]:
            best = (score, sizes[k][0], box, [list(seg) for seg in leaders])
    if best is None:  # nothing clear (notes filling every slot): under everything or over it, bent leaders
        wrap, w, h, _ = sizes[0]
        x = min(max(span[0], mid - w / 2), max(span[0], span[1] - w))
        notes = [b for b, _, kind in grid.ink.solids if kind == "note"]
        under = max([bbox[3]] + [b[3] for b in notes]) + 2 * CLEAR
        over = min([bbox[1]] + [b[1] for b in notes]) - 2 * CLEAR - h
        tries = [(x, under, x + w, under + h), (x, over, x + w, over + h)]
        clear = [b for b in tries if all(leader_cost(leader_ends(t, b), obs) is not None for t in targets)]
        box = (clear or tries)[0]
        return wrap, box, [_bent(t, box, obs, bbox) for t in (targets[:1] if one else targets)]
    return best[1], best[2], best[3]


def _bent(target, box, obs, bbox) -> list:
    """The leader's points from ``target`` to ``box``: straight where nothing forbids it, else round what
    does (:func:`.note_route.route`)."""
    seg = leader_ends(target, box)
    if leader_cost(seg, obs) is not None:
        return list(seg)
    area = (min(bbox[0], box[0]), min(bbox[1], box[1]), max(bbox[2], box[2]), max(bbox[3], box[3]))
    return route(target, box, obs[0], [chords for chords, _ in obs[1]], area) or list(seg)


def _best_leader(leaders, obs):
    """The cheapest ``(cost, seg)`` of ``leaders`` that may be drawn (None if none): the shortest checked first,
    and none whose length alone costs more than the best found (crossings only add)."""
    best = None
    for run, seg in sorted((math.dist(*seg), seg) for seg in leaders):
        if best is not None and run > best[0]:
            break
        e = leader_cost(seg, obs)
        if e is not None and (best is None or (run + e, seg) < best):
            best = (run + e, seg)
    return best


def shape_cost(w: float, h: float) -> float:
    """What a note's shape costs: :data:`SHAPE_COST` for each unit of height past :data:`TALL` and of width
    short of :data:`SLIM` -- a tall narrow column of a few words a line is the last resort."""
    return SHAPE_COST * (max(0.0, h - TALL) + max(0.0, SLIM - w))


def _reach(gaps, one: bool) -> float:
    """What the leaders' reach costs: the sum of their gaps, or the least where one leader is drawn."""
    return min(gaps) if one else sum(gaps)


def _row_places(grid: Grid, size, j: int, k: int, mid: float, targets, bbox, span, one=False) -> list:
    """The free places of a note of ``size`` (wrap, width, height) with its top at row ``j``, as queue items
    (what its leaders' reach and the drawing's growth cost, j, i, k, box): in each free run, the place nearest
    the targets' middle ``mid`` (the cheapest of the run), and the run's other places -- its two ends and one
    every :data:`SPREAD` cells -- as one item (its box ``(first, last, nearest)``) at that cost, opened only
    if it comes first in the queue."""
    _, w, h, _ = size
    wi, hj = math.ceil(w / CELL), math.ceil(h / CELL)
    near = round((mid - w / 2 - grid.x0) / CELL)
    out = []
    for first, last in grid.free_runs(j, wi, hj):
        i = min(max(near, first), last)
        place = _place(grid, size, j, i, k, targets, bbox, span, one)
        if place is not None:
            out.append(place)
        if last > first:
            out.append((place[0] if place else 0.0, j, first, k, (first, last, i)))
    return out


def _run_places(grid: Grid, size, j: int, run, k: int, targets, bbox, span, one=False) -> list:
    first, last, skip = run
    spots = sorted({first, last, *range(first, last, SPREAD)} - {skip})
    return [p for p in (_place(grid, size, j, i, k, targets, bbox, span, one) for i in spots) if p is not None]


def _place(grid: Grid, size, j: int, i: int, k: int, targets, bbox, span, one=False):
    _, w, h, shape = size
    x, y = grid.x0 + i * CELL, grid.y0 + j * CELL
    box = (x, y, x + w, y + h)
    if box[0] < span[0] - 1e-9 or box[2] > max(span[1], span[0] + w) + 1e-9:  # (a word wider than the fold)
        return None
    x1, y1 = x + w, y + h
    cost = shape + GROW_H * ((y1 - bbox[3] if y1 > bbox[3] else 0.0) + (bbox[1] - y if y < bbox[1] else 0.0)) \
        + GROW_W * ((x1 - bbox[2] if x1 > bbox[2] else 0.0) + (bbox[0] - x if x < bbox[0] else 0.0))
    gaps = [math.hypot(max(0.0, t[0] - x1, x - t[2]), max(0.0, t[1] - y1, y - t[3])) for t in targets]
    return (cost + (min(gaps) if one else sum(gaps)), j, i, k, box)
