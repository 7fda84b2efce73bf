"""Check (stage: Diagram + PyTorch code -> ShapeReport): the check plan.

Turns a :class:`~sphinx_ncd.model.Diagram` into plain JSON-able data the
worker can run without knowing the model: the diagram's inputs and outputs as
lists of size expressions over named symbols (tandem axes expanded into one
dimension per rank), every box bound to code with its expected input and
output shapes, and sample sizes (hints) for every symbol.  No torch here.

Sample sizes: a size the user gave (in the spec's ``sizes`` or the ``sizes``
argument) is used as is; every other symbol gets a distinct prime (never equal
to a literal size of the diagram nor to another sample), then is multiplied up
until every axis size of the diagram is a whole number (``x/s``, ``n/4``).
"""
from __future__ import annotations

from dataclasses import dataclass

import sympy

from .. import messages as msg
from ..errors import NCDError
from ..model.types import Axis, Diagram, OpKind, Operation, Panel, Value
from .plan_repeats import container, counts, iteration_order
from .settings import drawn_settings

__all__ = ["CheckPlan", "make_plan", "sample_primes"]

_PRIMES = (5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97,
           101, 103, 107, 109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167, 173, 179, 181, 191)


def sample_primes(avoid: set[int]):
    for p in _PRIMES:
        if p not in avoid:
            yield p
    n = _PRIMES[-1] + 2
    while True:  # more symbols than the table: keep going with odd numbers
        if n not in avoid and all(n % p for p in range(3, int(n ** 0.5) + 1, 2)):
            yield n
        n += 2


@dataclass(frozen=True)
class CheckPlan:
    """Plain data for the worker (``as_json()``) plus what the API needs to locate verdicts."""

    symbols: tuple[str, ...]  # every free size symbol, after tandem expansion
    hints: tuple[tuple[str, int], ...]  # sample size per symbol
    given: tuple[str, ...]  # symbols whose size the user gave
    multiples: tuple[tuple[str, str], ...]  # the diagram divides these: ("Y", "4") means Y = 4·(Y/4) (worker names)
    params: tuple[str, ...]  # the block's configuration parameters (constructor arguments)
    inputs: tuple[dict, ...]  # {"name", "dims": [expr str], "labels": [axis label per dim]}
    outputs: tuple[dict, ...]
    boxes: tuple[dict, ...]  # {"op", "binding", "label", "inputs": [...], "outputs": [...]}
    ops: tuple[Operation, ...]  # the bound operations, same order as boxes (not sent)

    safe: tuple[tuple[str, str], ...] = ()  # (axis name, the identifier the worker knows it by)
    keys: tuple[int, ...] = ()  # per box: its key in the worker's answers (op id; another for boxes inside blocks)
    drawn: tuple[int, ...] = ()  # per box: the drawn operation it is part of (the block's box, for one inside)
    constants: tuple[tuple[str, int], ...] = ()  # given sizes no wire shows: constructor arguments only
    derived: tuple[tuple[str, str], ...] = ()  # let sizes (worker expressions): constructor arguments too
    tandem: tuple[tuple[str, int], ...] = ()  # (tandem size symbol "Y", its rank): dimensions Y_1, Y_2 in messages

    def as_json(self) -> dict:
        """What the worker gets: sizes under safe identifiers, with the diagram's names to display."""
        to = dict(self.safe)
        return {
            "symbols": [to.get(n, n) for n in self.symbols],
            "hints": {to.get(n, n): v for n, v in self.hints},
            "given": [to.get(n, n) for n in self.given],
            "multiples": {to.get(n, n): f for n, f in self.multiples},
            "params": [to.get(n, n) for n in self.params],
            "display": {to.get(n, n): n for n in self.symbols},
            "inputs": list(self.inputs),
            "outputs": list(self.outputs),
            "boxes": list(self.boxes),
            "constants": dict(self.constants),
            "derived": dict(self.derived),
        }

    def original(self, name: str) -> str:
        """The diagram's name for a worker identifier."""
        back = {v: k for k, v in self.safe}
        return back.get(name, name)


def _safe_name(name: str, index: int) -> str:
    """``N``, ``E``, ``lambda``, ``\\mathbb{R}`` mean something else to sympy or Python: rename them."""
    import keyword

    if name.isidentifier() and not keyword.iskeyword(name) and not hasattr(sympy, name) \
            and not name.startswith("_v"):
        return name
    return f"_v{index}"



