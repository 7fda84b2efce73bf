"""Layout (stage 3): light-math labels, parsed and measured with real font metrics.

A label source such as ``L^Q``, ``C_\\lambda``, ``\\bar{x}``, ``\\mathbf{x}/s`` or
``k^{-1/2}`` becomes a :class:`Label`: its ink extents around a baseline and
the glyphs (style, character, position, size) and rules (overlines) that draw
it.  The subset, TeX-like:

* ``^`` and ``_`` with a character, a ``\\command`` or a ``{group}``;
* ``\\bar{..}`` / ``\\overline{..}``, ``\\mathbf{..}`` / ``\\boldsymbol{..}``,
  ``\\mathrm{..}`` / ``\\text{..}`` / ``\\operatorname{..}``, ``\\mathit{..}``,
  ``\\sqrt{..}``, ``\\mathbb{E}``, ``\\mathcal{L}``;
* Greek letters by name (``\\lambda``, ``\\eta``, ``\\Delta``) and a few symbols
  (``\\star``, ``\\times``, ``\\cdot``, ``\\to``, ``\\partial``, ``\\nabla``);
* math conventions: a lone letter is italic, a word (``ReLU``, ``Max``) is
  upright, ``-`` is a minus sign, ``'`` is a prime.

Unknown commands are drawn as their name; nothing a user writes makes this
fail except absurd brace nesting.  Results are cached per process.
"""
from __future__ import annotations

import re
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache

from .fonts import glyph

__all__ = ["Label", "label", "outline_label", "measured_by", "plain_text", "label_face", "current_face",
           "set_default_face", "FACES", "numbered"]

SCRIPT_SCALE = 0.7  # size of sub/superscripts relative to their base
SUP_RAISE = 0.42  # superscript baseline raise (em of the base)
SUB_DROP = 0.2  # subscript baseline drop (em of the base)
OVERLINE_GAP = 0.09  # gap between ink top and overline (em)
OVERLINE_THICKNESS = 0.055  # em
MAX_DEPTH = 40  # brace/script nesting accepted

GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ϵ", "varepsilon": "ε",
    "zeta": "ζ", "eta": "η", "theta": "θ", "vartheta": "ϑ", "iota": "ι", "kappa": "κ",
    "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ", "pi": "π", "rho": "ρ", "sigma": "σ",
    "tau": "τ", "upsilon": "υ", "phi": "ϕ", "varphi": "φ", "chi": "χ", "psi": "ψ", "omega": "ω",
    "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ", "Pi": "Π",
    "Sigma": "Σ", "Upsilon": "Υ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
}
SYMBOLS = {
    "star": "⋆", "ast": "∗", "times": "×", "cdot": "⋅", "to": "→", "rightarrow": "→",
    "leftarrow": "←", "partial": "∂", "nabla": "∇", "infty": "∞", "sum": "∑", "prod": "∏",
    "prime": "′", "circ": "∘", "otimes": "⊗", "oplus": "⊕", "pm": "±", "le": "≤", "ge": "≥",
    "approx": "≈", "neq": "≠", "in": "∈", "ldots": "…", "dots": "…", "mid": "|",
    "langle": "⟨", "rangle": "⟩", "triangleleft": "◁", "top": "⊤",
    "lfloor": "⌊", "rfloor": "⌋", "lceil": "⌈", "rceil": "⌉", "div": "÷", "sim": "∼", "equiv": "≡",
    "lvert": "|", "rvert": "|", "vert": "|", "quad": "  ", "qquad": "    ", "!": "",
    ",": " ", ";": " ", " ": " ", "{": "{", "}": "}", "_": "_", "^": "^", "#": "#", "%": "%",
    "&": "&", "\\": "\\", "$": "$",
}
MATH_CHARS = {"-": "−", "*": "∗", "'": "′"}
BLACKBOARD = {"E": "𝔼", "R": "ℝ", "N": "ℕ", "Z": "ℤ"}
# \mathcal{A..Z}: the Unicode mathematical script capitals (some live in the BMP)
_SCRIPT_BMP = {"B": "ℬ", "E": "ℰ", "F": "ℱ", "H": "ℋ", "I": "ℐ", "L": "ℒ", "M": "ℳ", "R": "ℛ"}
CALLIGRAPHIC = {c: _SCRIPT_BMP.get(c, chr(0x1D49C + i)) for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZ")}
#: a style is (family, bold, italic); None leaves that attribute to the enclosing style, and at the top to
#: the math convention.  Family "math" is the face's math family (serif Latin Modern Math, or the old sans),
#: "sans" is always Latin Modern Sans (titles and names, as the paper sets them).
PLAIN = (None, None, None)
STYLE_COMMANDS = {
    "mathbf": (None, True, False), "textbf": (None, True, False), "boldsymbol": (None, True, None),
    "bm": (None, True, None), "mathrm": ("math", False, False), "text": ("math", False, False),
    "operatorname": ("math", False, False), "textrm": ("math", False, False),
    "mathsf": ("sans", False, False), "mathit": (None, None, True), "textit": (None, None, True),
}
#: what a caller's ``style`` argument asks for: "regular" is upright sans text (fence titles, block names)
CALLER_STYLES = {None: PLAIN, "regular": ("sans", False, False), "bold": (None, True, False),
                 "italic": (None, None, True), "bolditalic": (None, True, True)}
FACES = ("serif", "sans")  # the label faces: the paper's serif math, or the sans of the first releases
_TOKEN = re.compile(r"\\([A-Za-z]+)\s?|\\(.)|(.)", re.S)


@dataclass(frozen=True)
class Label:
    """A measured label.  Coordinates are relative to the baseline origin, y down."""

    text: str  # plain text (for screen readers, search, alt text)
    width: float  # advance width
    ascent: float  # ink height above the baseline (>= 0)
    descent: float  # ink depth below the baseline (>= 0)
    glyphs: tuple[tuple[str, str, float, float, float], ...]  # (style, char, x, y, size)
    rules: tuple[tuple[float, float, float, float], ...]  # (x0, y, x1, thickness): overlines
    size: float  # nominal font size
    source: str = ""  # the label's source, when it is typeset elsewhere (TeX labels: no glyphs here)
    style: str | None = None  # the style it was asked for (with ``source``)

    @property
    def height(self) -> float:
        return self.ascent + self.descent


# --- parsing -------------------------------------------------------------------
# A node is one of:
#   ("char", ch, style or None)        None: decide by math convention
#   ("group", nodes)
#   ("style", style, nodes)
#   ("bar", nodes)                      overline
#   ("sqrt", nodes)
#   ("scripts", base, sub, sup)         base/sub/sup are nodes or None


class _TooDeep(Exception):
    pass


def _tokens(src: str) -> list[tuple[str, str]]:
    out = []
    for m in _TOKEN.finditer(src):
        if m.group(1) is not None:
            out.append(("cmd", m.group(1)))
        elif m.group(2) is not None:
            out.append(("esc", m.group(2)))
        else:
            ch = m.group(3)
            out.append((ch if ch in "{}^_" else "ch", ch))
    return out


class _Parser:
    def __init__(self, src: str):
        self.toks = _tokens(src)
        self.i = 0

    def peek(self):
        return self.toks[self.i] if self.i < len(self.toks) else (None, None)

    def take(self):
        t = self.peek()
        self.i += 1
        return t

    def seq(self, depth: int, closing: bool) -> list:
        if depth > MAX_DEPTH:
            raise _TooDeep
        nodes: list = []
        while self.i < len(self.toks):
            kind, val = self.peek()
            if kind == "}":
                if closing:
                    self.i += 1
                    return nodes
                self.i += 1  # stray closing brace: draw it
                nodes.append(("char", "}", "regular"))
                continue
            if kind in ("^", "_"):
                self.i += 1
                base = nodes.pop() if nodes else None
                if base is not None and base[0] == "scripts" and base[2 if kind == "_" else 3] is None:
                    _, b, sub, sup = base
                else:
                    b, sub, sup = base, None, None
                arg = self.argument(depth + 1)
                if kind == "_":
                    sub = arg
                else:
                    sup = arg
                nodes.append(("scripts", b, sub, sup))
                continue
            nodes.append(self.atom(depth + 1))
        return nodes

    def argument(self, depth: int):
        kind, val = self.peek()
        if kind is None:
            return ("group", [])
        return self.atom(depth)

    def atom(self, depth: int):
        if depth > MAX_DEPTH:
            raise _TooDeep
        kind, val = self.take()
        if kind == "{":
            return ("group", self.seq(depth + 1, True))
        if kind == "esc":
            return ("char", SYMBOLS.get(val, val), "regular")
        if kind == "cmd":
            if val in STYLE_COMMANDS:
                return ("style", STYLE_COMMANDS[val], [self.argument(depth + 1)])
            if val in ("bar", "overline"):
                return ("bar", [self.argument(depth + 1)])
            if val == "sqrt":
                return ("sqrt", [self.argument(depth + 1)])
            if val in ("mathbb", "mathcal"):
                table = BLACKBOARD if val == "mathbb" else CALLIGRAPHIC
                arg = self.argument(depth + 1)
                while arg[0] == "group" and len(arg[1]) == 1:
                    arg = arg[1][0]
                if arg[0] == "char" and arg[1] in table:
                    return ("char", table[arg[1]], "math")
                return arg
            if val in GREEK:
                return ("char", GREEK[val], None)
            if val in SYMBOLS:
                return ("char", SYMBOLS[val], None)
            return ("style", ("math", False, False), [("char", c, "regular") for c in val])
        return ("char", val, None)


@lru_cache(maxsize=2048)
def _parse(src: str):
    try:
        return _Parser(src).seq(0, False)
    except (_TooDeep, RecursionError):
        return None


# --- layout ----------------------------------------------------------------------

_GREEK_LOWER = set("αβγδϵεζηθϑικλμνξπρστυϕφχψω")


def _math_italic(ch: str) -> str:
    """Lowercase Greek in the math font's italic alphabet (U+1D6FC...)."""
    base = "αβγδεζηθικλμνξοπρςστυφχψω"
    if ch in base:
        return chr(0x1D6FC + base.index(ch))
    extra = {"ϵ": 0x1D716, "ϑ": 0x1D717, "ϕ": 0x1D719}
    return chr(extra[ch]) if ch in extra else ch


class _Box:
    __slots__ = ("width", "asc", "desc", "glyphs", "rules")

    def __init__(self):
        self.width = 0.0
        self.asc = 0.0
        self.desc = 0.0
        self.glyphs: list = []
        self.rules: list = []

    def place(self, other: "_Box", dx: float, dy: float):
        """Append ``other`` at (dx, dy) relative to this box's baseline origin (y down)."""
        for st, ch, x, y, s in other.glyphs:
            self.glyphs.append((st, ch, x + dx, y + dy, s))
        for x0, y, x1, t in other.rules:
            self.rules.append((x0 + dx, y + dy, x1 + dx, t))
        if other.glyphs or other.rules:
            self.asc = max(self.asc, other.asc - dy)
            self.desc = max(self.desc, other.desc + dy)


def _is_letter(node) -> bool:
    return node[0] == "char" and node[2] is None and node[1].isascii() and node[1].isalpha()


def _runs(nodes: list) -> list:
    """Resolve the math convention: letters in a run of 2+ letters are upright (a word)."""
    out = []
    n = len(nodes)
    for i, node in enumerate(nodes):
        if _is_letter(node):
            word = (i > 0 and _is_letter(nodes[i - 1])) or (i + 1 < n and _is_letter(nodes[i + 1]))
            out.append(("char", node[1], "word" if word else "letter"))
        else:
            out.append(node)
    return out


def _merge(outer: tuple, inner: tuple) -> tuple:
    """A style inside another: what the inner one sets wins."""
    return tuple(o if i is None else i for o, i in zip(outer, inner))


def _font_style(family: str, bold: bool, italic: bool) -> str:
    """The :mod:`.fonts` style of a family ("serif" or "sans"), weight and shape."""
    if family == "serif":
        return "serif" + ("-bolditalic" if bold and italic else "-bold" if bold else "-italic" if italic else "")
    return ("bold" if bold else "") + ("italic" if italic else "") or "regular"


def _char_style(ch: str, hint, style: tuple, face: str) -> tuple[str, str]:
    """(font style, character) for one character: ``style`` is (family, bold, italic), see STYLE_COMMANDS."""
    if hint == "math":
        return "math", ch
    family, bold, italic = style
    if ch in MATH_CHARS and hint is None and family is None:
        ch = MATH_CHARS[ch]
    if ch in _GREEK_LOWER:  # the math font's: upright only when asked for
        return ("math", ch) if italic is False else ("math", _math_italic(ch))
    fam = "sans" if family == "sans" else face
    if not (ch.isascii() and ch.isalpha()):  # digits, signs, symbols: upright
        return _font_style(fam, bool(bold), False), ch
    if italic is None:
        italic = hint == "letter"
    return _font_style(fam, bool(bold), italic), ch


def _char_box(ch: str, hint, size: float, style: tuple, face: str) -> _Box:
    st, ch = _char_style(ch, hint, style, face)
    g = glyph(st, ch)
    box = _Box()
    box.width = g.advance * size
    if g.path:
        box.glyphs.append((g.style, g.char, 0.0, 0.0, size))
        box.asc = g.bounds[3] * size
        box.desc = -g.bounds[1] * size
    return box


def _bar_box(kind: str, inner: list, size: float, style: tuple, face: str) -> _Box:
    """An overlined group, or a square root: radical sign and vinculum."""
    box = _Box()
    sub = _layout(inner, size, style, face)
    if kind == "sqrt":
        g = glyph("math", "√")
        rad = _Box()
        rad.width = g.advance * size
        rad.glyphs.append((g.style, g.char, 0.0, 0.0, size))
        rad.asc, rad.desc = g.bounds[3] * size, -g.bounds[1] * size
        box.place(rad, 0.0, 0.0)
        box.width = rad.width
    top = max(sub.asc, 0.62 * size) + OVERLINE_GAP * size
    t = OVERLINE_THICKNESS * size
    inset = 0.04 * size if kind == "bar" else 0.0
    sub.rules.append((inset, -top - t / 2, sub.width - inset, t))
    sub.asc = max(sub.asc, top + t)
    box.place(sub, box.width, 0.0)
    box.width += sub.width
    return box


def _scripts_box(node, size: float, style: tuple, face: str) -> _Box:
    """A base with its subscript and/or superscript (stacked at one x when both)."""
    _, base, sb, sp = node
    box = _Box()
    base_asc = 0.6 * size
    if base is not None:
        b = _layout([base], size, style, face)
        box.place(b, 0.0, 0.0)
        box.width = b.width
        base_asc = b.asc
    x = box.width
    w = 0.0
    s = size * SCRIPT_SCALE
    if sp is not None:
        sup = _layout([sp], s, style, face)
        box.place(sup, x, -max(SUP_RAISE * size, base_asc - 0.6 * sup.asc))
        w = max(w, sup.width)
    if sb is not None:
        sub = _layout([sb], s, style, face)
        box.place(sub, x, SUB_DROP * size + (0.1 * size if sp is not None else 0.0))
        w = max(w, sub.width)
    box.width = x + w
    return box


def _layout(nodes: list, size: float, style: tuple, face: str) -> _Box:
    box = _Box()
    for node in (_runs(nodes) if style[0] is None else nodes):
        kind = node[0]
        if kind == "char":
            sub = _char_box(node[1], node[2], size, style, face)
        elif kind == "group":
            sub = _layout(node[1], size, style, face)
        elif kind == "style":
            sub = _layout(node[2], size, _merge(style, node[1]), face)
        elif kind in ("bar", "sqrt"):
            sub = _bar_box(kind, node[1], size, style, face)
        elif kind == "scripts":
            sub = _scripts_box(node, size, style, face)
        else:  # pragma: no cover - the parser makes no other node
            continue
        box.place(sub, box.width, 0.0)
        box.width += sub.width
    return box


def _plain(nodes: list) -> str:
    out = []
    for node in nodes:
        kind = node[0]
        if kind == "char":
            out.append(node[1])
        elif kind == "group":
            out.append(_plain(node[1]))
        elif kind == "style":
            out.append(_plain(node[2]))
        elif kind == "bar":
            out.append(_plain(node[1]) + "\u0305" if len(_plain(node[1])) == 1 else "bar(" + _plain(node[1]) + ")")
        elif kind == "sqrt":
            out.append("√(" + _plain(node[1]) + ")")
        elif kind == "scripts":
            _, base, sb, sp = node
            out.append(_plain([base]) if base is not None else "")
            if sb is not None:
                out.append("_" + _plain([sb]))
            if sp is not None:
                out.append("^" + _plain([sp]))
    return "".join(out)


#: a measurer that replaces the shipped fonts' metrics (``ncd-latex`` with TeX labels): an object
#: with ``label(src, size, style, outline)`` returning a :class:`Label`; None: the shipped fonts
_MEASURER: ContextVar = ContextVar("ncd_label_measurer", default=None)


def label(src: str, size: float, style: str | None = None) -> Label:
    """Measure the light-math label ``src`` at font ``size`` (see :func:`outline_label`).

    Inside :func:`measured_by` the measurer's sizes are used instead (labels typeset by TeX).
    """
    measurer = _MEASURER.get()
    if measurer is None:  # the shipped fonts: one look-up for a label measured before in this face
        key = (src, size, style, _FACE.get() or _DEFAULT_FACE[0])
        lab = _MEASURED.get(key)
        if lab is None:
            if len(_MEASURED) > 8192:
                _MEASURED.clear()
            lab = _MEASURED[key] = _outline(src if style == "regular" else numbered(src), size, style, key[3])
        return lab
    if style != "regular":
        src = numbered(src)
    return measurer.label(src, size, style, outline_label)


#: (source, size, style, face) -> its label, as :func:`label` measured it with the shipped fonts (labels repeat:
#: every state names its wires again)
_MEASURED: dict = {}


_NUMBERED = re.compile(r"(?<![A-Za-z\\])([A-Za-z])([0-9]+)(?![A-Za-z0-9])")


@lru_cache(maxsize=4096)
def numbered(src: str) -> str:
    """The paper's subscripts: a lone letter followed by digits is that letter with the digits as its
    subscript (``n0`` -> ``n_{0}``, ``2x12`` -> ``2x_{12}``); a word with a number (``fc1``) is left alone.
    Applied to every label but upright sans text, before any measurer (TeX labels get it too)."""
    return _NUMBERED.sub(r"\1_{\2}", src) if any(c.isdigit() for c in src) else src


@contextmanager
def measured_by(measurer):
    """Lay out with label sizes from ``measurer`` (an object with ``label(src, size, style, outline)``)."""
    token = _MEASURER.set(measurer)
    try:
        yield measurer
    finally:
        _MEASURER.reset(token)


#: the face labels are drawn in: "serif" (the paper's Latin Modern Math) or "sans" (the first releases');
#: None: the process default (:func:`set_default_face`, which Sphinx sets from ``ncd_label_face``)
_FACE: ContextVar = ContextVar("ncd_label_face", default=None)
_DEFAULT_FACE = ["serif"]


@contextmanager
def label_face(face: str | None):
    """Lay out and draw labels in ``face`` ("serif" or "sans"; None: the current one) within the block."""
    token = _FACE.set(_checked(face) if face is not None else _FACE.get())
    try:
        yield
    finally:
        _FACE.reset(token)


def set_default_face(face: str) -> None:
    """The face of every label laid out outside :func:`label_face` in this process."""
    _DEFAULT_FACE[0] = _checked(face)


def current_face() -> str:
    return _FACE.get() or _DEFAULT_FACE[0]


def measuring_elsewhere() -> bool:
    """Whether labels are sized by another measurer (:func:`measured_by`) rather than the shipped fonts."""
    return _MEASURER.get() is not None


def _checked(face) -> str:
    if face not in FACES:
        raise ValueError(f"label face {face!r}: one of {', '.join(FACES)}")
    return face


def outline_label(src: str, size: float, style: str | None = None) -> Label:
    """Measure the light-math label ``src`` at font ``size``, in the current face (:func:`label_face`).

    ``style`` forces a style for the whole label ("bold" for learned tiles, "italic", and "regular"
    for upright sans text: titles and names); ``None`` follows the math convention.
    """
    return _outline(src, size, style, current_face())


@lru_cache(maxsize=4096)
def _outline(src: str, size: float, style: str | None, face: str) -> Label:
    nodes = _parse(src)
    if nodes is None:  # absurd nesting: draw the source text literally
        nodes = [("char", c, "regular") for c in src]
    box = _layout(nodes, size, CALLER_STYLES.get(style, PLAIN), face)
    text = _plain(nodes)
    return Label(text, box.width, box.asc, box.desc, tuple(box.glyphs), tuple(box.rules), size)


@lru_cache(maxsize=4096)
def plain_text(src: str) -> str:
    """The readable text of a label source (``C_\\lambda`` -> ``C_λ``)."""
    nodes = _parse(src)
    return src if nodes is None else _plain(nodes)
