"""sphinx_ncd: neural circuit diagrams as code.

The public API (each stage is imported lazily, so ``import sphinx_ncd`` is cheap
and torch is never imported unless a check runs)::

    diagram = sphinx_ncd.parse(text, filename="attention.ncd")   # syntax + model
    svg     = sphinx_ncd.render(diagram, format="svg")            # layout + render
    report  = sphinx_ncd.check(diagram, "pkg.mod:Model(m=8)", sizes={"y": 5})
    table   = sphinx_ncd.cost(diagram, sizes={"y": 4096}, machine="h100")  # FLOPs, memory, traffic
    spec    = sphinx_ncd.draft("pkg.mod:Block(d=64, h=4)", "x: b t d").text  # a first spec from code

Errors are always :class:`sphinx_ncd.NCDError`, located in the user's source.
``extensions = ["sphinx_ncd"]`` in a Sphinx ``conf.py`` registers the ``ncd``
directive through :func:`setup`.
"""
from __future__ import annotations

from .errors import NCDError, Span

__version__ = "0.1.0"
__all__ = ["NCDError", "Span", "parse", "render", "check", "describe", "cost", "draft", "setup", "codegen", "__version__"]


def parse(text: str, filename: str = "<spec>", *, line_offset: int = 0, search_path=()):
    """Parse a spec and infer its shapes; returns a :class:`~sphinx_ncd.model.Diagram`.

    ``line_offset`` shifts reported lines (a spec embedded in a host document);
    ``search_path`` lists directories searched by ``use`` for block libraries.
    """
    from .model.build import parse as _parse

    return _parse(text, filename=filename, line_offset=line_offset, search_path=search_path)


def render(diagram, format: str = "svg", **options):
    """Lay out and draw a diagram: ``str`` for SVG, ``bytes`` for PDF and PNG."""
    from .rendering.api import render as _render

    return _render(diagram, format=format, **options)


def describe(diagram) -> str:
    """A short plain-text description of a diagram, for alt text."""
    from .model.describe import describe as _describe

    return _describe(diagram)


def check(diagram, code, sizes=None, **options):
    """Run the PyTorch ``code`` on tensors shaped like ``diagram``; returns a report."""
    from .checking.api import check as _check

    return _check(diagram, code, sizes=sizes, **options)


def cost(diagram, sizes=None, machine="h100", dtype_bytes=2, search_path=()):
    """FLOPs, parameters, memory and memory traffic per section, with a roofline on ``machine``.

    Returns a :class:`~sphinx_ncd.cost.analysis.CostReport`; ``str(report)`` is the table.
    """
    from .cost.analysis import analyse

    return analyse(diagram, sizes=sizes, machine=machine, dtype_bytes=dtype_bytes, search_path=search_path)


def __getattr__(name: str):
    """``sphinx_ncd.codegen(diagram)``: the code-generation package, itself callable, imported lazily."""
    if name == "codegen":
        import importlib

        return importlib.import_module(".codegen", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def draft(code, inputs, sizes=None, depth=None, **options):
    """Draft a spec from the ``nn.Module`` ``code`` called on ``inputs`` (``"x: b t d"``); returns a
    :class:`~sphinx_ncd.draft.api.Draft` (``.text``, ``.check_code``, ``.generic``)."""
    from .draft.api import draft as _draft

    return _draft(code, inputs, sizes=sizes, depth=depth, **options)


def setup(app):
    """Sphinx entry point: ``extensions = ["sphinx_ncd"]``."""
    from .sphinxext import setup as _setup

    return _setup(app)
