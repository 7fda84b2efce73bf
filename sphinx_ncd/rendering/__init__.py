"""Render (stage 4): Scene -> SVG, and SVG -> PDF / PNG.

``sphinx_ncd.render`` is both this package and the public function
``sphinx_ncd.render(diagram, format=...)``: importing ``sphinx_ncd.render.api``
makes Python set the package as the ``render`` attribute of ``sphinx_ncd``,
replacing the function, so the package itself is made callable with the same
signature (it delegates to :func:`sphinx_ncd.render.api.render`).
"""
from __future__ import annotations

import sys
import types


class _CallableModule(types.ModuleType):
    def __call__(self, diagram, format: str = "svg", **options):
        from .api import render as _render

        return _render(diagram, format=format, **options)


sys.modules[__name__].__class__ = _CallableModule
