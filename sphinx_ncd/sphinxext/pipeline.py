"""Sphinx extension (integration): the only module that calls the diagram pipeline.

Thin wrappers over the pipeline (``parse``, ``describe``, ``render``,
``check``, imported lazily from the stage modules the public functions delegate to)
that guarantee one thing to the rest of the extension:
whatever goes wrong comes back as an :class:`~sphinx_ncd.errors.NCDError`
with a ``kind``, never as a stray exception that would abort the build with a
traceback.  Which output format and theme a builder needs is decided here too.
"""
from __future__ import annotations

import importlib
import re

from .. import messages as msg
from ..errors import NCDError

__all__ = ["parse", "describe", "render", "check", "builder_format", "print_theme", "guarded", "warm_up"]


def guarded(stage: str, kind: str, fn, *args, **kwargs):
    """Call ``fn``; an unexpected exception becomes an NCDError of ``kind``."""
    try:
        return fn(*args, **kwargs)
    except NCDError:
        raise
    except RecursionError as exc:
        raise NCDError(msg.SPHINX_INTERNAL.format(stage=stage, kind="RecursionError", reason=exc),
                       kind=kind) from None
    except Exception as exc:  # noqa: BLE001 - a bug elsewhere must not kill the whole build
        raise NCDError(msg.SPHINX_INTERNAL.format(stage=stage, kind=type(exc).__name__, reason=exc),
                       kind=kind) from exc


def _stage(module: str, name: str):
    """A pipeline function, looked up at call time (lazy imports, patchable in tests)."""
    return getattr(importlib.import_module(module), name)


def parse(text: str, name: str, search_path: tuple[str, ...]):
    """The diagram; divisions its ``sizes`` line breaks are in ``diagram.problems`` (warned, figure kept)."""
    return guarded("parsing the spec", "syntax", _stage("sphinx_ncd.model.build", "parse"), text,
                   filename=name, search_path=tuple(search_path), strict=False)


_SIZES_LINE = re.compile(r"^[ \t]*sizes\b", re.M)


def has_sizes_line(text: str) -> bool:
    """Whether a spec gives sizes, so that a cached figure still needs parsing for its warnings."""
    return _SIZES_LINE.search(text) is not None


def describe(diagram) -> str:
    try:
        text = guarded("describing the diagram", "render",
                       _stage("sphinx_ncd.model.describe", "describe"), diagram)
    except NCDError:
        text = ""
    return " ".join(str(text).split()) or msg.SPHINX_DEFAULT_ALT


def render(diagram, fmt: str, *, theme: str, scale: float, id_prefix: str,
           highlights: tuple = (), badge: str | None = None, max_width: float | None = None):
    """SVG text or PDF/PNG bytes; a panel wider than ``max_width`` drawing units is folded (None: never)."""
    return guarded(f"rendering {fmt.upper()}", "render", _stage("sphinx_ncd.rendering.api", "render"),
                   diagram, format=fmt,
                   theme=theme, scale=scale, id_prefix=id_prefix,
                   highlights=tuple(tuple(h) for h in highlights), badge=badge, max_width=max_width,
                   paper=fmt != "svg")


def check(diagram, code: str, sizes, **options):
    return guarded("checking shapes", "exec", _stage("sphinx_ncd.checking.api", "check"), diagram, code,
                   sizes=sizes, **options)


def builder_format(fmt: str, html_format: str) -> str | None:
    """The file format a builder (of Sphinx format ``fmt``) embeds: ``svg``, ``pdf``,
    ``png``, or None (text only)."""
    if fmt == "html":
        return "png" if html_format == "png" else "svg"
    if fmt == "latex":
        return "pdf"
    if fmt == "texinfo":
        return "png"
    return None


def print_theme(theme: str) -> str:
    """PDF and PNG have no reader preference to follow: "auto" prints light."""
    return "light" if theme == "auto" else theme


WARM_UP_SPEC = "input X: c\nY = relu X\noutput Y\n"


def warm_up() -> None:
    """Import the pipeline and load its fonts now, in the parent of parallel readers.

    ``sphinx-build -j N`` forks one process per chunk of documents; whatever the
    parent has loaded, every child inherits for free, instead of each chunk
    importing sympy and the fonts again.
    """
    try:
        diagram = parse(WARM_UP_SPEC, "<warm-up>", ())
        render(diagram, "svg", theme="auto", scale=1.0, id_prefix="ncd-warm-up")
    except NCDError:
        pass
