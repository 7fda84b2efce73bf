"""Render (stage 4): the public rendering entry points.

``render(diagram, format=...)`` lays the diagram out (:func:`scene`) and hands
the scene to a backend (:func:`scene_to`): SVG text from :mod:`.svg`; PDF
straight from :mod:`.pdf`; PNG through cairosvg (imported lazily) on a
resolved-colour SVG.  Every page is the drawing's own bounding box.  If the PDF
backend cannot draw something in the scene, the whole diagram's PDF goes
through SVG and cairosvg instead, with a
:class:`~sphinx_ncd.rendering.pdf.PDFFallbackWarning` naming what it could not
draw.  ``svg_to(svg, format)`` converts an SVG this package wrote
(CSS-variable or resolved) into PDF or PNG bytes with cairosvg.

Every failure to draw is an :class:`~sphinx_ncd.errors.NCDError` with
``kind="render"`` (handing :func:`scene_to` something other than a scene is a
``TypeError``: a programming mistake, not a bad spec).
"""
from __future__ import annotations

import re
import warnings

from .. import messages as msg
from ..errors import NCDError
from ..gcpause import paused_gc

__all__ = ["render", "scene", "scene_to", "svg_to", "on_paper", "forget_kept", "FORMATS", "THEMES", "DEFAULT_MAX_WIDTH"]

FORMATS = ("svg", "pdf", "png")
#: the fold width: a 736 px text column (furo's) at the reading scale the Sphinx extension uses (1.2)
DEFAULT_MAX_WIDTH = 613.0
THEMES = ("auto", "light", "dark")


def forget_kept() -> None:
    """Forget what a process keeps from one render for the next (the einsum plans, the glyphs kept by content, the
    SVG groups written before, the glyphs' primitives' boxes the separator-ends pass read, the lines it joined): the
    next render of any figure is drawn as its first."""
    from ..layout import glyph_einsum, glyph_memo, separator_ends, separator_ink
    from . import svg

    glyph_einsum._PLANS.clear()
    glyph_memo.forget_glyphs()
    svg._PLACED.clear()
    separator_ink.forget_boxes()
    separator_ends.forget_lines()


def _max_width(value):
    """``max_width`` as a positive float, or None (never fold)."""
    if value is None:
        return None
    try:
        w = float(value)
    except (TypeError, ValueError):
        raise NCDError(msg.RENDER_MAX_WIDTH.format(value=value), None, kind="render") from None
    if not (w > 0 and w < 1e7):
        raise NCDError(msg.RENDER_MAX_WIDTH.format(value=value), None, kind="render")
    return w


def _check_options(format: str, theme: str, scale) -> float:
    if format not in FORMATS:
        raise NCDError(msg.RENDER_FORMAT.format(format=format, expected=", ".join(FORMATS)), None, kind="render")
    if theme not in THEMES:
        raise NCDError(msg.RENDER_THEME.format(theme=theme), None, kind="render")
    try:
        s = float(scale)
    except (TypeError, ValueError):
        raise NCDError(msg.RENDER_SCALE.format(scale=scale), None, kind="render") from None
    if not (s > 0 and s < 1e4):
        raise NCDError(msg.RENDER_SCALE.format(scale=scale), None, kind="render")
    return s


def scene(diagram, *, highlights=(), badge=None, max_width=DEFAULT_MAX_WIDTH, label_face=None):
    """The laid-out :class:`~sphinx_ncd.layout.scene.Scene` of ``diagram`` (what tests assert on).

    A panel wider than ``max_width`` (drawing units, 1 = 1 px at scale 1; ``None``: never) is folded into rows.
    ``label_face``: "serif" (the paper's Latin Modern Math, the default) or "sans" (Latin Modern Sans).
    """
    return _scene(diagram, highlights, badge, max_width, False, label_face)


def _scene(diagram, highlights, badge, max_width, parts: bool, label_face=None):
    """:func:`scene`; ``parts``: for the SVG writer only, the primitives left where each part was laid out (see
    :attr:`~sphinx_ncd.layout.scene.Scene.parts`)."""
    from ..layout.mathtext import FACES, label_face as face_of_labels

    if label_face is not None and label_face not in FACES:
        raise NCDError(msg.RENDER_LABEL_FACE.format(face=label_face, expected=", ".join(FACES)), None,
                       kind="render")
    with face_of_labels(label_face):
        return _laid_out(diagram, highlights, badge, max_width, parts)


def _laid_out(diagram, highlights, badge, max_width, parts: bool):
    from ..layout.engine import layout
    from ..model.types import Diagram

    if not isinstance(diagram, Diagram):
        raise NCDError(msg.RENDER_NOT_DIAGRAM.format(type=type(diagram).__name__), None, kind="render")
    try:
        with paused_gc():  # as render() does: a long diagram's records are freed by reference counting
            return layout(diagram, highlights=tuple(highlights or ()), badge=badge, max_width=_max_width(max_width),
                          parts=parts)
    except NCDError as err:
        if err.span is None and diagram.main.span is not None:
            raise NCDError(err.message, diagram.main.span, kind=err.kind, hint=err.hint) from None
        raise
    except RecursionError:
        raise NCDError(msg.RENDER_TOO_MANY_OPS.format(n=len(diagram.operations), limit="fewer"), None,
                       kind="render") from None


