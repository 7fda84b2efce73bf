"""Glyphs drawn as the paper draws them: the bold L without a box, the compact ★k convolution, kernel sizes on
the kernel wire, the transposed T beside the tensor, pooling as ``2² ═Max➤``, the index pentagon with its
neighbours level under it, and legends marking names as the wires do."""
from __future__ import annotations

import sphinx_ncd
from sphinx_ncd.layout.glyph_boxes import LEARNED_SIZE
from sphinx_ncd.layout.glyph_conv import COMPACT_EDGE
from sphinx_ncd.layout.scene import Path, Text
from sphinx_ncd.rendering.api import scene

from render_helpers import ROOT, geometry_problems

CONV = "tandem X\ninput V: c X\nY = conv+ V over X : c -> k kernel 3{extra}\noutput Y\n"


def _items(spec: str):
    sc = scene(sphinx_ncd.parse(spec))
    assert geometry_problems(sc) == []
    return sc, list(sc.walk())


def _texts(items) -> list[str]:
    return [it.label.text for it in items if isinstance(it, Text)]


def _op_boxes(items) -> list[Path]:
    return [it for it in items if isinstance(it, Path) and it.role == "box" and it.owner.startswith("op:")]


def test_the_learned_map_is_a_large_bold_L_with_plain_scripts_and_no_box():
    _, items = _items("input X: y m\nQ = L^Q X : m -> k h\noutput Q\n")
    assert _op_boxes(items) == []
    (lq,) = [it for it in items if isinstance(it, Text) and it.owner.startswith("op:")]
    (l, q) = lq.label.glyphs
    assert l[:2] == ("math", "\U0001d40b") and l[4] == LEARNED_SIZE  # mathematical bold capital L, large
    assert q[:2] == ("math", "\U0001d444") and q[4] < LEARNED_SIZE  # an italic Q superscript, smaller
    # declared as a box, it is the tile of the first releases
    _, boxed = _items("def P : m -> k learned style box\ninput X: m\nY = P X\noutput Y\n")
    assert len(_op_boxes(boxed)) == 1


def test_a_plain_convolution_is_a_compact_star_k_box_and_padding_shows_in_its_output():
    _, plain = _items(CONV.format(extra=""))
    _, padded = _items(CONV.format(extra=" padding 1"))
    for items in (plain, padded):
        (box,) = _op_boxes(items)
        assert box.width == COMPACT_EDGE and box.fill == "conv"
        texts = _texts(items)
        assert "⋆" in texts and "3" in texts  # the star and the kernel size, in the box
    # the same box; the output size tells a padded convolution from a plain one (the paper's rule)
    assert "X\u0305-2" in _texts(plain) and "X\u0305-2" not in _texts(padded) and "X\u0305" in _texts(padded)


def test_strided_transposed_and_pooling_show_the_kernel_size_on_the_kernel_wire():
    sc, items = _items(CONV.format(extra=" stride 2").replace("conv+", "convT+"))
    texts = _texts(items)
    assert "3^2" in texts and "2" in texts  # the kernel size (rank 2: tandem), the stride
    (t,) = [it for it in items if isinstance(it, Text) and it.label.text == "T"]
    quad = [it for it in items if isinstance(it, Path) and it.fill == "conv"]
    qx1 = max(c[1] for c in quad[0].d if c[0] in ("M", "L"))
    assert t.bbox[0] > qx1  # beside the tensor, not on its diagonal
    assert _op_boxes(items) == [p for p in _op_boxes(items) if p.fill == "conv"]  # a bold L after it, no tile
    assert any(it.label.glyphs[0][1] == "\U0001d40b" for it in items if isinstance(it, Text) and it.label.glyphs)
    star = [it for it in items if isinstance(it, Text) and it.label.text == "⋆"][0]
    assert star.label.size > 11  # the larger star
    _, pooled = _items("tandem X\ninput V: c X\nY = maxpool V over X kernel 2 stride 2\noutput Y\n")
    assert "Max" in _texts(pooled) and "2^2" in _texts(pooled)
    assert _op_boxes(pooled) == [p for p in _op_boxes(pooled) if p.fill == "conv"]  # the tensor, no Max box


