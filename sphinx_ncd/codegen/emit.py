"""Codegen (stage: Diagram -> Python source): one line of ``forward`` per operation.

Each ``emit_<kind>`` gets a :class:`~sphinx_ncd.codegen.adapter.Step` and the
:class:`Emitter` (variables, sizes, submodules) and returns the expression that
computes the step's outputs; a construct with no code meaning raises a located
:class:`~sphinx_ncd.errors.NCDError`.  Learned boxes become submodules named by
their bindings; wirings become einops calls with the diagram's axis names.
"""
from __future__ import annotations

import sympy

from .. import messages as msg
from ..errors import NCDError
from .adapter import Step
from .layout import dim_names, flat, positions
from .iterations import is_indexed
from .names import RESERVED, SizePrinter, identifier

__all__ = ["Emitter", "ELEMENTWISE_CODE"]

ELEMENTWISE_CODE = {
    "relu": "torch.relu({x})", "gelu": "fn.gelu({x})", "sigmoid": "torch.sigmoid({x})",
    "tanh": "torch.tanh({x})", "exp": "torch.exp({x})", "log": "torch.log({x})", "silu": "fn.silu({x})",
    "softplus": "fn.softplus({x})", "sqrt": "torch.sqrt({x})", "abs": "torch.abs({x})",
    "square": "torch.square({x})", "neg": "torch.neg({x})", "dropout": "fn.dropout({x}, training=False)",
}


