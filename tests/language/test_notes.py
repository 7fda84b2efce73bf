"""Language tests: the ``name`` and ``note`` statements -- parsing, what the model resolves them to, and every
misuse as a located error (file, line, column, the line, a caret)."""
from __future__ import annotations

import pytest

import sphinx_ncd
from sphinx_ncd import NCDError
from sphinx_ncd.syntax import ast as A
from sphinx_ncd.syntax.parser import parse_spec

ATTENTION = """\
width y x
input E: y m, X: x m
note X "We copy the injected data to generate $K$ and $V$."
fence "Multi-Head Attention" #ffe2bb {
  Q = L^Q[Lq] E : m -> k h
  K = L^K[Lk] X : m -> k h
  V = L^V[Lv] X : m -> k h
  name Q, K, V
  note op Q, K, V "Learned linear maps generate $Q$, $K$ and $V$." highlight
  fence "Scaled Dot-Product Attention" #c5bedf {
    S = einsum Q K : y k h, x k h -> y x h
    A = softmax S over x
    O = einsum A V : y x h, x k h -> y k h
  }
  note fence "Scaled Dot-Product Attention" "The heads run side by side."
  Y = L^O[Lo] O : k h -> m
  note op Y "A final layer combines the heads." highlight #cfe8ff
}
name Y
output Y
"""


def _statements(spec):
    out = []
    for s in parse_spec(spec).statements:
        out.append(s)
        out.extend(getattr(s, "body", ()) or ())
        for inner in getattr(s, "body", ()) or ():
            out.extend(getattr(inner, "body", ()) or ())
    return out


def test_the_statements_parse_to_their_own_nodes():
    stmts = _statements(ATTENTION)
    names = [s for s in stmts if isinstance(s, A.NameValues)]
    notes = [s for s in stmts if isinstance(s, A.Note)]
    assert [[n.text for n in s.names] for s in names] == [["Q", "K", "V"], ["Y"]]
    assert [(n.kind, [t.text for t in n.targets], n.highlight) for n in notes] == [
        ("value", ["X"], None), ("op", ["Q", "K", "V"], ""),
        ("fence", ["Scaled Dot-Product Attention"], None), ("op", ["Y"], "#cfe8ff")]
    assert notes[0].text == "We copy the injected data to generate $K$ and $V$."
    assert notes[0].span.line == 3 and notes[0].text_span.column == 8


def test_the_model_resolves_values_operations_and_fences():
    d = sphinx_ncd.parse(ATTENTION)
    p = d.main
    by_name = {}
    for op in p.operations:
        for v in op.outputs:
            by_name.setdefault(v.name, (v.id, op.id))
    assert [name for _, name in p.names] == ["Q", "K", "V", "Y"]
    assert dict(p.names)[by_name["Q"][0]] == "Q"
    x = next(v for v in p.inputs if v.name == "X")
    fences = {g.title: g.id for g in p.groups if g.kind == "fence"}
    assert [n.targets for n in p.notes] == [
        (("value", x.id),),
        tuple(("op", by_name[n][1]) for n in "QKV"),
        (("fence", fences["Scaled Dot-Product Attention"]),),
        (("op", by_name["Y"][1]),)]
    assert [n.highlight for n in p.notes] == [None, "", None, "#cfe8ff"]
    assert p.notes[1].span.line == 9


def test_a_name_follows_the_binding_at_its_line():
    d = sphinx_ncd.parse("input X: a\nS = relu X\nname S\nS = relu S\noutput S\n")
    first = d.main.operations[0].outputs[0]
    assert d.main.names == ((first.id, "S"),)


def test_names_and_notes_change_nothing_else():
    plain = "\n".join(line for line in ATTENTION.splitlines() if not line.strip().startswith(("name", "note")))
    a, b = sphinx_ncd.parse(plain), sphinx_ncd.parse(ATTENTION)
    assert a.signature == b.signature and [repr(o) for o in a.operations] == [repr(o) for o in b.operations]
    assert b.main.notes and not a.main.notes


def test_notes_in_a_block_body_stay_with_the_block():
    spec = 'block Twice {\n  input X: a\n  Y = relu X\n  note op Y "first"\n  output Y\n}\ninput Z: a\nW = Twice Z\n'
    d = sphinx_ncd.parse(spec)
    body = dict(d.blocks)["Twice"]
    assert [n.text for n in body.notes] == ["first"] and not d.main.notes


def test_values_and_keywords_may_still_be_called_op_name_or_note():
    d = sphinx_ncd.parse('input op: a\nnote = relu op\nnote op "the input"\nname note\noutput note\n')
    assert d.main.notes[0].targets == (("value", d.main.inputs[0].id),)
    assert d.main.names[0][1] == "note"


def test_a_highlight_colour_and_a_comment_after_it():
    d = sphinx_ncd.parse('input X: a\nnote X "x" highlight #abc # the input\nnote X "y" highlight # a comment\n')
    assert [n.highlight for n in d.main.notes] == ["#abc", ""]


def test_a_note_on_a_save_points_at_the_latest_save_to_that_slot():
    spec = ('input X: a\nsave X to C\nY = relu X\nsave Y to C\nnote save C "the second"\n'
            'Z = load C : a\nnote op Z "loaded"\nW = add Y Z\noutput W\n')
    d = sphinx_ncd.parse(spec)
    saves = [op for op in d.main.operations if op.kind == "save"]
    load = next(op for op in d.main.operations if op.kind == "load")
    assert [n.targets for n in d.main.notes] == [(("op", saves[1].id),), (("op", load.id),)]
    assert saves[1].span.line == 4


