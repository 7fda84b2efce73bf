"""Sphinx extension (integration): diagrams a reader can question in HTML.

With ``ncd_interactive = True`` (the default) the SVG an HTML page inlines is
written by :func:`sphinx_ncd.rendering.interactive.render_interactive` (hooks
on wires, axis labels and boxes plus a ``<metadata>`` JSON), and every page
gets ``ncd-interactive.js`` and ``.css`` (``static/``): hover a wire for its
axis, sizes and value, hover or focus an axis label to light up every wire of
that axis, hover or focus a box for its signature, binding and its own shape
check, value check and cost (:func:`box_notes`), click it
(or press Enter) to jump to the bound code, zoom and a full-size view.  With
JavaScript off the page shows the same static SVG as without this module.

The script and styles are written readable in ``assets/``; a page gets them
squeezed (:func:`squeeze`: comments and indentation dropped, lines kept), written
once into the diagram cache's ``static/`` folder, which joins ``html_static_path``.

The jump target of a diagram's boxes (:func:`code_target`): ``linkcode``'s
``linkcode_resolve`` for the ``:code:`` class when the project uses it, else
``viewcode``'s page of the class's module when it has one, else the page
source of the directive (``_sources/``, its line shown in the tooltip).
"""
from __future__ import annotations

import html
import posixpath
import re
from pathlib import Path

from . import compat, pipeline
from .cache import atomic_write
from .context import context

__all__ = ["setup", "wanted", "key_part", "box_notes", "render_svg", "code_target", "wrapper_attributes", "squeeze",
           "page_assets"]

CONFIG = "ncd_interactive"
JS, CSS = "ncd-interactive.js", "ncd-interactive.css"
ASSETS = Path(__file__).resolve().parent / "assets"


def setup(app) -> None:
    compat.add_config_value(app, CONFIG, True, "env", frozenset({bool}),
                            "HTML: hover, focus, zoom and code links on inline diagrams")
    app.connect("builder-inited", _add_assets, priority=600)  # after context.init


def squeeze(text: str, css: bool) -> str:
    """``text`` without comments and indentation, a block's last semicolon dropped (JavaScript keeps the
    line breaks where a statement may end without a semicolon; CSS is one line)."""
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.DOTALL)
    if css:
        return re.sub(r"\s*([{};,])\s*|(:)\s+", r"\1\2", " ".join(text.split())).replace(";}", "}") + "\n"
    lines = (re.sub(r"\s+//\s.*$", "", line).strip() for line in text.splitlines())
    code = "\n".join(line for line in lines if line and not line.startswith("//")) + "\n"
    # spaces next to punctuation go, outside string literals (never around + or -: "a + +b")
    parts = re.split(r"(\"(?:[^\"\\\n]|\\.)*\")", code)
    # a line ending in { ; , or } joins the next (no return, break or ++ ends such a line: same meaning)
    code = "".join(part if k % 2 else re.sub(r"([{};,])\n", r"\1", re.sub(
        r"[ \t]*([{}();,=:?<>!&|])[ \t]*", r"\1", part)).replace(";}", "}") for k, part in enumerate(parts))
    # then around + and * too, where no sign follows ("a + +b", "a + -1" keep theirs)
    code = re.sub(r"(\"(?:[^\"\\\n]|\\.)*\")|[ \t]+([+*])[ \t]+(?=[\w(\".$])", lambda m: m.group(1) or m.group(2), code)
    return code.rstrip("\n") + "\n"


def page_assets() -> dict[str, str]:
    """File name -> the squeezed text a page gets."""
    return {name: squeeze((ASSETS / name).read_text(encoding="utf-8"), name.endswith(".css")) for name in (JS, CSS)}


def _add_assets(app) -> None:
    """``builder-inited``: the squeezed script and styles, linked from every page of an HTML builder."""
    if getattr(app.builder, "format", "") != "html" or not wanted(app.config):
        return
    folder = context(app.env).cache / "static"
    for name, text in page_assets().items():
        target = folder / name
        if not target.is_file() or target.read_text(encoding="utf-8") != text:
            folder.mkdir(parents=True, exist_ok=True)
            atomic_write(target, text)
    if str(folder) not in [str(p) for p in app.config.html_static_path]:
        app.config.html_static_path.append(str(folder))
    app.add_css_file(CSS)
    app.add_js_file(JS, loading_method="defer")


