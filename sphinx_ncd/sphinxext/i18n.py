"""Sphinx extension (integration): translated builds and the search index.

* A diagram node is :class:`sphinx.addnodes.translatable`: its alt text (the
  user's ``:alt:`` or the generated description) and the quoted texts of its
  spec (fence and block titles: ``fence "Attention" {``) are messages of the
  document's catalog (``make gettext`` lists them).  A translated quoted text
  goes into the spec, and the node's key changes, so the writer draws the
  translated figure.
* Sphinx translates a caption by replacing its children with the translated
  text, which would drop the shape-check verdict appended to it;
  :class:`RestoreVerdict` (after Sphinx's ``Locale`` transform) puts it back.
* :func:`search_text` is the text a diagram contributes to the search index:
  its alt text and the labels drawn in it (a text child of the node; every
  writer skips the node's children, Sphinx's indexer reads them).
"""
from __future__ import annotations

import html
import re

from docutils import nodes
from sphinx.transforms import SphinxTransform

from .. import messages as msg
from .cache import make_key

__all__ = ["quoted_texts", "translate", "verdict_note", "RestoreVerdict", "search_text", "set_search_text"]

_QUOTED = re.compile(r'"((?:[^"\\\n]|\\.)+)"')
_SVG_TEXT = re.compile(r"<text\b[^>]*>([^<]*)</text>")
_SVG_TITLE = re.compile(r"<title>([^<:]*)")  # an operation's hover title: its full name before its signature


def quoted_texts(spec: str) -> list[str]:
    """The quoted texts of a spec (titles), without comments, in order, once each."""
    lines = [line.split("#", 1)[0] if line.count('"') == 0 else line for line in spec.splitlines()]
    found = [m.group(1).replace('\\"', '"') for m in _QUOTED.finditer("\n".join(lines))]
    return list(dict.fromkeys(t for t in found if t.strip()))


def translate(node, original: str, translated: str) -> None:
    """Apply one translated message to a diagram node (alt text or a quoted text)."""
    if node.get("alt") == original:
        node["alt"] = translated
    if original in quoted_texts(node.get("spec", "")) and '"' not in translated and "\n" not in translated:
        quoted = '"' + original.replace('"', '\\"') + '"'
        node["spec"] = node["spec"].replace(quoted, f'"{translated}"')
        node["key"] = make_key(node["key"], "translated", original, translated)
    set_search_text(node, " ".join(child.astext() for child in node.children).replace(original, translated))


def verdict_note(node, config) -> nodes.inline | None:
    """The verdict shown after a checked figure's caption (None when there is none to show)."""
    if not node.get("verdict") or not config.ncd_caption_verdict:
        return None
    template = msg.SPHINX_VERDICT_EXPECTED_NOTE if node.get("verdict_met") else msg.SPHINX_VERDICT_NOTE
    text = template.format(summary=node["verdict"])
    status = node.get("verdict_status", "")
    return nodes.inline(text, text, classes=["ncd-verdict", "ncd-failed" if status == "error" else f"ncd-{status}"])


def add_note(caption: nodes.caption, note: nodes.Node) -> None:
    caption += nodes.Text(" \N{EM DASH} ")
    caption += note


class RestoreVerdict(SphinxTransform):
    """Put a checked figure's verdict back after its translated caption."""

    default_priority = 25  # after sphinx.transforms.i18n.Locale (20)

    def apply(self, **kwargs) -> None:
        from .nodes import ncd_diagram

        for figure in self.document.findall(nodes.figure):
            if "ncd-figure" not in figure["classes"]:
                continue
            diagram = next(iter(figure.findall(ncd_diagram)), None)
            caption = next(iter(figure.findall(nodes.caption)), None)
            if diagram is None or caption is None:
                continue
            if any("ncd-verdict" in n["classes"] for n in caption.findall(nodes.inline)):
                continue
            note = verdict_note(diagram, self.config)
            if note is not None:
                add_note(caption, note)


def search_text(alt: str, svg: str | None) -> str:
    """The alt text, the labels drawn in an SVG of this package (its ``<text>`` elements) and the operations'
    names from their hover titles (a ReLU drawn as the paper's R is still found as ReLU)."""
    labels = [html.unescape(t).strip() for t in _SVG_TEXT.findall(svg or "") + _SVG_TITLE.findall(svg or "")]
    return " ".join([alt, *dict.fromkeys(label for label in labels if label)]).strip()


def set_search_text(node, text: str) -> None:
    node.children = []
    if text:
        node += nodes.Text(text)
