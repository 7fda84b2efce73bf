"""Check (stage: Diagram + PyTorch code -> ShapeReport): the concrete backends, inside the worker.

When a symbolic proof is not possible the checker falls back, in order, to

* ``fake``    -- fake tensors (no data, no memory) at distinct concrete sizes;
* ``dynamic`` -- fake tensors that allow data-dependent shapes and values
  (``.item()``, ``nonzero``, boolean masks) through unbacked symbols;
* ``real``    -- real CPU tensors at the (small) sample sizes, only on request.

Each backend offers what :func:`sphinx_ncd.checking.engine.run_attempt` needs:
sizes by name, a mode to build and run in, tensors, equality and display.
"""
from __future__ import annotations

import contextlib

import torch

__all__ = ["ConcreteBackend", "FakeBackend", "DynamicBackend", "RealBackend", "no_init"]


@contextlib.contextmanager
def no_init():
    """Skip parameter initialisation while building under fake tensors (values are meaningless there).

    Initialisers compute ``math.sqrt(fan_in)`` and the like, which would fix a
    symbolic size to its sample value; under fake tensors they do nothing useful.
    """
    import torch.nn.init as init

    saved = {}
    for name in dir(init):
        fn = getattr(init, name)
        if callable(fn) and name.endswith("_") and not name.startswith("_"):
            saved[name] = fn
            setattr(init, name, lambda tensor, *a, **k: tensor)
    saved["_calculate_fan_in_and_fan_out"] = init._calculate_fan_in_and_fan_out
    init._calculate_fan_in_and_fan_out = lambda tensor: (1, 1)
    try:
        yield
    finally:
        for name, fn in saved.items():
            setattr(init, name, fn)


class ConcreteBackend:
    """Concrete sizes; subclasses choose the tensors."""

    method = "fake"

    def __init__(self, hints: dict[str, int], display: dict | None = None):
        self.hints = dict(hints)  # by the worker's identifiers
        self.display = dict(display or {})  # identifier -> the diagram's name, where they differ
        self.names = {self.display.get(n, n): v for n, v in hints.items()}  # what the constructor sees

    def value(self, name: str) -> int:
        return self.hints[name]

    def mode(self):
        return contextlib.nullcontext()

    def building(self):
        return no_init()

    def running(self):
        return torch.no_grad()

    def tensor(self, dims):
        return torch.empty(tuple(dims))  # () gives a 0-d tensor: an input with no axes

    def equal(self, got, expected, assume: bool = False) -> bool:
        try:
            return bool(got == expected)
        except Exception:  # an unbacked size that cannot be decided
            return False

    def show(self, d) -> str:
        return str(d)

    def shown(self, text: str) -> str:
        """Text with the worker's identifiers (``_v3``) back in the diagram's names."""
        import re

        return re.sub(r"\b_v\d+\b", lambda m: self.display.get(m.group(0), m.group(0)), text)

    def show_shape(self, shape) -> str:
        """``y (x//2 + 1) h``: a size with spaces in it is parenthesised."""
        out = []
        for d in shape:
            text = self.show(d)
            out.append(f"({text})" if " " in text else text)
        return " ".join(out) or "1"

    def finish(self) -> dict:
        return {}


class FakeBackend(ConcreteBackend):
    method = "fake"

    def __init__(self, hints, display=None):
        super().__init__(hints, display)
        from torch._subclasses.fake_tensor import FakeTensorMode

        self._mode = FakeTensorMode(allow_non_fake_inputs=True)

    def mode(self):
        return self._mode


class DynamicBackend(ConcreteBackend):
    method = "dynamic"

    def __init__(self, hints, display=None):
        super().__init__(hints, display)
        from torch._subclasses.fake_tensor import FakeTensorMode
        from torch.fx.experimental.symbolic_shapes import ShapeEnv

        env = ShapeEnv(allow_scalar_outputs=True, allow_dynamic_output_shape_ops=True)
        self._mode = FakeTensorMode(shape_env=env, allow_non_fake_inputs=True)

    def mode(self):
        return self._mode

    def show(self, d) -> str:
        return self.shown(str(d).replace("*", "·"))


class RealBackend(ConcreteBackend):
    method = "real"

    def building(self):
        return contextlib.nullcontext()

    def tensor(self, dims):
        return torch.randn(tuple(dims))
