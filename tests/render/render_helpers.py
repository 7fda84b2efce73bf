"""Shared helpers for the layout/render tests: figure specs, generated specs, scene geometry checks."""
from __future__ import annotations

import math
from pathlib import Path

from sphinx_ncd.layout.scene import Circle, Group, Text, bbox_of
from sphinx_ncd.layout.scene import Path as PPath
from sphinx_ncd.layout.wires import ARROW_TIP

ROOT = Path(__file__).resolve().parents[2]
FIGURES = sorted((ROOT / "demo_docs" / "figures").glob("*.ncd"))
# every spec in the repository's docs, gallery and templates (geometry checks only)
ALL_SPECS = sorted(p for d in ("demo_docs", "templates", "latex") if (ROOT / d).is_dir()
                   for p in (ROOT / d).rglob("*.ncd"))


def chain_spec(n: int) -> str:
    """A generated chain of ``n`` operations cycling through several kinds."""
    lines = ["input X: b m"]
    kinds = [
        "X = L+ X : m -> m",
        "X = relu X",
        "X = softmax X over m",
        "X = G X : m -> m",
        "X = scale X by 1/sqrt(m)",
    ]
    for i in range(n):
        lines.append(kinds[i % len(kinds)])
    lines.append("output X")
    return "\n".join(lines) + "\n"


def parallel_spec(n: int) -> str:
    inputs = ", ".join(f"A{i}: a" for i in range(n))
    return f"input {inputs}\n"


def _samples(d):
    """Points along a path (ends, and 16 points on each curve)."""
    pts = []
    cur = None
    for c in d:
        if c[0] == "M":
            cur = (c[1], c[2])
            pts.append(cur)
        elif c[0] == "L":
            nxt = (c[1], c[2])
            for t in range(1, 17):
                pts.append((cur[0] + (nxt[0] - cur[0]) * t / 16, cur[1] + (nxt[1] - cur[1]) * t / 16))
            cur = nxt
        elif c[0] == "C":
            p0, p1, p2, p3 = cur, (c[1], c[2]), (c[3], c[4]), (c[5], c[6])
            for t in range(1, 17):
                u = t / 16
                a, b, cc, dd = (1 - u) ** 3, 3 * u * (1 - u) ** 2, 3 * u * u * (1 - u), u ** 3
                pts.append((a * p0[0] + b * p1[0] + cc * p2[0] + dd * p3[0], a * p0[1] + b * p1[1] + cc * p2[1] + dd * p3[1]))
            cur = p3
        elif c[0] == "A":  # the layout's half-circle caps and cups: (A, radius, sweep, x, y)
            nxt = (c[3], c[4])
            mx, my = (cur[0] + nxt[0]) / 2, (cur[1] + nxt[1]) / 2
            vx, vy = cur[0] - mx, cur[1] - my
            for t in range(1, 17):
                a = (1.0 if c[2] else -1.0) * math.pi * t / 16
                pts.append((mx + vx * math.cos(a) - vy * math.sin(a), my + vx * math.sin(a) + vy * math.cos(a)))
            pts[-1] = cur = nxt
    return pts


def _inside(p, box, shrink=0.6):
    return box[0] + shrink < p[0] < box[2] - shrink and box[1] + shrink < p[1] < box[3] - shrink


def _overlap(a, b, shrink=0.6):
    return (min(a[2], b[2]) - max(a[0], b[0]) > shrink) and (min(a[3], b[3]) - max(a[1], b[1]) > shrink)


def _segments(d):
    """The path as straight pieces (curves split into 16 chords)."""
    pts = _samples(d)
    return list(zip(pts, pts[1:]))


def _segment_hits(p, q, box, shrink=0.6) -> bool:
    """Whether the straight piece p-q enters the interior of ``box`` (Liang-Barsky clipping)."""
    x0, y0, x1, y1 = box[0] + shrink, box[1] + shrink, box[2] - shrink, box[3] - shrink
    if x0 >= x1 or y0 >= y1:
        return False
    dx, dy = q[0] - p[0], q[1] - p[1]
    t0, t1 = 0.0, 1.0
    for den, num in ((-dx, p[0] - x0), (dx, x1 - p[0]), (-dy, p[1] - y0), (dy, y1 - p[1])):
        if abs(den) < 1e-12:
            if num <= 0:
                return False
            continue
        t = num / den
        if den < 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
        if t0 >= t1:
            return False
    return True


