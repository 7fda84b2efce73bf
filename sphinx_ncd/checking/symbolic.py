"""Check (stage: Diagram + PyTorch code -> ShapeReport): the symbolic backend, inside the worker.

Fake tensors whose sizes are symbols of a ``ShapeEnv`` (``duck_shape=False``,
so two sizes with equal samples stay different symbols).  A run that completes
proves the shapes for every size, except where the code made the run record a
*guard*: the assumptions it made.  :meth:`SymbolicBackend.finish` maps the
guards back to the diagram's axis names and sorts them into

* assumptions that tie sizes together (``y = x``, ``m divisible by h``);
* sizes the code fixed (``m = 128`` from ``nn.Linear(128, ...)``);
* conditions that only exclude degenerate sizes (``h ≠ d``, ``k ≥ 2``): dropped.

``torch.fx.experimental`` has no compatibility promise, so :func:`available`
feature-detects it and the worker falls back to concrete fake tensors.
"""
from __future__ import annotations

import contextlib
import sys

import torch

from .fallbacks import ConcreteBackend, no_init
from .sharing import shared_tensors

__all__ = ["available", "SymbolicBackend"]


def available() -> bool:
    try:
        from torch._dynamo.source import ConstantSource  # noqa: F401
        from torch._subclasses.fake_tensor import FakeTensorMode  # noqa: F401
        from torch.fx.experimental.symbolic_shapes import (  # noqa: F401
            DimDynamic, ShapeEnv, statically_known_true)
    except Exception:
        return False
    return True


