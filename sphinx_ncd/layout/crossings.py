"""Layout (stage 3, read-only): the scene's statistics -- wire crossings, dots and what lies near them.

Reads a finished :class:`~.scene.Scene` and counts where two wires cross: two wire paths whose strokes
intersect at a point that is an end of neither (a copy fanning out of its dot, or two wires meeting at a
join, is a junction, not a crossing).  Curves are measured as 16 chords each, which is finer than a stroke
width at the pitch the layout draws.  The geometry tests and the benchmarks read these figures; nothing
here changes the drawing.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from .geometry import PITCH
from .scene import Circle, Path, bbox_of

__all__ = ["Crossing", "SceneStats", "crossings", "crossings_of", "knots", "near_dots", "scene_stats", "wire_polyline"]

CHORDS = 16  # chords per cubic curve
DOUBLE_WIDTH = 3.0  # the two strokes of a doubled (tuple) wire lie about 2.8 apart
END_CLEAR = 0.75  # an intersection this close to an end of either path is a junction, not a crossing


@dataclass(frozen=True)
class Crossing:
    x: float
    y: float
    a: str  # owners of the two wires
    b: str
    wires: tuple = ()  # which drawn wires cross (their indexes in the scene; an operation's strokes differ)


@dataclass(frozen=True)
class SceneStats:
    """Figures about a drawn scene: ``crossings`` (count), ``wires`` (wire paths), ``dots``,
    ``near_dots`` (crossings closer than one wire pitch to a dot they do not belong to) and ``knots``."""

    crossings: int
    wires: int
    dots: int
    near_dots: int
    points: tuple = ()  # the crossings themselves
    knots: int = 0  # three wires crossing each other at almost one point (see :func:`knots`)

    def as_dict(self) -> dict:
        return {"crossings": self.crossings, "wires": self.wires, "dots": self.dots, "near_dots": self.near_dots,
                "knots": self.knots}


def wire_polyline(d) -> list[tuple[float, float]]:
    """A path's ink as a polyline (curves split into :data:`CHORDS` chords; arcs as their chord)."""
    pts: list[tuple[float, float]] = []
    cur = None
    for c in d:
        op = c[0]
        if op in ("M", "L"):
            cur = (c[1], c[2])
            pts.append(cur)
        elif op == "C" and cur is not None:
            (x0, y0), x1, y1, x2, y2, x3, y3 = cur, c[1], c[2], c[3], c[4], c[5], c[6]
            for a, b, cc, dd in _BERNSTEIN:
                pts.append((a * x0 + b * x1 + cc * x2 + dd * x3, a * y0 + b * y1 + cc * y2 + dd * y3))
            cur = (x3, y3)
        elif op == "A" and cur is not None:
            pts += _arc(cur, (c[3], c[4]), c[2])
            cur = (c[3], c[4])
    return pts


#: the cubic's weights at each chord's end (t = 1/CHORDS ... 1), worked out once
_BERNSTEIN = tuple(((1 - u) ** 3, 3 * u * (1 - u) ** 2, 3 * u * u * (1 - u), u ** 3)
                   for u in (t / CHORDS for t in range(1, CHORDS + 1)))


def _arc(p, q, sweep) -> list[tuple[float, float]]:
    """A half-circle from p to q (the layout's caps and cups), as chords; sweep 1 turns clockwise on screen."""
    cx, cy = (p[0] + q[0]) / 2, (p[1] + q[1]) / 2
    vx, vy = p[0] - cx, p[1] - cy
    sign = 1.0 if sweep else -1.0
    out = []
    for t in range(1, CHORDS + 1):
        a = sign * math.pi * t / CHORDS
        out.append((cx + vx * math.cos(a) - vy * math.sin(a), cy + vx * math.sin(a) + vy * math.cos(a)))
    out[-1] = q
    return out


