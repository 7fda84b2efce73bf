"""``break``: the author's fold cut.  Parsed into the model as a marked memory state; misuse is a
located error."""
from __future__ import annotations

import pytest

import sphinx_ncd
from sphinx_ncd.syntax import ast as A
from sphinx_ncd.syntax.parser import parse_spec


def _cuts(panel):
    return [k for k, s in enumerate(panel.sections) if s.brk]


def test_break_parses_to_its_own_statement():
    spec = parse_spec("input X: a\nY = relu X\nbreak\nZ = relu Y\n")
    brk = spec.statements[2]
    assert isinstance(brk, A.Break) and (brk.span.line, brk.span.column, brk.span.length) == (3, 1, 5)


def test_break_marks_the_state_between_the_operations():
    d = sphinx_ncd.parse("input X: a\nY = relu X\nZ = F Y : a -> b\nbreak\nW = G Z : b -> c\n")
    sections = d.main.sections
    assert _cuts(d.main) == [4]
    assert sections[4].kind == "state" and [v.shape for v in sections[4].values] == ["b"]
    assert sections[5].ops[0].label == "G"
    assert not sections[0].brk and not sections[-1].brk


def test_operations_after_a_break_are_not_packed_before_it():
    # without the break, relu Y would share the first step with relu X
    loose = sphinx_ncd.parse("input X: a, Y: b\nP = relu X\nQ = relu Y\n")
    assert len(loose.main.sections) == 3
    d = sphinx_ncd.parse("input X: a, Y: b\nP = relu X\nbreak\nQ = relu Y\n")
    sections = d.main.sections
    assert len(sections) == 5 and _cuts(d.main) == [2]
    assert [len(s.ops) for s in sections if s.kind == "step"] == [1, 1]
    assert sections[1].ops[0].inputs[0].name == "X" and sections[3].ops[0].inputs[0].name == "Y"


def test_several_breaks_and_a_block_body():
    d = sphinx_ncd.parse("input X: a\nX = relu X\nbreak\nX = relu X\nbreak\nX = relu X\n")
    assert _cuts(d.main) == [2, 4]
    lib = sphinx_ncd.parse("block B {\n  input X: a\n  X = relu X\n  break\n  X = relu X\n}\n"
                           "input X: a\nY = B X\n")
    body = dict(lib.blocks)["B"]
    assert _cuts(body) == [2]


def test_break_between_fences_is_allowed():
    d = sphinx_ncd.parse('input X: a\nfence "F" {\n  X = relu X\n}\nbreak\nfence "G" {\n  X = relu X\n}\n')
    assert _cuts(d.main) == [2]


def test_a_value_may_still_be_called_break():
    d = sphinx_ncd.parse("input X: a\nbreak = relu X\nY = relu break\n")
    assert [o.inputs[0].name for o in d.operations] == ["X", "break"]


@pytest.mark.parametrize("spec, line, col, words", [
    ('input X: a\nfence "F" {\n  X = relu X\n  break\n  X = relu X\n}\n', 4, 3, "inside a fence"),
    ("input X: a\nrepeat 3 {\n  X = relu X\n  break\n  X = relu X\n}\n", 4, 3, "inside a repetition"),
    ("input X: a\nbreak\nY = relu X\n", 2, 1, "before the first operation"),
    ("input X: a\nY = relu X\nbreak\n", 3, 1, "after the last operation"),
    ("input X: a\nY = relu X\nbreak\nbreak\nZ = relu Y\n", 4, 1, "right after another"),
    ("input X: a\nY = relu X\nbreak here\nZ = relu Y\n", 3, 7, "stands alone"),
    ("block B {\n  input X: a\n  X = relu X\n  break\n}\ninput X: a\nY = B X\n", 4, 3, "after the last"),
])
def test_misplaced_break_is_a_located_error(spec, line, col, words):
    with pytest.raises(sphinx_ncd.NCDError) as err:
        sphinx_ncd.parse(spec, filename="cut.ncd")
    e = err.value
    assert (e.span.file, e.span.line, e.span.column) == ("cut.ncd", line, col)
    text = str(e) + (e.hint or "")
    assert words in text
    assert e.format().splitlines()[2].strip().startswith("^")
