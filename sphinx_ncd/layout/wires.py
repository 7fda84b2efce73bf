"""Layout (stage 3): wire routing -- runs from where a wire starts to where it ends, as paths.

:class:`WireRuns` follows every wire through the columns (level where it can, S-bends where it moves) and
emits one path per run; :func:`permute` brings wires into a state's order; :func:`continue_arrow` ends a wire
carried to the next row of a folded panel; :class:`MeasureRuns` only follows which wires are open (a pass
that measures).  :class:`PanelOut` is the record one column pass fills, :class:`PassCache` what the passes over
one panel share (glyphs, steps' plans).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..model.types import AxisKind
from .geometry import bend_length, TANDEM_OFFSETS, TANDEM_WIRE, WIRE, wire_path
from .rows import stack_values
from .scene import Path


__all__ = ["STUB", "ARROW_TIP", "ARROW_NOTCH", "ARROW_HALF", "PanelOut", "PassCache", "WireRuns", "MeasureRuns",
           "permute", "continue_arrow"]

STUB = 4.0  # straight wire between a glyph and the next state column


ARROW_TIP = 7.0  # a continued wire's arrowhead: from the wire's end to its tip


ARROW_NOTCH = 2.5  # ... and back from the wire's end to its barbs


ARROW_HALF = 3.6  # ... half its height


class PassCache(dict):
    """What the passes over one panel share: op id -> (its rows, its glyph), and in ``plans`` each step's plan
    (the order, rows and heights of its items and its zones' lengths) by all that the plan reads (see
    :func:`.columns.step_column`), so a step that a later pass meets with the same rows coming in is not planned
    again."""

    __slots__ = ("plans", "reserves", "shapes")

    def __init__(self):
        super().__init__()
        self.plans: dict = {}
        self.reserves: dict = {}  # id(section) -> :func:`.rows.reserve_below` of it
        self.shapes: dict = {}  # glyphs by all they are drawn from but ids (see :mod:`.glyph_memo`)


@dataclass
class PanelOut:
    items: list = field(default_factory=list)  # back to front: fences, wires, separators, glyphs, labels
    #: where a wire may end: a glyph's ports, the panel's edges (not every wire's ends: a check against those
    #: could never fail)
    anchors: list = field(default_factory=list)
    named: dict = field(default_factory=dict)  # "op:<id>/<glyph anchor name>" -> point
    align_y: float = 0.0
    op_boxes: dict = field(default_factory=dict)  # op id -> absolute bbox
    op_ports: dict = field(default_factory=dict)  # op id -> list of absolute port points
    #: (points, op id it starts at or None, op id it ends at or None, owner "wire:<value id>.<row>")
    wire_ops: list = field(default_factory=list)
    run_spans: list = field(default_factory=list)  # cache of _run_spans
    section_x: dict = field(default_factory=dict)  # section index -> (x where it begins, x where it ends)
    edge_in: dict = field(default_factory=dict)  # owner -> (x, y): wires that begin at the left edge
    edge_out: dict = field(default_factory=dict)  # owner -> (x, y): wires that end at the right edge
    edge_style: dict = field(default_factory=dict)  # owner -> wire style, for those
    #: op id -> (its rows, its glyph): shared by the passes over one panel (the unfolded strip, then its rows), so
    #: an operation whose rows come out the same is drawn once
    glyphs: dict = field(default_factory=PassCache)
    measure: bool = False  # a pass that only measures (folding's look at the unfolded strip): no primitives made
    #: the ink box of the wire paths drawn (what :func:`.scene.bbox_of` gives for them: a wire's bends keep their
    #: control points between its points), kept as they are made so the panel's box need not walk them again
    wire_box: tuple | None = None
    #: each wire path's own ink box (as :func:`.scene.bbox_of` gives it), in the order of the paths
    wire_inks: list = field(default_factory=list)


def _wire_style(axis, alert: bool) -> dict:
    """A wire's style: ``{"stroke": role, "tandem": doubled}``, one shared (read-only) dict per style."""
    stroke = "alert" if alert else ("tangent" if getattr(axis, "tangent", False) else "ink")
    tandem = getattr(axis, "kind", None) == AxisKind.TANDEM
    style = _STYLES.get((stroke, tandem))
    if style is None:
        style = _STYLES[stroke, tandem] = {"stroke": stroke, "tandem": tandem}
    return style


_STYLES: dict = {}  # (stroke, tandem) -> the style dict (never changed by its readers)


