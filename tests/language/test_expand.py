"""``Y = expand Name(args) X`` draws the block's body in place, inside a fence titled with the use, as the
reference says: each box of the body is an operation of the panel (drawn, checked, generated)."""
from __future__ import annotations

import pytest

import sphinx_ncd
from sphinx_ncd import NCDError

DOWN = """tandem Y
block Down(s, n0, n1) {
  input X: b n0 Y
  Y = conv+[conv] X over Y : n0 -> n1 kernel 3 stride s padding 1
  Y = relu Y
  output Y
}
input X: b 16 Y
A = Down(1, n1=32)[down1] X
B = expand Down(2, n1=64)[down2] A
output B
"""


def test_the_body_is_evaluated_in_place_with_the_arguments_bound():
    d = sphinx_ncd.parse(DOWN, filename="down.ncd")
    kinds = [str(op.kind) for op in d.operations]
    assert kinds == ["block", "conv", "elementwise"], kinds
    conv = d.operations[1]
    assert conv.params.stride == 2 and [a.label for a in conv.outputs[0].axes] == ["b", "64", "Y/2"]
    assert conv.binding == "down2.conv"  # a binding inside takes the use's as its prefix
    assert d.signature == "b 16 Y -> b 64 Y/2"
    assert d.main.outputs[0].name == "B"  # the body's Y is the use's B
    fences = [g for g in d.main.groups if g.kind == "fence"]
    assert [g.title for g in fences] == ["Down(2, n1=64)"]
    assert all(fences[0].id in op.groups for op in d.operations[1:])
    assert d.operations[0].body is None  # the use by name stays one box


def test_the_drawing_shows_the_body_inside_a_fence_not_a_box():
    svg = sphinx_ncd.render(sphinx_ncd.parse(DOWN), format="svg")
    assert "Down(2, n1=64)" in svg  # the fence's title
    plain = sphinx_ncd.render(sphinx_ncd.parse(DOWN.replace("expand Down", "Down")), format="svg")
    assert "Down(2, n1=64)" not in plain
    assert svg.count("<path") > plain.count("<path")  # the conv glyph and the ReLU drawn in place of one box


def test_an_error_in_the_body_is_located_in_the_definition():
    bad = DOWN.replace("Y = relu Y", "Y = softmax Y over z")
    with pytest.raises(NCDError) as info:
        sphinx_ncd.parse(bad, filename="down.ncd")
    assert info.value.span.line == 5 and "'z'" in info.value.message


def test_expand_a_library_block_binds_its_boxes():
    spec = "use llama\ninput X: b t d\nY = expand GatedMLP(d, f)[mlp] X\noutput Y\n"
    d = sphinx_ncd.parse(spec)
    assert [op.binding for op in d.operations if op.binding] == ["mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"]
    assert d.signature == "b t d -> b t d"
