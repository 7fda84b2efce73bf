"""Draft (stage: steps -> statements): one statement per module call.

A module the language has a construct for becomes that construct, bound to
the submodule so the checker verifies the box on its own: ``Linear`` (and
Hugging Face's ``Conv1D``) ``L[path]``/``L+[path]``, convolutions
``conv[path] X over H W : c -> k kernel 3 stride 2 padding 1``, ``LayerNorm``
and ``BatchNorm`` ``norm[path] X over d``, pooling, activations, SoftMax,
``Flatten``.  A parameter-free element-wise module (an activation written as
a formula) is ``map Name[path] X``; any other folded module (deeper than
``--depth``, or a known class used in a way the construct cannot say) is a
generic box bound to it.  A mixin of :class:`~.translate.Translator`.
"""
from __future__ import annotations

import sympy

from .values import Ax, Val

__all__ = ["ModuleHandlers"]

_ACTIVATIONS = {"ReLU": "relu", "GELU": "gelu", "Tanh": "tanh", "Sigmoid": "sigmoid", "SiLU": "silu",
                "Softplus": "softplus"}


def _one(value):
    """A conv/pool parameter as one number, or None when it differs between spatial axes."""
    if isinstance(value, (tuple, list)):
        return int(value[0]) if len(set(value)) == 1 else None
    return int(value) if isinstance(value, int) else None


