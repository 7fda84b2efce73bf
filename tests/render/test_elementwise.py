"""Element-wise operations are drawn on the segment they act on (the paper's ➤R➤ on its wires).

Over every spec in the repository: each element-wise map or scaling is drawn either as its mark on the wires of
the segment it acts on -- the mark's ink overlaps those wires vertically and no wire of another segment runs
through it -- or, for a scaling right after an inner product, as the arrow leaving that product's cup.  A map right
after a normalisation is drawn in the norm's column, on a wire of the same segment the circle leaves free.
"""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, assume, given, settings

import sphinx_ncd
from sphinx_ncd.layout.columns import _op_title
from sphinx_ncd.layout.scene import Group, Path, Text, bbox_of
from sphinx_ncd.model.types import OpKind
from sphinx_ncd.rendering.api import scene

from render_helpers import _samples, ROOT
from test_random import specs

SPECS = sorted(p for d in ("demo_docs", "templates", "latex", "tests") if (ROOT / d).is_dir()
               for p in (ROOT / d).rglob("*.ncd") if "_build" not in p.parts)
MARKED = (OpKind.ELEMENTWISE, OpKind.SCALE)


def _parse(path):
    return sphinx_ncd.parse(path.read_text(encoding="utf-8"), filename=path.name,
                            search_path=(str(path.parent), str(ROOT / "templates")))


def _ops(d):
    """(op id, its group's title) -> op, over the figure's panels and the block definitions it draws under them
    (ids are per panel)."""
    out = {}
    drawn = [body for _, body in d.blocks if body.header is not None and body.span is not None
             and body.span.file == d.filename and body.operations and all(p is not body for p in d.panels)]
    for p in list(d.panels) + drawn:
        for op in p.operations:
            out[op.id, _op_title(op)] = op
    return out


def _op_of(grp, ops):
    tail = grp.owner[3:]
    return ops.get((int(tail), grp.title)) if tail.lstrip("-").isdigit() else None


def _groups(items, parent=None):
    """(group, the op group it is drawn inside or None) for every op group of the scene."""
    for it in items:
        if isinstance(it, Group):
            if it.role == "op":
                yield it, parent
            yield from _groups(it.items, it if it.role == "op" else parent)


def _flat(items):
    for it in items:
        if isinstance(it, Group):
            yield from _flat(it.items)
        else:
            yield it


def _wire_ys_at(paths, x0, x1):
    """Heights at which the given paths run between x0 and x1."""
    ys = []
    for w in paths:
        ys += [y for x, y in _samples(w.d) if x0 <= x <= x1]
    return ys


def mark_problems(sc, ops) -> list[str]:
    problems = []
    wires = [p for p in sc.walk() if isinstance(p, Path) and p.role == "wire"]
    seen = set()
    for grp, parent in _groups(sc.items):
        op = _op_of(grp, ops)
        if op is None or op.kind not in MARKED:
            continue
        seen.add((op.id, grp.title))
        if parent is not None and op.kind == OpKind.SCALE:  # a scaling drawn as the arrow out of an inner product's cup
            line = next((p for p in grp.items if isinstance(p, Path) and p.role == "glyph"), None)
            start = _samples(line.d)[0] if line is not None else None
            cups = [pt for name, pt in sc.named_anchors.items() if name.startswith(parent.owner + "/cap.")]
            if start is None or not any(abs(start[0] - x) < 0.05 and abs(start[1] - y) < 0.05 for x, y in cups):
                problems.append(f"{op.label or op.kind} ({grp.owner}) is not an arrow out of the cup of {parent.owner}")
            continue
        # a map drawn in a normalisation's column: the segment's wires are the norm's (they carry its value on)
        own = [p for p in _flat((parent or grp).items) if isinstance(p, Path) and p.role == "wire"]
        mark = [p for p in _flat(grp.items) if (isinstance(p, Text) or (isinstance(p, Path) and p.role == "glyph"))]
        boxes = [bbox_of(p) for p in mark]
        x0, y0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
        x1, y1 = max(b[2] for b in boxes), max(b[3] for b in boxes)
        rows = _wire_ys_at(own, x0, x1)
        if not rows or not any(y0 <= y <= y1 for y in rows):
            problems.append(f"{op.label or op.kind} ({grp.owner}): mark at y {y0:.1f}..{y1:.1f} is not on its "
                            f"segment's wires (rows {sorted(set(round(r, 1) for r in rows))})")
        others = [w for w in wires if w not in own]
        hit = [y for y in _wire_ys_at(others, x0, x1) if y0 < y < y1]
        if hit:
            problems.append(f"{op.label or op.kind} ({grp.owner}): a wire of another segment runs through its mark "
                            f"at y {hit[0]:.1f}")
        lo, hi = min(rows), max(rows)
        between = [y for y in _wire_ys_at(others, x0, x1) if lo - 1 < y < hi + 1]
        if between:
            problems.append(f"{op.label or op.kind} ({grp.owner}): another segment's wire at y {between[0]:.1f} "
                            f"lies among the rows of its segment")
    missing = [k for k, op in ops.items() if op.kind in MARKED and k not in seen]
    problems += [f"{ops[k].label or ops[k].kind} (op:{k[0]}) is drawn without its mark" for k in missing]
    return problems


