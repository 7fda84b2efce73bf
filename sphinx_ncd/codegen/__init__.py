"""Codegen (stage: Diagram -> Python source): the diagram as an executable specification.

``sphinx_ncd.codegen(diagram)`` (or ``ncd code spec.ncd``) writes a readable
PyTorch ``nn.Module`` with einops: one line per operation in the diagram's
order, named after its values; learned boxes are ``nn.Linear`` / ``nn.Conv*``
submodules named by their bindings; einsums and views are einops calls with
the diagram's axis names; a generic box calls a function the user supplies
(``functions={"F": callable}``); a repetition is a loop over an ``nn.ModuleList``
(or, when its bindings name the index or count the iterations with ``\\iter``, over
the modules they name; a count that is a block's parameter is each use's), a block used as
one box a submodule of its own generated class.  A construct with no code meaning
raises a located :class:`~sphinx_ncd.NCDError`.  Modules: ``adapter`` (the one
reader of the model's operations), ``names``, ``layout``, ``emit``, ``boxes``,
``wiring``, ``repeats``, ``iterations`` (a repetition's body per iteration, shared
with the check plan), ``blockcode``, ``module``.  No torch is imported here.
"""
from __future__ import annotations

import sys
import types

from .module import GeneratedCode, class_name, generate

__all__ = ["codegen", "generate", "GeneratedCode", "class_name"]


def codegen(diagram, name: str | None = None) -> str:
    """The generated module's Python source for ``diagram`` (its first panel)."""
    return generate(diagram, name=name).source


class _CallableModule(types.ModuleType):
    """``sphinx_ncd.codegen`` is this package once imported: calling it generates code."""

    def __call__(self, diagram, name: str | None = None) -> str:
        return codegen(diagram, name=name)


sys.modules[__name__].__class__ = _CallableModule