def _lets(diagram: Diagram) -> dict[str, sympy.Expr]:
    """The sizes ``let`` defines (``let f = 4d``, ``let e = d/h``), by name, fully expanded."""
    from ..model.sizes import legend_entries

    panels = list(diagram.panels) + [body for _, body in diagram.blocks]
    found: dict[str, sympy.Expr] = {}
    while panels:
        panel = panels.pop()
        for lhs, rhs in legend_entries([panel]):
            if isinstance(lhs, sympy.Symbol) and lhs.name not in found:
                found[lhs.name] = rhs
        panels.extend(op.body for op in panel.operations if op.body is not None)
    for _ in range(8):  # let g = 2f with let f = 4d
        changed = False
        for name, expr in found.items():
            new = expr.xreplace({s: found[s.name] for s in expr.free_symbols
                                 if s.name in found and s.name != name})
            if new != expr:
                found[name], changed = new, True
        if not changed:
            break
    return found


def _size(axis: Axis, lets: dict | None = None) -> sympy.Expr:
    """The axis size with ``let`` names replaced by their definitions and subscripted names
    (``c(0)`` for ``c_0``) as plain symbols named ``c_0``."""
    from sympy.core.function import AppliedUndef

    size = sympy.sympify(axis.size)
    if lets and size.free_symbols:
        size = size.xreplace({s: lets[s.name] for s in size.free_symbols if s.name in lets})
    if not size.atoms(AppliedUndef):
        return size

    def name(e):
        args = "_".join(sympy.sstr(a).replace(" ", "") for a in e.args)
        safe = "".join(ch if ch.isalnum() else "_" for ch in f"{e.func.__name__}_{args}")
        return sympy.Symbol(safe, integer=True, positive=True)

    return size.replace(lambda e: isinstance(e, AppliedUndef), name)


def _tandem_symbols(axes: list[Axis], lets: dict) -> set[sympy.Symbol]:
    """Symbols that stand for a 2-D (or n-D) extent: they size tandem axes and nothing else."""
    multi, single = set(), set()
    for axis in axes:
        free = _size(axis, lets).free_symbols
        (multi if axis.rank > 1 else single).update(free)
    return multi - single


def _expand(axis: Axis, tandem: set[sympy.Symbol], lets: dict) -> list[tuple[sympy.Expr, str]]:
    """One (size, label) per tensor dimension the wire stands for."""
    size = _size(axis, lets)
    if axis.rank <= 1:
        return [(size, axis.label)]
    out = []
    for i in range(1, axis.rank + 1):
        sub = {s: sympy.Symbol(f"{s.name}_{i}", positive=True, integer=True)
               for s in size.free_symbols if s in tandem}
        dim = size.subs(sub)
        out.append((dim, f"{axis.label}_{i}" if size.is_Symbol or not sub else sympy.sstr(dim)))
    return out


def _all_axes(panel: Panel) -> list[Axis]:
    axes: list[Axis] = []
    for v in panel.inputs + panel.outputs:
        axes.extend(v.axes)
    for op in panel.operations:
        for v in op.inputs + op.outputs:
            axes.extend(v.axes)
        if op.body is not None:
            axes.extend(_all_axes(op.body))
    return axes


@dataclass(frozen=True)
class _Place:
    """Where a box of a block's body sits in the diagram: its sizes in the user's names."""

    subst: tuple = ()  # ((block size Symbol, size at the use site), ...)
    labels: tuple = ()  # ((block size Symbol, the use site's axis label), ...)
    lead: tuple[Axis, ...] = ()  # the use site's extra leading axes (broadcast over the block)

    def axes(self, value: Value, lets: dict | None = None) -> tuple[Axis, ...]:
        if not self.subst:
            return tuple(self.lead) + tuple(value.axes)
        table, labels = dict(self.subst), dict(self.labels)
        out = []
        for axis in value.axes:
            size = sympy.sympify(axis.size)
            if lets and any(x.name in lets for x in size.free_symbols):  # let e = d/h: the block's d and h
                size = size.xreplace({x: lets[x.name] for x in size.free_symbols if x.name in lets})
            new = size.xreplace(table)
            if new == size:
                out.append(axis)
                continue
            label = labels.get(size) if size.is_Symbol else None
            if label is None and sympy.sympify(axis.size).is_Symbol and new != size:
                label = axis.label  # a let name keeps its name: "e", not "d/h"
            out.append(Axis(label or _label_of(new), new, axis.kind, axis.rank, axis.tangent))
        return tuple(self.lead) + tuple(out)