def _cross(p, q, r, s):
    """The point where segments p-q and r-s properly intersect, or None (parallel or touching: None)."""
    d1x, d1y, d2x, d2y = q[0] - p[0], q[1] - p[1], s[0] - r[0], s[1] - r[1]
    den = d1x * d2y - d1y * d2x
    if abs(den) < 1e-9:
        return None
    ex, ey = r[0] - p[0], r[1] - p[1]
    t = (ex * d2y - ey * d2x) / den
    u = (ex * d1y - ey * d1x) / den
    if 0.0 <= t <= 1.0 and 0.0 <= u <= 1.0:
        return (p[0] + t * d1x, p[1] + t * d1y)
    return None


def _near(pt, ends) -> bool:
    return any(abs(pt[0] - e[0]) <= END_CLEAR and abs(pt[1] - e[1]) <= END_CLEAR for e in ends)


def _double_split(pt, pa, pb) -> bool:
    """Whether ``pt`` is where the two strokes of one doubled (tuple) wire part at a copy: both strokes leave
    one x within a doubled line's width of each other, and cross within that width of their start's height."""
    for ea in (pa[0], pa[-1]):
        for eb in (pb[0], pb[-1]):
            if abs(ea[0] - eb[0]) < 0.05 and 0.0 < abs(ea[1] - eb[1]) <= DOUBLE_WIDTH \
                    and min(abs(pt[1] - ea[1]), abs(pt[1] - eb[1])) <= DOUBLE_WIDTH + 1e-6:
                return True
    return False


def _segments(pts) -> list[tuple]:
    """Each segment of the polyline ``pts`` with its box: ``(p, q, least x, greatest x, least y, greatest y)``."""
    out = []
    for p, q in zip(pts, pts[1:]):
        x0, x1 = (p[0], q[0]) if p[0] <= q[0] else (q[0], p[0])
        y0, y1 = (p[1], q[1]) if p[1] <= q[1] else (q[1], p[1])
        out.append((p, q, x0, x1, y0, y1))
    return out


def _pair_crossings(pa, pb, sa=None, sb=None) -> list[tuple[float, float]]:
    """Where the polylines ``pa`` and ``pb`` cross (``sa``, ``sb``: their :func:`_segments`, if known)."""
    ends = (pa[0], pa[-1], pb[0], pb[-1])
    found: list[tuple[float, float]] = []
    sb = _segments(pb) if sb is None else sb
    for p, q, lo_x, hi_x, lo_y, hi_y in (_segments(pa) if sa is None else sa):
        for r, s, rx0, rx1, ry0, ry1 in sb:
            if rx1 < lo_x or rx0 > hi_x or ry1 < lo_y or ry0 > hi_y:  # their boxes are apart
                continue
            pt = _cross(p, q, r, s)
            if pt is None or _near(pt, ends) or _double_split(pt, pa, pb):
                continue
            if any(abs(pt[0] - f[0]) < 0.5 and abs(pt[1] - f[1]) < 0.5 for f in found):  # a chord joint
                continue
            found.append(pt)
    return found


def _wires(scene) -> list:
    return [p for p in scene.walk() if isinstance(p, Path) and p.role == "wire"]


def crossings(scene) -> list[Crossing]:
    """Every point where two drawn wires of ``scene`` cross (junctions at their ends are not crossings).  The
    two strokes of a doubled (tuple) wire are one drawn wire: where it crosses another wire, one crossing."""
    return crossings_of(_wires(scene))


