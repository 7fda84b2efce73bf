"""Codegen (stage: Diagram -> Python source): boxes with weights or a user's meaning.

Learned maps become ``nn.Linear`` over the flattened core axes, convolutions
``nn.Conv{1,2,3}d`` / ``nn.ConvTranspose{n}d`` over batch, channels, space;
pooling the functional ``max_pool`` / ``avg_pool`` (or an einops ``reduce`` when
global); a generic box calls the user-supplied callable for its name, lifted
over its broadcast axes with ``torch.vmap``.
"""
from __future__ import annotations

from .. import messages as msg
from ..errors import NCDError
from .layout import Pattern, dim_names, flat, group, positions, split_sizes

__all__ = ["learned", "conv", "pool", "generic"]


def _split(value, core):
    """(per-axis names, core positions, broadcast positions) of one input."""
    per = dim_names(value.axes)
    pos = positions(value.axes, core)
    rest = [j for j in range(len(value.axes)) if j not in pos]
    return per, pos, rest


def _product(em, axes, step) -> str:
    parts = []
    for ax in axes:
        text = em.size(ax.size, step)
        parts.extend([text] * ax.rank)
    return " * ".join(parts) or "1"


def learned(em, step) -> str:
    if len(step.inputs) != 1 or len(step.outputs) != 1:
        raise NCDError(msg.CODEGEN_LEARNED_ARITY.format(inputs=len(step.inputs), outputs=len(step.outputs)),
                       step.span, kind="shape")
    value, out = step.inputs[0], step.outputs[0]
    core_in, core_out = step.core_in[0], step.core_out[0]
    per, pos, rest = _split(value, core_in)
    mut = em.mutations.get(step.op_id, {})
    order_in = mut.get("in_order", tuple(range(len(pos))))
    bnames = flat(per[j] for j in rest)
    cnames = flat(per[pos[i]] for i in order_in)
    pre = Pattern(flat(per), bnames + [group(cnames)])
    if len(cnames) == 1 and flat(per) == bnames + cnames:
        pre = Pattern([], [])
    ctor = f"nn.Linear({_product(em, core_in, step)}, {_product(em, core_out, step)}, bias={step.bias})"
    call = f"{em.module(step, 'linear', ctor)}({pre.apply(em.of(value))})"
    out_per = dim_names(out.axes)
    first = min(pos) if pos else len(value.axes)
    lead = len([j for j in rest if j < first])
    core_pos = list(range(lead, lead + len(core_out)))
    order_out = mut.get("out_order", tuple(range(len(core_out))))
    onames = flat(out_per[core_pos[i]] for i in order_out)
    obroad = flat(out_per[j] for j in range(len(out.axes)) if j not in core_pos)
    if len(onames) == 1 and flat(out_per) == obroad[:lead] + onames + obroad[lead:]:
        return call
    sizes = {}
    if len(onames) > 1:
        sizes = split_sizes([out_per[j] for j in core_pos], [out.axes[j] for j in core_pos], em.sizes) or {}
    left = obroad[:lead] + [group(onames)] + obroad[lead:]
    return Pattern(left, flat(out_per), sizes).apply(call)


def _spatial_layout(em, step, value, channel_core):
    """Names before (as the value has them) and after (batch, channels, space) for a conv or pool."""
    per = dim_names(value.axes)
    space_pos = positions(value.axes, step.over)
    chan_pos = positions(value.axes, channel_core) if channel_core else []
    batch_pos = [j for j in range(len(value.axes)) if j not in space_pos and j not in chan_pos]
    batch = flat(per[j] for j in batch_pos)
    chans = flat(per[j] for j in chan_pos)
    space = flat(per[j] for j in space_pos)
    return per, batch, chans, space, batch_pos


