"""The lexer's two paths agree: the fast one (one ``findall`` per line) gives the same logical lines and tokens
as the careful one (one match per token) on every line it takes, and leaves to the careful one every line
it cannot take, so errors are said the same way."""
import random
from pathlib import Path

import pytest

from sphinx_ncd.errors import NCDError
from sphinx_ncd.syntax import lexer

ROOT = Path(__file__).resolve().parents[2]
SPECS = sorted(p for d in ("demo_docs", "examples", "templates") if (ROOT / d).is_dir()
               for p in (ROOT / d).rglob("*.ncd") if "_build" not in p.parts)

LINES = [
    'fence "Multi-Head Attention" #ffe2bb {',
    'fence "F"#fff { R = relu X }',
    'fence "F" #ffe2bbx {',
    'highlight #abc',
    'X = relu Y #abc trailing words',
    'X = relu Y # a comment, with % and λ',
    'input X: a; Y = relu X;; output Y',
    '}  ',
    '} }',
    '  { Y = relu X',
    'S = einsum Q K : y k h, x k h -> y x h      # cup over k',
    "Y = L^O[Lo] O : k h -> m'  ",
    r'C_{\lambda+1} = conv+ L^Q[Cq] X over (x-1)/2 kernel 3',
    'x = λ y',
    'n = 2.5 ٣',
    'Y = relu X % 2',
    'Y = relu X\x0c',
    'Y = relu X\u00a0',
    'a\x0cb',
    'title "a \\" b" ; ; note "x"',
    r'Y = f\ X',
    '## only',
]


def _key(lines):
    return [(ln.number, ln.text, ln.stop, [(t.kind, t.text, t.col, t.space, t.line is ln) for t in ln.tokens])
            for ln in lines]


def _careful(raw):
    out = []
    try:
        lexer._line(raw, "f.ncd", 7, out)
    except NCDError as err:
        return ("error", str(err), err.span.column, err.hint)
    return _key(out)


def _fast(raw):
    out = []
    if not lexer._fast_line(raw, "f.ncd", 7, out):
        assert out == []  # a line handed on leaves nothing behind
        return None
    return _key(out)


@pytest.mark.parametrize("raw", LINES)
def test_paths_agree_on_hand_written_lines(raw):
    fast = _fast(raw)
    if fast is not None:
        assert fast == _careful(raw)


def test_fast_path_takes_the_common_lines_and_hands_on_the_odd_ones():
    assert _fast('fence "Multi-Head Attention" #ffe2bb {') is not None
    assert _fast('S = einsum Q K : y k h, x k h -> y x h      # cup over k') is not None
    assert _fast("input X: a; Y = relu X;; output Y") is not None
    assert _fast('fence "F" #ffe2bbx {') is not None  # not a colour: a comment to the line's end
    for odd in ("Y = relu X % 2", "x = λ y", "a\x0cb", "X = relu Y #abc trailing words"):
        assert _fast(odd) is None, odd
    assert _careful("Y = relu X % 2")[0] == "error"


def test_paths_agree_on_every_line_of_the_specs_and_their_mutations():
    assert SPECS, "no .ncd files found"
    rng = random.Random(3)
    alphabet = list(":,->=(){}[]+*/^'.;#\"xq1 \t%λ²\\_") + ["#fff", "#ffe2bb", " # c", "\u00a0", "\x0c", "٣"]
    raws = {raw for p in SPECS for raw in p.read_text().splitlines() if raw.strip()}
    checked = 0
    for raw in sorted(raws):
        for k in range(4):
            text = list(raw)
            if k:
                i = rng.randrange(len(text))
                text[i:i + rng.randrange(2)] = [rng.choice(alphabet)]
            line = "".join(text)
            if not line.strip() or line.lstrip()[0] == "#":
                continue
            fast = _fast(line)
            if fast is not None:
                checked += 1
                assert fast == _careful(line), line
    assert checked > 100


def test_tokenize_numbers_lines_and_drops_comments():
    lines = lexer.tokenize("# c\ninput X: a\n\nY = relu X  # note\n", "f.ncd", line_offset=10)
    assert [(ln.number, [t.text for t in ln.tokens]) for ln in lines] == [
        (12, ["input", "X", ":", "a"]), (14, ["Y", "=", "relu", "X"])]
    with pytest.raises(NCDError) as err:
        lexer.tokenize("input X: a\nY = relu X % 2\n")
    assert (err.value.span.line, err.value.span.column) == (2, 12)


@pytest.mark.parametrize("text, where, words", [
    ("sizes y=1\u0663\ninput X: y\noutput X\n", (1, 9), "digits 0-9"),
    ("input X: a\nY = relu X\nsizes y=2 z=1234567890123456789\noutput Y\n", (3, 13), "19 digits"),
])
def test_numbers_refused_where_written(text, where, words):
    """The token limits look only at lines that can break them (a digit, or more tokens than axes allowed)."""
    import sphinx_ncd

    with pytest.raises(NCDError) as err:
        sphinx_ncd.parse(text)
    assert (err.value.span.line, err.value.span.column) == where
    assert words in str(err.value)