def _same_owner(a: str, b: str) -> bool:
    return a == b or (a.startswith("op:") and b.startswith("op:") and a == b)


def geometry_problems(scene) -> list[str]:
    """Every violation of the layout's geometric promises, as readable strings."""
    problems = []
    vx, vy, vw, vh = scene.viewbox
    view = (vx, vy, vx + vw, vy + vh)
    prims = list(scene.walk())
    labels = [p for p in prims if isinstance(p, Text)]
    boxes = [p for p in prims if isinstance(p, (PPath, Circle)) and p.role in ("box", "glyph")]
    wires = [p for p in prims if isinstance(p, PPath) and p.role in ("wire", "separator")]
    for p in prims:
        b = bbox_of(p)
        if b and not (b[0] >= view[0] - 1e-6 and b[1] >= view[1] - 1e-6 and b[2] <= view[2] + 1e-6
                      and b[3] <= view[3] + 1e-6):
            problems.append(f"{type(p).__name__} {getattr(p, 'role', '')} {getattr(p, 'owner', '')} outside the viewBox")
    boxes_of_labels = [(t, t.bbox) for t in labels if t.label.glyphs or t.label.rules]
    for i, (t, b) in enumerate(boxes_of_labels):
        for u, c in boxes_of_labels[i + 1:]:
            if _overlap(b, c):
                problems.append(f"label {t.label.text!r} ({t.owner}) overlaps label {u.label.text!r} ({u.owner})")
        for bx in boxes:
            if bx.owner == t.owner:
                continue
            bb = bbox_of(bx)
            if bb and _overlap(b, bb):
                problems.append(f"label {t.label.text!r} ({t.owner}) overlaps box of {bx.owner}")
        for w in wires:
            if w.owner == t.owner:
                continue
            wb = bbox_of(w)
            if not wb or not _overlap(b, wb, 0.0):
                continue
            # the label's ink must clear the line's ink: grow the box by half the stroke
            h = w.width / 2
            grown = (b[0] - h, b[1] - h, b[2] + h, b[3] + h)
            if any(_segment_hits(p, q, grown, 0.0) for p, q in _segments(w.d)):
                problems.append(f"label {t.label.text!r} ({t.owner}) crosses {w.role} of {w.owner}")
                break
    # a wire passes over a box or a glyph's mark (broadcasting) or ends at its edge; it never runs through its
    # interior (a learned map's bold L, which has no box, is held by the label check above)
    for bx in boxes:
        bb = bbox_of(bx)
        if not bb:
            continue
        for w in wires:
            if w.role != "wire" or w.owner == bx.owner or w.owner.startswith(bx.owner + "/"):  # its own strokes
                continue
            wb = bbox_of(w)
            if not wb or not _overlap(bb, wb, 0.0):
                continue
            pts = _samples(w.d)
            if any(_inside(e, bb, -1.0) for e in (pts[0], pts[-1])):  # it starts or ends at this box
                continue
            if any(_segment_hits(p, q, bb, 1.5) for p, q in _segments(w.d)):
                problems.append(f"wire {w.owner} runs through the box of {bx.owner}")
    anchors = scene.anchors
    for w in wires:
        if w.role != "wire" or not w.owner.startswith("wire:"):
            continue
        pts = _samples(w.d)
        for end in (pts[0], pts[-1]):
            if not any(abs(end[0] - a[0]) < 0.05 and abs(end[1] - a[1]) < 2.0 for a in anchors):
                problems.append(f"wire {w.owner} ends at {end} on no anchor")
    problems += separator_touch_problems(scene)
    problems += dash_restart_problems(scene)
    problems += continuation_problems(scene)
    problems += note_problems(scene)
    problems += fence_problems(scene)
    problems += fan_problems(scene)
    return problems


