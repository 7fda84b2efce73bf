"""LaTeX integration (integration stage): ``ncd.sty`` and the ``ncd-latex`` pass.

The TeX side (``ncd.sty``, shipped in this package) captures each diagram's
spec verbatim, hashes it with TeX's own MD5, includes ``ncd-cache/<md5>.pdf``
when present and otherwise lists the diagram in the manifest ``<job>.ncd``.
This package is the Python side, in small modules:

- :mod:`.manifest`  reads the manifest TeX wrote (entries with spec bytes and lines)
- :mod:`.cache`     the cache directory: file names, atomic writes, pruning
- :mod:`.baseline`  where the main wire sits (for ``align=wire``)
- :mod:`.build`     renders the manifest's diagrams, formats located errors
- :mod:`.install`   finds ``ncd.sty``; installs it into TEXMFHOME or copies it beside a paper

The command line lives in :mod:`sphinx_ncd.cli.latex_cmd` (``ncd-latex`` and ``ncd latex``).
"""
from __future__ import annotations

__all__ = ["read_manifest", "build_manifest", "sty_path"]


def read_manifest(path):
    from .manifest import read_manifest as _read

    return _read(path)


def build_manifest(manifest, **options):
    from .build import build_manifest as _build

    return _build(manifest, **options)


def sty_path():
    from .install import sty_path as _sty_path

    return _sty_path()
