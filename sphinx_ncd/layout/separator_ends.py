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
from .scene import Circle, Group, Path, Text
from .separator_ink import SEP_TOUCH, Ink, reach, touches, wires_go_on

__all__ = ["SEP_PORTS", "SEP_TOUCH", "forget_lines", "phase_glyph_separators", "reach_ends", "separators_reach"]

SEP_PORTS = 36.0  # an end between two ports at its x at most this far apart stands at a glyph's side (or the edge)


def reach_ends(seps: list, wires: list, groups: list, labels: list, anchors, x_from: float, x_to: float,
               boxes=None) -> list:
    """``seps`` (the panel's separator paths, drawn left to right) with every loose end carried along its line
    to what it meets (see the module's docstring); ``wires``, ``groups``, ``labels``: the panel's wire paths,
    glyphs (x, y, group) and wire labels; ``anchors``: its ports and edges (an end carried to an edge is added,
    as a wire's end there is); ``x_from``, ``x_to``: its edges; ``boxes``: the column pass's box of each
    operation's glyph, by the operation's id, where known (only the ink of a glyph near an end is then read)."""
    return separators_reach(seps, wires, groups, labels, anchors, x_from, x_to, boxes)[0]


def separators_reach(seps: list, wires: list, groups: list, labels: list, anchors, x_from: float, x_to: float,
                     boxes=None, wire_boxes=()) -> tuple[list, list]:
    """:func:`reach_ends`, then :func:`phase_glyph_separators` on the lines it leaves, the glyphs walked once for
    both: (the separators, the glyphs); ``wire_boxes``: the ink boxes of the first of ``wires``, where the wire
    pass kept them (:attr:`.wires.PanelOut.wire_inks`), so they are not boxed again."""
    inner, flat, holders, nested = _walk(groups)
    glyphs = [(_glyph_box(g.owner, boxes, nested), flat[k]) for k, (_dx, _dy, g) in enumerate(groups)]
    lines = _reached(seps, inner, Ink(wires, glyphs, labels, wire_boxes), anchors, x_from, x_to)
    return lines, _phased_glyphs(lines, groups, inner, holders)


def _glyph_box(owner: str, boxes, nested: set):
    """The column pass's box of the glyph drawn for ``owner`` ("op:<id>"), None where not known or where the
    box by that id may be another's (an operation drawn inside another's glyph, ``nested``, is boxed there)."""
    if not boxes or owner in nested or not owner.startswith("op:"):
        return None
    key = owner[3:]
    if not key.lstrip("-").isdigit():
        return None
    return boxes.get(int(key))


def _reached(seps: list, inner: list, ink: Ink, anchors, x_from: float, x_to: float) -> list:
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
        if ports is not None and not wires_go_on(p, d, ports, near):
            continue
        if touches(p, near):
            continue
        x = reach(p, d, near, x_from, x_to)
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


def _walk(groups) -> tuple[list, list, set, set]:
    """The glyphs (x, y, group) walked once: the separators drawn inside them, where they stand in the panel
    (x0, y0, x1, y1: their two ends); per glyph, every other primitive of its a separator may end at, as (x, y
    where the glyph stands, the primitive); which glyphs (by their place in ``groups``) hold a separator; the
    owners of the groups inside them other than their glyphs' own (another operation drawn inside a glyph).
    The glyphs are walked last first; each one's walk is kept (:func:`_walk_one`)."""
    inner: list = []
    flat: list = [None] * len(groups)
    holders, nested = set(), set()
    for k in range(len(groups) - 1, -1, -1):
        dx, dy, g = groups[k]
        key = (g.owner, dx, dy, *map(id, g.items))
        hit = _WALKED.get(key)
        if hit is None:
            hit = _walk_one(dx, dy, g)
            if len(_WALKED) >= _KEPT_MAX:
                _WALKED.clear()
            _WALKED[key] = hit
        _items, mine_in, mine, owners = hit
        flat[k] = mine
        if mine_in:
            inner += mine_in
            holders.add(k)
        if owners:
            nested |= owners
    return inner, flat, holders, nested


#: (a glyph's owner, x, y, the ids of its group's items) -> :func:`_walk_one` of the group there (which holds the
#: items, so their ids are not others' while it is kept): a glyph whose primitives are kept across renders (see
#: :mod:`.glyph_memo`) drawn at the same place is not walked again; forgotten with :data:`_KEPT`
_WALKED: dict = {}