class WireRuns:
    """Wire runs: a wire from where it starts (input edge or output port) to where it ends (port or output edge)."""

    def __init__(self, out: PanelOut):
        self.out = out
        self.runs: dict[tuple[int, int], list] = {}  # (value id, row) -> [points, style, owner]
        self.paths: list = []
        self.silent: set = set()  # values drawn without a wire

    def start(self, key, x, y, axis, alert=False, op=None, to_x=None):
        """Begin the wire ``key`` at (x, y); ``to_x``: and run it level to there (as :meth:`to` would)."""
        if key[0] in self.silent:
            return
        pts = [(x, y)]
        if to_x is not None and (x - to_x > 1e-9 or x - to_x < -1e-9):
            pts.append((to_x, y))
        self.runs[key] = [pts, _wire_style(axis, alert), f"wire:{key[0]}.{key[1]}", op, None]

    def level(self, key, x0, x1, y):
        """:meth:`to` (x0, y), then :meth:`to` (x1, y)."""
        run = self.runs.get(key)
        if run is None:
            return
        pts = run[0]
        lx, ly = pts[-1]
        dx, dy = lx - x0, ly - y  # (apart by more than 1e-9 in x or y: abs() > 1e-9, no calls)
        if dx > 1e-9 or dx < -1e-9 or dy > 1e-9 or dy < -1e-9:
            pts.append((x0, y))
            lx, ly = x0, y
        dx, dy = lx - x1, ly - y  # (apart by more than 1e-9 in x or y: abs() > 1e-9, no calls)
        if dx > 1e-9 or dx < -1e-9 or dy > 1e-9 or dy < -1e-9:
            pts.append((x1, y))

    def to(self, key, x, y):
        run = self.runs.get(key)
        if run is None:
            return
        pts = run[0]
        if abs(pts[-1][0] - x) > 1e-9 or abs(pts[-1][1] - y) > 1e-9:
            pts.append((x, y))

    def end(self, key, x, y, op=None, via_x=None):
        """End the wire ``key`` at (x, y) (``via_x``: level at y from there on, as :meth:`to` would)."""
        run = self.runs.pop(key, None)
        if run is None:
            return
        run[4] = op
        pts = run[0]
        lx, ly = pts[-1]
        if via_x is not None:
            dx, dy = lx - via_x, ly - y  # (apart by more than 1e-9 in x or y: abs() > 1e-9, no calls)
            if dx > 1e-9 or dx < -1e-9 or dy > 1e-9 or dy < -1e-9:
                pts.append((via_x, y))
                lx, ly = via_x, y
        dx, dy = lx - x, ly - y  # (apart by more than 1e-9 in x or y: abs() > 1e-9, no calls)
        if dx > 1e-9 or dx < -1e-9 or dy > 1e-9 or dy < -1e-9:
            pts.append((x, y))
        self._emit(run)

    @staticmethod
    def to_run(run, x, y):
        pts = run[0]
        lx, ly = pts[-1]
        dx, dy = lx - x, ly - y  # (apart by more than 1e-9 in x or y: abs() > 1e-9, no calls)
        if dx > 1e-9 or dx < -1e-9 or dy > 1e-9 or dy < -1e-9:
            pts.append((x, y))

    def _emit(self, run):
        pts, style, owner, op_from, op_to = run
        out = self.out
        if len(pts) < 2 or out.measure:
            return
        out.wire_ops.append((pts, op_from, op_to, owner))
        x0, y0 = x1, y1 = pts[0]  # the least and greatest met first, as min() and max() keep them
        for x, y in pts:
            if x < x0:
                x0 = x
            elif x > x1:
                x1 = x
            if y < y0:
                y0 = y
            elif y > y1:
                y1 = y
        if style["tandem"]:
            h = TANDEM_WIRE / 2
            for off in TANDEM_OFFSETS:
                self.paths.append(Path(wire_path([(x, y + off) for x, y in pts]), style["stroke"], None,
                                       TANDEM_WIRE, None, "wire", owner))
                self._ink((x0 - h, y0 + off - h, x1 + h, y1 + off + h))
        else:
            self.paths.append(Path(wire_path(pts), style["stroke"], None, WIRE, None, "wire", owner))
            h = WIRE / 2
            self._ink((x0 - h, y0 - h, x1 + h, y1 + h))

    def _ink(self, box) -> None:
        self.out.wire_inks.append(box)
        b = self.out.wire_box
        if b is not None:  # min() and max() of each side, the box so far winning ties
            box = (box[0] if box[0] < b[0] else b[0], box[1] if box[1] < b[1] else b[1],
                   box[2] if box[2] > b[2] else b[2], box[3] if box[3] > b[3] else b[3])
        self.out.wire_box = box

    def finish(self, x):
        for key in sorted(self.runs):
            run = self.runs[key]
            self.to_run(run, x, run[0][-1][1])
            self.out.anchors.append((x, run[0][-1][1]))  # the panel's right edge
            self.out.edge_out[run[2]] = (x, run[0][-1][1])
            self.out.edge_style[run[2]] = run[1]
            self._emit(run)
        self.runs.clear()


class MeasureRuns(WireRuns):
    """The wires of a pass that only measures: which are open (the panel's edges), not where they run."""

    def to(self, key, x, y):
        pass

    def level(self, key, x0, x1, y):
        pass

    def end(self, key, x, y, op=None, via_x=None):
        self.runs.pop(key, None)


def permute(values, ypos, x, wires: WireRuns) -> float:
    """Bring the wires into the state's own top-to-bottom order when the step left them otherwise.

    Steps already place their items in the next state's order; this catches what
    they cannot (one operation's outputs listed apart by an ``order`` or
    ``output`` statement).  The wires cross in S-bends before the state column.
    """
    if len(values) < 2:  # a single value is always in order
        return x
    placed = [v for v in values if v.id in ypos]
    tops = [ypos[v.id][0] for v in placed]
    if all(a < b for a, b in zip(tops, tops[1:])):
        return x
    restacked = stack_values(placed, min(tops))
    travel = max(abs(a - b) for v in placed for a, b in zip(ypos[v.id], restacked[v.id]))
    x1 = x + bend_length(travel)
    for v in placed:
        for j, (y0, y1) in enumerate(zip(ypos[v.id], restacked[v.id])):
            wires.to((v.id, j), x, y0)
            wires.to((v.id, j), x1, y1)
        ypos[v.id] = restacked[v.id]
    return x1


def continue_arrow(x: float, y: float, style: dict, owner: str) -> Path:
    """The paper's arrowhead where a wire leaves a folded row: its notch on the wire's end at ``x``."""
    h = ARROW_HALF + (1.0 if style.get("tandem") else 0.0)
    return Path((("M", x - ARROW_NOTCH, y - h), ("L", x + ARROW_TIP, y), ("L", x - ARROW_NOTCH, y + h),
                 ("L", x, y), ("Z",)), stroke=None, fill=style.get("stroke", "ink"), role="arrow", owner=owner)
