"""Layout (stage 3): laid-out pieces and how they compose.

A :class:`Piece` is a finished part of a drawing -- one row of a panel, a
block's header, a whole equation -- as a value: its primitives in three layers
(behind, middle, in front), its bounding box, the height of its first wire
(where ``=`` and neighbours align) and its named ports: the wires that enter
at its left edge and leave at its right edge, by owner (``"wire:5.1"``).

Composition only ever *translates* a piece (:func:`place`), so the laws the
tests state hold by construction: placing a piece never changes its inner
geometry (every primitive moves by the same offset), and :func:`beside` and
:func:`below` keep the order of what they join.
"""
from __future__ import annotations

from .scene import Circle, Group, Path, Text, bbox_of

__all__ = ["Piece", "translate", "place", "beside", "below", "join_all", "union", "bbox_all", "shift_box", "merged_named"]


class Piece:
    """A laid-out piece.  ``back`` (fences, drawn first), ``mid`` (wires, separators, glyphs, wire labels) and
    ``front`` (brackets, titles, '=', arrowheads) are its primitives; ``bbox`` (x0, y0, x1, y1) bounds
    everything drawn; ``align_y`` is the y of its first wire; ``anchors`` are where wires may end, ``named`` the
    glyphs' named anchors ("op:<id>/<name>" -> point), ``op_boxes`` each op's glyph box; ``ins`` / ``outs``
    (owner -> (x, y)) the wires entering at its left edge and leaving at its right edge; ``continued`` the wires
    carried to the next row (owner, arrow tip, resumed at); ``rows`` how many rows are stacked in it.

    Placement is lazy: :func:`place` records its offset with the primitives it moves instead of copying them,
    and the primitives are moved once, by every offset in the order they were given (so the sums are the same
    as moving them piece by piece), when a layer is first read."""

    __slots__ = ("_layers", "align_y", "anchors", "bbox", "continued", "ins", "named", "op_boxes", "outs", "rows")

    def __init__(self, back=None, mid=None, front=None, bbox=None, align_y=0.0, anchors=None, named=None,
                 op_boxes=None, ins=None, outs=None, continued=None, rows=1):
        # per layer: [(offsets, items), ...]; a layer with one segment and no offsets is its list itself
        self._layers = [[((), [] if back is None else back)], [((), [] if mid is None else mid)],
                        [((), [] if front is None else front)]]
        self.bbox = bbox
        self.align_y = align_y
        self.anchors = [] if anchors is None else anchors
        self.named = {} if named is None else named
        self.op_boxes = {} if op_boxes is None else op_boxes
        self.ins = {} if ins is None else ins
        self.outs = {} if outs is None else outs
        self.continued = [] if continued is None else continued
        self.rows = rows

    def _layer(self, k: int) -> list:
        segs = self._layers[k]
        if len(segs) == 1 and not segs[0][0] and not isinstance(segs[0][1], tuple):
            return segs[0][1]
        flat = [moved for offs, items in segs for moved in _moved(items, offs)]
        self._layers[k] = [((), flat)]
        return flat

    back = property(lambda self: self._layer(0), lambda self, v: self._set(0, v))
    mid = property(lambda self: self._layer(1), lambda self, v: self._set(1, v))
    front = property(lambda self: self._layer(2), lambda self, v: self._set(2, v))

    def _set(self, k: int, items) -> None:
        self._layers[k] = [((), items)]

    def parts(self) -> tuple:
        """Every layer's segments, back to front, not moved yet: ``((offsets, items), ...)``."""
        return tuple((offs, items) for segs in self._layers for offs, items in segs)

    def set_segments(self, k: int, segs: list) -> None:
        """Layer ``k`` (0 back, 1 mid, 2 front) as segments: ``(offsets, items)`` pairs, the items (a tuple) to be
        moved by each (dx, dy) of ``offsets`` in turn when the layer is read."""
        self._layers[k] = list(segs)

    @property
    def width(self) -> float:
        return 0.0 if self.bbox is None else self.bbox[2] - self.bbox[0]

    @property
    def height(self) -> float:
        return 0.0 if self.bbox is None else self.bbox[3] - self.bbox[1]


