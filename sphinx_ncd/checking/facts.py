"""Check (stage: Diagram + PyTorch code -> ShapeReport): what a check child learned about its sizes, kept.

A symbolic proof spends much of its time deriving sympy's assumption facts
(``is_integer``, ``is_zero``, ``is_infinite``...) of the size expressions it
builds (``3*s40*s60``, ``s39*(s40//s39) - s40``).  sympy keeps a fact on the
expression object, and keeps recent expressions in its constructor cache, so a
second proof in one process is about twice as fast as the first.  Each check
runs in a fresh child forked from the worker (:mod:`.isolate`), so every child
re-derived them.

Here the child records which expressions it asked facts about (:func:`record`)
and hands them back with its answer as plain data (:func:`learned`): nested
lists naming whitelisted sympy and ``torch.utils._sympy`` classes, symbols,
integers and rationals -- never code, never sympy objects.  In its idle time the
worker rebuilds them and asks sympy the same questions (:class:`Replay`), so the
children it forks next find the facts already there.  Facts are derived by
sympy in the worker from the expression alone: the child supplies which
expressions, never an answer, so a verdict cannot change.  The replay stops as
soon as a request is waiting.
"""
from __future__ import annotations

import sys
import threading
import time

__all__ = ["install", "record", "learned", "Replay", "Interrupted"]

_MAX_EXPRESSIONS = 4000  # per check, the most kept
_MAX_NODES = 120  # per expression
_STOP_WAIT = 5.0  # seconds the worker waits for its replay to stop before a fork
_MAX_CALLS = 100000  # constructor calls noted per check (each keeps its expression alive until the answer)
_MAX_INT = 1 << 62
_MAX_POWER = 64
_MAX_TERMS = 256  # an expression's expansion, at most
_MODULES = ("sympy.core.add", "sympy.core.mul", "sympy.core.power", "sympy.core.mod", "sympy.core.relational",
            "sympy.functions.elementary.integers", "sympy.functions.elementary.miscellaneous",
            "sympy.functions.elementary.complexes", "sympy.logic.boolalg", "torch.utils._sympy.functions")
_state: dict = {"asked": None, "made": None, "static": None, "evaluate": None, "classes": None, "stop": None}


class Interrupted(BaseException):
    """Raised in the worker's idle thread, at its next question to sympy or its next import, when a fork is
    waiting: a warm-up proof stops within milliseconds (a BaseException, so that no ``except Exception`` on
    the way keeps it), never holding a lock a forked child would need."""


def _interrupt() -> None:
    """In the idle thread, once a fork is waiting: raise :class:`Interrupted`."""
    stop = _state["stop"]
    if stop is not None and stop[0] == threading.get_ident() and stop[1]():
        raise Interrupted()


class _ImportStop:
    """First on ``sys.meta_path``: an import in the idle thread is a place to stop too."""

    @staticmethod
    def find_spec(name, path=None, target=None):
        _interrupt()
        return None


def install() -> bool:
    """Wrap sympy's fact derivation once (in the worker, before any child is forked); False without sympy."""
    try:
        import sympy  # noqa: F401
    except ImportError:
        return False
    module = sys.modules["sympy.core.assumptions"]
    if getattr(module._ask, "_ncd_recording", False):
        return True
    derive = module._ask

    def _ask(fact, obj):
        if _state["stop"] is not None:
            _interrupt()
        asked = _state["asked"]
        if asked is not None and len(asked) < _MAX_EXPRESSIONS:
            entry = asked.get(id(obj))
            if entry is None:
                entry = asked[id(obj)] = (obj, set())
            entry[1].add(fact)
        return derive(fact, obj)

    _ask._ncd_recording = True
    module._ask = _ask
    sys.meta_path.insert(0, _ImportStop)
    from sympy.core.operations import AssocOp
    from sympy.core.power import Pow

    for cls in (AssocOp, Pow):  # Add, Mul, Pow: how each was called is the key of sympy's cache
        _note_calls(cls)
    _note_static()
    return True


