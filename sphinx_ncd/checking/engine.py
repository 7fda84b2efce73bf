"""Check (stage: Diagram + PyTorch code -> ShapeReport): one run of the code, inside the worker.

A *backend* decides what a size is (a symbolic ``SymInt``, a concrete int) and
what a tensor is (fake, real); :func:`run_attempt` is the same for all of them:
build the model inside the backend's mode, hook every bound box, call the model
on tensors shaped like the diagram's inputs, and compare what came out with
what the diagram says -- per box and for the whole diagram -- in the diagram's
own axis names.  Torch is imported here, so only the worker imports this module.

Comparison accepts *bound axes*: a diagram output ``k h`` produced by the code
as one flattened dimension of size ``k·h`` (``nn.Linear(m, k*h)`` before an
einops split) matches when adjacent axes multiply out; the detail says so.
"""
from __future__ import annotations

import contextlib
import functools

import sympy
import torch

from .. import messages as msg
from .codeload import BindingError, call_forward, construct, resolve_binding
from .repeats import share_repeats
from .settings import compare_settings

__all__ = ["run_attempt", "Attempt", "to_dim"]


def to_dim(text: str, value_of) -> object:
    """A size expression (``"k*h"``, ``"n/4"``, ``"floor(x/2 + 1/2)"``) as a backend size.

    Symbols come from ``value_of``; a quotient becomes floor division, as torch computes sizes.
    """
    expr = _parse(text)
    return _whole(expr, value_of, text)


_FUNCTIONS = {"floor", "ceiling", "Mod", "Max", "Min"}


@functools.lru_cache(maxsize=4096)
def _parse(text: str):
    """Every bare name in a size expression is a plain symbol (``N`` is not sympy's ``N()``)."""
    import re

    names = {n: sympy.Symbol(n) for n in re.findall(r"[A-Za-z_]\w*", text) if n not in _FUNCTIONS}
    return sympy.sympify(text, locals=names)


def _whole(expr, value_of, text):
    num, den = sympy.fraction(sympy.together(expr))

    def conv(e):
        if e.is_Integer:
            return int(e)
        if e.is_Symbol:
            return value_of(e.name)
        if isinstance(e, sympy.floor):
            return _whole(e.args[0], value_of, text)
        if isinstance(e, sympy.ceiling):
            return -_whole(-e.args[0], value_of, text)
        if isinstance(e, sympy.Mod):
            return conv(e.args[0]) % conv(e.args[1])
        if isinstance(e, (sympy.Max, sympy.Min)):
            import torch

            vals = [conv(a) for a in e.args]
            out = vals[0]
            for v in vals[1:]:
                out = torch.sym_max(out, v) if isinstance(e, sympy.Max) else torch.sym_min(out, v)
            return out
        if e.is_Add:
            out = 0
            for a in e.args:
                out = out + conv(a)
            return out
        if e.is_Mul:
            out = 1
            for a in e.args:
                out = out * conv(a)
            return out
        if e.is_Pow and e.exp.is_Integer and e.exp >= 0:
            base = conv(e.base)
            out = 1
            for _ in range(int(e.exp)):
                out = out * base
            return out
        raise ValueError(f"size expression {text!r} is not a whole-number expression")

    n = conv(num)
    if den == 1:
        return n
    return n // conv(den)


class Attempt:
    """What one run produced: verdicts, or the exception the code raised."""

    def __init__(self):
        self.boxes: list[dict] = []  # per bound box: {"op", "status", "expected", "got", "detail"}
        self.diagram: dict | None = None  # the whole diagram's verdict
        self.exception: BaseException | None = None
        self.binding_error: tuple[int, BindingError] | None = None
        self.construct_error: BaseException | None = None
        self.current_op: int | None = None  # the bound box running when the code raised
        self.notes: list[str] = []


def _flatten(obj, out):
    if isinstance(obj, torch.Tensor):
        out.append(obj)
    elif isinstance(obj, (tuple, list)):
        for o in obj:
            _flatten(o, out)
    elif isinstance(obj, dict):
        for o in obj.values():
            _flatten(o, out)
    return out


