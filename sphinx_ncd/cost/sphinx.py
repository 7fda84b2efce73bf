"""Cost stage, Sphinx side: the ``:cost:`` option of the ``ncd`` directive.

``:cost:`` (empty, or ``NAME=INT`` sizes, ``machine=h100``, ``bytes=2`` separated by
spaces; the ``:sizes:`` option's sizes apply too) puts the diagram's cost table under
the figure, as raw HTML and raw LaTeX (each builder keeps its own), and records each
box's figures on the diagram node; the HTML writer adds them to the box's hover text
(the ``<title>`` of its ``<g class="ncd-op">``) with :func:`add_box_titles`.
A bad option value or an unknown size is a located ``ncd.config`` warning at the
directive, and the figure is drawn without the table.
"""
from __future__ import annotations

import html
import re

from .. import messages as msg
from ..errors import NCDError

__all__ = ["parse_option", "option_sets", "cost_nodes", "add_box_titles"]

_TOKEN = re.compile(r"([A-Za-z_\\][\w\\']*)=(\w+)")


def parse_option(text: str) -> tuple[dict, str, int]:
    """``"a=256 b=64 machine=h200 bytes=4"`` -> (sizes, machine, bytes per element); None for
    a machine or element size not given."""
    sizes, machine, nbytes = {}, None, None
    for item in (text or "").replace(",", " ").split():
        m = _TOKEN.fullmatch(item)
        if not m:
            raise NCDError(msg.COST_BAD_OPTION.format(text=text), None, kind="config")
        key, value = m.groups()
        if key == "machine":
            machine = value
        elif key == "bytes" and value.isdigit():
            nbytes = int(value)
        elif value.isdigit():
            sizes[key] = int(value)
        else:
            raise NCDError(msg.COST_BAD_OPTION.format(text=text), None, kind="config")
    return sizes, machine, nbytes


def _op_title(op) -> str:
    """The hover text the layout gives a box (its label and signature), as the SVG writes it."""
    from ..layout.mathtext import plain_text

    lab = plain_text(op.label) if op.label else op.kind
    return html.escape(f"{lab} : {op.signature}", quote=False)


def cost_nodes(directive, node, diagram) -> list:
    """The table nodes for under the figure; fills ``node["cost_titles"]``.  Raises NCDError."""
    from docutils import nodes

    from .analysis import analyse
    from .table import as_html, as_latex, box_titles

    reports = [analyse(diagram, sizes=sizes, machine=machine, dtype_bytes=nbytes,
                       search_path=tuple(node.get("search_path") or ()))
               for sizes, machine, nbytes in option_sets(directive.options.get("cost", ""),
                                                         dict(directive.options.get("sizes", ())))]
    per_box = box_titles(reports[0])
    titles: dict[str, list[str]] = {}
    for op in diagram.operations:
        if op.id in per_box:
            titles.setdefault(_op_title(op), []).append(per_box[op.id])
    node["cost_titles"] = titles
    # interactive HTML: each box's figures in its hover note
    node["cost_boxes"] = [[op_id, "cost: " + text.split(": ", 1)[-1]] for op_id, text in per_box.items()]
    box = nodes.container("", classes=["ncd-cost"])
    for report in reports:
        box += nodes.raw("", as_html(report), format="html")
        box += nodes.raw("", as_latex(report), format="latex")
    return [box]


def option_sets(text: str, sizes: dict) -> list[tuple[dict, str, int]]:
    """One (sizes, machine, bytes) per table: ``common; set 1; set 2`` gives a table per set,
    each with the common part (and the ``:sizes:`` option's sizes) under its own."""
    parts = [p for p in (text or "").split(";")]
    common = parse_option(parts[0])
    sets = [parse_option(p) for p in parts[1:]] or [({}, None, None)]
    out = []
    for own, machine, nbytes in sets:
        out.append(({**sizes, **common[0], **own}, machine or common[1] or "h100", nbytes or common[2] or 2))
    return out


_OP_TITLE = re.compile(r'(<g class="ncd-op"[^>]*><title>)(.*?)(</title>)', re.DOTALL)


def add_box_titles(svg: str, titles: dict | None) -> str:
    """Each box's cost figure appended to its hover text, boxes with the same title in order."""
    if not titles:
        return svg
    queues = {k: list(v) for k, v in titles.items()}

    def one(m):
        queue = queues.get(m.group(2))
        if not queue:
            return m.group(0)
        extra = queue.pop(0)
        return f"{m.group(1)}{m.group(2)}&#10;{html.escape(extra, quote=False)}{m.group(3)}"
    return _OP_TITLE.sub(one, svg)
