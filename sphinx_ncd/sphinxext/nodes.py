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

__all__ = ["ncd_diagram"]


class ncd_diagram(nodes.General, nodes.Inline, nodes.Element):
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
