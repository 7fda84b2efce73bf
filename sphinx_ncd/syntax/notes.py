"""Syntax stage: the ``name`` and ``note`` statements (what the author writes on a figure).

``name Q, K, V`` draws each value's name at its wires; ``note`` attaches an explanatory note to values, to the
operations that make them (``note op``), to a save to memory (``note save C_\\lambda``) or to a fence
(``note fence "Title"``), optionally with a tinted highlight behind what it explains::

    note X "We copy the injected data to generate $K$ and $V$."
    note op Q, K, V "Learned linear maps generate $Q$, $K$ and $V$." highlight
    note fence "Scaled Dot-Product Attention" "One head's attention, for every head at once." highlight #c5bedf

The parser (:mod:`.parser`) hands a cursor positioned after the keyword to :func:`parse_name` or
:func:`parse_note`; the model (:mod:`sphinx_ncd.model.notes`) resolves the targets.
"""
from __future__ import annotations

from .. import messages as msg
from ..errors import NCDError
from . import ast as A
from .labeltext import check_note_maths
from .shapes import Cursor, name_of

__all__ = ["parse_name", "parse_note", "MAX_NOTE_CHARS"]

MAX_NOTE_CHARS = 600  # one note's text (a note is a sentence or two, not a page)


def parse_name(cur: Cursor, span) -> A.NameValues:
    """``name Q, K, V``."""
    names = [name_of(cur.expect_word("a value name, e.g. name Q, K, V"))]
    while cur.is_op(","):
        cur.next()
        names.append(name_of(cur.expect_word("a value name")))
    cur.expect_end("',' and another value name, or the end of the line")
    return A.NameValues(names, span)


def parse_note(cur: Cursor, span) -> A.Note:
    """``note [op|save|fence] TARGETS "text" [highlight [#color]]``."""
    kind = "value"
    first, after = cur.peek(), cur.peek(1)
    if first is not None and first.kind == "word" and first.text == "op" and after is not None \
            and after.kind == "word":
        kind = "op"
        cur.next()
    elif first is not None and first.kind == "word" and first.text == "fence" and after is not None \
            and after.kind == "str":
        kind = "fence"
        cur.next()
    elif first is not None and first.kind == "word" and first.text == "save" and after is not None \
            and after.kind == "word":
        kind = "save"
        cur.next()
    if kind == "fence":
        tok = cur.next()
        targets = [A.Name(_unquote(tok.text), tok.span())]
    else:
        what = "the value(s) the note explains, e.g. note X \"text\" (or: note op Y, note fence \"Title\")"
        targets = [name_of(cur.expect_word(what))]
        while cur.is_op(","):
            cur.next()
            targets.append(name_of(cur.expect_word("a value name")))
    tok = cur.peek()
    if tok is None or tok.kind != "str":
        raise cur.fail('the note\'s text in double quotes, e.g. note X "We copy X"')
    cur.next()
    text = " ".join(_unquote(tok.text).split())
    if not text:
        raise NCDError(msg.NOTE_EMPTY.format(), tok.span(), kind="syntax")
    if len(text) > MAX_NOTE_CHARS:
        raise NCDError(msg.NOTE_TOO_LONG.format(chars=len(text), limit=MAX_NOTE_CHARS), tok.span(), kind="syntax")
    if text.count("$") % 2:
        raise NCDError(msg.NOTE_DOLLAR.format(), tok.span(), kind="syntax", hint=msg.HINT_NOTE_DOLLAR.format())
    check_note_maths(tok)
    highlight = None
    if cur.is_word("highlight"):
        cur.next()
        highlight = ""
        if cur.peek() is not None and cur.peek().kind == "color":
            highlight = cur.next().text
    cur.expect_end("'highlight' (a tinted column behind what the note explains) or the end of the line")
    return A.Note(kind, targets, text, tok.span(), highlight, span)


def _unquote(text: str) -> str:
    return text[1:-1].replace('\\"', '"')
