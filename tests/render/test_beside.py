"""Two maps on the factors of an outer product share a column, each on its own wires (the paper's figure 18).

The paper shifts an outer product past G and H: on either side of its equation G and H stand one above the other
in one column, acting on the two wires of the outer product as they do on a tuple's two segments.  The model
keeps the second map a step later (it reads the first one's result); the layout draws the pair in one column
(:func:`sphinx_ncd.layout.fuse.fuse_beside`).  Maps on the wires of any other value keep the order the spec
writes: figure 14's equation is about that order.
"""
from __future__ import annotations

import sphinx_ncd
from sphinx_ncd.layout.scene import Group, bbox_of
from sphinx_ncd.rendering.api import scene

from render_helpers import ROOT, geometry_problems, op_groups

OUTER = ROOT / "demo_docs" / "gallery" / "figures" / "fig18-outer.ncd"
FIG14 = ROOT / "demo_docs" / "gallery" / "figures" / "fig14.ncd"


def _maps(spec: str, first: str, second: str, filename="t.ncd"):
    d = sphinx_ncd.parse(spec, filename=filename)
    ops = {op.label: op for op in d.panels[0].operations}
    sc = scene(d)
    groups = op_groups(sc.items)
    return sc, groups[f"op:{ops[first].id}"], groups[f"op:{ops[second].id}"]


SHIFTED = "input A: a, B: e\nP = einsum A B : a, e -> a e\nQ = G P : a -> b\nR = H Q : e -> c\noutput R\n"


def test_maps_on_different_wires_of_one_value_share_a_column():
    sc, g, h = _maps(SHIFTED, "G", "H")
    assert h in g.items  # drawn in the first map's column, owned by the second (its title, its highlight)
    assert h.title.startswith("H")
    gb, hb = bbox_of(g), bbox_of(h)
    assert hb[0] >= gb[0] - 1e-6 and hb[2] <= gb[2] + 1e-6
    labels = {it.owner: it for it in _walk(g.items) if type(it).__name__ == "Text"}
    assert labels["op:" + g.owner[3:]].y < labels[h.owner].y  # G on a, above H on e
    assert geometry_problems(sc) == []


def _walk(items):
    for it in items:
        if isinstance(it, Group):
            yield from _walk(it.items)
        else:
            yield it


def test_maps_on_one_wire_keep_their_columns():
    """H acts on G's own output wire: it must follow G."""
    _, g, h = _maps(SHIFTED.replace("H Q : e", "H Q : b"), "G", "H")
    assert h not in g.items
    assert bbox_of(h)[0] >= bbox_of(g)[2]


def test_a_map_a_note_points_at_keeps_its_column():
    _, g, h = _maps(SHIFTED.replace("output R\n", "output R\nnote op R \"H after G.\"\n"), "G", "H")
    assert h not in g.items
    assert bbox_of(h)[0] >= bbox_of(g)[2]


def test_fig18_shifts_its_outer_product_past_g_and_h_in_one_column():
    d = sphinx_ncd.parse(OUTER.read_text(encoding="utf-8"), filename=OUTER.name)
    sc = scene(d)
    groups = op_groups(sc.items)
    for panel in d.panels:  # both sides of the equation: H beside G
        ops = {op.label: op for op in panel.operations}
        g, h = groups[f"op:{ops['G'].id}"], groups[f"op:{ops['H'].id}"]
        gb, hb = bbox_of(g), bbox_of(h)
        assert min(gb[2], hb[2]) - max(gb[0], hb[0]) > 0.5 * min(gb[2] - gb[0], hb[2] - hb[0])
    assert geometry_problems(sc) == []


def test_maps_on_one_factor_of_an_outer_product_keep_their_columns():
    """G and H both act on wires of A's factor (a and f): no tuple put them side by side."""
    spec = "input A: a f, B: e\nP = einsum A B : a f, e -> a f e\nQ = G P : a -> b\nR = H Q : f -> c\noutput R\n"
    _, g, h = _maps(spec, "G", "H")
    assert h not in g.items
    assert bbox_of(h)[0] >= bbox_of(g)[2]


def test_fig14_keeps_the_order_its_equation_is_about():
    """f then g equals g then f: each side draws its maps one after the other, in its order."""
    d = sphinx_ncd.parse(FIG14.read_text(encoding="utf-8"), filename=FIG14.name)
    groups = op_groups(scene(d).items)
    firsts = []
    for panel in d.panels:
        f, g = (groups[f"op:{op.id}"] for op in sorted(panel.operations, key=lambda o: o.label))
        assert g not in f.items and f not in g.items
        fb, gb = bbox_of(f), bbox_of(g)
        assert fb[2] <= gb[0] or gb[2] <= fb[0]  # two columns
        firsts.append("f" if fb[2] <= gb[0] else "g")
    assert firsts == ["f", "g"]
