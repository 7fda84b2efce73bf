"""Layout (stage 3): a copy's fan-out -- a value copied several times the same way, as a chain of dots.

The paper's copy dot sends one branch on level and one bending away (or one up and one down): every branch
leaving a dot can be told from the others at once.  A value copied three or more times (Q, K and V from one
input, and the residual beside them) would send several branches the same way from one dot, drawn as
S-bends that all leave level: they run as one thick bundle until far from the dot.  Copying is associative,
so the paper's way with such a value is a chain of its two-branch dots: here each branch that bends leaves
its source wire at a dot of its own, the deepest first, so that the branches nest one inside the other and
cross none of their own; every dot stands at least a wire pitch from every crossing, each branch bends over
its own :func:`.geometry.bend_length` and runs level after it.  A copy whose every wire sends at most one
branch each way is drawn by :func:`.glyph_wirings.draw_copy` as before (:func:`fan_branches` gives ``None``).
"""
from __future__ import annotations

import math

from .geometry import bend_length, DOT_R, PITCH, SEP_WIDTH, WIRE, wire_path
from .glyph_parts import draw_line, draw_sep, Glyph, ink_of, OpRows, seps_between
from .scene import Circle, Path

__all__ = ["Branch", "fan_branches", "place_fan", "draw_fan"]

NEED = PITCH + 1.0  # a crossing's least distance from any dot (a pitch, as the geometry checker asks)
DOT_STEP = 4 * DOT_R  # the least run between two dots of the chain, one after the other
CLEAR = 3 * WIRE  # the least height between two branches bending the same way, wherever both are bending


class Branch:
    """A bending branch: source wire ``j``, output ``k``, from row ``s`` to row ``t``; placed: its dot at
    ``x`` and its bend over ``run``."""

    __slots__ = ("j", "k", "s", "t", "run", "x", "dot")

    def __init__(self, j: int, k: int, s: float, t: float):
        self.j, self.k, self.s, self.t = j, k, s, t
        self.run = bend_length(t - s)
        self.x = 0.0
        self.dot = True  # False: the wire's last branch where it has no level copy (it turns, no dot)

    def y(self, x: float) -> float:
        """Its height at ``x`` (level before its dot and after its bend)."""
        if x <= self.x:
            return self.s
        if x >= self.x + self.run:
            return self.t
        # the S-bend's controls at mid-run: x(m) = 1.5m - 1.5m^2 + m^3 of its run; with m = u + 1/2 that is
        # u^3 + 3u/4 + 1/2 = f, whose one real root is Cardano's
        r = ((x - self.x) / self.run - 0.5) / 2
        q = math.sqrt(r * r + 1 / 64)
        m = 0.5 + _cbrt(r + q) + _cbrt(r - q)
        return self.s + (self.t - self.s) * (3 * m * m - 2 * m ** 3)

    def crossing(self, row: float) -> float:
        """Where it crosses ``row`` (a row strictly between its ends)."""
        f = (row - self.s) / (self.t - self.s)
        m = 0.5 - math.sin(math.asin(max(-1.0, min(1.0, 1.0 - 2.0 * f))) / 3.0)  # 3m^2 - 2m^3 = f
        return self.x + self.run * (1.5 * m * (1 - m) + m ** 3)


def _cbrt(v: float) -> float:
    return v ** (1 / 3) if v >= 0 else -((-v) ** (1 / 3))


def fan_branches(src: list[float], outs: list[list[float]]) -> list[Branch] | None:
    """The bending branches of a copy whose source wire ``j`` (at row ``src[j]``) sends its copies to the rows
    ``outs[k][j]``, in the order their dots stand along the wires (the deepest first, each way); ``None``
    when no wire sends two branches the same way (a plain copy)."""
    for j, y in enumerate(src):  # (a plain copy is told cheaply: every copy draws this)
        down = up = 0
        for ys in outs:
            if j < len(ys):
                if ys[j] - y > 1e-9:
                    down += 1
                elif ys[j] - y < -1e-9:
                    up += 1
        if down > 1 or up > 1:
            break
    else:
        return None
    branches = [Branch(j, k, y, ys[j]) for j, y in enumerate(src) for k, ys in enumerate(outs)
                if j < len(ys) and abs(ys[j] - y) > 1e-9]
    mid = (min(src) + max(src)) / 2
    branches.sort(key=lambda b: (-abs(b.t - mid), b.j, b.k))
    return branches


