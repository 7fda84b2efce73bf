"""Sphinx extension (integration): diagram labels typeset by the LaTeX document itself.

With ``ncd_latex_labels = "tex"`` (the default) the LaTeX builder writes each
diagram as its drawing *without* labels plus a label overlay (``.lbl``) that the
document's own TeX run typesets over it (``\\ncdlabelled`` of ``ncd-labels.sty``,
which this module copies beside the ``.tex`` file): the labels are in the
document's fonts, at its size, and searchable in the PDF.  The layout needs the
sizes TeX gives those labels, so every label of the LaTeX document is measured in
ONE TeX run made of the document's own preamble (rendered from Sphinx's template,
as the builder will write it), cached by engine and preamble
(:mod:`sphinx_ncd.latex.measure`).  A warm build measures nothing and parses nothing:
the drawing and its overlay are cached under a key that includes the preamble's.

Without the LaTeX engine (``latex_engine``) on PATH, or for a dark diagram, the
labels are outlines in the drawing as with ``"outline"``; the first is said once.
"""
from __future__ import annotations

import hashlib
import shutil
import tempfile
from pathlib import Path

from sphinx.util import logging

from .. import messages as msg
from ..errors import NCDError
from ..integrity import digest, format_problem
from . import outputs, pipeline
from .cache import atomic_write, make_key, publish
from .context import Context
from .nodes import ncd_diagram

__all__ = ["LABELS_STY", "LABEL_MODES", "copy_package", "add_package", "labelled_file"]

logger = logging.getLogger("sphinx_ncd")

LABELS_STY = "ncd-labels.sty"
LABEL_MODES = ("tex", "outline")
#: Sphinx's latex_engine -> (executable, the engine name ncd-latex's measuring run knows)
_ENGINES = {"pdflatex": ("pdflatex", "pdftex"), "xelatex": ("xelatex", "xetex"), "lualatex": ("lualatex", "luatex")}


def add_package(app, config) -> None:
    """``config-inited``: the LaTeX document loads ``ncd-labels`` (the builder's preamble)."""
    if config.ncd_latex_labels == "tex":
        app.add_latex_package(LABELS_STY[:-4])


def copy_package(app) -> None:
    """``builder-inited``: ``ncd-labels.sty`` beside the ``.tex`` files (``make latexpdf`` finds it there)."""
    if getattr(app.builder, "format", "") == "latex" and app.config.ncd_latex_labels == "tex":
        from ..latex.install import HERE

        publish(HERE / LABELS_STY, Path(app.builder.outdir) / LABELS_STY)


class _Document:
    """One LaTeX document being written: its preamble, engine and (once needed) measured labels."""

    def __init__(self, translator):
        self.translator = translator
        builder = translator.builder
        exe, self.engine = _ENGINES.get(builder.config.latex_engine, (None, None))
        self.usable = exe is not None and shutil.which(exe) is not None
        if not self.usable:
            logger.info(msg.SPHINX_LATEX_LABELS_OUTLINE.format(engine=builder.config.latex_engine))
            return
        try:
            self.preamble = _preamble(translator)
        except Exception as exc:  # noqa: BLE001 - a custom template we cannot render: outlines, said once
            self.usable = False
            logger.warning(msg.SPHINX_LATEX_LABELS_FAILED.format(reason=f"{type(exc).__name__}: {exc}"),
                           type="ncd", subtype="latex")
            return
        self.key = hashlib.sha256(self.engine.encode() + b"\n" + self.preamble).hexdigest()[:16]
        self.measured = None  # labels.Measured, after the first miss

    def measured_labels(self, ctx: Context):
        """Every label of the document measured in one TeX run (cached), on the first diagram not cached;
        None when that run failed (said once: the labels are then outlines)."""
        if self.measured is None and self.usable:
            try:
                self.measured = self._measure(ctx)
            except NCDError as err:  # e.g. a font package this TeX lacks: the PDF build needs it anyway
                self.usable = False
                logger.info(msg.SPHINX_LATEX_LABELS_FAILED.format(reason=err.message))
        return self.measured

    def _measure(self, ctx: Context, requests=None):
        """Sizes of ``requests`` (default: every label of the document) from one TeX run of the preamble."""
        from ..latex.labels import Measured, Recorder
        from ..latex.measure import measure

        if requests is None:
            recorder = Recorder()
            for node in self.translator.document.findall(ncd_diagram):
                try:
                    _scene(_diagram(node), node, recorder)
                except NCDError:
                    continue  # its error is reported where the diagram is written
            requests = recorder.requests
        outdir = Path(self.translator.builder.outdir)
        name = outdir / f"{getattr(self.translator.document.settings, '_docname', 'document')}.tex"
        with tempfile.TemporaryDirectory(prefix="ncd-sphinx-") as tmp:
            # sphinxmessages.sty is written at the end of the build: a stand-in for the first one
            (Path(tmp) / "sphinxmessages.sty").write_text("\\ProvidesPackage{sphinxmessages}\n")
            dims = measure(list(requests), tex=name, root=outdir, cache_dir=ctx.cache, engine=self.engine,
                           warn=lambda text: logger.warning(text, type="ncd", subtype="latex"),
                           preamble=self.preamble, texinputs=(tmp, _sphinx_texinputs()))
        return Measured(dict(dims))


