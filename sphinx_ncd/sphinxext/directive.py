"""Sphinx extension (integration): the ``.. ncd::`` directive.

Reads the spec (body or one file argument), parses it, checks it against code
when asked, renders the file the current builder needs into the cache, and
returns an :class:`~.nodes.ncd_diagram` -- wrapped in a numbered
``nodes.figure`` when there is a ``:caption:`` (``add_name`` goes on the
figure, so ``numfig``, ``:numref:`` and the LaTeX float come from Sphinx).
Everything happens while the document is read, so every problem is a warning
at the offending spec line, and the page gets an error box in its place.

A cached diagram (same spec, libraries, options, configuration and package
version) is not parsed again: the cache's sidecar holds its alt text.
"""
from __future__ import annotations

from docutils import nodes
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import set_source_info

from .. import messages as msg
from ..errors import NCDError
from ..safeio import read_text_file
from . import checking, compat, i18n, outputs, pipeline, state, values
from .cache import make_key
from .context import context
from .errorbox import error_box
from .locate import SpecSource, warn
from .nodes import ncd_diagram
from .options import OPTION_SPEC
from .sources import read_spec, search_path, used_libraries

__all__ = ["NCDDirective", "status_class"]


def status_class(status: str) -> str:
    """The HTML class of a verdict: ``ncd-proved``, ``ncd-mismatch`` ...; a failed run is
    ``ncd-failed`` (``ncd-error`` is the class of the box that replaces a broken diagram)."""
    return "ncd-failed" if status == "error" else f"ncd-{status}"