def _plain_label(label: str, size) -> str:
    """A label as messages show it: TeX (``\\lfloor (h-3)/2\\rfloor``) becomes ``⌊(h - 3)/2⌋``."""
    if "\\" not in label and "{" not in label:
        return label
    from sympy.printing.str import StrPrinter

    class Plain(StrPrinter):
        def _print_floor(self, e):
            return "⌊" + self._print(e.args[0]) + "⌋"

        def _print_ceiling(self, e):
            return "⌈" + self._print(e.args[0]) + "⌉"

    return Plain().doprint(size).replace("*", "·")


def _label_of(size) -> str:
    from ..model.sizes import size_label

    return size_label(size)


def _instance(op: Operation, place: _Place) -> tuple[Panel, _Place] | None:
    """The body of a block use (drawn expanded or as one box) and how its sizes map to the use site."""
    from ..model.sizes import SizeSyntaxError, parse_size

    body = op.body if op.body is not None else op.param("definition")
    if body is None:
        return None
    outer = dict(place.subst)
    table: dict = {}
    labels: dict = {}
    for name, text in op.param("args", ()) or ():
        try:
            table[parse_size(name)] = parse_size(text).xreplace(outer)
        except SizeSyntaxError:
            continue
        labels[parse_size(name)] = text
    actual = [place.axes(v) for v in op.inputs]
    lead: tuple[Axis, ...] = ()
    for seg, pattern in zip(actual, body.inputs):
        extra = len(seg) - len(pattern.axes)
        if extra < 0:
            return None
        lead = lead or tuple(seg[:extra])
        for p, a in zip(pattern.axes, seg[extra:]):
            size = sympy.sympify(p.size)
            if size.is_Symbol and size not in table:
                table[size] = sympy.sympify(a.size)
                labels[size] = a.label
    return body, _Place(tuple(table.items()), tuple(labels.items()), lead)


def _box_keys(panel: Panel, bound) -> tuple[list[int], list[int]]:
    """A distinct key per bound box (a block's body reuses op ids) and the drawn operation holding it."""
    nxt = max([op.id for op in panel.operations] + [0]) + 1
    keys, drawn = [], []
    for op, _, _, top in bound:
        if op is top:
            keys.append(op.id)
        else:
            keys.append(nxt)
            nxt += 1
        drawn.append(top.id)
    return keys, drawn


def _bound_ops(panel: Panel, prefix: str = "", place: _Place = _Place(), top: Operation | None = None,
               each=None, containers: dict | None = None) -> list:
    """Every box bound to code, also inside blocks (bound ones used by name, or expanded):
    ``(operation, binding path, its _Place, the drawn top-level operation holding it)``.  A box bound by
    its repetition's index (``[down.\\lambda.conv.0]``) or count (``[units.\\iter.conv1]``) is one box per
    iteration: ``each(panel, place)`` gives them (a block's bounds at each use's sizes), and ``containers``
    gets each one's path -> the code's container of the iterations (``layer1`` for ``layer1.\\iter.conv1``)."""
    per_iteration = each(panel, place) if each is not None else None
    out = []
    for drawn, op, binding in iteration_order(panel, per_iteration or {}):
        holder = top or drawn
        if binding:
            out.append((op, prefix + binding, place, holder))
            if op is not drawn and containers is not None:
                containers[prefix + binding] = container(drawn.binding, binding, prefix)
        if op.kind == OpKind.BLOCK and (binding or op.body is not None):
            # a block used by name with no binding says nothing of where its boxes live in the code
            inner = _instance(op, place)
            if inner is not None:
                # inside MLP(m)[mlp] the boxes bind mlp.fc1; inside GPT2Attention(d, h)[attn:0], attn.c_attn
                path = prefix + binding.rsplit(":", 1)[0] + "." if binding else prefix
                out.extend(_bound_ops(inner[0], path, inner[1], holder, each, containers))
    return out


def _drawn_bias(op: Operation) -> bool | None:
    """Whether the diagram draws a bias (``L+``, ``conv+``) on a learned box; None where it says nothing."""
    if op.kind == OpKind.LEARNED or (op.kind == OpKind.CONV and op.params.learned):
        bias = op.params.bias
        return bool(bias) if bias is not None else None
    return None