def conv(em, step) -> str:
    value, out = step.inputs[0], step.outputs[0]
    channel_in = tuple(ax for ax in step.core_in[0] if ax not in step.over)
    per, batch, chans, space, batch_pos = _spatial_layout(em, step, value, channel_in)
    n = len(space)
    if n not in (1, 2, 3):
        raise NCDError(msg.CODEGEN_CONV_DIMS.format(n=n), step.span, kind="shape")
    lead = [group(batch)] if batch else []
    arranged = lead + [group(chans)] + space
    pre = Pattern(flat(per), arranged)
    out_per = dim_names(out.axes)
    out_batch_pos, out_chan_pos, out_space_pos = _conv_outputs(value, out, per, batch_pos, channel_in, step)
    o_batch = flat(out_per[j] for j in out_batch_pos)
    o_chans = flat(out_per[j] for j in out_chan_pos)
    o_space = flat(out_per[j] for j in out_space_pos)
    word = "ConvTranspose" if step.transposed else "Conv"
    args = [_product(em, channel_in, step) if channel_in else "1",
            _product(em, [out.axes[j] for j in out_chan_pos], step) if out_chan_pos else "1"]
    args.append(f"kernel_size={em.size(step.kernel, step)}")
    for key in ("stride", "padding", "dilation"):
        val = getattr(step, key)
        if str(val) != ("0" if key == "padding" else "1"):
            args.append(f"{key}={em.size(val, step)}")
    if str(step.conv_groups) != "1":
        args.append(f"groups={em.size(step.conv_groups, step)}")
    args.append(f"bias={step.bias}")
    call = f"{em.module(step, 'conv', f'nn.{word}{n}d(' + ', '.join(args) + ')')}({pre.apply(em.of(value))})"
    sizes = {}
    if len(o_chans) > 1:
        sizes = split_sizes([out_per[j] for j in out_chan_pos], [out.axes[j] for j in out_chan_pos], em.sizes) or {}
    if len(batch) > 1:
        sizes.update(split_sizes([per[j] for j in batch_pos], [value.axes[j] for j in batch_pos], em.sizes) or {})
    got = ([group(o_batch)] if o_batch else []) + [group(o_chans)] + o_space
    return Pattern(got, flat(out_per), sizes).apply(call)


def _conv_outputs(value, out, per, batch_pos, channel_in, step):
    """Where the output's batch, channel and spatial axes are: the model keeps the input's order, with
    the new channels where the first old channel was."""
    space_pos = positions(value.axes, step.over)
    chan_pos = positions(value.axes, channel_in) if channel_in else []
    n_chan = len(out.axes) - len(batch_pos) - len(space_pos)
    b, c, s, k = [], [], [], 0
    first_chan = chan_pos[0] if chan_pos else None
    for j in range(len(value.axes)):
        if j in space_pos:
            s.append(k)
            k += 1
        elif j in chan_pos:
            if j == first_chan:
                c.extend(range(k, k + n_chan))
                k += n_chan
        else:
            b.append(k)
            k += 1
    if first_chan is None:  # one channel (a literal 1): the new channels go before the space
        c = list(range(len(b), len(b) + n_chan))
        s = [x + n_chan for x in s]
    return b, c, s


def pool(em, step) -> str:
    value, out = step.inputs[0], step.outputs[0]
    per, batch, _, space, batch_pos = _spatial_layout(em, step, value, ())
    out_per = dim_names(out.axes)
    x = em.of(value)
    if step.kernel is None:  # global pooling: the spatial axes are reduced away
        pattern = f'"{" ".join(flat(per))} -> {" ".join(flat(out_per))}", "{step.reduce}"'
        if step.binding:  # bound: a module where the binding names it (einops' Reduce layer)
            return f"{em.module(step, 'pool', f'Reduce({pattern})')}({x})"
        return f"einops.reduce({x}, {pattern})"
    n = len(space)
    if n not in (1, 2, 3):
        raise NCDError(msg.CODEGEN_CONV_DIMS.format(n=n), step.span, kind="shape")
    pre = Pattern(flat(per), [group(batch)] + space)
    args = [f"kernel_size={em.size(step.kernel, step)}", f"stride={em.size(step.stride, step)}"]
    if str(step.padding) != "0":
        args.append(f"padding={em.size(step.padding, step)}")
    if step.reduce == "max" and str(step.dilation) != "1":
        args.append(f"dilation={em.size(step.dilation, step)}")
    elif str(step.dilation) != "1":
        raise NCDError(msg.CODEGEN_UNSUPPORTED.format(what="average pooling with dilation"), step.span,
                       kind="shape")
    if step.binding:  # bound: a pooling submodule the shape check can find
        word = "MaxPool" if step.reduce == "max" else "AvgPool"
        call = f"{em.module(step, 'pool', f'nn.{word}{n}d(' + ', '.join(args) + ')')}({pre.apply(x)})"
    else:
        call = f"fn.{'max' if step.reduce == 'max' else 'avg'}_pool{n}d({pre.apply(x)}, {', '.join(args)})"
    o_space_pos = [j for j, ax in enumerate(out.axes) if j not in batch_pos]
    sizes = {}
    if len(batch) > 1:
        sizes = split_sizes([per[j] for j in batch_pos], [value.axes[j] for j in batch_pos], em.sizes) or {}
    got = [group(flat(out_per[j] for j in batch_pos))] + flat(out_per[j] for j in o_space_pos)
    return Pattern(got, flat(out_per), sizes).apply(call)