class NCDDirective(SphinxDirective):
    """``.. ncd:: [file.ncd]`` with the spec in the body or in the file."""

    has_content = True
    required_arguments = 0
    optional_arguments = 1
    final_argument_whitespace = False
    option_spec = OPTION_SPEC

    def run(self) -> list[nodes.Node]:
        docname = compat.docname(self.env)
        here = f"{self.env.doc2path(docname)}:{self.lineno}"
        if self.arguments and self.content:
            warn(NCDError(msg.SPHINX_BOTH_SOURCES.format(path=self.arguments[0]), kind="config"), None,
                 location=here)
        elif not self.arguments and not "\n".join(self.content).strip():
            return self._failed(msg.SPHINX_NO_SOURCE, here, "config")
        if "name" in self.options and "caption" not in self.options:
            # reported after reading, if a :numref: targets it (it can get no number)
            state.note_uncaptioned(self.env, docname, nodes.fully_normalize_name(self.options["name"]),
                                   here)
        if "code" not in self.options:
            for option in ("sizes", "expect"):
                if option in self.options:
                    warn(NCDError(msg.SPHINX_CHECK_OPTIONS_WITHOUT_CODE.format(option=option),
                                  kind="config"), None, location=here)
        try:
            text, source = read_spec(self)
        except NCDError as err:
            return self._failed(warn(err, None, location=here)[0], here, None)
        try:
            node = self._diagram(text, source)
        except NCDError as err:
            shown, where = warn(err, source)
            return self._failed(shown, where, None)
        return self._wrap(node) + getattr(self, "_cost_table", [])

    # -- building the node ------------------------------------------------------------

    def _diagram(self, text: str, source: SpecSource) -> ncd_diagram:
        ctx, config = context(self.env), self.config
        dirs = search_path(config, ctx.confdir, source)
        libraries = used_libraries(text, dirs)
        for path in libraries:
            self.env.note_dependency(str(path))
        # the spec's own file name is not part of the key: the same diagram on
        # two pages is one file (spans only matter for errors, which are not cached)
        key = make_key(ctx.fingerprint, text,
                       [_library_text(path) for path in libraries])
        node = ncd_diagram()
        set_source_info(self, node)
        node["spec"] = text
        node["spec_file"] = source.name
        node["spec_location"] = source.location(1)
        node["line_offset"] = source.offset
        node["search_path"] = dirs
        node["key"] = key
        node["scale"] = float(self.options.get("scale", 1.0)) * float(config.ncd_scale)
        fold = self.options.get("max-width", config.ncd_max_width)
        node["max_width"] = float(fold) / node["scale"] if fold else None  # drawing units
        node["theme"] = self.options.get("theme")
        node["format"] = self.options.get("format")
        for option in ("align", "width", "height"):
            if option in self.options:
                node[option] = self.options[option]
        node["classes"] = ["ncd", *self.options.get("class", [])]
        node["code"] = self.options.get("code")  # interactive HTML: where a click on a box goes
        node["sizes"] = [list(s) for s in self.options.get("sizes", ())]  # interactive HTML: sizes shown

        fmt = pipeline.builder_format(ctx.builder_format, node["format"] or config.ncd_output_format)
        inline = outputs.inlined(ctx, config, node, fmt, compat.builder_name(self.env))
        check = checking.wanted(self)
        # a cache hit (same spec, libraries, options, configuration, pipeline)
        # needs no parsing at all: the cached file carries the description
        description = None if check else outputs.cached_description(ctx, config, node, fmt, inline)
        diagram = None
        if description is None or pipeline.has_sizes_line(text):  # a cached figure's sizes are still checked
            diagram = pipeline.parse(text, source.name, dirs)
            description = description or pipeline.describe(diagram)
            for problem in diagram.problems:  # a division the sizes line breaks: warned, the figure kept
                warn(problem, source)
        node["description"] = description
        node["alt"] = self.options.get("alt") or description or msg.SPHINX_DEFAULT_ALT
        node["verdict"] = ""
        values_differ = check and values.wanted(self) and values.take_expectation(self)
        if "show-code" in self.options and diagram is None:
            diagram = pipeline.parse(text, source.name, dirs)
        if check:
            verdict = checking.run(self, diagram, source)
            if verdict is not None:
                node["badge"] = verdict.badge
                node["highlights"] = verdict.highlights
                node["verdict"] = verdict.summary
                node["verdict_status"] = verdict.status
                node["verdict_met"] = verdict.met
                node["shape_boxes"] = [list(b) for b in verdict.boxes]  # interactive HTML: each box's own result
                if verdict.expected is not None and verdict.report:
                    node["report"] = verdict.report
            if values.wanted(self):
                self._values(node, diagram, source, values_differ)
        if "show-code" in self.options:
            node["code_nodes"] = values.code_block(self, diagram, source)
        if "cost" in self.options:  # the cost table under the figure (sphinx_ncd.cost)
            diagram = diagram or pipeline.parse(text, source.name, dirs)
            self._cost_table = self._cost(node, diagram)
        if fmt is None:
            if diagram is not None:
                outputs.write_description(ctx, node)
        else:
            path = outputs.ensure_file(ctx, config, node, fmt, diagram, inline=inline)
            svg = path.read_text(encoding="utf-8") if fmt == "svg" else None
            i18n.set_search_text(node, i18n.search_text(node["alt"], svg))  # alt text and labels
        return node

    def _values(self, node, diagram, source, expect_differ: bool) -> None:
        """The value check's verdict beside the shape check's: badge, highlight, caption note, report."""
        verdict = values.run(self, diagram, source, expect_differ)
        if verdict is None:
            return
        node["badge"] = " \N{MIDDLE DOT} ".join(b for b in (node.get("badge"), verdict.badge) if b)
        node["highlights"] = tuple(node.get("highlights") or ()) + tuple(verdict.highlights)
        node["value_verdict"] = verdict.summary
        node["value_status"] = verdict.status
        node["value_met"] = verdict.met
        node["value_boxes"] = [list(b) for b in verdict.boxes]  # interactive HTML: each box's own result
        if verdict.met or verdict.status == "differ":
            node["value_report"] = verdict.report

    def _wrap(self, node: ncd_diagram) -> list[nodes.Node]:
        report = self._report(node) + self._value_report(node) + list(node.attributes.pop("code_nodes", []))
        if "caption" not in self.options:
            self.add_name(node)
            return [node, *report]
        note = i18n.verdict_note(node, self.config)
        if node.get("value_verdict") and self.config.ncd_caption_verdict:
            template = msg.SPHINX_VALUES_EXPECTED_NOTE if node.get("value_met") else msg.SPHINX_VALUES_NOTE
            text = template.format(summary=node["value_verdict"])
            status = {"agree": "proved", "differ": "mismatch"}.get(node.get("value_status"), "not_checked")
            value_note = nodes.inline(text, text, classes=["ncd-verdict", "ncd-values", status_class(status)])
            if note is None:
                note = value_note
            else:
                note = nodes.inline("", "", note, nodes.Text(" \N{EM DASH} "), value_note)
        return [self._figure(node, note), *report]

    def _value_report(self, node: ncd_diagram) -> list[nodes.Node]:
        text = node.get("value_report")
        if not text:
            return []
        status = "mismatch" if node.get("value_status") == "differ" else node.get("value_status", "")
        block = nodes.literal_block(text, text, language="none", classes=["ncd-report", status_class(status)])
        set_source_info(self, block)
        return [block]

    def _figure(self, content: nodes.Element, note: nodes.Node | None = None) -> nodes.figure:
        """``content`` in a numbered figure with the ``:caption:`` (and a note after it), named."""
        figure = nodes.figure("", content, classes=["ncd-figure"])
        if "align" in content:
            figure["align"] = content.attributes.pop("align")
        caption_text = self.options["caption"]
        inodes, messages = compat.parse_inline(self, caption_text)
        caption = nodes.caption(caption_text, "", *inodes)
        if note is not None:
            i18n.add_note(caption, note)
        caption.extend(messages)
        set_source_info(self, caption)
        figure += caption
        set_source_info(self, figure)
        self.add_name(figure)
        return figure

    def _report(self, node: ncd_diagram) -> list[nodes.Node]:
        """The whole check report under the figure (only for ``:expect:``), as a literal block."""
        text = node.get("report")
        if not text:
            return []
        block = nodes.literal_block(text, text, language="none",
                                    classes=["ncd-report", status_class(node.get("verdict_status", ""))])
        set_source_info(self, block)
        return [block]

    def _cost(self, node: ncd_diagram, diagram) -> list[nodes.Node]:
        """The ``:cost:`` table nodes, or none after a located warning."""
        from ..cost.sphinx import cost_nodes

        try:
            return cost_nodes(self, node, diagram)
        except NCDError as err:
            warn(err, None, location=f"{self.env.doc2path(compat.docname(self.env))}:{self.lineno}")
            return []

    def _failed(self, text: str, location: str | None, kind: str | None) -> list[nodes.Node]:
        """An error box in place of the diagram (emitting the warning when ``kind`` is given)."""
        if kind is not None:
            text, location = warn(NCDError(text, kind=kind), None, location=location)
        box = error_box(text, location, str(self.env.srcdir))
        set_source_info(self, box)
        if "caption" in self.options:  # keep the figure's number, so a :numref: to it still resolves
            return [self._figure(box)]
        self.add_name(box)
        return [box]


def _library_text(path) -> str:
    """A library's text for the cache key ("" when unreadable: parsing then reports it at the 'use')."""
    try:
        return read_text_file(path)
    except NCDError:
        return ""