def _walk_one(dx: float, dy: float, g) -> tuple:
    """One glyph's walk (see :func:`_walk`): (its items, its separators' ends, its other primitives, the owners
    of the groups inside it other than its own)."""
    inner: list = []
    mine: list = []
    nested: set = set()
    stack = [g]
    while stack:
        h = stack.pop()
        for item in h.items:
            if isinstance(item, Group):
                stack.append(item)
                if item.owner != g.owner:
                    nested.add(item.owner)
            elif isinstance(item, Path):
                if item.role != "separator":
                    mine.append((dx, dy, item))
                elif item.d:
                    c = item.d[-1]
                    inner.append((item.d[0][1] + dx, item.d[0][2] + dy, c[-2] + dx, c[-1] + dy))
            elif isinstance(item, (Circle, Text)):
                mine.append((dx, dy, item))
    return g.items, inner, mine, nested


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
    """:func:`_chains` of the pieces ``seps``, each drawn as one path.  The chains depend only on the pieces' points
    and styles and on ``level_in``: those of a panel drawn before (another render of the figure) are kept in
    :data:`_KEPT` by them, and only the paths drawn afresh."""
    key = ("lines", tuple([(s.d, s.stroke, s.width, s.dash) for s in seps]), tuple(level_in))
    chains = _KEPT.get(key)
    if chains is None:
        chains = _chains(seps, level_in)
        _keep(key, chains)
    return [seps[c[0]] if len(c) == 1 else _drawn(c, seps) for c in chains]


#: what :func:`_as_lines` and :func:`_outer_ends` worked out, by all they read (the pieces' points, styles...):
#: kept across renders, as the glyphs are, and forgotten with them (:func:`forget_lines`)
_KEPT: dict = {}
_KEPT_MAX = 512


def _keep(key, value) -> None:
    if len(_KEPT) >= _KEPT_MAX:
        _KEPT.clear()
    _KEPT[key] = value


def forget_lines() -> None:
    """Forget the chains, loose ends and glyphs' walks kept across renders."""
    _KEPT.clear()
    _WALKED.clear()


