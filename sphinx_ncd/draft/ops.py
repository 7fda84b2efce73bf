"""Draft (stage: steps -> statements): one statement per ATen op outside a folded module.

Element-wise functions (``relu``, ``gelu``, ``tanh``...), scaling by a
number the atoms explain (``scale S by 1/sqrt(k)``), residual additions of
equal shapes (``add``), SoftMax and layer norm over an axis, views (merging
and splitting axes), transposes (deferred, so that an einsum or a matmul
reads them without a box of their own), einsum, matmul, concatenation,
indexing.  Anything else is a generic box over whole shapes, listed in the
draft's header.  A mixin of :class:`~.translate.Translator`.
"""
from __future__ import annotations

import string

from .values import Val

__all__ = ["OpHandlers"]

_KEYWORD_UNARY = {"relu", "gelu", "sigmoid", "tanh", "exp", "log", "silu", "softplus", "sqrt", "abs", "neg",
                  "dropout", "square"}
_MAP_UNARY = {"rsqrt", "erf", "sin", "cos", "mish", "elu", "leaky_relu", "hardtanh", "hardswish", "hardsigmoid",
              "reciprocal", "relu6", "log1p", "expm1", "sign", "floor", "ceil", "round", "logical_not"}
_VIEWS = {"view", "reshape", "_unsafe_view", "flatten", "unflatten", "squeeze", "unsqueeze"}
_PERMUTES = {"permute", "transpose", "t", "swapaxes", "movedim"}


def _tensors(node):
    return [a for a in node.all_input_nodes]


