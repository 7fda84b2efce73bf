"""Check (stage: Diagram + PyTorch code -> ShapeReport): build-time shape verification.

``check(diagram, code, sizes=...)`` runs the user's PyTorch code in a worker
subprocess on fake tensors whose sizes are symbols, and proves (or refutes) that
the code has the diagram's shapes, for the whole diagram and for every box bound
to a submodule.  Importing this package never imports torch: only the worker
does.  Modules: ``api`` (entry point), ``report`` (verdict records), ``plan``
(diagram -> plain data), ``codeload`` (import specs, embedded code, bindings),
``worker`` / ``runner`` (the subprocess, both sides), ``engine`` (one run),
``symbolic`` and ``fallbacks`` (the backends), ``cache``, ``cli``.
"""
from __future__ import annotations

from .report import BoxVerdict, ShapeReport

__all__ = ["check", "ShapeReport", "BoxVerdict"]


def check(diagram, code, sizes=None, **options):
    from .api import check as _check

    return _check(diagram, code, sizes=sizes, **options)