@contextlib.contextmanager
def _patched(holder, name, wrapper):
    is_dict = isinstance(holder, dict)
    old = holder[name] if is_dict else getattr(holder, name)
    had_own = is_dict or name in getattr(holder, "__dict__", {})
    if is_dict:
        holder[name] = wrapper(old)
    else:
        setattr(holder, name, wrapper(old))
    try:
        yield
    finally:
        if is_dict:
            holder[name] = old
        elif had_own:
            setattr(holder, name, old)
        else:
            try:
                delattr(holder, name)
            except AttributeError:
                pass


def run_attempt(plan: dict, obj, call, user_ns: dict, backend) -> Attempt:
    """Build, hook, run and compare once with ``backend``."""
    att = Attempt()
    names = {**plan.get("constants", {}), **backend.names}  # --sizes no wire shows reach the constructor too
    for name, expr in (plan.get("derived") or {}).items():  # and let sizes: hidden_size=d with let d = h e
        if name not in names:
            try:
                names[name] = to_dim(expr, backend.value)
            except (KeyError, ValueError):
                pass
    with backend.mode():
        try:
            model = _build(obj, call, names, user_ns, backend)
        except Exception as exc:
            att.construct_error = exc
            return att
        # boxes sharing a binding share one hook; its calls go to those boxes in turn (repeats cycle)
        sharing: dict[str, list[int]] = {}
        for box in plan["boxes"]:
            sharing.setdefault(box["binding"], []).append(box["op"])
        calls: dict[str, list] = {path: [] for path in sharing}
        has_bias: dict[str, bool] = {}  # binding -> whether its module has a bias (Linear, Conv*)
        modules: dict[str, object] = {}  # binding -> the bound nn.Module (its settings are compared too)
        with contextlib.ExitStack() as stack:
            for path, ops in sharing.items():
                base, element = split_binding(path)
                try:
                    target = resolve_binding(model, base, user_ns, taken=sharing)
                except BindingError as err:
                    att.binding_error = (ops[0], err)
                    return att
                if target[0] == "module":
                    bias = _bias_of(target[1])
                    if bias is not None:
                        has_bias[path] = bias
                    modules[path] = target[1]
                stack.enter_context(_hook(target, ops, calls[path], att, element))
            stack.enter_context(share_repeats(modules, backend))  # GPT-2's 12 layers: proved once
            inputs = [_positions(backend.tensor([to_dim(d, backend.value) for d in seg["dims"]]), seg)
                      for seg in plan["inputs"]]
            try:
                with backend.running():
                    result = call_forward(model, plan.get("forward"), inputs, [s["name"] for s in plan["inputs"]],
                                          names, user_ns)
            except Exception as exc:
                att.exception = exc
        # compare (also after an exception: a box that already disagreed explains it)
        expected_of = _sizes_of(backend)
        records: dict[int, list] = {b["op"]: [] for b in plan["boxes"]}
        for path, ops in sharing.items():
            for i, call in enumerate(calls[path]):
                records[ops[i % len(ops)]].append(call)
        for box in plan["boxes"]:
            verdict = _box_verdict(box, records[box["op"]], expected_of, backend, stopped=att.exception is not None)
            if verdict["status"] != "mismatch" and box["binding"] in modules:
                verdict = compare_settings(box, modules[box["binding"]], expected_of, backend) or verdict
            if verdict["status"] != "mismatch" and box["binding"] in has_bias:
                verdict = _bias_verdict(box, has_bias[box["binding"]]) or verdict
            att.boxes.append(verdict)
        if att.exception is None:
            got = _flatten(result, [])
            att.diagram = _compare_segments("output", plan["outputs"], got, expected_of, backend)
    return att


def _build(obj, call, names: dict, user_ns: dict, backend):
    """Construct the model; again without shared tensors if its constructor changed one in place."""
    with backend.building() as sharing:
        model = construct(obj, call, names, user_ns)
    if sharing is not None and sharing.spoiled():
        with backend.building(share=False):
            model = construct(obj, call, names, user_ns)
    return model


def _sizes_of(backend):
    """A wire's sizes as the backend's values, each size expression converted once per run."""
    known: dict[str, object] = {}

    def expected_of(seg):
        out = []
        for d in seg["dims"]:
            if d not in known:
                known[d] = to_dim(d, backend.value)
            out.append(known[d])
        return out

    return expected_of


def _positions(tensor, seg: dict):
    """An input a gather or scatter reads positions from: integers, all 0 (a valid position at any size)."""
    return tensor.zero_().long() if seg.get("positions") else tensor


