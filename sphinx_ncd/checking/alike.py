"""Check (stage: Diagram + PyTorch code -> ShapeReport): facts shared by size expressions alike up to renaming.

Most of a symbolic proof's time goes into sympy deriving the assumption facts
(``is_integer``, ``is_positive``, ``is_zero``...) of the size expressions it
builds, one new expression at a time.  A fact depends only on the expression's
form and on the assumptions of its symbols, never on their names: what sympy
derived for ``3*s40*s60`` holds for ``3*s24*s83`` when both pairs of symbols are
positive integers.  sympy keeps a fact on one expression object only, so every
model (and every layer of one, where the sizes differ) derives them again.

:func:`install` wraps sympy's fact derivation (``sympy.core.assumptions._ask``)
so that an expression's facts are looked up by its *form*: the expression with
each symbol replaced by its number in order of first appearance (with its
assumptions and its class kept), the arguments of ``Add``, ``Mul``, ``Max`` and
``Min`` taken in an order that does not depend on the names.  Two expressions
with the same form are one expression renamed, so they have the same facts; a
form sympy has not seen is derived by sympy as before, and what it derived is
kept for the next expression of that form.  The worker fills the table with a
generic warm-up proof (:mod:`.warmup`) and the children it forks inherit it.
sympy's handlers are deterministic (it shuffles the order it tries them in to
expose handlers that are not), so a fact read from the table is the one sympy
would have derived: verdicts do not change (``tests/check/test_warmup.py``).
``NCD_CHECK_NO_ALIKE=1`` turns it off.
"""
from __future__ import annotations

import os
import sys

__all__ = ["install", "uninstall", "installed", "stats", "key_of"]

_MAX_MEMO = 200000  # objects whose form is remembered (each kept alive while remembered)
_MAX_NODES = 200  # forms of larger expressions are not computed (derived by sympy as before)
_state: dict = {"on": False, "table": {}, "memo": {}, "ids": {}, "hits": 0, "derived": 0}


def installed() -> bool:
    return _state["on"]


def stats() -> dict:
    return {"alike_forms": len(_state["table"]), "alike_hits": _state["hits"], "alike_derived": _state["derived"]}


def install() -> bool:
    """Look facts up by form from now on (in the worker, before any child is forked); False without sympy
    or when ``NCD_CHECK_NO_ALIKE`` is set."""
    if _state["on"]:
        return True
    if os.environ.get("NCD_CHECK_NO_ALIKE"):
        return False
    try:
        import sympy
    except ImportError:
        return False
    module = sys.modules["sympy.core.assumptions"]
    derive = module._ask
    commutative = (sympy.Add, sympy.Mul, sympy.Max, sympy.Min)
    symbol = sympy.Symbol
    table = _state["table"]
    key_of = _forms(commutative, symbol)

    def _ask(fact, obj):
        try:
            key = key_of(obj)
        except Exception:  # noqa: BLE001 - an expression we cannot describe is derived as before
            key = None
        if key is not None:
            known = table.get(key)
            if known is not None and fact in known:
                _state["hits"] += 1
                obj._assumptions.update(known)
                return known[fact]
        value = derive(fact, obj)
        if key is not None:
            _state["derived"] += 1
            known = table.get(key)
            if known is None:
                table[key] = dict(obj._assumptions)
            else:
                known.update(obj._assumptions)
        return value

    _ask._ncd_alike = True
    module._ask = _ask
    _state.update(on=True, key_of=key_of, derive=derive, ask=_ask)
    _memo_static()
    return True


def _forms(commutative, symbol):
    """The function giving an expression's form (see the module's docstring), with its memory."""
    memo, ids = _state["memo"], _state["ids"]

    def intern(shape) -> int:
        found = ids.get(shape)
        if found is None:
            found = ids[shape] = len(ids)
        return found

    def form_of(obj):
        """(shape id, symbols in canonical order) of ``obj``, remembered per object; None when too large."""
        got = memo.get(id(obj))
        if got is not None and got[0] is obj:
            return got[1]
        if isinstance(obj, symbol):
            given = getattr(obj, "_assumptions_orig", None) or obj.assumptions0
            found = (intern(("S", type(obj), tuple(sorted((k, v) for k, v in given.items() if v is not None)))),
                     (obj,), 1, given.get("commutative") is not False)
        elif not obj.args:
            found = (intern(("A", type(obj), obj._hashable_content())), (), 1, True)
        else:
            parts = [form_of(a) for a in obj.args]
            if any(p is None for p in parts):
                return None
            plain = all(p[3] for p in parts)  # no non-commuting symbol: the arguments' order is sympy's choice
            if plain and isinstance(obj, commutative):  # an order the names do not decide (ties keep sympy's)
                parts.sort(key=lambda p: p[0])
            size = 1 + sum(p[2] for p in parts)
            if size > _MAX_NODES:
                return None
            found = (intern(("F", type(obj), tuple(p[0] for p in parts))),
                     tuple(s for p in parts for s in p[1]), size, plain)
        if len(memo) >= _MAX_MEMO:
            memo.clear()
        memo[id(obj)] = (obj, found)
        return found

    def key_of(obj):
        found = form_of(obj)
        if found is None:
            return None
        numbers: dict = {}
        return found[0], tuple(numbers.setdefault(s, len(numbers)) for s in found[1])

    return key_of


