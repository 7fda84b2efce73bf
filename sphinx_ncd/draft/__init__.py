"""Draft (stage: PyTorch module -> spec text): ``ncd draft`` and ``sphinx_ncd.draft``.

Exports an ``nn.Module`` with ``torch.export`` on inputs whose sizes are
distinct primes, so every size in the graph traces back to an axis or a
constructor argument, and writes a first spec in our language: learned boxes
bound to their submodules, einsum / view / softmax / norm / convolution /
element-wise operations with their axes, fences by module path, generic boxes
for the rest.  Modules: :mod:`.inputs` (the description), :mod:`.trace`
(torch), :mod:`.graph` (steps), :mod:`.naming` (sizes), :mod:`.translate`,
:mod:`.modules`, :mod:`.ops` (statements), :mod:`.writer` (text),
:mod:`.api` (the entry point).  torch is imported only when a draft runs.
"""
from __future__ import annotations

import sys
import types

__all__ = ["draft", "Draft"]


def draft(code, inputs, sizes=None, depth=None, path=(), title=None):
    """See :func:`sphinx_ncd.draft.api.draft`."""
    from .api import draft as _draft

    return _draft(code, inputs, sizes=sizes, depth=depth, path=path, title=title)


def __getattr__(name):
    if name == "Draft":
        from .api import Draft

        return Draft
    raise AttributeError(name)


class _CallableModule(types.ModuleType):
    """``sphinx_ncd.draft`` is both this package and the public function: importing the package
    rebinds the name on ``sphinx_ncd``, so the package itself answers a call."""

    def __call__(self, *args, **kwargs):
        return draft(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
