"""Layout (stage 3): the author's notes -- ``note`` statements drawn clear of the diagram.

Each note is a tinted box of wrapped text under the row (of a folded panel) that holds its first target, with a
leader line up to what it explains: a value (its wires where they are first shown), an operation (its glyph) or
a fence.  Notes never overlap the drawing or each other: they sit below everything the row draws, side by side
in the order of their targets, and start a new line of notes when the next would pass the fold width.  A note
with ``highlight`` also tints a column behind each of its targets (behind the wires and glyphs, above the fences),
in the note's colour.  Text is wrapped to :data:`NOTE_WRAP` (or the fold width, if narrower); ``$...$`` in a note is
maths, set like the wire labels.
"""
from __future__ import annotations

import re
from functools import lru_cache

from .geometry import SMALL_FONT
from .mathtext import label, outline_label
from .pieces import union
from .scene import Group, Path, Text, bbox_of

__all__ = ["NOTE_FONT", "NOTE_WRAP", "add_author_notes", "note_lines"]

NOTE_FONT = SMALL_FONT + 1.5
NOTE_WRAP = 240.0  # widest line of a note's text
NOTE_PAD = 5.0  # inside a note's box
NOTE_GAP = 16.0  # between the drawing and the first line of notes (room for the leaders to show)
NOTE_SPACE = 10.0  # between two notes side by side, or two lines of notes
LINE_GAP = 2.5  # between two lines of a note's text
HL_PAD = 4.0  # a highlight beyond its targets
_ESCAPE = {c: "\\" + c for c in "\\{}^_"}
_SEGMENT = re.compile(r"\$[^$]*\$|[^\s$]+|\s+")


def _words(text: str) -> list[list[tuple[str, str]]]:
    """The note's words (what lies between spaces), each as pieces ``("text", chars)`` or ``("math", source)``:
    ``$...$`` is maths, set as the wire labels are, and stays whole (``$h$-axes`` is one word)."""
    out: list[list[tuple[str, str]]] = []
    glue = False
    for seg in _SEGMENT.findall(text):
        if seg.isspace():
            glue = False
            continue
        piece = ("math", seg[1:-1].strip()) if seg.startswith("$") else ("text", seg)
        if not piece[1]:
            continue
        if glue and out:
            out[-1].append(piece)
        else:
            out.append([piece])
        glue = True
    return out


def _src(pieces) -> str:
    """The label source of a word (or a line): text pieces as ``\\text{..}`` with TeX's specials escaped."""
    return "".join(p if kind == "math" else "\\text{" + "".join(_ESCAPE.get(c, c) for c in p) + "}"
                   for kind, p in pieces)


def _width(pieces) -> float:
    return outline_label(_src(pieces), NOTE_FONT).width


def _fit(word, wrap: float) -> list:
    """A word no wider than ``wrap``, or one too wide (an address, a long name) cut between its characters."""
    if _width(word) <= wrap:
        return [word]
    chunks, cur = [], []
    for kind, p in word:
        for part in ([p] if kind == "math" else list(p)):
            trial = cur + [(kind, part)]
            if cur and _width(trial) > wrap:
                chunks.append(cur)
                trial = [(kind, part)]
            cur = trial
    return chunks + [cur] if cur else chunks


def note_lines(text: str, wrap: float) -> list:
    """``text`` wrapped to ``wrap`` units: the measured Label of each line.  The breaks are chosen on the shipped
    fonts' widths, so labels typeset by TeX (``labels=tex``) ask TeX for the same lines in every pass."""
    return [label(src, NOTE_FONT) for src in _line_sources(text, wrap)]


@lru_cache(maxsize=512)
def _line_sources(text: str, wrap: float) -> tuple[str, ...]:
    lines, cur = [], []
    for word in _words(text):
        for chunk in _fit(word, wrap):
            trial = cur + [("text", " ")] + chunk if cur else chunk
            if cur and _width(trial) > wrap:
                lines.append(_src(cur))
                cur = chunk
            else:
                cur = trial
    if cur:
        lines.append(_src(cur))
    return tuple(lines)


def _value_box(vid: int, piece, po, sections, base: int):
    """Where the value's wires are first shown in this row: the state column, from its first wire's label down
    to its last wire."""
    prefix = f"wire:{vid}."
    paths = [p for p in piece.mid if isinstance(p, Path) and p.role == "wire" and p.owner.startswith(prefix)]
    for k, sec in enumerate(sections):
        if (base and not k) or sec.kind != "state" or all(v.id != vid for v in sec.values) \
                or base + k not in po.section_x:  # (a row's first state is the last of the row before)
            continue
        x0, x1 = po.section_x[base + k]
        ys = [c[-1] for p in paths for c in p.d if c[0] in ("M", "L", "C") and x0 - 0.5 <= c[-2] <= x1 + 0.5]
        if ys:
            return (x0, min(ys) - 14.0, x1, max(ys) + 2.0)
    return None