def _moved(items, offs) -> list | tuple:
    """``items`` moved by each offset of ``offs`` in turn."""
    if not offs:
        return items
    return [translate_by(i, offs) for i in items]


def _moved_cmds(d, dx: float, dy: float) -> list:
    out = []
    for c in d:
        op = c[0]
        if op == "M" or op == "L":
            out.append((op, c[1] + dx, c[2] + dy))
        elif op == "C":
            out.append(("C", c[1] + dx, c[2] + dy, c[3] + dx, c[4] + dy, c[5] + dx, c[6] + dy))
        elif op == "A":
            out.append(("A", c[1], c[2], c[3] + dx, c[4] + dy))
        else:
            out.append(c)
    return out


def translate(item, dx: float, dy: float):
    """The primitive (or group) moved by (dx, dy)."""
    return translate_by(item, ((dx, dy),))


def translate_by(item, offs):
    """The primitive (or group) moved by each (dx, dy) of ``offs`` in turn: the same numbers as moving it once
    per offset, with one copy made."""
    if isinstance(item, Path):
        d = item.d
        for dx, dy in offs:
            d = _moved_cmds(d, dx, dy)
        return Path(tuple(d), item.stroke, item.fill, item.width, item.dash, item.role, item.owner, item.opacity,
                    item.cap)
    if isinstance(item, Text):
        x, y = item.x, item.y
        for dx, dy in offs:
            x += dx
            y += dy
        return Text(item.label, x, y, item.fill, item.role, item.owner)
    if isinstance(item, Circle):
        x, y = item.cx, item.cy
        for dx, dy in offs:
            x += dx
            y += dy
        return Circle(x, y, item.r, item.stroke, item.fill, item.width, item.role, item.owner)
    if isinstance(item, Group):
        return Group(tuple([translate_by(i, offs) for i in item.items]), item.role, item.owner, item.title)
    return item


def union(a, b):
    if a is None:
        return b
    if b is None:
        return a
    return (b[0] if b[0] < a[0] else a[0], b[1] if b[1] < a[1] else a[1],  # min() and max(): ``a`` wins ties
            b[2] if b[2] > a[2] else a[2], b[3] if b[3] > a[3] else a[3])


def shift_box(b, dx: float = 0.0, dy: float = 0.0):
    return None if b is None else (b[0] + dx, b[1] + dy, b[2] + dx, b[3] + dy)


def bbox_all(items):
    """The box around every item's box (the least and greatest met first, as min() and max() keep them)."""
    x0 = y0 = x1 = y1 = None
    for it in items:
        b = bbox_of(it)
        if not b:
            continue
        if x0 is None:
            x0, y0, x1, y1 = b
            continue
        if b[0] < x0:
            x0 = b[0]
        if b[1] < y0:
            y0 = b[1]
        if b[2] > x1:
            x1 = b[2]
        if b[3] > y1:
            y1 = b[3]
    return None if x0 is None else (x0, y0, x1, y1)


def _pt(p, dx, dy):
    return (p[0] + dx, p[1] + dy)


def place(piece: Piece, dx: float, dy: float) -> Piece:
    """The same piece moved by (dx, dy): every primitive, box, port and anchor by the same offset (the primitives
    when they are first read, see :class:`Piece`)."""
    if not dx and not dy:
        return piece
    out = Piece(
        bbox=shift_box(piece.bbox, dx, dy),
        align_y=piece.align_y + dy,
        anchors=[(a[0] + dx, a[1] + dy) for a in piece.anchors],
        named={k: (p[0] + dx, p[1] + dy) for k, p in piece.named.items()},
        op_boxes={k: None if b is None else (b[0] + dx, b[1] + dy, b[2] + dx, b[3] + dy)
                  for k, b in piece.op_boxes.items()},
        ins={k: (p[0] + dx, p[1] + dy) for k, p in piece.ins.items()},
        outs={k: (p[0] + dx, p[1] + dy) for k, p in piece.outs.items()},
        continued=[(o, _pt(a, dx, dy), _pt(b, dx, dy)) for o, a, b in piece.continued],
        rows=piece.rows,
    )
    step = ((dx, dy),)
    # a tuple: the piece's own list is shared, never appended to
    out._layers = [[(offs + step, tuple(items)) for offs, items in segs] for segs in piece._layers]
    return out