def _chains(seps: list, level_in: list) -> list:
    """The pieces that meet end to end (one's last point the next one's first, drawn alike) as one path each, so
    that the dashes run on along the whole line rather than starting afresh at every join.  Where two lines end
    at the point a piece goes on from (two boundaries meeting), the one arriving level takes it on (a glyph's
    own separator too, ``level_in``: the ends of those arriving level; the piece then stays apart, its dashes
    carried on by :func:`_phased`).

    The pieces are read in order and the first one that goes on from another line is joined to it, then the
    reading starts again.  A piece that went on from nothing before a join still goes on from nothing after it
    (the joined line ends where the piece joined to it ended, which it would have gone on from too), so the
    reading starts again from the first piece left waiting for a glyph's level separator, else where it was.
    A line is a chain of pieces (its first piece's place, its style) until all are read.  Returns the chains
    (lists of indices into ``seps``), in the order of their first pieces."""
    n = len(seps)
    chains: list = [[k] for k in range(n)]  # None where the piece was joined to a line before it
    last = [s.d[-1] for s in seps]  # each line's last two commands and its length in commands
    prev = [s.d[-2] if len(s.d) > 1 else None for s in seps]
    size = [len(s.d) for s in seps]
    ends = [(c[-2], c[-1]) for c in last]
    cells: dict = {}  # the lines ending in each unit column: only neighbouring ones can hold one that meets
    for k, q in enumerate(ends):
        cells.setdefault(q[0] // 1, []).append(k)
    j, again = 0, None
    while j < n:
        b = seps[j]
        if chains[j] is None or b.d[0][0] != "M":
            j += 1
            continue
        sx, sy = b.d[0][1], b.d[0][2]
        into = _into(j, sx, sy, seps, chains, ends, cells)
        if not into:
            j += 1
            continue
        level = [k for k in into if last[k][0] == "L" and size[k] > 1 and abs(prev[k][-1] - last[k][2]) < 1e-6]
        if not level and any(abs(q[0] - sx) < 0.5 and abs(q[1] - sy) < 0.5 for q in level_in):
            if again is None:
                again = j
            j += 1
            continue
        i = level[0] if level else into[0]
        cells[ends[i][0] // 1].remove(i)
        cells[ends[j][0] // 1].remove(j)
        if size[j] > 1:
            last[i], prev[i] = last[j], (prev[j] if size[j] > 2 else last[i])
            ends[i] = ends[j]
        size[i] += size[j] - 1
        chains[i] += chains[j]
        chains[j] = None
        cells.setdefault(ends[i][0] // 1, []).append(i)
        j, again = (j + 1 if again is None else again), None
    return [c for c in chains if c is not None]


def _drawn(chain: list, seps: list) -> Path:
    """The pieces ``chain`` (indices into ``seps``) drawn as one path, styled as the first."""
    a = seps[chain[0]]
    d = list(a.d)
    for k in chain[1:]:
        d += seps[k].d[1:]
    return Path(tuple(d), stroke=a.stroke, width=a.width, dash=a.dash, role="separator", owner=a.owner)


def _into(j: int, sx: float, sy: float, seps: list, chains: list, ends: list, cells: dict) -> list:
    """The lines (by their first pieces, in order) other than ``j``'s that end where it starts (sx, sy), styled
    as it is."""
    b = seps[j]
    c = sx // 1
    found = []
    for k in (*cells.get(c - 1, ()), *cells.get(c, ()), *cells.get(c + 1, ())):
        q = ends[k]
        if k != j and -0.5 < q[0] - sx < 0.5 and -0.5 < q[1] - sy < 0.5:
            a = seps[k]
            if a.stroke == b.stroke and a.width == b.width and a.dash == b.dash:
                found.append(k)
    if len(found) > 1:
        found.sort()
    return found


def phase_glyph_separators(lines: list, groups: list) -> list:
    """``groups`` (the panel's glyphs: x, y, group) with each glyph's own separator that goes on from one of
    ``lines`` (the panel's separators, as :func:`reach_ends` leaves them) beginning its dashes where that line's
    leave off.  A glyph's group may be shared with other uses of it, so a changed one is a new group."""
    inner, _flat, holders, _nested = _walk(groups)
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
    ``inner``), as (piece, its last point?, the point).  Most joins are at the very same point: an end met there
    by another piece is known at once, the others are looked for near it.  Kept by the pieces' points (see
    :data:`_KEPT`)."""
    key = ("ends", tuple([s.d for s in seps]), tuple(inner))
    out = _KEPT.get(key)
    if out is None:
        out = _loose_ends(seps, inner)
        _keep(key, out)
    return list(out)


def _loose_ends(seps: list, inner: list) -> list[tuple[int, bool, tuple]]:
    """:func:`_outer_ends`, worked out."""
    pts = [((s.d[0][1], s.d[0][2]), _end_point(s)) for s in seps] + [((q[0], q[1]), (q[2], q[3])) for q in inner]
    at: dict = {}  # each point: the piece with an end there, -1 where two pieces have
    for j, (a, b) in enumerate(pts):
        k = at.get(a)
        at[a] = j if k is None or k == j else -1
        k = at.get(b)
        at[b] = j if k is None or k == j else -1
    cells = None
    out = []
    for i in range(len(seps)):
        for last, p in ((False, pts[i][0]), (True, pts[i][1])):
            if at[p] == -1:
                continue
            if cells is None:  # the pieces with an end in each unit column: only neighbouring ones can meet
                cells = {}
                for j, pair in enumerate(pts):
                    for q in pair:
                        cells.setdefault(q[0] // 1, []).append((j, q[0], q[1]))
            px, py = p
            c = px // 1
            if not any(j != i and -0.5 < px - qx < 0.5 and -0.5 < py - qy < 0.5
                       for j, qx, qy in (*cells.get(c - 1, ()), *cells.get(c, ()), *cells.get(c + 1, ()))):
                out.append((i, last, p))
    return out


def _ports_beside(p, anchors):
    """The heights of the two ports at ``p``'s x nearest above and below it, if they are at most ``SEP_PORTS``
    apart, else None."""
    px, py = p
    at = [a[1] for a in anchors if -0.5 < a[0] - px < 0.5]
    if len(at) < 2:
        return None
    above = [y for y in at if y < py]
    below = [y for y in at if y > py]
    if above and below and min(below) - max(above) <= SEP_PORTS:
        return (max(above), min(below))
    return None

def _out_of(sep: Path, last: bool) -> bool:
    """Whether the separator's end piece runs sideways (not up or down) into that end."""
    d = sep.d
    a = (d[-2][-2], d[-2][-1]) if last and len(d) > 1 else (d[1][-2], d[1][-1]) if len(d) > 1 else None
    b = _end_point(sep) if last else (d[0][1], d[0][2])
    return a is not None and abs(a[0] - b[0]) > 1e-6


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