def _target_box(target, piece, po, sections, base: int, continued=frozenset()):
    kind, tid = target
    if kind == "op":
        return piece.op_boxes.get(tid)
    if kind == "fence":
        if tid in continued:  # the fence began in a row before this one
            return None
        boxes = [bbox_of(g) for g in piece.back if getattr(g, "role", "") == "fence" and g.owner == f"group:{tid}"]
        return boxes[0] if boxes else None
    return _value_box(tid, piece, po, sections, base)


def add_author_notes(piece, panel, po, sections, base: int, fold: float | None, continued=frozenset()) -> None:
    """The notes of ``panel`` whose first target is in this row, under it (see the module's docstring);
    ``continued``: the groups that began in a row before this one."""
    todo = []
    for n, note in enumerate(panel.notes):
        boxes = [_target_box(t, piece, po, sections, base, continued) for t in note.targets]
        if boxes[0] is not None:
            where = f":{note.span.file}:{note.span.line}:{note.span.column}" if note.span is not None else ""
            todo.append((f"note:{n}{where}", note, [b for b in boxes if b is not None]))  # unique per statement
    if not todo or piece.bbox is None:
        return
    obstacles = [b for b in piece.op_boxes.values()] + \
        [t.bbox for t in piece.mid + piece.front if isinstance(t, Text)]
    hl_layer = []
    for owner, note, boxes in todo:
        if note.highlight is not None:  # a tinted column behind each target; one leader, from the lowest
            boxes[:] = [_pad(b, HL_PAD) for b in boxes]
            hl_layer += [_rect(b, note.highlight or "note", None, "highlight", owner, 0.8) for b in boxes]
            boxes[:] = [max(boxes, key=lambda b: (b[3], -b[0]))]
    wrap = NOTE_WRAP if fold is None else max(60.0, min(NOTE_WRAP, fold - 2 * NOTE_PAD))
    left = piece.bbox[0]
    # rows are laid out from x = 0 (a fence's pad may reach left of it): no row's notes pass the fold width
    right = max(piece.bbox[2], min(left, 0.0) + (fold if fold is not None else 2 * NOTE_WRAP))
    bottom = piece.bbox[3]
    top = bottom + NOTE_GAP
    x, line_bottom = left, top
    drawn, leaders, placed = [], [], []
    for k, (owner, note, boxes) in enumerate(sorted(todo, key=lambda t: _centre(t[2][0]))):
        lines = note_lines(note.text, wrap)
        w = max(lab.width for lab in lines) + 2 * NOTE_PAD
        h = sum(lab.height for lab in lines) + LINE_GAP * (len(lines) - 1) + 2 * NOTE_PAD
        want = min(max(_centre(_union(boxes)) - w / 2, left), right - w)
        if drawn and max(want, x) + w > right:  # a new line of notes
            x, top = left, line_bottom + NOTE_SPACE
        nx = max(want, x)
        box = (nx, top, nx + w, top + h)
        parts = [_rect(box, note.highlight or "note", "note-edge", "note", owner, 1.0)]
        ty = top + NOTE_PAD
        for lab in lines:
            parts.append(Text(lab, nx + NOTE_PAD, ty + lab.ascent, role="label", owner=owner))
            ty += lab.height + LINE_GAP
        drawn.append(Group(tuple(parts), role="note", owner=owner, title=" ".join(lab.text for lab in lines)))
        placed.append((owner, box, boxes, bottom + 3.0 + 3.5 * (k % 3)))
        x, line_bottom = box[2] + NOTE_SPACE, max(line_bottom, box[3])
        piece.bbox = union(piece.bbox, box)
    for owner, box, boxes, lane in placed:  # once every note stands where it stays
        others = [b for o, b, _, _ in placed if o != owner]
        for target in _columns(boxes):
            leaders.append(_leader(target, box, obstacles, others, lane, owner))
            piece.bbox = union(piece.bbox, bbox_of(leaders[-1]))
    for tint in hl_layer:  # a column padded past its target may reach beyond the drawing
        piece.bbox = union(piece.bbox, bbox_of(tint))
    piece.back.extend(hl_layer)
    piece.mid[:0] = leaders  # under the wires and glyphs, over the fences and highlights
    piece.front.extend(drawn)


