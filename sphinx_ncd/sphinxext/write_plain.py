"""Sphinx extension (integration): writing diagrams for the text and man builders.

Plain-text output cannot show a drawing; it shows ``[diagram: <alt>]`` with
the generated description (or the user's ``:alt:``).
"""
from __future__ import annotations

from docutils import nodes

from .. import messages as msg

__all__ = ["visit_text", "visit_man"]


def placeholder(node) -> str:
    return msg.SPHINX_PLACEHOLDER.format(alt=node.get("alt") or msg.SPHINX_DEFAULT_ALT)


def visit_text(self, node) -> None:
    self.new_state(0)
    self.add_text(placeholder(node))
    self.end_state(wrap=False)
    raise nodes.SkipNode


def visit_man(self, node) -> None:
    text = placeholder(node).replace("\\", "\\e")
    if text[:1] in (".", "'"):
        text = "\\&" + text
    if hasattr(self, "deunicode"):
        text = self.deunicode(text)
    self.body.append(f"\n.sp\n{text}\n")
    raise nodes.SkipNode
