"""Language tests: reported bugs, each pinned by the way a user met it.

Indexed memory slots, a literal 1 in a convolution's channel signature, values
leaving a lambda-indexed repetition, ';' as a statement separator, and primes
on derivative wires in shapes and signatures.
"""
from __future__ import annotations

import pytest

import sphinx_ncd
from sphinx_ncd.errors import NCDError
from sphinx_ncd.model import OpKind


def _ops(d, kind):
    return [o for o in d.operations if o.kind == kind]


# --- 1. memory slots are keyed by their whole name, not their base ---------------------------------

def test_concrete_indexed_slots_do_not_overwrite_each_other():
    d = sphinx_ncd.parse("input X: a, Y: b\nsave X to C_1\nsave Y to C_2\n"
                         "P = load C_1\nQ = load C_2\noutput P, Q")
    assert d.signature == "a, b -> a, b"


def test_plain_and_indexed_slots_with_one_base_are_distinct():
    d = sphinx_ncd.parse("input X: a, Y: b\nsave X to C\nsave Y to C_1\nP = load C\nQ = load C_1\noutput P, Q")
    assert d.signature == "a, b -> a, b"


def test_two_level_unet_loads_each_level_without_a_stated_shape():
    spec = ("tandem X\ninput V: c0 X\n"
            "A = conv+ V over X : c0 -> c kernel 3 padding 1\nsave A to C_1\n"
            "B = maxpool A over X kernel 2\nsave B to C_2\n"
            "M = maxpool B over X kernel 2\n"
            "U = convT M over X : c -> c kernel 2 stride 2\nS = load C_2\nU = concat U S over c\n"
            "W = convT U over X : 2c -> c kernel 2 stride 2\nT = load C_1\nW = concat W T over c\n"
            "output W")
    d = sphinx_ncd.parse(spec)
    loads = _ops(d, OpKind.LOAD)
    assert [(o.label, o.outputs[0].shape) for o in loads] == [("C_2", "c X/2"), ("C_1", "c X")]
    assert d.signature == "c0 X -> 2c X"


def test_a_slot_saved_per_index_loads_under_another_index_and_at_a_number():
    spec = ("let x_{\\lambda+1} = x_\\lambda/2\ninput X: c_0 x_0\n"
            "repeat \\lambda = 0..2 {\n"
            "  X = F X : c_\\lambda x_\\lambda -> c_{\\lambda+1} x_{\\lambda+1}\n"
            "  save X to C_\\lambda\n"
            "}\n"
            "A = load C_1\n"
            "repeat \\lambda = 1..3 {\n"
            "  B = load C_{3-\\lambda}\n"
            "  X = G X B : c_{4-\\lambda} x_{4-\\lambda}, c_{4-\\lambda} x_{4-\\lambda} "
            "-> c_{3-\\lambda} x_{3-\\lambda}\n"
            "}\n"
            "output A, X")
    d = sphinx_ncd.parse(spec)
    loads = _ops(d, OpKind.LOAD)
    assert loads[0].outputs[0].shape == "c_2 x_2"
    assert loads[1].outputs[0].shape == "c_{4-\\lambda} x_{4-\\lambda}"


def test_loading_an_index_never_saved_is_an_error():
    with pytest.raises(NCDError) as info:
        sphinx_ncd.parse("input X: a\nsave X to C_1\nY = load C_3")
    assert info.value.message == "nothing was saved to 'C_3' before this load"
    assert (info.value.span.line, info.value.span.column) == (3, 10)
    assert "C_1" in info.value.hint


def test_a_number_outside_the_saving_repetition_is_not_found():
    spec = "input X: a\nrepeat \\lambda = 1..3 {\n  save X to C_\\lambda\n}\nY = load C_7"
    with pytest.raises(NCDError) as info:
        sphinx_ncd.parse(spec)
    assert info.value.message == "nothing was saved to 'C_7' before this load"


# --- 2. a literal 1 in a convolution's channel signature is one channel -------------------------------

@pytest.mark.parametrize("spec, signature, core", [
    ("tandem Y\ninput X: b c Y\nZ = conv[C] X over Y : c -> 1 kernel 3", "b c Y -> b 1 Y-2", "c Y -> 1 Y-2"),
    ("tandem Y\ninput X: b 1 Y\nZ = conv[C] X over Y : 1 -> k kernel 3", "b 1 Y -> b k Y-2", "1 Y -> k Y-2"),
    ("input X: 1 x\nZ = conv+ X over x : 1 -> 1 kernel 3 padding 1", "1 x -> 1 x", "1 x -> 1 x"),
    ("input X: b 1 x\nZ = convT X over x : 1 -> c kernel 2 stride 2", "b 1 x -> b c 2x", "1 x -> c 2x"),
])
def test_conv_with_one_channel(spec, signature, core):
    d = sphinx_ncd.parse(spec)
    assert d.signature == signature
    assert d.operations[0].signature == core