def note_problems(scene) -> list[str]:
    """The author's notes (``note`` statements): each note's box overlaps nothing but its own text and the fences
    it stands wholly inside (as the paper sets notes on a fence's tint); each leader runs in straight lines from
    what it explains to an edge of its note, and crosses no label, no glyph and no other note."""
    problems = []
    prims = list(scene.walk())
    boxes = {p.owner: bbox_of(p) for p in prims if isinstance(p, PPath) and p.role == "note"}
    for p in prims:
        owner = getattr(p, "owner", "")
        pb = bbox_of(p)
        if pb is None:
            continue
        line = isinstance(p, PPath) and p.role in ("leader", "wire", "separator")
        for o, nb in boxes.items():
            if o == owner or not _overlap(pb, nb, 0.0):
                continue
            if getattr(p, "role", "") in ("fence", "shadow") and pb[0] <= nb[0] and pb[1] <= nb[1] \
                    and nb[2] <= pb[2] and nb[3] <= pb[3]:
                continue  # standing on the fence's tint, clear of its edges
            if (any(_segment_hits(a, b, nb, 1.0) for a, b in _segments(p.d)) if line else _overlap(pb, nb, 0.5)):
                problems.append(f"{getattr(p, 'role', '')} of {owner} overlaps the note {o}")
        if isinstance(p, PPath) and p.role == "leader" and owner in boxes:
            problems += _leader_problems(p, boxes[owner], prims)
    return problems


def _leader_problems(leader, nb, prims) -> list[str]:
    owner = leader.owner
    pts = [(c[1], c[2]) for c in leader.d if c[0] in ("M", "L")]
    if len(pts) != len(leader.d) or len(pts) < 2:
        return [f"leader of {owner} is not made of straight lines"]
    x1, y1 = pts[-1]
    on_x = nb[0] - 0.5 <= x1 <= nb[2] + 0.5 and min(abs(y1 - nb[1]), abs(y1 - nb[3])) < 0.5
    on_y = nb[1] - 0.5 <= y1 <= nb[3] + 0.5 and min(abs(x1 - nb[0]), abs(x1 - nb[2])) < 0.5
    out = [] if on_x or on_y else [f"leader of {owner} does not end on the edge of its note"]
    for q in prims:
        qo, role = getattr(q, "owner", ""), getattr(q, "role", "")
        if qo == owner or not (isinstance(q, (Text, Circle)) or role in ("box", "glyph", "note")):
            continue
        qb = bbox_of(q)
        if qb and any(_segment_hits(a, b, qb, 0.6) for a, b in zip(pts, pts[1:])):
            what = f"label {q.label.text!r}" if isinstance(q, Text) else role
            out.append(f"leader of {owner} crosses the {what} of {qo}")
    return out


def leader_wire_crossings(scene) -> dict:
    """How many wires each author's note's leaders cross: note owner -> count."""
    prims = list(scene.walk())
    wires = [(p, bbox_of(p)) for p in prims if isinstance(p, PPath) and p.role in ("wire", "separator")]
    out: dict = {}
    for p in prims:
        if not (isinstance(p, PPath) and p.role == "leader" and p.owner.startswith("note:")):
            continue
        pts = [(c[1], c[2]) for c in p.d if c[0] in ("M", "L")]
        out.setdefault(p.owner, 0)
        for w, wb in wires:
            for a, b in zip(pts, pts[1:]):
                if wb and min(a[0], b[0]) <= wb[2] and wb[0] <= max(a[0], b[0]) and min(a[1], b[1]) <= wb[3] \
                        and wb[1] <= max(a[1], b[1]) and any(_crosses(a, b, u, v) for u, v in _segments(w.d)):
                    out[p.owner] += 1
    return out


def _crosses(p, q, a, b) -> bool:
    def side(o, u, v):
        return (u[0] - o[0]) * (v[1] - o[1]) - (u[1] - o[1]) * (v[0] - o[0])
    return side(a, b, p) * side(a, b, q) < 0 and side(p, q, a) * side(p, q, b) < 0