def _note_static() -> None:
    """Wrap torch's static evaluation of a size expression (a pure function torch caches for the life of
    the process: ``_maybe_evaluate_static_worker``) to note, while recording, the calls it answered."""
    try:
        from torch.fx.experimental import symbolic_shapes as shapes
    except ImportError:
        return
    evaluate = getattr(shapes, "_maybe_evaluate_static_worker", None)
    if evaluate is None or not hasattr(evaluate, "cache_info"):
        return  # another torch: nothing of this shape to warm

    def _maybe_evaluate_static_worker(*args):
        calls = _state["static"]
        if calls is None:
            return evaluate(*args)
        misses = evaluate.cache_info().misses
        result = evaluate(*args)
        if evaluate.cache_info().misses != misses and len(calls) < _MAX_EXPRESSIONS:
            calls.setdefault(args, None)  # worked out here, not found in the cache
        return result

    _maybe_evaluate_static_worker.cache_info = evaluate.cache_info
    _maybe_evaluate_static_worker.cache_clear = evaluate.cache_clear
    _maybe_evaluate_static_worker.__wrapped__ = evaluate
    _state["evaluate"] = evaluate
    shapes._maybe_evaluate_static_worker = _maybe_evaluate_static_worker


def _note_calls(cls) -> None:
    """Wrap ``cls.__new__`` (sympy caches it by its arguments) to note, while recording, the arguments
    each expression was first built from: rebuilt from the same ones, the worker's copy is the one
    sympy's cache hands the next child."""
    build = cls.__dict__["__new__"].__func__

    def __new__(kind, *args, **options):
        obj = build(kind, *args, **options)
        made = _state["made"]
        if (made is not None and not options and type(obj) is kind and id(obj) not in made
                and len(made) < _MAX_CALLS):
            made[id(obj)] = (obj, kind, args)
        return obj

    cls.__new__ = staticmethod(__new__)


def record() -> None:
    """In a check child: start noting every expression whose facts sympy has to derive."""
    _state["asked"], _state["made"], _state["static"] = {}, {}, {}


def learned() -> list:
    """In a check child, after its check, what it derived, as plain data: ``["facts", tree, [fact, ...]]``
    and ``["static", tree, [[symbol, lower, upper, value, size_like], ...], unbacked_only, oblivious]``."""
    asked, made, static = (_state[k] or {} for k in ("asked", "made", "static"))
    _state["asked"] = _state["made"] = _state["static"] = None
    out = []
    for args in static:
        item = _encode_static(args, made)
        if item is not None:
            out.append(item)
    for obj, facts in asked.values():
        tree = _encode(obj, [0], made)
        if tree is not None:
            out.append(["facts", tree, sorted(facts)])
    return out


def _encode_static(args, made):
    expr, infos, unbacked_only, oblivious = args
    out = []
    for k, vr, val, size_like in infos:
        parts = [_encode(x, [0], made) for x in (k, vr.lower, vr.upper)] if vr is not None else [None]
        value = None if val is None else _encode(val, [0], made)
        if any(p is None for p in parts) or (val is not None and value is None):
            return None
        out.append([*parts, value, bool(size_like)])
    tree = _encode(expr, [0], made)
    return None if tree is None else ["static", tree, out, bool(unbacked_only), bool(oblivious)]


def _encode(obj, count, made):
    """``obj`` as nested lists, or None when it holds anything outside the whitelist or is too big."""
    import sympy

    count[0] += 1
    if count[0] > _MAX_NODES:
        return None
    if type(obj) is int:  # a plain int argument: sympy's cache tells it from Integer, so do we
        return ["I", obj] if abs(obj) < _MAX_INT else None
    if not isinstance(obj, sympy.Basic):
        return None
    if isinstance(obj, sympy.Integer):
        value = int(obj)
        return value if abs(value) < _MAX_INT else None
    if isinstance(obj, sympy.Rational):
        return ["Q", obj.p, obj.q] if abs(obj.p) < _MAX_INT and abs(obj.q) < _MAX_INT else None
    if type(obj) is sympy.Symbol:
        given = getattr(obj, "_assumptions_orig", None) or obj.assumptions0
        return ["S", obj.name, {k: bool(v) for k, v in given.items() if v is not None}]
    if isinstance(type(obj), sympy.core.singleton.Singleton):
        return ["K", type(obj).__name__]
    _, cls, args = made.get(id(obj)) or (obj, type(obj), obj.args)
    key = f"{cls.__module__}:{cls.__qualname__}"
    if key not in _classes():
        return None
    args = [_encode(a, count, made) for a in args]
    return None if any(a is None for a in args) else ["F", key, args]


def _classes() -> dict:
    """The expression classes a replay may build: sympy's arithmetic, relations, integer and min/max
    functions, logic, and torch's size functions (``FloorDiv``, ``Mod``...)."""
    if _state["classes"] is None:
        import importlib

        import sympy

        found = {}
        for name in _MODULES:
            try:
                module = importlib.import_module(name)
            except ImportError:
                continue
            for value in vars(module).values():
                if isinstance(value, type) and issubclass(value, sympy.Basic) and value.__module__ == name:
                    found[f"{name}:{value.__qualname__}"] = value
        _state["classes"] = found
    return _state["classes"]