class Emitter:
    """State of one generation: variables per value, sizes used, submodules, user functions."""

    def __init__(self, steps: list[Step], outputs, mutations: dict | None = None):
        self.sizes = SizePrinter()
        self.var: dict[int, str] = {}  # value id -> Python variable
        self.holder: dict[str, int] = {}  # Python variable -> the value id it holds now
        self.modules: list[tuple[str, str, Step]] = []  # (binding path, constructor text, step)
        self.functions: list[str] = []  # names of user-supplied callables
        self.memory = False
        self.bound_functions: dict[str, str] = {}  # binding -> box name: the user's callable as an attribute
        self.indexes: list[str] = []
        self.factors: list[str] = []  # scale factors that size no wire (scale x by r): default 1
        self.wires = {x.name for st in steps for v in st.inputs + st.outputs for ax in v.axes
                      for x in sympy.sympify(ax.size).free_symbols}  # size names that are positions (index at i_a): default 0
        self.mutations = dict(mutations or {})
        self.last_use: dict[int, int] = {}
        for i, s in enumerate(steps):
            for v in s.inputs:
                self.last_use[v.id] = i
        for v in outputs:
            self.last_use[v.id] = len(steps) + 1
        self.index = 0
        self.scope = None  # inside a repetition's body: its per-iteration modules (repeats.Scope)
        self.repeats = 0
        self.group = None  # the repetition being written
        self.unbound: list[tuple[int, str]] = []  # (op id, box) of learned boxes no binding reaches
        self.calls: list[tuple[str, str]] = []  # (binding path, text) of bound user callables kept as modules
        self.order: dict[str, int] = {}  # binding path -> when it was made: the constructor keeps that order
        self.blocks = None  # the generation's block classes (blockcode.Blocks), set by generate
        self.inner: list[tuple[str, int, str]] = []  # (path, op id of the block use, kind): learned boxes in blocks
        self.given: dict = {}  # the spec's sizes (name -> int): a repetition's bounds written with sizes
        self.in_block = False  # writing a block's class: bounds written with its parameters wait for each use
        self.deferred: list = []  # (binding, loop symbol, (lo, hi) expressions, group, op id, kind) of those

    # --- variables -------------------------------------------------------------------------------

    def bind_input(self, value) -> str:
        return self.assign(value)

    def assign(self, value) -> str:
        base = identifier(value.name, "v")
        name, n = base, 1
        while name in self.holder and self.holder[name] != value.id and \
                self.last_use.get(self.holder[name], -1) > self.index:
            name, n = f"{base}_{n}", n + 1
        self.holder[name] = value.id
        self.var[value.id] = name
        return name

    def of(self, value) -> str:
        return self.var[value.id]

    def size(self, size, step: Step) -> str:
        text = self.sizes(size)
        if text is None:
            raise NCDError(msg.CODEGEN_SIZE.format(size=sympy.sstr(size)), step.span, kind="shape")
        return text

    def module(self, step: Step, word: str, ctor: str) -> str:
        if self.scope is not None:  # inside a repetition: one module per iteration
            if step.binding:
                return self.scope.add_bound(self, step, ctor)
            if step.kind != "block":
                self.unbound.append((step.op_id, _word(step, word)))
            return self.scope.add(word, ctor)
        if not step.binding and step.kind != "block":
            self.unbound.append((step.op_id, _word(step, word)))
        path = step.binding or f"{word}{len(self.modules) + 1}"
        self.order.setdefault(path, len(self.order))
        self.modules.append((path, ctor, step))
        return module_access(path)

    def iterated(self, binding: str, sym, group, op_id: int, kind: str) -> None:
        """A learned box bound per iteration: its paths, one per iteration (``units.1.conv1``, ...); in a
        block's class whose bounds are its parameters (``repeat N-1``), kept until each use gives them."""
        from .iterations import binding_at, bound_exprs, bounds

        try:
            lo, hi = bounds(group, self.given)
        except NCDError:
            if not self.in_block:
                raise
            self.deferred.append((binding, sym, bound_exprs(group), group, op_id, kind))
            return
        self.inner.extend((binding_at(binding, sym, v), op_id, kind) for v in range(lo, hi + 1))

    def function(self, name: str, binding: str | None = None, step: Step | None = None) -> str:
        if name not in self.functions:
            self.functions.append(name)
        if step is not None and binding and self.scope is not None and self.scope.sym is not None and \
                is_indexed(binding, self.scope.sym):  # each iteration's own callable, where its binding names it
            return self.scope.add_bound(self, step, f"Call(self.functions[{name!r}])", learned=False)
        if binding and binding.isidentifier() and binding not in RESERVED:
            self.bound_functions.setdefault(binding, name)
            return f"self.{binding}"
        if binding and self.scope is None and all(p.isidentifier() or p.isdigit() for p in binding.split(".")):
            # a dotted binding (norm[4.0]): the callable kept as a module where the binding names it
            if binding not in dict(self.calls):
                self.calls.append((binding, f"Call(self.functions[{name!r}])"))
                self.order.setdefault(binding, len(self.order))
            return module_access(binding)
        return f"self.functions[{name!r}]"

    # --- one step --------------------------------------------------------------------------------

    def emit(self, step: Step) -> str | None:
        """The line for ``step`` (``None`` for a pure wiring such as a copy)."""
        handler = getattr(self, "emit_" + step.kind, None)
        if handler is None:
            raise NCDError(msg.CODEGEN_UNSUPPORTED.format(what=step.kind), step.span, kind="shape")
        expr = handler(step)
        if expr is None:
            return None
        targets = [self.assign(v) for v in step.outputs]
        if not targets:
            return expr
        return f"{', '.join(targets)} = {expr}"

    def emit_copy(self, step):
        for v in step.outputs:
            self.var[v.id] = self.of(step.inputs[0])
        return None

    def emit_delete(self, step):
        return None

    def emit_save(self, step):
        self.memory = True
        return f"memory[{self.slot(step)}] = {self.of(step.inputs[0])}"

    def emit_load(self, step):
        if not self.memory:
            raise NCDError(msg.CODEGEN_UNSUPPORTED.format(what="load before any save"), step.span, kind="shape")
        return f"memory[{self.slot(step)}]"

    def slot(self, step) -> str:
        """A memory slot's key: ``"C"``; ``"C_2"``; inside a repetition ``f"C_{4 - lambda_}"``."""
        from ..model.sizes import SizeSyntaxError, parse_size

        try:
            expr = parse_size(step.slot)
        except SizeSyntaxError:
            return f'"{step.slot}"'
        if getattr(expr, "args", None) and len(expr.args) == 1 and not expr.is_Symbol and \
                hasattr(expr.func, "__name__") and expr.args[0].free_symbols:
            index = self.size(expr.args[0], step)
            index = index[1:-1] if index.startswith("(") and index.endswith(")") else index
            return 'f"' + expr.func.__name__ + "_{" + index + '}"'
        if getattr(expr, "args", None) and len(expr.args) == 1 and expr.args[0].is_Integer:
            return f'"{expr.func.__name__}_{int(expr.args[0])}"'
        return f'"{step.slot}"'

    def emit_add(self, step):
        return " + ".join(self.of(v) for v in step.inputs)

    def emit_scale(self, step):
        expr = sympy.sympify(step.factor)
        swap = {s: sympy.Symbol("self." + self.sizes.arg(s.name)) for s in expr.free_symbols}
        self.factors.extend(s.name for s in expr.free_symbols if s.name not in self.wires | set(self.factors))
        return f"{self.of(step.inputs[0])} * ({sympy.pycode(expr.xreplace(swap), fully_qualified_modules=True)})"

    def emit_elementwise(self, step):
        x = self.of(step.inputs[0])
        template = ELEMENTWISE_CODE.get(step.function)
        if template is None:  # map f: a function the user supplies, applied to every entry
            return f"{self.function(step.function)}({x})"
        return template.format(x=x)

    def emit_softmax(self, step):
        value = step.inputs[0]
        over = self.mutations.get(step.op_id, {}).get("over", step.core_in[0][0])
        per = dim_names(value.axes)
        pos = positions(value.axes, (over,))[0]
        start = len(flat(per[:pos]))
        rank = len(per[pos])
        ndim = len(flat(per))
        x = self.of(value)
        if rank == 1:
            return f"torch.softmax({x}, dim={start - ndim})"
        return f"torch.softmax({x}.flatten({start}, {start + rank - 1}), dim={start}).reshape({x}.shape)"

    def emit_index(self, step):
        value = step.inputs[0]
        pos = positions(value.axes, (step.axis,))[0]
        start = len(flat(dim_names(value.axes)[:pos]))
        try:
            expr = sympy.sympify(step.index.replace("{", "").replace("}", ""))
        except (sympy.SympifyError, TypeError):
            expr = sympy.Symbol(identifier(step.index))
        self.indexes.extend(s.name for s in expr.free_symbols if s.name not in self.indexes)
        where = self.size(expr, step)
        return f"{self.of(value)}.select({start}, {where})"

    def emit_concat(self, step):
        first = step.inputs[0]
        pos = positions(first.axes, step.core_in[0])[0]
        start = len(flat(dim_names(first.axes)[:pos]))
        return f"torch.cat([{', '.join(self.of(v) for v in step.inputs)}], dim={start})"

    def emit_unit(self, step):
        return f"torch.eye({self.size(step.axis.size, step)}, dtype=torch.get_default_dtype())"

    def emit_einsum(self, step):
        pattern_in, pattern_out = einsum_patterns(step)
        args = ", ".join(self.of(v) for v in step.inputs)
        return f'einops.einsum({args}, "{", ".join(pattern_in)} -> {pattern_out}")'

    def emit_view(self, step):
        from .wiring import view_pattern

        return view_pattern(self, step).apply(self.of(step.inputs[0]))

    def emit_learned(self, step):
        from .boxes import learned

        return learned(self, step)

    def emit_conv(self, step):
        from .boxes import conv

        return conv(self, step)

    def emit_pool(self, step):
        from .boxes import pool

        return pool(self, step)

    def emit_function(self, step):
        from .boxes import generic

        return generic(self, step, step.label)

    def emit_norm(self, step):
        from .boxes import generic

        return generic(self, step, step.binding or "norm")

    def emit_mask(self, step):
        from .sequence import mask

        return mask(self, step)

    def emit_chunk(self, step):
        from .sequence import chunk

        return chunk(self, step)

    def emit_rotary(self, step):
        from .sequence import rotary

        return rotary(self, step)

    def emit_topk(self, step):
        from .sequence import topk

        return topk(self, step)

    def emit_gather(self, step):
        from .sequence import gather

        return gather(self, step)

    def emit_scatter(self, step):
        from .sequence import scatter

        return scatter(self, step)

    def emit_block(self, step):
        from .blockcode import use_block

        return use_block(self, step)


