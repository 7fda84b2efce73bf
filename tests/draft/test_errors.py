"""ncd draft refuses bad input with located errors: the description (syntax, count, shapes the code
rejects), colliding sizes, a module that torch.export cannot trace, an object that is not a module."""
from __future__ import annotations

import pytest

from sphinx_ncd import NCDError
from sphinx_ncd.draft.inputs import parse_inputs, parse_sizes

MHA = "ncd_gallery.attention:MultiHeadAttention(m=11, k=7, h=5)"


def test_description_syntax_is_located():
    with pytest.raises(NCDError) as err:
        parse_inputs("E: y m, X x m")
    assert err.value.span.file == "<--input>" and err.value.span.column == 9
    assert "no ':'" in err.value.message
    with pytest.raises(NCDError) as err:
        parse_inputs("E: y m-1")
    assert err.value.span.column == 6 and "'m-1' is not an axis name" in err.value.message
    with pytest.raises(NCDError) as err:
        parse_inputs("E: y y")
    assert "appears twice" in err.value.message and err.value.span.column == 6
    with pytest.raises(NCDError):
        parse_inputs("  ")


def test_description_reads_names_numbers_and_multiples():
    (x,) = parse_inputs("x: b 28 4*H")
    assert x.name == "x" and x.axes == ("b", "28", "4*H")
    assert x.where("H").column == 9


def test_sizes_must_be_positive_whole_numbers():
    assert parse_sizes(["b=5", "t=7"]) == {"b": 5, "t": 7}
    for bad in (["b"], ["b=0"], ["b=x"], ["=3"]):
        with pytest.raises(NCDError):
            parse_sizes(bad)


def test_wrong_number_of_inputs(drafting):
    with pytest.raises(NCDError) as err:
        drafting(MHA, "E: y m")
    assert "forward takes 2 to 3 tensor input(s) (E, X, mask), the description gives 1" in err.value.message
    assert err.value.span.file == "<--input>"


def test_shapes_the_code_rejects_point_at_the_users_line(drafting):
    with pytest.raises(NCDError) as err:
        drafting(MHA, "E: y m, X: x k")
    e = err.value
    assert "MultiHeadAttention.forward fails on inputs shaped" in e.message
    assert e.span.file.endswith("attention.py") and e.span.line == 87
    assert "does the input description match" in e.hint


def test_colliding_sizes(drafting):
    with pytest.raises(NCDError) as err:
        drafting(MHA, "E: y m, X: x m", sizes=["y=7"])
    e = err.value
    assert e.message == "sizes collide: y and k are both 7, so the draft cannot tell them apart"
    assert e.span.column == 4 and "--sizes y=" in e.hint


def test_size_contradicting_the_constructor(drafting):
    with pytest.raises(NCDError) as err:
        drafting(MHA, "E: y m, X: x m", sizes=["m=12"])
    assert "contradicts the constructor's m=11" in err.value.message


def test_size_naming_no_axis(drafting):
    with pytest.raises(NCDError) as err:
        drafting(MHA, "E: y m, X: x m", sizes=["z=3"])
    assert "size 'z' names no axis" in err.value.message and "m, x, y" in err.value.hint


def test_data_dependent_control_flow(drafting):
    with pytest.raises(NCDError) as err:
        drafting("small_models:DataDependent(d=4)", "x: b d")
    e = err.value
    assert e.message.startswith("torch.export cannot trace DataDependent")
    assert e.span.file.endswith("small_models.py") and "if x.sum() > 0" in e.span.text
    assert "data-dependent control flow" in e.hint


def test_not_a_module(drafting):
    with pytest.raises(NCDError) as err:
        drafting("small_models:not_a_module(d=3)", "x: d")
    assert "is not an nn.Module" in err.value.message


def test_bad_depth(drafting):
    with pytest.raises(NCDError) as err:
        drafting(MHA, "E: y m, X: x m", depth=-1)
    assert "--depth" in err.value.message