def _terms(tree) -> int:
    """At most how many terms expanding ``tree`` gives (torch's static evaluation expands): a bound that
    keeps a product of many sums, or a high power of one, out of the worker."""
    if not (isinstance(tree, list) and len(tree) == 3 and tree[0] == "F" and isinstance(tree[2], list)):
        return 1
    parts = [_terms(a) for a in tree[2]]
    kind = str(tree[1]).rsplit(":", 1)[-1]
    if kind == "Mul":
        total = 1
        for p in parts:
            total = min(total * p, _MAX_TERMS + 1)
        return total
    if kind == "Pow" and len(tree[2]) == 2 and type(tree[2][1]) is int:
        return min(parts[0] ** min(abs(tree[2][1]), 64), _MAX_TERMS + 1)
    return min(sum(parts), _MAX_TERMS + 1)


def _build(tree):
    """:func:`_decode` of a whole entry's expression, refused when its expansion would be large."""
    if _terms(tree) > _MAX_TERMS:
        raise ValueError("its expansion is too large")
    return _decode(tree, [0])


def _decode(tree, count):
    """The expression ``tree`` describes (built by its own classes, so sympy evaluates it afresh)."""
    import sympy

    count[0] += 1
    if count[0] > _MAX_NODES:
        raise ValueError("too large")
    if isinstance(tree, bool):
        raise ValueError("not a size")
    if isinstance(tree, int):
        if abs(tree) >= _MAX_INT:
            raise ValueError("too large")
        return sympy.Integer(tree)
    if not isinstance(tree, list) or not tree:
        raise ValueError("not an expression")
    tag = tree[0]
    if tag == "I" and len(tree) == 2 and type(tree[1]) is int and abs(tree[1]) < _MAX_INT:
        return tree[1]
    if tag == "Q" and len(tree) == 3 and all(isinstance(v, int) and abs(v) < _MAX_INT for v in tree[1:]):
        return sympy.Rational(tree[1], tree[2])
    if tag == "S" and len(tree) == 3 and isinstance(tree[1], str) and len(tree[1]) < 64 and isinstance(tree[2], dict):
        return sympy.Symbol(tree[1], **{str(k): bool(v) for k, v in tree[2].items()})
    if tag == "K" and len(tree) == 2 and isinstance(tree[1], str):
        value = getattr(sympy.S, tree[1])
        if not isinstance(value, sympy.Basic):
            raise ValueError("not a constant")
        return value
    if tag == "F" and len(tree) == 3 and isinstance(tree[2], list):
        cls = _classes()[tree[1]]
        args = [_decode(a, count) for a in tree[2]]
        if issubclass(cls, sympy.Pow) and not (len(args) == 2 and sympy.sympify(args[1]).is_Integer
                                                and abs(args[1]) <= _MAX_POWER):
            raise ValueError("power too large")
        return cls(*args)
    raise ValueError("not an expression")