def generic(em, step, name: str) -> str:
    """A box whose meaning the user supplies: ``self.functions[name]`` on the core axes (kept as the
    attribute its binding names, ``self.f``, when it has one)."""
    fn = em.function(name, step.binding, step)
    args = [em.of(v) for v in step.inputs]
    if not any(step.broadcast) or (step.kind == "norm" and step.binding):
        # a bound normalisation is the code's own module (BatchNorm2d, LayerNorm): it takes the whole tensor
        return f"{fn}({', '.join(args)})"
    if len(step.inputs) != 1 or len(step.outputs) != 1:
        return _lifted(em, step, fn, name)
    value, out = step.inputs[0], step.outputs[0]
    per, pos, rest = _split(value, step.core_in[0])
    bnames = flat(per[j] for j in rest)
    cnames = flat(per[j] for j in pos)
    pre = Pattern(flat(per), [group(bnames)] + cnames)
    out_per = dim_names(out.axes)
    first = min(pos) if pos else len(value.axes)
    lead = len([j for j in rest if j < first])  # the output is lead + core + trail, as the model builds it
    o_core = list(range(lead, lead + len(step.core_out[0])))
    o_rest = [j for j in range(len(out.axes)) if j not in o_core]
    sizes = {}
    if len(bnames) > 1:
        sizes = split_sizes([per[j] for j in rest], [value.axes[j] for j in rest], em.sizes) or {}
        if len(sizes) < len(bnames) - 1:  # a tandem wire (two dimensions): read the sizes off the input
            shape = " ".join(n if n in bnames else "_" for n in flat(per))
            sizes = {"**einops.parse_shape": f'({args[0]}, "{shape}")'}
    got = [group(flat(out_per[j] for j in o_rest))] + flat(out_per[j] for j in o_core)
    post = Pattern(got, flat(out_per), sizes)
    return post.apply(f"torch.vmap({fn})({pre.apply(args[0])})")


def _lifted(em, step, fn: str, name: str) -> str:
    """Several inputs or outputs: every input brought to (broadcast axes flattened, its core), the
    ones an input lacks repeated, then one ``torch.vmap`` and each output put back in its order."""
    lead, trail, sizes_of = [], [], {}
    for value, core in zip(step.inputs, step.core_in):
        pos = positions(value.axes, core)
        first = min(pos) if pos else len(value.axes)
        for j, ax in enumerate(value.axes):
            if j in pos:
                continue
            if ax.rank != 1:
                raise NCDError(msg.CODEGEN_GENERIC_BROADCAST.format(box=step.label or name), step.span, kind="shape")
            label = dim_names([ax])[0][0]
            into = lead if j < first else trail
            if label not in lead and label not in trail:
                into.append(label)
            sizes_of[label] = ax.size
    batch = lead + trail
    args = []
    for value, core in zip(step.inputs, step.core_in):
        pos = positions(value.axes, core)
        per = dim_names(value.axes, avoid=batch)
        names = [dim_names([ax])[0][0] if j not in pos else None for j, ax in enumerate(value.axes)]
        left = flat([names[j]] if names[j] else per[j] for j in range(len(value.axes)))
        right = [group(batch)] + flat(per[j] for j in pos)
        missing = {b: em.size(sizes_of[b], step) for b in batch if b not in left}
        if missing:
            args.append(f'einops.repeat({em.of(value)}, "{" ".join(left)} -> {" ".join(right)}"'
                        + "".join(f", {k}={v}" for k, v in missing.items()) + ")")
        else:
            args.append(Pattern(left, right).apply(em.of(value)))
    call = f"torch.vmap({fn})({', '.join(args)})"
    posts = []
    for out, core in zip(step.outputs, step.core_out):
        per = dim_names(out.axes, avoid=batch)
        core_pos = list(range(len(lead), len(lead) + len(core)))
        left = [group(batch)] + flat(per[j] for j in core_pos)
        right = batch[:len(lead)] + flat(per[j] for j in core_pos) + batch[len(lead):]
        kw = {b: em.size(sizes_of[b], step) for b in batch} if len(batch) > 1 else {}
        posts.append(Pattern(left, right, kw))
    if len(posts) == 1:
        return posts[0].apply(call)
    items = ", ".join(p.apply(f"out[{i}]") for i, p in enumerate(posts))
    return f"(lambda out: ({items}))({call})"
