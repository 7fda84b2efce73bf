"""Language tests (table driven): malformed and ill-typed specs, each with its exact location and message."""
from __future__ import annotations

import pytest

import sphinx_ncd
from sphinx_ncd import NCDError

# (id, spec, line, column, message)
ERRORS = [
    ('einsum-repeated-output', 'input Q: y k, K: y k\nS = einsum Q K : y k, y k -> y y',
     2, 32, "einsum output names axis 'y' twice; each output axis appears once"),
    ('zero-length-axis', 'input X: 0',
     1, 10, "an axis has at least one element, got size 0"),
    ('zero-size', 'sizes a=0\ninput X: a',
     1, 7, "sizes must be positive whole numbers, got a=0"),
    ('repeat-zero-times', 'input X: a\nrepeat 0 {\n  X = relu X\n}',
     2, 8, "a repetition runs at least once, got 0 times"),
    ('unexpected-char', 'input X: a\nY = relu X @',
     2, 12, "unexpected character '@'"),
    ('unknown-statement', 'inputs X: a',
     1, 1, "unknown statement 'inputs'"),
    ('missing-colon-input', 'input X a',
     1, 9, "expected ':' and the shape of 'X', e.g. X: a b, found 'a'"),
    ('missing-shape', 'input X:',
     1, 9, "expected a shape (axes such as 'a b', or 1 for a scalar) at the end of the line"),
    ('bad-input-sep', 'input X: a; Y: b',
     1, 13, "unknown statement 'Y'"),
    ('bad-char', 'input X: a | b',
     1, 12, "unexpected character '|'"),
    ('title-unquoted', 'title Attention',
     1, 7, 'expected a quoted title, e.g. title "Multi-head attention", found \'Attention\''),
    ('unknown-value', 'input X: a\nY = relu Z',
     2, 10, "no value named 'Z' here"),
    ('did-you-mean-value', 'input Query: a\nY = relu Quer',
     2, 10, "no value named 'Quer' here"),
    ('no-values-yet', 'Y = relu X',
     1, 10, "no value named 'X' here"),
    ('softmax-unknown-axis', 'input S: y x h\nA = softmax S over z',
     2, 20, "softmax over 'z': no axis 'z' in 'y x h'"),
    ('softmax-no-over', 'input S: y x\nA = softmax S',
     2, 5, "softmax needs 'over AXIS', e.g. softmax S over x"),
    ('softmax-two-axes', 'input S: y x\nA = softmax S over y x',
     2, 20, 'softmax acts over one axis, got 2'),
    ('norm-unknown-axis', 'input X: b c\nY = norm X over cc',
     2, 17, "norm over 'cc': no axis 'cc' in 'b c'"),
    ('shape-mismatch-learned', 'input O: y x h\nY = L[Lo] O : k h -> m',
     2, 11, '`L[Lo]` expects `k h` but receives `y x h`'),
    ('shape-mismatch-generic', 'input X: a b\nY = G X : c -> d',
     2, 7, '`G` expects `c` but receives `a b`'),
    ('inner-mismatch-second', 'input X: c a, D: e\nY = H X D : a, d -> b',
     2, 9, '`H` expects `d` but receives `e`'),
    ('no-signature', 'input X: a\nY = G X',
     2, 5, '`G` needs a signature, e.g. G X : a -> b'),
    ('no-signature-learned', 'input X: a\nY = L X',
     2, 5, '`L` needs a signature, e.g. L X : a -> b'),
    ('missing-arrow', 'input X: a\nY = G X : a b',
     2, 14, "expected '->' between the input and output shapes at the end of the line"),
    ('arrow-first', 'input X: a\nY = G X : -> b',
     2, 11, "expected an input shape before '->', found '->'"),
    ('missing-argument', 'input X: a\nY = relu',
     2, 9, 'expected the value this operation acts on at the end of the line'),
    ('elementwise-two-args', 'input X: a, Z: a\nY = relu X Z',
     2, 12, '`relu` takes 1 input(s) but is given 2'),
    ('elementwise-signature', 'input X: a\nY = relu X : a -> a',
     2, 14, "':' does not apply to relu"),
    ('bias-on-relu', 'input X: a\nY = relu+ X',
     2, 9, "'relu' cannot take a bias '+'; only learned maps (L+, learned+) and convolutions (conv+) can"),
    ('targets-count', 'input X: a\nA, B = relu X',
     2, 1, '`relu` produces 1 value(s) but 2 name(s) are assigned'),
    ('arity-signature', 'input X: a\nY = G X : a, b -> c',
     2, 11, '`G` takes 2 input(s) but is given 1'),
    ('einsum-new-axis', 'input A: a b\nC = einsum A : a b -> a z',
     2, 25, "einsum output axis 'z' occurs in no input"),
    ('einsum-mismatch', 'input Q: y k, K: x k\nS = einsum Q K : x k, x k -> x',
     2, 18, '`einsum` expects `x k` but receives `y k`'),
    ('einsum-size', 'input A: a b, B: c d\nC = einsum A B : i j, j k -> i k',
     2, 23, "einsum axis 'j' has size b in one place and c in another"),
    ('einsum-two-outputs', 'input A: a\nC = einsum A : a -> a, a',
     2, 16, '`einsum` produces 1 value(s) but 2 name(s) are assigned'),
    ('view-size', 'input X: 28 28\nY = view X : 28 28 -> 780',
     2, 14, 'view changes the number of elements: 28 28 -> 780'),
    ('view-missing-axes', 'input X: a b\nY = view X : c -> c',
     2, 10, '`view` expects `c` but receives `a b`'),
    ('unbalanced-paren', 'input X: a b\nY = view X : (a b -> a b',
     2, 14, 'unbalanced parenthesis'),
    ('empty-group', 'input X: a\nY = view X : () -> a',
     2, 14, 'empty parentheses: a group needs at least one axis'),
    ('add-shapes', 'input A: a b, B: a c\nC = add A B',
     2, 11, 'add needs segments of equal shape, got `a b` and `a c`'),
    ('add-one', 'input A: a\nC = add A',
     2, 5, '`add` takes 2 input(s) but is given 1'),
    ('concat-shapes', 'input A: b c, B: d c\nC = concat A B over c',
     2, 14, "concat over 'c' needs the other axes equal, got `b c` and `d c`"),
    ('conv-no-over', 'input X: c x\nY = conv X : c -> k kernel 3',
     2, 5, "conv needs the spatial axes: add 'over Y'"),
    ('conv-no-kernel', 'input X: c x\nY = conv X over x : c -> k',
     2, 5, "conv needs 'kernel N'"),
    ('conv-no-signature', 'input X: c x\nY = conv X over x kernel 3',
     2, 5, '`conv` needs a signature, e.g. conv X over Y : c -> k kernel 3'),
    ('conv-bad-stride', 'input X: c x\nY = conv X over x : c -> k kernel 3 stride 0',
     2, 44, "stride must be a positive whole number or a size name, got '0'"),
    ('conv-too-small', 'input X: c 2\nY = conv X over 2 : c -> k kernel 5',
     2, 17, "conv over '2': the output size is not positive (-2)"),
    ('conv-channel-mismatch', 'input X: c x\nY = conv X over x : d -> k kernel 3',
     2, 10, '`conv` expects `d` but receives `c x`'),
    ('pool-signature', 'input X: c x\nY = maxpool X over x : c -> c kernel 2',
     2, 24, "':' does not apply to maxpool"),
    ('clause-not-allowed', 'input X: a\nY = relu X over a',
     2, 12, "'over' does not apply to relu"),
    ('duplicate-clause', 'input X: c x\nY = maxpool X over x kernel 2 kernel 3',
     2, 31, "'kernel' given twice"),
    ('index-needs-on', 'input A: a b\nR = index A at 2',
     2, 5, "index needs 'at LABEL on AXIS', e.g. index A at 2 on a"),
    ('index-unknown-axis', 'input A: a b\nR = index A at 2 on c',
     2, 21, "index on 'c': no axis 'c' in 'a b'"),
    ('scale-needs-by', 'input S: a\nS = scale S',
     2, 5, "scale needs 'by FACTOR', e.g. scale S by 1/sqrt(k)"),
    ('bad-size', 'input X: a/',
     1, 10, "cannot read the size 'a/'"),
    ('bad-size-zero-division', 'input X: a/0',
     1, 10, "cannot read the size 'a/0'"),
    ('unit-with-arg', 'input X: a\nU = unit a X',
     2, 12, 'unit takes one axis, e.g. U = unit a'),
    ('load-unknown-slot', 'input X: a\nY = load C',
     2, 10, "nothing was saved to 'C' before this load"),
    ('load-shape-disagrees', 'input X: a\nsave X to C\nY = load C : b',
     3, 14, "'C' holds `a` but the load says `b`"),
    ('save-no-to', 'input X: a\nsave X C',
     2, 8, "expected 'to' and a memory slot, e.g. save X to C_\\lambda, found 'C'"),
    ('unclosed-fence', 'input X: a\nfence "F" {\n  X = relu X',
     2, 11, "'{' is never closed"),
    ('stray-close', 'input X: a\n}',
     2, 1, "'}' without an opening '{'"),
    ('fence-no-brace', 'input X: a\nfence "F"',
     2, 10, 'expected \'{\' (fence "Title" #color { ... }) at the end of the line'),
    ('repeat-no-brace', 'input X: a\nrepeat N\n',
     2, 9, "expected '{' to open the repeated body at the end of the line"),
    ('repeat-bad-range', 'input X: a\nrepeat \\lambda = 1 4 {\n}',
     2, 20, "expected '..' between the bounds, e.g. repeat \\lambda = 1..4 {, found '4'"),
    ('repeat-changes-shape', 'input X: a\nrepeat N {\n  X = F X : a -> b\n}',
     2, 1, "the repeated body turns 'X' from `a` into `b`; it must keep its shape"),
    ('unknown-block', 'input X: a\nY = Blok(s=1) X',
     2, 5, "no block named 'Blok'"),
    ('block-did-you-mean', 'block Block(s) {\n  input X: a\n  output X\n}\ninput X: a\nY = Blocc(s=1) X',
     6, 5, "no block named 'Blocc'"),
    ('block-bad-param', 'block B(s) {\n  input X: a\n  output X\n}\ninput X: a\nY = B(t=1) X',
     6, 7, "block 'B' has no parameter 't'"),
    ('block-too-many-args', 'block B(s) {\n  input X: a\n  output X\n}\ninput X: a\nY = B(1, 2) X',
     6, 10, "block 'B' takes 1 argument(s) but is given 2"),
    ('block-input-mismatch', 'block B(n) {\n  input X: b n\n  output X\n}\ninput X: b 3\nY = B(n=4) X',
     6, 12, "block 'B' expects `b 4` but receives `b 3`"),
    ('block-header-late', 'input X: a\nblock B(s)',
     2, 1, "'block' must be the first statement of a spec (or use 'block Name(...) { ... }')"),
    ('unknown-library', 'use nosuchlibrary\ninput X: a',
     1, 5, "no block library 'nosuchlibrary'"),
    ('duplicate-input', 'input X: a, X: b',
     1, 13, "'X' is already an input"),
    ('output-unknown', 'input X: a\noutput Y',
     2, 8, "no value named 'Y' here"),
    ('output-twice', 'input X: a\noutput X, X',
     2, 11, "'X' is listed twice"),
    ('order-twice', 'input X: a\norder X, X',
     2, 10, "order lists 'X' twice"),
    ('no-input', 'Y = unit a',
     1, 1, "the spec has no input: start with 'input X: a b'"),
    ('empty-panel', 'input X: a\n=\nY = unit a',
     2, 1, "this panel has no input: start it with 'input X: a b'"),
    ('sizes-not-int', 'sizes y=2.5\ninput X: y',
     1, 9, "expected a whole number, found '2.5'"),
    ('sizes-missing-eq', 'sizes y 20\ninput X: y',
     1, 9, "expected '=' and a whole number, e.g. y=20, found '20'"),
    ('tandem-bad-rank', 'tandem Y:0\ninput X: Y',
     1, 10, "expected a rank (a whole number), e.g. tandem V:3, found '0'"),
    ('def-no-colon', 'def G 3 -> 2',
     1, 7, "expected ':' and a signature, e.g. def G : 3 -> 2, found '3'"),
    ('def-bad-style', 'def G : 3 -> 2 style fancy',
     1, 22, "unknown style 'fancy'"),
    ('unclosed-binding', 'input X: a\nY = L[Lq X : a -> b',
     2, 6, "'[' is never closed"),
    ('empty-binding', 'input X: a\nY = L[] X : a -> b',
     2, 6, "empty binding '[]'"),
    ('deep-nesting', 'input X: ((((((((((((((((((((((((((((((((((((((((a))))))))))))))))))))))))))))))))))))))))',
     1, 43, 'parentheses nested too deeply (more than 32 levels)'),
    ('let-bad-size', 'let nb = n1//4\ninput X: a',
     1, 10, "cannot read the size 'n1//4'"),
    ('percent-comment', 'input X: a\nY = relu X % a comment',
     2, 12, "unexpected character '%'"),
    ('misspelt-statement', 'inptu X: a',
     1, 1, "unknown statement 'inptu'"),
    ('misspelt-operation', 'input S: y x\nA = sofmax S over x',
     2, 5, "unknown operation 'sofmax'"),
    ('misspelt-clause', 'input S: y x\nA = softmax S ovr x',
     2, 15, "no value named 'ovr' here"),
    ('state-with-argument', 'input X: a\nT = H^T X : -> b c',
     2, 13, "expected an input shape before '->', found '->'"),
    ('state-with-input-shape', 'input X: a\nT = H^T : b -> b c',
     2, 11, "expected '->' right after ':' (a map with no argument has no input shape: H : -> b c), found 'b'"),
    ('state-not-a-map', 'input X: a\nT = relu : -> b',
     2, 10, "expected the value this operation acts on, found ':'"),
    ('state-no-outputs', 'input X: a\nT = H^T : ->',
     2, 13, "expected a shape (axes such as 'a b', or 1 for a scalar) at the end of the line"),
]


