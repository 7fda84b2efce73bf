"""Draft (stage: the user's description of the inputs -> named axes).

``ncd draft ... --input "E: y m, X: x m" --sizes y=13`` describes the tensors
``forward`` takes: one ``NAME: AXES`` per tensor argument, in order, each axis
a name, a whole number, or a multiple of a name (``4*H``: a side that the code
needs divisible by 4, as a U-Net's).  This module reads that text and the ``--sizes``
list, with errors located in the description itself (``<--input>:1:7``).
No torch here.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .. import messages as msg
from ..errors import NCDError, Span

__all__ = ["InputDesc", "parse_inputs", "parse_sizes", "axis_parts", "INPUT_FILE"]

INPUT_FILE = "<--input>"
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*$")
_MULTIPLE = re.compile(r"([1-9][0-9]*)\*([A-Za-z_][A-Za-z0-9_]*)$")  # 4*H: a side divisible by 4


def axis_parts(word: str) -> tuple[int, str | None]:
    """``"28"`` -> (28, None); ``"t"`` -> (1, "t"); ``"4*H"`` -> (4, "H")."""
    if word.isdigit():
        return int(word), None
    m = _MULTIPLE.match(word)
    if m:
        return int(m.group(1)), m.group(2)
    return 1, word


@dataclass(frozen=True)
class InputDesc:
    """One described input: its name and its axes (names, or digits for fixed sizes)."""

    name: str
    axes: tuple[str, ...]
    span: Span  # where the description of this input starts
    axis_spans: tuple = ()  # one Span per axis

    def where(self, axis: str) -> Span | None:
        """The span of the axis named ``axis`` (``H`` also finds ``4*H``)."""
        for word, span in zip(self.axes, self.axis_spans):
            if axis_parts(word)[1] == axis:
                return span
        return None


def _span(text: str, start: int, length: int) -> Span:
    return Span(INPUT_FILE, 1, start + 1, max(1, length), text)


def parse_inputs(text: str) -> list[InputDesc]:
    """``"E: y m, X: x m"`` -> two :class:`InputDesc`; a located error on anything else."""
    flat = " ".join(text.split("\n"))
    if not flat.strip():
        raise NCDError(msg.DRAFT_INPUT_SYNTAX.format(reason="it is empty"), _span(flat, 0, 1), kind="config",
                       hint=msg.HINT_DRAFT_INPUT)
    out: list[InputDesc] = []
    pos = 0
    for part in flat.split(","):
        start = pos
        pos += len(part) + 1
        if ":" not in part:
            col = start + len(part) - len(part.lstrip())
            raise NCDError(msg.DRAFT_INPUT_SYNTAX.format(reason=f"no ':' in '{part.strip()}'"),
                           _span(flat, col, len(part.strip())), kind="config", hint=msg.HINT_DRAFT_INPUT)
        name_text, axes_text = part.split(":", 1)
        name = name_text.strip()
        name_col = start + len(name_text) - len(name_text.lstrip())
        if not _NAME.match(name):
            raise NCDError(msg.DRAFT_INPUT_SYNTAX.format(reason=f"'{name}' is not a name"),
                           _span(flat, name_col, len(name)), kind="config", hint=msg.HINT_DRAFT_INPUT)
        if any(d.name == name for d in out):
            raise NCDError(msg.DRAFT_INPUT_DUPLICATE.format(name=name), _span(flat, name_col, len(name)),
                           kind="config")
        axes: list[str] = []
        spans: list[Span] = []
        col = start + len(name_text) + 1
        for m in re.finditer(r"\S+", axes_text):
            word = m.group(0)
            at = col + m.start()
            if not (_NAME.match(word) or word.isdigit() or _MULTIPLE.match(word)) or word == "0":
                raise NCDError(msg.DRAFT_INPUT_AXIS.format(axis=word), _span(flat, at, len(word)), kind="config",
                               hint=msg.HINT_DRAFT_INPUT)
            if not word.isdigit() and axis_parts(word)[1] in [axis_parts(a)[1] for a in axes]:
                raise NCDError(msg.DRAFT_AXIS_REPEATED.format(axis=word, name=name), _span(flat, at, len(word)),
                               kind="config")
            axes.append(word)
            spans.append(_span(flat, at, len(word)))
        out.append(InputDesc(name, tuple(axes), _span(flat, name_col, len(name)), tuple(spans)))
    return out


def parse_sizes(items) -> dict[str, int]:
    """``["b=5", "t=7"]`` or ``{"b": 5}`` -> ``{"b": 5, "t": 7}``."""
    if isinstance(items, dict):
        pairs = list(items.items())
    else:
        pairs = []
        for item in items or ():
            for word in str(item).replace(",", " ").split():
                name, eq, value = word.partition("=")
                if not eq or not _NAME.match(name.strip()) or not value.strip().isdigit():
                    raise NCDError(msg.DRAFT_SIZES_ARG.format(text=word), None, kind="config")
                pairs.append((name.strip(), value.strip()))
    out = {}
    for name, value in pairs:
        try:
            v = int(value)
        except (TypeError, ValueError):
            v = 0
        if v < 1:
            raise NCDError(msg.DRAFT_SIZES_ARG.format(text=f"{name}={value}"), None, kind="config")
        out[str(name)] = v
    return out