class OpHandlers:
    def op_step(self, step) -> None:
        from .graph import IDENTITY_OPS
        from .translate import concrete

        node = step.nodes[0]
        op = step.op
        ins = [n for n in _tensors(node) if n in self.env]
        if op == "getitem":
            parts = self.env.get(node.args[0])
            if isinstance(parts, (tuple, list)):
                self.bind(node, parts[node.args[1]])
            return
        if op in IDENTITY_OPS and ins:
            self.env[node] = self.env[ins[0]]
            return
        if concrete(node) is None and op not in ("split", "split_with_sizes", "chunk", "unbind"):
            return  # a size computation or an assertion: nothing to draw
        if not ins and self._constant(node):
            return  # a tensor made from no input (a mask): drawn where it is used
        handler = getattr(self, f"aten_{op}", None)
        if handler is None and op in _KEYWORD_UNARY | _MAP_UNARY and len(ins) == 1:
            handler = self.aten_unary
        if handler is None and op in _VIEWS and len(ins) == 1:
            handler = self.aten_view
        if handler is None and op in _PERMUTES and len(ins) == 1:
            handler = self.aten_permute
        if handler is not None and handler(node, ins) is not False:
            return
        self.generic(op, ins, self._outputs(node), why=op)

    def _outputs(self, node):
        users = [u for u in node.users if getattr(u.target, "__name__", "") == "getitem"]
        return sorted(users, key=lambda u: u.args[1]) if users else [node]

    # --- element-wise --------------------------------------------------------------------

    def aten_unary(self, node, ins):
        x = self.val(ins[0])
        op = self.op_of(node)
        name = self.new_name(node)
        word = op if op in _KEYWORD_UNARY else f"map {op}"
        self.emit(f"{name} = {word} {x.name}")
        self.bind(node, Val(name, list(x.axes)))

    def aten_pow(self, node, ins):
        if len(ins) != 1:
            return False
        x = self.val(ins[0])
        name = self.new_name(node)
        exp = node.args[1]
        word = "square" if exp == 2 else ("sqrt" if exp == 0.5 else "map pow")
        self.emit(f"{name} = {word} {x.name}", comment="" if exp in (2, 0.5) else f"to the power {exp}")
        self.bind(node, Val(name, list(x.axes)))

    def _scalar(self, node):
        nums = [a for a in node.args if isinstance(a, (int, float)) and not isinstance(a, bool)]
        return nums[0] if nums else None

    def _binary(self, node, ins, word: str):
        from .translate import concrete

        if len(ins) == 1:
            c = self._scalar(node)
            if c is None:
                return False
            x = self.val(ins[0])
            name = self.new_name(node)
            if word in ("mul", "div"):
                factor = c if word == "mul" else 1 / c
                text = self.namer.factor(float(factor), [a.size for a in x.shown] + list(self.seen))
                if text is not None:
                    self.emit(f"{name} = scale {x.name} by {text}")
                    return self.bind(node, Val(name, list(x.axes)))
            self.emit(f"{name} = map {word} {x.name}", comment=f"{word} {c:g}", generic=f"{word} by {c:g}")
            return self.bind(node, Val(name, list(x.axes)))
        if len(ins) != 2:
            return False
        a, b = self.val(ins[0]), self.val(ins[1])
        same = concrete(ins[0]) == concrete(ins[1]) == concrete(node)
        plain = len(node.args) == 2 and node.kwargs.get("alpha", 1) == 1
        if word in ("add", "mul") and same and plain and [x.label for x in a.axes] == [x.label for x in b.axes]:
            name = self.new_name(node)
            self.emit(f"{name} = {word} {a.name} {b.name}")  # mul: the element-wise product of two branches
            return self.bind(node, Val(name, list(a.axes)))
        return False

    def aten_add(self, node, ins):
        return self._binary(node, ins, "add")

    def aten_mul(self, node, ins):
        return self._binary(node, ins, "mul")

    def aten_div(self, node, ins):
        return self._binary(node, ins, "div")

    def aten_sub(self, node, ins):
        return self._binary(node, ins, "sub")

    # --- over one axis --------------------------------------------------------------------

    def _over(self, node, ins, word: str, dim: int, binding: str = ""):
        x = self.val(ins[0])
        if not -len(x.axes) <= dim < len(x.axes) or x.axes[dim].hidden:
            return False
        name = self.new_name(node)
        self.emit(f"{name} = {word}{binding} {x.name} over {x.axes[dim].label}")
        return self.bind(node, Val(name, list(x.axes)))

    def aten_softmax(self, node, ins):
        return self._over(node, ins, "softmax", int(node.args[1]))

    def aten__softmax(self, node, ins):
        return self._over(node, ins, "softmax", int(node.args[1]))

    def aten_log_softmax(self, node, ins):
        x = self._over(node, ins, "softmax", int(node.args[1]))
        if x is False:
            return False
        name = self.new_name(node, node.name + "_log")
        self.emit(f"{name} = log {x.name}")
        return self.bind(node, Val(name, list(x.axes)))

    def aten_layer_norm(self, node, ins):
        shape = node.args[1]
        if len(shape) != 1:
            return False
        return self._over(node, ins[:1], "norm", -1)

    # --- views and transposes ---------------------------------------------------------------

    def aten_view(self, node, ins):
        from .translate import concrete

        return self.bind(node, self.view_to(node, self.val(ins[0]), concrete(node)))

    def aten_expand(self, node, ins):
        from .translate import concrete

        if concrete(node) == concrete(ins[0]):
            self.env[node] = self.env[ins[0]]
            return None
        return False

    def aten_permute(self, node, ins):
        from .translate import concrete

        src = self.env[ins[0]]
        base, perm0 = self.raw(ins[0])
        n = len(perm0)
        op = self.op_of(node)
        if op == "permute":
            order = [int(d) % n for d in node.args[1]]
        elif op == "t":
            order = [1, 0] if n == 2 else list(range(n))
        elif op == "movedim":
            return False
        else:
            i, j = int(node.args[1]) % n, int(node.args[2]) % n
            order = list(range(n))
            order[i], order[j] = order[j], order[i]
        perm = [perm0[o] for o in order]
        if concrete(node) != tuple(self.namer.value(base.axes[p].size) for p in perm):
            return False
        if perm == list(range(len(base.axes))):
            self.env[node] = base
        else:
            self.env[node] = Val(src.name, [base.axes[p] for p in perm], pending=(base, perm))

    # --- einsum, matmul ----------------------------------------------------------------------

    def aten_einsum(self, node, ins):
        from .translate import concrete

        eq = node.args[0].replace(" ", "")
        operands = list(node.args[1])
        if "->" not in eq or len(operands) != len(ins):
            return False
        lhs, out = eq.split("->")
        parts = lhs.split(",")
        free = [c for c in string.ascii_letters if c not in eq]
        width = max(len(concrete(o)) - len(p.replace("...", "")) for o, p in zip(operands, parts))
        dots = "".join(free[:max(width, 0)])
        letters = []
        for o, p in zip(operands, parts):
            k = len(concrete(o)) - len(p.replace("...", ""))
            letters.append(p.replace("...", dots[len(dots) - k:] if k else ""))
        out = out.replace("...", dots)
        return self.einsum(node, operands, letters, out)

    def aten_matmul(self, node, ins):
        from .translate import concrete

        if len(ins) != 2:
            return False
        a, b = concrete(ins[0]), concrete(ins[1])
        if len(a) < 2 or len(b) < 2:
            return False
        batch = max(len(a), len(b)) - 2
        pool = list("abcdefghijkl"[:batch])
        la = "".join(pool[batch - (len(a) - 2):]) + "yz"
        lb = "".join(pool[batch - (len(b) - 2):]) + "zx"
        return self.einsum(node, list(ins), [la, lb], "".join(pool) + "yx")

    def aten_bmm(self, node, ins):
        return self.aten_matmul(node, ins)

    def aten_mm(self, node, ins):
        return self.aten_matmul(node, ins)

    # --- joining and indexing ---------------------------------------------------------------

    def aten_cat(self, node, ins):
        from .translate import concrete

        parts = list(node.args[0])
        dim = int(node.args[1]) if len(node.args) > 1 else 0
        vals = [self.val(p) for p in parts]
        if len(vals) < 2 or any(len(v.axes) != len(vals[0].axes) or v.axes[dim].hidden for v in vals):
            return False
        total = sum((v.axes[dim].size for v in vals[1:]), vals[0].axes[dim].size)
        if self.namer.value(total) != concrete(node)[dim]:
            return False
        from .values import Ax, label_for

        name = self.new_name(node)
        self.emit(f"{name} = concat {' '.join(v.name for v in vals)} over {vals[0].axes[dim].label}")
        axes = list(vals[0].axes)
        axes[dim] = Ax(label_for(total), total)
        return self.bind(node, Val(name, axes))

    def aten_select(self, node, ins):
        x = self.val(ins[0])
        dim, index = int(node.args[1]), int(node.args[2])
        if x.axes[dim].hidden:
            self.bind(node, Val(x.name, x.axes[:dim] + x.axes[dim + 1:] if dim != -1 else x.axes[:-1]))
            return None
        name = self.new_name(node)
        self.emit(f"{name} = index {x.name} at {index} on {x.axes[dim].label}")
        axes = list(x.axes)
        del axes[dim]
        return self.bind(node, Val(name, axes))

    def aten_slice(self, node, ins):
        from .translate import concrete

        if concrete(node) == concrete(ins[0]):
            self.env[node] = self.env[ins[0]]
            return None
        return False

    # --- splitting into equal parts: a view that counts the parts, then one index per part -----

    def _split_parts(self, node, ins, dim: int, parts: int):
        from .values import Ax

        x = self.val(ins[0])
        ax = x.axes[dim]
        total = self.namer.value(ax.size)
        if ax.hidden or parts < 2 or total is None or total % parts:
            return False
        users = self._outputs(node)
        if any(getattr(u.target, "__name__", "") != "getitem" for u in users):
            return False
        import sympy

        from .values import label_for

        size = sympy.simplify(ax.size / parts)
        piece = self.axis(total // parts, [Ax(label_for(size), size)])
        rest = list(x.axes[:dim] + x.axes[dim + 1:] if dim != -1 else x.axes[:-1])
        rest.insert(dim % len(x.axes), piece)
        if sympy.simplify(piece.size - size) == 0:  # the part is the size the language's chunk names
            names = {u.args[1]: self.new_name(u, f"{node.name}_{u.args[1]}") for u in users}
            targets = [names.get(i) or self.names.fresh(f"{node.name}_{i}") for i in range(parts)]
            self.emit(f"{', '.join(targets)} = chunk {x.name} over {ax.label}", comment=f"{parts} equal parts")
            for u in users:
                self.bind(u, Val(names[u.args[1]], list(rest)))
            return None
        count = Ax(str(parts), sympy.Integer(parts))
        name = self.new_name(node)
        self.emit(f"{name} = view {x.name} : {ax.label} -> {parts} {piece.label}", comment=f"{parts} equal parts")
        for u in users:
            part = self.new_name(u, f"{node.name}_{u.args[1]}")
            self.emit(f"{part} = index {name} at {u.args[1]} on {count.label}")
            self.bind(u, Val(part, list(rest)))
        return None

    def aten_split(self, node, ins):
        from .translate import concrete

        x = concrete(ins[0])
        dim = int(node.args[2]) if len(node.args) > 2 else int(node.kwargs.get("dim", 0))
        size = node.args[1]
        if not isinstance(size, int) or x is None or x[dim] % size:
            return False
        return self._split_parts(node, ins, dim, x[dim] // size)

    def aten_chunk(self, node, ins):
        from .translate import concrete

        x = concrete(ins[0])
        dim = int(node.args[2]) if len(node.args) > 2 else 0
        if x is None or x[dim] % int(node.args[1]):
            return False
        return self._split_parts(node, ins, dim, int(node.args[1]))

    def aten_unbind(self, node, ins):
        x = self.val(ins[0])
        dim = int(node.args[1]) if len(node.args) > 1 else 0
        if x.axes[dim].hidden:
            return False
        rest = [a for i, a in enumerate(x.axes) if i != dim % len(x.axes)]
        for u in self._outputs(node):
            part = self.new_name(u, f"{node.name}_{u.args[1]}")
            self.emit(f"{part} = index {x.name} at {u.args[1]} on {x.axes[dim].label}")
            self.bind(u, Val(part, list(rest)))
        return None

    # --- masks ---------------------------------------------------------------------------------

    def _constant(self, node) -> bool:
        """Keep the value of a tensor made from constants only (``ones(t, t).tril()``); False if unknown."""
        from .constants import evaluate

        value = evaluate(node, self.constants)
        if value is None:
            return False
        self.constants[node] = value
        return True

    def aten_masked_fill(self, node, ins):
        """``S.masked_fill(M, -inf)``: with a causal M (made from constants) the causal ``mask S over t u``;
        with M a value of the diagram, ``mask S M over t u`` (drawn with M; the language's mask adds M)."""
        from .constants import is_causal
        from .translate import concrete

        if len(ins) not in (1, 2) or ins[0] is not node.args[0]:
            return False
        s = self.val(ins[0])
        if len(s.axes) < 2 or s.axes[-2].hidden or s.axes[-1].hidden or s.axes[-2].label == s.axes[-1].label:
            return False
        q, k = s.axes[-2].label, s.axes[-1].label
        name = self.new_name(node)
        if len(ins) == 2:
            m = self.val(ins[1])
            labels = [a.label for a in s.axes]
            wanted = [a.label for a in m.axes if not a.hidden and a.label != "1"]
            if any(a not in labels for a in wanted) or [labels.index(a) for a in wanted] != sorted(
                    labels.index(a) for a in wanted):
                return False
            self.emit(f"{name} = mask {s.name} {m.name} over {q} {k}",
                      comment=f"masked_fill where {m.name} is true")
            return self.bind(node, Val(name, list(s.axes)))
        mask = self.constants.get(node.args[1])
        size = concrete(node)[-1]
        if node.args[2] != float("-inf") or concrete(node)[-2] != size or not is_causal(mask, size):
            return False
        self.emit(f"{name} = mask {s.name} over {q} {k}", comment="masked_fill with a causal mask")
        return self.bind(node, Val(name, list(s.axes)))

    # --- scaled dot-product attention, drawn as the paper draws it ------------------------------

    def aten_scaled_dot_product_attention(self, node, ins):
        """``F.scaled_dot_product_attention`` in a fence: scores (einsum), scale, SoftMax over the
        keys, then the weighted sum of the values; a mask is named in a comment."""
        from .translate import concrete

        q, k, v = node.args[:3]
        shapes = [concrete(x) for x in (q, k, v)]
        if any(s is None or len(s) < 2 for s in shapes) or len({len(s) for s in shapes}) != 1:
            return False
        if node.kwargs.get("enable_gqa") or shapes[0][:-2] != shapes[1][:-2]:
            return False
        batch = "abcdefgh"[:len(shapes[0]) - 2]
        mask = node.args[3] if len(node.args) > 3 else node.kwargs.get("attn_mask")
        causal = node.args[5] if len(node.args) > 5 else node.kwargs.get("is_causal", False)
        scale = node.kwargs.get("scale") or (node.args[6] if len(node.args) > 6 else None)
        step, fence = self.step, ((f"@{node.name}", "Scaled Dot-Product Attention"),)
        self.step = type(step)(step.kind, step.nodes, step.path, step.module, step.inputs, step.outputs,
                               step.parents + fence, step.source)
        try:
            scores = _Temp("scores")
            s = self.einsum(scores, [q, k], [batch + "yz", batch + "xz"], batch + "yx")
            factor = self.namer.factor(float(scale) if scale else 1 / shapes[0][-1] ** 0.5,
                                       [a.size for a in s.shown] + list(self.seen))
            if factor is None:
                return False
            scaled = Val(self.names.fresh("scaled"), list(s.axes))
            self.emit(f"{scaled.name} = scale {s.name} by {factor}",
                      comment="masked (attn_mask)" if mask is not None and not causal else "")
            if causal and s.axes[-2].label != s.axes[-1].label:  # is_causal=True: the language's causal mask
                masked = Val(self.names.fresh("masked"), list(s.axes))
                self.emit(f"{masked.name} = mask {scaled.name} over {s.axes[-2].label} {s.axes[-1].label}",
                          comment="causal mask")
                scaled = masked
            weights = Val(self.names.fresh("weights"), list(s.axes))
            self.emit(f"{weights.name} = softmax {scaled.name} over {s.axes[-1].label}")
            self.bind(scores, weights)
            return self.einsum(node, [scores, v], [batch + "yx", batch + "xw"], batch + "yw")
        finally:
            self.step = step


class _Temp:
    """A value of the draft that no graph node holds (an intermediate of an expanded op)."""

    def __init__(self, name: str):
        self.name = name
        self.users = {}
        self.all_input_nodes = []
        self.meta = {}
