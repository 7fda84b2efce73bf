"""Layout rules found by looking at the figures: fences hold their operations' wires, scalars carry no stray
wire, 1-length wires are named, broadcast wires stay out of boxes, residual branches stay close to their box.
Each test reads the laid-out scene (where wires, boxes and fences are), not the layout's internals."""
from __future__ import annotations

import pytest

import sphinx_ncd
from sphinx_ncd.layout.scene import Group, Path, Text, bbox_of
from sphinx_ncd.rendering.api import scene

from render_helpers import ROOT, _samples, geometry_problems

GALLERY = ROOT / "demo_docs" / "gallery" / "figures"


def _parse(path):
    return sphinx_ncd.parse(path.read_text(encoding="utf-8"), filename=path.name,
                            search_path=(str(path.parent), str(GALLERY), str(ROOT / "templates")))


def _ops(sc) -> dict[int, tuple]:
    return {int(g.owner.split(":")[1]): bbox_of(g) for g in sc.items if isinstance(g, Group) and g.role == "op"}


def _fences(sc) -> dict[int, tuple]:
    out = {}
    for p in sc.walk():
        if isinstance(p, Path) and p.role == "fence" and p.owner.startswith("group:"):
            out[int(p.owner.split(":")[1])] = bbox_of(p)
    return out


def _wires(sc):
    return [p for p in sc.walk() if isinstance(p, Path) and p.role == "wire" and p.owner.startswith("wire:")]


def _touches(pt, box, tol=1.5):
    return box[0] - tol <= pt[0] <= box[2] + tol and box[1] - tol <= pt[1] <= box[3] + tol


# --- 1. a fence encloses the wires into and between its operations -------------------------------------------------


@pytest.mark.parametrize("name", ["fig20", "fig21", "fig28"])
def test_fence_encloses_the_wires_of_its_operations(name):
    d = _parse(ROOT / "demo_docs" / "figures" / f"{name}.ncd")
    panel = d.panels[-1]  # the body (fig21 draws its collapsed header first)
    sc = scene(d, max_width=None)  # one fence per group (a folded fence is drawn once per row)
    ops, fences = _ops(sc), _fences(sc)
    checked = 0
    for g in panel.groups:
        if g.kind == "repeat" or g.id not in fences:
            continue
        fx0, fy0, fx1, fy1 = fences[g.id]
        members = [ops[op.id] for op in panel.operations if g.id in op.groups and op.id in ops]
        for w in _wires(sc):
            pts = _samples(w.d)
            if not any(_touches(e, b) for e in (pts[0], pts[-1]) for b in members):
                continue
            for x, y in pts:
                if fx0 + 0.5 < x < fx1 - 0.5:
                    checked += 1
                    assert fy0 <= y <= fy1, f"{w.owner} at ({x:.1f}, {y:.1f}) leaves fence {g.title!r}"
    assert checked > 0


# --- 2/3. scalars and 1-length wires ---------------------------------------------------------------------------------


def test_scalar_result_ends_at_its_operation():
    d = _parse(GALLERY / "fig09.ncd")
    sc = scene(d)
    assert geometry_problems(sc) == []
    scalars = {v.id for panel in d.panels for v in panel.outputs if not v.axes}
    assert len(scalars) == 2  # each side of the equation ends in a scalar
    assert not [w.owner for w in _wires(sc) if int(w.owner.split(":")[1].split(".")[0]) in scalars]
    assert not [t for t in sc.walk() if isinstance(t, Text) and t.label.text == "1"]  # and no stray label


def _labels(sc):
    return [t.label.text for t in sc.walk() if isinstance(t, Text) and t.owner.startswith("wire:")]


def test_fig08_output_is_labelled():
    sc = scene(_parse(GALLERY / "fig08.ncd"))
    assert _labels(sc).count("3") == 2  # the input's 3 wire and the output's, at the right edge


def test_scalar_input_keeps_a_labelled_wire():
    # a scalar that feeds an operation keeps its wire, named 1 (fig32's dL)
    sc = scene(_parse(GALLERY / "fig32.ncd"))
    assert "1" in _labels(sc)
    assert geometry_problems(sc) == []


def test_explicit_one_wires_are_labelled():
    d = sphinx_ncd.parse("input X: a b\nY = G X : b -> 1 b\nZ = view Y : 1 b -> b 1\noutput Z\n")
    labels = _labels(scene(d))
    assert labels.count("1") >= 2  # made by G, and again at the output edge