def continuation_problems(scene) -> list[str]:
    """A folded panel's promises: every wire carried to the next row ends at an arrowhead on its row's right
    edge, named there, and resumes at the next row's left edge with the same name, the carried wires of one
    cut in the same top-to-bottom order on both rows."""
    problems = []
    prims = list(scene.walk())
    arrows = [p for p in prims if isinstance(p, PPath) and p.role == "arrow"]
    wires = [p for p in prims if isinstance(p, PPath) and p.role == "wire"]
    labels = [t for t in prims if isinstance(t, Text)]

    def name_near(owner, x0, x1, y):
        for t in labels:
            if t.owner == owner and x0 - 0.5 <= t.x <= x1 and -20.0 <= t.y - y <= 0.0:
                return t.label.text
        return None

    cuts: dict = {}
    for owner, tip, resumed in scene.continued:
        head = [a for a in arrows if a.owner == owner and abs(bbox_of(a)[2] - tip[0]) < 0.05
                and bbox_of(a)[1] <= tip[1] <= bbox_of(a)[3]]
        if not head:
            problems.append(f"continued wire {owner} has no arrowhead at {tip}")
            continue
        hb = bbox_of(head[0])
        if not any(abs(_samples(w.d)[-1][1] - tip[1]) < 1.5 and hb[0] - 0.05 <= _samples(w.d)[-1][0] <= hb[2]
                   for w in wires if w.owner == owner):
            problems.append(f"continued wire {owner} does not run into its arrowhead at {tip}")
        if not any(abs(_samples(w.d)[0][0] - resumed[0]) < 0.05 and abs(_samples(w.d)[0][1] - resumed[1]) < 1.5
                   for w in wires if w.owner == owner):
            problems.append(f"continued wire {owner} does not resume at {resumed}")
        if not resumed[1] > hb[3]:
            problems.append(f"continued wire {owner} resumes at {resumed}, not on a row below its arrowhead")
        before = name_near(owner, tip[0] - 200.0, tip[0], tip[1])
        after = name_near(owner, resumed[0], resumed[0] + 60.0, resumed[1])
        if before is None or after is None or before != after:
            problems.append(f"continued wire {owner}: named {before!r} where it leaves, {after!r} where it resumes")
        cuts.setdefault(round(hb[0], 3), []).append((tip[1], resumed[1], owner))
    for row in cuts.values():
        left = [o for _, _, o in sorted(row)]
        right = [o for _, _, o in sorted(row, key=lambda r: r[1])]
        if left != right:
            problems.append(f"wires leave a row in the order {left} and resume in the order {right}")
    return problems


def fence_sides(fence: Group) -> tuple:
    """(x0, y0, x1, y1) of a fence's tinted box, and whether its edge is drawn on its left and on its right."""
    fill = next(p for p in fence.items if p.role == "fence" and p.fill)
    x0, y0, x1, y1 = bbox_of(fill)
    sides = [False, False]
    for edge in (p for p in fence.items if p.role == "fence" and p.stroke):
        cur = start = None
        for c in edge.d:
            if c[0] == "M":
                cur = start = (c[1], c[2])
                continue
            nxt = start if c[0] == "Z" else (c[-2], c[-1])
            if cur is not None and abs(cur[0] - nxt[0]) < 1e-6 and abs(cur[1] - nxt[1]) > 1e-6:  # a vertical stroke
                sides[0] = sides[0] or abs(cur[0] - x0) < 0.5
                sides[1] = sides[1] or abs(cur[0] - x1) < 0.5
            cur = nxt
    return (x0, y0, x1, y1), sides[0], sides[1]


