"""Render (stage 4): how a diagram shows itself in Jupyter (a MIME bundle).

``Diagram._repr_mimebundle_`` hands IPython one bundle with every format a
front end or converter may pick: ``image/svg+xml`` (browsers, JupyterLab),
``image/png`` at 2x with its 1x size in the metadata (sharp on HiDPI screens;
what nbconvert's HTML and Markdown exports and myst-nb fall back on),
``application/pdf`` (nbconvert's LaTeX/PDF export and myst-nb's LaTeX builder
include it as a graphic) and ``text/plain``.

A notebook output is often shown as an ``<img>`` (JupyterLab, myst-nb,
nbsphinx), which cannot see whether the page around it is dark, so the
drawing is the light one on an opaque white card: readable on a light page,
on a dark page and on paper.
"""
from __future__ import annotations

import base64
import re

__all__ = ["mime_bundle", "PNG_DENSITY", "MIME_TYPES"]

#: device pixels per drawing unit of the PNG (1x size in the metadata)
PNG_DENSITY = 2.0
MIME_TYPES = ("image/svg+xml", "image/png", "application/pdf", "text/plain")

_ROOT = re.compile(r"<svg\b[^>]*>")
_VIEWBOX = re.compile(r'viewBox="([-\d.]+) ([-\d.]+) ([\d.]+) ([\d.]+)"')
_SIZE = re.compile(r'\swidth="([\d.]+)" height="([\d.]+)"')


def _on_card(svg: str) -> str:
    """The SVG with a white rectangle under the drawing (its viewBox)."""
    head = _ROOT.search(svg)
    box = _VIEWBOX.search(head.group(0)) if head else None
    if box is None:
        return svg
    x, y, w, h = box.groups()
    card = f'<rect class="ncd-card" x="{x}" y="{y}" width="{w}" height="{h}" fill="#ffffff"/>'
    return svg[:head.end()] + card + svg[head.end():]


def _wanted(mime: str, include, exclude) -> bool:
    return (not include or mime in include) and not (exclude and mime in exclude)


def mime_bundle(diagram, include=None, exclude=None, *, scale: float = 1.0) -> tuple[dict, dict]:
    """(data, metadata) as IPython's ``_repr_mimebundle_`` returns them.

    Binary formats are base64 text (the notebook format stores them so).
    Raises :class:`~sphinx_ncd.errors.NCDError` when the diagram cannot be drawn.
    """
    from .api import scene, scene_to, svg_to

    data: dict = {}
    metadata: dict = {}
    sc = scene(diagram)
    svg = _on_card(scene_to(sc, "svg", theme="light", scale=scale))
    if _wanted("image/svg+xml", include, exclude):
        data["image/svg+xml"] = svg
    if _wanted("image/png", include, exclude):
        png = svg_to(svg, "png", scale=PNG_DENSITY)
        data["image/png"] = base64.b64encode(png).decode("ascii")
        size = _SIZE.search(_ROOT.search(svg).group(0))
        if size:
            metadata["image/png"] = {"width": round(float(size.group(1))),
                                     "height": round(float(size.group(2)))}
    if _wanted("application/pdf", include, exclude):
        data["application/pdf"] = base64.b64encode(scene_to(sc, "pdf", theme="light", scale=scale)).decode("ascii")
    data["text/plain"] = repr(diagram)
    return data, metadata
