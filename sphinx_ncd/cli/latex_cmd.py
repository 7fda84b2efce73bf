"""Command line (integration): ``ncd-latex <jobname>`` and ``ncd latex ...``.

``ncd-latex paper`` reads ``paper.ncd`` (the manifest ``ncd.sty`` wrote),
renders every diagram missing from ``ncd-cache/`` under TeX's hashes, prints
each error as ``paper.tex:LINE: ncd: message`` and exits non-zero if any
failed.  ``--one FILE`` renders the entries of one small manifest (what
``ncd.sty`` does with the ``shellescape`` option).

``ncd latex`` groups the same and the installation helpers::

    ncd latex render paper          # = ncd-latex paper
    ncd latex path                  # directory of ncd.sty, for TEXINPUTS
    ncd latex install               # into TEXMFHOME (kpsewhich -var-value TEXMFHOME)
    ncd latex copy DIR              # ncd.sty next to a paper (Overleaf, arXiv)
    ncd latex latexmkrc             # path of the latexmk rule
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["main", "add_parser"]


def _manifest_path(job: str) -> Path:
    p = Path(job)
    if p.suffix in (".tex", ".ncd", ".ltx"):
        p = p.with_suffix("")
    return p.with_name(p.name + ".ncd")


def _add_render_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("job", nargs="?", help="the LaTeX job name (paper for paper.tex; paper.ncd also works)")
    parser.add_argument("--one", metavar="FILE", help="render the entries of this manifest file (shellescape mode)")
    parser.add_argument("--root", metavar="DIR",
                        help="directory LaTeX runs in (the cache is relative to it); default: the manifest's")
    parser.add_argument("--force", action="store_true", help="render again even when cached")
    parser.add_argument("--prune", action="store_true",
                        help="remove cache files the manifest no longer lists (after rendering)")
    parser.add_argument("-I", "--search-path", action="append", default=[], metavar="DIR",
                        help="extra directory searched by `use` for block libraries")
    parser.add_argument("-j", "--jobs", type=int, default=0, metavar="N",
                        help="render in N processes (default: one per core, at most 4; 1 = no extra processes)")
    parser.add_argument("-q", "--quiet", action="store_true", help="print errors only")


def _render(args) -> int:
    from .. import messages as msg
    from ..latex.build import build_manifest, default_workers
    from ..latex.cache import Cache
    from ..latex.manifest import read_manifest

    if args.one:
        path = Path(args.one)
    elif args.job:
        path = _manifest_path(args.job)
    else:
        print(msg.LATEX_NO_JOB, file=sys.stderr)
        return 2
    manifest = read_manifest(path)
    tex = path.with_suffix(".tex")
    if not args.one and tex.is_file() and tex.stat().st_mtime > path.stat().st_mtime:
        print(msg.LATEX_STALE_MANIFEST.format(tex=tex.name, manifest=path.name), file=sys.stderr)
    root = Path(args.root) if args.root else path.parent
    workers = args.jobs if args.jobs > 0 else default_workers()
    result = build_manifest(manifest, root=root, force=args.force, search_path=args.search_path, workers=workers)
    if args.one:
        try:
            path.unlink()  # a temporary file ncd.sty wrote for this call
        except OSError:
            pass
    if args.prune and not args.one:
        removed = Cache(root / manifest.cache).prune({e.md5 for e in manifest.entries})
        if not args.quiet:
            print(msg.LATEX_PRUNED.format(count=removed))
    if not args.quiet and not args.one:
        print(msg.LATEX_SUMMARY.format(rendered=len(result.rendered), cached=len(result.cached),
                                       failed=len(result.failed), seconds=result.seconds))
        if result.rendered or result.failed:
            print(msg.LATEX_RERUN.format(job=path.with_suffix(".tex").name))
    return 0 if result.ok else 1


def _path(args) -> int:
    from ..latex.install import sty_dir

    print(sty_dir())
    return 0


def _install(args) -> int:
    from .. import messages as msg
    from ..latex.install import install_texmfhome

    dest, changed = install_texmfhome(args.texmfhome, force=args.force)
    print((msg.LATEX_INSTALLED if changed else msg.LATEX_UP_TO_DATE).format(path=dest))
    return 0


def _copy(args) -> int:
    from .. import messages as msg
    from ..latex.install import copy_to

    for dest, changed in copy_to(args.directory, force=args.force, latexmkrc=args.latexmkrc):
        print((msg.LATEX_INSTALLED if changed else msg.LATEX_UP_TO_DATE).format(path=dest))
    return 0


def _latexmkrc(args) -> int:
    from ..latex.install import latexmkrc_path

    print(latexmkrc_path())
    return 0


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("latex", help="LaTeX package: render a paper's diagrams, install ncd.sty",
                              description="The LaTeX package ncd.sty and its rendering pass.")
    sub = p.add_subparsers(dest="latex_verb", metavar="ACTION")
    sub.required = True
    r = sub.add_parser("render", help="render the diagrams of a LaTeX run (= ncd-latex)")
    _add_render_arguments(r)
    r.set_defaults(func=_render)
    sub.add_parser("path", help="print the directory holding ncd.sty (for TEXINPUTS)").set_defaults(func=_path)
    i = sub.add_parser("install", help="install ncd.sty and its parts into TEXMFHOME")
    i.add_argument("--texmfhome", metavar="DIR", help="install here instead of kpsewhich's TEXMFHOME")
    i.add_argument("--force", action="store_true", help="replace different package files already there")
    i.set_defaults(func=_install)
    c = sub.add_parser("copy", help="copy ncd.sty and its parts into DIR (next to a paper)")
    c.add_argument("directory", metavar="DIR")
    c.add_argument("--latexmkrc", action="store_true", help="also copy the latexmk rule as DIR/latexmkrc")
    c.add_argument("--force", action="store_true", help="replace different files already there")
    c.set_defaults(func=_copy)
    sub.add_parser("latexmkrc", help="print the path of the latexmk rule").set_defaults(func=_latexmkrc)


def main(argv: list[str] | None = None) -> int:
    """``ncd-latex <jobname>``."""
    from ..errors import NCDError

    parser = argparse.ArgumentParser(
        prog="ncd-latex",
        description="Render the neural circuit diagrams of a LaTeX paper (after a LaTeX run with ncd.sty).",
    )
    _add_render_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return _render(args)
    except NCDError as err:
        print(f"ncd-latex: {err.format()}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
