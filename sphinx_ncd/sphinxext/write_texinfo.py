"""Sphinx extension (integration): writing diagrams for the Texinfo builder (PNG images)."""
from __future__ import annotations

from docutils import nodes

from .. import messages as msg
from ..errors import NCDError
from . import outputs
from .context import context
from .locate import warn

__all__ = ["visit"]


def visit(self, node) -> None:
    ctx, config = context(self.builder.env), self.builder.config
    alt = node.get("alt", "")
    try:
        name = outputs.publish_file(ctx, config, node, "png", self.builder)
    except NCDError as err:
        warn(err, None, location=node.get("spec_location"))
        self.body.append("\n@quotation\n%s\n@end quotation\n" % self.escape(msg.SPHINX_ERROR_TITLE))
        raise nodes.SkipNode from None
    stem = name.rsplit(".", 1)[0]
    self.body.append("\n@image{%s,,,%s,png}\n" % (stem, self.escape_arg(alt)))
    raise nodes.SkipNode
