"""Sphinx extension (integration): writing diagrams for html, dirhtml, singlehtml and epub.

Inline SVG by default: the drawing's colours are CSS custom properties, so an
inline diagram follows the theme's own dark-mode toggle (``ncd.css`` maps
furo's ``body[data-theme]``) as well as ``prefers-color-scheme``.  The
``svg``/``png`` formats write an ``<img>`` of a file copied into ``_images``.
Accessibility: ``role="img"`` and an ``aria-label``/``<title>`` carrying the
alt text (the user's ``:alt:``, else the generated description).
"""
from __future__ import annotations

import html
import re

from docutils import nodes

from ..errors import NCDError
from . import outputs
from .context import context
from .locate import warn

__all__ = ["visit", "inline_svg"]

_PROLOGUE = re.compile(r"^\s*(<!--.*?-->\s*)*(<\?xml[^>]*\?>\s*)?(<!--.*?-->\s*)*(<!DOCTYPE[^>]*>\s*)?",
                       re.IGNORECASE | re.DOTALL)
_ROOT = re.compile(r"<svg\b[^>]*>", re.IGNORECASE)
_TITLE = re.compile(r"(\s*<title\b[^>]*>)(.*?)</title>", re.DOTALL)
_ATTR = r'\s{name}\s*=\s*"[^"]*"'


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
    alt = node.get("alt", "")
    try:
        if mode == "inline":
            classes.append("ncd-inline")
            body = _unique_ids(self, inline_svg(outputs.svg_text(ctx, config, node), alt, _drawing_style(node)))
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
