"""Layout (stage 3): where a dashed separator ends -- at something, never in mid-air.

A separator lies between two tuple segments where both exist side by side.  Its ends are where that stops: a
glyph's side where both segments enter or leave it (between two of its ports), or a glyph, a wire or a label it
meets.  Where one segment starts or ends at a glyph beside the other (a load, a save, a unit, a cup), the
separator's natural end floats beside that glyph; the paper then runs the separator on along the other segment,
to the next thing on its line or to the panel's edge (its U-Net's save and load rows), and so do we: a loose end
is carried along its line to the nearest glyph, wire or label it meets, else to the panel's edge.  An end
between two ports stands at a glyph's side (or the panel's edge) only where both segments stop there: where the
ports' wires run on past it (a swap, wires curving into a glyph, a cap), the end is carried on too.  Pieces that
meet end to end are drawn as one dashed path, so that the dash pattern runs on through the joins.
"""
from __future__ import annotations

import dataclasses

from .crossings import wire_polyline
from .scene import _lines_box, Circle, Group, Path, Text, bbox_of

__all__ = ["reach_ends", "separators_reach", "phase_glyph_separators", "SEP_TOUCH", "SEP_PORTS"]

SEP_TOUCH = 3.0  # an end this close to a glyph's ink, a wire or a label touches it
SEP_PORTS = 36.0  # an end between two ports at its x at most this far apart stands at a glyph's side (or the edge)
_SHORT = 2.2  # a carried end stops this short of what it meets (its ink, half as wide, then clear of it)
#: ink whose box is farther than this from an end's line (or from the ports beside it) cannot stop or touch it
_NEAR = SEP_TOUCH + 1.0


def reach_ends(seps: list, wires: list, groups: list, labels: list, anchors, x_from: float, x_to: float) -> list:
    """``seps`` (the panel's separator paths, drawn left to right) with every loose end carried along its line
    to what it meets (see the module's docstring); ``wires``, ``groups``, ``labels``: the panel's wire paths,
    glyphs (x, y, group) and wire labels; ``anchors``: its ports and edges (an end carried to an edge is added,
    as a wire's end there is); ``x_from``, ``x_to``: its edges."""
    inner, flat, _holders = _walk(groups)
    return _reached(seps, inner, _Ink(wires, flat, labels), anchors, x_from, x_to)


def separators_reach(seps: list, wires: list, groups: list, labels: list, anchors, x_from: float,
                     x_to: float) -> tuple[list, list]:
    """:func:`reach_ends`, then :func:`phase_glyph_separators` on the lines it leaves, the glyphs walked once for
    both: (the separators, the glyphs)."""
    inner, flat, holders = _walk(groups)
    lines = _reached(seps, inner, _Ink(wires, flat, labels), anchors, x_from, x_to)
    return lines, _phased_glyphs(lines, groups, inner, holders)


def _reached(seps: list, inner: list, ink: "_Ink", anchors, x_from: float, x_to: float) -> list:
    """:func:`reach_ends` with the glyphs' own separators (``inner``, see :func:`_walk`) and their ink read."""
    ends = _outer_ends(seps, inner)  # a glyph's own separators stay as drawn
    level_in = [(q[2], q[3]) for q in inner if abs(q[1] - q[3]) < 1e-6]  # those arriving level at their end
    if not ends:
        return _phased(_as_lines(seps, level_in), inner)
    points = None
    out = list(seps)
    for i, last, p in ends:
        d = 1.0 if last else -1.0
        ports = _ports_beside(p, anchors)
        if ports is not None and not _out_of(out[i], last):
            continue  # a vertical end: it stands between the ports as drawn
        near = ink.near(p, d, ports)
        if ports is not None and not _wires_go_on(p, d, ports, near):
            continue
        if _touches(p, near):
            continue
        x = _reach(p, d, near, x_from, x_to)
        # another separator on its line, met first: the two join into one dashed line
        if points is None:
            points = _points(seps, inner)
        x = _joined(p, d, x, i, points)
        if x in (x_from, x_to):  # at the panel's edge, where a wire ending there would end too
            anchors.append((x, p[1]))
        # the carried run, drawn on from the end as a piece of its own: :func:`_as_lines` joins it to the line
        # arriving level there (another may end at the same point)
        run = (("M", p[0], p[1]), ("L", x, p[1])) if last else (("M", x, p[1]), ("L", p[0], p[1]))
        out.append(Path(run, stroke=seps[i].stroke, width=seps[i].width, dash=seps[i].dash, role="separator",
                        owner=seps[i].owner))
    return _phased(_as_lines(out, level_in), inner)


