"""Layout (stage 3): what a separator's loose end may meet -- the panel's ink near that end, read lazily.

:mod:`.separator_ends` carries a loose end along its line to the nearest glyph, wire or label, and leaves it
where it touches one, or where the wires beside it stop.  The ink it asks about is read here, only near the
ends asked about: the panel's wires and labels boxed once; a glyph's primitives boxed only when the glyph's own
box (the column pass's) comes near an end; a line's polyline worked out only when its box does.
"""
from __future__ import annotations

from .crossings import wire_polyline
from .scene import Path, Text, _lines_box, bbox_of

__all__ = ["SEP_TOUCH", "Ink", "Line", "reach", "touches", "wires_go_on"]

SEP_TOUCH = 3.0  # an end this close to a glyph's ink, a wire or a label touches it
_SHORT = 2.2  # a carried end stops this short of what it meets (its ink, half as wide, then clear of it)
#: ink whose box is farther than this from an end's line (or from the ports beside it) cannot stop or touch it
_NEAR = SEP_TOUCH + 1.0
#: a glyph whose box (the column pass's: its primitives' boxes, an arc's its circle's, each rounded apart from
#: these) is farther than this from an end's line holds no primitive within :data:`_NEAR` of it
_GLYPH_NEAR = _NEAR + 0.5
_PAD = 1e-6  # a line's command's box is widened by this: its chords are worked out from its points, rounded
_FAR_LEFT, _FAR_RIGHT = float("-inf"), float("inf")


class Ink:
    """What a separator may end at: the panel's wires, its glyphs' primitives (but their separators) and its
    labels, each given as (ink box, its line (see :class:`Line`) or None for a box-like mark)."""

    __slots__ = ("_boxed", "_glyphs", "_inside", "_labels", "_wire_boxes", "_wires")

    def __init__(self, wires: list, glyphs: list, labels: list, wire_boxes=()):
        """``wires``: the panel's wire paths; ``glyphs``: per glyph, (its box in the panel, or None where not
        known, its primitives as (x, y where the glyph stands, the primitive)); ``labels``: the wire labels;
        ``wire_boxes``: the ink boxes of the first of ``wires`` (drawn without arcs), where already known."""
        self._wires, self._glyphs, self._labels, self._wire_boxes = wires, glyphs, labels, wire_boxes
        self._boxed = None  # the wires' and labels' entries (see :func:`_entry`)
        self._inside: list = [None] * len(glyphs)  # each glyph's entries, once it has come near an end

    def near(self, p, d: float, ports) -> list[tuple]:
        """The ink that may stop, touch or go on beside the end at ``p`` carried in direction ``d`` (``ports``:
        the heights of the ports beside it, or None): all whose box comes within :data:`_NEAR` of its line on
        that side (:func:`touches`, :func:`reach`), and, beside ports, all whose box reaches the ports' heights
        where :func:`wires_go_on` looks.  What is left out is farther than they look."""
        if self._boxed is None:
            boxed = self._boxed = []
            known = self._wire_boxes
            n = len(known)
            boxed += ([b, w.d, None, False, None, None] for w, b in zip(self._wires, known))
            for w in self._wires[n:]:
                b, arc = _path_box(w)
                if b:
                    boxed.append([b, w.d, None, arc, None, None])
            for t in self._labels:
                if isinstance(t, Text):
                    b = t.bbox
                    if b:
                        boxed.append([b, None, None, False, (b, None), None])
        px, py = p
        xg = px + d * 2.0  # where wires_go_on looks
        look = (py - _NEAR, py + _NEAR, px - _NEAR if d > 0 else None, px + _NEAR if d < 0 else None,
                (ports[0] - _NEAR, ports[1] + _NEAR, xg - _NEAR, xg + _NEAR) if ports is not None else None)
        out: list = []
        _pick(self._boxed, look, out)
        inside, m = self._inside, _GLYPH_NEAR - _NEAR
        for k, (box, flat) in enumerate(self._glyphs):
            if box is not None and not _seen(box, look, m):
                continue
            if inside[k] is None:
                inside[k] = _entries(flat)
            _pick(inside[k], look, out)
        return out


