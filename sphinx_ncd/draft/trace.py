"""Draft (stage: import spec + input description -> exported graph).  Imports torch.

Builds the module the import spec names (``pkg.mod:Block(d=64, h=4)``), makes
one tensor per described input -- every axis a distinct prime unless a size
is given or a constructor argument of that name fixes it -- and runs
``torch.export`` on them.  Failures become located errors: the description
not matching ``forward`` (count, or the code rejecting the shapes), code that
branches on tensor values, sizes that collide.  Only :func:`trace` needs torch,
and it is imported when called.
"""
from __future__ import annotations

import ast
import contextlib
import inspect
import logging
import os
import sys
from dataclasses import dataclass, field

from .. import messages as msg
from ..checking.codeload import construct, load, parse_spec, user_frame
from ..errors import NCDError, Span
from .inputs import InputDesc, axis_parts

__all__ = ["Traced", "trace", "constructor_sizes", "prime_sizes", "source_root"]

_PRIMES = (17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97, 101, 103, 107, 109,
           113, 127, 131, 137, 139, 149, 151, 157, 163, 167, 173, 179, 181, 191, 193, 197, 199)


@dataclass
class Traced:
    """What the export produced, with what the writer needs to name things."""

    program: object  # torch.export.ExportedProgram
    model: object  # the nn.Module
    obj_name: str  # how messages name the code: "MultiHeadAttention"
    module: str  # the import path of the object's module
    attr: str
    call: str | None  # the constructor call as written: "(m=11, k=7, h=5)"
    arguments: dict[str, int] = field(default_factory=dict)  # the constructor's whole-number arguments
    axis_values: dict[str, int] = field(default_factory=dict)  # every named input axis -> traced size
    user_files: set = field(default_factory=set)


def constructor_sizes(obj, call: str | None) -> dict[str, int]:
    """The whole-number arguments of the constructor call, by parameter name (positional ones bound)."""
    if not call:
        return {}
    tree = ast.parse("f" + call, mode="eval").body
    out: dict[str, int] = {}
    names: list[str] = []
    if inspect.isclass(obj) or callable(obj):
        try:
            params = list(inspect.signature(obj).parameters.values())
            names = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        except (TypeError, ValueError):
            names = []
    for i, a in enumerate(tree.args):
        if i < len(names) and isinstance(a, ast.Constant) and type(a.value) is int:
            out[names[i]] = a.value
    for k in tree.keywords:
        if k.arg and isinstance(k.value, ast.Constant) and type(k.value.value) is int:
            out[k.arg] = k.value.value
    return out


def prime_sizes(inputs: list[InputDesc], given: dict[str, int], fixed: dict[str, int]) -> dict[str, int]:
    """A size for every named axis: given (``--sizes``), fixed (a constructor argument), else a fresh prime."""
    out: dict[str, int] = {}
    for name, value in given.items():
        if name in fixed and fixed[name] != value:
            raise NCDError(msg.DRAFT_SIZE_CONFLICT.format(name=name, given=value, value=fixed[name]), None,
                           kind="config")
    taken = set(given.values()) | set(fixed.values())
    taken |= {int(a) for d in inputs for a in d.axes if a.isdigit()}
    primes = (p for p in _PRIMES if p not in taken)
    for d in inputs:
        for word in d.axes:
            a = axis_parts(word)[1]
            if a is None or a in out:
                continue
            if a in given:
                out[a] = given[a]
            elif a in fixed:
                out[a] = fixed[a]
            else:
                out[a] = next(primes)
    axes = sorted({axis_parts(a)[1] for d in inputs for a in d.axes if not a.isdigit()})
    for name in given:
        if name not in out:
            raise NCDError(msg.DRAFT_SIZE_UNUSED.format(name=name), None, kind="config",
                           hint=msg.HINT_DRAFT_SIZE_UNUSED.format(axes=", ".join(axes) or "(none)"))
    return out


def source_root(path: str) -> str:
    """A file as a reader finds it: relative to the longest ``sys.path`` entry holding it."""
    path = os.path.abspath(path)
    best = ""
    for entry in sys.path:
        entry = os.path.abspath(entry or os.getcwd())
        if path.startswith(entry + os.sep) and len(entry) > len(best):
            best = entry
    return os.path.relpath(path, best) if best else os.path.basename(path)


@contextlib.contextmanager
def _quiet():
    """torch.export logs warnings and graph dumps on failures; the draft reports its own error."""
    loggers = [logging.getLogger(n) for n in ("torch", "torch._dynamo", "torch.fx", "torch.export",
                                               "torch._export", "torch.fx.experimental.symbolic_shapes")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.ERROR + 10)
    try:
        yield
    finally:
        for lg, lv in zip(loggers, levels):
            lg.setLevel(lv)