def wanted(config) -> bool:
    return bool(getattr(config, CONFIG, False))


def key_part(config, node, fmt: str):
    """What the interactive SVG adds to a file's cache key (nothing for other formats or with it off)."""
    if fmt != "svg" or not wanted(config):
        return None
    verdict, notes = box_notes(node)
    return ["interactive", list(node.get("sizes") or ()), verdict, [list(n) for n in notes]]


def box_notes(node) -> tuple[str, tuple]:
    """(diagram-wide note, ((op_id, note), ...)) for the hover text of ``node``'s boxes: each box's own
    shape check, value check and cost; the shape-check verdict of the whole diagram only when the check
    judged no box on its own (not run, or the diagram's signature alone); a highlight's note (a mismatch
    blamed on the box's output) when its own checks say nothing."""
    shapes = [tuple(b) for b in node.get("shape_boxes") or ()]
    values = [tuple(b) for b in node.get("value_boxes") or ()]
    costs = [tuple(b) for b in node.get("cost_boxes") or ()]
    judged = {int(op) for op, _ in shapes + values}
    marked = [(int(op), str(note)) for op, note in node.get("highlights") or () if int(op) not in judged]
    verdict = node.get("verdict", "")
    wide = f"shape check of the diagram: {verdict}" if verdict and not shapes else ""
    return wide, tuple(shapes + marked + values + costs)


def render_svg(diagram, node, *, theme: str, id_prefix: str) -> str:
    """The interactive SVG of ``node``'s diagram (an NCDError on any failure)."""
    from ..rendering.interactive import render_interactive

    verdict, notes = box_notes(node)
    return pipeline.guarded("rendering SVG", "render", render_interactive, diagram, theme=theme,
                            scale=node["scale"], id_prefix=id_prefix,
                            highlights=tuple(tuple(h) for h in node.get("highlights", ())),
                            badge=node.get("badge"), max_width=node.get("max_width"),
                            sizes=tuple(tuple(s) for s in node.get("sizes") or ()),
                            verdict=verdict, notes=notes)


def _code_parts(code: str) -> tuple[str, str] | None:
    """(module, class) of an import spec ``pkg.mod:Model(m=8)``; None for embedded code."""
    if not code or code.startswith("embedded") or ":" not in code:
        return None
    module, _, obj = code.partition(":")
    return module.strip(), obj.split("(", 1)[0].strip()


def code_target(builder, node, docname: str) -> tuple[str, str]:
    """(href relative to the page or "", what it points at) for a click on one of ``node``'s boxes."""
    config, env = builder.config, builder.env
    parts = _code_parts((node.get("code") or "").strip())
    if parts:
        module, fullname = parts
        resolve = getattr(config, "linkcode_resolve", None)
        if callable(resolve) and "sphinx.ext.linkcode" in config.extensions:
            try:
                uri = resolve("py", {"module": module, "fullname": fullname})
            except Exception:  # noqa: BLE001 - the project's own resolver; no link rather than no page
                uri = None
            if uri:
                return uri, f"{module}.{fullname}"
        if (getattr(env, "_viewcode_modules", None) or {}).get(module):
            page = "_modules/" + module.replace(".", "/")
            return f"{builder.get_relative_uri(docname, page)}#{fullname}", f"{module}.{fullname}"
    source = node.source or ""
    where = f"{posixpath.basename(source)}, line {node.line}" if source and node.line else ""
    if getattr(config, "html_copy_source", False) and docname in env.found_docs:
        name = str(env.doc2path(docname, False)).replace("\\", "/")
        suffix = config.html_sourcelink_suffix or ""
        if suffix and not name.endswith(suffix):
            name += suffix
        up = "../" * builder.get_target_uri(docname).count("/")
        return f"{up}_sources/{name}", where
    return "", where


def wrapper_attributes(builder, node, docname: str) -> str:
    """The ``data-ncd-*`` attributes of a diagram's ``<div>``: its click target and what it names."""
    href, where = code_target(builder, node, docname)
    out = ""
    if href:
        out += f' data-ncd-href="{html.escape(href, quote=True)}"'
    if where:
        out += f' data-ncd-where="{html.escape(where, quote=True)}"'
    return out
