"""Check (stage: Diagram + PyTorch code -> ValueReport): the value check, inside the worker.

Builds the reference module generated from the diagram and the user's model at
the same small sizes, gives every learned box seeded random float64 weights and
writes them into the user's module through the box's binding (then reads them
back: two bindings that are one module object keep only the last write), runs
both on the same seeded random inputs, and compares every bound box's inputs
and outputs in the diagram's order, then the diagram's outputs.  Variants of the
reference (a softmax over another axis, a group flattened in another order)
are run to explain a difference.  Torch is imported here only.
"""
from __future__ import annotations

import contextlib
import math

import torch

from .codeload import BindingError, construct, load, resolve_binding
from .engine import to_dim
from .values_compare import compare_runs, where_differs

__all__ = ["handle_values"]


class _Calls:
    """Records (inputs, outputs) of every call of the bound boxes, per binding."""

    def __init__(self):
        self.by_path: dict[str, list] = {}

    def add(self, path, args, out):
        self.by_path.setdefault(path, []).append((_tensors(args), _tensors(out)))


def _tensors(obj) -> list:
    if isinstance(obj, torch.Tensor):
        return [obj.detach().clone()]
    if isinstance(obj, (list, tuple)):
        return [t for o in obj for t in _tensors(o)]
    if isinstance(obj, dict):
        return [t for o in obj.values() for t in _tensors(o)]
    return []


@contextlib.contextmanager
def _hooked(targets: dict, calls: _Calls):
    """Forward hooks on modules, wrappers on plain functions (restored after)."""
    undo = []
    try:
        for path, target in targets.items():
            if target[0] == "module":
                undo.append(target[1].register_forward_hook(
                    lambda mod, args, out, p=path: calls.add(p, args, out)).remove)
            else:
                holder, name = target[1], target[2]
                is_dict = isinstance(holder, dict)
                old = holder[name] if is_dict else getattr(holder, name)

                def wrapped(*args, _old=old, _p=path, **kw):
                    out = _old(*args, **kw)
                    calls.add(_p, args, out)
                    return out
                if is_dict:
                    holder[name] = wrapped
                    undo.append(lambda h=holder, n=name, o=old: h.__setitem__(n, o))
                else:
                    had = name in getattr(holder, "__dict__", {})
                    setattr(holder, name, wrapped)
                    undo.append(lambda h=holder, n=name, o=old, had=had: setattr(h, n, o) if had else delattr(h, n))
        yield
    finally:
        for u in reversed(undo):
            u()


def _callable_of(target):
    if target[0] == "module":
        return target[1]
    holder, name = target[1], target[2]
    return holder[name] if isinstance(holder, dict) else getattr(holder, name)


def _build_reference(ref: dict, sizes: dict, functions: dict, source: str | None = None):
    ns: dict = {"__name__": "ncd_reference"}
    exec(compile(source or ref["source"], "<reference>", "exec"), ns)
    cls = ns[ref["class_name"]]
    kwargs = dict(sizes)
    if ref["functions"]:
        kwargs["functions"] = functions
    return cls(**kwargs).double().eval()


def _unmatched(name: str):
    def call(*args, **kwargs):
        raise RuntimeError(f"the box '{name}' was not matched to a callable of the code")
    return call


def _attach_in_blocks(reference, ref: dict, user_targets: dict) -> None:
    """A box bound inside a block (``norm[norm1]`` in ``EncoderLayer(...)[encoder.layers.\\lambda]``) takes its
    meaning from the code's own callable at each use's path (``encoder.layers.0.norm1``): every use of the
    block gets its own (a LayerNorm per layer, with that layer's weights).  A callable the generated module keeps
    per iteration of a repetition (``norm[units.\\iter.main.0.0]``) is the code's own at that iteration's path."""
    for _name, rel in ref["functions"]:
        if rel in user_targets:
            continue
        for path, target in user_targets.items():
            if not path.endswith("." + rel):
                continue
            owner, _, attr = path.rpartition(".")
            try:
                holder = reference.get_submodule(owner)
            except AttributeError:
                continue
            if hasattr(holder, attr):
                setattr(holder, attr, _callable_of(target))
    for path, module in list(reference.named_modules()):  # each iteration's own (units.\iter.main.0.0)
        if path in user_targets and type(module).__name__ == "Call" and type(module).__module__ == "ncd_reference":
            vars(module)["function"] = _callable_of(user_targets[path])  # not registered: the code's module stays the code's