def split_binding(path: str) -> tuple[str, int | None]:
    """``attn:0`` -> ``("attn", 0)``: the box is element 0 of what ``attn`` returns; ``fc1`` -> ``("fc1", None)``."""
    base, colon, element = path.rpartition(":")
    if colon and element.lstrip("-").isdigit():
        return base, int(element)
    return path, None


def _element(out, element: int | None):
    """The returned value a box stands for: all of it, or one element of the tuple it returns."""
    if element is None or not isinstance(out, (tuple, list)):
        return out
    return out[element] if -len(out) <= element < len(out) else ()


@contextlib.contextmanager
def _hook(target, ops, record, att, element=None):
    def on_call(args, out):
        record.append((_flatten(args, []), _flatten(_element(out, element), [])))

    def running():
        return ops[len(record) % len(ops)]

    if target[0] == "module":
        module = target[1]

        def pre(mod, args):
            att.current_op = running()

        def post(mod, args, out):
            on_call(args, out)
            att.current_op = None

        h1 = module.register_forward_pre_hook(pre)
        h2 = module.register_forward_hook(post)
        try:
            yield
        finally:
            h1.remove()
            h2.remove()
        return

    def wrapper(fn):
        def recorded(*args, **kwargs):
            att.current_op = running()
            out = fn(*args, **kwargs)
            att.current_op = None
            on_call(args, out)
            return out

        return recorded

    holder, name = target[1], target[2]
    with _patched(holder, name, wrapper):
        yield


def _box_verdict(box: dict, calls: list, expected_of, backend, stopped: bool = False) -> dict:
    out = {"op": box["op"], "expected": _sig(box), "got": "", "detail": ""}
    if not calls:
        text = msg.CHECK_NOT_REACHED if stopped else msg.CHECK_NOT_CALLED
        return {**out, "status": "not_checked", "detail": text.format(binding=box["binding"])}
    groups_seen: list[str] = []
    for args, result in calls:
        for label, segs, tensors in (("input", box["inputs"], args), ("output", box["outputs"], result)):
            if label == "input" and len(tensors) != len(segs):
                continue  # a module may take its inputs differently (keywords, packed); outputs decide
            verdict = _compare_segments(label, segs, tensors, expected_of, backend)
            if verdict["status"] == "mismatch":
                return {**out, "status": "mismatch", "got": verdict["got"], "detail": verdict["detail"],
                        "learn": verdict.get("learn", {}),
                        "expected": verdict["expected"]}
            groups_seen.extend(g for g in verdict.get("groups", []) if g not in groups_seen)
    details = []
    if len(calls) > 1:
        details.append(msg.CHECK_CALLED_TIMES.format(count=len(calls)))
    bound = [g for g in groups_seen if " as (" in g]
    if bound:
        details.append(msg.CHECK_BOUND_AXES.format(groups=", ".join(bound)))
    details.extend(g for g in groups_seen if g not in bound)
    got = " , ".join(backend.show_shape(t.shape) for t in calls[0][1])
    return {**out, "status": "ok", "got": got, "detail": "; ".join(details)}


def _bias_of(module) -> bool | None:
    """Whether a module has a bias: ``nn.Linear``, ``nn.Conv*`` and anything else whose ``bias``
    attribute is a tensor (present) or None (absent, ``bias=False``); None when it has no such attribute."""
    if "bias" not in getattr(module, "_parameters", {}) and not hasattr(module, "bias"):
        return None
    bias = getattr(module, "bias", False)
    if bias is None:
        return False
    if isinstance(bias, torch.Tensor):
        return True
    return None


def _bias_verdict(box: dict, code_bias: bool) -> dict | None:
    """A mismatch when the box's ``+`` (bias drawn or not) disagrees with the bound module; else None."""
    drawn = box.get("bias")
    if drawn is None or bool(drawn) == code_bias:
        return None
    name = box.get("name") or box["label"]
    text = msg.CHECK_BIAS_MISSING if drawn else msg.CHECK_BIAS_EXTRA
    return {"op": box["op"], "status": "mismatch",
            "expected": msg.CHECK_BIAS_EXPECTED if drawn else msg.CHECK_BIAS_NONE,
            "got": msg.CHECK_BIAS_EXPECTED if code_bias else msg.CHECK_BIAS_NONE,
            "detail": text.format(box=name, binding=box["binding"]), "bias": True}