def _walk(groups) -> tuple[list, list, set]:
    """The glyphs (x, y, group) walked once: the separators drawn inside them, where they stand in the panel
    (x0, y0, x1, y1: their two ends); every other primitive of theirs a separator may end at, as (x, y where its
    glyph stands, the primitive); which glyphs (by their place in ``groups``) hold a separator."""
    inner, flat, holders = [], [], set()
    stack = [(k, dx, dy, g) for k, (dx, dy, g) in enumerate(groups)]
    while stack:
        k, dx, dy, g = stack.pop()
        for item in g.items:
            if isinstance(item, Group):
                stack.append((k, dx, dy, item))
            elif isinstance(item, Path):
                if item.role != "separator":
                    flat.append((dx, dy, item))
                elif item.d:
                    c = item.d[-1]
                    inner.append((item.d[0][1] + dx, item.d[0][2] + dy, c[-2] + dx, c[-1] + dy))
                    holders.add(k)
            elif isinstance(item, (Circle, Text)):
                flat.append((dx, dy, item))
    return inner, flat, holders


def _phased(lines: list, inner: list) -> list:
    """``lines`` with the dash pattern of each one that goes on from a glyph's own separator (``inner``: where
    they stand) carried on from where that piece's pattern leaves off, rather than starting afresh at the join."""
    if not inner:
        return lines
    out = []
    for line in lines:
        start = (line.d[0][1], line.d[0][2])
        before = next((q for q in inner if _meets((q[2], q[3]), start)), None)
        if before is not None and line.dash and len(line.dash) == 2:
            x0, y0, x1, y1 = before
            line = Path(line.d, stroke=line.stroke, width=line.width, dash=dash_from(line.dash, ((x1 - x0) ** 2 + (
                y1 - y0) ** 2) ** 0.5), role="separator", owner=line.owner)
        out.append(line)
    return out


def dash_from(dash: tuple, phase: float) -> tuple:
    """The two-part dash pattern ``dash`` (on, off) begun ``phase`` along its period, as a four-part pattern
    with the same period (a zero-length part draws nothing with the separators' butt caps), so that no
    renderer needs a dash offset."""
    on, off = dash
    p = phase % (on + off)
    if p < 1e-6:
        return dash
    if p < on:
        return (round(on - p, 3), off, round(p, 3), 0.0)
    return (0.0, round(on + off - p, 3), on, round(p - on, 3))



def _meets(p, q) -> bool:
    return abs(p[0] - q[0]) < 0.5 and abs(p[1] - q[1]) < 0.5


