"""Check (stage: Diagram + PyTorch code -> ShapeReport): cheap parameters while a model is built.

Under symbolic fake tensors, creating one parameter costs about a millisecond
(a fake ``torch.empty`` with symbolic sizes, then the detach ``nn.Parameter``
makes), so building a 48-layer model spent more time on its parameters than the
proof spent on one layer.  The values of these tensors are never read (they are
fake), only their shapes.  While :func:`shared_tensors` is active, the tensor
factories (``torch.empty``, ``zeros``, ``ones``, ``rand``, ``randn``) hand out
one tensor per distinct request (same sizes, dtype, device, ``requires_grad``),
and ``nn.Parameter`` of such a tensor hands out one parameter per tensor.
Every module's ``__init__`` still runs, so each instance's classes, settings
and parameter shapes are its own (a block whose dilation grows with depth is
still seen to differ); only tensor objects are shared.

A constructor that changes such a tensor's metadata in place (``t_()``,
``.data = ...``, ``.half()`` on a module) would change every holder of it:
:meth:`Sharing.spoiled` notices (sizes, strides, dtype or device moved) and
the caller builds the model again without sharing.  Torch is imported here.
"""
from __future__ import annotations

import contextlib

import torch

__all__ = ["shared_tensors", "Sharing"]

_FACTORIES = ("empty", "zeros", "ones", "rand", "randn")
_KEYWORDS = {"dtype", "device", "requires_grad", "layout", "pin_memory", "memory_format"}


def _size_key(size) -> tuple | None:
    """A hashable form of a size request: ints, and symbolic sizes by their expression."""
    if len(size) == 1 and isinstance(size[0], (tuple, list, torch.Size)):
        size = tuple(size[0])
    out = []
    for s in size:
        if isinstance(s, bool):
            return None
        if isinstance(s, int):
            out.append(s)
        elif isinstance(s, torch.SymInt):
            out.append(("sym", s.node.expr))
        else:
            return None
    return tuple(out)


def _defaults() -> tuple:
    """The default dtype and device a factory call without them would use (the device asked only when
    something may have changed it: asking costs more than the rest of a request)."""
    context = getattr(getattr(torch, "_GLOBAL_DEVICE_CONTEXT", None), "device_context", None)
    stack = getattr(torch._C, "_len_torch_function_stack", lambda: 1)()
    if context is None and stack == 0:
        return torch.get_default_dtype(), None
    return torch.get_default_dtype(), str(getattr(torch, "get_default_device", lambda: None)())


def _metadata(t) -> tuple:
    return tuple(t.shape), tuple(t.stride()), t.dtype, t.device, t.requires_grad


def _same_metadata(a: tuple, b: tuple) -> bool:
    def same(x, y):
        if isinstance(x, torch.SymInt) and isinstance(y, torch.SymInt):
            return x.node.expr == y.node.expr
        return type(x) is type(y) and x == y

    (sa, ta, *ra), (sb, tb, *rb) = a, b
    return (len(sa) == len(sb) and len(ta) == len(tb) and all(same(x, y) for x, y in zip(sa + ta, sb + tb))
            and ra == rb)


class Sharing:
    """The tensors handed out more than once, and whether a constructor changed one of them."""

    def __init__(self):
        self.tensors: dict[tuple, torch.Tensor] = {}
        self.params: dict[tuple, torch.nn.Parameter] = {}
        self.shared: dict[int, torch.Tensor] = {}  # id -> a tensor handed out, while it is held here
        self.original: dict[int, tuple] = {}

    def factory(self, name: str, original):
        def make(*size, **kwargs):
            key = _size_key(size)
            if key is None or set(kwargs) - _KEYWORDS:
                return original(*size, **kwargs)
            try:
                full = (name, key, _defaults(), tuple(sorted((k, str(v)) for k, v in kwargs.items())))
                hit = self.tensors.get(full)
            except TypeError:  # an unhashable setting: no sharing
                return original(*size, **kwargs)
            if hit is None:
                hit = self.tensors[full] = self._keep(original(*size, **kwargs))
            return hit

        return make

    def parameter(self, original_new):
        def new(cls, data=None, requires_grad=True):
            if cls is not torch.nn.Parameter or data is None or id(data) not in self.shared:
                return original_new(cls, data, requires_grad)
            key = (id(data), bool(requires_grad))
            hit = self.params.get(key)
            if hit is None:
                hit = self.params[key] = self._keep(original_new(cls, data, requires_grad))
            return hit

        return new

    def _keep(self, t):
        self.shared[id(t)] = t
        self.original[id(t)] = _metadata(t)
        return t

    def spoiled(self) -> bool:
        """Whether a constructor changed the metadata of a tensor it was handed (then build unshared)."""
        return any(not _same_metadata(self.original[i], _metadata(t)) for i, t in self.shared.items())


@contextlib.contextmanager
def shared_tensors():
    """While active, equal factory requests and their parameters are one tensor; yields the :class:`Sharing`."""
    sharing = Sharing()
    saved = {name: getattr(torch, name) for name in _FACTORIES}
    saved_new = torch.nn.Parameter.__dict__["__new__"]  # a staticmethod: restored as it was
    try:
        for name, fn in saved.items():
            setattr(torch, name, sharing.factory(name, fn))
        torch.nn.Parameter.__new__ = staticmethod(sharing.parameter(torch.nn.Parameter.__new__))
        yield sharing
    finally:
        for name, fn in saved.items():
            setattr(torch, name, fn)
        torch.nn.Parameter.__new__ = saved_new
