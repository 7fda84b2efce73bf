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