def crossings_of(paths) -> list[Crossing]:
    """The crossings among the wire ``paths`` (see :func:`crossings`)."""
    wires = [(w, wire_polyline(w.d), bbox_of(w)) for w in paths]
    wires = [(w, pts, bb) for w, pts, bb in wires if len(pts) >= 2 and bb]
    group = _stroke_groups([pts for _, pts, _ in wires])
    segs: dict = {}  # wire index -> its segments, made when first needed
    out: list[Crossing] = []
    seen: dict = {}  # (group, group) -> crossings already counted between them
    for i, (wa, pa, ba) in enumerate(wires):
        for j in range(i + 1, len(wires)):
            wb, pb, bb = wires[j]
            if (wa.owner == wb.owner and wa.owner.startswith("wire:")) or group[i] == group[j]:
                continue  # pieces of one wire, or the strokes of one doubled wire
            if ba[2] < bb[0] or bb[2] < ba[0] or ba[3] < bb[1] or bb[3] < ba[1]:
                continue
            key = (min(group[i], group[j]), max(group[i], group[j]))
            sa = segs.get(i)
            if sa is None:
                sa = segs[i] = _segments(pa)
            sb = segs.get(j)
            if sb is None:
                sb = segs[j] = _segments(pb)
            for x, y in _pair_crossings(pa, pb, sa, sb):
                near = seen.setdefault(key, [])
                if any(abs(x - u) <= 4 * DOUBLE_WIDTH and abs(y - v) <= 4 * DOUBLE_WIDTH for u, v in near):
                    continue  # the other stroke of a doubled wire crossing the same place
                near.append((x, y))
                out.append(Crossing(x, y, wa.owner, wb.owner, key))
    return out


def _stroke_groups(lines) -> list[int]:
    """Which drawn wire each stroke belongs to: two strokes that start at one x and end at one x, each time
    within a doubled line's width of each other in height, draw one doubled wire."""
    parent = list(range(len(lines)))

    def find(k):
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    by_start: dict = {}
    for k, pts in enumerate(lines):
        by_start.setdefault(round(pts[0][0], 1), []).append(k)
    for ks in by_start.values():
        for a in ks:
            for b in ks:
                if a < b and _twins(lines[a], lines[b]):
                    parent[find(a)] = find(b)
    return [find(k) for k in range(len(lines))]


def _twins(pa, pb) -> bool:
    return all(abs(p[0] - q[0]) < 0.05 and 0.0 < abs(p[1] - q[1]) <= DOUBLE_WIDTH
               for p, q in ((pa[0], pb[0]), (pa[-1], pb[-1])))


def dots_of(scene) -> list[Circle]:
    """The filled dots (joins, copies, outer products)."""
    return [c for c in scene.walk() if isinstance(c, Circle) and c.fill not in (None, "none", "paper")]


def scene_stats(scene) -> SceneStats:
    """The scene's statistics: crossing count, wires, dots, crossings within one pitch of a dot, knots."""
    found = crossings(scene)
    dots = dots_of(scene)
    near = near_dots(found, dots)
    return SceneStats(len(found), len(_wires(scene)), len(dots), near, tuple(found), knots(found))


def near_dots(found, dots) -> int:
    """How many of the crossings ``found`` lie within one wire pitch of one of the ``dots``."""
    return sum(1 for c in found if any((c.x - d.cx) ** 2 + (c.y - d.cy) ** 2 < PITCH ** 2 for d in dots))


def knots(found) -> int:
    """How many knots the crossings ``found`` make: three wires crossing each other at almost one point (the
    three crossings within half a wire pitch of each other), where a reader cannot tell which wire goes
    where.  A wire crossing a bundle of parallel wires is no knot: those cross it, not each other.  Takes
    :class:`Crossing` records or ``(x, y, wire, wire)`` tuples."""
    pts = [(c.x, c.y, frozenset(c.wires)) if isinstance(c, Crossing) else (c[0], c[1], frozenset(c[2:]))
           for c in found]
    close = (PITCH / 2) ** 2
    by_pair = {}
    for x, y, w in pts:
        if len(w) == 2:
            by_pair.setdefault(w, []).append((x, y))
    seen = set()
    for i, (x, y, w) in enumerate(pts):
        for u, v, w2 in pts[i + 1:]:
            if len(w | w2) != 3 or len(w) != 2 or len(w2) != 2 or (x - u) ** 2 + (y - v) ** 2 >= close:
                continue
            third = (w | w2) - (w & w2)
            if any((x - p) ** 2 + (y - q) ** 2 < close and (u - p) ** 2 + (v - q) ** 2 < close
                   for p, q in by_pair.get(third, ())):
                seen.add(w | w2)
    return len(seen)