def _forward_inputs(model) -> list[inspect.Parameter]:
    try:
        params = list(inspect.signature(model.forward).parameters.values())
    except (TypeError, ValueError):
        return []
    return [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]


def _check_count(model, obj_name: str, inputs: list[InputDesc]) -> None:
    params = _forward_inputs(model)
    if not params:
        return
    required = [p for p in params if p.default is p.empty]
    if len(required) <= len(inputs) <= len(params):
        return
    names = ", ".join(p.name for p in params)
    expected = str(len(required)) if len(required) == len(params) else f"{len(required)} to {len(params)}"
    span = inputs[min(len(inputs), len(params)) - 1].span if inputs and len(inputs) > len(params) else \
        (inputs[0].span if inputs else None)
    if span is not None and len(inputs) > len(params):
        span = inputs[len(params)].span
    raise NCDError(msg.DRAFT_INPUT_COUNT.format(obj=obj_name, expected=expected, got=len(inputs), names=names),
                   span, kind="config", hint=msg.HINT_DRAFT_INPUT_COUNT.format(names=names))


def _frame_span(frame) -> Span | None:
    if not frame:
        return None
    file, line, text = frame
    column = len(text) - len(text.lstrip()) + 1
    return Span(file, int(line), column, max(1, len(text.strip())), text)


def _first_line(exc: BaseException) -> str:
    lines = [ln.strip() for ln in str(exc).strip().splitlines() if ln.strip()]
    return lines[0] if lines else type(exc).__name__


def _located(exc: BaseException, traced: Traced, shapes: str) -> NCDError:
    frame = user_frame(exc, traced.user_files)
    where = f"{source_root(frame[0])}:{frame[1]}" if frame else traced.obj_name
    text = str(exc)
    if "data-dependent" in text or "GuardOnDataDependent" in type(exc).__name__ or "Dynamic control flow" in text:
        return NCDError(msg.DRAFT_EXPORT_FAILED.format(obj=traced.obj_name, reason=_first_line(exc)),
                        _frame_span(frame), kind="exec", hint=msg.HINT_DRAFT_DATA_DEPENDENT.format(where=where))
    return NCDError(msg.DRAFT_FORWARD_FAILED.format(obj=traced.obj_name, shapes=shapes, reason=_first_line(exc)),
                    _frame_span(frame), kind="exec", hint=msg.HINT_DRAFT_FORWARD.format(where=where))


def load_model(code: str, path=()) -> Traced:
    """Import and build the module; no export yet."""
    desc = parse_spec(code)
    if desc["kind"] != "import":
        raise NCDError(msg.CHECK_BAD_SPEC.format(spec=code.strip(), reason="expected pkg.module:Object(...)"),
                       None, kind="config", hint=msg.CHECK_BAD_SPEC_HINT)
    for p in [*path, os.getcwd()]:
        p = os.path.abspath(p)
        if p not in sys.path:
            sys.path.insert(0, p)
    obj, user_ns, files = load(desc, None, None)
    name = desc["attr"].split(".")[-1]
    try:
        model = construct(obj, desc["call"] or "()", {}, user_ns)
    except NCDError:
        raise
    except Exception as exc:  # the constructor raised
        frame = user_frame(exc, files)
        raise NCDError(msg.DRAFT_CONSTRUCT.format(obj=name, reason=_first_line(exc)), _frame_span(frame),
                       kind="exec") from None
    import torch

    if not isinstance(model, torch.nn.Module):
        raise NCDError(msg.DRAFT_NOT_MODULE.format(obj=desc["attr"], kind=type(model).__name__), None,
                       kind="config")
    arguments = constructor_sizes(obj, desc["call"])
    return Traced(None, model, name, desc["module"], desc["attr"], desc["call"], arguments, {}, set(files))


def trace(traced: Traced, inputs: list[InputDesc], sizes: dict[str, int]) -> Traced:
    """Export ``traced.model`` on prime-sized tensors shaped as ``inputs`` describe."""
    import torch

    _check_count(traced.model, traced.obj_name, inputs)
    fixed = {n: v for n, v in traced.arguments.items()
             if any(n == axis_parts(a)[1] for d in inputs for a in d.axes)}
    traced.axis_values = prime_sizes(inputs, sizes, fixed)
    tensors = []
    for d in inputs:
        shape = []
        for word in d.axes:
            k, a = axis_parts(word)
            shape.append(k * traced.axis_values[a] if a else k)
        tensors.append(torch.randn(*shape))
    shapes = ", ".join(f"{d.name}: ({' '.join(str(t) for t in x.shape)})" for d, x in zip(inputs, tensors))
    traced.model.eval()
    try:
        with _quiet():
            traced.program = torch.export.export(traced.model, tuple(tensors), strict=False)
    except Exception as exc:
        raise _located(exc, traced, shapes) from None
    return traced
