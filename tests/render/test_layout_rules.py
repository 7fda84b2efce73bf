"""Layout rules that carry meaning: the model's row order, declared glyph styles, groups that enclose exactly
their operations, level tuple separators.  Each test reads the laid-out scene the way a reader reads the
drawing (where wires and boxes are), not the layout's internals."""
from __future__ import annotations

import pytest

import sphinx_ncd
from sphinx_ncd.layout.scene import Circle, Group, Path, Text, bbox_of
from sphinx_ncd.rendering.api import scene

from render_helpers import ROOT, geometry_problems


def _scene(text, **kw):
    d = sphinx_ncd.parse(text, **kw)
    return d, scene(d)


def _ops(sc) -> dict[int, Group]:
    return {int(g.owner.split(":")[1]): g for g in sc.items if isinstance(g, Group) and g.role == "op"}


def _right_ends(sc, value) -> list[float]:
    """y of each wire of ``value`` where it leaves the drawing on the right."""
    ys = {}
    for p in sc.walk():
        if isinstance(p, Path) and p.role == "wire" and p.owner.startswith(f"wire:{value.id}."):
            last = p.d[-1]
            x, y = (last[1], last[2]) if last[0] in ("M", "L") else (last[5], last[6])
            j = int(p.owner.split(".")[1])
            ys.setdefault(j, (x, y))
            if x > ys[j][0]:
                ys[j] = (x, y)
    return [ys[j][1] for j in sorted(ys)]


def _first_label_y(sc, text) -> float:
    """y of the leftmost wire label ``text`` (where that wire is first named)."""
    hits = [(t.x, t.y) for t in sc.walk() if isinstance(t, Text) and t.label.text == text
            and t.owner.startswith("wire:")]
    return min(hits)[1]


# --- 1. rows follow the model's memory-state order ----------------------------------------------------------------


def test_order_statement_sets_the_rows_of_the_next_state():
    # G runs on the top input, H on the bottom one; `order Q, P` puts H's result on top
    d, sc = _scene("input A: a, B: b\nP = G A : a -> c\nQ = H B : b -> e\norder Q, P\nR = F P : c -> f\n"
                   "output Q, R\n")
    state = d.states[1]
    assert [v.name for v in state.values] == ["Q", "P"]
    ye, yc = _first_label_y(sc, "e"), _first_label_y(sc, "c")
    assert ye < yc  # Q's wire (e) is drawn above P's (c)
    assert geometry_problems(sc) == []


def test_output_order_sets_the_rows_at_the_right_edge():
    d, sc = _scene("input A: a, B: b\nP = relu A\nQ = relu B\noutput Q, P\n")
    q, p = d.main.outputs
    assert (q.name, p.name) == ("Q", "P")
    assert _right_ends(sc, q)[0] < _right_ends(sc, p)[0]
    assert geometry_problems(sc) == []


def test_outputs_of_one_operation_listed_apart_are_reordered():
    d, sc = _scene("input Y: a\nP, Q = F Y : a -> e, f\nR = G Y : a -> g\noutput Q, R, P\n")
    tops = [_right_ends(sc, v)[0] for v in d.main.outputs]
    assert [v.name for v in d.main.outputs] == ["Q", "R", "P"]
    assert tops == sorted(tops)
    assert geometry_problems(sc) == []


@pytest.mark.parametrize("name", ["fig21", "fig26", "fig27", "fig28"])
def test_figure_outputs_keep_the_model_order(name):
    path = ROOT / "demo_docs" / "figures" / f"{name}.ncd"
    d, sc = _scene(path.read_text(encoding="utf-8"), filename=path.name)
    for panel in d.panels:
        tops = [_right_ends(sc, v)[0] for v in panel.outputs if _right_ends(sc, v)]
        assert tops == sorted(tops)


# --- 2. `def ... style` chooses the glyph ------------------------------------------------------------------------------


