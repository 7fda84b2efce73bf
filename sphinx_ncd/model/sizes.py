"""Model stage: symbolic sizes.  Size text (``x/s``, ``4*n``, ``c_{\\lambda+1}``) to sympy.

Sizes are sympy expressions over positive integer symbols (a name ``y`` is
``Symbol('y', integer=True, positive=True)``).  A subscripted name whose
subscript is a number or an expression (``x_0``, ``c_\\lambda``,
``C_{5-\\lambda}``) is an applied function ``x(0)``, so a repetition index can
be substituted into it.  Parsing is a tiny recursive descent over the text,
cached by text, so sympy's own (slow) parser is never used.

:func:`size_label` prints a size back in the light-math label syntax.
"""
from __future__ import annotations

import math
import re
from functools import lru_cache

import sympy
from sympy.core.function import AppliedUndef

from ..limits import number_problem, size_problem

__all__ = ["parse_size", "size_label", "symbol", "SizeSyntaxError", "sizes_equal_plain", "product"]

_TOK = re.compile(r"\s*(?:(\d+)|((?:[^\W\d_]|\\[A-Za-z]+)(?:[^\W_]|\\[A-Za-z]+|\{(?:[^{}]|\{[^{}]*\})*\}"
                  r"|[_^](?:\{(?:[^{}]|\{[^{}]*\})*\}|\\[A-Za-z]+|[^\W_])|_)*)|(\*\*|[-+*/^()]))")


MAX_DEPTH = 32  # parentheses nested deeper than this are refused, not recursed into


class SizeSyntaxError(ValueError):
    """Raised by :func:`parse_size`; the model turns it into a located NCDError."""


@lru_cache(maxsize=None)
def symbol(name: str) -> sympy.Symbol:
    return sympy.Symbol(name, integer=True, positive=True)


_FUNCS: dict = {}


def _function(name: str):
    f = _FUNCS.get(name)
    if f is None:
        f = _FUNCS[name] = sympy.Function(name, integer=True, positive=True)
    return f


def _strip_braces(text: str) -> str:
    if text.startswith("{") and text.endswith("}"):
        return text[1:-1]
    return text


def _split_script(word: str):
    """Split ``base_sub`` / ``base^sup`` at the first top-level ``_`` or ``^`` (not inside braces)."""
    depth = 0
    for i, ch in enumerate(word):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif depth == 0 and i > 0 and ch in "_^":
            return word[:i], ch, word[i + 1:]
    return word, "", ""


def _word(word: str) -> sympy.Expr:
    base, mark, rest = _split_script(word)
    if mark == "^" and rest.isdigit():
        if number_problem(rest):
            raise SizeSyntaxError(word)
        return sympy.Pow(_word(base), int(rest))
    if mark == "_" and rest and "_" not in rest and "^" not in rest and base.isalpha():
        sub = _strip_braces(rest)
        if sub.isdigit() or any(c in sub for c in "+-*/\\") or len(sub) == 1:
            try:
                arg = parse_size(sub)
            except SizeSyntaxError:
                return symbol(word)
            if sub.isalpha() and len(sub) == 1:
                return symbol(word)  # x_a: a plain symbol, not a function of a
            return _function(base)(arg)
    return symbol(word)


@lru_cache(maxsize=4096)
def parse_size(text: str) -> sympy.Expr:
    """Parse a size expression; raises :class:`SizeSyntaxError`."""
    if text.isdigit():
        if number_problem(text):
            raise SizeSyntaxError(text)
        return sympy.Integer(int(text))
    toks = []
    pos = 0
    n = len(text)
    while pos < n:
        m = _TOK.match(text, pos)
        if m is None or m.end() == pos:
            if text[pos:].strip() == "":
                break
            raise SizeSyntaxError(text)
        num, word, op = m.groups()
        if num is not None:
            toks.append(("num", num))
        elif word is not None:
            toks.append(("word", word))
        else:
            toks.append(("op", "^" if op == "**" else op))
        pos = m.end()
    if not toks or text.count("(") > MAX_DEPTH:
        raise SizeSyntaxError(text)
    parser = _ExprParser(toks, text)
    expr = parser.expr()
    if parser.i != len(toks) or expr.has(sympy.zoo, sympy.oo, sympy.nan, sympy.I) or size_problem(expr):
        raise SizeSyntaxError(text)
    return expr