def fence_problems(scene) -> list[str]:
    """A fence is drawn open only where a row of a folded panel cuts it, as the paper continues a box across rows:
    an open right side is where wires leave the row for the next one, inside the fence; an open left side where
    they resume; a fence that goes on from an earlier row is not titled again there."""
    problems = []
    titles = [t for t in scene.walk() if isinstance(t, Text)]
    for f in (g for g in _groups(scene.items) if g.role == "fence"):
        (x0, y0, x1, y1), left, right = fence_sides(f)
        if not right and not any(abs(tip[0] - ARROW_TIP - x1) < 0.05 and y0 <= tip[1] <= y1
                                 for _, tip, _ in scene.continued):
            problems.append(f"fence {f.owner} is open on its right at x={x1:.1f}, where no wire leaves its row")
        if not left and not any(abs(r[0] - x0) < 0.05 and y0 <= r[1] <= y1 for _, _, r in scene.continued):
            problems.append(f"fence {f.owner} is open on its left at x={x0:.1f}, where no wire resumes")
        if not left and any(t.owner == f.owner and x0 <= t.x <= x1 and y0 <= t.y <= y0 + 16 for t in titles):
            problems.append(f"fence {f.owner} is titled again on a row it continues on")
    return problems


def _groups(items):
    for it in items:
        if isinstance(it, Group):
            yield it
            yield from _groups(it.items)


def crossing_problems(scene) -> list[str]:
    """The paper's rule for junctions: no two wires cross within one wire pitch of a dot (a reader must see
    which wires meet at a join or copy and which only pass it)."""
    from sphinx_ncd.layout.crossings import dots_of, scene_stats
    from sphinx_ncd.layout.geometry import PITCH

    dots = dots_of(scene)
    out = []
    for c in scene_stats(scene).points:
        for d in dots:
            dist = ((c.x - d.cx) ** 2 + (c.y - d.cy) ** 2) ** 0.5
            if dist < PITCH:
                out.append(f"wires {c.a} and {c.b} cross at ({c.x:.1f}, {c.y:.1f}), {dist:.1f} from the dot of {d.owner}")
                break
    return out


def dot_problems(scene) -> list[str]:
    """A dot is a junction of the wires that end at it: no other wire's ink touches it."""
    from sphinx_ncd.layout.crossings import dots_of, wire_polyline

    def dist(p, a, b):
        dx, dy = b[0] - a[0], b[1] - a[1]
        L = dx * dx + dy * dy
        t = 0.0 if L == 0 else max(0.0, min(1.0, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / L))
        return ((p[0] - a[0] - t * dx) ** 2 + (p[1] - a[1] - t * dy) ** 2) ** 0.5

    out = []
    wires = [(w, wire_polyline(w.d)) for w in scene.walk() if isinstance(w, PPath) and w.role == "wire"]
    for d in dots_of(scene):
        c = (d.cx, d.cy)
        for w, pts in wires:
            if len(pts) < 2 or any(abs(e[0] - d.cx) <= d.r + 0.5 and abs(e[1] - d.cy) <= d.r + 3.0
                                   for e in (pts[0], pts[-1])):
                continue  # it ends at the dot (a doubled wire's strokes end beside its centre)
            if min(dist(c, a, b) for a, b in zip(pts, pts[1:])) < d.r + w.width / 2:
                out.append(f"wire {w.owner} runs through the dot of {d.owner} at ({d.cx:.1f}, {d.cy:.1f})")
    return out


SEP_TOUCH = 3.0  # a separator's end touches a glyph's ink, a wire or a dot when this close to it
SEP_PORTS = 36.0  # ...or stands between two ports (a glyph's side or a panel's edge) at most this far apart


def _sep_chains(seps) -> list[tuple]:
    """The two outer ends of each dashed line drawn as several pieces (pieces meet end to end): (the end, the
    piece's owner, the way the line goes on out of it: -1 leftwards, +1 rightwards, 0 up or down)."""
    ends = [(_samples(s.d), s.owner) for s in seps]
    def meets(p, q):
        return abs(p[0] - q[0]) < 0.5 and abs(p[1] - q[1]) < 0.5
    out = []
    points = [[(c[-2], c[-1]) for c in s.d] for s in seps]  # a piece may join another where it turns
    for n, (pts, owner) in enumerate(ends):
        for end, inner in ((pts[0], pts[1] if len(pts) > 1 else pts[0]), (pts[-1], pts[-2] if len(pts) > 1 else pts[-1])):
            if not any(meets(end, o) for m, other in enumerate(points) if m != n for o in other):
                way = 0 if abs(end[0] - inner[0]) < 1e-6 else (1 if end[0] > inner[0] else -1)
                out.append((end, owner, way))
    return out


