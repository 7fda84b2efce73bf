"""Sphinx extension (integration): writing diagrams for html, dirhtml, singlehtml and epub.

Inline SVG by default: the drawing's colours are CSS custom properties, so an
inline diagram follows the theme's own dark-mode toggle (``ncd.css`` maps
furo's ``body[data-theme]``) as well as ``prefers-color-scheme``.  The
``svg``/``png`` formats write an ``<img>`` of a file copied into ``_images``.
Accessibility: ``role="img"`` and an ``aria-label``/``<title>`` carrying the
alt text (the user's ``:alt:``, else the generated description).

Reading size: a diagram shrinks with a narrow column only down to where its
wire labels are :data:`READABLE_PX` on screen (``min-width``); below that, and
for a diagram wider than the fold width (a row that cannot be folded), it keeps
its size and scrolls sideways, with a link that opens it full size.  A small
diagram is shown larger, as the paper's figures are, until its wire labels are
:data:`LARGE_PX` or it fills the fold width.
"""
from __future__ import annotations

import html
import re

from docutils import nodes

from .. import messages as msg
from ..errors import NCDError
from . import interactive, outputs
from .context import context
from .locate import warn

__all__ = ["visit", "inline_svg"]

_PROLOGUE = re.compile(r"^\s*(<!--.*?-->\s*)*(<\?xml[^>]*\?>\s*)?(<!--.*?-->\s*)*(<!DOCTYPE[^>]*>\s*)?",
                       re.IGNORECASE | re.DOTALL)
_ROOT = re.compile(r"<svg\b[^>]*>", re.IGNORECASE)
_TITLE = re.compile(r"(\s*<title\b[^>]*>)(.*?)</title>", re.DOTALL)
_ATTR = r'\s{name}\s*=\s*"[^"]*"'
_WIDTH = re.compile(r'\swidth="([0-9.]+)"')
READABLE_PX = 12.0  # the smallest wire label a page may shrink a diagram to
LABEL_UNITS = 11.0  # a wire label's size in drawing units (the layout's FONT)
COLUMN_PX = 736.0  # the text column a diagram is compared with when folding is off (furo's)
LARGE_PX = 21.0  # a small diagram is enlarged until its wire labels are this large (the paper's figures at column
# width show theirs at 20-24 px; the large bold L and bare letters are then about 40 px)
_HEIGHT = re.compile(r'\sheight="([0-9.]+)"')


def _set_attr(tag: str, name: str, value: str) -> str:
    pattern = re.compile(_ATTR.format(name=re.escape(name)))
    text = f' {name}="{html.escape(value, quote=True)}"'
    if pattern.search(tag):
        return pattern.sub(lambda _m: text, tag, count=1)
    return tag[:-1].rstrip("/") + text + (" />" if tag.endswith("/>") else ">")


def inline_svg(svg: str, alt: str, style: str = "") -> str:
    """The SVG ready to sit in an HTML page: no prologue, labelled with ``alt``."""
    svg = _PROLOGUE.sub("", svg, count=1)
    match = _ROOT.search(svg)
    if not match:
        return svg
    tag = _set_attr(_set_attr(match.group(0), "role", "img"), "aria-label", alt)
    if style:
        tag = _set_attr(tag, "style", style)
    rest = svg[match.end():]
    title = _TITLE.match(rest)
    if title:
        rest = f"{title.group(1)}{html.escape(alt, quote=False)}</title>" + rest[title.end():]
    return svg[:match.start()] + tag + rest


def _natural_width(body: str) -> float | None:
    """The width in px the SVG asks for (its root's ``width``)."""
    root = _ROOT.search(body)
    match = _WIDTH.search(root.group(0)) if root else None
    return float(match.group(1)) if match else None


def _reading(node, config, body: str, sized: bool) -> tuple[str, bool, float]:
    """(a ``min-width`` style keeping labels readable, whether the diagram is wider than the column: the fold
    width ``ncd_max_width``, or :data:`COLUMN_PX` when folding is off; how much larger a small diagram is
    shown, 1 for one the user sized or one as wide as the fold)."""
    width = _natural_width(body)
    if width is None or sized:
        return "", False, 1.0
    scale = float(node.get("scale") or 1.0)
    column = float(config.ncd_max_width or COLUMN_PX)  # the width the page gives diagrams
    fold = node["max_width"] * scale if node.get("max_width") else column  # the fold width, in px
    enlarge = max(1.0, min(LARGE_PX / (LABEL_UNITS * scale), fold / width))
    least = width * min(1.0, READABLE_PX / (LABEL_UNITS * scale))
    return f"min-width: {least:.0f}px", width > column + 1.0, enlarge