class _ExprParser:
    def __init__(self, toks, text):
        self.toks, self.text, self.i = toks, text, 0

    def peek(self):
        return self.toks[self.i] if self.i < len(self.toks) else (None, None)

    def expr(self):
        left = self.term()
        while True:
            kind, val = self.peek()
            if kind == "op" and val in "+-":
                self.i += 1
                right = self.term()
                left = left + right if val == "+" else left - right
            else:
                return left

    def term(self):
        left = self.unary()
        while True:
            kind, val = self.peek()
            if kind == "op" and val in "*/":
                self.i += 1
                right = self.unary()
                left = left * right if val == "*" else left / right
            elif kind in ("word", "num") or (kind == "op" and val == "("):
                left = left * self.unary()  # juxtaposition: 2c
            else:
                return left

    def unary(self):
        kind, val = self.peek()
        if kind == "op" and val == "-":
            self.i += 1
            return -self.unary()
        return self.power()

    def power(self):
        base = self.atom()
        kind, val = self.peek()
        if kind == "op" and val == "^":
            self.i += 1
            exp = self.unary()
            if size_problem(sympy.Pow(base, exp, evaluate=False)):
                raise SizeSyntaxError(self.text)  # x^99999999: refused before sympy expands it
            if base.is_Number and exp.is_Number and abs(base) > 1 and (
                    abs(exp) > 4096 or float(abs(exp)) * math.log10(float(abs(base))) > 400):
                raise SizeSyntaxError(self.text)  # an absurd size, not worth computing
            return base ** exp
        return base

    def atom(self):
        kind, val = self.peek()
        if kind is None:
            raise SizeSyntaxError(self.text)
        self.i += 1
        if kind == "num":
            if number_problem(val):
                raise SizeSyntaxError(self.text)
            return sympy.Integer(int(val))
        if kind == "word":
            nk, nv = self.peek()
            if nk == "op" and nv == "(" and val in ("sqrt", "floor", "ceil"):
                self.i += 1
                arg = self.expr()
                if self.peek() != ("op", ")"):
                    raise SizeSyntaxError(self.text)
                self.i += 1
                return {"sqrt": sympy.sqrt, "floor": sympy.floor, "ceil": sympy.ceiling}[val](arg)
            return _word(val)
        if val == "(":
            inner = self.expr()
            if self.peek() != ("op", ")"):
                raise SizeSyntaxError(self.text)
            self.i += 1
            return inner
        raise SizeSyntaxError(self.text)


def legend_entries(panels):
    """The ``let`` lines of ``panels`` (their legends) as parsed ``(left side, definition)`` pairs, in order; a
    line whose sides are not size expressions is skipped (the model reported it where it was written)."""
    for panel in panels:
        for name, text in getattr(panel, "legend", ()) or ():
            try:
                yield parse_size(name), parse_size(text)
            except SizeSyntaxError:
                continue


def product(sizes) -> sympy.Expr:
    out = sympy.Integer(1)
    for s in sizes:
        out = out * s
    return out


def sizes_equal_plain(a: sympy.Expr, b: sympy.Expr) -> bool:
    """Structural equality, then a cheap algebraic check."""
    if a == b:
        return True
    if a.is_Number and b.is_Number:
        return False
    try:
        return sympy.expand(a - b) == 0
    except Exception:  # pragma: no cover - sympy edge cases
        return False


# --- printing back to labels -------------------------------------------------------------------

def _is_simple(text: str) -> bool:
    return bool(re.fullmatch(r"[A-Za-z0-9]|\\[A-Za-z]+", text))


@lru_cache(maxsize=4096)
def size_label(expr: sympy.Expr) -> str:
    """The light-math label of a size: ``x/2``, ``c_{\\lambda+1}``, ``2c``, ``kh``."""
    return _label(expr)


def _label(e) -> str:
    if e.is_Symbol:
        return e.name
    if e.is_Integer:
        return str(int(e))
    if e.is_Rational:
        return f"{e.p}/{e.q}"
    if isinstance(e, AppliedUndef):
        arg = _label(e.args[0])
        return f"{e.func.__name__}_{arg}" if _is_simple(arg) else f"{e.func.__name__}_{{{arg}}}"
    if isinstance(e, sympy.floor):
        arg = sympy.together(e.args[0])
        num, den = arg.as_numer_denom()
        if den.is_Integer and (num.is_Symbol or isinstance(num, AppliedUndef)):
            return _label(arg)  # the paper's x/s: divisibility is the checker's business
        return r"\lfloor " + _label(arg) + r"\rfloor"
    if isinstance(e, sympy.ceiling):
        return r"\lceil " + _label(e.args[0]) + r"\rceil"
    if e.is_Add:
        terms = sorted(e.args, key=lambda t: (t.could_extract_minus_sign(), t.is_Number,
                                              sympy.default_sort_key(t)))
        out = ""
        for t in terms:
            s = _label(t)
            if out and not s.startswith("-"):
                out += "+"
            out += s
        return out
    if e.is_Mul:
        num, den = e.as_numer_denom()
        if den != 1:
            n, d = _label(num), _label(den)
            if num.is_Add:
                n = f"({n})"
            if den.is_Add or den.is_Mul:
                d = f"({d})"
            return f"{n}/{d}"
        coeff, rest = e.as_coeff_Mul()
        factors = rest.as_ordered_factors() if rest != 1 else []
        parts = []
        for f in factors:
            s = _label(f)
            parts.append(f"({s})" if f.is_Add else s)
        body = "".join(parts) if all(len(p) == 1 for p in parts) else "\\,".join(parts)
        if coeff == -1:
            return "-" + body
        if coeff != 1:
            return _label(coeff) + body
        return body
    if e.is_Pow:
        base, exp = e.args
        if exp == sympy.Rational(1, 2):
            return r"\sqrt{" + _label(base) + "}"
        if exp.is_Integer and exp < 0:
            return "1/" + _label(base ** (-exp))
        b = _label(base)
        if not _is_simple(b):
            b = f"({b})"
        x = _label(exp)
        return f"{b}^{x}" if _is_simple(x) else f"{b}^{{{x}}}"
    return str(e)