def test_the_wire_beside_an_index_runs_level_under_the_pentagon():
    spec = (ROOT / "demo_docs" / "gallery" / "figures" / "fig08.ncd").read_text()
    _, items = _items(spec)
    (pent,) = [it for it in items if isinstance(it, Path) and it.fill == "index"]
    tip = max(c[1] for c in pent.d if c[0] in ("M", "L"))
    for it in items:
        if isinstance(it, Path) and it.role == "wire" and it.owner == pent.owner:
            pts = [(c[k], c[k + 1]) for c in it.d if c[0] != "Z" for k in range(1, len(c), 2)]  # with controls
            under = [(x, y) for x, y in pts if x <= tip]
            assert len({round(y, 6) for _, y in under}) <= 1, "a wire bends under the pentagon"


def test_the_legend_marks_names_as_the_wires_do():
    spec = (ROOT / "demo_docs" / "figures" / "fig27.ncd").read_text()
    sc, items = _items(spec)
    legend = [it for it in items if isinstance(it, Text) and it.owner == "legend"]
    (row,) = legend
    assert len(row.label.rules) == 2  # x̄ on both sides of x_{λ+1} = x_λ/2
    bold_sans_x = [g for g in row.label.glyphs if g[:2] == ("bold", "x")]
    assert len(bold_sans_x) == 2
    for x0, _, x1, _ in row.label.rules:  # each overline spans its x, not the subscript
        assert x1 - x0 < row.label.size * 0.7


def _quad(items) -> tuple[float, float, float, float]:
    """The star tensor's bounds (x0, y0, x1, y1)."""
    (quad,) = [it for it in items if isinstance(it, Path) and it.fill == "conv"]
    pts = [(c[1], c[2]) for c in quad.d if c[0] in ("M", "L")]
    return min(x for x, _ in pts), min(y for _, y in pts), max(x for x, _ in pts), max(y for _, y in pts)


NAMED = "tandem Y\ninput E: {axes}\nQ = conv{plus} L^Q[Cq] E over Y : c -> k kernel 1\noutput Q\n"


def test_a_convolution_whose_map_is_named_is_the_star_tensor_kernel_wire_and_named_L():
    """The paper's 1x1 convolutions in visual attention: ★ on the spatial wire, 1² on the kernel wire, L^Q."""
    for axes in ("c Y", "Y c"):  # the L above the tensor (mirrored) and below it
        d = sphinx_ncd.parse(NAMED.format(axes=axes, plus=""))
        op = d.panels[0].operations[0]
        assert op.params.map_label == "L^Q" and op.binding == "Cq" and op.label == "\\star"  # model keeps ★
        _, items = _items(NAMED.format(axes=axes, plus=""))
        assert not [b for b in _op_boxes(items) if b.fill != "conv"]  # no compact ★1 box, no tile
        texts = _texts(items)
        assert "1^2" in texts and "⋆" in texts, texts
        (lq,) = [it for it in items if isinstance(it, Text) and it.label.glyphs
                 and it.label.glyphs[0][1] == "\U0001d40b"]
        assert lq.label.glyphs[0][4] == LEARNED_SIZE and lq.label.glyphs[1][1] == "\U0001d444"  # bold L, italic Q
    # with a bias: L^Q_+; unnamed, a 1x1 convolution stays the paper's compact ★1 box (its ResNet, its U-Net)
    _, biased = _items(NAMED.format(axes="c Y", plus="+"))
    assert any("+" in t for t in _texts(biased))
    _, plain = _items(NAMED.format(axes="c Y", plus="").replace(" L^Q[Cq]", "[Cq]"))
    (box,) = _op_boxes(plain)
    assert box.width == COMPACT_EDGE and "1" in _texts(plain)


