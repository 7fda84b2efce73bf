"""LaTeX integration: rendering the diagrams whose labels TeX typesets (``labels=tex``).

For the manifest's ``labels=tex`` entries: parse every diagram, lay each out once
recording its labels (:class:`~.labels.Recorder`), measure all of them in one TeX
run in the paper's preamble (:mod:`.measure`, cached), then lay each out with
TeX's sizes (:class:`~.labels.Measured`) and draw it without its labels; the
labels go to the overlay (:mod:`.overlay`).  A label the first layout did not
ask for (the sizes changed a fold) is measured in a second run; should one still
be missing it is drawn as outlines, never left out.
"""
from __future__ import annotations

from pathlib import Path

from .. import messages as msg
from ..errors import NCDError
from ..layout.mathtext import measured_by
from .labels import Measured, Recorder
from .manifest import Entry
from .measure import measure
from .overlay import overlay_text

__all__ = ["render_tex_labels"]


def _failure(entry: Entry, err: Exception) -> str:
    from .build import error_text

    if not isinstance(err, NCDError):
        err = NCDError(msg.LATEX_INTERNAL.format(exc=f"{type(err).__name__}: {err}"), kind="render")
    return error_text(err, entry)


def _scene(diagram, entry: Entry, measurer):
    from ..rendering import api

    with measured_by(measurer):
        if entry.max_width is None:
            return api.scene(diagram)
        return api.scene(diagram, max_width=entry.max_width)


def _draw(sc) -> tuple[bytes, float | None, str]:
    from ..rendering import api
    from .baseline import fraction_from_scene

    pdf = api.scene_to(sc, "pdf")
    try:
        wire = fraction_from_scene(sc)
    except Exception:  # alignment is a nicety
        wire = None
    return pdf, wire, overlay_text(sc)


def render_tex_labels(jobs: list, *, tex: Path, root: Path, cache_dir: Path, warn, pending=None):
    """Yield ``(md5, pdf, wire, error text or None, overlay)`` for each ``(entry, search path)`` job.

    ``pending``: a measuring run already started for this paper (:func:`.measure.start`).
    """
    try:
        yield from _render(jobs, tex=tex, root=root, cache_dir=cache_dir, warn=warn, pending=pending)
    finally:
        if pending is not None:
            pending.cancel()  # unless measure() used it: no TeX process is left waiting


def _render(jobs: list, *, tex: Path, root: Path, cache_dir: Path, warn, pending):
    from ..model.build import parse

    parsed, recorder = [], Recorder()
    for entry, paths in jobs:
        try:
            diagram = parse(entry.text(), filename=entry.file, line_offset=entry.line - 1, search_path=paths)
            _scene(diagram, entry, recorder)
            parsed.append((entry, diagram))
        except Exception as err:  # noqa: BLE001 - located or reported as internal, never a traceback
            yield entry.md5, None, None, _failure(entry, err), ""
    if not parsed:
        return
    engine = parsed[0][0].engine or "pdftex"
    try:
        dims = measure(list(recorder.requests), tex=tex, root=root, cache_dir=cache_dir, engine=engine, warn=warn,
                       pending=pending)
    except NCDError as err:
        for entry, _ in parsed:
            yield entry.md5, None, None, _failure(entry, err), ""
        return
    measured = Measured(dict(dims))
    scenes = []
    for entry, diagram in parsed:
        try:
            scenes.append((entry, diagram, _scene(diagram, entry, measured)))
        except Exception as err:  # noqa: BLE001
            yield entry.md5, None, None, _failure(entry, err), ""
    if measured.missing:
        try:
            measured.dims.update(measure(list(measured.missing), tex=tex, root=root, cache_dir=cache_dir,
                                         engine=engine, warn=warn))
            measured.missing.clear()
            scenes = [(e, d, _scene(d, e, measured)) for e, d, _ in scenes]
        except NCDError as err:
            warn(err.message)
    for entry, _diagram, sc in scenes:
        try:
            pdf, wire, lbl = _draw(sc)
        except Exception as err:  # noqa: BLE001
            yield entry.md5, None, None, _failure(entry, err), ""
            continue
        yield entry.md5, pdf, wire, None, lbl
