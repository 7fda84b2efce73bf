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
from .scene import Circle, Group, Path, Text, bbox_of

__all__ = ["reach_ends", "phase_glyph_separators", "SEP_TOUCH", "SEP_PORTS"]

SEP_TOUCH = 3.0  # an end this close to a glyph's ink, a wire or a label touches it
SEP_PORTS = 36.0  # an end between two ports at its x at most this far apart stands at a glyph's side (or the edge)
_SHORT = 2.2  # a carried end stops this short of what it meets (its ink, half as wide, then clear of it)


def reach_ends(seps: list, wires: list, groups: list, labels: list, anchors, x_from: float, x_to: float) -> list:
    """``seps`` (the panel's separator paths, drawn left to right) with every loose end carried along its line
    to what it meets (see the module's docstring); ``wires``, ``groups``, ``labels``: the panel's wire paths,
    glyphs (x, y, group) and wire labels; ``anchors``: its ports and edges (an end carried to an edge is added,
    as a wire's end there is); ``x_from``, ``x_to``: its edges."""
    inner = _glyph_separators(groups)
    ends = [e for e in _outer_ends(seps + inner) if e[0] < len(seps)]  # a glyph's own separators stay as drawn
    if not ends:
        return _phased(_as_lines(seps, inner), inner)
    ink = None
    out = list(seps)
    for i, last, p in ends:
        ports = _ports_beside(p, anchors)
        if ports is not None and not _out_of(out[i], last):
            continue  # a vertical end: it stands between the ports as drawn
        if ink is None:
            ink = _ink(wires, groups, labels)
        if ports is not None and not _wires_go_on(p, 1.0 if last else -1.0, ports, ink):
            continue
        if _touches(p, ink):
            continue
        x = _reach(p, 1.0 if last else -1.0, ink, x_from, x_to)
        # another separator on its line, met first: the two join into one dashed line
        x = _joined(p, 1.0 if last else -1.0, x, [(c[-2], c[-1]) for j, sep in enumerate(seps + inner) if j != i
                                                   for c in sep.d])
        if x in (x_from, x_to):  # at the panel's edge, where a wire ending there would end too
            anchors.append((x, p[1]))
        # the carried run, drawn on from the end as a piece of its own: :func:`_as_lines` joins it to the line
        # arriving level there (another may end at the same point)
        run = (("M", p[0], p[1]), ("L", x, p[1])) if last else (("M", x, p[1]), ("L", p[0], p[1]))
        out.append(Path(run, stroke=seps[i].stroke, width=seps[i].width, dash=seps[i].dash, role="separator",
                        owner=seps[i].owner))
    return _phased(_as_lines(out, inner), inner)


def _phased(lines: list, inner: list) -> list:
    """``lines`` with the dash pattern of each one that goes on from a glyph's own separator (``inner``: where
    they stand) carried on from where that piece's pattern leaves off, rather than starting afresh at the join."""
    out = []
    for line in lines:
        start = (line.d[0][1], line.d[0][2])
        before = next((p for p in inner if _meets(_end_point(p), start)), None)
        if before is not None and line.dash and len(line.dash) == 2:
            (x0, y0), (x1, y1) = (before.d[0][1], before.d[0][2]), _end_point(before)
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


def _as_lines(seps: list, inner: list) -> list:
    """The pieces that meet end to end (one's last point the next one's first, drawn alike) as one path each, so
    that the dashes run on along the whole line rather than starting afresh at every join.  Where two lines end
    at the point a piece goes on from (two boundaries meeting), the one arriving level takes it on (a glyph's
    own separator, ``inner``, too: the piece then stays apart, its dashes carried on by :func:`_phased`)."""
    out = list(seps)
    merged = True
    while merged:
        merged = False
        for j, b in enumerate(out):
            if b.d[0][0] != "M":
                continue
            into = [i for i, a in enumerate(out) if i != j and _meets(_end_point(a), (b.d[0][1], b.d[0][2]))
                    and (b.stroke, b.width, b.dash) == (a.stroke, a.width, a.dash)]
            if not into:
                continue
            i = min(into, key=lambda k: not _arrives_level(out[k]))
            if not _arrives_level(out[i]) and any(_meets(_end_point(p), (b.d[0][1], b.d[0][2]))
                                                  and _arrives_level(p) for p in inner):
                continue
            a = out[i]
            out[i] = Path(a.d + b.d[1:], stroke=a.stroke, width=a.width, dash=a.dash, role="separator",
                          owner=a.owner)
            del out[j]
            merged = True
            break
    return out


def _arrives_level(sep: Path) -> bool:
    c = sep.d[-1]
    return c[0] == "L" and len(sep.d) > 1 and abs(sep.d[-2][-1] - c[2]) < 1e-6


