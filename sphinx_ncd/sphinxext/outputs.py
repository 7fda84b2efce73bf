"""Sphinx extension (integration): one rendered file per diagram, format and theme.

:func:`ensure_file` is the single place that turns an :class:`ncd_diagram`
node into a file in the cache: ``ncd-<key>.<ext>`` where the key covers the
node's content key plus everything of this output (format, theme, scale,
verdict badge and highlights).  The diagram's generated description (the
default alt text) travels with it -- a comment on the first line of an SVG, a
``.txt`` beside a PDF or PNG -- so a cache hit needs no parsing at all.  So does a
SHA-256 of the entry: a file is served only once it proves itself (the checksum
and the shape of its format, :mod:`sphinx_ncd.integrity`; once per process, then
one ``stat``), and a corrupt one is rendered again with a warning.  A miss parses the
node's spec again (it may come from a doctree read by another builder) and
renders it.  The directive calls it while reading, so errors carry the spec
line; writers call it while writing and then copy the file into the output.
"""
from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote

from sphinx.util import logging

from .. import messages as msg
from ..errors import NCDError
from ..integrity import digest, format_problem
from . import interactive, pipeline
from .cache import atomic_write, make_key, publish
from .context import Context

__all__ = ["output_key", "ensure_file", "inlined", "svg_text", "publish_file", "cached_description",
           "write_description", "entry_problem"]

logger = logging.getLogger("sphinx_ncd")


def effective_theme(config, node, fmt: str) -> str:
    theme = node.get("theme") or config.ncd_theme
    return theme if fmt == "svg" else pipeline.print_theme(theme)


#: pixels per CSS pixel of an HTML PNG (shown at 1x through ``srcset``: sharp on HiDPI screens)
HTML_PNG_DENSITY = 2.0
#: the layout of a cached file (description, checksum); part of every key, so files of an
#: older layout are misses, never "corrupt"
CACHE_LAYOUT = 2


def render_scale(ctx: Context, node, fmt: str) -> float:
    """The drawing scale of the file: HTML PNGs are drawn at :data:`HTML_PNG_DENSITY`."""
    dense = fmt == "png" and ctx.builder_format == "html"
    return node["scale"] * (HTML_PNG_DENSITY if dense else 1.0)


def output_key(config, node, fmt: str, scale: float | None = None, inline: bool = False) -> str:
    return make_key(node["key"], fmt, effective_theme(config, node, fmt), node["scale"] if scale is None else scale,
                    node.get("badge"), [list(h) for h in node.get("highlights", ())], node.get("max_width"),
                    interactive.key_part(config, node, fmt) if inline else None, CACHE_LAYOUT)


def ensure_file(ctx: Context, config, node, fmt: str, diagram=None, *, inline: bool = False) -> Path:
    """The cached file of ``node`` in ``fmt``, rendered now if missing or corrupt.  Raises NCDError.

    A cached file is served only after it proves itself (:func:`entry_problem`); a
    corrupt one is rendered again, with a warning, and the build goes on.  ``inline``: the SVG is inlined
    in an HTML page, so it carries the interactive hooks (a file shown through ``<img>`` or packed in an
    EPUB never does: no script reaches into it).
    """
    scale = render_scale(ctx, node, fmt)
    key = output_key(config, node, fmt, scale, inline)
    path = ctx.cache / f"ncd-{key}.{fmt}"
    problem = entry_problem(path, fmt)
    if problem is None:
        return path
    if problem != _MISSING:
        logger.warning(msg.SPHINX_CACHE_CORRUPT.format(file=path, reason=problem),
                       location=node.get("spec_location") or None, type="ncd", subtype="cache")
    if diagram is None:
        diagram = pipeline.parse(node["spec"], node["spec_file"], tuple(node["search_path"]))
    if inline and fmt == "svg" and interactive.wanted(config):  # hooks and metadata for the page script
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
    description = (node.get("description") or "").encode("utf-8", "replace")
    if fmt == "svg":
        head = _COMMENT.format(text=_comment_safe(description.decode("utf-8"))).encode("utf-8")
        body = data.encode("utf-8")
        atomic_write(path, head + _SUM.format(digest(head, body)).encode("ascii") + body)
    else:
        body = bytes(data)
        atomic_write(path.with_suffix(f".{fmt}.txt"), digest(description, body).encode("ascii") + b"\n"
                     + description)
        atomic_write(path, body)
    _VERIFIED.pop(str(path), None)
    return path