def _as_lines(seps: list, level_in: list) -> list:
    """The pieces that meet end to end (one's last point the next one's first, drawn alike) as one path each, so
    that the dashes run on along the whole line rather than starting afresh at every join.  Where two lines end
    at the point a piece goes on from (two boundaries meeting), the one arriving level takes it on (a glyph's
    own separator too, ``level_in``: the ends of those arriving level; the piece then stays apart, its dashes
    carried on by :func:`_phased`).

    The pieces are read in order and the first one that goes on from another is joined to it, then again from
    the first; a piece that went on from nothing before a join still goes on from nothing after it (what the
    join leaves ends where the joined piece ended, and that piece went on from it too), so the reading starts
    again from the first piece left waiting for a glyph's level separator, else from where it was."""
    out: list = list(seps)  # None where a piece was joined to the one before it
    ends = [_end_point(a) for a in out]
    cells: dict = {}  # the pieces ending in each unit cell: only neighbouring cells can hold one that meets
    for k, q in enumerate(ends):
        cells.setdefault((int(q[0] // 1), int(q[1] // 1)), []).append(k)
    j, again = 0, None
    while j < len(out):
        b = out[j]
        if b is None or b.d[0][0] != "M":
            j += 1
            continue
        sx, sy = b.d[0][1], b.d[0][2]
        into = _into(j, sx, sy, out, ends, cells)
        if not into:
            j += 1
            continue
        i = next((k for k in into if _arrives_level(out[k])), into[0])
        if _arrives_level(out[i]) or not any(
                abs(q[0] - sx) < 0.5 and abs(q[1] - sy) < 0.5 for q in level_in):
            a = out[i]
            cells[_cell(ends[i])].remove(i)
            cells[_cell(ends[j])].remove(j)
            out[i], out[j], ends[i] = Path(a.d + b.d[1:], stroke=a.stroke, width=a.width, dash=a.dash,
                                           role="separator", owner=a.owner), None, ends[j]
            cells.setdefault(_cell(ends[i]), []).append(i)
            j, again = (j + 1 if again is None else again), None
            continue
        if again is None:
            again = j
        j += 1
    return [p for p in out if p is not None]


def _cell(q) -> tuple[int, int]:
    return (int(q[0] // 1), int(q[1] // 1))


def _into(j: int, sx: float, sy: float, out: list, ends: list, cells: dict) -> list:
    """The pieces (in order) other than ``j`` that end where it starts (sx, sy), drawn alike."""
    b = out[j]
    cx, cy = int(sx // 1), int(sy // 1)
    found = []
    for kx in (cx - 1, cx, cx + 1):
        for ky in (cy - 1, cy, cy + 1):
            for k in cells.get((kx, ky), ()):
                q = ends[k]
                if k != j and abs(q[0] - sx) < 0.5 and abs(q[1] - sy) < 0.5:
                    a = out[k]
                    if a.stroke == b.stroke and a.width == b.width and a.dash == b.dash:
                        found.append(k)
    found.sort()
    return found



def _arrives_level(sep: Path) -> bool:
    c = sep.d[-1]
    return c[0] == "L" and len(sep.d) > 1 and abs(sep.d[-2][-1] - c[2]) < 1e-6


def phase_glyph_separators(lines: list, groups: list) -> list:
    """``groups`` (the panel's glyphs: x, y, group) with each glyph's own separator that goes on from one of
    ``lines`` (the panel's separators, as :func:`reach_ends` leaves them) beginning its dashes where that line's
    leave off.  A glyph's group may be shared with other uses of it, so a changed one is a new group."""
    inner, _flat, holders = _walk(groups)
    return _phased_glyphs(lines, groups, inner, holders)


def _phased_glyphs(lines: list, groups: list, inner: list, holders: set) -> list:
    """:func:`phase_glyph_separators`, the glyphs' own separators (``inner``) and the glyphs holding them
    (``holders``) known: only a line ending where one of them starts is measured, and only those glyphs
    rebuilt."""
    if not holders:
        return groups
    ends = []
    for line in lines:
        if line.dash and len(line.dash) in (2, 4):
            e = _end_point(line)
            if any(abs(q[0] - e[0]) < 0.5 and abs(q[1] - e[1]) < 0.5 for q in inner):
                pts = wire_polyline(line.d)
                length = sum(((b[0] - a[0]) ** 2 + (b[1] - a[1]) ** 2) ** 0.5 for a, b in zip(pts, pts[1:]))
                ends.append((e, _dash_phase(line.dash) + length))
    if not ends:
        return groups
    return [(dx, dy, _phase_group(g, dx, dy, ends)) if k in holders else (dx, dy, g)
            for k, (dx, dy, g) in enumerate(groups)]



def _phase_group(group: Group, dx: float, dy: float, ends) -> Group:
    items, changed = [], False
    for item in group.items:
        new = item
        if isinstance(item, Group):
            new = _phase_group(item, dx, dy, ends)
        elif isinstance(item, Path) and item.role == "separator" and item.dash and len(item.dash) == 2 and item.d:
            start = (item.d[0][1] + dx, item.d[0][2] + dy)
            phase = next((ph for p, ph in ends if _meets(p, start)), None)
            if phase is not None:
                new = dataclasses.replace(item, dash=dash_from(item.dash, phase))
        changed = changed or new is not item
        items.append(new)
    return dataclasses.replace(group, items=tuple(items)) if changed else group



def _dash_phase(dash: tuple) -> float:
    """Where along its period a pattern made by :func:`dash_from` (or a plain one) begins."""
    if len(dash) == 2:
        return 0.0
    return dash[2] if dash[3] == 0 else dash[2] + dash[3]



def _end_point(path: Path) -> tuple[float, float]:
    c = path.d[-1]
    return (c[-2], c[-1])


def _outer_ends(seps: list, inner: list) -> list[tuple[int, bool, tuple]]:
    """The ends of the separators ``seps`` no other piece continues from (one of ``seps`` or of the glyphs' own,
    ``inner``), as (piece, its last point?, the point)."""
    pts = [((s.d[0][1], s.d[0][2]), _end_point(s)) for s in seps] + [((q[0], q[1]), (q[2], q[3])) for q in inner]
    cells: dict = {}  # the pieces with an end in each unit cell: only neighbouring cells can hold one that meets
    for j, pair in enumerate(pts):
        for q in pair:
            cells.setdefault((int(q[0] // 1), int(q[1] // 1)), []).append((j, q[0], q[1]))
    out = []
    for i in range(len(seps)):
        for last, p in ((False, pts[i][0]), (True, pts[i][1])):
            px, py = p
            cx, cy = int(px // 1), int(py // 1)
            if not any(j != i and abs(px - qx) < 0.5 and abs(py - qy) < 0.5 for kx in (cx - 1, cx, cx + 1)
                       for ky in (cy - 1, cy, cy + 1) for j, qx, qy in cells.get((kx, ky), ())):
                out.append((i, last, p))
    return out


def _ports_beside(p, anchors):
    """The heights of the two ports at ``p``'s x nearest above and below it, if they are at most ``SEP_PORTS``
    apart, else None."""
    px, py = p
    above = below = None
    for ax, ay in anchors:
        if abs(ax - px) < 0.5:
            if ay < py:
                if above is None or ay > above:
                    above = ay
            elif ay > py and (below is None or ay < below):
                below = ay
    if above is not None and below is not None and below - above <= SEP_PORTS:
        return (above, below)
    return None



def _out_of(sep: Path, last: bool) -> bool:
    """Whether the separator's end piece runs sideways (not up or down) into that end."""
    d = sep.d
    a = (d[-2][-2], d[-2][-1]) if last and len(d) > 1 else (d[1][-2], d[1][-1]) if len(d) > 1 else None
    b = _end_point(sep) if last else (d[0][1], d[0][2])
    return a is not None and abs(a[0] - b[0]) > 1e-6



def _wires_go_on(p, d: float, ports, ink) -> bool:
    """Whether a wire at either port beside ``p`` goes on just past it in direction ``d``: then both segments do
    not stop there (at a glyph's side or the panel's edge), and the separator must run on to what combines them."""
    x = p[0] + d * 2.0
    for _box, line, span in ink:
        if line is None or not span[0] <= x <= span[1]:  # (no segment of it reaches x)
            continue
        for a, b in zip(line, line[1:]):
            if min(a[0], b[0]) <= x <= max(a[0], b[0]) and abs(b[0] - a[0]) > 1e-9:
                y = a[1] + (b[1] - a[1]) * (x - a[0]) / (b[0] - a[0])
                if any(abs(y - yp) < 0.5 for yp in ports):
                    return True
    return False


class _Ink:
    """What a separator may end at: the panel's wires, its glyphs' primitives (but their separators) and its
    labels, each as (ink box, polyline or None for a box-like mark, the polyline's least and greatest x or None).
    Boxed when first asked about; a line's polyline is worked out only when an end is near it."""

    __slots__ = ("_wires", "_flat", "_labels", "_boxed")

    def __init__(self, wires: list, flat: list, labels: list):
        self._wires, self._flat, self._labels, self._boxed = wires, flat, labels, None

    def near(self, p, d: float, ports) -> list[tuple]:
        """The ink that may stop, touch or go on beside the end at ``p`` carried in direction ``d`` (``ports``:
        the heights of the ports beside it, or None): all whose box comes within :data:`_NEAR` of its line (or
        the ports') on that side.  What is left out is farther than :func:`_touches`, :func:`_reach` and
        :func:`_wires_go_on` look."""
        boxed = self._boxed
        if boxed is None:
            boxed = self._boxed = self._box_all()
        px, py = p
        lo, hi = (py, py) if ports is None else ports
        lo, hi = min(lo, py) - _NEAR, max(hi, py) + _NEAR
        out = []
        for e in boxed:
            x0, y0, x1, y1 = e[0]
            if e[3] or (y0 <= hi and y1 >= lo and (x1 >= px - _NEAR if d > 0 else x0 <= px + _NEAR)):
                out.append(e[4] or _polyline(e))
        return out

    def _box_all(self) -> list[list]:
        """Each ink as [its box, its path's commands if a line, where its glyph stands (None: a wire), whether
        it is not to be left out by its box (an arc's chords are drawn from its ends, not its radius), the ink
        as :meth:`near` gives it, None until its polyline is worked out]."""
        out = []
        for w in self._wires:
            b, arc = _path_box(w)
            if b:
                out.append([b, w.d, None, arc, None])
        for dx, dy, item in self._flat:
            line = isinstance(item, Path) and item.role == "wire"
            b, arc = _path_box(item) if line else (bbox_of(item), False)
            if b:
                box = (b[0] + dx, b[1] + dy, b[2] + dx, b[3] + dy)
                out.append([box, item.d, (dx, dy), arc, None] if line else [box, None, None, False, (box, None, None)])
        for t in self._labels:
            if isinstance(t, Text) and t.bbox:
                out.append([t.bbox, None, None, False, (t.bbox, None, None)])
        return out


def _path_box(item) -> tuple:
    """(:func:`.scene.bbox_of` the path, whether it has an arc)."""
    if not isinstance(item, Path):
        return bbox_of(item), True
    box = _lines_box(item.d)
    if box is None:
        return bbox_of(item), True
    if not box:
        return None, False
    h = item.width / 2 if item.stroke else 0
    return (box[0] - h, box[1] - h, box[2] + h, box[3] + h), False


def _polyline(e: list) -> tuple:
    """The ink of a line's entry of :meth:`_Ink._box_all`, its polyline worked out (once)."""
    if e[2] is None:
        pts = wire_polyline(e[1])
        e[4] = (e[0], pts, _x_span(pts))
    else:
        dx, dy = e[2]
        pts = [(x + dx, y + dy) for x, y in wire_polyline(e[1])]
        e[4] = (e[0], pts, _x_span(pts) if pts else None)
    return e[4]



def _x_span(pts) -> tuple[float, float]:
    xs = [q[0] for q in pts]
    return (min(xs), max(xs))



def _touches(p, ink) -> bool:
    """Whether ``p`` is within ``SEP_TOUCH`` of any of ``ink`` (a box farther than that along either axis is
    not: its distance is at least that far, so only the near ones are measured)."""
    px, py, t = p[0], p[1], SEP_TOUCH
    for item in ink:
        x0, y0, x1, y1 = item[0]
        if x0 - t <= px <= x1 + t and y0 - t <= py <= y1 + t and _distance(p, item) <= t:
            return True
    return False



def _distance(p, item) -> float:
    (x0, y0, x1, y1), line, _span = item
    dx, dy = max(x0 - p[0], 0.0, p[0] - x1), max(y0 - p[1], 0.0, p[1] - y1)
    if dx > SEP_TOUCH or dy > SEP_TOUCH or line is None:
        return (dx * dx + dy * dy) ** 0.5
    best = float("inf")
    for a, b in zip(line, line[1:]):
        ux, uy = b[0] - a[0], b[1] - a[1]
        n = ux * ux + uy * uy
        t = 0.0 if n == 0 else max(0.0, min(1.0, ((p[0] - a[0]) * ux + (p[1] - a[1]) * uy) / n))
        best = min(best, ((p[0] - a[0] - t * ux) ** 2 + (p[1] - a[1] - t * uy) ** 2) ** 0.5)
    return best


def _points(seps: list, inner: list) -> list[tuple]:
    """Every point of the separators (``seps``, then the glyphs' own, ``inner``) as (its separator, x, y)."""
    out = [(j, c[-2], c[-1]) for j, sep in enumerate(seps) for c in sep.d]
    n = len(seps)
    for k, q in enumerate(inner):
        out += ((n + k, q[0], q[1]), (n + k, q[2], q[3]))
    return out


def _joined(p, d: float, x: float, i: int, points: list) -> float:
    """``x``, or the nearer point of another separator than the ``i``-th (``points``: theirs, see
    :func:`_points`) on ``p``'s line between ``p`` and ``x``."""
    px, py = p
    on = [qx for j, qx, qy in points if j != i and abs(qy - py) < 0.5 and d * (qx - px) > 0.5 and d * (qx - x) < 0]
    return min(on, key=lambda q: d * q) if on else x



def _reach(p, d: float, ink, x_from: float, x_to: float) -> float:
    """The x the end at ``p`` is carried to, going in direction ``d``: just short of the nearest ink on its
    line, else the panel's edge."""
    y = p[1]
    best = x_to if d > 0 else x_from
    for (x0, y0, x1, y1), line, _span in ink:
        if not (y0 - 1.0 <= y <= y1 + 1.0):
            continue
        if line is None:
            hits = [x0 if d > 0 else x1]
        else:
            hits = [a[0] + (b[0] - a[0]) * (y - a[1]) / (b[1] - a[1]) if abs(b[1] - a[1]) > 1e-9 else a[0]
                    for a, b in zip(line, line[1:]) if min(a[1], b[1]) <= y <= max(a[1], b[1])]
        for x in hits:
            x -= d * _SHORT
            if d * (x - p[0]) > 0.5 and d * (x - best) < 0:
                best = x
    return best
