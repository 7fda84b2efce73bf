"""Sphinx extension (integration): the doctree node a ``.. ncd::`` directive leaves.

An :class:`ncd_diagram` carries everything a builder needs to write the
diagram later, in any format, without the directive: the spec text and where
it came from (to re-render, and to locate a late error), the cache key of its
content, the alt text, layout options and the shape-check verdict (badge and
highlights).  All attributes are plain picklable values, so doctrees survive
parallel reading and reuse by another builder.
"""
from __future__ import annotations

from docutils import nodes
from sphinx import addnodes

__all__ = ["ncd_diagram"]


class ncd_diagram(nodes.General, nodes.Inline, nodes.Element, addnodes.translatable):
    """One diagram.  Attributes (all set by the directive):

    ``spec`` (str) the spec text; ``spec_file`` (str) the name errors use;
    ``spec_location`` (str) ``path:line`` of the spec's first line in the host
    document or .ncd file; ``line_offset`` (int) added to spec lines;
    ``search_path`` (tuple of str) for ``use``; ``key`` (str) content hash of
    spec, options and relevant configuration; ``alt`` (str);
    ``align``/``width``/``height`` (str or absent); ``scale`` (float);
    ``theme`` (str or None: the configured one); ``format`` (str or None);
    ``badge`` (str or None) and ``highlights`` (tuple of (op_id, note)) from
    the shape check; ``verdict_met`` (bool) the status is the ``:expect:``-ed
    one; ``report`` (str, only with ``:expect:``) the whole report, shown
    under the figure.
    """

    # translation (sphinx.addnodes.translatable): the alt text and the spec's quoted
    # titles are messages; their text child is what the search index reads (see .i18n)
    def preserve_original_messages(self) -> None:
        from .i18n import quoted_texts

        self.setdefault("original_messages", [m for m in [self.get("alt", ""), *quoted_texts(self.get("spec", ""))]
                                              if m])

    def extract_original_messages(self):
        from .i18n import quoted_texts

        return self.get("original_messages") or [m for m in [self.get("alt", ""),
                                                             *quoted_texts(self.get("spec", ""))] if m]

    def apply_translated_message(self, original_message: str, translated_message: str) -> None:
        from .i18n import translate

        translate(self, original_message, translated_message)