class SymbolicBackend(ConcreteBackend):
    method = "symbolic"

    def __init__(self, hints: dict[str, int], *, symbolic_build: bool = True, multiples: dict | None = None,
                 display: dict | None = None):
        super().__init__(hints, display)
        import sympy
        from torch._dynamo.source import ConstantSource
        from torch._subclasses.fake_tensor import FakeTensorMode
        from torch.fx.experimental.symbolic_shapes import DimDynamic, ShapeEnv

        self.env = ShapeEnv(duck_shape=False)
        self._mode = FakeTensorMode(shape_env=self.env, allow_non_fake_inputs=True)
        # the fake-tensor dispatch cache costs more than it saves on symbolic shapes seen once or twice per
        # check (GPT-2: 2.6 s with it, 0.7 s without, on the same machine): off for this mode only
        self._mode.cache_enabled = False
        self.sym = {}
        self.to_name = {}  # env symbol -> sympy Symbol named like the diagram's axis
        from .engine import to_dim

        multiples = dict(multiples or {})
        named = {n: sympy.Symbol(n, positive=True, integer=True) for n in hints}
        for name, hint in hints.items():
            if name in multiples:
                continue
            s = self.env.create_symbol(hint, ConstantSource(name), dynamic_dim=DimDynamic.DYNAMIC)
            self.sym[name] = self.env.create_symintnode(s, hint=hint, source=ConstantSource(name))
            self.to_name[s] = named[name]
        for name, factor in multiples.items():  # Y = 4·q: the proof covers every multiple the diagram allows
            if name not in hints:
                continue
            scale = to_dim(factor, lambda n: self.sym[n])
            scale_hint = to_dim(factor, lambda n: hints[n])
            q_hint = max(1, hints[name] // scale_hint)
            src = ConstantSource(f"{name}/{factor}")
            s = self.env.create_symbol(q_hint, src, dynamic_dim=DimDynamic.DYNAMIC)
            q = self.env.create_symintnode(s, hint=q_hint, source=src)
            self.sym[name] = scale * q
            self.to_name[s] = named[name] / sympy.sympify(factor, locals=named)
        self.order = list(hints)
        self.config_names: set[str] = set()  # given block parameters: relations among them are configuration
        self.given: dict[str, int] = {}  # sizes the user gave: an assumption over these alone is settled
        self.domain: list = []  # the diagram's sizes (sympy, worker names): each is at least 1
        self.symbolic_build = symbolic_build
        self._known_equal: set = set()  # (size, size) pairs proved equal
        self._shown: dict = {}  # (size, replacements, guards) -> its text
        if symbolic_build:
            self.names = {self.display.get(n, n): v for n, v in self.sym.items()}

    def value(self, name):
        return self.sym[name]

    def mode(self):
        return self._mode

    def building(self, share: bool = True):
        # nn.LayerNorm(d) and friends test isinstance(d, numbers.Integral): a symbolic size is a whole
        # number, so say so (this process only runs checks), and the model is built with symbols
        import numbers

        if not issubclass(torch.SymInt, numbers.Integral):
            numbers.Integral.register(torch.SymInt)
        return _building(share)

    def tensor(self, dims):
        return torch.empty(tuple(dims))  # () gives a 0-d tensor: an input with no axes

    def running(self):
        return _sizes_stay_symbolic()

    def rename(self, text: str) -> str:
        """An exception message with the env's symbols (``s65``) replaced by axis names."""
        import re

        names = {str(k): str(v) if str(v).isidentifier() else f"({v})" for k, v in self.to_name.items()}
        return self.shown(re.sub(r"\b[su]\d+\b", lambda m: names.get(m.group(0), m.group(0)), text))

    def equal(self, got, expected, assume: bool = False) -> bool:
        """Provably equal; with ``assume``, equal at the samples, recording that as a guard (an assumption)."""
        from torch.fx.experimental.symbolic_shapes import statically_known_true

        if isinstance(got, int) and isinstance(expected, int):
            return got == expected
        key = (_expr_of(got), _expr_of(expected))  # a repeated block's boxes ask the same questions
        if key in self._known_equal:
            return True
        try:
            if statically_known_true(got == expected):
                self._known_equal.add(key)  # proved: stays proved whatever the run learns next
                return True
            return bool(got == expected) if assume else False
        except Exception:
            return False

    def named(self, expr):
        """A sympy expression over env symbols, in the diagram's names (replacements applied)."""
        try:
            expr = self.env.replace(expr)
        except Exception:
            pass
        return expr.xreplace(self.to_name)

    def show(self, d) -> str:
        if isinstance(d, int):
            return str(d)
        node = getattr(d, "node", None)
        expr = node.expr if node is not None else d
        # once per size and state of the run (its replacements and guards): a repeated block's boxes show
        # the same sizes again and again
        key = (expr, len(self.env.replacements), len(self.env.guards))
        text = self._shown.get(key)
        if text is None:
            text = self._shown[key] = self.shown(pretty(self.named(expr), self.order))
        return text

    def finish(self) -> dict:
        """Guards sorted into assumptions and fixed sizes, in the diagram's names."""
        import sympy

        exprs = [g.expr for g in self.env.guards]
        for asserts in getattr(self.env, "deferred_runtime_asserts", {}).values():
            exprs.extend(a.expr for a in asserts)
        fixed: dict[str, int] = {}
        for s, r in self.env.replacements.items():
            if s in self.to_name and getattr(r, "is_Integer", False):
                _fix(fixed, sympy.Eq(self.to_name[s], r))
        assumptions: list[str] = []
        divisible: list[tuple] = []
        equalities: list = []
        inequalities: list = []
        for raw in exprs:
            e = raw.xreplace(self.to_name)
            free = e.free_symbols
            if isinstance(e, sympy.Eq):
                lhs, rhs = e.lhs, e.rhs
                mod = _mod_of(lhs, rhs) or _multiple_of(lhs, rhs)
                if mod is not None:
                    divisible.append(mod)
                    continue
                if len(free) == 1 and (lhs.is_Integer or rhs.is_Integer) and _fix(fixed, e):
                    continue
                if free:
                    equalities.append(e)
            elif isinstance(e, (sympy.Lt, sympy.Le, sympy.Gt, sympy.Ge)) and free:
                # size thresholds choose kernels inside torch; "n//4 > 1" only excludes degenerate sizes
                if not _threshold(e) and not _degenerate(e):
                    inequalities.append(e)
            # Ne and one-symbol bounds only exclude degenerate sizes: not shown
        for a, b in divisible:
            if _settled(sympy.Eq(sympy.Mod(a, b), 0), self.given, fixed):
                continue  # 35 divisible by h, with h=5 given: the sizes settle it
            text = f"{pretty(a, self.order)} divisible by {pretty(b, self.order)}"
            if text not in assumptions:
                assumptions.append(text)
        bounds = []  # (name, value that breaks it, text): one size against a constant
        for e in inequalities:  # stride and size checks hold for every size the diagram allows: shown only if not
            if not _always(e, divisible, fixed, domain=self.domain) and not _settled(e, self.given, fixed):
                text = pretty(e, self.order)
                if text not in assumptions:
                    assumptions.append(text)
                    breaker = _breaker(e)
                    if breaker is not None:
                        bounds.append((breaker[0], breaker[1], text))
        for e in equalities:
            if _implied(e, divisible, fixed) or _always(e, divisible, fixed) or _settled(e, self.given, fixed):
                continue
            text = _eq_text(e.lhs, e.rhs, self.order)
            if text not in assumptions:
                assumptions.append(text)
        fixed = {n: fixed[n] for n in self.hints if n in fixed}  # in the diagram's order
        # a relation among given configuration sizes only (k·h = 64 from nn.Linear(m, 64)) is configuration
        config = [a for a in assumptions
                  if " = " in a and _names_in(a) and _names_in(a) <= self.config_names]
        assumptions = [self.shown(a) for a in assumptions if a not in config]
        bounds = [(n, v, self.shown(t)) for n, v, t in bounds]
        return {"assumptions": assumptions, "fixed": fixed, "config": [self.shown(c) for c in config],
                "bounds": bounds}


@contextlib.contextmanager
def _building(share: bool):
    """Yields the :class:`~.sharing.Sharing` of the build's tensors (None when not shared)."""
    with no_init(), _configs_take_symbols(), (shared_tensors() if share else contextlib.nullcontext()) as sharing:
        yield sharing


@contextlib.contextmanager
def _configs_take_symbols():
    """Hugging Face configs are strict dataclasses that test ``isinstance(n_embd, int)``: while a model
    is built, a symbolic whole number passes that test (it is one), so ``GPT2Config(n_embd=d)`` keeps d free."""
    module = sys.modules.get("huggingface_hub.dataclasses")
    original = getattr(module, "_validate_simple_type", None)
    if original is None:
        yield
        return

    def validate(name, value, expected_type):
        if expected_type is int and isinstance(value, torch.SymInt):
            return None
        return original(name, value, expected_type)

    module._validate_simple_type = validate
    try:
        yield
    finally:
        module._validate_simple_type = original


@contextlib.contextmanager
def _sizes_stay_symbolic():
    """``math.sqrt(k)`` on a symbolic size would fix it to its sample; compute it symbolically instead."""
    import math

    original = math.sqrt

    def sqrt(x):
        if isinstance(x, (torch.SymInt, torch.SymFloat)):
            return torch.sym_sqrt(x)
        return original(x)

    math.sqrt = sqrt
    try:
        with torch.no_grad():
            yield
    finally:
        math.sqrt = original


def _names_in(text: str) -> set[str]:
    import re

    return set(re.findall(r"[A-Za-z_]\w*", text)) - {"divisible", "by", "mod"}


def _settled(e, given: dict, fixed: dict) -> bool:
    """An assumption relating given sizes to a number the code has in place of one of them (``d·1/h =
    35//h``, ``35 divisible by h`` from ``nn.Linear(35, 35)``, with d=35, h=5 given) that holds at the
    given sizes: the proof is at those sizes (recorded in ``fixed``), so it is no assumption.  A relation
    among sizes alone (``d divisible by h``, ``t = v``) or with another number (``e divisible by 2``) is
    the proof's general condition or a finding: it stays."""
    import sympy

    free = e.free_symbols
    if not free or any(x.name not in given for x in free):
        return False
    values = {int(v) for v in given.values() if int(v) >= 2}
    if not any(abs(int(n)) in values for n in e.atoms(sympy.Integer)):
        return False
    try:
        holds = bool(e.xreplace({x: sympy.Integer(given[x.name]) for x in free}) == sympy.true)
    except (TypeError, ValueError):
        return False
    if holds:
        fixed.update({x.name: int(given[x.name]) for x in free})
    return holds


def _fix(fixed: dict, e) -> bool:
    """Record ``Eq(4·q, 20)``-like guards as a fixed size of the one symbol; False if not of that form."""
    import sympy

    free = list(e.free_symbols)
    if len(free) != 1:
        return False
    try:
        sol = sympy.solve(e, free[0])
    except Exception:
        return False
    if len(sol) == 1 and sol[0].is_Integer:
        fixed[free[0].name] = int(sol[0])
        return True
    return False


def _breaker(e):
    """For ``b < 16`` (one size against a number): ``("b", 16)``, a size that violates it; else None."""
    import sympy

    lhs, rhs = e.lhs, e.rhs
    if lhs.is_Number and rhs.is_Symbol:
        e = e.reversed
        lhs, rhs = e.lhs, e.rhs
    if not (lhs.is_Symbol and rhs.is_Integer):
        return None
    c = int(rhs)
    value = {sympy.Lt: c, sympy.Le: c + 1, sympy.Gt: c, sympy.Ge: c - 1}.get(type(e))
    if value is None or value < 2:
        return None
    return lhs.name, value


def _degenerate(e) -> bool:
    """``n//4 > 1``, ``9·k ≥ 2``: a lower bound of at most 2, i.e. "not an empty or size-1 axis"."""
    import sympy

    if e.lhs.is_Number and not e.rhs.is_Number:
        e = e.reversed
    if not e.rhs.is_Number:
        return False
    c = e.rhs
    return (isinstance(e, sympy.Gt) and c <= 1) or (isinstance(e, sympy.Ge) and c <= 2)


def _threshold(e) -> bool:
    """``x·y > 20480``: a comparison with a large constant is an implementation heuristic."""
    return any(side.is_Number and abs(side) >= 256 for side in (e.lhs, e.rhs))


def _multiple_of(lhs, rhs):
    """``Eq(x, 16·(x//16))`` says ``x`` divisible by 16: ``(x, 16)`` or None."""
    for a, b in ((lhs, rhs), (rhs, lhs)):
        if not b.is_Mul:
            continue
        coeff, rest = b.as_coeff_Mul()
        if type(rest).__name__ == "FloorDiv" and rest.args[0] == a and rest.args[1] == coeff and coeff > 1:
            return a, coeff
    return None


def _mod_of(lhs, rhs):
    import sympy

    for a, b in ((lhs, rhs), (rhs, lhs)):
        if b == 0 and isinstance(a, sympy.Mod) or (b == 0 and type(a).__name__ in ("Mod", "PythonMod")):
            return a.args[0], a.args[1]
    return None


def _implied(e, divisible, fixed) -> bool:
    """Is the equality true once the divisibility facts are substituted (``d = h·q``)?"""
    import sympy

    sub = {}
    for a, b in divisible:
        if a.is_Symbol and a not in sub:
            sub[a] = b * sympy.Symbol(f"_q_{a.name}", positive=True, integer=True)
    try:
        diff = _plain(e.lhs - e.rhs).subs(sub)
        # Max(1, n//4): the code only needs the size to be at least 1, which every size is
        diff = diff.replace(lambda a: isinstance(a, sympy.Max) and sympy.Integer(1) in a.args,
                            lambda a: sympy.Max(*[x for x in a.args if x != 1]))
        diff = diff.subs({sympy.Symbol(n, positive=True, integer=True): v for n, v in fixed.items()})
        return sympy.simplify(diff) == 0
    except Exception:
        return False


def _always(e, divisible, fixed, samples: int = 48, domain=()) -> bool:
    """Does the relation hold at many random sizes >= 2 (divisibility facts respected)?

    ``domain``: the diagram's sizes; samples where one of them is below 1 are not sizes the diagram
    allows (a convolution's input smaller than its kernel), so they are skipped.
    """
    import random

    import sympy

    rel = _plain(e)
    free = sorted(rel.free_symbols, key=lambda x: x.name)
    if not free:
        return bool(rel)
    rng = random.Random(1234)
    divides = [(a, b, sympy.lambdify(free, b, modules="math")) for a, b in divisible if a.is_Symbol and a in free]
    names = {x.name for x in free}
    dims = [d for d in domain if d.free_symbols and {x.name for x in d.free_symbols} <= names]
    try:
        test = sympy.lambdify(free, rel, modules="math")
        inside = [sympy.lambdify(free, d.xreplace({x: y for x in d.free_symbols for y in free if x.name == y.name}),
                                 modules="math") for d in dims]
        tried = accepted = 0
        while accepted < samples and tried < samples * (12 if dims else 1):
            tried += 1
            vals = [fixed.get(x.name, rng.randint(2, 40 if not dims else 160)) for x in free]
            for a, _b, fn in divides:
                vals[free.index(a)] = int(fn(*vals)) * rng.randint(2, 12)
            if any(f(*vals) < 1 for f in inside):
                continue
            accepted += 1
            if not bool(test(*vals)):
                return False
        return accepted >= min(samples, 12)
    except Exception:
        return False


def _plain(expr):
    """Torch's sympy helpers (FloorDiv, PythonMod, ...) as plain sympy."""
    import sympy

    def rebuild(e):
        if not e.args:
            return e
        args = [rebuild(a) for a in e.args]
        name = type(e).__name__
        if name in ("FloorDiv", "IntTrueDiv", "CleanDiv"):
            return sympy.floor(args[0] / args[1]) if name == "FloorDiv" else args[0] / args[1]
        if name in ("PythonMod", "Mod"):
            return sympy.Mod(args[0], args[1])
        if name in ("Max", "Min"):
            return (sympy.Max if name == "Max" else sympy.Min)(*args)
        try:
            return e.func(*args)
        except Exception:
            return e

    return rebuild(expr)


def _eq_text(lhs, rhs, order) -> str:
    """``y = x``: the side whose first symbol comes first in the diagram goes left."""

    def rank(e):
        names = [s.name for s in e.free_symbols]
        return min((order.index(n) for n in names if n in order), default=len(order))

    if rank(rhs) < rank(lhs):
        lhs, rhs = rhs, lhs
    return f"{pretty(lhs, order)} = {pretty(rhs, order)}"


def _expr_of(d):
    """A size's expression (a plain int as itself): what identifies it in a question about it."""
    node = getattr(d, "node", None)
    return node.expr if node is not None else d


def pretty(expr, order=()) -> str:
    """Diagram-style text for a size expression: ``k·h``, ``d//h``, ``y ≤ x`` (factors in diagram order)."""
    import sympy

    name = type(expr).__name__
    if name == "FloorDiv":
        return f"{_paren(expr.args[0], order)}//{_paren(expr.args[1], order)}"
    if name in ("PythonMod", "Mod"):
        return f"{_paren(expr.args[0], order)} mod {_paren(expr.args[1], order)}"
    if isinstance(expr, sympy.Rel):
        op = {"<": "<", "<=": "≤", ">": ">", ">=": "≥", "==": "=", "!=": "≠"}[expr.rel_op]
        return f"{pretty(expr.lhs, order)} {op} {pretty(expr.rhs, order)}"
    if expr.is_Mul and sympy.fraction(expr)[1] != 1:  # d/h, as the diagram writes it (not d·1/h)
        num, den = sympy.fraction(expr)
        bottom = pretty(den, order)
        return f"{_paren(num, order, True)}/{bottom if den.is_Symbol or den.is_Number else f'({bottom})'}"
    if expr.is_Mul:
        def key(a):
            if a.is_Number:
                return (0, 0, "")
            names = [s.name for s in a.free_symbols]
            pos = min((list(order).index(n) for n in names if n in order), default=len(order))
            return (1, pos, sympy.sstr(a))

        return "·".join(_paren(a, order, True) for a in sorted(expr.args, key=key))
    if expr.is_Add:
        terms = sorted(expr.args, key=lambda a: (a.is_Number, sympy.default_sort_key(a)))
        out = pretty(terms[0], order)
        for t in terms[1:]:
            if t.could_extract_minus_sign():
                out += " - " + _paren(-t, order)
            else:
                out += " + " + _paren(t, order)
        return out
    if name in ("floor", "ceiling") and len(expr.args) == 1:
        num, den = sympy.fraction(sympy.together(expr.args[0]))
        if den != 1 and name == "floor":
            return f"{_paren(num, order)}//{_paren(den, order)}"
    text = sympy.sstr(expr)
    return text.replace("**", "^").replace("*", "·")


def _paren(expr, order=(), in_product: bool = False) -> str:
    text = pretty(expr, order)
    wrap = expr.is_Add or (in_product and (type(expr).__name__ == "FloorDiv" or "//" in text))
    return f"({text})" if wrap else text