STYLES = """def G : 3 -> 2 style circle
def B : a -> a style bare
def K : m -> n style box
def W : m -> n learned+ style circle
input X: 4 3, Y: a, E: y m, F: c m
Z = G X
U = B Y
P = K E
Q = W F
output Z, U, P, Q
"""


def _kinds(group: Group) -> tuple[int, int]:
    """(circles, polygon boxes) drawn as the operation's box."""
    circles = sum(1 for p in group.items if isinstance(p, Circle) and p.role == "box")
    boxes = sum(1 for p in group.items if isinstance(p, Path) and p.role == "box")
    return circles, boxes


def test_def_style_selects_the_glyph():
    d, sc = _scene(STYLES)
    ops = _ops(sc)
    by_label = {op.label: ops[op.id] for op in d.operations if op.id in ops}
    assert _kinds(by_label["G"]) == (1, 0)  # a circle, no box
    assert _kinds(by_label["B"]) == (0, 0)  # a bare label on the wire
    assert _kinds(by_label["K"]) == (0, 1)  # the ordinary box
    circles = [p for p in by_label["W"].items if isinstance(p, Circle) and p.role == "box"]
    assert len(circles) == 1 and circles[0].fill == "learned"  # learned: the learned tint, bold label
    assert any(isinstance(t, Text) and t.label.text.startswith("G") for t in by_label["G"].items)
    assert geometry_problems(sc) == []


def test_bare_style_label_sits_on_its_wire():
    d, sc = _scene("def B : a -> a style bare\ninput Y: a\nU = B Y\noutput U\n")
    op = d.operations[0]
    grp = _ops(sc)[op.id]
    (t,) = [t for t in grp.items if isinstance(t, Text)]
    wires = [p for p in grp.items if isinstance(p, Path) and p.role == "wire"]
    y_wire = wires[0].d[0][2]
    top, bottom = t.bbox[1], t.bbox[3]
    assert top < y_wire < bottom  # the label interrupts the wire, it does not float above it
    assert geometry_problems(sc) == []


# --- 3. fences and brackets enclose exactly their operations -------------------------------------------------------


def _group_extents(sc):
    out = {}
    for p in sc.walk():
        if isinstance(p, Path) and p.role in ("bracket", "fence") and p.owner.startswith("group:"):
            b = bbox_of(p)
            gid = int(p.owner.split(":")[1])
            o = out.get(gid)
            out[gid] = b if o is None else (min(o[0], b[0]), min(o[1], b[1]), max(o[2], b[2]), max(o[3], b[3]))
    return out


REPEAT_LAST = """tandem x
let x_{\\lambda+1} = x_\\lambda/2
input X: b c_0 x_0
repeat \\lambda = 0..3 {
  fence "Down" {
    X = conv+ X over x_\\lambda : c_\\lambda -> c_{\\lambda+1} kernel 3 padding 1
    X = relu X
  }
  save X to C_\\lambda
  X = maxpool X over x_\\lambda kernel 2
}
"""


def _fig(name):
    path = ROOT / "demo_docs" / name
    return path.read_text(encoding="utf-8"), path.name


SIDE_BY_SIDE = """input Y: y m, X: x m
repeat N {
  X = F X : m -> m
}
repeat N {
  Y = Decoder Y X : m, x m -> m
}
output Y
"""


