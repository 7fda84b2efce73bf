"""Cost stage: FLOPs, parameters, memory and memory traffic read off a diagram.

Runs after the model stage (it reads a :class:`~sphinx_ncd.model.Diagram`) and beside
layout and rendering.  Submodules, each with one job:

- :mod:`.machines`   accelerator presets (peak FLOP/s, bandwidth, fast memory), no dependencies;
- :mod:`.streaming`  memory traffic of naive against streamed attention, no dependencies;
- :mod:`.adapter`    the one place that reads the model's operations;
- :mod:`.flops`      per-operation FLOPs, parameters and state sizes (sympy);
- :mod:`.traffic`    memory traffic unfused against fused fences;
- :mod:`.analysis`   the whole-diagram table: per section, totals, peak memory, roofline;
- :mod:`.table`      text, HTML and LaTeX renderings of the table.

Nothing here imports the model, sympy or torch until it is used, so the two
dependency-free modules can be imported on a machine holding only torch.
"""
from __future__ import annotations

import sys
import types

__all__ = ["cost"]


def cost(diagram, sizes=None, machine="h100", dtype_bytes=2, search_path=()):
    """The cost table of ``diagram`` (see :func:`sphinx_ncd.cost.analysis.analyse`)."""
    from .analysis import analyse

    return analyse(diagram, sizes=sizes, machine=machine, dtype_bytes=dtype_bytes, search_path=search_path)


class _CallablePackage(types.ModuleType):
    """Once a submodule is imported, ``sphinx_ncd.cost`` names this package, not the function of
    ``sphinx_ncd/__init__.py``; calling the package calls :func:`cost`, so both read the same."""

    def __call__(self, diagram, sizes=None, machine="h100", dtype_bytes=2, search_path=()):
        return cost(diagram, sizes=sizes, machine=machine, dtype_bytes=dtype_bytes, search_path=search_path)


sys.modules[__name__].__class__ = _CallablePackage
