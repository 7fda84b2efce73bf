"""Sphinx extension (integration): writing diagrams for the LaTeX builder.

LaTeX gets a pre-rendered PDF per diagram (never SVG: pdflatex has no SVG
graphics driver, and ``make latexpdf`` runs without shell escape) copied next
to the ``.tex`` file and included with ``\\sphinxincludegraphics``, so Sphinx's
own figure float, caption and ``\\label`` apply unchanged.  With
``ncd_latex_labels = "tex"`` the PDF has no labels and ``\\ncdlabelled`` typesets
them over it from a ``.lbl`` file (:mod:`.latex_labels`).
"""
from __future__ import annotations

from docutils import nodes

from .. import messages as msg
from ..errors import NCDError
from . import latex_labels, outputs
from .context import context
from .locate import warn

__all__ = ["visit"]

_ALIGN = {"left": ("{", r"\hspace*{\fill}}"), "right": (r"{\hspace*{\fill}", "}"),
          "center": (r"{\hfill", r"\hspace*{\fill}}")}

#: Sphinx shrinks a graphic to the text height (``\spx@image@maxheight``), which leaves no room for the caption
#: under a tall diagram ("Float too large for page"): within the diagram's group, at most 80% of it
_ROOM_FOR_CAPTION = (r"\expandafter\ifx\csname spx@image@maxheight\endcsname\relax\else"
                     r"\csname spx@image@maxheight\endcsname=0.8\textheight\relax\fi ")


def visit(self, node) -> None:
    ctx, config = context(self.builder.env), self.builder.config
    try:
        labelled = latex_labels.labelled_file(self, ctx, config, node)
        name = labelled[0] if labelled else outputs.publish_file(ctx, config, node, "pdf", self.builder)
    except NCDError as err:
        text, _ = warn(err, None, location=node.get("spec_location"))
        self.body.append("\n\\begin{center}\\fbox{\\parbox{0.9\\linewidth}{\\textbf{%s:} %s}}\\end{center}\n"
                         % (self.encode(msg.SPHINX_ERROR_TITLE), self.encode(text)))
        raise nodes.SkipNode from None
    options = []
    for key in ("width", "height"):
        if node.get(key):
            length = self.latex_image_length(node[key])
            if length:
                options.append(f"{key}={length}")
    inline = self.is_inline(node)
    pre, post = _ALIGN.get(node.get("align", ""), ("", ""))
    stem, _, ext = name.rpartition(".")
    graphic = r"\sphinxincludegraphics[%s]{{%s}.%s}" % (",".join(options), stem, ext)
    if labelled:
        graphic = r"\ncdlabelled{%s}{%s}" % (graphic, labelled[1])
    if not inline and not node.get("height"):  # a tall diagram leaves its caption room on the page
        graphic = "{%s%s}" % (_ROOM_FOR_CAPTION, graphic)
    if inline:
        self.body.append(graphic)
    else:
        self.body.append(f"\n{pre}{graphic}{post}\n")
    raise nodes.SkipNode
