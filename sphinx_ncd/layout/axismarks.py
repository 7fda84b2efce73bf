"""Layout (stage 3): how a wire label shows its axis kind, as the paper marks it.

A width axis's name is overlined (``x̄``), a tandem axis's is overlined bold sans; only the name is
marked, never its sub- or superscripts (``x̄_{4-λ}``, not a bar over the whole).  The legend of
derived sizes marks the same names the wires do.
"""
from __future__ import annotations

import re
from functools import lru_cache

from ..model.types import AxisKind
from .mathtext import GREEK

__all__ = ["axis_label_source", "overlined", "name_marks", "marked"]


def axis_label_source(axis) -> str:
    """The light-math source of a wire label: the name overlined for width axes, bold overlined for tandem."""
    return _label_source(axis.label, getattr(axis, "tangent", False), axis.kind)


@lru_cache(maxsize=4096)
def _label_source(src: str, tangent: bool, kind) -> str:
    """:func:`axis_label_source` of an axis labelled ``src``, once per label (wire labels repeat at every
    state, and a fold measures every state's again)."""
    if tangent and not src.endswith("'"):
        src = "{" + src + "}'"
    if kind in (AxisKind.WIDTH, AxisKind.TANDEM):
        return overlined(src, kind == AxisKind.TANDEM)
    return src


def name_marks(axes) -> dict[str, bool]:
    """The first name of every width or tandem axis among ``axes`` -> whether it is tandem (bold)."""
    marks: dict[str, bool] = {}
    for ax in axes:
        if ax.kind not in (AxisKind.WIDTH, AxisKind.TANDEM):
            continue
        m = _first_name(ax.label)
        if m is not None:
            marks[m] = marks.get(m, False) or ax.kind == AxisKind.TANDEM
    return marks


def marked(src: str, marks: dict[str, bool]) -> str:
    """``src`` (a legend line) with every name in ``marks`` marked as its wires mark it."""
    for bold in (True, False):
        names = {n for n, b in marks.items() if b == bold}
        if names:
            src = overlined(src, bold, names, whole=False)
    return src


def _first_name(src: str) -> str | None:
    for m in _NAME.finditer(src):
        word = m.group(2) or (m.group(1) if m.group(1) in GREEK else None)
        if word is not None:
            return word
    return None


_NAME = re.compile(r"\\([A-Za-z]+)|([A-Za-z]+)([0-9]*)")


def overlined(src: str, bold: bool = False, names=None, whole: bool = True) -> str:
    """``src`` with its names overlined as the paper marks width axes (bold sans too for tandem ones),
    their sub- and superscripts left plain: ``x_\\lambda/2`` -> ``\\bar{x}_\\lambda/2``, ``n0`` ->
    ``\\bar{n}_{0}``.

    ``names``: the names to mark (a set of base names such as ``{"x"}``); None marks the first name only
    (an axis label is one name and its arithmetic).  With no name to mark, the whole label is overlined
    (unless ``whole`` is false)."""
    out, count, i = [], 0, 0
    while i < len(src):
        ch = src[i]
        if ch in "^_":
            end = _script_arg(src, i + 1)
            out.append(src[i:end])
            i = end
            continue
        m = _NAME.match(src, i)
        if m is None:
            step = 2 if ch == "\\" else 1  # an escaped character: \_ is no subscript
            out.append(src[i:i + step])
            i += step
            continue
        word = m.group(2) or (m.group(1) if m.group(1) in GREEK else None)
        if word is None or (names is None and count) or (names is not None and word not in names):
            out.append(m.group(0))
        else:
            body = word if m.group(2) else m.group(0)
            digits = m.group(3) or ""
            if len(word) > 1 and digits:  # a word with a number: one name
                body, digits = body + digits, ""
            out.append("\\bar{" + ("\\mathsf{\\mathbf{" + body + "}}" if bold else body) + "}")
            out.append("_{" + digits + "}" if digits else "")
            count += 1
        i = m.end()
    if not count and whole:
        return "\\bar{\\mathsf{\\mathbf{" + src + "}}}" if bold else "\\bar{" + src + "}"
    return "".join(out)


def _script_arg(src: str, i: int) -> int:
    """The end of the script argument starting at ``src[i]``: a character, a command or a {group}."""
    if i >= len(src):
        return i
    if src[i] == "{":
        depth = 0
        for j in range(i, len(src)):
            depth += {"{": 1, "}": -1}.get(src[j], 0)
            if depth == 0:
                return j + 1
        return len(src)
    m = _NAME.match(src, i)
    if src[i] == "\\" and m is not None:
        return m.end()
    return i + (2 if src[i] == "\\" else 1)
