"""The big figures' rows as the paper sets them at column width, and the drawing rules that make them fit.

The paper's identity ResNet (figure 26) draws the net on one row and each Block on two; its normalisations and
their activations share a column (➤R➤ beside the circle); every addition that closes a residual puts its ``+``
above the top dot; its global average pool shows its output size and window.  These tests hold the rules, on
small specs of their own and on the figures, at the default width.
"""
from __future__ import annotations

import sphinx_ncd
from sphinx_ncd.layout.assemble import _fold_panel
from sphinx_ncd.layout.geometry import MARGIN
from sphinx_ncd.layout.scene import Circle, Group, Path, Text, bbox_of
from sphinx_ncd.model.types import OpKind
from sphinx_ncd.rendering.api import DEFAULT_MAX_WIDTH, scene

from render_helpers import ROOT, geometry_problems, op_groups

FIG26 = ROOT / "demo_docs" / "figures" / "fig26.ncd"
FIG22 = ROOT / "demo_docs" / "gallery" / "figures" / "fig22.ncd"


def _parse(path):
    return sphinx_ncd.parse(path.read_text(encoding="utf-8"), filename=path.name)


def _rows(panel) -> int:
    return _fold_panel(panel, {}, DEFAULT_MAX_WIDTH - 2 * MARGIN).rows


def _block(d, name):
    return next(body for n, body in d.blocks if n == name)


def test_fig26_net_on_one_row_and_its_block_on_two():
    """Was two rows for the net and four for the Block (1223 px tall at 736 px against the paper's 663)."""
    d = _parse(FIG26)
    assert _rows(d.panels[0]) == 1
    assert _rows(_block(d, "Block")) == 2
    sc = scene(d)
    assert sc.viewbox[2] <= DEFAULT_MAX_WIDTH + 1.5
    assert geometry_problems(sc) == []


def test_fig22_masked_attention_keeps_its_output_map_on_its_row():
    """Its fence was cut to leave L^O alone on a second row."""
    assert _rows(_block(_parse(FIG22), "MaskedMultiHeadAttention")) == 1


def _norm_and_relu(spec: str):
    d = sphinx_ncd.parse(spec, filename="t.ncd")
    ops = {op.kind: op for op in d.panels[0].operations}
    groups = op_groups(scene(d).items)
    return groups[f"op:{ops[OpKind.NORM].id}"], groups[f"op:{ops[OpKind.ELEMENTWISE].id}"]


def test_an_activation_after_a_norm_shares_its_column():
    norm, relu = _norm_and_relu("input X: b n c\nX = norm X over n\nX = relu X\noutput X\n")
    assert relu in norm.items  # drawn by the norm's glyph, owned by the map (its title, its highlight)
    nb, rb = bbox_of(norm), bbox_of(relu)
    assert nb[0] <= rb[0] and rb[2] <= nb[2]  # one column
    circle = next(p for p in norm.items if isinstance(p, Circle))
    assert rb[1] > circle.cy + circle.r  # on a wire the circle leaves free (c, under it)
    assert relu.title.startswith("ReLU")


def test_an_activation_with_no_free_wire_keeps_its_own_column():
    norm, relu = _norm_and_relu("input X: n\nX = norm X over n\nX = relu X\noutput X\n")
    assert relu not in norm.items
    assert bbox_of(relu)[0] >= bbox_of(norm)[2]


def test_every_residual_add_puts_its_plus_above_its_top_dot():
    """Fig 26's first addition in the Block (a learned shortcut and the residual branch, both from one copy) had
    its "+" at the end of a dashed line about 50 px left of its dots; the last had it above the dot."""
    d = _parse(FIG26)
    adds = [op for op in _block(d, "Block").operations if op.kind == OpKind.ADD]
    groups = op_groups(scene(d).items)
    assert len(adds) == 2
    for op in adds:
        grp = groups[f"op:{op.id}"]
        dots = [p for p in grp.items if isinstance(p, Circle)]
        top = min(dots, key=lambda c: c.cy)
        plus = next(t for t in grp.items if isinstance(t, Text) and t.label.text == "+")
        x0, y0, x1, y1 = bbox_of(plus)
        assert abs((x0 + x1) / 2 - top.cx) < 1.0 and y1 < top.cy - top.r


def test_a_global_pooling_shows_its_output_size_and_window():
    d = _parse(FIG26)
    pool = next(op for op in d.panels[0].operations if op.kind == OpKind.POOL)
    grp = op_groups(scene(d).items)[f"op:{pool.id}"]
    texts = {t.label.text for t in grp.items if isinstance(t, Text)}
    assert any(t.startswith("1") and "2" in t for t in texts)  # 1², as the paper
    assert any("Y" in t and "/4" in t for t in texts)  # the window: the whole input, Ȳ/4


