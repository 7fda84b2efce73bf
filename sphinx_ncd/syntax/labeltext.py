"""Syntax stage: the maths in quoted text -- a fence's title, the figure's title, a note's ``$...$`` -- has
braces that pair.

These texts are set by the label typesetter (:mod:`sphinx_ncd.layout.mathtext`), which reads ``{...}`` as a
group (``\\bar{Y}``, ``k^{-1/2}``) and ``\\{`` / ``\\}`` as the brace characters.  A brace that is never closed
(``$\\bar{Y$``) or one that closes nothing would be drawn as something the author did not write, so it is a
located error here, with a caret under the brace.  A name written as a word (axes, values, maps) cannot get this
far: the lexer only takes a word whose braces pair.
"""
from __future__ import annotations

from .. import messages as msg
from ..errors import NCDError

__all__ = ["unpaired_brace", "check_quoted", "check_note_maths"]


def unpaired_brace(src: str) -> tuple[int, bool] | None:
    """Where the braces of the label source ``src`` do not pair: (offset of the first ``{`` never closed,
    True) or (offset of a ``}`` that closes nothing, False); None when they pair.  A backslash takes the
    character after it (``\\{`` is a brace character, ``\\\\`` a backslash)."""
    opened: list[int] = []
    i, n = 0, len(src)
    while i < n:
        c = src[i]
        if c == "\\":
            i += 2
            continue
        if c == "{":
            opened.append(i)
        elif c == "}":
            if not opened:
                return i, False
            opened.pop()
        i += 1
    return (opened[0], True) if opened else None


def _fail(tok, offset: int, unclosed: bool, what: str) -> NCDError:
    """The error at the brace ``offset`` characters into the quoted token's text (after its opening quote)."""
    message = (msg.LABEL_BRACE_OPEN if unclosed else msg.LABEL_BRACE_CLOSE).format(what=what)
    return NCDError(message, tok.line.span(tok.col + 1 + offset, 1), kind="syntax",
                    hint=msg.HINT_LABEL_BRACE.format())


def check_quoted(tok, what: str) -> None:
    """A quoted title (``tok``: its string token), all of it set as a label: its braces pair."""
    bad = unpaired_brace(tok.text[1:-1])
    if bad is not None:
        raise _fail(tok, bad[0], bad[1], what)


def check_note_maths(tok) -> None:
    """A note's text (``tok``: its string token, with an even number of '$'): the braces of each ``$...$`` pair
    (the plain words around them are drawn as written, braces and all)."""
    raw = tok.text[1:-1]
    start = 0
    for k, part in enumerate(raw.split("$")):
        if k % 2:
            bad = unpaired_brace(part)
            if bad is not None:
                raise _fail(tok, start + bad[0], bad[1], "the note's maths")
        start += len(part) + 1