def _spec_param(p):
    return pytest.param(p, id=str(p.relative_to(ROOT)))


@pytest.mark.parametrize("path", [_spec_param(p) for p in SPECS])
def test_every_elementwise_operation_is_drawn_on_its_segment(path):
    try:
        d = _parse(path)
    except sphinx_ncd.NCDError:
        pytest.skip("not a valid spec on its own (an error example or a fragment)")
    assert mark_problems(scene(d), _ops(d)) == []


def test_the_specs_exercise_marks_and_cup_arrows():
    """The repository's specs hold both drawings: marks on segments (SwiGLU's SiLU on its branch) and the
    attention scale as the cup's arrow."""
    d = _parse(ROOT / "tests" / "check" / "specs" / "llama_mlp.ncd")
    sc = scene(d)
    silu = next(op for op in _ops(d).values() if op.kind == OpKind.ELEMENTWISE)
    assert silu.params.function == "silu"
    gate = next(op for op in _ops(d).values() if op.binding == "gate_proj")
    up = next(op for op in _ops(d).values() if op.binding == "up_proj")
    boxes = {g.owner: bbox_of(g) for g, _ in _groups(sc.items)}
    mark = boxes[f"op:{silu.id}"]
    # the SiLU lies within the gate branch's band, above the up branch
    assert mark[3] < boxes[f"op:{up.id}"][1]
    assert mark_problems(sc, _ops(d)) == []
    assert gate.id != up.id
    d = _parse(ROOT / "demo_docs" / "figures" / "fig20.ncd")
    sc = scene(d)
    scale = next(op for op in _ops(d).values() if op.kind == OpKind.SCALE)
    nested = [g for g, parent in _groups(sc.items) if g.owner == f"op:{scale.id}" and parent is not None]
    assert len(nested) == 1 and mark_problems(sc, _ops(d)) == []


def test_a_wire_of_another_segment_through_a_mark_is_reported():
    d = sphinx_ncd.parse("input X: a b\nX = relu X\noutput X\n")
    sc = scene(d)
    relu = next(op for op in _ops(d).values() if op.kind == OpKind.ELEMENTWISE)
    grp = next(g for g, _ in _groups(sc.items) if g.owner == f"op:{relu.id}")
    b = bbox_of(grp)
    y = next(bbox_of(p) for p in _flat(grp.items) if isinstance(p, Text))
    stray = Path((("M", b[0] - 5, (y[1] + y[3]) / 2), ("L", b[2] + 5, (y[1] + y[3]) / 2)), owner="wire:99.0")
    bad = type(sc)(sc.items + (stray,), sc.viewbox, anchors=sc.anchors, named_anchors=sc.named_anchors)
    assert mark_problems(sc, _ops(d)) == []
    assert any("another segment" in p for p in mark_problems(bad, _ops(d)))


def test_a_scaling_drawn_as_the_cups_arrow_is_still_highlighted_and_noted():
    d = _parse(ROOT / "demo_docs" / "figures" / "fig20.ncd")
    scale = next(op for op in _ops(d).values() if op.kind == OpKind.SCALE)
    sc = scene(d, highlights=[(scale.id, "the scores are scaled")])
    arrow = next(g for g, parent in _groups(sc.items) if g.owner == f"op:{scale.id}" and parent is not None)
    assert all(getattr(p, "fill", None) == "alert" or getattr(p, "stroke", None) == "alert" for p in arrow.items)
    note = [p for p in sc.walk() if isinstance(p, Text) and p.owner == f"op:{scale.id}" and p.fill == "alert"
            and "scaled" in p.label.text]
    assert note and note[0].y > bbox_of(arrow)[3]  # the note is drawn under it, joined by its leader


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(specs())
def test_random_specs_draw_their_marks_on_their_segments(text):
    try:
        d = sphinx_ncd.parse(text)
    except sphinx_ncd.NCDError:
        assume(False)
        return
    assert mark_problems(scene(d), _ops(d)) == []