def _sphinx_texinputs() -> str:
    import sphinx

    return str(Path(sphinx.__file__).resolve().parent / "texinputs")


def _preamble(translator) -> bytes:
    """The document's preamble: Sphinx's template rendered with this document's elements, before the body."""
    import sphinx

    latex_templates = Path(sphinx.__file__).resolve().parent / "templates" / "latex"
    name = "latex.tex.jinja" if (latex_templates / "latex.tex.jinja").is_file() else "latex.tex_t"  # Sphinx < 8
    text = translator.render(name, {**translator.elements, "body": "", "indices": ""})
    head, _, _ = text.partition("\\begin{document}")
    return head.encode("utf-8")


def _diagram(node):
    return pipeline.parse(node["spec"], node["spec_file"], tuple(node["search_path"]))


def _scene(diagram, node, measurer):
    from ..layout.mathtext import measured_by
    from ..rendering import api

    with measured_by(measurer):
        return pipeline.guarded("laying out", "render", api.scene, diagram, highlights=tuple(
            tuple(h) for h in node.get("highlights", ())), badge=node.get("badge"), max_width=node.get("max_width"))


def document_of(translator) -> _Document | None:
    """The translator's document state, or None when its labels are outlines (``"outline"``, no engine)."""
    if translator.builder.config.ncd_latex_labels != "tex":
        return None
    doc = getattr(translator, "_ncd_labels", None)
    if doc is None:
        doc = translator._ncd_labels = _Document(translator)
    return doc if doc.usable else None


def labelled_file(translator, ctx: Context, config, node) -> tuple[str, str] | None:
    """``(drawing, overlay)`` file names in the output directory for a diagram whose labels TeX typesets,
    or None when its labels are outlines (then the caller writes the ordinary drawing).  Raises NCDError."""
    doc = document_of(translator)
    theme = outputs.effective_theme(config, node, "pdf")
    if doc is None or theme == "dark":  # dark: light labels belong on the drawing's own dark ground
        return None
    key = make_key(outputs.output_key(config, node, "pdf"), "tex-labels", doc.key)
    pdf, lbl, summed = (ctx.cache / f"ncd-{key}.{ext}" for ext in ("pdf", "lbl", "sum"))
    problem = _problem(pdf, lbl, summed)
    if problem is not None:
        if problem != "missing":
            logger.warning(msg.SPHINX_CACHE_CORRUPT.format(file=pdf, reason=problem),
                           location=node.get("spec_location") or None, type="ncd", subtype="cache")
        measured = doc.measured_labels(ctx)
        if measured is None:  # the measuring run failed (warned once): outlines
            return None
        _render(doc, measured, ctx, node, theme, pdf, lbl, summed)
    out = Path(translator.builder.outdir) / (getattr(translator.builder, "imagedir", "") or "")
    publish(pdf, out / pdf.name)
    publish(lbl, out / lbl.name)
    imgpath = getattr(translator.builder, "imgpath", "") or ""
    return tuple(f"{imgpath}/{p.name}" if imgpath else p.name for p in (pdf, lbl))


def _problem(pdf: Path, lbl: Path, summed: Path) -> str | None:
    """None when the drawing and its overlay prove themselves against their checksum, else why not."""
    try:
        data, overlay, recorded = pdf.read_bytes(), lbl.read_bytes(), summed.read_bytes()
    except FileNotFoundError:
        return "missing"
    except OSError as exc:
        return f"unreadable ({exc.strerror or exc})"
    if recorded.decode("ascii", "replace").strip() != digest(data, overlay):
        return "checksum mismatch"
    return format_problem(data, "pdf")


def _render(doc: _Document, measured, ctx: Context, node, theme: str, pdf: Path, lbl: Path,
            summed: Path) -> None:
    from ..latex.overlay import overlay_text
    from ..rendering import api
    from ..rendering.pdf import PT_PER_UNIT

    diagram = _diagram(node)
    sc = _scene(diagram, node, measured)
    if measured.missing:  # TeX's sizes changed a fold: labels the first layout did not have, measured now
        try:
            measured.dims.update(doc._measure(ctx, list(measured.missing)).dims)
            measured.missing.clear()
            sc = _scene(diagram, node, measured)
        except NCDError as err:  # those few labels stay outlines
            logger.warning(msg.SPHINX_LATEX_LABELS_FAILED.format(reason=err.message), type="ncd", subtype="latex")
    data = pipeline.guarded("rendering PDF", "render", api.scene_to, sc, "pdf", theme=theme,
                            scale=outputs.render_scale(ctx, node, "pdf"))
    _x, _y, w, h = sc.viewbox
    overlay = (overlay_text(sc) or f"\\ncdlabels{{{w * PT_PER_UNIT:.3f}}}{{{h * PT_PER_UNIT:.3f}}}%\n").encode()
    atomic_write(lbl, overlay)
    atomic_write(pdf, bytes(data))
    atomic_write(summed, digest(bytes(data), overlay).encode("ascii") + b"\n")
