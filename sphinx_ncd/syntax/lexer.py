"""Syntax stage: the lexer.  Spec text to tokens, one logical line at a time.

The language is line oriented, so the lexer yields one list of tokens per
non-blank line.  Each :class:`Token` knows its exact column and whether
whitespace preceded it (``x/s`` is one axis, ``x / s`` is not).

Token kinds: ``word`` (names and light-math labels such as ``L^Q``,
``C_{5-\\lambda}``, ``\\bar{x}``, optionally followed by primes ``a'``),
``num``, ``str`` (double quoted), ``color`` (``#dbdfef`` after a fence title),
``op`` (punctuation, including ``->`` and ``..``).  ``#`` starts a comment; ``;`` separates
statements (it is never a token: it splits the line).
"""
from __future__ import annotations

import re

from .. import messages as msg
from ..errors import NCDError, Span

__all__ = ["Token", "Line", "tokenize"]

# braces in a label are balanced and may hold any text, ';' included (J_{F;G}: the paper's composition)
_BRACE = r"\{(?:[^{}]|\{(?:[^{}]|\{[^{}]*\})*\})*\}"
_WORD = (r"(?:[^\W\d_]|\\[A-Za-z]+)"  # a letter (any script: λ works as well as \lambda) or a command
         r"(?:[^\W_]|\\[A-Za-z]+|" + _BRACE + r"|[_^](?:" + _BRACE + r"|\\[A-Za-z]+|[^\W_])|_)*'*")
_TOKEN = re.compile(
    r"[ \t]*(?:"
    r"(?P<word>" + _WORD + r")"
    r"|(?P<num>\d+(?:\.\d+)?)"
    r"|(?P<str>\"(?:[^\"\\]|\\.)*\")"
    r"|(?P<color>#(?:[0-9a-fA-F]{6}|[0-9a-fA-F]{3})(?=[ \t{]|$))"
    r"|(?P<hash>\#)"
    r"|(?P<sep>;)"
    r"|(?P<op>->|\.\.|[=:,()\[\]{}+\-*/^'.])"
    r")"
)
_new = object.__new__


def make_span(file: str, line: int, column: int, length: int, text: str) -> Span:
    """A Span without the dataclass constructor's overhead (spans are made for every token)."""
    span = _new(Span)
    span.__dict__.update(file=file, line=line, column=column, length=length if length > 0 else 1, text=text)
    return span


class Token:
    """One token: ``kind``, ``text``, 1-based ``col``, and ``space`` (whitespace before it)."""

    __slots__ = ("kind", "text", "col", "space", "line")

    def __init__(self, kind: str, text: str, col: int, space: bool, line: "Line"):
        self.kind = kind
        self.text = text
        self.col = col
        self.space = space
        self.line = line

    def span(self, length: int | None = None) -> Span:
        return self.line.span(self.col, len(self.text) if length is None else length)

    def end(self) -> int:
        return self.col + len(self.text)

    def __repr__(self) -> str:
        return f"{self.kind}:{self.text!r}@{self.col}"


class Line:
    """One source line with its tokens."""

    __slots__ = ("file", "number", "text", "tokens", "stop")

    def __init__(self, file: str, number: int, text: str):
        self.file = file
        self.number = number
        self.text = text
        self.tokens: list[Token] = []
        self.stop = ""  # what ended this logical line before the physical line's end: ';' or '}

    def span(self, col: int, length: int = 1) -> Span:
        return make_span(self.file, self.number, col, length, self.text)

    def end_span(self) -> Span:
        """The position just after the last token (for 'expected ... at end of line')."""
        if self.tokens:
            last = self.tokens[-1]
            return self.span(last.col + len(last.text), 1)
        return self.span(len(self.text.rstrip()) + 1, 1)


# the same alternatives as _TOKEN, in the same order, for the fast path: (whitespace, token) pairs of a whole
# line in one call, a comment swallowed to the line's end
_PARTS = re.compile(
    r"([ \t]*)(" + _WORD +
    r"|\d+(?:\.\d+)?"
    r"|\"(?:[^\"\\]|\\.)*\""
    r"|#(?:[0-9a-fA-F]{6}|[0-9a-fA-F]{3})(?=[ \t{]|$)"
    r"|\#.*"
    r"|;"
    r"|->|\.\.|[=:,()\[\]{}+\-*/^'.]"
    r")"
)
_PARTS_ASCII = re.compile(_PARTS.pattern, re.ASCII)  # the same on an ASCII line, and quicker there
_COLOR = re.compile(r"#(?:[0-9a-fA-F]{6}|[0-9a-fA-F]{3})")
# a token's kind by its first character (ASCII only; any other first character takes the slow path); 0 for
# the characters that need a second look ('#', ';', '{', '}')
_KIND = {**dict.fromkeys("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ\\", "word"),
         **dict.fromkeys("0123456789", "num"), '"': "str", **dict.fromkeys("#;{}", 0),
         **dict.fromkeys("-.=:,()[]+*/^'", "op")}


