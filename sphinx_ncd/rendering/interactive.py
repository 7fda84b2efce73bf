"""Render (stage 4): the SVG of a diagram for an interactive HTML page.

The same drawing as :func:`~sphinx_ncd.rendering.api.render`, with hooks a page
script can use (``data-w="<value>.<row>"`` on every wire and axis label,
``data-op="<id>"`` on every box, written by :mod:`.svg`) and one
``<metadata class="ncd-meta">`` element holding, as compact JSON, what the
hooks stand for:

* ``a``: the axes, one entry per distinct axis label:
  ``[label, symbolic size, size at the given sizes or ""]``;
* ``w``: per wire hook, ``[axis index, value name]``;
* ``o``: per box hook, ``[title, binding or "", note or ""]``; the note is the
  box's own results (``notes``: its shape check, value check, cost figures,
  one a line), after the diagram-wide ``verdict`` when one is given; without
  ``notes``, a highlight's note on its box, else the ``verdict``; then the author's
  ``note`` statements on the box (``note op Y "..."``), one a line.

A browser without the script shows the SVG exactly as before (the metadata is
not drawn); a standalone SVG file written by ``ncd render`` carries none of it.
"""
from __future__ import annotations

import json
from xml.sax.saxutils import escape

import sympy

from ..layout.mathtext import plain_text
from ..layout.rows import shown_axes
from .api import _check_options, scene
from .svg import scene_to_svg

__all__ = ["render_interactive", "metadata"]


def _concrete(size, sizes: dict) -> str:
    """The axis size at ``sizes`` when every symbol of it is given, else ``""``."""
    try:
        expr = sympy.sympify(size)
        value = expr.subs({s: sizes[s.name] for s in expr.free_symbols if s.name in sizes})
    except (TypeError, ValueError, AttributeError, sympy.SympifyError):
        return ""
    return str(value) if getattr(value, "is_number", False) else ""


def _values(diagram):
    """Every value of every panel (inputs, outputs, the states'), each once, by id."""
    seen = {}
    for panel in diagram.panels:
        for section in panel.sections:
            for v in section.values:
                seen.setdefault(v.id, v)
        for op in panel.operations:
            for v in (*op.inputs, *op.outputs):
                seen.setdefault(v.id, v)
    return seen


def _op_title(op) -> str:
    lab = plain_text(op.label) if op.label else op.kind
    return f"{lab} : {op.signature}"


def _box_notes(diagram, highlights, verdict: str, notes) -> dict[int, str]:
    """op id -> the note of its hover text (see the module's docstring)."""
    marked = {int(op): str(note) for op, note in highlights or ()}
    own: dict[int, list[str]] = {}
    for op_id, note in notes or ():
        own.setdefault(int(op_id), []).append(str(note))
    out = {}
    for panel in diagram.panels:
        for note in panel.notes:  # the author's notes on a box join its hover text
            for kind, tid in note.targets:
                if kind == "op":
                    own.setdefault(tid, []).append(note.text.replace("$", ""))
        for op in panel.operations:
            if notes is None:
                out[op.id] = "\n".join([marked.get(op.id, verdict)] + own.get(op.id, [])).strip("\n")
            else:
                out[op.id] = "\n".join(([verdict] if verdict else []) + own.get(op.id, []))
    return out


def metadata(diagram, sizes=(), highlights=(), verdict: str = "", notes=None) -> dict:
    """The metadata of :mod:`this module <.interactive>`'s docstring, for ``diagram``."""
    given = {**dict(diagram.sizes), **dict(sizes or ())}
    axes: list = []
    axis_index: dict[str, int] = {}
    wires: dict[str, list] = {}
    for vid, v in _values(diagram).items():
        for j, axis in enumerate(shown_axes(v)):
            name = plain_text(axis.label)
            if name not in axis_index:
                axis_index[name] = len(axes)
                axes.append([name, str(axis.size), _concrete(axis.size, given)])
            wires[f"{vid}.{j}"] = [axis_index[name], v.name]
    box_notes = _box_notes(diagram, highlights, verdict, notes)
    ops = {}
    for panel in diagram.panels:
        for op in panel.operations:
            ops[str(op.id)] = [_op_title(op), op.binding or "", box_notes[op.id]]
    return {"a": axes, "w": wires, "o": ops}


def render_interactive(diagram, *, theme: str = "auto", scale: float = 1.0, id_prefix: str | None = None,
                       highlights=(), badge: str | None = None, max_width=None, sizes=(),
                       verdict: str = "", notes=None) -> str:
    """The SVG text of ``diagram`` with its interactive hooks and metadata (see the module's docstring)."""
    s = _check_options("svg", theme, scale)
    sc = scene(diagram, highlights=highlights, badge=badge, max_width=max_width)
    svg = scene_to_svg(sc, theme=theme, scale=s, id_prefix=id_prefix, data=True)
    meta = json.dumps(metadata(diagram, sizes, highlights, verdict, notes), separators=(",", ":"), ensure_ascii=False)
    end = svg.rindex("</svg>")
    return svg[:end] + f'<metadata class="ncd-meta">{escape(meta)}</metadata>' + svg[end:]