def phase_glyph_separators(lines: list, groups: list) -> list:
    """``groups`` (the panel's glyphs: x, y, group) with each glyph's own separator that goes on from one of
    ``lines`` (the panel's separators, as :func:`reach_ends` leaves them) beginning its dashes where that line's
    leave off.  A glyph's group may be shared with other uses of it, so a changed one is a new group."""
    ends = []
    for line in lines:
        if line.dash and len(line.dash) in (2, 4):
            pts = wire_polyline(line.d)
            length = sum(((b[0] - a[0]) ** 2 + (b[1] - a[1]) ** 2) ** 0.5 for a, b in zip(pts, pts[1:]))
            ends.append((_end_point(line), _dash_phase(line.dash) + length))
    if not ends:
        return groups
    return [(dx, dy, _phase_group(g, dx, dy, ends)) for dx, dy, g in groups]


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

def _glyph_separators(groups) -> list:
    """The separators drawn inside the glyphs, where they stand in the panel (as paths of their two ends)."""
    out = []
    stack = list(groups)
    while stack:
        dx, dy, g = stack.pop()
        for item in g.items:
            if isinstance(item, Group):
                stack.append((dx, dy, item))
            elif isinstance(item, Path) and item.role == "separator" and item.d:
                (x0, y0), (x1, y1) = (item.d[0][1], item.d[0][2]), _end_point(item)
                out.append(Path((("M", x0 + dx, y0 + dy), ("L", x1 + dx, y1 + dy)), role="separator"))
    return out


def _end_point(path: Path) -> tuple[float, float]:
    c = path.d[-1]
    return (c[-2], c[-1])


def _outer_ends(seps: list) -> list[tuple[int, bool, tuple]]:
    """The ends of the dashed lines drawn as pieces end to end: (piece, its last point?, the point), for each
    end no other piece continues from."""
    pts = [((s.d[0][1], s.d[0][2]), _end_point(s)) for s in seps]
    cells: dict = {}  # the pieces with an end in each unit cell: only neighbouring cells can hold one that meets
    for j, pair in enumerate(pts):
        for q in pair:
            cells.setdefault((int(q[0] // 1), int(q[1] // 1)), []).append((j, q))
    out = []
    for i, (a, b) in enumerate(pts):
        for last, p in ((False, a), (True, b)):
            cx, cy = int(p[0] // 1), int(p[1] // 1)
            near = (jq for kx in (cx - 1, cx, cx + 1) for ky in (cy - 1, cy, cy + 1) for jq in cells.get((kx, ky), ()))
            if not any(j != i and abs(p[0] - q[0]) < 0.5 and abs(p[1] - q[1]) < 0.5 for j, q in near):
                out.append((i, last, p))
    return out


def _ports_beside(p, anchors):
    """The heights of the two ports at ``p``'s x nearest above and below it, if they are at most ``SEP_PORTS``
    apart, else None."""
    at = [a[1] for a in anchors if abs(a[0] - p[0]) < 0.5]
    above = [y for y in at if y < p[1]]
    below = [y for y in at if y > p[1]]
    if above and below and min(below) - max(above) <= SEP_PORTS:
        return (max(above), min(below))
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


def _ink(wires, groups, labels) -> list[tuple]:
    """What a separator may end at: (ink box, polyline or None for a box-like mark, the polyline's least and
    greatest x or None)."""
    out = []
    for w in wires:
        b = bbox_of(w)
        if b:
            pts = wire_polyline(w.d)
            out.append((b, pts, _x_span(pts)))
    stack = list(groups)  # (x, y where the glyph stands, its group in the glyph's own coordinates)
    while stack:
        dx, dy, g = stack.pop()
        for item in g.items:
            if isinstance(item, Group):
                stack.append((dx, dy, item))
            elif isinstance(item, Path) and item.role == "separator":
                continue
            elif isinstance(item, (Path, Circle, Text)):
                b = bbox_of(item)
                if b:
                    line = isinstance(item, Path) and item.role == "wire"
                    pts = [(x + dx, y + dy) for x, y in wire_polyline(item.d)] if line else None
                    out.append(((b[0] + dx, b[1] + dy, b[2] + dx, b[3] + dy), pts, _x_span(pts) if pts else None))
    out += [(t.bbox, None, None) for t in labels if isinstance(t, Text) and t.bbox]
    return out


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


def _joined(p, d: float, x: float, ends) -> float:
    """``x``, or the nearer point of another separator (``ends``: their points) on ``p``'s line between ``p``
    and ``x``."""
    on = [q[0] for q in ends if abs(q[1] - p[1]) < 0.5 and d * (q[0] - p[0]) > 0.5 and d * (q[0] - x) < 0]
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
