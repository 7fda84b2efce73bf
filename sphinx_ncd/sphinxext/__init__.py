"""Sphinx extension (integration over the whole pipeline): ``extensions = ["sphinx_ncd"]``.

Registers the ``ncd`` directive, its node with a visitor per builder family
(:mod:`.write_html`, :mod:`.write_latex`, :mod:`.write_texinfo`, :mod:`.write_plain`), the ``ncd_*``
configuration values (:mod:`.config`), the stylesheet that lets inline
diagrams follow the theme's dark mode, and the environment hooks of
:mod:`.state`.  Modules: :mod:`.directive` (reading), :mod:`.sources` (spec
files, dependencies), :mod:`.locate` (located warnings), :mod:`.outputs` and
:mod:`.cache` (rendered files), :mod:`.checking` (shape checks),
:mod:`.errorbox` (what replaces a failed diagram), :mod:`.interactive` (hover, focus, zoom and
code links on inline HTML diagrams).
"""
from __future__ import annotations

from pathlib import Path

import sphinx_ncd

from . import config as _config
from . import context as _context
from . import i18n, interactive, latex_labels, pipeline, state, write_html, write_latex, write_plain, \
    write_texinfo
from .directive import NCDDirective
from .nodes import ncd_diagram

__all__ = ["setup", "ENV_VERSION"]

#: bump when the node attributes or env tables change shape (invalidates pickled environments)
ENV_VERSION = 4

STATIC = Path(__file__).resolve().parent / "static"


def _add_static_path(app, config) -> None:
    if str(STATIC) not in [str(p) for p in config.html_static_path]:
        config.html_static_path.append(str(STATIC))


def _before_read(app, env, docnames) -> None:
    state.before_read(app, env, docnames)
    if getattr(app, "parallel", 0) > 1 and len(docnames) > 1:
        pipeline.warm_up()  # forked readers inherit the loaded pipeline


def setup(app):
    _config.register(app)
    app.add_node(
        ncd_diagram,
        html=(write_html.visit, None),
        latex=(write_latex.visit, None),
        texinfo=(write_texinfo.visit, None),
        text=(write_plain.visit_text, None),
        man=(write_plain.visit_man, None),
    )
    app.add_directive("ncd", NCDDirective)
    app.add_transform(i18n.RestoreVerdict)
    app.add_css_file("ncd.css")
    interactive.setup(app)
    app.connect("config-inited", _config.validate)
    app.connect("config-inited", _add_static_path)
    app.connect("builder-inited", _context.init)
    app.connect("env-before-read-docs", _before_read)
    app.connect("env-purge-doc", state.purge)
    app.connect("env-merge-info", state.merge)
    app.connect("env-updated", state.summarize)
    app.connect("doctree-read", state.collect_numrefs)
    app.connect("env-check-consistency", state.check_numrefs)
    app.connect("config-inited", latex_labels.add_package)  # after validate: a bad value is "tex" by then
    app.connect("builder-inited", latex_labels.copy_package)
    return {
        "version": sphinx_ncd.__version__,
        "env_version": ENV_VERSION,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
