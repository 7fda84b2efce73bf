"""The shapes of the wiring glyphs, as the paper draws them: an addition's symmetric join, a concatenation's
bar on the concatenated axis only, a convolution's spatial wire straight over the map box."""
from __future__ import annotations

import sphinx_ncd
from sphinx_ncd.layout.crossings import dots_of
from sphinx_ncd.layout.scene import Circle, Group, Path, Text, bbox_of
from sphinx_ncd.rendering.api import scene

from render_helpers import _samples, crossing_problems, geometry_problems, ROOT


def _group(d, sc, kind):
    """The op group of the diagram's (first) operation of ``kind``."""
    op = next(op for op in d.panels[0].operations if op.kind == kind)
    stack = [it for it in sc.items if isinstance(it, Group)]
    while stack:
        g = stack.pop()
        if g.role == "op" and g.owner == f"op:{op.id}":
            return g
        stack += [i for i in g.items if isinstance(i, Group)]
    raise AssertionError(f"no {kind} in the scene")


def _flat(items):
    for it in items:
        if isinstance(it, Group):
            yield from _flat(it.items)
        else:
            yield it


def test_an_addition_of_two_branches_is_a_symmetric_join():
    d = sphinx_ncd.parse("input x: a, y: a\ns = add x y\noutput s\n")
    sc = scene(d)
    add = _group(d, sc, "add")
    dot = next(p for p in add.items if isinstance(p, Circle))
    ins = [p for p in add.items if isinstance(p, Path) and p.role == "wire" and _samples(p.d)[-1][0] == dot.cx]
    starts = sorted(_samples(p.d)[0][1] for p in ins)
    assert len(starts) == 2 and abs((starts[0] + starts[1]) / 2 - dot.cy) < 1e-6  # the sum midway
    plus = next(p for p in add.items if isinstance(p, Text) and p.label.text == "+")
    sep = next(p for p in add.items if isinstance(p, Path) and p.role == "separator")
    pb = bbox_of(plus)
    assert pb[0] < dot.cx and pb[1] < dot.cy < pb[3]  # the '+' on the dashed line, before the dot
    end = _samples(sep.d)[-1]
    assert abs(end[1] - dot.cy) < 1e-6 and end[0] <= pb[0]  # the dashed line runs level into it
    assert plus.label.size >= 12  # legible, not the thin 8.5
    assert geometry_problems(sc) == []


def test_tuples_added_cross_clear_of_the_dots():
    sc = scene(sphinx_ncd.parse("input X: b m, Y: b m\nZ = add X Y\noutput Z\n"))
    assert len([d for d in dots_of(sc) if d.owner.startswith("op:")]) == 2
    assert crossing_problems(sc) == [] and geometry_problems(sc) == []


def test_a_residual_keeps_its_main_line_straight_with_the_plus_above():
    d = sphinx_ncd.parse("input X: n m\nY = L X : m -> m\nZ = add X Y\noutput Z\n")
    sc = scene(d)
    add = _group(d, sc, "add")
    dots = sorted((p for p in add.items if isinstance(p, Circle)), key=lambda d: d.cy)
    plus = next(p for p in add.items if isinstance(p, Text) and p.label.text == "+")
    pb = bbox_of(plus)
    assert pb[3] < dots[0].cy - dots[0].r and pb[0] < dots[0].cx < pb[2]  # above the top dot
    assert not [p for p in add.items if isinstance(p, Path) and p.role == "separator"]  # none runs into it


CONCAT = "input A: b c x, B: b c x\nC = concat A B over c\noutput C\n"


def test_a_concatenation_bar_spans_only_the_concatenated_axis():
    d = sphinx_ncd.parse(CONCAT)
    sc = scene(d)
    cat = _group(d, sc, "concat")
    bar = next(p for p in cat.items if isinstance(p, Path) and p.role == "box")
    b = bbox_of(bar)
    op = d.panels[0].operations[-1]
    dots = sorted((p for p in cat.items if isinstance(p, Circle)), key=lambda c: c.cy)
    assert len(dots) == 2  # b and x, the shared axes, meet in dots
    rows = sorted({round(_samples(p.d)[-1][1], 3) for p in _flat(sc.items)
                   if isinstance(p, Path) and p.role == "wire" and p.owner.startswith("wire:")
                   and _samples(p.d)[-1][0] > b[2] + 20})
    assert len(rows) == 3 and [round(dots[0].cy, 3), round(dots[1].cy, 3)] == [rows[0], rows[2]]
    assert b[1] > rows[0] and b[3] < rows[2]  # the bar lies between the b and x rows: on c only
    assert b[1] < rows[1] < b[3]
    assert op.kind == "concat" and geometry_problems(sc) == [] and crossing_problems(sc) == []


def test_a_convolution_draws_its_spatial_wire_straight_over_the_map_box():
    path = ROOT / "demo_docs" / "gallery" / "figures" / "fig24-conv.ncd"
    d = sphinx_ncd.parse(path.read_text(encoding="utf-8"), filename=path.name)
    sc = scene(d)
    conv = _group(d, sc, "conv")
    box = max((bbox_of(p) for p in conv.items if isinstance(p, Path) and p.role == "box"),
              key=lambda bb: bb[0])  # the map box (right of the star tensor)
    over = [p for p in conv.items if isinstance(p, Path) and p.role == "wire" and "/over" in p.owner]
    crossing = [p for p in over if _samples(p.d)[0][0] < box[0] and _samples(p.d)[-1][0] > box[2]]
    assert crossing
    for p in crossing:
        ys = [y for x, y in _samples(p.d) if box[0] - 1 <= x <= box[2] + 1]
        assert max(ys) - min(ys) < 1e-6  # level over the box: no kink inside it