def render(diagram, format: str = "svg", *, theme: str = "auto", scale: float = 1.0, id_prefix: str | None = None,
           highlights=(), badge: str | None = None, max_width=DEFAULT_MAX_WIDTH, paper: bool = False,
           label_face: str | None = None):
    """Draw ``diagram``: SVG text (``str``), or PDF / PNG ``bytes``.

    ``theme="auto"`` follows the reader's colour scheme in browsers (PDF and PNG
    use the light colours); ``highlights`` is a tuple of ``(operation_id, note)``
    drawn in the alert colour; ``badge`` is a short verdict in the top right corner; a panel wider than
    ``max_width`` drawing units (``None``: never) is folded into rows at memory states.
    ``paper=True`` draws a dark PDF or PNG over the dark theme's page colour, so its
    light ink shows on white paper (what Sphinx's LaTeX output uses).  ``label_face``: see :func:`scene`.
    """
    _check_options(format, theme, scale)
    # the collector stays paused until the scene is freed: re-enabled while the scene's many records are alive,
    # its next pass would scan them all only to find them freed a moment later (by reference counting)
    with paused_gc():  # an SVG is written straight from the laid-out parts: nothing is moved twice
        sc = _scene(diagram, highlights, badge, max_width, format == "svg", label_face)
        if paper and theme == "dark" and format != "svg":
            sc = on_paper(sc)
        drawn = scene_to(sc, format, theme=theme, scale=scale, id_prefix=id_prefix)
        del sc
    return drawn


def scene_to(sc, format: str = "svg", *, theme: str = "auto", scale: float = 1.0, id_prefix: str | None = None):
    """Draw a laid-out scene (from :func:`scene`): SVG text, or PDF / PNG ``bytes``.

    For callers that need the scene itself too (``ncd-latex`` reads where the
    main wire sits) without laying the diagram out twice.  PDF and PNG use the
    light colours unless ``theme="dark"``.
    """
    from ..layout.scene import Scene
    from .svg import scene_to_svg

    if not isinstance(sc, Scene):
        raise TypeError(f"scene_to() expects a scene from scene(), got {type(sc).__name__}")
    s = _check_options(format, theme, scale)
    print_theme = "dark" if theme == "dark" else "light"
    with paused_gc():
        if format == "svg":
            return scene_to_svg(sc, theme=theme, scale=s, id_prefix=id_prefix)
        if format == "pdf":
            from .pdf import PDFFallbackWarning, Unsupported, scene_to_pdf

            try:
                return scene_to_pdf(sc, theme=print_theme, scale=s)
            except Unsupported as what:
                warnings.warn(PDFFallbackWarning(f"the PDF backend cannot draw {what}; "
                                                 f"this diagram's PDF goes through SVG and cairosvg"),
                              stacklevel=2)
        svg = scene_to_svg(sc, theme=print_theme, scale=1.0, id_prefix=id_prefix, resolved=True)
    return _cairo(svg, format, s)


def on_paper(sc):
    """The scene over a rectangle of the theme's ``paper`` colour (its whole viewBox)."""
    from dataclasses import replace

    from ..layout.scene import Path

    x, y, w, h = sc.viewbox
    rect = Path(d=(("M", x, y), ("L", x + w, y), ("L", x + w, y + h), ("L", x, y + h), ("Z",)),
                stroke=None, fill="paper", role="paper")
    return replace(sc, items=(rect, *sc.items))


def _cairo(svg: str, format: str, scale: float) -> bytes:
    try:
        import cairosvg
    except ImportError as exc:  # pragma: no cover - cairosvg is a dependency
        raise NCDError(msg.RENDER_CAIRO.format(format=format, reason=exc), None, kind="render") from None
    fn = cairosvg.svg2pdf if format == "pdf" else cairosvg.svg2png
    try:
        return fn(bytestring=svg.encode("utf-8"), scale=scale, unsafe=False)
    except Exception as exc:  # cairosvg raises many types
        raise NCDError(msg.RENDER_CAIRO.format(format=format, reason=exc), None, kind="render") from None


_VAR_BLOCK = re.compile(r"#[\w-]+\{((?:--ncd-[\w-]+:[^;}]+;?)+)\}")
_VAR = re.compile(r"var\(--ncd-([\w-]+)\)")


def resolve_css(svg: str) -> str:
    """An SVG of this package with its CSS variables replaced by the light (first) theme's colours."""
    m = _VAR_BLOCK.search(svg)
    table = {}
    if m:
        for decl in m.group(1).split(";"):
            if ":" in decl:
                k, v = decl.split(":", 1)
                table[k.strip()[len("--ncd-"):]] = v.strip()
    out = re.sub(r"<style>.*?</style>", "", svg, flags=re.S)
    out = re.sub(r'<g aria-hidden="true">.*?</g>(?=</svg>)', "", out, flags=re.S)
    return _VAR.sub(lambda mm: table.get(mm.group(1), "#000000"), out)


def svg_to(svg: str, format: str, scale: float = 1.0) -> bytes:
    """Convert an SVG from :func:`render` into ``"pdf"`` or ``"png"`` bytes (cropped to the drawing)."""
    if format not in ("pdf", "png"):
        raise NCDError(msg.RENDER_FORMAT.format(format=format, expected="pdf, png"), None, kind="render")
    s = _check_options(format, "auto", scale)
    if "var(--ncd-" in svg:
        svg = resolve_css(svg)
    return _cairo(svg, format, s)