def test_conv_from_one_channel_needs_that_axis():
    with pytest.raises(NCDError) as info:
        sphinx_ncd.parse("tandem Y\ninput X: b c Y\nZ = conv X over Y : 1 -> k kernel 3")
    assert info.value.message == "`conv` expects `1` but receives `b c Y`"
    assert info.value.hint.startswith("in a channel signature 1 is one channel")
    assert (info.value.span.line, info.value.span.column) == (3, 10)


# --- 3. the value leaving an indexed repetition is the value at its last index ------------------------

def test_value_after_an_indexed_repetition_is_substituted():
    spec = ("let x_{\\lambda+1} = x_\\lambda/2\ninput X: b x_1\n"
            "repeat \\lambda = 1..3 {\n  X = maxpool X over x_\\lambda kernel 2\n}\noutput X")
    d = sphinx_ncd.parse(spec)
    assert d.signature == "b x_1 -> b x_4"
    (pool,) = _ops(d, OpKind.POOL)
    assert pool.signature.endswith("-> x_{\\lambda+1}")  # the box keeps the general form
    last = d.states[-1].values[0]
    assert [a.label for a in last.axes] == ["b", "x_4"]
    assert str(last.axes[1].size) == "floor(x(3)/2)"  # the exact size at lambda = 3: x_4 by the let


def test_after_the_repetition_the_final_labels_are_used():
    d = sphinx_ncd.parse(open_figure("fig27.ncd"), filename="fig27.ncd")
    maxpool = _ops(d, OpKind.POOL)[0]
    after = next(s for s in d.states if any(v.id == maxpool.outputs[0].id for v in s.values))
    (x,) = [v for v in after.values if v.id == maxpool.outputs[0].id]
    assert x.shape == "b c_4 x_4"
    # the first box after the loop receives the substituted value
    first_after = next(o for o in d.operations if o.kind == OpKind.CONV and "c_5" in o.signature)
    assert first_after.inputs[0].shape == "b c_4 x_4"


def test_a_value_used_inside_and_after_the_loop_keeps_the_general_form_inside():
    spec = ("input X: c_0\nrepeat \\lambda = 0..2 {\n  X = F X : c_\\lambda -> c_{\\lambda+1}\n"
            "  save X to C_\\lambda\n}\noutput X")
    d = sphinx_ncd.parse(spec)
    assert d.signature == "c_0 -> c_3"
    (save,) = _ops(d, OpKind.SAVE)
    assert save.inputs[0].shape == "c_{\\lambda+1}"


def test_unindexed_repetition_is_unchanged():
    d = sphinx_ncd.parse("input X: a\nrepeat N {\n  X = F X : a -> a\n}")
    assert d.signature == "a -> a"


# --- 4. ';' separates statements on one line -----------------------------------------------------------

def test_semicolon_separates_statements():
    one = sphinx_ncd.parse("input X: a; Y = G X : a -> b; Z = relu Y; output Z")
    many = sphinx_ncd.parse("input X: a\nY = G X : a -> b\nZ = relu Y\noutput Z")
    assert one.signature == many.signature == "a -> b"
    assert [o.kind for o in one.operations] == [o.kind for o in many.operations]


def test_semicolons_with_bodies_panels_and_empty_statements():
    spec = ('input X: a;; fence "F" { R = relu X; R = relu R }; X = add X R; '
            'repeat 2 { X = F X : a -> a }; output X; =; input X: a;')
    d = sphinx_ncd.parse(spec)
    assert len(d.panels) == 2
    assert [g.kind for g in d.main.groups] == ["fence", "repeat"]
    assert d.main.signature == "a -> a"


def test_semicolon_inside_a_labels_braces_is_part_of_the_label():
    d = sphinx_ncd.parse("input X: a; J = J_{F;G} X : a -> c a; output J")  # the paper's composition F;G
    assert [o.label for o in d.operations] == ["J_{F;G}"]
    assert d.signature == "a -> c a"
    with pytest.raises(NCDError) as info:  # an unbalanced brace is no label: the ';' ends the statement
        sphinx_ncd.parse("input X: a; Y = F_{a; Z = relu X")
    assert (info.value.span.line, info.value.span.column) == (1, 19)


