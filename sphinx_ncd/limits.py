"""Shared by the syntax and model stages: bounds on the work one spec may ask for.

A spec is a few dozen lines; nothing a reader can draw needs a number of
5,000 digits, parentheses 400 levels deep, an exponent of 99,999,999 or
20,000 axes on one wire.  Such inputs used to take minutes and gigabytes
(sympy expanding ``(a+b+c+d)^60``, the layout placing 20,000 labels) or to
escape as ``ValueError``/``RecursionError``.  The functions here refuse them
up front, so every stage downstream can assume small, finite work:

* :func:`check_source` -- the text as a whole (length, lone surrogates), located;
* :func:`check_tokens` -- every number token and every wire's axis count, located;
* :func:`size_problem` -- a symbolic size expression (digits, exponents, the number
  of terms its expansion could have); the caller raises its own located error.

Each bound is a module constant, far above anything the paper or the templates use.
"""
from __future__ import annotations

from math import comb

from . import messages as msg
from .errors import NCDError, Span

__all__ = ["MAX_SPEC_CHARS", "MAX_LINES", "MAX_NESTING", "MAX_DIGITS", "MAX_EXPONENT", "MAX_TERMS",
           "MAX_AXES", "check_source", "check_tokens", "size_problem", "number_problem", "nesting_error"]

MAX_SPEC_CHARS = 200_000   # characters in one spec (the longest template is ~3,000)
MAX_LINES = 2_500          # logical lines (statements) in one spec, blocks included
MAX_NESTING = 32           # fences / repetitions / blocks nested in one another
MAX_DIGITS = 18            # digits in one number (sizes up to 10^18)
MAX_EXPONENT = 16          # |n| in a symbolic power x^n
MAX_TERMS = 1_000          # terms the full expansion of one size expression may have
MAX_AXES = 256             # axes written in one signature segment or declaration


def _span(filename: str, line_no: int, column: int, text: str, length: int = 1) -> Span:
    return Span(filename, line_no, column, length, text)


def check_source(text: str, filename: str, line_offset: int = 0) -> None:
    """Refuse a spec that is too long or holds a lone surrogate (not encodable in any file)."""
    if len(text) > MAX_SPEC_CHARS:
        raise NCDError(msg.LIMIT_SPEC_SIZE.format(chars=len(text), limit=MAX_SPEC_CHARS),
                       _span(filename, 1 + line_offset, 1, text[:200].split("\n", 1)[0]), kind="syntax")
    if not text.isascii():
        for number, line in enumerate(text.split("\n"), 1):
            for column, ch in enumerate(line, 1):
                if "\ud800" <= ch <= "\udfff":
                    raise NCDError(msg.LIMIT_SURROGATE.format(code=f"{ord(ch):04X}"),
                                   _span(filename, number + line_offset, column,
                                         line.encode("utf-8", "replace").decode("utf-8")), kind="syntax")


_RUN_ENDS = frozenset((",", ":", "->", "="))  # an op that ends a run of axes


def check_tokens(lines) -> None:
    """Refuse too many statements, over-long numbers and over-wide signatures (lexer lines)."""
    if len(lines) > MAX_LINES:
        tok = lines[MAX_LINES].tokens[0]
        raise NCDError(msg.LIMIT_LINES.format(count=len(lines), limit=MAX_LINES), tok.span(), kind="syntax")
    for line in lines:
        if len(line.tokens) <= MAX_AXES:  # too few tokens for a run of axes too long: only its numbers
            for tok in line.tokens:
                # a number of the digits 0-9 no longer than MAX_DIGITS is fine (its parts are runs of \d)
                if tok.kind == "num" and (len(tok.text) > MAX_DIGITS or not tok.text.isascii()):
                    problem = next(filter(None, map(number_problem, tok.text.split(".", 1))), None)
                    if problem:
                        raise NCDError(problem, tok.span(), kind="syntax")
            continue
        run = 0
        for tok in line.tokens:
            kind = tok.kind
            if kind == "word" or kind == "num":
                if kind == "num":
                    problem = next(filter(None, map(number_problem, tok.text.split(".", 1))), None)
                    if problem:
                        raise NCDError(problem, tok.span(), kind="syntax")
                if tok.space:
                    run += 1
                    if run > MAX_AXES:
                        raise NCDError(msg.LIMIT_AXES.format(limit=MAX_AXES), tok.span(), kind="syntax")
            elif kind == "op" and tok.text in _RUN_ENDS:
                run = 0


def number_problem(digits: str) -> str | None:
    """Why a run of digits is refused (too long, or not ASCII decimal digits), or None."""
    if not (digits.isascii() and digits.isdigit()):
        return msg.LIMIT_NOT_DIGITS.format(text=digits[:40])
    if len(digits.lstrip("0")) > MAX_DIGITS:
        return msg.LIMIT_DIGITS.format(count=len(digits), limit=MAX_DIGITS)
    return None


def nesting_error(opener_span: Span) -> NCDError:
    return NCDError(msg.LIMIT_NESTING.format(limit=MAX_NESTING), opener_span, kind="syntax")


def size_problem(expr) -> str | None:
    """Why a sympy size expression is refused (too many terms, a huge power), or None."""
    try:
        terms = _terms(expr, 0)
    except _TooBig as exc:
        return str(exc)
    if terms > MAX_TERMS:
        return msg.LIMIT_TERMS.format(limit=MAX_TERMS)
    return None


class _TooBig(Exception):
    pass


def _terms(e, depth: int) -> int:
    """An upper bound on the number of terms of ``expand(e)``, refusing huge powers on the way."""
    if depth > 64:
        raise _TooBig(msg.LIMIT_TERMS.format(limit=MAX_TERMS))
    if e.is_Number:
        if e.is_Integer and abs(int(e)).bit_length() > 64:
            raise _TooBig(msg.LIMIT_DIGITS.format(count=len(str(abs(int(e)))), limit=MAX_DIGITS))
        return 1
    if e.is_Atom:
        return 1
    if e.is_Pow:
        base, exp = e.args
        if exp.is_Number:
            if exp.is_Integer and abs(int(exp)) > MAX_EXPONENT and not base.is_Number:
                raise _TooBig(msg.LIMIT_EXPONENT.format(limit=MAX_EXPONENT))
            n = _terms(base, depth + 1)
            k = abs(int(exp)) if exp.is_Integer else 1
            return comb(n + k - 1, k) if n > 1 and k > 1 else n
        _terms(exp, depth + 1)
        _terms(base, depth + 1)
        return 1
    if e.is_Add:
        return _cap(sum(_terms(a, depth + 1) for a in e.args))
    if e.is_Mul:
        out = 1
        for a in e.args:
            out = _cap(out * _terms(a, depth + 1))
        return out
    for a in e.args:  # functions: floor, ceiling, x_{...}
        _terms(a, depth + 1)
    return 1


def _cap(n: int) -> int:
    if n > MAX_TERMS:
        raise _TooBig(msg.LIMIT_TERMS.format(limit=MAX_TERMS))
    return n
