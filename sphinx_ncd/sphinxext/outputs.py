"""Sphinx extension (integration): one rendered file per diagram, format and theme.

:func:`ensure_file` is the single place that turns an :class:`ncd_diagram`
node into a file in the cache: ``ncd-<key>.<ext>`` where the key covers the
node's content key plus everything of this output (format, theme, scale,
verdict badge and highlights).  The diagram's generated description (the
default alt text) travels with it -- a comment on the first line of an SVG, a
``.txt`` beside a PDF or PNG -- so a cache hit needs no parsing at all.  A hit costs one ``stat``; a miss parses the
node's spec again (it may come from a doctree read by another builder) and
renders it.  The directive calls it while reading, so errors carry the spec
line; writers call it while writing and then copy the file into the output.
"""
from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote

from ..errors import NCDError
from . import interactive, pipeline
from .cache import atomic_write, make_key, publish
from .context import Context

__all__ = ["output_key", "ensure_file", "svg_text", "publish_file", "cached_description",
           "write_description"]


def effective_theme(config, node, fmt: str) -> str:
    theme = node.get("theme") or config.ncd_theme
    return theme if fmt == "svg" else pipeline.print_theme(theme)


#: pixels per CSS pixel of an HTML PNG (shown at 1x through ``srcset``: sharp on HiDPI screens)
HTML_PNG_DENSITY = 2.0


def render_scale(ctx: Context, node, fmt: str) -> float:
    """The drawing scale of the file: HTML PNGs are drawn at :data:`HTML_PNG_DENSITY`."""
    dense = fmt == "png" and ctx.builder_format == "html"
    return node["scale"] * (HTML_PNG_DENSITY if dense else 1.0)


def output_key(config, node, fmt: str, scale: float | None = None) -> str:
    return make_key(node["key"], fmt, effective_theme(config, node, fmt), node["scale"] if scale is None else scale,
                    node.get("badge"), [list(h) for h in node.get("highlights", ())], node.get("max_width"),
                    interactive.key_part(config, node, fmt))


def ensure_file(ctx: Context, config, node, fmt: str, diagram=None) -> Path:
    """The cached file of ``node`` in ``fmt``, rendered now if missing.  Raises NCDError."""
    scale = render_scale(ctx, node, fmt)
    key = output_key(config, node, fmt, scale)
    path = ctx.cache / f"ncd-{key}.{fmt}"
    if path.exists():
        return path
    if diagram is None:
        diagram = pipeline.parse(node["spec"], node["spec_file"], tuple(node["search_path"]))
    if fmt == "svg" and interactive.wanted(config):  # hooks and metadata for the page script
        data = interactive.render_svg(diagram, node, theme=effective_theme(config, node, fmt),
                                      id_prefix=f"ncd-{key[:10]}")
    else:
        data = pipeline.render(diagram, fmt, theme=effective_theme(config, node, fmt), scale=scale,
                               id_prefix=f"ncd-{key[:10]}", highlights=node.get("highlights", ()),
                               badge=node.get("badge"), max_width=node.get("max_width"))
    if fmt == "svg" and not isinstance(data, str):
        data = bytes(data).decode("utf-8")
    if not data:
        raise NCDError(f"the renderer returned an empty {fmt.upper()}", kind="render")
    description = node.get("description") or ""
    if fmt == "svg":
        data = _COMMENT.format(text=_comment_safe(description)) + data
    else:
        atomic_write(path.with_suffix(f".{fmt}.txt"), description)
    atomic_write(path, data)
    return path


_COMMENT = "<!-- ncd-description: {text} -->\n"
_COMMENT_HEAD = "<!-- ncd-description: "


def _comment_safe(text: str) -> str:
    """Percent-encode what could end or break an XML comment (round trip: ``unquote``)."""
    return " ".join(text.split()).replace("%", "%25").replace("-", "%2D")


def strip_comment(svg: str) -> str:
    return svg.split("\n", 1)[1] if svg.startswith(_COMMENT_HEAD) else svg


def cached_description(ctx: Context, config, node, fmt: str | None) -> str | None:
    """The description stored with the node's cached output, or None on a miss."""
    if fmt is None:
        path = ctx.cache / f"ncd-{node['key']}.txt"
    else:
        path = ctx.cache / f"ncd-{output_key(config, node, fmt, render_scale(ctx, node, fmt))}.{fmt}"
        if fmt != "svg":
            if not path.exists():
                return None
            path = path.with_suffix(f".{fmt}.txt")
    try:
        with open(path, encoding="utf-8") as fh:
            first = fh.readline() if fmt == "svg" else fh.read()
    except OSError:
        return None
    if fmt != "svg":
        return first
    if not first.startswith(_COMMENT_HEAD):
        return None
    return unquote(first[len(_COMMENT_HEAD):].rstrip().removesuffix("-->").rstrip())


def write_description(ctx: Context, node) -> None:
    """For builders that embed no file (text, man): remember the description alone."""
    atomic_write(ctx.cache / f"ncd-{node['key']}.txt", node.get("description") or "")


def svg_text(ctx: Context, config, node) -> str:
    return strip_comment(ensure_file(ctx, config, node, "svg").read_text(encoding="utf-8"))


def publish_file(ctx: Context, config, node, fmt: str, builder) -> str:
    """Copy the diagram's file into the builder's image directory; returns its URI
    relative to the page being written (HTML) or to the output root (LaTeX, Texinfo)."""
    source = ensure_file(ctx, config, node, fmt)
    imagedir = getattr(builder, "imagedir", "") or ""
    target = Path(builder.outdir) / imagedir / source.name
    if fmt == "svg":  # without the cache's description comment
        data = strip_comment(source.read_text(encoding="utf-8")).encode("utf-8")
        try:
            if target.read_bytes() != data:
                atomic_write(target, data)
        except FileNotFoundError:
            atomic_write(target, data)
    else:
        publish(source, target)
    imgpath = getattr(builder, "imgpath", "") or ""
    return f"{imgpath}/{source.name}" if imgpath else source.name