def _ink_distance(end, prim) -> float:
    """How far ``end`` is from the ink of a wire, a dot, a box or a label."""
    if isinstance(prim, PPath) and prim.role == "wire":
        best = 1e9
        for a, b in _segments(prim.d):
            ux, uy = b[0] - a[0], b[1] - a[1]
            n = ux * ux + uy * uy
            t = 0.0 if n == 0 else max(0.0, min(1.0, ((end[0] - a[0]) * ux + (end[1] - a[1]) * uy) / n))
            best = min(best, ((end[0] - a[0] - t * ux) ** 2 + (end[1] - a[1] - t * uy) ** 2) ** 0.5)
        return best
    b = bbox_of(prim)
    if not b:
        return 1e9
    dx, dy = max(b[0] - end[0], 0.0, end[0] - b[2]), max(b[1] - end[1], 0.0, end[1] - b[3])
    return (dx * dx + dy * dy) ** 0.5


def separator_touch_problems(scene) -> list[str]:
    """A dashed separator, like a wire, ends at something: each outer end of a dashed line (its pieces joined
    end to end) touches a glyph's ink, a wire or a dot, stands between two ports at its x where both segments
    stop (the panel's edge, or a glyph's side: no wire at either port goes on past the end the way the
    separator would) or on the panel's edge (an anchor, as a wire's end there).  An end anywhere else floats in
    mid-air, and so does one between two ports whose wires run on past it."""
    prims = list(scene.walk())
    seps = [p for p in prims if isinstance(p, PPath) and p.role == "separator"]
    ink = [p for p in prims if (isinstance(p, PPath) and p.role not in ("separator", "fence", "shadow", "note",
                                                                        "leader"))
           or (isinstance(p, Circle)) or (isinstance(p, Text) and not p.owner.startswith(("fence", "group")))]
    problems = []
    wires = [_samples(p.d) for p in prims if isinstance(p, PPath) and p.role == "wire"]
    for end, owner, way in _sep_chains(seps):
        if any(_ink_distance(end, p) <= SEP_TOUCH for p in ink):
            continue
        if any(abs(end[0] - a[0]) < 0.05 and abs(end[1] - a[1]) < 2.0 for a in scene.anchors):
            continue  # at the panel's edge, where a wire may end too
        at = [a[1] for a in scene.anchors if abs(a[0] - end[0]) < 0.5]
        above = [y for y in at if y < end[1]]
        below = [y for y in at if y > end[1]]
        if way and above and below and max(above) - min(below) >= -SEP_PORTS \
                and not _wires_go_on(end, way, (max(above), min(below)), wires):
            continue
        problems.append(f"separator {owner} ends at ({end[0]:.1f}, {end[1]:.1f}) touching nothing")
    return problems


def _wires_go_on(end, way: int, ys, wires) -> bool:
    """Whether a wire at either port beside a separator's end (at the heights ``ys``) goes on just past the end,
    the way the separator would: then the end stands beside a drawn-through wiring, not at a glyph's side where
    both segments stop (or at the panel's edge), and floats."""
    x = end[0] + way * 2.0
    for pts in wires:
        for a, b in zip(pts, pts[1:]):
            if min(a[0], b[0]) <= x <= max(a[0], b[0]) and abs(b[0] - a[0]) > 1e-9:
                y = a[1] + (b[1] - a[1]) * (x - a[0]) / (b[0] - a[0])
                if any(abs(y - yp) < 0.5 for yp in ys):
                    return True
    return False


def _dash_phase(dash) -> float:
    """Where along its period a separator's dash pattern begins: 0 for the plain (on, off); a four-part pattern
    (on - p, off, p, 0) or (0, off - q, on, q) begins p, or on + q, along it."""
    if len(dash) == 2:
        return 0.0
    a, b, c, d = dash
    return c if d == 0 else c + d


