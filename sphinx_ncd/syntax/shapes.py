"""Syntax stage: the cursor over one line's tokens, and the shape grammar.

:class:`Cursor` walks a logical line's tokens and raises located errors
(``expected X, found Y`` with a caret); the functions below parse what every
statement shares: atoms (an axis name or size expression), segments (one
tuple segment's axes, with ``(k h)`` groups), and signatures (``a b, c -> d``).
Statements themselves are parsed in :mod:`.parser`.
"""
from __future__ import annotations

import difflib

from .. import messages as msg
from ..errors import NCDError, Span
from ..model.kinds import KINDS
from . import ast as A
from .lexer import Line, Token, make_span

_new = object.__new__

__all__ = ["Cursor", "CLAUSES", "name_of", "span_between", "atom", "segment", "segments", "signature"]

# clause keywords end a signature segment or an argument list (every kind's, and save's 'to')
CLAUSES = frozenset({c for r in KINDS.values() for c in r.clauses} | {"to"})
_SEGMENT_STOP = CLAUSES | {"learned", "style"}  # also end a signature in a 'def'


def span_between(first: Token, last: Token) -> Span:
    return first.line.span(first.col, last.col + len(last.text) - first.col)


class Cursor:
    """Position within one line's tokens."""

    __slots__ = ("line", "toks", "i", "n")

    def __init__(self, line: Line):
        self.line = line
        self.toks = line.tokens
        self.i = 0
        self.n = len(line.tokens)

    def peek(self, k: int = 0) -> Token | None:
        j = self.i + k
        return self.toks[j] if j < self.n else None

    def at_end(self) -> bool:
        return self.i >= self.n

    def next(self) -> Token:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def is_op(self, text: str) -> bool:
        i = self.i
        if i >= self.n:
            return False
        tok = self.toks[i]
        return tok.kind == "op" and tok.text == text

    def is_word(self, text: str | None = None) -> bool:
        tok = self.peek()
        return tok is not None and tok.kind == "word" and (text is None or tok.text == text)

    def here(self) -> Span:
        tok = self.peek()
        return tok.span() if tok is not None else self.line.end_span()

    def fail(self, expected: str, tok: Token | None = None, choices=()) -> NCDError:
        """An error at ``tok`` (default: the next token) saying what was expected there.

        The message already names what was expected; the hint adds a did-you-mean when
        the token is a word close to one of ``choices``.
        """
        tok = tok if tok is not None else self.peek()
        if tok is None and self.line.stop:  # the statement ended at a ';' (or a '}') on the same line
            return NCDError(msg.EXPECTED_GOT.format(expected=expected, got=self.line.stop), self.line.end_span(),
                            kind="syntax")
        if tok is None:
            return NCDError(msg.EXPECTED_AT_END.format(expected=expected), self.line.end_span(), kind="syntax")
        close = difflib.get_close_matches(tok.text, sorted(choices), n=1) if tok.kind == "word" else []
        return NCDError(msg.EXPECTED_GOT.format(expected=expected, got=tok.text), tok.span(), kind="syntax",
                        hint=msg.DID_YOU_MEAN.format(name=close[0]) if close else None)

    def expect_op(self, text: str, what: str | None = None) -> Token:
        i = self.i
        if i < self.n:
            tok = self.toks[i]
            if tok.kind == "op" and tok.text == text:
                self.i = i + 1
                return tok
        raise self.fail(what or f"'{text}'")

    def expect_word(self, what: str) -> Token:
        tok = self.peek()
        if tok is None or tok.kind != "word":
            raise self.fail(what)
        self.i += 1
        return tok

    def expect_end(self, what: str = "the end of the line") -> None:
        if self.i < self.n:
            raise self.fail(what)


def name_of(tok: Token, _name=A.Name) -> A.Name:
    node = _new(_name)  # A.Name.at, inlined: names are made for every target and argument
    text = node.text = tok.text
    node._where = (tok.line, tok.col, len(text))
    return node


# --- shapes ----------------------------------------------------------------------------------

_ENDS_OP = frozenset((",", "->", "{", "}", "]", "=", ":"))
_EXPR_OPS = frozenset(("+", "-", "*", "/", "^", "'"))


def atom(cur: Cursor) -> A.Atom:
    """A maximal run of adjacent tokens forming one axis expression."""
    toks, i, n = cur.toks, cur.i, cur.n
    if i >= n:
        raise cur.fail("an axis")
    first = toks[i]
    kind = first.kind
    if kind != "word" and kind != "num" and not (kind == "op" and first.text in "(-'"):
        raise cur.fail("an axis (a name, a number or an expression such as x/s)")
    if kind == "word" and (i + 1 >= n or toks[i + 1].space or toks[i + 1].kind == "word"):
        # the common case: a single name
        cur.i = i + 1
        return A.Atom.at(first.text, first.line, first.col, len(first.text))
    depth = 0
    last = first
    parts = []
    j = i
    while j < n:
        tok = toks[j]
        if j > i and tok.space:
            break
        kind = tok.kind
        if kind == "op":
            t = tok.text
            if t == "(":
                depth += 1
            elif t == ")":
                if depth == 0:
                    break
                depth -= 1
            elif t not in _EXPR_OPS:
                break
        elif kind != "word" and kind != "num":
            break
        parts.append(tok.text)
        last = tok
        j += 1
    cur.i = j
    if depth:
        raise NCDError(msg.UNBALANCED_PAREN.format(), first.span(), kind="syntax", hint=msg.HINT_PAREN.format())
    if len(parts) > 1 and sum(1 for p in parts if p == "(") > 32:
        raise NCDError(msg.TOO_DEEP.format(), first.span(), kind="syntax")
    return A.Atom.at("".join(parts), first.line, first.col, last.col + len(last.text) - first.col)