def _entries(flat: list) -> list:
    """The entries (see :func:`_entry`) of a glyph's primitives ``flat`` (x, y where it stands, the primitive),
    kept in :data:`_INSIDE` by the list (the separator-ends pass keeps a glyph's list across renders)."""
    hit = _INSIDE.get(id(flat))
    if hit is not None and hit[0] is flat:
        return hit[1]
    entries = [e for e in (_entry(item, dx, dy) for dx, dy, item in flat) if e]
    if len(_INSIDE) >= _UNMOVED_MAX:
        _INSIDE.clear()
    _INSIDE[id(flat)] = (flat, entries)
    return entries


def _seen(box, look, m: float) -> bool:
    """Whether the box comes within ``m`` of where :meth:`Ink.near` looks (``look``: the heights about the end,
    the least x on its side or None, the greatest or None, and (the least and greatest height, the least and
    greatest x) about the ports or None)."""
    x0, y0, x1, y1 = box
    lo, hi, left, right, ports = look
    if y0 <= hi + m and y1 >= lo - m and (x1 >= left - m if right is None else x0 <= right + m):
        return True
    return ports is not None and y0 <= ports[1] + m and y1 >= ports[0] - m and x0 <= ports[3] + m and \
        x1 >= ports[2] - m


def _pick(entries: list, look, out: list) -> None:
    """Add to ``out`` the ink of ``entries`` whose box is seen where :meth:`Ink.near` looks (``look``, see
    :func:`_seen`), and of every line with an arc."""
    lo, hi, left, right, ports = look
    if ports is None:
        plo = phi = pleft = pright = 0.0
    else:
        plo, phi, pleft, pright = ports
    for e in entries:
        x0, y0, x1, y1 = e[0]
        if e[3] or (y0 <= hi and y1 >= lo and (x1 >= left if right is None else x0 <= right)) or (
                ports is not None and y0 <= phi and y1 >= plo and x0 <= pright and x1 >= pleft):
            out.append(e[4] or _lined(e))


def _entry(item, dx: float, dy: float):
    """A glyph's primitive (moved by dx, dy where its glyph stands) as [its box, its path's commands if a line,
    (dx, dy) or None for a wire of the panel's, whether no box may leave it out (a line with an arc, whose chords
    are drawn from its ends, not its radius), its ink as :meth:`Ink.near` gives it or None until its line is
    made, what :class:`Line` keeps of it unmoved (see :data:`_UNMOVED`) or None]; None where it has no box.  The
    unmoved box is read from :data:`_UNMOVED` where it was kept."""
    hit = _UNMOVED.get(id(item))
    if hit is None or hit[0] is not item:
        hit = _unmoved(item)
    _it, b, raw, arc = hit
    if not b:
        return None
    box = (b[0] + dx, b[1] + dy, b[2] + dx, b[3] + dy)
    if raw is not None:
        return [box, item.d, (dx, dy), arc, None, raw]
    return [box, None, None, False, (box, None), None]


#: id(primitive) -> (the primitive, its unmoved box or None, for a line (a glyph's wire) what its :class:`Line`
#: works out unmoved (a list: [its commands cut, or None until cut]) else None, whether that may have an arc):
#: kept across renders for the primitives of the glyphs kept across them (see
#: :mod:`.glyph_memo`); the primitive is held, so its id is not another's while it is kept
_UNMOVED: dict = {}
_UNMOVED_MAX = 4096
#: id(a glyph's primitives' list) -> (the list, :func:`_entries` of it): their lines keep what they work out; the
#: list is held, so its id is not another's while it is kept, and never changed once made
_INSIDE: dict = {}


def _unmoved(item) -> tuple:
    """:data:`_UNMOVED`'s entry for ``item``, made and kept."""
    if isinstance(item, Path) and item.role == "wire":
        b, arc = _path_box(item)
        hit = (item, b, [None], arc)
    else:
        hit = (item, bbox_of(item), None, False)
    if len(_UNMOVED) >= _UNMOVED_MAX:
        _UNMOVED.clear()
    _UNMOVED[id(item)] = hit
    return hit


def forget_boxes() -> None:
    """Forget the primitives' boxes kept across renders, and their entries."""
    _UNMOVED.clear()
    _INSIDE.clear()


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