_COMMENT = "<!-- ncd-description: {text} -->\n"
_COMMENT_HEAD = "<!-- ncd-description: "
_SUM = "<!-- ncd-sha256: {} -->\n"
_SUM_HEAD = b"<!-- ncd-sha256: "
_MISSING = "missing"
_VERIFIED: dict[str, tuple] = {}  # path -> (stat signature, description) of files proved in this process


def _comment_safe(text: str) -> str:
    """Percent-encode what could end or break an XML comment (round trip: ``unquote``)."""
    return " ".join(text.split()).replace("%", "%25").replace("-", "%2D")


def strip_comment(svg: str) -> str:
    """The SVG of a cache file, without its description and checksum lines."""
    if svg.startswith(_COMMENT_HEAD):
        svg = svg.split("\n", 1)[1]
    if svg.startswith(_SUM_HEAD.decode()):
        svg = svg.split("\n", 1)[1]
    return svg


def _signature(*paths: Path) -> tuple:
    out = []
    for p in paths:
        st = p.stat()
        out.append((st.st_mtime_ns, st.st_size, st.st_ino))
    return tuple(out)


def _load(path: Path, fmt: str) -> tuple[str, bytes]:
    """(description, body) of a cache entry; raises ValueError (why it is corrupt) or OSError."""
    if fmt == "svg":
        raw = path.read_bytes()
        head, _, rest = raw.partition(b"\n")
        line, _, body = rest.partition(b"\n")
        if not head.startswith(_COMMENT_HEAD.encode()) or not line.startswith(_SUM_HEAD):
            raise ValueError("no description and checksum lines")
        if line[len(_SUM_HEAD):].split(b" ", 1)[0].decode("ascii", "replace") != digest(head + b"\n", body):
            raise ValueError("checksum mismatch")
        text = head.decode("utf-8")[len(_COMMENT_HEAD):].rstrip().removesuffix("-->").rstrip()
        description = unquote(text)
    else:
        side = path.with_suffix(f".{fmt}.txt").read_bytes()
        body = path.read_bytes()
        checksum, _, described = side.partition(b"\n")
        if checksum.decode("ascii", "replace") != digest(described, body):
            raise ValueError("checksum mismatch")
        description = described.decode("utf-8")
    problem = format_problem(body, fmt)
    if problem:
        raise ValueError(problem)
    return description, body


def entry_problem(path: Path, fmt: str) -> str | None:
    """None when the cache entry at ``path`` is whole, ``"missing"``, or why it is corrupt."""
    paths = (path,) if fmt == "svg" else (path, path.with_suffix(f".{fmt}.txt"))
    try:
        sig = _signature(*paths)
        known = _VERIFIED.get(str(path))
        if known is not None and known[0] == sig:
            return None
        description, _ = _load(path, fmt)
    except FileNotFoundError:
        return _MISSING
    except UnicodeError:
        return "not UTF-8"
    except ValueError as exc:
        return str(exc)
    except OSError as exc:
        return f"unreadable ({exc.strerror or exc})"
    _VERIFIED[str(path)] = (sig, description)
    return None


def inlined(ctx: Context, config, node, fmt: str | None, builder_name: str) -> bool:
    """Whether the page inlines the node's SVG (HTML builders but EPUB, format ``inline``): then its file is
    the interactive one (the same test as :mod:`.write_html`'s)."""
    mode = node["format"] or config.ncd_output_format
    return fmt == "svg" and ctx.builder_format == "html" and mode == "inline" and not builder_name.startswith("epub")


def cached_description(ctx: Context, config, node, fmt: str | None, inline: bool = False) -> str | None:
    """The description stored with the node's cached output, or None on a miss (or a corrupt entry)."""
    if fmt is None:
        try:
            checksum, _, described = (ctx.cache / f"ncd-{node['key']}.txt").read_bytes().partition(b"\n")
            if checksum.decode("ascii", "replace") != digest(described):
                return None
            return described.decode("utf-8")
        except (OSError, ValueError):
            return None
    path = ctx.cache / f"ncd-{output_key(config, node, fmt, render_scale(ctx, node, fmt), inline)}.{fmt}"
    if entry_problem(path, fmt) is not None:
        return None
    return _VERIFIED[str(path)][1]


def write_description(ctx: Context, node) -> None:
    """For builders that embed no file (text, man): remember the description alone."""
    described = (node.get("description") or "").encode("utf-8", "replace")
    atomic_write(ctx.cache / f"ncd-{node['key']}.txt", digest(described).encode("ascii") + b"\n" + described)


def svg_text(ctx: Context, config, node) -> str:
    return strip_comment(ensure_file(ctx, config, node, "svg", inline=True).read_text(encoding="utf-8"))


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