def _items(cur: Cursor, in_group: bool, depth: int = 0) -> list:
    if depth > 32:
        raise NCDError(msg.TOO_DEEP.format(), cur.here(), kind="syntax")
    items: list = []
    toks, n = cur.toks, cur.n
    new_atom = _new
    atom_cls = A.Atom
    while cur.i < n:
        tok = toks[cur.i]
        kind = tok.kind
        if kind == "word":
            text = tok.text
            if text in _SEGMENT_STOP:
                break  # a clause word ends the segment
            j = cur.i + 1
            if j >= n or toks[j].space or toks[j].kind == "word":  # a single name (atom's common case)
                node = new_atom(atom_cls)
                node.text, node._where = text, (tok.line, tok.col, len(text))
                items.append(node)
                cur.i = j
                continue
        elif kind == "op" and (tok.text in _ENDS_OP or (in_group and tok.text == ")")):
            break  # the segment ends (a separator, or the group's ')')
        if kind == "op" and tok.text == "(":
            # a group opens with '(' that starts an axis; an expression's parenthesis is not preceded by space
            follower = cur.peek(1)
            if follower is not None and not _closes_as_expression(cur):
                open_tok = cur.next()
                inner = _items(cur, True, depth + 1)
                close = cur.peek()
                if close is None or close.text != ")":
                    raise NCDError(msg.UNBALANCED_PAREN.format(), open_tok.span(), kind="syntax", hint=msg.HINT_PAREN.format())
                cur.next()
                if not inner:
                    raise NCDError(msg.EMPTY_GROUP.format(), span_between(open_tok, close), kind="syntax")
                items.append(A.Group(inner, span_between(open_tok, close)))
                continue
        items.append(atom(cur))
    return items


def _closes_as_expression(cur: Cursor) -> bool:
    """``(x-1)/2`` is one axis; ``(k h)`` is a group.  A group contains a space-separated item."""
    depth = 0
    j = cur.i
    toks = cur.toks
    first = True
    while j < cur.n:
        tok = toks[j]
        if not first and tok.space and depth >= 1:
            return False  # whitespace inside the parentheses: a group of axes
        first = False
        if tok.kind == "op" and tok.text == "(":
            depth += 1
        elif tok.kind == "op" and tok.text == ")":
            depth -= 1
            if depth == 0:
                nxt = toks[j + 1] if j + 1 < cur.n else None
                # "(x-1)/2": an operator follows the closing parenthesis
                return nxt is not None and not nxt.space and nxt.kind == "op" and nxt.text in "+-*/^"
        j += 1
    return False


def _where(item):
    if isinstance(item, A.Group):
        sp = item.span
        return sp.column, sp.column + sp.length
    _, col, length = item._where
    return col, col + length


def segment(cur: Cursor) -> A.Segment:
    items = _items(cur, False)
    if not items:
        raise cur.fail("a shape (axes such as 'a b', or 1 for a scalar)")
    first, last = items[0], items[-1]
    start = first._where[1] if type(first) is A.Atom else _where(first)[0]
    end = last._where[1] + last._where[2] if type(last) is A.Atom else _where(last)[1]
    if len(items) == 1 and type(items[0]) is A.Atom and items[0].text == "1":
        items = []  # "1" is the empty shape (a scalar)
    node = _new(A.Segment)  # A.Segment.over, inlined: a segment is made for every shape written
    node.text, node.items, node._where = "", items, (cur.line, start, end - start)
    return node


def segments(cur: Cursor) -> list[A.Segment]:
    segs = [segment(cur)]
    toks, n = cur.toks, cur.n
    while cur.i < n and toks[cur.i].kind == "op" and toks[cur.i].text == ",":
        cur.i += 1
        segs.append(segment(cur))
    return segs


def signature(cur: Cursor, state: bool = False) -> A.Signature:
    """``a, d -> b``; with ``state`` (a map written with no argument, ``H^T : -> b c``) the input side is
    empty: a linear map from nothing, which the paper draws as a box with only outputs."""
    first = cur.peek()
    column = first.col if first is not None else cur.line.end_span().column
    arrow = first is not None and first.kind == "op" and first.text == "->"
    if arrow and not state:
        raise cur.fail("an input shape before '->'")
    if state and not arrow:
        raise cur.fail("'->' right after ':' (a map with no argument has no input shape: H : -> b c)")
    inputs = [] if state else segments(cur)
    if not cur.is_op("->"):
        raise cur.fail("'->' between the input and output shapes")
    cur.i += 1
    outputs = segments(cur)
    end, length = _extent(outputs[-1])
    line = cur.line
    return A.Signature(inputs, outputs, make_span(line.file, line.number, column,
                                                  max(1, end + length - column), line.text))


def _extent(seg: A.Segment) -> tuple[int, int]:
    """(column, length) of a segment, without building its Span."""
    where = seg._where
    if where is not None:
        return where[1], where[2]
    return seg.span.column, seg.span.length
