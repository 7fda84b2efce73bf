"""Layout (stage 3): a separator keeps one height over a run of columns where it can.

Each column draws its piece of a dashed separator at the height it needs: a step whose glyph reaches over the
line (a strided trapezoid's ``s`` under it) moves its piece aside, between the glyphs, and the next columns take
the line back to their own height, so the separator steps down under the glyph and back up (figure 26's Block).
The columns record, for each piece they draw, the band each of its straight runs and bends may lie in, clear of
the wires and glyphs there (:func:`record`); :func:`level_runs` then carries a piece moved aside along its line
into the neighbouring pieces, as far as every one of them can take that height, so the line bends once where
the run begins and once where it ends (or not at all where the run reaches the end of the line).
"""
from __future__ import annotations

from .geometry import wire_path
from .scene import Path

__all__ = ["record", "level_runs"]


def record(bands: dict | None, path: Path, pts: list, segs: list, moved: bool = False) -> None:
    """Note on ``bands`` (a panel's record, None in a pass that only measures) the piece ``path`` drawn through
    ``pts``: ``segs[i]`` is the (lowest, highest) y a level line may take between ``pts[i]`` and ``pts[i + 1]``
    (None: it may not move there); ``moved``: its middle run stands aside from its ends' heights."""
    if bands is not None:
        bands[id(path)] = (path, pts, segs, moved)
        if moved:
            bands[None] = True  # (the panel has a piece to carry: most have none)


def _key(p) -> tuple:
    return round(p[0], 3), round(p[1], 3)


def level_runs(seps: list, bands: dict) -> list:
    """``seps`` with each piece moved aside (see :func:`record`) carried along its line as far as its
    neighbours can take its height; the pieces keep their order, style and owner."""
    if not bands.get(None):
        return seps
    pts_of = {i: list(bands[id(s)][1]) if id(s) in bands else _points(s) for i, s in enumerate(seps)}
    segs_of = {i: list(bands[id(s)][2]) if id(s) in bands else [None] * (len(pts_of[i]) - 1)
               for i, s in enumerate(seps)}
    starts: dict = {}
    for i, pts in pts_of.items():
        if pts:
            starts.setdefault(_key(pts[0]), i)
    nxt = {i: starts.get(_key(pts[-1])) for i, pts in pts_of.items() if pts}
    prev = {j: i for i, j in nxt.items() if j is not None and j != i}
    changed: set = set()
    taken: set = set()  # segments a carried height holds: a later (smaller) move does not take them back
    known = {i for i, s in enumerate(seps) if id(s) in bands}
    # the piece moved furthest first: over a run that can be level, the height the most demanding column needs
    moved = sorted((i for i in known if bands[id(seps[i])][3]), key=lambda i: -_aside(pts_of[i]))
    for i in moved:
        chain = _chain(i, nxt, prev)
        segs = [(k, n) for k in chain for n in range(len(pts_of[k]) - 1)]
        mid = segs.index((i, 1)) if (i, 1) in segs else None
        if mid is None or (i, 1) in taken:
            continue
        taken.add((i, 1))
        y = pts_of[i][1][1]
        for step in (1, -1):
            _carry(segs, mid, step, y, pts_of, segs_of, known, changed, taken)
    if not changed:
        return seps
    out = list(seps)
    for k in changed:
        s = seps[k]
        out[k] = Path(wire_path(pts_of[k]), s.stroke, s.fill, s.width, s.dash, s.role, s.owner, s.opacity, s.cap)
    return out


def _aside(pts) -> float:
    """How far a moved piece's middle run stands from its ends' heights."""
    return max(abs(pts[1][1] - pts[0][1]), abs(pts[2][1] - pts[-1][1]))


def _points(sep: Path) -> list:
    """The end points of a separator's commands (enough to link pieces end to end)."""
    return [(c[-2], c[-1]) for c in sep.d if c[0] in ("M", "L", "C")]


def _chain(i: int, nxt: dict, prev: dict) -> list:
    """The pieces linked end to end through piece ``i``, left to right."""
    first, seen = i, {i}
    while prev.get(first) is not None and prev[first] not in seen:
        first = prev[first]
        seen.add(first)
    out, k, seen = [], first, set()
    while k is not None and k not in seen:
        out.append(k)
        seen.add(k)
        k = nxt.get(k)
    return out


def _level(pts, n) -> bool:
    return abs(pts[n][1] - pts[n + 1][1]) < 1e-6


def _fits(band, y: float) -> bool:
    return band is not None and band[0] - 1e-6 <= y <= band[1] + 1e-6


def _carry(segs: list, mid: int, step: int, y: float, pts_of: dict, segs_of: dict, known: set,
           changed: set, taken: set) -> None:
    """Carry height ``y`` from segment ``mid`` of the chain ``segs`` outwards (``step`` +1: right, -1: left):
    over each bend and the level stretch after it while all of them take ``y`` and, past that stretch, either
    the line ends or a bend a column drew takes the line back from ``y`` (its wires bend alike over the same
    run: clear of them at both ends, it is clear of them between)."""
    n = mid + step
    while 0 <= n < len(segs):
        k, m = segs[n]
        if _level(pts_of[k], m):  # the stretch this side of the moved run: already at y, or not on our line
            if abs(pts_of[k][m][1] - y) < 1e-6:
                n += step
                continue
            return
        # a bend: the stretch beyond it, to the next bend or the line's end
        end = n + step
        while 0 <= end < len(segs) and _level(pts_of[segs[end][0]], segs[end][1]):
            end += step
        stretch = range(n, end, step)
        if not all(_fits(segs_of[segs[j][0]][segs[j][1]], y) and segs[j] not in taken for j in stretch):
            return
        if 0 <= end < len(segs) and segs[end][0] not in known:
            return  # no column's bend to take the line back from y
        for j in stretch:
            k, m = segs[j]
            taken.add(segs[j])
            _set_y(pts_of[k], m, y)
            _set_y(pts_of[k], m + 1, y)
            changed.add(k)
        if 0 <= end < len(segs):  # the bend that takes the line back starts (or ends) at y
            k, m = segs[end]
            _set_y(pts_of[k], m if step == 1 else m + 1, y)
            changed.add(k)
        n = end  # and the stretch beyond that bend may take y too


def _set_y(pts: list, n: int, y: float) -> None:
    pts[n] = (pts[n][0], y)