def test_semicolon_in_strings_and_comments_is_text():
    d = sphinx_ncd.parse('title "A; B"\ninput X: a  # ; not a statement\noutput X')
    assert d.title == "A; B"


@pytest.mark.parametrize("spec, column, message", [
    ("input X: a; Y = relu Z", 22, "no value named 'Z' here"),
    ("input X: a; Y = G X : a -> b; Z = sofmax Y over b", 35, "unknown operation 'sofmax'"),
    ("input X: a; Y = G X : a ->; output Y", 27, "expected a shape (axes such as 'a b', or 1 for a scalar), found ';'"),
])
def test_errors_after_a_semicolon_point_at_the_right_column(spec, column, message):
    with pytest.raises(NCDError) as info:
        sphinx_ncd.parse(spec, filename="inline.tex", line_offset=9)
    err = info.value
    assert (err.span.file, err.span.line, err.span.column, err.message) == ("inline.tex", 10, column, message)
    assert err.span.text == spec


def test_statement_span_ends_at_its_semicolon():
    d = sphinx_ncd.parse("input X: a; Y = relu X; output Y")
    (op,) = d.operations
    assert (op.span.column, op.span.length) == (13, len("Y = relu X"))


# --- 5. derivative wires carry their prime in shapes and signatures --------------------------------

def test_tangent_wires_are_primed_in_shapes():
    d = sphinx_ncd.parse("input X: a, dX: a'\nY = F X : a -> b\ndY = DF X dX : a, a' -> b'\noutput Y, dY")
    assert d.signature == "a, a' -> b, b'"
    df = d.operations[-1]
    assert df.signature == "a, a' -> b'"
    assert df.outputs[0].shape == "b'"


def open_figure(name):
    from pathlib import Path
    return (Path(__file__).resolve().parents[2] / "demo_docs" / "figures" / name).read_text(encoding="utf-8")


def _one_line(text: str) -> str:
    """A spec's statements joined by '; ' on one line (comments dropped; fence colours kept)."""
    import re
    kept = []
    for line in text.splitlines():
        line = re.sub(r"(^|\s)#(?![0-9a-fA-F]{3}\b|[0-9a-fA-F]{6}\b).*$", "", line).strip()
        if line:
            kept.append(line)
    return "; ".join(kept)


def _summary(d):
    return ([p.signature for p in d.panels], [(o.kind, o.label, o.signature, o.binding) for o in d.operations],
            [(g.kind, g.title, g.index, g.lower, g.upper, g.parent) for p in d.panels for g in p.groups],
            [[s.values and tuple(v.shape for v in s.values) for s in p.states] for p in d.panels])


def _all_specs():
    from pathlib import Path
    root = Path(__file__).resolve().parents[2]
    return sorted(list((root / "demo_docs" / "figures").glob("*.ncd"))
                  + list((root / "demo_docs" / "gallery" / "figures").glob("*.ncd")))


@pytest.mark.parametrize("path", _all_specs(), ids=lambda p: p.stem)
def test_every_figure_reads_the_same_on_one_line(path):
    text = path.read_text(encoding="utf-8")
    joined = _one_line(text)
    assert "\n" not in joined
    assert _summary(sphinx_ncd.parse(joined, search_path=(str(path.parent),))) == _summary(
        sphinx_ncd.parse(text, search_path=(str(path.parent),)))


@pytest.mark.parametrize("after", ["", "\nZ = relu X"])
def test_a_value_made_and_used_only_inside_the_loop_keeps_the_general_form(after):
    spec = ("input X: c_0\nrepeat \\lambda = 0..2 {\n  T = G X : c_\\lambda -> c_{\\lambda+1}\n"
            "  U = relu T\n  V = relu T\n  X = F U V : c_{\\lambda+1}, c_{\\lambda+1} -> c_{\\lambda+1}\n}" + after)
    d = sphinx_ncd.parse(spec)
    (g,) = [o for o in d.operations if o.label == "G"]
    (copy,) = _ops(d, OpKind.COPY)
    assert g.outputs[0].shape == copy.inputs[0].shape == "c_{\\lambda+1}"
    assert [v.shape for v in copy.outputs] == ["c_{\\lambda+1}"] * 2
    assert d.signature.endswith("-> c_3")