class ModuleHandlers:
    def module_step(self, step) -> None:
        module = step.module
        cls = type(module).__name__ if module is not None else ""
        out = step.outputs[0] if step.outputs else step.nodes[-1]
        tensor_inputs = [n for n in step.inputs if n in self.env]
        handler = getattr(self, f"mod_{cls}", None)
        if handler is None and cls in _ACTIVATIONS:
            handler = self.mod_activation
        if handler is None and cls.startswith(("Dropout",)):
            handler = self.mod_dropout
        if handler is not None and len(tensor_inputs) == 1 and len(step.outputs) <= 1:
            if handler(step, module, self.val(tensor_inputs[0]), out) is not False:
                return
        if self._elementwise_module(step, tensor_inputs):
            x = self.val(tensor_inputs[0])
            name = self.new_name(out, step.path.replace(".", "_"))
            label = cls[:-len("Activation")] if cls.endswith("Activation") and cls != "Activation" else cls
            self.emit(f"{name} = map {label}[{step.path}] {x.name}")
            self.bind(out, Val(name, list(x.axes)))
            return
        self.generic(cls or "module", tensor_inputs, step.outputs or [out], binding=step.path,
                     why=f"{step.path} ({cls})")

    def _elementwise_module(self, step, inputs) -> bool:
        from .graph import ELEMENTWISE_OPS, IDENTITY_OPS

        module = step.module
        if module is None or len(inputs) != 1 or len(step.outputs) != 1:
            return False
        if any(True for _ in module.parameters()):
            return False
        from .translate import concrete

        return (concrete(step.outputs[0]) == concrete(inputs[0])
                and all(self.op_of(n) in ELEMENTWISE_OPS | IDENTITY_OPS for n in step.nodes))

    # --- learned maps ---------------------------------------------------------------------

    def _learned(self, step, x: Val, out, fan_in: int, fan_out: int, bias: bool):
        merged = self.merges.pop(x.name, None)
        if merged is not None and len(step.inputs[0].users) == 1:
            # a merge of axes then L : (k h) -> m is L : k h -> m (the checker binds the axes)
            index, src, axes = merged
            if src.axes[len(src.axes) - len(axes):] == list(axes):
                self.stmts[index].text = ""
                name = self.new_name(out, step.path.replace(".", "_"))
                new = self.axis(fan_out, [axes[-1]])
                core = " ".join(a.label for a in axes)
                self.emit(f"{name} = L{'+' if bias else ''}[{step.path}] {src.name} : {core} -> {new.label}")
                self.learned[name] = (len(self.stmts) - 1, self.stmts[-1].text.rsplit("-> ", 1)[0] + "-> ")
                return self.bind(out, Val(name, src.axes[:len(src.axes) - len(axes)] + [new]))
        shown = x.shown
        if not shown or self.namer.value(shown[-1].size) != fan_in or x.axes[-1].hidden:
            return False
        core = x.axes[-1]
        new = self.axis(fan_out, [core])
        if new.hidden:
            return False
        name = self.new_name(out, step.path.replace(".", "_"))
        plus = "+" if bias else ""
        self.emit(f"{name} = L{plus}[{step.path}] {x.name} : {core.label} -> {new.label}")
        self.learned[name] = (len(self.stmts) - 1, self.stmts[-1].text.rsplit("-> ", 1)[0] + "-> ")
        self.bind(out, Val(name, x.axes[:-1] + [new]))

    def mod_Linear(self, step, m, x, out):
        return self._learned(step, x, out, m.in_features, m.out_features, m.bias is not None)

    def mod_Conv1D(self, step, m, x, out):  # Hugging Face's transposed linear (GPT-2)
        fan_in, fan_out = (int(s) for s in m.weight.shape)
        return self._learned(step, x, out, fan_in, fan_out, getattr(m, "bias", None) is not None)

    # --- convolutions and pooling ---------------------------------------------------------

    def _spatial(self, x: Val, n: int):
        axes = x.axes
        if len(axes) < n + 1 or any(a.hidden for a in axes[-n:]):
            return None
        return axes[-n:], len(axes) - n - 1

    def _conv(self, step, m, x, out, n: int, transposed: bool):
        found = self._spatial(x, n)
        k, s, p, d = (_one(m.kernel_size), _one(m.stride), _one(m.padding) if not isinstance(m.padding, str)
                      else None, _one(m.dilation))
        if found is None or None in (k, s, p, d) or (
                transposed and any(_one(m.output_padding) or 0 for _ in [0])):
            return False
        spatial, ch = found
        cin = x.axes[ch]
        if cin.hidden or self.namer.value(cin.size) != m.in_channels:
            return False
        cout = self.axis(m.out_channels, [cin])
        if cout.hidden:
            cout = Ax("1", sympy.Integer(1))
        sizes = []
        for a in spatial:
            if transposed:
                size = a.size * s + d * (k - 1) - 2 * p + 1 - s
            else:
                size = sympy.floor((a.size + 2 * p - d * (k - 1) - 1 + s) / s)
            sizes.append(a if sympy.simplify(size - a.size) == 0 else Ax(_label(size), size))
        name = self.new_name(out, step.path.replace(".", "_"))
        op = "convT" if transposed else "conv"
        plus = "+" if m.bias is not None else ""
        clauses = f"kernel {k}" + (f" stride {s}" if s != 1 else "") + (f" padding {p}" if p else "") + \
            (f" dilation {d}" if d != 1 else "") + _groups(m, cin)
        over = self.over(x, spatial)
        self.emit(f"{name} = {op}{plus}[{step.path}] {x.name} over {over} : {cin.label} -> {cout.label} {clauses}")
        self.bind(out, Val(name, x.axes[:ch] + [cout] + sizes))

    def mod_Conv1d(self, step, m, x, out):
        return self._conv(step, m, x, out, 1, False)

    def mod_Conv2d(self, step, m, x, out):
        return self._conv(step, m, x, out, 2, False)

    def mod_Conv3d(self, step, m, x, out):
        return self._conv(step, m, x, out, 3, False)

    def mod_ConvTranspose1d(self, step, m, x, out):
        return self._conv(step, m, x, out, 1, True)

    def mod_ConvTranspose2d(self, step, m, x, out):
        return self._conv(step, m, x, out, 2, True)

    def mod_ConvTranspose3d(self, step, m, x, out):
        return self._conv(step, m, x, out, 3, True)

    def _pool(self, step, m, x, out, n: int, word: str):
        found = self._spatial(x, n)
        k = _one(m.kernel_size)
        s = _one(m.stride) if m.stride is not None else k
        p = _one(m.padding)
        d = _one(getattr(m, "dilation", 1))
        if found is None or None in (k, s, p, d) or getattr(m, "ceil_mode", False):
            return False
        spatial, _ = found
        sizes = []
        for a in spatial:
            size = sympy.floor((a.size + 2 * p - d * (k - 1) - 1 + s) / s)
            sizes.append(a if sympy.simplify(size - a.size) == 0 else Ax(_label(size), size))
        name = self.new_name(out, step.path.replace(".", "_"))
        clauses = f"kernel {k}" + (f" stride {s}" if s != k else "") + (f" padding {p}" if p else "") + \
            (f" dilation {d}" if d != 1 else "")
        over = self.over(x, spatial)
        self.emit(f"{name} = {word}[{step.path}] {x.name} over {over} {clauses}")
        self.bind(out, Val(name, x.axes[:-n] + sizes))

    def mod_MaxPool1d(self, step, m, x, out):
        return self._pool(step, m, x, out, 1, "maxpool")

    def mod_MaxPool2d(self, step, m, x, out):
        return self._pool(step, m, x, out, 2, "maxpool")

    def mod_AvgPool1d(self, step, m, x, out):
        return self._pool(step, m, x, out, 1, "avgpool")

    def mod_AvgPool2d(self, step, m, x, out):
        return self._pool(step, m, x, out, 2, "avgpool")

    def _global_pool(self, step, m, x, out, n: int):
        size = m.output_size
        if (size if isinstance(size, int) else (set(size) if size else {None})) not in (1, {1}):
            return False
        found = self._spatial(x, n)
        if found is None:
            return False
        spatial, _ = found
        name = self.new_name(out, step.path.replace(".", "_"))
        self.emit(f"{name} = avgpool[{step.path}] {x.name} over {self.over(x, spatial)}")
        ones = [Ax("1", sympy.Integer(1), hidden=True) for _ in spatial]
        self.bind(out, Val(name, x.axes[:-n] + ones))

    def mod_AdaptiveAvgPool1d(self, step, m, x, out):
        return self._global_pool(step, m, x, out, 1)

    def mod_AdaptiveAvgPool2d(self, step, m, x, out):
        return self._global_pool(step, m, x, out, 2)

    # --- normalisation, activations, shape-only modules ------------------------------------

    def _norm(self, step, x, out, index: int):
        if not -len(x.axes) <= index < len(x.axes) or x.axes[index].hidden:
            return False
        name = self.new_name(out, step.path.replace(".", "_"))
        self.emit(f"{name} = norm[{step.path}] {x.name} over {x.axes[index].label}")
        self.bind(out, Val(name, list(x.axes)))

    def mod_LayerNorm(self, step, m, x, out):
        if len(m.normalized_shape) != 1:
            return False
        return self._norm(step, x, out, -1)

    def _batch_norm(self, step, m, x, out, n: int):
        index = len(x.axes) - n - 1
        if index < 0 or self.namer.value(x.axes[index].size) != m.num_features:
            return False
        return self._norm(step, x, out, index)

    def mod_BatchNorm1d(self, step, m, x, out):
        return self._batch_norm(step, m, x, out, 1 if len(x.axes) == 3 else 0)

    def mod_BatchNorm2d(self, step, m, x, out):
        return self._batch_norm(step, m, x, out, 2)

    def mod_BatchNorm3d(self, step, m, x, out):
        return self._batch_norm(step, m, x, out, 3)

    def mod_activation(self, step, m, x, out):
        name = self.new_name(out, step.path.replace(".", "_"))
        self.emit(f"{name} = {_ACTIVATIONS[type(m).__name__]} {x.name}")
        self.bind(out, Val(name, list(x.axes)))

    def mod_dropout(self, step, m, x, out):
        name = self.new_name(out, step.path.replace(".", "_"))
        self.emit(f"{name} = dropout {x.name}")
        self.bind(out, Val(name, list(x.axes)))

    def mod_Softmax(self, step, m, x, out):
        dim = m.dim if m.dim is not None else -1
        if not -len(x.axes) <= dim < len(x.axes) or x.axes[dim].hidden:
            return False
        name = self.new_name(out, step.path.replace(".", "_"))
        self.emit(f"{name} = softmax {x.name} over {x.axes[dim].label}")
        self.bind(out, Val(name, list(x.axes)))

    def mod_Identity(self, step, m, x, out):
        self.bind(out, x)

    def mod_Flatten(self, step, m, x, out):
        from .translate import concrete

        v = self.bind(out, self.view_to(out, x, concrete(out), step.path.replace(".", "_")))
        self.merges.pop(v.name, None)  # an nn.Flatten is a layer of its own: keep its view


def _label(size) -> str:
    from .values import label_for

    return label_for(size)


def _groups(m, cin: Ax) -> str:
    """`` groups 4``, or `` groups c`` for a depthwise convolution (one group per input channel); none for 1."""
    if m.groups == 1:
        return ""
    return f" groups {cin.label if m.groups == m.in_channels else m.groups}"