def _box_word(op: Operation) -> str:
    """How a message names the box's kind: its label for a learned box, ``conv`` for a convolution."""
    if op.kind == OpKind.CONV:
        return "convT" if op.params.transposed else "conv"
    return op.label or op.kind


def _plan_boxes(bound, keys, shape) -> list[dict]:
    """Each bound box as plain data: binding path, kind, drawn bias and settings, shapes at its place."""
    def settings(op: Operation, place: _Place) -> dict:
        dims = lambda axes: shape(Value(-1, "", tuple(axes)), _Place(place.subst, place.labels))["dims"]  # noqa: E731
        over = op.param("over") if op.kind == OpKind.NORM else None
        return drawn_settings(op, op.kind, [dims(a) for a in op.core_in], [dims(a) for a in op.core_out],
                              dims([over]) if isinstance(over, Axis) else None)

    return [{"op": key, "binding": path, "label": op.label, "kind": op.kind,
             "bias": _drawn_bias(op), "name": _box_word(op), "settings": settings(op, place),
             "inputs": [shape(v, place) for v in op.inputs], "outputs": [shape(v, place) for v in op.outputs]}
            for (op, path, place, _), key in zip(bound, keys)]


def make_plan(diagram: Diagram, sizes: dict[str, int] | None = None) -> CheckPlan:
    panel = diagram.main
    axes = _all_axes(panel)
    lets = _lets(diagram)
    tandem = _tandem_symbols(axes, lets)

    from ..codegen.iterations import resolver

    resolve = resolver(diagram)  # let x_{\lambda+1} = x_\lambda/2: x_4 is x_0/16

    expanded: dict = {}  # axis -> its dimensions: a repeated block's boxes share few distinct axes

    def shape(value: Value, place: _Place = _Place()) -> dict:
        dims, labels = [], []
        for axis in map(resolve, place.axes(value, lets)):
            if axis not in expanded:
                expanded[axis] = [(size, _plain_label(label, size)) for size, label in _expand(axis, tandem, lets)]
            for size, label in expanded[axis]:
                dims.append(size)
                labels.append(label)
        return {"name": value.name, "dims": dims, "labels": labels}

    inputs = _mark_positions(panel, [shape(v) for v in panel.inputs])
    outputs = [shape(v) for v in panel.outputs]
    from ..codegen.iterations import iterations

    containers: dict = {}
    bound = _bound_ops(panel, each=lambda p, place: iterations(diagram, p, place.subst, sizes), containers=containers)
    keys, drawn = _box_keys(panel, bound)
    boxes = [{**b, "iteration": containers[b["binding"]]} if b["binding"] in containers else b
             for b in _plan_boxes(bound, keys, shape)]

    every = [d for seg in inputs + outputs for d in seg["dims"]]
    every += [d for box in boxes for seg in box["inputs"] + box["outputs"] for d in seg["dims"]] + _halves(panel, lets)
    every = list(dict.fromkeys(every))  # each distinct size once (a repeated block's boxes repeat them)
    params = tuple(panel.header.params) if panel.header else ()
    symbols = _symbols(every, counts(diagram) + list(params))

    given = _given_sizes(diagram, sizes, symbols)
    literals = {int(d) for d in every if sympy.sympify(d).is_Integer}
    hints = _choose_hints(symbols, given, literals, every)

    safe = {n: _safe_name(n, i) for i, n in enumerate(symbols)}

    texts: dict = {}

    def worker_text(d) -> str:
        if d not in texts:
            expr = sympy.sympify(d)
            texts[d] = sympy.sstr(expr.xreplace({x: sympy.Symbol(safe[x.name]) for x in expr.free_symbols
                                                 if x.name in safe}))
        return texts[d]

    def plain(seg: dict) -> dict:
        return {"name": seg["name"], "dims": [worker_text(d) for d in seg["dims"]], "labels": seg["labels"],
                **({"positions": True} if seg.get("positions") else {})}

    return CheckPlan(
        safe=tuple(safe.items()),
        constants=tuple((k, v) for k, v in given.items() if k not in safe and k.isidentifier()),
        tandem=tuple(sorted({(str(a.size), a.rank) for a in axes if a.rank > 1 and sympy.sympify(a.size).is_Symbol})),
        derived=tuple((k, worker_text(v)) for k, v in lets.items()
                      if k.isidentifier() and k not in safe
                      and all(x.name in safe for x in v.free_symbols)),
        multiples=tuple((n, worker_text(f)) for n, f in _multiples(every, symbols)),
        symbols=tuple(symbols),
        hints=tuple((s, hints[s]) for s in symbols),
        given=tuple(s for s in symbols if s in given),
        params=params,
        inputs=tuple(plain(s) for s in inputs),
        outputs=tuple(plain(s) for s in outputs),
        boxes=tuple({**b, "inputs": [plain(s) for s in b["inputs"]],
                     "settings": {k: [worker_text(d) for d in v] if isinstance(v, list) else v
                                  for k, v in b["settings"].items()},
                     "outputs": [plain(s) for s in b["outputs"]]} for b in boxes),
        ops=tuple(op for op, _, _, _ in bound),
        keys=tuple(keys),
        drawn=tuple(drawn),
    )