# --- 6. a broadcast wire passes over or under a box, not through it ---------------------------------------------------


@pytest.mark.parametrize("path", [GALLERY / "fig32.ncd", GALLERY / "fig33.ncd", ROOT / "demo_docs" / "figures" /
                                  "fig10.ncd"] + sorted(GALLERY.glob("fig18-*.ncd")), ids=lambda p: p.stem)
def test_broadcast_wire_stays_out_of_the_box(path):
    sc = scene(_parse(path))
    for g in sc.items:
        if not (isinstance(g, Group) and g.role == "op"):
            continue
        boxes = [bbox_of(p) for p in g.items if isinstance(p, Path) and p.role == "box"]
        for b in boxes:
            for p in g.items:
                if not (isinstance(p, Path) and p.role == "wire"):
                    continue
                pts = _samples(p.d)
                # a wire of the glyph running across the whole box (a broadcast) must not be inside it
                if pts[0][0] <= b[0] + 0.5 and pts[-1][0] >= b[2] - 0.5:
                    inner = [y for x, y in pts if b[0] + 1 < x < b[2] - 1]
                    assert all(y <= b[1] + 0.6 or y >= b[3] - 0.6 for y in inner), (g.title, p.d)


# --- 4. a bracket's bound clears wires and separators ----------------------------------------------------------------


def test_repetition_bound_clears_the_separator():
    sc = scene(_parse(GALLERY / "fig22.ncd"))
    assert geometry_problems(sc) == []  # the checker tests a label against every stroke of every separator


def test_checker_catches_a_label_sitting_on_a_separator():
    import dataclasses

    sc = scene(_parse(GALLERY / "fig22.ncd"))
    (a, b) = next((c, e) for p in sc.walk() if isinstance(p, Path) and p.role == "separator"
                  for c, e in zip(p.d, p.d[1:]) if e[0] == "L" and e[1] - c[-2] > 40 and e[2] == c[-1])  # a level run
    text = next(t for t in sc.walk() if isinstance(t, Text) and t.owner.startswith("group:"))
    x, y = (a[-2] + b[1]) / 2, b[2]
    planted = Text(text.label, x, y - 0.2, role="label", owner="planted")  # its descent rests on the line
    problems = geometry_problems(dataclasses.replace(sc, items=sc.items + (planted,)))
    assert any("planted" in p and "separator" in p for p in problems)


# --- 5. a residual's skip branch stays next to its box ----------------------------------------------------------------


ENCODER = """width x
input X: x m
A = F X X : m, m -> m
X = add X A
F = G X : m -> m
X = add X F
output X
"""


def test_residual_skip_branch_runs_level_next_to_its_box():
    d = sphinx_ncd.parse(ENCODER)
    sc = scene(d)
    assert geometry_problems(sc) == []
    panel = d.panels[0]
    boxes = {i: b for i, b in _ops(sc).items()}
    for op in panel.operations:
        if op.kind != "copy":
            continue
        add = next(o for o in panel.operations if o.kind == "add" and any(v in op.outputs for v in o.inputs))
        skip = next(v for v in op.outputs if v in add.inputs)
        box = next(boxes[o.id] for o in panel.operations
                   if o.kind not in ("copy", "add") and any(v in op.outputs for v in o.inputs))
        ys = {round(y, 3) for w in _wires(sc) if w.owner.startswith(f"wire:{skip.id}.") for x, y in _samples(w.d)}
        # every wire of the skip branch runs level, at most one wire pitch (plus the box's margin) from the box
        rows = sorted(ys)
        assert len(rows) == len(skip.axes), rows
        gap = min(abs(box[1] - rows[-1]), abs(rows[0] - box[3]))
        assert gap <= 40, (rows, box)


def test_checker_catches_a_wire_through_a_box():
    import dataclasses

    sc = scene(_parse(ROOT / "demo_docs" / "gallery" / "figures" / "fig06.ncd"))
    box = next(bbox_of(p) for p in sc.walk() if isinstance(p, Path) and p.role == "box")
    y = (box[1] + box[3]) / 2 + 3
    stray = Path((("M", box[0] - 10, y), ("L", box[2] + 10, y)), role="wire", owner="wire:999.0")
    sc2 = dataclasses.replace(sc, items=sc.items + (stray,), anchors=sc.anchors + ((box[0] - 10, y), (box[2] + 10, y)))
    assert any("wire:999.0 runs through the box" in p for p in geometry_problems(sc2))
    assert geometry_problems(sc) == []