def test_a_repetition_bound_stands_above_its_closing_bracket():
    sc = scene(sphinx_ncd.parse("input X: a\nrepeat N {\n  X = relu X\n}\noutput X\nsizes N=3\n", filename="t.ncd"))
    brackets = [bbox_of(p) for p in sc.walk() if isinstance(p, Path) and p.role == "bracket"]
    bound = next(t for t in sc.walk() if isinstance(t, Text) and t.owner.startswith("group:"))
    closing = max(brackets, key=lambda b: b[0])
    tb = bbox_of(bound)
    assert tb[3] <= closing[1] + 0.5 and tb[2] <= closing[2] + 0.5  # above it, not beside it
    assert geometry_problems(sc) == []


def test_a_fence_title_never_reaches_over_the_next_glyph():
    """A one-column fence with a long title was drawn as wide as its title, over the next operation."""
    d = sphinx_ncd.parse('input X: a b\nfence "A fence with a long title" {\n  X = norm X over a\n}\n'
                         'X = softmax X over b\noutput X\n', filename="t.ncd")
    sc = scene(d)
    fence = next(p for p in sc.walk() if isinstance(p, Path) and p.role == "fence")
    soft = next(op for op in d.panels[0].operations if op.kind == OpKind.SOFTMAX)
    assert bbox_of(fence)[2] < bbox_of(op_groups(sc.items)[f"op:{soft.id}"])[0]
    assert geometry_problems(sc) == []


def test_fig27_folds_into_two_rows():
    """The U-Net took three rows and a lone double convolution (802 px with notes against the paper's 708): its
    ➤R➤ now ride over their ★3 boxes, as the paper draws them."""
    for name in ("fig27", "fig27-notes"):
        d = _parse(ROOT / "demo_docs" / "figures" / f"{name}.ncd")
        assert _rows(d.panels[0]) == 2
        assert geometry_problems(scene(d)) == []


def _conv_and_relu(spec: str):
    d = sphinx_ncd.parse(spec, filename="t.ncd")
    ops = {op.kind: op for op in d.panels[0].operations}
    groups = op_groups(scene(d).items)
    conv = groups[f"op:{ops[OpKind.CONV].id}"]
    box = next(bbox_of(p) for p in conv.items if isinstance(p, Path) and p.role == "box")
    return conv, groups[f"op:{ops[OpKind.ELEMENTWISE].id}"], box


def test_an_activation_after_a_convolution_rides_over_its_box():
    conv, relu, box = _conv_and_relu("input X: b c x\nX = conv+ X over x : c -> c kernel 3 padding 1\nX = relu X\n"
                                     "output X\n")
    assert relu in conv.items
    rb = bbox_of(relu)
    assert rb[3] < box[1] and rb[0] < (box[0] + box[2]) / 2 < rb[2]  # on b, above the box, centred on it


def test_an_activation_with_no_wire_over_the_box_follows_it_in_its_column():
    conv, relu, box = _conv_and_relu("input X: c x\nX = conv+ X over x : c -> c kernel 3 padding 1\nX = relu X\n"
                                     "output X\n")
    assert relu in conv.items and bbox_of(relu)[0] >= box[2]


def _walk(items):
    for it in items:
        yield it
        if isinstance(it, Group):
            yield from _walk(it.items)


def test_fig26_tints_every_norm_and_activation():
    """The paper tints each of the Block's six norm-and-activate columns; only the first was (the others sit
    inside the Residual Component's fence, so each needs a tint nested in another fence)."""
    items = list(_walk(scene(_parse(FIG26)).items))
    pinks = [bbox_of(p) for p in items if isinstance(p, Path) and p.role == "fence" and p.fill == "#fce0e1"]
    blues = [bbox_of(p) for p in items if isinstance(p, Path) and p.role == "fence" and p.fill == "#dbdfef"]
    norms = [c for g in items if isinstance(g, Group) and g.role == "op" and (g.title or "").startswith("Norm")
             for c in g.items if isinstance(c, Circle)]
    assert len(norms) == 7  # the Block's six and the net's last

    def inside(box, outer):
        return outer[0] <= box[0] and box[2] <= outer[2] and outer[1] <= box[1] and box[3] <= outer[3]

    for c in norms:
        assert sum(inside(bbox_of(c), p) for p in pinks) == 1
    nested = [p for p in pinks if any(inside(p, b) for b in blues)]
    assert len(nested) == 5  # a tint inside another fence stays within it
