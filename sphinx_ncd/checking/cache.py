"""Check (stage: Diagram + PyTorch code -> ShapeReport): the verdict cache.

A verdict is a pure function of the diagram's source, the code (its text, or
the contents of the module's files), the torch and einops versions, this
package's own files (a new release or an edited checkout proves anew), the mode,
the sizes and the namespace.  The key hashes all of them; the value is the
worker's plain answer (spans are re-attached from the current diagram, so a
diagram moved within a document still hits).  An in-memory table per process,
plus an optional directory of ``<key>.json`` files written atomically.
Transient failures (timeouts, a dead worker, torch missing) are never stored.
"""
from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import pathlib
import tempfile
import threading
from collections import OrderedDict

__all__ = ["cache_key", "VerdictCache", "versions", "code_fingerprint"]

_MAX_FILES = 2000


def versions() -> dict[str, str | None]:
    out = {"sphinx_ncd": _own_files()}
    for dist in ("torch", "einops"):
        try:
            out[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            out[dist] = None
    return out


@functools.lru_cache(maxsize=1)
def _own_files() -> str:
    """A hash of this package's version and of every module's path, size and modification time (a stat each:
    about a millisecond), so that verdicts proved by another version or an edited copy are not served."""
    from .. import __version__

    root = pathlib.Path(__file__).resolve().parent.parent
    h = hashlib.sha256(__version__.encode())
    for f in sorted(root.rglob("*.py")):
        try:
            st = f.stat()
        except OSError:
            continue
        h.update(f"{f.relative_to(root)}\0{st.st_size}\0{st.st_mtime_ns}\0".encode())
    return h.hexdigest()


def code_fingerprint(desc: dict, path: list[str] = ()) -> str | None:
    """A hash of the code itself: embedded text, or the importable package's files; None if unknown."""
    h = hashlib.sha256()
    if desc["kind"] == "source":
        h.update(desc["text"].encode())
        return h.hexdigest()
    top = desc["module"].split(".")[0]
    spec = None
    for p in path:  # the same search the worker will do
        for cand in (pathlib.Path(p) / top / "__init__.py", pathlib.Path(p) / f"{top}.py"):
            if cand.is_file():
                spec = cand
                break
        if spec:
            break
    if spec is None:
        try:
            found = importlib.util.find_spec(top)  # top level only: runs no package code
        except (ImportError, ValueError):
            return None
        if found is None or not found.origin or not os.path.isfile(found.origin):
            return None
        spec = pathlib.Path(found.origin)
    installed = _installed_version(top, spec)
    if installed is not None:  # an installed library (transformers): its version names its files
        h.update(installed.encode())
        return h.hexdigest()
    files = [spec] if spec.name != "__init__.py" else sorted(spec.parent.rglob("*.py"))[:_MAX_FILES]
    for f in files:
        try:
            h.update(str(f.name).encode() + b"\0" + f.read_bytes())
        except OSError:
            return None
    return h.hexdigest()


def cache_key(*, source: str, desc: dict, fingerprint: str | None, mode: str, sizes: dict, namespace,
              name: str | None = None) -> str | None:
    if fingerprint is None:
        return None
    blob = json.dumps({
        "diagram": source, "spec": desc.get("module", "") + ":" + desc.get("attr", "") + (desc.get("call") or "") + (desc.get("forward") or ""),
        "code": fingerprint, "versions": versions(), "mode": mode, "sizes": sorted(sizes.items()),
        "namespace": namespace, "name": name, "format": 3,  # 2: bias compared; 3: settings
    }, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def _installed_version(top: str, origin: pathlib.Path) -> str | None:
    """``"transformers 4.50.0"`` for a package installed in site-packages (not an editable checkout)."""
    import sysconfig

    where = str(origin.resolve())
    lib = {os.path.realpath(sysconfig.get_paths()[k]) for k in ("purelib", "platlib")}
    if not any(where.startswith(d + os.sep) for d in lib):
        return None
    try:
        return f"{top} {importlib.metadata.version(top)}"
    except importlib.metadata.PackageNotFoundError:
        return None


class VerdictCache:
    """Memory (LRU) plus an optional directory."""

    def __init__(self, directory: str | os.PathLike | None = None, size: int = 512):
        self.directory = pathlib.Path(directory) if directory else None
        self.size = size
        self._mem: OrderedDict[str, dict] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str | None) -> dict | None:
        if key is None:
            return None
        with self._lock:
            if key in self._mem:
                self._mem.move_to_end(key)
                return self._mem[key]
        if self.directory is not None:
            path = self.directory / f"{key}.json"
            try:
                value = json.loads(path.read_text())
            except (OSError, ValueError, RecursionError):
                return None
            self._remember(key, value)
            return value
        return None

    def put(self, key: str | None, value: dict) -> None:
        if key is None:
            return
        self._remember(key, value)
        if self.directory is not None:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
            with os.fdopen(fd, "w") as f:
                json.dump(value, f, sort_keys=True, default=str)
            os.replace(tmp, self.directory / f"{key}.json")

    def _remember(self, key, value):
        with self._lock:
            self._mem[key] = value
            self._mem.move_to_end(key)
            while len(self._mem) > self.size:
                self._mem.popitem(last=False)