class Replay:
    """Expressions children learned, rebuilt in the worker by a thread of its own while the worker waits
    for, or relays, the next check: the worker stops it (:meth:`stop`, at the end of an entry) before it
    forks, so a child is never forked in the middle of a replay."""

    def __init__(self, limit: int = 20000, steps=()):
        self.limit = limit
        self.steps: list = list(steps)  # our own warm-up (warmup.steps), run before any learned entry
        self.warmed = 0  # warm-up steps run so far
        self.queue: list = []
        self.done = 0  # entries rebuilt so far
        self.cpu_seconds = 0.0
        self.warm_cpu_seconds = 0.0
        self.interrupted = 0  # warm-up steps stopped for a fork (run again later)
        self.born = time.monotonic()
        self.warm_seconds = None  # from this object's making to the warm-up's end
        self._thread = None
        self._stopping = False
        self.abandoned = False

    def add(self, items) -> None:
        """Queue a child's :func:`learned` list (anything malformed is skipped when it is rebuilt)."""
        if isinstance(items, list):
            self.queue.extend(items[: max(0, self.limit - len(self.queue))])

    def start(self) -> None:
        """Replay the queue in a background thread (nothing to do when it is empty)."""
        import threading

        if self._thread is None and (self.queue or self.steps) and not self.abandoned:
            self._stopping = False
            self._thread = threading.Thread(target=self._work, daemon=True, name="ncd-replay")
            self._thread.start()

    def stop(self) -> None:
        """Stop the thread at its next question to sympy, its next import or the end of its entry, and wait
        for it to end (after ``_STOP_WAIT`` s, the idle work is abandoned for good, and still waited for)."""
        if self._thread is not None:
            self._stopping = True
            self._thread.join(_STOP_WAIT)
            if self._thread.is_alive():  # (a busy machine): no more idle work, but never a fork beside it
                self.queue, self.steps, self.abandoned = [], [], True
                print("ncd check: the worker's replay of learned facts was slow to stop; it is off", file=sys.stderr)
                self._thread.join()
            self._thread = None

    def _work(self) -> None:
        import os
        import threading

        try:  # the lowest priority (this thread alone, on Linux): a check running meanwhile comes first
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
        except (AttributeError, OSError):
            pass
        self.run(lambda: self._stopping, interruptible=True)

    def run(self, stopping, interruptible: bool = False) -> bool:
        """Run the warm-up steps, then rebuild queued entries, until both are done or ``stopping()``; True when
        they are done.  ``interruptible``: also stop inside a step or an entry (:class:`Interrupted`)."""
        start = time.thread_time()
        if interruptible:
            _state["stop"] = (threading.get_ident(), stopping)
        try:
            while self.steps or self.queue:
                if stopping():
                    return False
                if self.steps:
                    self._warm(self.steps[0])
                    continue
                item = self.queue.pop(0)
                try:
                    _replay(item)
                except Interrupted:  # a fork is waiting: this entry again later
                    self.queue.insert(0, item)
                    return False
                except Exception:  # noqa: BLE001 - a malformed or unbuildable entry is only skipped
                    continue
                self.done += 1
            return True
        finally:
            _state["stop"] = None
            self.cpu_seconds += time.thread_time() - start

    def _warm(self, step) -> None:
        """Run one warm-up step; one interrupted (a fork is waiting) stays first in line, to run again."""
        t0 = time.thread_time()
        try:
            step()
        except Interrupted:
            self.interrupted += 1
            return
        except Exception:  # noqa: BLE001 - warming is an optimisation only
            pass
        finally:
            self.warm_cpu_seconds += time.thread_time() - t0
        self.steps.pop(0)
        self.warmed += 1
        if not self.steps:
            self.warm_seconds = time.monotonic() - self.born

    def warming(self) -> bool:
        """The warm-up is not done: a spare forked before it is as good as a worker without one."""
        return bool(self.steps) and not self.abandoned

    def idle(self) -> bool:
        """Nothing left to do (the warm-up done, every learned entry replayed)."""
        return not (self.steps or self.queue) or self.abandoned

    def version(self):
        """Changes when a fork now would carry notably more: after each warm-up step, every 64 entries, and
        when the queue empties."""
        return self.warmed, (self.done if not self.queue else -(self.done // 64) - 1)

    def status(self) -> dict:
        return {"replayed": self.done, "pending": len(self.queue),
                "replay_cpu_s": round(self.cpu_seconds - self.warm_cpu_seconds, 3),  # (the warm-up apart)
                "warming": len(self.steps), "warmed": self.warmed, "interrupted": self.interrupted, "warm_cpu_s": round(self.warm_cpu_seconds, 3),
                "warm_s": None if self.warm_seconds is None else round(self.warm_seconds, 3)}


def _replay(item) -> None:
    """Rebuild one learned entry and ask sympy (or torch's static evaluation) what the child asked."""
    if not isinstance(item, list) or not item:
        raise ValueError("not an entry")
    if item[0] == "facts" and len(item) == 3 and isinstance(item[2], list):
        known = sys.modules["sympy.core.assumptions"]._assume_defined
        obj = _build(item[1])
        for fact in item[2]:
            if isinstance(fact, str) and fact in known:
                getattr(obj, "is_" + fact)
    elif item[0] == "static" and len(item) == 5 and isinstance(item[2], list) and _state["evaluate"]:
        from torch.fx.experimental.symbolic_shapes import _SymbolInfo
        from torch.utils._sympy.value_ranges import ValueRanges

        infos = []
        for info in item[2]:
            k, lower, upper, value, size_like = info
            value = None if value is None else _decode(value, [0])
            infos.append(_SymbolInfo(_decode(k, [0]), ValueRanges(_decode(lower, [0]), _decode(upper, [0])),
                                     value, bool(size_like)))
        _state["evaluate"](_build(item[1]), tuple(infos), bool(item[3]), bool(item[4]))
    else:
        raise ValueError("not an entry")