def _join(a: Piece, b: Piece, extra=()) -> Piece:
    """Both pieces as one (already placed); ``extra`` goes in front.  ``a``'s ports win where both have one."""
    boxes = dict(b.op_boxes)
    boxes.update(a.op_boxes)
    bb = union(a.bbox, b.bbox)
    for it in extra:
        bb = union(bb, bbox_of(it))
    out = Piece(bbox=bb, align_y=a.align_y, anchors=a.anchors + b.anchors, named=merged_named((a.named, b.named)),
                op_boxes=boxes, ins={**b.ins, **a.ins}, outs={**a.outs, **b.outs}, continued=a.continued + b.continued,
                rows=a.rows)
    out._layers = [_frozen(sa) + _frozen(sb) for sa, sb in zip(a._layers, b._layers)]
    if extra:
        out._layers[2].append(((), tuple(extra)))
    return out


def join_all(parts: list) -> Piece:
    """Pieces already placed, as one, in one step: what joining them two at a time, first to last, gives (the
    first piece's ports win on the left, the last's on the right) without copying what is joined again at each
    step (a panel folded into many rows)."""
    first = parts[0]
    out = Piece(bbox=first.bbox, align_y=first.align_y, rows=first.rows)
    layers = ([], [], [])
    for p in parts:
        out.bbox = union(out.bbox, p.bbox)
        out.anchors += p.anchors
        out.continued += p.continued
        out.outs.update(p.outs)
        for k in range(3):
            layers[k].extend(_frozen(p._layers[k]))
    out.named = merged_named([p.named for p in parts])
    for p in reversed(parts):  # the first piece's wins
        out.op_boxes.update(p.op_boxes)
        out.ins.update(p.ins)
    out._layers = list(layers)
    return out


def merged_named(dicts) -> dict:
    """Named anchors of pieces joined, the first piece's under their own names.  Block definitions reuse their
    operations' ids, so two panels may name an anchor alike: the later one is kept as ``"<name>#2"``,
    ``"<name>#3"``..., so every panel's anchors survive the join."""
    out: dict = {}
    for named in dicts:
        for key, pt in named.items():
            if key not in out:
                out[key] = pt
                continue
            n = 2
            while f"{key}#{n}" in out:
                n += 1
            out[f"{key}#{n}"] = pt
    return out


def _frozen(segs) -> list:
    """A layer's segments with their item lists as tuples: a joined piece never sees later appends to a part."""
    return [(offs, items if isinstance(items, tuple) else tuple(items)) for offs, items in segs]


def beside(a: Piece, b: Piece, gap: float, extra=()) -> Piece:
    """``b`` to the right of ``a``, ``gap`` apart, their first wires level."""
    if a.bbox is None:
        return b
    if b.bbox is None:
        return a
    moved = place(b, a.bbox[2] + gap - b.bbox[0], a.align_y - b.align_y)
    return _join(a, moved, extra)


def below(a: Piece, b: Piece, gap: float, keep_x: bool = False, moved: bool = False) -> Piece:
    """``b`` under ``a``, ``gap`` apart, left edges aligned (``keep_x``: ``b`` keeps its x; ``moved``: ``b`` is
    already where it goes)."""
    if a.bbox is None:
        return b
    if b.bbox is None:
        return a
    if not moved:
        b = place(b, 0.0 if keep_x else a.bbox[0] - b.bbox[0], a.bbox[3] + gap - b.bbox[1])
    out = _join(a, b)
    out.rows = a.rows + b.rows
    return out