def _random_weights(model, paths: list[str], seed: int) -> dict[str, dict]:
    """Seeded weights for every learned submodule of the reference, scaled so values stay near 1."""
    written = {}
    for i, path in enumerate(paths):
        module = model.get_submodule(path)
        gen = torch.Generator().manual_seed(seed * 7919 + i)
        params = {}
        for name, p in module.named_parameters(recurse=False):
            fan_in = max(1, p[0].numel()) if p.dim() > 1 else 1
            value = torch.randn(p.shape, generator=gen, dtype=torch.float64) / math.sqrt(fan_in)
            with torch.no_grad():
                p.copy_(value)
            params[name] = value
        written[path] = params
    return written


def _write_user_weights(model, user_ns, written: dict) -> tuple[list, list]:
    """Copy the reference's weights into the user's modules; (problems, shared pairs)."""
    problems, targets = [], {}
    for path, params in written.items():
        try:
            target = resolve_binding(model, path, user_ns)
        except BindingError as err:
            problems.append((path, err.message))
            continue
        if target[0] != "module":
            problems.append((path, f"'{path}' is not a module, so its weights cannot be set"))
            continue
        targets[path] = target[1]
        for name, value in params.items():
            p = getattr(target[1], name, None)
            if not isinstance(p, torch.Tensor) or p.numel() != value.numel():
                got = "none" if not isinstance(p, torch.Tensor) else " x ".join(map(str, p.shape))
                problems.append((path, f"'{path}.{name}' has shape {got}, the diagram's box needs "
                                       f"{' x '.join(map(str, value.shape))}"))
                continue
            with torch.no_grad():
                p.copy_(value.reshape(p.shape))
    shared = []
    for path, module in targets.items():
        for other, module2 in targets.items():
            if other != path and module is module2 and (other, path) not in shared:
                shared.append((path, other))
    return problems, shared


def _run(model, inputs, targets, calls):
    with _hooked(targets, calls), torch.no_grad():
        return _tensors(model(*inputs))


def handle_values(req: dict) -> dict:
    """One value check: ``{"status": "agree" | "differ" | "error", ...}``."""
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        return _handle(req)
    except Exception as exc:  # the user's code raised: located at their line
        from .verdict import code_error as _error

        return {"status": "error", "error": _error(exc, set(req.get("files", ())) | _FILES)}
    finally:
        torch.set_default_dtype(old)


_FILES: set = set()


def _handle(req: dict) -> dict:
    import sys

    for p in reversed(req.get("path", [])):
        if p not in sys.path:
            sys.path.insert(0, p)
    for p in req.get("sys_path", []):
        if p not in sys.path:
            sys.path.append(p)
    plan, ref, seed = req["plan"], req["reference"], int(req.get("seed", 0))
    hints = {k: int(v) for k, v in plan["hints"].items()}
    display = plan.get("display") or {}
    obj, user_ns, files = load(req["code"], req.get("filename"), req.get("namespace"))
    _FILES.clear()
    _FILES.update(files)
    model = construct(obj, req["code"].get("call"), {display.get(n, n): v for n, v in hints.items()}, user_ns)
    if isinstance(model, torch.nn.Module):
        model = model.double().eval()
    boxes = plan["boxes"]
    user_targets = {}
    for box in boxes:
        if box["binding"] not in user_targets:
            try:
                user_targets[box["binding"]] = resolve_binding(model, box["binding"], user_ns)
            except BindingError as err:
                return {"status": "error", "error": {"message": err.message, "hint": err.hint, "op": box["op"],
                                                     "kind": "binding"}}
    extra = _extra_iterations(model, boxes, user_ns)
    if extra is not None:
        return {"status": "error", "error": extra}
    functions = {name: (_callable_of(user_targets[path]) if path in user_targets else _unmatched(name))
                 for name, path in ref["functions"]}
    reference = _build_reference(ref, ref["sizes"], functions)
    _attach_in_blocks(reference, ref, user_targets)
    written = _random_weights(reference, [p for p, _ in ref["modules"]], seed)
    problems, shared = _write_user_weights(model, user_ns, written)
    if problems:
        path, text = problems[0]
        op = next((b["op"] for b in boxes if b["binding"] == path), None)
        return {"status": "error", "error": {"message": text, "hint": None, "op": op, "kind": "weights"}}
    gen = torch.Generator().manual_seed(seed)
    inputs = [torch.randn([int(to_dim(d, hints.__getitem__)) for d in seg["dims"]], generator=gen,
                          dtype=torch.float64) for seg in plan["inputs"]]
    user_calls = _Calls()
    user_out = _run(model, inputs, user_targets, user_calls)
    ref_calls = _Calls()
    ref_targets = _reference_targets(reference, ref, user_targets)
    ref_out = _run(reference, inputs, ref_targets, ref_calls)
    result = compare_runs(plan, hints, user_calls.by_path, ref_calls.by_path, user_out, ref_out)
    result["shared"] = [list(p) for p in shared]
    result["sizes"] = {display.get(k, k): v for k, v in hints.items()}
    if result["status"] == "differ":
        result["explained"] = _explain(req, ref, reference, functions, inputs, user_calls, user_out, hints,
                                       user_targets)
        if result["first"]:
            result["first"]["axis"] = where_differs(result.pop("_first_pair", None), result["first"], hints)
    result.pop("_first_pair", None)
    return result


