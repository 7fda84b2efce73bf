"""Sphinx extension (integration over render): the content-addressed file cache.

Owns the cache key and the files it names.  A key is a SHA-256 over
everything that changes the output -- spec text, render options, relevant
configuration, the package version -- never over mtimes or counters, so the
same diagram always lands in the same ``ncd-<key>.<ext>`` file and reordered
pages keep every hit.  The cache lives outside the output directory (under the
doctree directory unless ``ncd_cache_dir`` says otherwise) so a clean output
directory does not throw rendered diagrams away.

Writes are atomic: a temporary file named with the process id, then
``os.replace``.  Two ``-j`` workers rendering the same diagram both write
complete files and the last rename wins; a reader never sees half a file.
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

__all__ = ["make_key", "cache_dir", "atomic_write", "publish", "KEY_LENGTH", "pipeline_fingerprint"]

#: hex digits of the SHA-256 kept in file names and ids (collisions are not a concern at 80 bits)
KEY_LENGTH = 20


def make_key(*parts: Any) -> str:
    """A stable hex digest over ``parts`` (JSON-encoded, keys sorted)."""
    payload = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=repr)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:KEY_LENGTH]


@functools.lru_cache(maxsize=1)
def pipeline_fingerprint() -> str:
    """The package version plus a digest of the pipeline's own source files.

    Part of every key, so a new version of the parser or renderer (even an
    unreleased one, in a development checkout) never serves a stale drawing.
    Computed once per process (a pure memo, ~1 ms).
    """
    import sphinx_ncd

    root = Path(sphinx_ncd.__file__).resolve().parent
    digest = hashlib.sha256(sphinx_ncd.__version__.encode())
    for path in sorted(root.rglob("*.*")):
        if path.suffix in (".py", ".otf", ".ttf") and "sphinxext" not in path.parts:
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes() if path.suffix == ".py" else str(path.stat().st_size).encode())
    return digest.hexdigest()[:16]


def cache_dir(config, confdir, doctreedir, outdir=None) -> Path:
    """The cache directory for this build: ``ncd_cache_dir`` (relative to the
    configuration directory) or ``<doctreedir>/ncd-cache`` -- unless the doctree
    directory lies inside the output directory (``sphinx-build -b``'s default),
    then ``.ncd-cache`` beside the output directory, so the cache never ships
    with the output (an EPUB packs every file of its directory)."""
    configured = config.ncd_cache_dir
    if configured:
        base = Path(configured)
        if not base.is_absolute():
            base = Path(confdir) / base
    elif outdir is not None and _inside(Path(doctreedir), Path(outdir)):
        base = Path(outdir).resolve().parent / ".ncd-cache"
    else:
        base = Path(doctreedir) / "ncd-cache"
    return base


def _inside(path: Path, directory: Path) -> bool:
    try:
        path.resolve().relative_to(directory.resolve())
    except ValueError:
        return False
    return True


def atomic_write(path: Path, data: bytes | str) -> None:
    """Write ``data`` to ``path`` through a pid-named temporary file and ``os.replace``.

    Three system calls in the common case (create, write, rename): the
    directory is only created when the first open finds it missing.
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    mode = "w" if isinstance(data, str) else "wb"
    kwargs = {"encoding": "utf-8", "newline": ""} if isinstance(data, str) else {}
    try:
        fh = open(tmp, mode, **kwargs)
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(tmp, mode, **kwargs)
    try:
        with fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def publish(source: Path, target: Path) -> bool:
    """Copy a cached file into the output directory unless an identical one is there.

    Returns True when the target was (re)written.  The copy is atomic too, and
    an up-to-date target is left untouched so a no-change rebuild rewrites nothing.
    """
    try:
        if target.stat().st_size == source.stat().st_size and _same_bytes(source, target):
            return False
    except FileNotFoundError:
        pass
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        shutil.copyfile(source, tmp)
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()
    return True


def _same_bytes(a: Path, b: Path) -> bool:
    # content-addressed names: equal names and sizes almost always mean equal
    # bytes, but compare anyway (the files are small)
    return a.read_bytes() == b.read_bytes()