def _sig(box: dict) -> str:
    left = ", ".join(" ".join(s["labels"]) or "1" for s in box["inputs"])
    right = ", ".join(" ".join(s["labels"]) or "1" for s in box["outputs"])
    return f"{left} -> {right}"


def _compare_segments(where: str, segs: list, tensors: list, expected_of, backend) -> dict:
    expected_text = ", ".join(" ".join(s["labels"]) or "1" for s in segs)
    got_text = ", ".join(backend.show_shape(t.shape) for t in tensors) or "no tensor"
    if len(tensors) != len(segs):
        return {"status": "mismatch", "expected": expected_text, "got": got_text,
                "detail": msg.CHECK_MISMATCH_COUNT.format(where=where, expected=len(segs), got=len(tensors))}
    groups = []
    for i, (seg, t) in enumerate(zip(segs, tensors)):
        exp = expected_of(seg)
        got = list(t.shape)
        match = _match(exp, got, backend)
        if match is None and any(_is_one(g) for g in got):
            # nn.AdaptiveAvgPool2d(1) keeps 1 × 1 where the diagram's pooling removes the axis
            squeezed = [g for g in got if not _is_one(g)]
            match = _match(exp, squeezed, backend)
            if match is not None:
                groups.append(msg.CHECK_SIZE_ONE_KEPT.format(count=len(got) - len(squeezed)))
                match = [m for m in match if m[1] - m[0] <= 1]
        if match is None:
            wire, e_txt, g_txt = _first_difference(seg, exp, got, backend)
            place = f"{where} {i + 1}" if len(segs) > 1 else where
            return {"status": "mismatch", "expected": " ".join(seg["labels"]) or "1", "got": backend.show_shape(got),
                    "detail": msg.CHECK_MISMATCH_WIRE.format(where=place, wire=wire, expected=e_txt, got=g_txt),
                    "learn": _learnable(seg, got)}
        for start, stop, j in match:
            if stop - start > 1:
                labels = seg["labels"][start:stop]
                groups.append(" ".join(labels) + " as (" + "·".join(labels) + ")")
    return {"status": "ok", "expected": expected_text, "got": got_text, "detail": "", "groups": groups}


def _match(exp: list, got: list, backend):
    """Split ``exp`` into consecutive groups whose products are ``got``; None if impossible.

    First provably; failing that, equal at the sample sizes with the equalities
    recorded as assumptions (``k·h = 64`` when the code fixed a width).
    """
    found = _match_with(exp, got, backend, False)
    if found is None:
        found = _match_with(exp, got, backend, True)
    return found


def _match_with(exp: list, got: list, backend, assume: bool):
    if len(exp) == len(got) and all(backend.equal(g, e, assume) for g, e in zip(got, exp)):
        return [(i, i + 1, i) for i in range(len(exp))]
    if len(got) > len(exp):
        return None

    memo: dict = {}

    def go(i, j):
        if (i, j) in memo:
            return memo[(i, j)]
        if j == len(got):
            res = [] if i == len(exp) else None
            memo[(i, j)] = res
            return res
        res = None
        prod = 1
        for r in range(i, len(exp) - (len(got) - j - 1)):
            prod = prod * exp[r]
            if backend.equal(got[j], prod, assume):
                rest = go(r + 1, j + 1)
                if rest is not None:
                    res = [(i, r + 1, j)] + rest
                    break
        memo[(i, j)] = res
        return res

    return go(0, 0)


def _is_one(d) -> bool:
    return isinstance(d, int) and d == 1


def _learnable(seg, got) -> dict:
    """Sizes the code fixed: a wire the diagram sizes by a bare name where the code has a number."""
    out = {}
    for name, g in zip(seg["dims"], got):
        if name.isidentifier() and isinstance(g, int) and g > 0:
            out[name] = g
    return out


def _first_difference(seg, exp, got, backend):
    for k, e in enumerate(exp):
        if k >= len(got):
            return seg["labels"][k], seg["labels"][k], "nothing"
        if not backend.equal(got[k], e):
            shown = backend.show(e)
            e_txt = seg["labels"][k] if shown == seg["labels"][k] else f"{seg['labels'][k]} = {shown}"
            return seg["labels"][k], e_txt, backend.show(got[k])
    return "(extra)", "no more axes", backend.show(got[len(exp)])