@pytest.mark.parametrize("spec, line, column, message", [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_error_location_and_message(spec, line, column, message):
    with pytest.raises(NCDError) as info:
        sphinx_ncd.parse(spec, filename="bad.ncd")
    err = info.value
    assert (err.span.file, err.span.line, err.span.column, err.message) == ("bad.ncd", line, column, message)
    assert err.span.text == spec.splitlines()[line - 1]


def test_table_is_large_enough():
    assert len(ERRORS) >= 40


def test_format_has_line_caret_and_hint():
    with pytest.raises(NCDError) as info:
        sphinx_ncd.parse("input S: y x h\nA = softmax S over z", filename="attention.ncd")
    assert info.value.format() == (
        "attention.ncd:2:20: softmax over 'z': no axis 'z' in 'y x h'\n"
        "    A = softmax S over z\n"
        "                       ^\n"
        "expected one of: y, x, h")


def test_did_you_mean_axis():
    with pytest.raises(NCDError) as info:
        sphinx_ncd.parse("input S: y head x\nA = softmax S over heads")
    assert info.value.hint == "did you mean 'head'? expected one of: y, head, x"


def test_did_you_mean_value():
    with pytest.raises(NCDError) as info:
        sphinx_ncd.parse("input Query: a\nY = relu Quer")
    assert info.value.hint == "did you mean 'Query'? values in memory: Query"


def test_did_you_mean_block():
    with pytest.raises(NCDError) as info:
        sphinx_ncd.parse("block Block(s) {\n  input X: a\n  output X\n}\ninput X: a\nY = Blocc(s=1) X")
    assert info.value.hint == "did you mean 'Block'? blocks in scope: Block"


def test_shape_error_names_both_sides():
    with pytest.raises(NCDError) as info:
        sphinx_ncd.parse("input O: y x h\nY = L[Lo] O : k h -> m")
    assert info.value.message == "`L[Lo]` expects `k h` but receives `y x h`"
    assert info.value.kind == "shape"


def test_caret_covers_the_token():
    with pytest.raises(NCDError) as info:
        sphinx_ncd.parse("input X: a\nY = relu Zed")
    assert info.value.span.length == 3
    assert info.value.format().splitlines()[2] == "    " + " " * 9 + "^^^"


def test_line_offset_in_errors():
    with pytest.raises(NCDError) as info:
        sphinx_ncd.parse("input X: a\nY = relu Z", filename="page.rst", line_offset=41)
    assert str(info.value).startswith("page.rst:43:10: no value named 'Z' here")


def test_errors_in_a_library_point_into_the_library(tmp_path):
    (tmp_path / "mylib.ncd").write_text("block B {\n  input X: a\n  Y = relu Q\n  output Y\n}\n")
    with pytest.raises(NCDError) as info:
        sphinx_ncd.parse("use mylib\ninput X: a\nY = B X", search_path=(str(tmp_path),))
    assert (info.value.span.file, info.value.span.line, info.value.span.column) == ("mylib.ncd", 3, 12)


def test_library_cycle(tmp_path):
    (tmp_path / "a.ncd").write_text("use b\n")
    (tmp_path / "b.ncd").write_text("use a\n")
    with pytest.raises(NCDError) as info:
        sphinx_ncd.parse("use a\ninput X: x", search_path=(str(tmp_path),))
    assert info.value.message == "library 'a' uses itself"


@pytest.mark.parametrize("spec, hint", [
    ("input X: a\nY = relu X % a comment", "comments start with '#' ('%' is kept free for LaTeX)"),
    ("inptu X: a", "did you mean 'input'? expected an assignment"),
    ("input X: a; Y: b", "several inputs are separated by ','"),
    ("input S: y x\nA = sofmax S over x", "did you mean 'softmax'?"),
    ("input S: y x\nA = softmax S ovr x", "did you mean 'over'? clauses are:"),
    ("input X: c Y\nY = maxpool X over Y kernel 2 strde 2", "did you mean 'stride'?"),
])
def test_hints_for_common_slips(spec, hint):
    with pytest.raises(NCDError) as info:
        sphinx_ncd.parse(spec)
    assert info.value.hint.startswith(hint)
