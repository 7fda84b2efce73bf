"""Draft (stage: exported graph -> steps): grouping ATen nodes by the module that ran them.

``torch.export`` inlines every submodule; each node keeps the stack of modules
it ran in (``nn_module_stack``) and the Python stack it came from.  A *step*
is either one ATen node, or every consecutive node of one module call that the
draft shows as one box: a module the language has a construct for (``Linear``,
``Conv2d``, ``LayerNorm``, an activation...), a parameter-free element-wise
module (an activation written as a formula), or any module deeper than
``--depth``.  Each step knows its inputs and outputs (graph nodes), its
enclosing module paths (for fences) and the source line that called it.
No torch import: the graph's nodes are read through their attributes.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

__all__ = ["Step", "steps_of", "LEAF_CLASSES", "ELEMENTWISE_OPS", "IDENTITY_OPS"]

LEAF_CLASSES = {
    "Linear", "Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d",
    "LayerNorm", "BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "Dropout", "Dropout1d", "Dropout2d",
    "ReLU", "GELU", "Tanh", "Sigmoid", "SiLU", "Softplus", "Softmax", "Flatten", "Identity",
    "MaxPool1d", "MaxPool2d", "MaxPool3d", "AvgPool1d", "AvgPool2d", "AvgPool3d",
    "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d", "Conv1D",
}
ELEMENTWISE_OPS = {
    "relu", "gelu", "sigmoid", "tanh", "exp", "log", "silu", "softplus", "sqrt", "abs", "neg", "dropout",
    "square", "rsqrt", "erf", "sin", "cos", "mish", "elu", "leaky_relu", "hardtanh", "hardswish",
    "hardsigmoid", "reciprocal", "pow", "mul", "add", "sub", "div", "rsub", "relu6", "log1p", "expm1",
}
IDENTITY_OPS = {
    "_assert_tensor_metadata", "to", "contiguous", "clone", "detach", "alias", "lift_fresh_copy",
    "_to_copy", "type_as", "_assert_scalar", "sym_constrain_range_for_size", "dropout_", "identity",
}


@dataclass
class Step:
    """One statement's worth of graph: a folded module call, or one ATen node."""

    kind: str  # "module" or "op"
    nodes: list
    path: str = ""  # the folded module's path ("" for an op)
    module: object = None
    inputs: list = field(default_factory=list)  # graph nodes read (user values only)
    outputs: list = field(default_factory=list)  # graph nodes used after the step
    parents: tuple = ()  # enclosing module paths, outermost first: (("attention", "MultiHeadAttention"), ...)
    source: tuple | None = None  # (file, line)

    @property
    def op(self) -> str:
        """The ATen op's name (``linear``, ``softmax``) for an op step."""
        return op_name(self.nodes[0])


def op_name(node) -> str:
    target = node.target
    name = getattr(target, "__name__", str(target))
    packet = getattr(target, "_overloadpacket", None)
    if packet is not None:
        name = getattr(packet, "__name__", name)
    return name.split(".")[0]


def _stack(node) -> list[tuple[str, str, str]]:
    """(key, path, class name) of every module the node ran in, outermost first, root left out."""
    out = []
    for key, (path, kind) in (node.meta.get("nn_module_stack") or {}).items():
        if not path:
            continue
        cls = kind if isinstance(kind, str) else getattr(kind, "__qualname__", str(kind))
        out.append((key, path, cls.split(".")[-1]))
    return out


_FRAME = re.compile(r'File "([^"]+)", line (\d+)')
_TORCH_DIR = None


def _torch_dir() -> str:
    global _TORCH_DIR
    if _TORCH_DIR is None:
        import importlib.util

        spec = importlib.util.find_spec("torch")
        _TORCH_DIR = os.path.dirname(spec.origin) + os.sep if spec and spec.origin else "\0"
    return _TORCH_DIR


def source_of(node, skip_file: str | None = None) -> tuple[str, int] | None:
    """The innermost frame of the node's Python stack outside torch (and outside ``skip_file``)."""
    trace = node.meta.get("stack_trace") or ""
    best = None
    for file, line in _FRAME.findall(trace):
        if file.startswith(_torch_dir()) or (skip_file and os.path.abspath(file) == skip_file):
            continue
        best = (file, int(line))
    return best