def _word(step, word: str) -> str:
    """How a message names a learned box: its label (``L^Q``), ``conv`` or ``convT`` for a convolution."""
    if step.kind == "conv":
        return "convT" if step.transposed else "conv"
    return step.label or word


def module_access(path: str) -> str:
    """``self.Lq``; a dotted binding lives in nested ``nn.ModuleDict`` s: ``self.stack["0"]``."""
    head, *rest = path.split(".")
    text = f"self.{head}" if head.isidentifier() and head not in ("functions",) else f'getattr(self, "{head}")'
    for part in rest:
        text += f'["{part}"]'
    return text


def einsum_patterns(step: Step) -> tuple[list[str], str]:
    """Full einops patterns: the signature's names on the core axes, the wire labels elsewhere."""
    core_names: dict[str, list[str]] = {}
    for names, core in zip(step.names_in, step.core_in):
        for n, ax in zip(names, core):
            base = identifier(n, "a").strip("_") or "a"
            core_names[n] = [base] if ax.rank <= 1 else [f"{base}{i}" for i in range(1, ax.rank + 1)]
    reserved = {x for v in core_names.values() for x in v}
    pattern_in, lead, trail = [], [], []
    for value, names, core in zip(step.inputs, step.names_in, step.core_in):
        pos = positions(value.axes, core)
        per = dim_names(value.axes, avoid=reserved)
        parts = []
        first = min(pos) if pos else len(value.axes)
        for j, ax in enumerate(value.axes):
            if j in pos:
                parts.extend(core_names[names[pos.index(j)]])
            else:
                parts.extend(per[j])
                into = lead if j < first else trail
                for n in per[j]:
                    if n not in into:
                        into.append(n)
        pattern_in.append(" ".join(parts))
    trail = [n for n in trail if n not in lead]
    out = lead + [x for n in step.names_out for x in core_names[n]] + trail
    return pattern_in, " ".join(out) or ""