def place_fan(branches: list[Branch], src: list[float], level: set, x0: float) -> float:
    """Place the dots of ``branches`` (in order) from ``x0`` on, each as far left as it may stand: past the
    dot before it, a pitch from every crossing of a branch before it, with its own crossings of the other
    wires a pitch from every dot placed, and the same height clear of the branches before it that bend its
    way.  ``level``: the source wires that also run on level (a wire without one turns into its last branch,
    with no dot).  Returns where the last bend ends."""
    crossings: list[tuple[float, float]] = []  # where placed branches cross the other source wires
    dots: list[tuple[float, float]] = []
    x = x0
    for n, b in enumerate(branches):
        rows = [r for i, r in enumerate(src) if i != b.j and min(b.s, b.t) < r < max(b.s, b.t)]
        earlier = [e for e in branches[:n] if (e.t > e.s) == (b.t > b.s)]
        others = [e for e in branches[:n] if (e.t > e.s) != (b.t > b.s)]
        b.x = x
        for _ in range(400):
            mine = [(b.crossing(r + d), r) for r in rows for d in (-2 * WIRE, 2 * WIRE)
                    if min(b.s, b.t) < r + d < max(b.s, b.t)]
            mine += [p for e in others for p in _meets(b, e)]
            if _fits(b, mine, crossings, dots, earlier):
                break
            b.x += 1.0
        last = not any(o.j == b.j for o in branches[n + 1:])
        b.dot = b.j in level or not last
        if b.dot:
            dots.append((b.x, b.s))
        crossings += mine
        x = b.x + DOT_STEP
    return max(b.x + b.run for b in branches)


def _polyline(b: Branch) -> list[tuple[float, float]]:
    xs = [b.x + b.run * i / 16 for i in range(17)]
    return [(x, b.y(x)) for x in xs]


def _meets(b: Branch, e: Branch) -> list[tuple[float, float]]:
    """Where two branches bending opposite ways cross (their bends as 16 chords each)."""
    out = []
    pb, pe = _polyline(b), _polyline(e)
    for (p, q) in zip(pb, pb[1:]):
        for (r, u) in zip(pe, pe[1:]):
            d1x, d1y, d2x, d2y = q[0] - p[0], q[1] - p[1], u[0] - r[0], u[1] - r[1]
            den = d1x * d2y - d1y * d2x
            if abs(den) < 1e-12:
                continue
            ex, ey = r[0] - p[0], r[1] - p[1]
            t, v = (ex * d2y - ey * d2x) / den, (ex * d1y - ey * d1x) / den
            if 0.0 <= t <= 1.0 and 0.0 <= v <= 1.0:
                out.append((p[0] + t * d1x, p[1] + t * d1y))
    return out


def _fits(b: Branch, mine, crossings, dots, earlier) -> bool:
    """Whether ``b`` at its ``x`` keeps every rule of :func:`place_fan`."""
    for cx, cy in crossings:
        if math.hypot(cx - b.x, cy - b.s) < NEED:
            return False
    for cx, cy in mine:
        if any(math.hypot(cx - dx, cy - dy) < NEED for dx, dy in dots + [(b.x, b.s)]):
            return False
    way = 1.0 if b.t > b.s else -1.0
    for e in earlier:  # it stays on the inner side of every branch before it that bends its way
        lo, hi = max(b.x, e.x), min(b.x + b.run, e.x + e.run)
        for i in range(9):
            xs = lo + (hi - lo) * i / 8 if hi > lo else b.x
            if (e.y(xs) - b.y(xs)) * way < CLEAR:
                return False
    return True


def draw_fan(g: OpRows, src: list[float], branches: list[Branch], xd: float) -> Glyph:
    """The copy's glyph with its bending ``branches`` (:func:`fan_branches`) as a chain of dots from ``xd``:
    each source wire runs level through its dots (in pieces that end at them), each branch bends from its dot
    and runs level to the glyph's edge; the dashed lines between the copies start where the wires have left
    their height."""
    level = {j for j, y in enumerate(src) for ys in g.outs if j < len(ys) and abs(ys[j] - y) <= 1e-9}
    w = place_fan(branches, src, level, xd) + 4.0
    glyph = Glyph(w)
    ink = ink_of(g)
    ends = {}  # source wire -> where its level run ends
    for j, y in enumerate(src):
        mine = [b.x for b in branches if b.j == j]
        stops = [0.0] + mine + ([w] if j in level else [])
        for a, b in zip(stops, stops[1:]):
            if b - a > 1e-9:
                glyph.items.append(draw_line(a, y, b, y, g))
        ends[j] = stops[-1]
    for b in branches:
        glyph.items.append(Path(wire_path([(b.x, b.s), (b.x + b.run, b.t), (w, b.t)]), stroke=ink, width=WIRE,
                                owner=g.owner))
    for b in branches:
        if b.dot:
            glyph.items.append(Circle(b.x, b.s, DOT_R, fill=ink, stroke=None, owner=g.owner))
    clear = (SEP_WIDTH + WIRE) / 2 + 1.5
    for n, ysep in enumerate(seps_between(g.outs)):
        x = w - 1.0
        while x > 0 and all(abs(y - ysep) >= clear for j, y in enumerate(src) if x - 1.0 <= ends[j]) and \
                all(abs(b.y(x - 1.0) - ysep) >= clear for b in branches if x - 1.0 > b.x):
            x -= 1.0
        glyph.items.append(draw_sep(x, ysep, w, ysep, g))
        glyph.anchors[f"sep.{n}"] = (x, ysep)
    first = [b.x for b in branches if b.j == 0 and b.dot]
    glyph.anchors["split"] = (min(first) if first else xd, src[0])
    return glyph