def key_of(expr):
    """``expr``'s form: equal for two expressions exactly when one is the other renamed (None: too large,
    or not installed)."""
    return _state["key_of"](expr) if _state["on"] else None


def uninstall() -> None:
    """Undo :func:`install` (for tests), forgetting every form."""
    if not _state["on"]:
        return
    module = sys.modules["sympy.core.assumptions"]
    if module._ask is _state["ask"]:
        module._ask = _state["derive"]
    wrapped = _state.get("static_wrapper")
    if wrapped is not None:
        from torch.fx.experimental import symbolic_shapes as shapes

        if shapes._maybe_evaluate_static_worker is wrapped:
            shapes._maybe_evaluate_static_worker = _state["static_evaluate"]
    for name in ("table", "memo", "ids", "static"):
        _state.get(name, {}).clear()
    _state.update(on=False, hits=0, derived=0, static_wrapper=None)


# torch's static evaluation of a size expression, as this module has read it (torch 2.13): a pure function of
# the expression and of each symbol's range, of whether it has a sample value and whether it is size-like
_STATIC_SOURCES = ("7ceabfb471051c47",)


def _memo_static() -> None:
    """Wrap torch's static evaluation of a size expression (``_maybe_evaluate_static_worker``, cached by torch
    for the exact expression) so that an answer that is a number, a truth value or "unknown" is kept by the
    expression's form and its symbols' ranges, in order: an expression alike gets it without sympy's work.
    Only for the torch whose source :data:`_STATIC_SOURCES` names; an answer that is itself an expression
    (for unbacked sizes) is never kept."""
    import hashlib
    import inspect

    try:
        from torch.fx.experimental import symbolic_shapes as shapes
        from torch.utils._sympy.value_ranges import ValueRanges

        evaluate = shapes._maybe_evaluate_static_worker
        source = inspect.getsource(evaluate)  # torch's own function, under its cache and any wrapper
    except (ImportError, AttributeError, OSError, TypeError):
        return
    if hashlib.sha256(source.encode()).hexdigest()[:16] not in _STATIC_SOURCES:
        return
    memo, key_of = _state.setdefault("static", {}), _state["key_of"]

    def _maybe_evaluate_static_worker(expr, symbol_info, unbacked_only, size_oblivious):
        key = None
        if not unbacked_only:
            try:
                key = _static_key(key_of, expr, symbol_info, size_oblivious, ValueRanges)
            except Exception:  # noqa: BLE001 - evaluated by torch as before
                key = None
        if key is not None and key in memo:
            _state["hits"] += 1
            return memo[key]
        result = evaluate(expr, symbol_info, unbacked_only, size_oblivious)
        if key is not None and (result is None or not getattr(result, "free_symbols", True)):
            memo[key] = result
        return result

    _maybe_evaluate_static_worker.cache_info = evaluate.cache_info
    _maybe_evaluate_static_worker.cache_clear = evaluate.cache_clear
    _maybe_evaluate_static_worker.__wrapped__ = evaluate
    shapes._maybe_evaluate_static_worker = _maybe_evaluate_static_worker
    _state.update(static_wrapper=_maybe_evaluate_static_worker, static_evaluate=evaluate)


def _static_key(key_of, expr, symbol_info, size_oblivious, ranges):
    """(form, each symbol's range / has a sample / size-like in the form's order, size_oblivious), or None."""
    import sympy

    key = key_of(expr)
    if key is None:
        return None
    infos = {}
    for k, vr, val, size_like in symbol_info:
        if not isinstance(vr, ranges) or not (val is None or isinstance(val, (int, sympy.Integer))):
            return None
        infos[k] = (vr.lower, vr.upper, vr.is_bool, val is None, bool(size_like))
    order = _state["memo"][id(expr)][1][1]  # the form's symbols, first appearances in order
    seen, described = set(), []
    for symbol in order:
        if symbol not in seen:
            seen.add(symbol)
            described.append(infos[symbol])
    if len(described) != len(infos):
        return None
    return key, tuple(described), bool(size_oblivious)