def test_a_value_named_like_a_learned_map_is_still_a_convolutions_argument():
    d = sphinx_ncd.parse("tandem Y\ninput L_1: c Y\nQ = conv L_1 over Y : c -> k kernel 3\noutput Q\n")
    op = d.panels[0].operations[0]
    assert op.params.map_label is None and op.inputs[0].name == "L_1"
    # and named without a binding, the next word is the argument
    d = sphinx_ncd.parse("tandem Y\ninput E: c Y\nQ = conv L^Q E over Y : c -> k kernel 3\noutput Q\n")
    assert d.panels[0].operations[0].params.map_label == "L^Q"


def test_fig28_draws_its_four_maps_as_the_paper_does():
    spec = (ROOT / "demo_docs" / "figures" / "fig28.ncd").read_text()
    _, items = _items(spec)
    named = sorted(it.label.text for it in items if isinstance(it, Text) and it.label.glyphs
                   and it.label.glyphs[0][1] == "\U0001d40b")  # a bold L
    assert named == ["L^K", "L^O", "L^Q", "L^V"]
    assert len([it for it in items if isinstance(it, Path) and it.fill == "conv"]) == 4  # four star tensors
    assert _texts(items).count("1^2") == 4


def test_the_star_fills_its_half_of_the_tensor():
    """About 12 px at the reading scale (it was 8): the star inscribed in the triangle the diagonal cuts off."""
    _, items = _items(CONV.format(extra=" stride 2"))
    x0, y0, x1, y1 = _quad(items)
    (star,) = [it for it in items if isinstance(it, Text) and it.label.text == "⋆"]
    sx0, sy0, sx1, sy1 = star.bbox
    assert (sx1 - sx0) * 1.2 >= 11.5  # px at the reading scale
    assert x0 < sx0 and sx1 < x1 and y0 < sy0 and sy1 < y1  # inside the tensor


def test_the_transposed_T_stands_at_the_tensors_corner_away_from_the_kernel_wire():
    """The paper's ★2 T: at the top right when the map lies below the spatial wire; mirrored, bottom right."""
    spec = "tandem X\ninput V: {axes}\nY = convT+ V over X : c -> k kernel 2 stride 2\noutput Y\n"
    for axes, above in (("X c", True), ("c X", False)):
        _, items = _items(spec.format(axes=axes))
        x0, y0, x1, y1 = _quad(items)
        (t,) = [it for it in items if isinstance(it, Text) and it.label.text == "T"]
        (s,) = [it for it in items if isinstance(it, Text) and it.label.text == "2"]
        tx0, ty0, tx1, ty1 = t.bbox
        assert x1 < tx0 < x1 + 20 and s.bbox[2] <= tx0  # just right of the tensor, after the stride
        assert (ty1 < y0 + 4) if above else (ty0 > y1 - 4), (axes, t.bbox, (x0, y0, x1, y1))


def test_the_convolution_tensor_drawn_as_a_box_has_the_tensors_large_star():
    """The paper's figure 23 (``Y = \\star P : x k -> y``): the box's star as large as in the star tensor."""
    from sphinx_ncd.layout.glyph_boxes import TENSOR_STAR

    _, items = _items("input P: x k\nY = \\star P : x k -> y\noutput Y\n")
    (star,) = [it for it in items if isinstance(it, Text) and it.label.text == "⋆"]
    assert star.label.size == TENSOR_STAR and (star.bbox[2] - star.bbox[0]) * 1.2 >= 11.5
    (box,) = _op_boxes(items)
    xs = [c[1] for c in box.d if c[0] in ("M", "L")]
    assert min(xs) < star.bbox[0] and star.bbox[2] < max(xs)  # inside its box
    # another label keeps the labels' size
    _, other = _items("input P: x k\nY = Conv P : x k -> y\noutput Y\n")
    assert [it.label.size for it in other if isinstance(it, Text) and it.label.text == "Conv"] == [11.0]