def dash_restart_problems(scene) -> list[str]:
    """Where a dashed separator goes on from another (one's first point the other's last), its dashes run on:
    it begins its pattern where the other's leaves off, not afresh (which draws a double-length dash or a gap)."""
    seps = [p for p in scene.walk() if isinstance(p, PPath) and p.role == "separator" and p.dash]
    info = []
    for s in seps:
        pts = _samples(s.d)
        length = sum(((b[0] - a[0]) ** 2 + (b[1] - a[1]) ** 2) ** 0.5 for a, b in zip(pts, pts[1:]))
        info.append((pts[0], pts[-1], _dash_phase(s.dash), length, sum(s.dash), s.owner))
    problems = []
    for start, _end, phase, _len, period, owner in info:
        for _s, end, p0, length, period0, _o in info:
            if abs(end[0] - start[0]) < 0.5 and abs(end[1] - start[1]) < 0.5 and abs(period - period0) < 1e-6:
                gap = (phase - (p0 + length)) % period
                if min(gap, period - gap) > 0.6:
                    problems.append(f"separator {owner} at ({start[0]:.1f}, {start[1]:.1f}) starts its dashes afresh")
    return problems


FAN_CLOSE = 4.0  # two wires leaving one dot read as one thick stroke while their centres are this close...
FAN_RUN = 12.0  # ...and may be so for at most this much of their length past the dot's edge


def fan_problems(scene) -> list[str]:
    """The paper's copy: the wires that leave a dot rightwards (a copy's branches) part at once, each seen apart
    from the others: no two of them run within :data:`FAN_CLOSE` of each other for more than :data:`FAN_RUN`
    of their length past the dot's edge (a level branch and one S-bend part within about 7; several S-bends
    leaving level from one dot ran together for 18-25, as one thick stroke)."""
    from sphinx_ncd.layout.crossings import dots_of, wire_polyline

    wires = [(w.owner, wire_polyline(w.d)) for w in scene.walk() if isinstance(w, PPath) and w.role == "wire"]
    problems = []
    for d in dots_of(scene):
        c = (d.cx, d.cy)
        out = []
        for owner, pts in wires:
            if len(pts) < 2:
                continue
            for a, z in ((pts, pts[-1]), (pts[::-1], pts[0])):
                if math.dist(a[0], c) < 0.6 and z[0] > d.cx + 1.0:
                    out.append((owner, a))
        for i, (oa, pa) in enumerate(out):
            for ob, pb in out[:i] + out[i + 1:]:
                run = _close_run(pa, pb, c, d.r)
                if run > FAN_RUN:
                    problems.append(f"wires {oa} and {ob} leave the dot at ({d.cx:.1f}, {d.cy:.1f}) together "
                                    f"for {run:.1f}")
                    break
    return problems


def _close_run(pa, pb, centre, r) -> float:
    """How much of polyline ``pa`` past ``r`` from ``centre`` lies within :data:`FAN_CLOSE` of ``pb``."""
    near = [(a, b) for a, b in zip(pb, pb[1:])]
    run, prev = 0.0, None
    for p, q in zip(pa, pa[1:]):
        n = max(1, int(math.dist(p, q) / 0.5))
        for k in range(1, n + 1):
            s = (p[0] + (q[0] - p[0]) * k / n, p[1] + (q[1] - p[1]) * k / n)
            if math.dist(s, centre) > r and prev is not None and \
                    min(_point_segment(s, a, b) for a, b in near) < FAN_CLOSE:
                run += math.dist(s, prev)
            prev = s
        if math.dist(q, centre) > 3 * (FAN_CLOSE + FAN_RUN + r):
            break  # past any run that could count
    return run


def _point_segment(p, a, b) -> float:
    dx, dy = b[0] - a[0], b[1] - a[1]
    n = dx * dx + dy * dy
    t = 0.0 if n == 0 else max(0.0, min(1.0, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / n))
    return math.hypot(p[0] - a[0] - t * dx, p[1] - a[1] - t * dy)


def op_groups(items, out=None) -> dict:
    """owner -> the op group (the outermost of that owner), over the scene's items."""
    out = {} if out is None else out
    for it in items:
        if isinstance(it, Group):
            if it.role == "op":
                out.setdefault(it.owner, it)
            op_groups(it.items, out)
    return out
