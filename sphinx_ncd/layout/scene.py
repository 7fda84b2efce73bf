"""Layout (stage 3): the Scene -- positioned primitives in abstract units.

The scene is what layout hands to render: a flat, z-ordered tuple of a few
primitive kinds (:class:`Path` for lines, curves and polygons, :class:`Circle`,
:class:`Text` for a measured label, :class:`Group` to bundle one element), plus
the bookkeeping tests assert on (anchors where wires may end).  Units are
abstract (1 unit renders as 1 CSS px at scale 1); y points down.

Colours are *roles* (``"ink"``, ``"paper"``, ``"learned"``, ``"index"``...)
resolved by the renderer's theme, or literal ``#rrggbb`` strings (fence tints).
Every primitive carries ``role`` (what it is: ``"wire"``, ``"box"``,
``"label"``, ``"separator"``...) and ``owner`` (which model element it draws:
``"op:3"``, ``"wire:5.1"``, ``"group:2"``), so geometry checks can tell a
label's own box from someone else's.
"""
from __future__ import annotations

from dataclasses import MISSING, dataclass, field, fields

from .mathtext import Label

__all__ = ["Path", "Circle", "Text", "Group", "Scene", "bbox_of", "bbox_moved", "path_points", "box_terms",
           "box_moved_terms"]