# (id, spec, line, column, words in the message)
ERRORS = [
    ("unknown-value", 'input X: a\nnote Z "z"', 2, 6, "no value named 'Z'"),
    ("unknown-op-value", 'input X: a\nY = relu X\nnote op W "w"', 3, 9, "no value named 'W'"),
    ("op-of-an-input", 'input X: a\nY = relu X\nnote op X "x"', 3, 9, "'X' is an input of the diagram"),
    ("unknown-fence", 'input X: a\nfence "F" {\n  Y = relu X\n}\nnote fence "G" "g"', 5, 12,
     'no fence titled "G"'),
    ("fence-highlight", 'input X: a\nfence "F" {\n  Y = relu X\n}\nnote fence "F" "f" highlight', 5, 1,
     "a fence is tinted already"),
    ("no-text", 'input X: a\nnote X', 2, 7, "the note's text in double quotes"),
    ("text-unquoted", 'input X: a\nnote X words', 2, 8, "the note's text in double quotes"),
    ("empty-text", 'input X: a\nnote X "  "', 2, 8, "a note with no text"),
    ("odd-dollar", 'input X: a\nnote X "costs $5"', 2, 8, "an unmatched '$'"),
    ("after-text", 'input X: a\nnote X "x" loudly', 2, 12, "'highlight'"),
    ("save-unknown", 'input X: a\nsave X to C\nnote save D "d"', 3, 11, "no 'save ... to D' before this note"),
    ("save-none", 'input X: a\nnote save D "d"', 2, 11, "no 'save ... to D' before this note"),
    ("name-unknown", 'input X: a\nname Y', 2, 6, "no value named 'Y'"),
    ("name-twice", 'input X: a\nname X, X', 2, 9, "'X' is named twice"),
    ("name-no-list", 'input X: a\nname X Y', 2, 8, "',' and another value name"),
    ("too-long", 'input X: a\nnote X "' + "word " * 130 + '"', 2, 8, "the note is too long"),
    # maths whose braces do not pair: the caret under the brace (it was drawn leniently, $\bar{Y$ as a barred Y)
    ("maths-unclosed", 'input X: a\nnote X "the mean $\\bar{Y$ of $Y$"', 2, 23,
     "'{' is never closed in the note's maths"),
    ("maths-unclosed-inner", 'input X: a\nnote X "a  $x$ and $k^{-{1/2}$"', 2, 23, "'{' is never closed"),
    ("maths-stray-close", 'input X: a\nnote X "$Y}$"', 2, 11, "'}' closes nothing in the note's maths"),
    ("fence-title-unclosed", 'input X: a\nfence "C_{\\lambda" {\n  Y = relu X\n}', 2, 10,
     "'{' is never closed in the fence's title"),
    ("fence-title-stray", 'input X: a\nfence "Scaled}" {\n  Y = relu X\n}', 2, 14, "'}' closes nothing in the fence's"),
    ("title-unclosed", 'title "Mean {x"\ninput X: a', 1, 13, "'{' is never closed in the title"),
]


@pytest.mark.parametrize("case", ERRORS, ids=[c[0] for c in ERRORS])
def test_misuse_is_a_located_error(case):
    _, spec, line, col, words = case
    with pytest.raises(NCDError) as info:
        sphinx_ncd.parse(spec, filename="notes.ncd")
    err = info.value
    assert words in err.message, err.message
    assert (err.span.file, err.span.line, err.span.column) == ("notes.ncd", line, col), str(err)
    text = err.format()
    assert text.startswith(f"notes.ncd:{line}:{col}:") and spec.splitlines()[line - 1] in text
    assert "\n" + " " * (col - 1 + text.split("\n")[1].index(spec.splitlines()[line - 1][:1])) + "^" in text


def test_paired_braces_and_escaped_ones_are_accepted_and_drawn_as_before():
    """Valid maths is unchanged: paired braces group, an escaped brace is a brace, and braces in a note's plain
    words (outside ``$...$``) are the characters written."""
    from sphinx_ncd.syntax.labeltext import unpaired_brace

    spec = ('input X: a\nfence "Set \\{x\\} of C_{\\lambda}" {\n  Y = relu X\n}\n'
            'note op Y "the {plain} words, $\\bar{Y}$, $k^{-1/2}$, $\\{a\\}$ and $\\\\{b}$"')
    d = sphinx_ncd.parse(spec)
    assert d.main.notes[0].text.startswith("the {plain} words")
    assert [unpaired_brace(s) for s in ("", "\\bar{Y}", "{a{b}c}", "\\{", "\\}", "\\\\{}")] == [None] * 6
    assert unpaired_brace("{a}{b") == (3, True) and unpaired_brace("{{a}") == (0, True)
    assert unpaired_brace("a}{") == (1, False) and unpaired_brace("\\\\}") == (2, False)


def test_the_description_reads_the_notes_out():
    from sphinx_ncd.model.describe import describe

    text = describe(sphinx_ncd.parse(ATTENTION))
    assert text.endswith("Notes: We copy the injected data to generate K and V. Learned linear maps generate Q, K "
                         "and V. The heads run side by side. A final layer combines the heads.")
