"""LaTeX integration: render the diagrams of a manifest into the cache.

For every distinct diagram TeX listed (``<job>.ncd``) whose PDF is not yet in
the cache, parse the spec located in the host document (``file`` and the
line of its first spec line), render it to PDF with the public API, and store
it under TeX's own hash with its wire height.  A failure is printed as
``paper.tex:LINE: ncd: message`` (then the spec line, a caret and the hint)
and stored as ``<md5>.err`` so the next LaTeX run raises it as a
``\\PackageError``.
"""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from .. import messages as msg
from ..errors import NCDError
from .cache import Cache
from .manifest import Entry, Manifest

__all__ = ["BuildResult", "build_manifest", "render_entry", "error_text"]


@dataclass
class BuildResult:
    rendered: list[str] = field(default_factory=list)  # md5s rendered now
    cached: list[str] = field(default_factory=list)  # md5s already in the cache
    failed: list[tuple[str, str]] = field(default_factory=list)  # (md5, error text)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failed


def error_text(err: NCDError, entry: Entry) -> str:
    """``file:LINE: ncd: message`` then the quoted line, a caret and the hint."""
    span = err.span
    head = msg.LATEX_ERROR_LINE.format(
        file=span.file if span else entry.file,
        line=span.line if span else entry.line,
        message=err.message,
    )
    rest = err.format().split("\n")[1:] if span else ([err.hint] if err.hint else [])
    return "\n".join([head, *rest])


def render_entry(entry: Entry, *, search_path=()) -> tuple[bytes, float | None]:
    """Parse and render one diagram; raises NCDError located in ``entry.file``.

    The diagram is laid out once: the scene gives both the PDF (the render
    stage's PDF backend) and the height of the main wire.
    """
    from ..model.build import parse
    from ..rendering import api
    from .baseline import fraction_from_scene

    text = entry.text()
    diagram = parse(text, filename=entry.file, line_offset=entry.line - 1, search_path=tuple(search_path))
    sc = api.scene(diagram) if entry.max_width is None else api.scene(diagram, max_width=entry.max_width)
    pdf = api.scene_to(sc, "pdf")
    try:
        wire = fraction_from_scene(sc)
    except Exception:  # alignment is a nicety; the drawing itself is what counts
        wire = None
    return pdf, wire


def _attempt(job: tuple[Entry, tuple[Path, ...]]):
    """Render one entry: ``(md5, pdf, wire, None)`` or ``(md5, None, None, error text)``."""
    entry, paths = job
    try:
        pdf, wire = render_entry(entry, search_path=paths)
    except NCDError as err:
        return entry.md5, None, None, error_text(err, entry)
    except Exception as exc:  # a renderer bug: still located, never a traceback
        err = NCDError(msg.LATEX_INTERNAL.format(exc=f"{type(exc).__name__}: {exc}"), kind="render")
        return entry.md5, None, None, error_text(err, entry)
    return entry.md5, pdf, wire, None


def _outcomes(jobs: list, workers: int):
    """Results in order; with ``workers`` > 1, the rest after the first run in forked processes."""
    if not jobs:
        return
    yield _attempt(jobs[0])  # also warms the fonts and caches the workers inherit
    rest = jobs[1:]
    if workers > 1 and len(rest) >= 4:
        import multiprocessing

        try:
            ctx = multiprocessing.get_context("fork")
        except ValueError:  # no fork on this platform
            ctx = None
        if ctx is not None:
            with ctx.Pool(min(workers, len(rest))) as pool:
                yield from pool.imap(_attempt, rest, chunksize=max(1, len(rest) // (4 * workers)))
            return
    for job in rest:
        yield _attempt(job)


def default_workers() -> int:
    import os

    try:
        return max(1, min(4, len(os.sched_getaffinity(0))))
    except AttributeError:  # not Linux
        return max(1, min(4, os.cpu_count() or 1))


def build_manifest(manifest: Manifest, *, root: Path | None = None, force: bool = False,
                   stream=None, search_path=(), workers: int = 1) -> BuildResult:
    """Render every missing diagram of ``manifest``; errors go to ``stream`` (stderr).

    Files are written by this process only (atomically), in manifest order, so
    the output does not depend on ``workers``.
    """
    stream = sys.stderr if stream is None else stream
    root = Path(root) if root is not None else manifest.path.parent
    cache = Cache(root / manifest.cache)
    result = BuildResult()
    start = time.perf_counter()
    listed = {entry.md5: entry for entry in manifest.unique()}
    for md5, problem in cache.sweep():  # corrupt files, listed in this manifest or not
        entry = listed.get(md5)
        where = f"{entry.file}:{entry.line}" if entry else str(manifest.path.name)
        print(msg.LATEX_CACHE_CORRUPT.format(where=where, path=cache.path(md5, "pdf"), reason=problem),
              file=stream)
    jobs, tex_jobs = [], []
    for entry in manifest.unique():
        if not force and cache.has_pdf(entry.md5):
            result.cached.append(entry.md5)
            continue
        ours = entry.python_md5()
        if ours != entry.md5:
            print(msg.LATEX_HASH_MISMATCH.format(file=entry.file, line=entry.line, tex=entry.md5,
                                                 python=ours), file=stream)
        here = (root / entry.file).parent
        paths = [here] + ([root] if here != root else []) + [Path(p) for p in search_path]
        (tex_jobs if entry.labels else jobs).append((entry, tuple(paths)))
    if tex_jobs:  # labels=tex: measured by TeX in the paper's preamble, drawn as an overlay
        _build_tex_labels(tex_jobs, manifest, root, cache, result, stream)
    for md5, pdf, wire, text in _outcomes(jobs, workers):
        if text is None:
            cache.store(md5, pdf, wire)
            result.rendered.append(md5)
        else:
            cache.store_error(md5, text + "\n")
            result.failed.append((md5, text))
            print(text, file=stream)
    result.seconds = time.perf_counter() - start
    return result


def _build_tex_labels(jobs: list, manifest: Manifest, root: Path, cache: Cache, result: BuildResult, stream) -> None:
    """Render the ``labels=tex`` entries (:mod:`.texlabels`): the drawing, its wire and its label overlay."""
    from .measure import start

    name = manifest.path.name.split(".")[0] + ".tex"
    tex = manifest.path.with_name(name) if manifest.path.with_name(name).is_file() else root / name
    # TeX loads the paper's preamble while Python imports the model and lays the diagrams out
    pending = start(tex=tex, root=root, cache_dir=cache.dir, engine=jobs[0][0].engine or "pdftex")
    from .texlabels import render_tex_labels

    warn = lambda text: print(text, file=stream)  # noqa: E731
    for md5, pdf, wire, text, lbl in render_tex_labels(jobs, tex=tex, root=root, cache_dir=cache.dir, warn=warn,
                                                       pending=pending):
        if text is None:
            cache.store(md5, pdf, wire, lbl.encode("utf-8"))
            result.rendered.append(md5)
        else:
            cache.store_error(md5, text + "\n")
            result.failed.append((md5, text))
            print(text, file=stream)