def _quick_init(cls):
    """Give a frozen primitive a constructor that sets its fields in one step.

    A frozen dataclass's own ``__init__`` sets each field through ``object.__setattr__``; a layout makes
    thousands of primitives, and that was a tenth of a render.  This one takes the same arguments (the same
    names, order and defaults) and fills the instance's ``__dict__`` at once; the dataclass keeps its
    equality, hashing, ``repr`` and frozenness."""
    params, entries, env = [], [], {"_set": object.__setattr__}
    for f in fields(cls):
        if f.default_factory is not MISSING:
            raise TypeError(f"{cls.__name__}.{f.name}: a primitive's fields have plain defaults")
        if f.default is MISSING:
            params.append(f.name)
        else:
            env[f"_d_{f.name}"] = f.default
            params.append(f"{f.name}=_d_{f.name}")
        entries.append(f"{f.name!r}: {f.name}")
    src = f"def __init__(self, {', '.join(params)}):\n    _set(self, '__dict__', {{{', '.join(entries)}}})\n"
    exec(src, env)  # noqa: S102 -- a constructor generated from the class's own field list, as dataclasses does
    init = env["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    cls.__init__ = init
    return cls


Cmd = tuple  # ("M", x, y) | ("L", x, y) | ("C", x1, y1, x2, y2, x, y) | ("A", r, sweep, x, y) | ("Z",)


@_quick_init
@dataclass(frozen=True)
class Path:
    d: tuple[Cmd, ...]
    stroke: str | None = "ink"  # colour role or literal, None: no stroke
    fill: str | None = None  # colour role or literal, None: no fill
    width: float = 1.0  # stroke width
    dash: tuple[float, ...] | None = None
    role: str = "wire"
    owner: str = ""
    opacity: float = 1.0  # fill opacity (fences, shadows)
    cap: str = "butt"  # stroke-linecap


@_quick_init
@dataclass(frozen=True)
class Circle:
    cx: float
    cy: float
    r: float
    stroke: str | None = "ink"
    fill: str | None = "ink"
    width: float = 1.0
    role: str = "dot"
    owner: str = ""


@_quick_init
@dataclass(frozen=True)
class Text:
    """A measured label whose baseline origin is at (x, y)."""

    label: Label
    x: float
    y: float
    fill: str = "ink"
    role: str = "label"
    owner: str = ""

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        lab = self.label
        return (self.x, self.y - lab.ascent, self.x + lab.width, self.y + lab.descent)


@_quick_init
@dataclass(frozen=True)
class Group:
    """Primitives drawn together (one operation, one fence); ``title`` is its accessible name."""

    items: tuple
    role: str = "group"
    owner: str = ""
    title: str = ""


@dataclass(frozen=True)
class Scene:
    """A positioned drawing.  ``viewbox`` is (x, y, width, height)."""

    items: tuple  # z-ordered primitives and groups
    viewbox: tuple[float, float, float, float]
    title: str = ""  # short accessible name
    description: str = ""  # longer text (the diagram's signature and labels)
    anchors: tuple[tuple[float, float], ...] = field(default=(), repr=False)  # where wires may end
    #: wires of a folded panel carried from one row to the next: (owner, arrowhead tip, where it resumes)
    continued: tuple = field(default=(), repr=False)
    #: the glyphs' named anchors, "op:<id>/<name>" -> (x, y): "op:7/cap.k" (an einsum's cup over k), "op:3/kernel"
    named_anchors: dict = field(default_factory=dict, repr=False, compare=False)
    #: a scene laid out only to be written at once (:func:`~sphinx_ncd.rendering.api.render`): its primitives as
    #: ``(offsets, items)`` parts not yet moved into place (see :class:`.pieces.Piece`), ``items`` empty; the SVG
    #: writer moves each coordinate as it writes it.  Empty on every scene handed out.
    parts: tuple = field(default=(), repr=False, compare=False)

    def walk(self):
        """Every primitive, groups flattened, in drawing order."""
        stack = list(reversed(self.items))
        while stack:
            it = stack.pop()
            if isinstance(it, Group):
                stack.extend(reversed(it.items))
            else:
                yield it


def path_points(d: tuple[Cmd, ...]) -> list[tuple[float, float]]:
    """End and control points of a path (a superset of its ink for bounding)."""
    pts: list[tuple[float, float]] = []
    cur = (0.0, 0.0)
    for c in d:
        op = c[0]
        if op in ("M", "L"):
            cur = (c[1], c[2])
            pts.append(cur)
        elif op == "C":
            pts.extend([(c[1], c[2]), (c[3], c[4]), (c[5], c[6])])
            cur = (c[5], c[6])
        elif op == "A":
            r, end = c[1], (c[3], c[4])
            # semicircle bulge: include the arc's extreme points conservatively
            mx, my = (cur[0] + end[0]) / 2, (cur[1] + end[1]) / 2
            pts.extend([(mx - r, my - r), (mx + r, my + r), end])
            cur = end
    return pts


def bbox_of(item) -> tuple[float, float, float, float] | None:
    """Ink bounding box of a primitive (stroke width included)."""
    if isinstance(item, Text):
        return item.bbox
    if isinstance(item, Circle):
        r = item.r + (item.width / 2 if item.stroke else 0)
        return (item.cx - r, item.cy - r, item.cx + r, item.cy + r)
    if isinstance(item, Path):
        box = _lines_box(item.d)
        if box is not None:  # no arc
            if not box:
                return None
            h = item.width / 2 if item.stroke else 0
            return (box[0] - h, box[1] - h, box[2] + h, box[3] + h)
        xs: list[float] = []
        ys: list[float] = []
        cur = (0.0, 0.0)
        for c in item.d:
            op = c[0]
            if op == "L" or op == "M":
                xs.append(c[1])
                ys.append(c[2])
                cur = (c[1], c[2])
            elif op == "C":
                xs += (c[1], c[3], c[5])
                ys += (c[2], c[4], c[6])
                cur = (c[5], c[6])
            elif op == "A":
                r = c[1]
                mx, my = (cur[0] + c[3]) / 2, (cur[1] + c[4]) / 2
                xs += (mx - r, mx + r, c[3])
                ys += (my - r, my + r, c[4])
                cur = (c[3], c[4])
        if not xs:
            return None
        h = item.width / 2 if item.stroke else 0
        return (min(xs) - h, min(ys) - h, max(xs) + h, max(ys) + h)
    if isinstance(item, Group):
        boxes = [b for b in (bbox_of(i) for i in item.items) if b]
        if not boxes:
            return None
        x0, y0, x1, y1 = zip(*boxes)
        return (min(x0), min(y0), max(x1), max(y1))
    return None


def _lines_box(d) -> tuple:
    """(least x, least y, greatest x, greatest y) of a path's points, () when it has none; None when it has an
    arc (whose bulge is measured from the moved points, see :func:`bbox_moved`)."""
    x0 = y0 = x1 = y1 = None  # the least and greatest met first, as min() and max() keep them
    for c in d:
        op = c[0]
        if op == "L" or op == "M":
            pts = ((c[1], c[2]),)
        elif op == "C":
            pts = ((c[1], c[2]), (c[3], c[4]), (c[5], c[6]))
        elif op == "A":
            return None
        else:
            continue
        for x, y in pts:
            if x0 is None:
                x0 = x1 = x
                y0 = y1 = y
                continue
            if x < x0:
                x0 = x
            elif x > x1:
                x1 = x
            if y < y0:
                y0 = y
            elif y > y1:
                y1 = y
    return () if x0 is None else (x0, y0, x1, y1)


def bbox_moved(item, dx: float, dy: float) -> tuple[float, float, float, float] | None:
    """:func:`bbox_of` the primitive (or group) moved by (dx, dy), without making the moved copy: every
    coordinate is moved first, as :func:`.pieces.translate` moves it, so the box is the moved copy's to the bit."""
    if isinstance(item, Text):
        x, y, lab = item.x + dx, item.y + dy, item.label
        return (x, y - lab.ascent, x + lab.width, y + lab.descent)
    if isinstance(item, Circle):
        cx, cy = item.cx + dx, item.cy + dy
        r = item.r + (item.width / 2 if item.stroke else 0)
        return (cx - r, cy - r, cx + r, cy + r)
    if isinstance(item, Path):
        box = _lines_box(item.d)
        if box is not None:  # no arc: the least moved coordinate is the least one moved (rounding is monotonic)
            if not box:
                return None
            h = item.width / 2 if item.stroke else 0
            return (box[0] + dx - h, box[1] + dy - h, box[2] + dx + h, box[3] + dy + h)
        xs: list[float] = []
        ys: list[float] = []
        cx, cy = 0.0, 0.0
        for c in item.d:
            op = c[0]
            if op == "L" or op == "M":
                cx, cy = c[1] + dx, c[2] + dy
                xs.append(cx)
                ys.append(cy)
            elif op == "C":
                xs += (c[1] + dx, c[3] + dx, c[5] + dx)
                ys += (c[2] + dy, c[4] + dy, c[6] + dy)
                cx, cy = c[5] + dx, c[6] + dy
            elif op == "A":
                r, ex, ey = c[1], c[3] + dx, c[4] + dy
                mx, my = (cx + ex) / 2, (cy + ey) / 2
                xs += (mx - r, mx + r, ex)
                ys += (my - r, my + r, ey)
                cx, cy = ex, ey
        if not xs:
            return None
        h = item.width / 2 if item.stroke else 0
        return (min(xs) - h, min(ys) - h, max(xs) + h, max(ys) + h)
    if isinstance(item, Group):
        return _group_box_moved(item, dx, dy)
    return None


def _group_box_moved(group, dx: float, dy: float):
    """:func:`bbox_moved` of a group: the least and greatest of its members' boxes, from its walk
    (:func:`box_terms`; least and greatest do not depend on the order they are taken in)."""
    return box_moved_terms(box_terms(group.items), dx, dy)


def box_terms(items) -> tuple:
    """What :func:`bbox_moved` of a group of ``items`` reads, walked once: per primitive, in the order that
    function meets them, a path without arcs as (its unmoved box, half its stroke), anything else itself.  A
    glyph drawn at several places (a fold's rows, a measure then a drawing) is boxed from these by
    :func:`box_moved_terms`, to the bit what :func:`bbox_moved` gives."""
    terms = []
    todo = list(items)
    while todo:
        it = todo.pop()
        kind = type(it)
        if kind is Group:
            todo.extend(it.items)
            continue
        if kind is Path:
            box = _lines_box(it.d)
            if box is not None:
                if box:
                    terms.append((box[0], box[1], box[2], box[3], it.width / 2 if it.stroke else 0))
                continue
        terms.append(it)
    return tuple(terms)


def box_moved_terms(terms: tuple, dx: float, dy: float):
    """:func:`bbox_moved` of the group whose :func:`box_terms` are ``terms``, moved by (dx, dy)."""
    x0 = y0 = x1 = y1 = None
    for t in terms:
        if type(t) is tuple:
            b0, b1, b2, b3, h = t
            a0, a1, a2, a3 = b0 + dx - h, b1 + dy - h, b2 + dx + h, b3 + dy + h
        else:
            b = bbox_moved(t, dx, dy)
            if not b:
                continue
            a0, a1, a2, a3 = b
        if x0 is None:
            x0, y0, x1, y1 = a0, a1, a2, a3
            continue
        if a0 < x0:
            x0 = a0
        if a1 < y0:
            y0 = a1
        if a2 > x1:
            x1 = a2
        if a3 > y1:
            y1 = a3
    return None if x0 is None else (x0, y0, x1, y1)