def _module_file(module) -> str | None:
    import inspect

    try:
        return os.path.abspath(inspect.getsourcefile(type(module)))
    except (TypeError, OSError):
        return None


def _is_elementwise_module(module, nodes, values) -> bool:
    """A parameter-free module made only of element-wise ops on one tensor (GELU written as a formula)."""
    if module is None or any(True for _ in module.parameters()):
        return False
    shapes = {tuple(n.meta["val"].shape) for n in nodes if hasattr(n.meta.get("val"), "shape")}
    return (len(shapes) == 1 and len(values) == 1
            and all(op_name(n) in ELEMENTWISE_OPS | IDENTITY_OPS for n in nodes))


def steps_of(program, model, depth: int | None = None) -> tuple[list[Step], list, list]:
    """Group the exported graph into steps; also returns the user input and output nodes."""
    graph = program.graph
    user = set(program.graph_signature.user_inputs)
    placeholders = [n for n in graph.nodes if n.op == "placeholder"]
    user_inputs = [n for n in placeholders if n.name in user]
    output_node = next(n for n in graph.nodes if n.op == "output")
    not_values = {n for n in placeholders if n.name not in user} | {n for n in graph.nodes if n.op == "get_attr"}

    def fold_key(node):
        for i, (key, path, cls) in enumerate(_stack(node)):
            deep = depth is not None and path.count(".") + 1 > depth
            if cls in LEAF_CLASSES or deep:
                return key, path, i
        return None

    calls = [n for n in graph.nodes if n.op == "call_function"]
    groups: list[tuple] = []  # (key or None, path, level, nodes)
    for node in calls:
        fk = fold_key(node)
        if fk is not None and groups and groups[-1][0] == fk[0]:
            groups[-1][3].append(node)
        else:
            groups.append((fk[0] if fk else None, fk[1] if fk else "", fk[2] if fk else None, [node]))
    # a parameter-free module of element-wise ops is one step too (NewGELUActivation)
    groups = _fold_elementwise(groups, model, not_values)

    steps = []
    for key, path, level, nodes in groups:
        members = set(nodes)
        inputs = []
        for n in nodes:
            for a in n.all_input_nodes:
                if a not in members and a not in not_values and a not in inputs:
                    inputs.append(a)
        outputs = [n for n in nodes if any(u not in members for u in n.users)]
        stack = _stack(nodes[0])
        if key is None:
            steps.append(Step("op", nodes, "", None, inputs, outputs or nodes[-1:],
                              tuple((p, c) for _, p, c in stack), source_of(nodes[0])))
            continue
        module = _submodule(model, path)
        parents = tuple((p, c) for _, p, c in stack[:level])
        steps.append(Step("module", nodes, path, module, inputs, outputs, parents,
                          source_of(nodes[0], _module_file(module))))
    outputs = [n for n in _flat(output_node.args[0])
               if hasattr(n, "meta") and hasattr(n.meta.get("val"), "shape")]
    return steps, user_inputs, outputs


def _flat(obj):
    if isinstance(obj, (tuple, list)):
        for o in obj:
            yield from _flat(o)
    elif isinstance(obj, dict):
        for o in obj.values():
            yield from _flat(o)
    elif obj is not None:
        yield obj


def _submodule(model, path: str):
    try:
        return model.get_submodule(path)
    except AttributeError:
        return None


def _fold_elementwise(groups, model, not_values):
    """Merge the op nodes of one parameter-free element-wise module call into one group."""
    out = []
    i = 0
    while i < len(groups):
        key, path, level, nodes = groups[i]
        stack = _stack(nodes[0])
        if key is not None or not stack:
            out.append(groups[i])
            i += 1
            continue
        mkey, mpath, _ = stack[-1]
        j = i
        run = []
        while j < len(groups) and groups[j][0] is None and _stack(groups[j][3][0])[-1:] == [stack[-1]]:
            run.extend(groups[j][3])
            j += 1
        module = _submodule(model, mpath)
        members = set(run)
        values = {a for n in run for a in n.all_input_nodes if a not in members and a not in not_values}
        if len(run) > 1 and _is_elementwise_module(module, run, values):
            out.append((mkey, mpath, len(stack) - 1, run))
            i = j
        else:
            out.append(groups[i])
            i += 1
    return out
