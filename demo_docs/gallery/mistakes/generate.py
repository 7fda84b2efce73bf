"""Gallery stage: the checker's reports on the reproduced mistakes of the paper's code.

Each entry of :data:`CATALOGUE` pairs a diagram with our minimal code that makes
one mistake of the paper's notebook (``ncd_gallery.mistakes``).  Running this
file checks each pair through the public API (``sphinx_ncd.parse`` and
``sphinx_ncd.check``) and writes the report the checker gives to
``reports/<name>.txt`` and, when the checker blames boxes of the diagram, the
diagram with those boxes highlighted (``reports/<name>.svg`` and ``.pdf``); the
"mistakes" page includes both.  The gallery's test
suite runs the same checks again and fails when a stored report is out of date,
or when the checker stops catching a mistake.

    python3 demo_docs/gallery/mistakes/generate.py
"""
from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
DOCS = HERE.parents[1]
ROOT = DOCS.parent
CODE = DOCS / "code"


@dataclass(frozen=True)
class Mistake:
    name: str      # reports/<name>.txt
    spec: str      # path relative to the documentation's source directory
    code: str      # an import spec for sphinx_ncd.check
    sizes: tuple = ()


CATALOGUE = (
    Mistake("mlp-softmax", "figures/fig19.ncd", "ncd_gallery.mistakes:SoftmaxModuleMLP()"),
    Mistake("unet-double-convolution", "gallery/mistakes/double-convolution.ncd",
            "ncd_gallery.mistakes:DoubleConvolutionTwiceC0(c0=1, c1=4)"),
    Mistake("unet-padding", "gallery/mistakes/unet-padding.ncd", "ncd_gallery.mistakes:PaddedPoolingUNet(c0=3, c=4)",
            (("X", 128),)),
    Mistake("unet-concat", "gallery/mistakes/concat.ncd", "ncd_gallery.mistakes:ConcatWithoutTuple()"),
    Mistake("unet-forward", "gallery/mistakes/forward-returns-nothing.ncd",
            "ncd_gallery.mistakes:ForwardReturnsNothing(c=4, y=2)"),
    Mistake("unet-python-list", "gallery/mistakes/python-list.ncd", "ncd_gallery.mistakes:PythonListOfBlocks(c=4)"),
    Mistake("visual-attention-size", "gallery/mistakes/visual-attention.ncd",
            "ncd_gallery.mistakes:VisualAttentionWrongSize(c=33, k=8, heads=4, kernel=3, stride=3)"),
)


def _clean(text: str) -> str:
    """Paths relative to the repository, so a report reads the same on any machine."""
    for base in (str(DOCS) + os.sep, str(ROOT) + os.sep):
        text = text.replace(base, "")
    return text.rstrip() + "\n"


def report_text(mistake: Mistake) -> tuple[str, str]:
    """(status, the report as the page shows it) for one mistake."""
    status, text, _ = check_mistake(mistake)
    return status, text


def check_mistake(mistake: Mistake):
    """(status, report text, drawing) for one mistake; the drawing is the diagram
    with the boxes the checker blames highlighted (None when it blames no box)."""
    import sphinx_ncd
    from sphinx_ncd import check

    spec_path = DOCS / mistake.spec
    diagram = sphinx_ncd.parse(spec_path.read_text(encoding="utf-8"), filename=mistake.spec)
    report = check(diagram, mistake.code, sizes=dict(mistake.sizes) or None, path=[str(CODE)])
    lines = [f"$ ncd check {mistake.spec} --code '{mistake.code}'"
             + "".join(f" --sizes {k}={v}" for k, v in mistake.sizes),
             f"verdict: {report.status}: {report.summary}"]
    error = report.error if report.error is not None else None
    if error is None and report.mismatch is not None and report.mismatch.span is not None:
        from sphinx_ncd.errors import NCDError
        box = report.mismatch
        error = NCDError(f"mismatch at {box.label}: expected {box.expected}, got {box.got}", box.span,
                         kind="shape", hint=box.detail or None)
    if error is not None:
        lines.append(error.format())
    drawing = None
    if report.highlights():
        drawing = (diagram, tuple(report.highlights()), report.badge())
    return report.status, _clean("\n".join(lines)), drawing


def main() -> int:
    out = HERE / "reports"
    out.mkdir(exist_ok=True)
    from sphinx_ncd.rendering.api import render

    for mistake in CATALOGUE:
        status, text, drawing = check_mistake(mistake)
        (out / f"{mistake.name}.txt").write_text(text, encoding="utf-8")
        svg_path, pdf_path = out / f"{mistake.name}.svg", out / f"{mistake.name}.pdf"
        if drawing is None:
            svg_path.unlink(missing_ok=True)
            pdf_path.unlink(missing_ok=True)
        else:
            diagram, highlights, badge = drawing
            svg = render(diagram, format="svg", theme="light", highlights=highlights, badge=badge)
            # an <img> in a dark page: give the light drawing its own paper
            svg = re.sub(r"(<svg\b[^>]*>)", r'\1<rect width="100%" height="100%" fill="#ffffff"/>', svg, 1)
            svg_bytes = svg.encode("utf-8")
            # the PDF's bytes change from run to run (creation date): rewrite it only with its drawing
            if not pdf_path.is_file() or not svg_path.is_file() or svg_path.read_bytes() != svg_bytes:
                pdf_path.write_bytes(render(diagram, format="pdf", theme="light", highlights=highlights,
                                            badge=badge))
            svg_path.write_bytes(svg_bytes)
        print(f"{mistake.name}: {status}" + (" (highlighted drawing)" if drawing else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