def _enlarged(body: str, factor: float) -> str:
    """The SVG shown ``factor`` times its natural size (its root's ``width`` and ``height``; the viewBox scales
    the drawing)."""
    root = _ROOT.search(body)
    if root is None or factor <= 1.0:
        return body
    tag = root.group(0)
    for pattern, name in ((_WIDTH, "width"), (_HEIGHT, "height")):
        match = pattern.search(tag)
        if match:
            tag = _set_attr(tag, name, f"{float(match.group(1)) * factor:.2f}")
    return body[:root.start()] + tag + body[root.end():]


def _style(node) -> str:
    """The wrapper's style: ``:width:`` (the drawing fills the wrapper's width)."""
    return f"width: {node['width']}" if node.get("width") else ""


def _drawing_style(node) -> str:
    """The drawing's own style: ``:height:`` sizes the SVG or image itself (its width
    follows from the aspect ratio, or fills ``:width:``), so nothing is cropped."""
    if not node.get("height"):
        return ""
    return f"height: {node['height']}; width: {'100%' if node.get('width') else 'auto'}"


_ID = re.compile(r'<svg\b[^>]*\sid="([^"]+)"')


def _unique_ids(translator, svg: str) -> str:
    """The same diagram twice on one page: the second copy's ids (and the CSS and
    ``href`` that name them, all starting with the drawing's id) get a suffix."""
    match = _ID.search(svg)
    if not match:
        return svg
    seen = translator.__dict__.setdefault("ncd_ids", {})
    pid = match.group(1)
    count = seen.get(pid, 0) + 1
    seen[pid] = count
    return svg if count == 1 else svg.replace(pid, f"{pid}-{count}")


def visit(self, node) -> None:
    ctx, config = context(self.builder.env), self.builder.config
    mode = node.get("format") or config.ncd_output_format
    if mode == "inline" and self.builder.name.startswith("epub"):
        mode = "svg"  # an inline SVG needs the OPF "svg" property Sphinx does not declare (epubcheck OPF-014)
    classes = list(node.get("classes", ["ncd"]))
    if node.get("align"):
        classes.append(f"align-{node['align']}")
    if node.get("width") or node.get("height"):
        classes.append("ncd-sized")
    style = _style(node)
    style_attr = f' style="{html.escape(style)}"' if style else ""
    if mode == "inline" and interactive.wanted(config):
        style_attr += interactive.wrapper_attributes(self.builder, node, self.builder.current_docname)
    alt = node.get("alt", "")
    try:
        if mode == "inline":
            classes.append("ncd-inline")
            body = _unique_ids(self, inline_svg(outputs.svg_text(ctx, config, node), alt, _drawing_style(node)))
            if node.get("cost_titles"):  # :cost: -- each box's figures in its hover text
                from ..cost.sphinx import add_box_titles
                body = add_box_titles(body, node["cost_titles"])
            least, wide, enlarge = _reading(node, config, body, "ncd-sized" in classes)
            body = _enlarged(body, enlarge)
            if least:
                body = body.replace("<svg", f'<svg style="{least}"', 1) if "<svg" in body[:200] else body
            if wide:
                classes.append("ncd-wide")
                uri = outputs.publish_file(ctx, config, node, "svg", self.builder)
                body += (f'<a class="ncd-full" href="{html.escape(uri)}" target="_blank">'
                         f'{html.escape(msg.SPHINX_OPEN_FULL_SIZE)}</a>')
        else:
            classes.append("ncd-img")
            uri = outputs.publish_file(ctx, config, node, mode, self.builder)
            drawing = _drawing_style(node)
            extra = f' style="{html.escape(drawing)}"' if drawing else ""
            if mode == "png":  # drawn at 2x: shown at its 1x size, sharp on HiDPI screens
                extra += f' srcset="{html.escape(uri)} {outputs.HTML_PNG_DENSITY:g}x"'
            body = f'<img class="ncd-{mode}" src="{html.escape(uri)}" alt="{html.escape(alt)}"{extra} />'
    except NCDError as err:
        text, where = warn(err, None, location=f"{node.get('spec_location', '')}")
        self.body.append('<div class="admonition error ncd-error"><p class="admonition-title">'
                         f'Diagram error</p><pre>{html.escape(text)}</pre></div>\n')
        raise nodes.SkipNode from None
    self.body.append(f'<div class="{" ".join(classes)}"{style_attr}>{body}</div>\n')
    raise nodes.SkipNode