def _extra_iterations(model, boxes, user_ns) -> dict | None:
    """A repetition's iterations bound into a list of the code's (``layer1.\\iter.conv1``): a module of that
    list after the last iteration that no box reaches means the code runs more iterations than the diagram
    draws (the paper's ``[unit] * N`` after the first unit: N+1 units).  The error names the last bound one."""
    from .. import messages as msg

    runs: dict[str, list] = {}
    for box in boxes:
        if box.get("iteration"):
            container, index = box["iteration"]
            runs.setdefault(container, []).append((index, box["op"]))
    bound = [b["binding"] for b in boxes]
    for container, items in runs.items():
        try:
            target = resolve_binding(model, container, user_ns) if container else ("module", model)
        except BindingError:
            continue
        if target[0] != "module" or not isinstance(target[1], (torch.nn.ModuleList, torch.nn.Sequential)):
            continue
        last, op = max(items)
        where = f"{container}." if container else ""
        extra = [n for n, _ in target[1].named_children() if n.isdigit() and int(n) > last
                 and not any(p == where + n or p.startswith(where + n + ".") for p in bound)]
        if extra:
            return {"message": msg.VALUES_EXTRA_ITERATION.format(extra=where + extra[0], count=len(extra),
                                                                 last=where + str(last)),
                    "hint": None, "op": op, "kind": "binding"}
    return None


def _reference_targets(reference, ref, user_targets) -> dict:
    """The reference's bound boxes: its learned submodules, and the user's callables it calls."""
    out = {}
    for path, _ in ref["modules"]:
        out[path] = ("module", reference.get_submodule(path))
    for name, path in ref["functions"]:
        if path in user_targets:  # the generated module keeps it as the attribute its binding names
            try:
                out[path] = resolve_binding(reference, path, {})
            except BindingError:
                out[path] = ("global", reference.functions, name)
    for path in user_targets:  # a block used as one box: its own generated submodule
        if path not in out:
            try:
                target = resolve_binding(reference, path, {})
            except BindingError:
                continue
            if target[0] == "module":
                out[path] = target
    return out


def _explain(req, ref, reference, functions, inputs, user_calls, user_out, hints, user_targets):
    """The first variant of the reference whose every value matches the code: what the code does."""
    state = reference.state_dict()
    plan = req["plan"]
    for variant in req.get("variants", ()):
        try:
            other = _build_reference(ref, ref["sizes"], functions, variant["source"])
            _attach_in_blocks(other, ref, user_targets)
            other.load_state_dict(state)
            calls = _Calls()
            out = _run(other, inputs, _reference_targets(other, ref, user_targets), calls)
        except Exception:  # a variant that cannot run explains nothing
            continue
        verdict = compare_runs(plan, hints, user_calls.by_path, calls.by_path, user_out, out)
        if verdict["status"] == "agree":
            return {"op": variant["op"], "text": variant["text"]}
    return None
