"""Sphinx extension (integration): one rendered file per diagram, format and theme.

:func:`ensure_file` is the single place that turns an :class:`ncd_diagram`
node into a file in the cache: ``ncd-<key>.<ext>`` where the key covers the
node's content key plus everything of this output (format, theme, scale,
verdict badge and highlights).  A hit costs one ``stat``; a miss parses the
node's spec again (it may come from a doctree read by another builder) and
renders it.  The directive calls it while reading, so errors carry the spec
line; writers call it while writing and then copy the file into the output.
"""
from __future__ import annotations

import json
from pathlib import Path

from ..errors import NCDError
from . import pipeline
from .cache import atomic_write, make_key, publish
from .context import Context

__all__ = ["output_key", "ensure_file", "svg_text", "write_sidecar", "read_sidecar", "publish_file"]


def effective_theme(config, node, fmt: str) -> str:
    theme = node.get("theme") or config.ncd_theme
    return theme if fmt == "svg" else pipeline.print_theme(theme)


def output_key(config, node, fmt: str) -> str:
    return make_key(node["key"], fmt, effective_theme(config, node, fmt), node["scale"],
                    node.get("badge"), [list(h) for h in node.get("highlights", ())])


def ensure_file(ctx: Context, config, node, fmt: str, diagram=None) -> Path:
    """The cached file of ``node`` in ``fmt``, rendered now if missing.  Raises NCDError."""
    key = output_key(config, node, fmt)
    path = ctx.cache / f"ncd-{key}.{fmt}"
    if path.exists():
        return path
    if diagram is None:
        diagram = pipeline.parse(node["spec"], node["spec_file"], tuple(node["search_path"]))
    data = pipeline.render(diagram, fmt, theme=effective_theme(config, node, fmt), scale=node["scale"],
                           id_prefix=f"ncd-{key[:10]}", highlights=node.get("highlights", ()),
                           badge=node.get("badge"))
    if fmt == "svg" and not isinstance(data, str):
        data = bytes(data).decode("utf-8")
    if not data:
        raise NCDError(f"the renderer returned an empty {fmt.upper()}", kind="render")
    atomic_write(path, data)
    return path


def svg_text(ctx: Context, config, node) -> str:
    return ensure_file(ctx, config, node, "svg").read_text(encoding="utf-8")


def publish_file(ctx: Context, config, node, fmt: str, builder) -> str:
    """Copy the diagram's file into the builder's image directory; returns its URI
    relative to the page being written (HTML) or to the output root (LaTeX, Texinfo)."""
    source = ensure_file(ctx, config, node, fmt)
    imagedir = getattr(builder, "imagedir", "") or ""
    publish(source, Path(builder.outdir) / imagedir / source.name)
    imgpath = getattr(builder, "imgpath", "") or ""
    return f"{imgpath}/{source.name}" if imgpath else source.name


def _sidecar(ctx: Context, key: str) -> Path:
    return ctx.cache / f"ncd-{key}.json"


def write_sidecar(ctx: Context, key: str, data: dict) -> None:
    atomic_write(_sidecar(ctx, key), json.dumps(data, sort_keys=True))


def read_sidecar(ctx: Context, key: str) -> dict | None:
    try:
        return json.loads(_sidecar(ctx, key).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