def _lined(e: list) -> tuple:
    """The ink of a line's entry (see :func:`_entry`), its :class:`Line` made (once)."""
    e[4] = (e[0], Line(e[1], e[2], e[3], e[5]))
    return e[4]


class Line:
    """A line's ink (a wire, or a glyph's wire moved to where the glyph stands) as the polyline
    :func:`.crossings.wire_polyline` makes of it, worked out a command at a time and only where asked: a command's
    chords (from the last point before it) lie in its box, a cubic's within its control points', an arc's (a half
    circle on its chord) within its circle's."""

    __slots__ = ("_at", "_d", "_pieces", "_raw", "arc")

    def __init__(self, d, at, arc: bool = True, raw=None):
        """``d``: the path's commands; ``at``: (dx, dy) where its glyph stands, None for a wire of the panel;
        ``arc``: whether it may have an arc (whose chords its box, from the arc's radius, may not hold); ``raw``:
        where what is worked out unmoved is kept for the path's other places and renders (see :data:`_UNMOVED`:
        [:func:`_commands` of ``d``, or None until worked out]), or None."""
        self._d, self._at, self._pieces, self.arc, self._raw = d, at, None, arc, raw

    def _cut(self) -> list:
        """The line's commands, each as [its box (moved, padded), its unmoved record (see :func:`_commands`), its
        chords (moved) or None until asked for]."""
        raw = self._raw
        unmoved = raw[0] if raw is not None else None
        if unmoved is None:
            unmoved = _commands(self._d)
            if raw is not None:
                raw[0] = unmoved
        dx, dy = self._at if self._at is not None else (0.0, 0.0)
        self._pieces = pieces = [[(u[0] + dx - _PAD, u[1] + dy - _PAD, u[2] + dx + _PAD, u[3] + dy + _PAD), u, None]
                                 for u in unmoved]
        return pieces

    def segments(self, x0: float, y0: float, x1: float, y1: float) -> list[tuple]:
        """The polyline's segments (pairs of points) of the commands whose boxes meet the box (x0, y0, x1, y1):
        all of them that do."""
        out = []
        for piece in self._pieces if self._pieces is not None else self._cut():
            b = piece[0]
            if b[0] <= x1 and b[2] >= x0 and b[1] <= y1 and b[3] >= y0:
                pts = piece[2]
                if pts is None:
                    u = piece[1]
                    pts = u[6]
                    if pts is None:
                        cur, c = u[4], u[5]
                        pts = u[6] = wire_polyline((("M", cur[0], cur[1]), c))
                    if self._at is not None:
                        dx, dy = self._at
                        pts = [(x + dx, y + dy) for x, y in pts]
                    piece[2] = pts
                out += zip(pts, pts[1:])
        return out


def _commands(d) -> list:
    """A path's commands (``d``) unmoved, each drawing something as [the least x, least y, greatest x and
    greatest y its chords may reach, the point before it, the command, its chords or None until asked for]: a
    command's chords (from the last point before it) lie in its box, a cubic's within its control points', an
    arc's (a half circle on its chord) within its circle's."""
    out = []
    cur = None
    for c in d:
        op = c[0]
        if op == "M" or op == "L":
            end = (c[1], c[2])
            if cur is not None:
                xs, ys = (cur[0], end[0]), (cur[1], end[1])
        elif op == "C" and cur is not None:
            end = (c[5], c[6])  # (the cubic's last chord ends there: its weights are 0, 0, 0, 1)
            xs, ys = (cur[0], c[1], c[3], c[5]), (cur[1], c[2], c[4], c[6])
        elif op == "A" and cur is not None:
            end = (c[3], c[4])
            mx, my = (cur[0] + end[0]) / 2, (cur[1] + end[1]) / 2
            r = ((cur[0] - mx) ** 2 + (cur[1] - my) ** 2) ** 0.5
            xs, ys = (mx - r, mx + r), (my - r, my + r)
        else:
            continue
        if cur is not None:
            out.append([min(xs), min(ys), max(xs), max(ys), cur, c, None])
        cur = end
    return out