def _symbols(every: list, extra: list[str]) -> list[str]:
    """Every size symbol in order of first appearance (inputs first, as the reader meets them), then ``extra``:
    a repetition's count the spec's sizes give (``repeat N-1``, ``sizes N=3``) and the configuration parameters,
    sizes too even if no wire shows them alone."""
    symbols: list[str] = []
    for d in every:
        text = str(d)
        for s in sorted(sympy.sympify(d).free_symbols, key=lambda x: text.find(x.name)):
            if s.name not in symbols:
                symbols.append(s.name)
    return symbols + [p for p in dict.fromkeys(extra) if p not in symbols]


def _mark_positions(panel: Panel, inputs: list[dict]) -> list[dict]:
    """The panel's input shapes, those a gather or scatter reads positions from marked ``positions``."""
    ids = _position_inputs(panel)
    return [{**seg, "positions": True} if v.id in ids else seg for v, seg in zip(panel.inputs, inputs)]


def _position_inputs(panel: Panel) -> set[int]:
    """Ids of the values a gather or scatter reads positions from (through copies): the worker makes those
    inputs integer tensors of valid positions, as ``torch.gather`` requires."""
    ids = {op.inputs[1].id for op in panel.operations if op.kind in (OpKind.GATHER, OpKind.SCATTER)}
    for op in reversed(panel.operations):
        if op.kind == OpKind.COPY and any(v.id in ids for v in op.outputs):
            ids.add(op.inputs[0].id)
    return ids


def _halves(panel: Panel, lets: dict) -> list:
    """``e/2`` for the feature axis ``e`` of every rotary embedding (also inside blocks), its features rotating
    in pairs: the diagram says ``e`` is even, so the proof is for even sizes only (no assumption of the code)."""
    out = []
    for op in panel.operations:
        if op.kind == OpKind.ROTARY:
            size = sympy.sympify(op.params.over[1].size)
            size = size.xreplace({sympy.Symbol(k): v for k, v in lets.items()}) if lets else size
            out.append(size / 2)
        out += _stated_parts(op, lets)
        if op.body is not None:
            out += _halves(op.body, lets)
    return out


def _stated_parts(op: Operation, lets: dict) -> list:
    """``c/g`` for a convolution's ``groups g`` (its input channels), ``f/3`` for a three-way ``chunk``: the
    diagram states these divisions, so the samples keep them whole (as :func:`_halves` does for rotary)."""
    table = {sympy.Symbol(k): v for k, v in lets.items()} if lets else {}
    if op.kind == OpKind.CONV and sympy.sympify(getattr(op.params, "groups", 1)) != 1:
        over = {a.label for a in op.params.over}
        channels = [a for a in op.core_in[0] if a.label not in over]
        size = sympy.Mul(*[sympy.sympify(a.size) ** a.rank for a in channels]) if channels else sympy.Integer(1)
        return [size.xreplace(table) / sympy.sympify(op.params.groups).xreplace(table)]
    if op.kind == OpKind.CHUNK:
        return [sympy.sympify(op.params.over.size).xreplace(table) / op.params.parts]
    return []