def _leader(target, box, obstacles, others, lane: float, owner) -> Path:
    """A line from the bottom of ``target`` to the note's ``box``: straight to its top, at the x (within the
    target) that passes fewest labels and glyphs; where other notes (``others``) stand in the way, down to the
    ``lane`` under the drawing and along it, then down a column clear of them to the note's top, or beside
    them to its side."""
    x0, x1 = target[0] + 2.0, target[2] - 2.0
    txs = [(x0 + x1) / 2] if x1 <= x0 else [x0 + (x1 - x0) * k / 8 for k in (4, 3, 5, 2, 6, 1, 7, 0, 8)]
    n0, n1 = box[0] + 6.0, box[2] - 6.0
    nxs = [(n0 + n1) / 2] if n1 <= n0 else [n0 + (n1 - n0) * k / 8 for k in range(9)]
    lo, hi = min(x0, n0) - 2.0, max(x1, n1) + 2.0  # what a straight leader can pass at all
    obstacles = [ob for ob in obstacles if ob is not target and ob[2] > lo and ob[0] < hi and ob[3] > target[3]
                 and ob[1] < box[1]]
    others_near = [o for o in others if o[2] > lo and o[0] < hi and o[1] < box[1]]
    best = None
    for tx in txs:  # from the target's middle outwards, each as steep as the note allows; the first clear wins
        for nx in sorted(nxs, key=lambda n: abs(n - tx)):
            a, b = (tx, target[3]), (nx, box[1])
            if any(_hits(a, b, o) for o in others_near):
                continue
            score = (sum(1 for ob in obstacles if _hits(a, b, ob)), abs(nx - tx) + abs(tx - txs[0]))
            if best is None or score < best[0]:
                best = (score, tx, nx)
            break
        if best is not None and best[0][0] == 0:
            break
    style = {"stroke": "note-edge", "width": 0.9, "dash": (2.0, 1.6), "role": "leader", "owner": owner}
    if best is not None:
        _, tx, nx = best
        return Path((("M", tx, target[3]), ("L", nx, box[1])), **style)
    tx = txs[0]
    route = _around(tx, box, others, lane)
    return Path((("M", tx, target[3]), ("L", tx, lane), *(("L", x, y) for x, y in route)), **style)


def _around(tx: float, box, others, lane: float) -> list:
    """The rest of a bent leader, from (tx, lane): a column clear of the ``others`` down to the note's top, or
    one beside them down to the middle of the note's left or right side; the shortest that crosses none."""
    n0, n1 = box[0] + 6.0, box[2] - 6.0
    above = [o for o in others if o[3] > lane and o[1] < box[1]]
    free = [x for x in _steps(n0, n1) if not any(o[0] - 2.0 <= x <= o[2] + 2.0 for o in above)]
    if free:
        gx = min(free, key=lambda x: abs(x - tx))
        return [(gx, lane), (gx, box[1])]
    ym = box[1] + min(10.0, (box[3] - box[1]) / 2)
    routes = []
    for side in (-1, 1):
        cx = box[0] - 3.0 if side < 0 else box[2] + 3.0
        while True:  # step out past every note the column would run through
            hit = [o for o in others if o[0] - 2.0 <= cx <= o[2] + 2.0 and o[3] > lane and o[1] < ym]
            if not hit:
                break
            cx = min(o[0] for o in hit) - 3.0 if side < 0 else max(o[2] for o in hit) + 3.0
        edge = box[0] if side < 0 else box[2]
        if not any(_hits((cx, ym), (edge, ym), o, 0.5) for o in others):
            routes.append((abs(cx - tx) + abs(cx - edge), [(cx, lane), (cx, ym), (edge, ym)]))
    return min(routes)[1] if routes else [((n0 + n1) / 2, lane), ((n0 + n1) / 2, box[1])]


def _steps(a: float, b: float, step: float = 2.0) -> list:
    n = max(0, int((b - a) / step))
    return [a + k * step for k in range(n + 1)]


def _hits(p, q, box, pad: float = 1.0) -> bool:
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


def _columns(boxes) -> list:
    """One target per column: of targets whose x-ranges overlap (values stacked in one memory state), the
    lowest -- one leader reaches them all."""
    out: list = []
    for b in sorted(boxes, key=lambda b: -b[3]):
        if not any(b[0] < o[2] and o[0] < b[2] for o in out):
            out.append(b)
    return out


def _rect(box, fill, stroke, role, owner, opacity) -> Path:
    x0, y0, x1, y1 = box
    return Path((("M", x0, y0), ("L", x1, y0), ("L", x1, y1), ("L", x0, y1), ("Z",)), stroke=stroke, fill=fill,
                width=0.7, role=role, owner=owner, opacity=opacity)


def _union(boxes):
    out = None
    for b in boxes:
        out = union(out, b)
    return out


def _pad(box, d):
    return (box[0] - d, box[1] - d, box[2] + d, box[3] + d)


def _centre(box) -> float:
    return (box[0] + box[2]) / 2