# one panel, no block definitions drawn under it: operation ids are unique in the scene
@pytest.mark.parametrize("case", ["fig27", "repeat-last", "side-by-side"])
def test_groups_enclose_exactly_their_operations(case):
    if case == "repeat-last":
        text, name = REPEAT_LAST, "<spec>"
    elif case == "side-by-side":
        text, name = SIDE_BY_SIDE, "<spec>"
    else:
        text, name = _fig(f"figures/{case}.ncd")
    d = sphinx_ncd.parse(text, filename=name, search_path=(str(ROOT / "demo_docs" / "gallery" / "figures"),))
    sc = scene(d, max_width=None)  # one bracket per group (a folded one is drawn open on each row)
    ops = _ops(sc)
    extents = _group_extents(sc)
    panel_ops = [op for p in d.panels for op in p.operations]
    checked = 0
    for panel in d.panels:
        for g in panel.groups:
            if g.id not in extents:
                continue
            ext = extents[g.id]
            for op in panel_ops:
                if op.id not in ops or op.id < 0:
                    continue
                b = bbox_of(ops[op.id])
                if g.id in op.groups and op in panel.operations:
                    assert ext[0] < b[0] and b[2] < ext[2], f"group {g.id} ({g.kind}) cuts op {op!r}"
                    checked += 1
                elif op in panel.operations and g.kind == "repeat":
                    # a bracket never reaches over an operation outside its repetition
                    assert b[2] <= ext[0] or b[0] >= ext[2] or b[3] <= ext[1] or b[1] >= ext[3], \
                        f"repetition {g.id} overlaps op {op!r} outside it"
    assert checked


def test_pooling_last_in_a_repetition_is_inside_its_brackets():
    d, sc = _scene(REPEAT_LAST)
    ops = _ops(sc)
    (rep,) = [g for g in d.main.groups if g.kind == "repeat"]
    pool = next(op for op in d.operations if op.kind == "pool")
    brackets = sorted((bbox_of(p) for p in sc.walk() if isinstance(p, Path) and p.role == "bracket"
                       and p.owner == f"group:{rep.id}"), key=lambda b: b[0])
    assert len(brackets) == 2
    box = bbox_of(ops[pool.id])
    assert brackets[0][2] < box[0] and box[2] < brackets[1][0]


# --- 6. residual: level separators, a fence clear of them ---------------------------------------------------------


RESIDUAL = """input X: c
fence "Residual" {
  R = norm X over c
  R = L R : c -> c
  R = relu R
}
X = add X R
output X
"""


def test_residual_separator_runs_level_and_clear_of_the_fence():
    d, sc = _scene(RESIDUAL)
    seps = [p for p in sc.walk() if isinstance(p, Path) and p.role == "separator"]  # one line, of joined pieces
    assert seps
    ys = {round(c[-1], 3) for p in seps for c in p.d if c[0] in ("M", "L", "C")}
    assert len(ys) == 1, f"the separator between the branches jogs: {sorted(ys)}"
    (y_sep,) = ys
    fence = [bbox_of(p) for p in sc.walk() if isinstance(p, Path) and p.role == "fence"]
    assert fence and all(b[3] < y_sep - 2 for b in fence)
    assert geometry_problems(sc) == []


# --- 4. a copy leaves its branches where their consumers will need them -------------------------------------------


def _level(p: Path) -> bool:
    ys = {round(c[2], 3) for c in p.d if c[0] in ("M", "L")} | {round(c[6], 3) for c in p.d if c[0] == "C"}
    return len(ys) == 1


@pytest.mark.parametrize("case", ["two-maps", "fig21"])
def test_copy_branches_run_straight_into_growing_consumers(case):
    if case == "fig21":
        text, name = _fig("figures/fig21.ncd")
    else:
        text, name = "input X: x m\nK = L^K X : m -> k h\nV = L^V X : m -> k h\noutput K, V\n", "<spec>"
    d, sc = _scene(text, filename=name)
    copies = [op for op in d.main.operations if op.kind == "copy"]
    assert copies
    consumed = {v.id for op in d.main.operations if op.kind == "learned" for v in op.inputs}
    branches = [v for op in copies for v in op.outputs if v.id in consumed]
    assert len(branches) == 2
    for v in branches:
        runs = [p for p in sc.walk() if isinstance(p, Path) and p.role == "wire"
                and p.owner.startswith(f"wire:{v.id}.")]
        assert runs and all(_level(p) for p in runs), f"branch {v!r} bends between the copy and its map"
    assert geometry_problems(sc) == []