def _given_sizes(diagram: Diagram, sizes: dict | None, symbols: list[str]) -> dict[str, int]:
    """The spec's ``sizes`` with the caller's on top; one given for a tandem symbol applies to each of
    its dimensions.  A size below 1 is a located configuration error."""
    given: dict[str, int] = {}
    for name, value in tuple(diagram.sizes) + tuple((sizes or {}).items()):
        given[str(name)] = int(value)
    for name in list(symbols):
        base, _, idx = name.rpartition("_")
        if name not in given and idx.isdigit() and base in given:
            given[name] = given[base]
    for name, value in given.items():
        if value < 1:
            raise NCDError(msg.CHECK_BAD_SIZE.format(name=name, value=value), None, kind="config")
    return given


def _multiples(dims, symbols) -> list[tuple[str, str]]:
    """Symbols the diagram divides (``Y/2``, ``x/s``): the checker proves for their multiples only."""
    factor: dict[str, sympy.Expr] = {}
    for d in dims:
        num, den = sympy.fraction(sympy.together(sympy.sympify(d)))
        if den == 1:
            continue
        names = [n for n in symbols if any(x.name == n for x in num.free_symbols)
                 and not any(x.name == n for x in den.free_symbols)]
        if names:
            target = names[0]
            factor[target] = sympy.lcm(factor.get(target, sympy.Integer(1)), den)
    return [(n, f) for n, f in factor.items() if f != 1]


def _choose_hints(symbols, given, literals, dims) -> dict[str, int]:
    hints = {s: given[s] for s in symbols if s in given}
    _divisors_of_given(hints, literals, dims)
    primes = sample_primes(literals | set(hints.values()))
    for s in symbols:
        if s not in hints:
            hints[s] = next(primes)
    free = [s for s in symbols if s not in given]
    for _ in range(8):  # make every size a whole number: multiply a free numerator symbol up
        changed = False
        for d in dims:
            expr = sympy.sympify(d)
            value = expr.subs({x: hints[x.name] for x in expr.free_symbols})
            if value.is_Integer and value > 0:
                continue
            if value.is_Integer and _grow(expr, hints, free):  # let y = x-k+1: a difference made positive
                changed = True
                continue
            num, den = sympy.fraction(sympy.together(expr))
            den_value = den.subs({x: hints[x.name] for x in den.free_symbols})
            for sym in sorted(num.free_symbols, key=lambda x: x.name):
                if sym.name in free:
                    hints[sym.name] *= int(den_value) if den_value.is_Integer else 2
                    changed = True
                    break
        if not changed:
            break
    return hints


def _grow(expr, hints, free) -> bool:
    """A whole size that the samples make zero or negative (``x-k+1`` at x=5, k=7): raise a free symbol
    with a positive coefficient until the size is at least 3 and that symbol's sample is distinct from
    every other sample.  False when no symbol can raise it."""
    poly = sympy.expand(expr)
    for sym in sorted(poly.free_symbols, key=lambda x: x.name):
        if sym.name not in free or not poly.coeff(sym).is_positive or poly.coeff(sym).free_symbols:
            continue
        others = {v for n, v in hints.items() if n != sym.name}
        for _ in range(10000):
            value = poly.subs({x: hints[x.name] for x in poly.free_symbols})
            if value >= 3 and hints[sym.name] not in others:
                return True
            hints[sym.name] += 1
    return False


def _divisors_of_given(hints: dict, literals: set, dims) -> None:
    """``d/h`` with d given (35) and h free: h's sample divides 35 (5 or 7, never 11), so that every
    quotient the diagram states is a whole number, at least 2 where it can be, and distinct from the
    other sizes where it can be.  Chosen before the free primes, which then avoid these samples."""
    for d in dims:
        num, den = sympy.fraction(sympy.together(sympy.sympify(d)))
        if den == 1 or any(x.name not in hints for x in num.free_symbols):
            continue
        open_ = [x for x in den.free_symbols if x.name not in hints]
        if len(open_) != 1 or not den.is_Mul and not den.is_Symbol:
            continue
        top = num.subs({x: hints[x.name] for x in num.free_symbols})
        rest = den.subs({x: hints[x.name] for x in den.free_symbols if x.name in hints}).subs(open_[0], 1)
        if not (top.is_Integer and rest.is_Integer and top > 0 and rest > 0) or top % rest:
            continue
        whole = int(top // rest)
        taken = literals | set(hints.values())
        options = [v for v in range(2, whole + 1) if whole % v == 0]

        def rank(v, whole=whole, taken=taken):
            q = whole // v
            return (q < 2, v in taken or q in taken, q == v, -min(v, q), v)

        if options:
            hints[open_[0].name] = min(options, key=rank)
