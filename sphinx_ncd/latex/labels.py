"""LaTeX integration: diagram labels typeset by TeX (``\\usepackage[labels=tex]{ncd}``).

A label's light-math source (``L^Q``, ``\\mathcal{L}``, ``softmax``, ``\\vb{x}``)
becomes TeX code (:func:`to_tex`) that ``ncd.sty`` typesets in the paper's own
fonts, so the layout needs the sizes TeX gives it.  Two measurers plug into the
layout's label hook (:func:`sphinx_ncd.layout.mathtext.measured_by`):

- :class:`Recorder` lays out with sizes estimated from each label's length and notes every label asked for;
- :class:`Measured` answers from a table TeX measured (:mod:`.measure`); a label the table
  lacks is noted in ``missing`` and drawn as outlines (never left out).

Sizes: a label of the layout's font size ``FONT`` is typeset at the paper's
``\\normalsize``; smaller and larger ones at the paper's ``\\small``,
``\\footnotesize``, ``\\large`` and, for the large glyph letters (the learned map's
bold L, the convolution's star), ``\\Large`` to ``\\Huge`` (:func:`size_command`).
TeX measures in bp; the drawing's unit is 0.75 bp.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..layout.geometry import FONT
from ..layout.mathtext import GREEK, SYMBOLS, Label, plain_text

__all__ = ["Request", "to_tex", "request_for", "Recorder", "Measured", "UNIT_BP"]

UNIT_BP = 0.75  # one drawing unit in bp

# commands whose braced argument is text (or already styled): copied verbatim
_VERBATIM_ARG = {"text", "textrm", "textbf", "textit", "textsf", "texttt", "textnormal", "mbox", "operatorname",
                 "mathrm", "mathbf", "mathit", "mathsf", "mathtt", "mathbb", "mathcal", "boldsymbol", "bm",
                 "label", "ref"}
_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|[A-Za-z]{2,}|.", re.S)
_UNICODE = {v: "\\" + k for k, v in GREEK.items()}
_UNICODE.update({v: "\\" + k for k, v in SYMBOLS.items() if len(v) == 1 and not v.isascii()
                 and k.isalpha() and v not in _UNICODE})
_TEXT_SPECIAL = {"#": r"\#", "$": r"\$", "%": r"\%", "&": r"\&", "~": r"\textasciitilde{}", "_": r"\_",
                 "^": r"\textasciicircum{}", "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}"}


@dataclass(frozen=True)
class Request:
    """One label to typeset: its TeX code and the paper's size command it is set in."""

    tex: str
    size: str  # the size command's name (normalsize, small, footnotesize, large, Large, LARGE, huge, Huge)


def size_command(size: float) -> str:
    """The LaTeX size command for a label drawn at ``size`` units (``FONT``: ``normalsize``); above ``large``,
    LaTeX's steps of 1.44, 1.73, 2.07 and 2.49 times the normal size.  The learned map's bold L and a one-capital
    function (1.9 times the labels' size) are set ``LARGE`` (they were ``large``: a small L in a paper's figures):
    TeX's normal size comes out about 1.2 times the drawing's label size, so ``LARGE`` draws the L about as large
    as the shipped fonts do, within its wire's pitch (``huge`` pushed the separator below it aside)."""
    r = size / FONT
    if r >= 1.15:
        for step, name in ((2.3, "Huge"), (2.0, "huge"), (1.58, "LARGE"), (1.32, "Large")):
            if r >= step:
                return name
        return "large"
    if r >= 0.93:
        return "normalsize"
    return "small" if r >= 0.84 else "footnotesize"


def _braced(src: str, i: int) -> int:
    """Index after the brace group starting at ``src[i] == '{'`` (or the end)."""
    depth = 0
    for j in range(i, len(src)):
        if src[j] == "{":
            depth += 1
        elif src[j] == "}":
            depth -= 1
            if depth == 0:
                return j + 1
    return len(src)


def _math(src: str, *, spaces: bool = False) -> str:
    """Math-mode TeX for a light-math source: words upright (``\\ncdword``), Unicode as commands."""
    out: list[str] = []
    i = 0
    while i < len(src):
        m = _TOKEN.match(src, i)
        tok = m.group(0)
        i = m.end()
        if tok.startswith("\\") and tok[1:] in _VERBATIM_ARG:
            j = i
            while j < len(src) and src[j] == " ":
                j += 1
            if j < len(src) and src[j] == "{":
                end = _braced(src, j)
                out.append(tok + src[j:end])
                i = end
                continue
            out.append(tok + " ")
        elif tok.startswith("\\"):
            out.append(tok + (" " if tok[-1].isalpha() else ""))
        elif len(tok) > 1:
            out.append(r"\ncdword{" + tok + "}")
        elif tok == " ":
            out.append(r"\ " if spaces else " ")
        elif tok in "%#&$":
            out.append("\\" + tok)
        elif tok in _UNICODE:
            out.append(_UNICODE[tok] + " ")
        elif not tok.isascii():
            out.append(r"\mbox{" + tok + "}")
        else:
            out.append(tok)
    return "".join(out).strip()


def _balanced(src: str) -> bool:
    depth = 0
    for m in re.finditer(r"\\.|[{}]", src, re.S):
        t = m.group(0)
        depth += 1 if t == "{" else -1 if t == "}" else 0
        if depth < 0:
            return False
    return depth == 0


def to_tex(src: str, style: str | None) -> str:
    """TeX code for a label: ``$...$`` (math labels), or ``\\textnormal{...}`` for plain words."""
    if (style == "regular" and not any(c in src for c in "\\^_{}$")) or not _balanced(src):
        return r"\textnormal{" + "".join(_TEXT_SPECIAL.get(c, c) for c in src) + "}"
    body = _math(src, spaces=style == "regular")
    wrap = {"bold": r"\ncdbold", "regular": r"\mathrm", "italic": r"\mathit"}.get(style or "")
    return f"${wrap}{{{body}}}$" if wrap else f"${body}$"


def request_for(src: str, size: float, style: str | None) -> Request:
    return Request(to_tex(src, style), size_command(size))


@dataclass
class Recorder:
    """Records every label's :class:`Request` during a layout whose only product is that list.

    Sizes are estimated from the label's length (no font is read: loading the outline
    fonts was most of a cold ``ncd-latex`` pass's layout time); a label that only
    TeX's sizes bring about (a different fold) is measured later (:attr:`Measured.missing`).
    """

    requests: dict = field(default_factory=dict)  # Request -> None (ordered set)

    def label(self, src, size, style, outline):
        self.requests.setdefault(request_for(src, size, style), None)
        text = plain_text(src)
        return Label(text, 0.55 * size * max(1, len(text)), 0.72 * size, 0.22 * size, (), (), size,
                     source=src, style=style)


@dataclass
class Measured:
    """Label sizes from TeX: ``dims`` maps a :class:`Request` to (width, height, depth) in bp."""

    dims: dict
    missing: dict = field(default_factory=dict)  # requests the table lacked (drawn as outlines)

    def label(self, src, size, style, outline):
        req = request_for(src, size, style)
        d = self.dims.get(req)
        if d is None:
            self.missing.setdefault(req, None)
            return outline(src, size, style)
        w, h, dp = (v / UNIT_BP for v in d)
        return Label(plain_text(src), w, h, dp, (), (), size, source=src, style=style)