def touches(p, ink) -> bool:
    """Whether ``p`` is within ``SEP_TOUCH`` of any of ``ink`` (a box farther than that along either axis is
    not: its distance is at least that far, so only the near ones are measured; so too a line's pieces)."""
    px, py, t = p[0], p[1], SEP_TOUCH
    for item in ink:
        x0, y0, x1, y1 = item[0]
        if x0 - t <= px <= x1 + t and y0 - t <= py <= y1 + t and _within(p, item):
            return True
    return False


def _within(p, item) -> bool:
    """Whether ``p`` is within ``SEP_TOUCH`` of ``item`` (its box near ``p``), measured to its line if it is one."""
    (x0, y0, x1, y1), line = item
    px, py, t = p[0], p[1], SEP_TOUCH
    dx, dy = max(x0 - px, 0.0, px - x1), max(y0 - py, 0.0, py - y1)
    if dx > t or dy > t or line is None:
        return (dx * dx + dy * dy) ** 0.5 <= t
    far = t + 1e-6  # a piece whose box is farther than this is farther than ``t`` however it is rounded
    for a, b in line.segments(px - far, py - far, px + far, py + far):
        ax, ay, bx, by = a[0], a[1], b[0], b[1]
        if (ax - px > far and bx - px > far) or (px - ax > far and px - bx > far) or \
                (ay - py > far and by - py > far) or (py - ay > far and py - by > far):
            continue
        ux, uy = bx - ax, by - ay
        n = ux * ux + uy * uy
        s = 0.0 if n == 0 else max(0.0, min(1.0, ((px - ax) * ux + (py - ay) * uy) / n))
        if ((px - ax - s * ux) ** 2 + (py - ay - s * uy) ** 2) ** 0.5 <= t:
            return True
    return False


def reach(p, d: float, ink, x_from: float, x_to: float) -> float:
    """The x the end at ``p`` is carried to, going in direction ``d``: just short of the nearest ink on its
    line, else the panel's edge.  The marks are met first, then the lines nearest first: a line's commands
    wholly behind the end or beyond the nearest ink met so far are not worked out."""
    px, y = p
    best = x_to if d > 0 else x_from
    lines = []
    for item in ink:
        (x0, y0, x1, y1), line = item
        if not (y0 - 1.0 <= y <= y1 + 1.0):
            continue
        if line is not None:
            lines.append(item)
            continue
        x = (x0 if d > 0 else x1) - d * _SHORT
        if d * (x - px) > 0.5 and d * (x - best) < 0:
            best = x
    lines.sort(key=(lambda item: item[0][0]) if d > 0 else (lambda item: -item[0][2]))
    for _box, line in lines:  # (only where a hit would be past the end and short of the best so far)
        segs = line.segments(px + 0.5 + _SHORT - _PAD, y, best + _SHORT + _PAD, y) if d > 0 else \
            line.segments(best - _SHORT - _PAD, y, px - 0.5 - _SHORT + _PAD, y)
        for a, b in segs:
            ay, by = a[1], b[1]
            if ay <= y <= by or by <= y <= ay:
                x = a[0] + (b[0] - a[0]) * (y - ay) / (by - ay) if abs(by - ay) > 1e-9 else a[0]
                x -= d * _SHORT
                if d * (x - px) > 0.5 and d * (x - best) < 0:
                    best = x
    return best


def wires_go_on(p, d: float, ports, ink) -> bool:
    """Whether a wire at either port beside ``p`` goes on just past it in direction ``d``: then both segments do
    not stop there (at a glyph's side or the panel's edge), and the separator must run on to what combines them."""
    x = p[0] + d * 2.0
    lo, hi = min(ports) - 0.5 - _PAD, max(ports) + 0.5 + _PAD  # (a line's y there is near one of them)
    for box, line in ink:
        if line is None or not (line.arc or box[0] - _PAD <= x <= box[2] + _PAD and box[1] <= hi and box[3] >= lo):
            continue
        for a, b in line.segments(x, lo, x, hi):
            if min(a[0], b[0]) <= x <= max(a[0], b[0]) and abs(b[0] - a[0]) > 1e-9:
                y = a[1] + (b[1] - a[1]) * (x - a[0]) / (b[0] - a[0])
                if any(abs(y - yp) < 0.5 for yp in ports):
                    return True
    return False