def tokenize(text: str, file: str = "<spec>", line_offset: int = 0) -> list[Line]:
    """Split ``text`` into logical lines of tokens; blank and comment-only lines are dropped.

    A ``;`` ends a logical line as a newline does (``input X: a; Y = relu X``); so does the ``{`` that
    opens a body, and a ``}`` stands on a logical line of its own (``fence "F" { R = relu X }``).  Each
    logical line keeps its physical line's number and text, and its tokens their columns, so errors
    point into the line as written.  Empty statements (``;;``) are dropped."""
    lines: list[Line] = []
    for index, raw in enumerate(text.splitlines()):
        stripped = raw.lstrip()
        if not stripped or stripped[0] == "#":
            continue  # blank or comment-only
        number = index + 1 + line_offset
        if not _fast_line(raw, file, number, lines):
            _line(raw, file, number, lines)
    return lines


def _fast_line(raw: str, file: str, number: int, lines: list) -> bool:
    """Tokenize one physical line from one ``findall``, appending its logical lines to ``lines``; False
    (and nothing appended) where the line needs the careful path: a character no token takes (an
    error), a token starting with a non-ASCII character, a colour that is really a comment."""
    line = Line(file, number, raw)
    tokens = line.tokens
    out = [line]  # the logical lines, the last one still open
    pos = 0
    get = _KIND.get
    for ws, text in (_PARTS_ASCII if raw.isascii() else _PARTS).findall(raw):
        kind = get(text[0])
        start = pos + len(ws)
        if kind:  # a word, a number, a string or an operator (the first on a line or after ';' has space)
            tokens.append(Token(kind, text, start + 1, ws != "" or not tokens, line))
            pos = start + len(text)
            continue
        if kind is None:
            return False
        first = text[0]
        if first == "#":
            if _COLOR.fullmatch(text) is not None and tokens and (
                    tokens[-1].kind == "str" or tokens[-1].text in ("fence", "highlight")):
                tokens.append(Token("color", text, start + 1, start > pos, line))
                pos = start + len(text)
                continue
            if start + len(text) != len(raw):  # not the comment to the line's end: the careful path
                return False
            pos = len(raw)
            break
        if first == ";" or first == "}":
            if tokens:  # close the statement before ';' or '}'
                line.stop = first
                line = Line(file, number, raw)
                tokens = line.tokens
                out.append(line)
            if first == ";":
                pos = start + 1
                continue
        tokens.append(Token("op", text, start + 1, True, line))  # '{' or '}'
        pos = start + 1
        if raw[pos:].strip(" \t"):  # more follows on this line: '{' and '}' end a statement
            line = Line(file, number, raw)
            tokens = line.tokens
            out.append(line)
    else:
        if pos != len(raw) and not raw[pos:].isspace():
            return False  # a character no token takes: the careful path says where
    for line in out:
        if line.tokens:
            lines.append(line)
    return True


def _line(raw: str, file: str, number: int, lines: list) -> None:
    """Tokenize one physical line token by token (raising the located error for a bad character)."""
    match = _TOKEN.match
    line = Line(file, number, raw)
    tokens = line.tokens
    pos = 0
    n = len(raw)
    while pos < n:
        m = match(raw, pos)
        if m is None:
            rest = raw[pos:]
            if rest.isspace():
                break
            col = pos + len(rest) - len(rest.lstrip(" \t"))
            hint = msg.HINT_PERCENT.format() if raw[col] == "%" else msg.HINT_CHARS.format()
            raise NCDError(msg.UNEXPECTED_CHAR.format(char=raw[col]), line.span(col + 1, 1),
                           kind="syntax", hint=hint)
        kind = m.lastgroup
        if kind == "hash":
            break
        start, end = m.span(kind)
        if kind == "color":
            prev = tokens[-1] if tokens else None
            if prev is None or not (prev.kind == "str" or prev.text in ("fence", "highlight")):
                break  # a comment that happens to start like a colour
        elif kind == "sep" or (kind == "op" and raw[start] in "{}"):
            if kind == "sep" or raw[start] == "}":
                if tokens:  # close the statement before ';' or '}'
                    line.stop = raw[start]
                    lines.append(line)
                    line = Line(file, line.number, raw)
                    tokens = line.tokens
                if kind == "sep":
                    pos = end
                    continue
            tokens.append(Token(kind, raw[start:end], start + 1, True, line))
            pos = end
            if raw[end:].strip(" \t"):  # more follows on this line: '{' and '}' end a statement
                lines.append(line)
                line = Line(file, line.number, raw)
                tokens = line.tokens
            continue
        tokens.append(Token(kind, raw[start:end], start + 1, start > pos or pos == 0 or not tokens, line))
        pos = end
    if tokens:
        lines.append(line)
