"""Check (stage: Diagram + PyTorch code -> ShapeReport): finding and building the user's code.

Two ways to name the code a diagram claims to describe:

* an import spec, ``package.module:Object`` or ``package.module:Object(m=m, k=16)``,
  whose constructor arguments may name the diagram's sizes and block parameters;
* embedded source text that defines it: the object checked is the one named
  explicitly, else the last ``nn.Module`` class defined, else the last function.

:func:`parse_spec` runs in the build process (no torch).  Everything else runs
inside the worker, after torch is imported: loading, constructing (a class
without explicit arguments gets the sizes its ``__init__`` names), resolving a
box's binding to a submodule, a method or a function, and locating an exception
in the user's own file.
"""
from __future__ import annotations

import ast
import difflib
import importlib
import inspect
import linecache
import os
import re
import sys
import traceback

from .. import messages as msg
from ..errors import NCDError

__all__ = ["parse_spec", "load", "construct", "resolve_binding", "user_frame", "BindingError"]

_SPEC = re.compile(r"^\s*([A-Za-z_][\w.]*)\s*:\s*([A-Za-z_][\w.]*)\s*(\(.*\S)?\s*$", re.S)
_EMBEDDED_MODULE = "ncd_embedded"


def parse_spec(code: str, name: str | None = None) -> dict:
    """Classify ``code``: ``{"kind": "import", "module", "attr", "call"}`` or ``{"kind": "source", ...}``."""
    if not isinstance(code, str) or not code.strip():
        raise NCDError(msg.CHECK_NO_CODE, None, kind="config")
    if "\n" not in code.strip():
        m = _SPEC.match(code)
        if m:
            call = m.group(3)
            if call is not None:
                try:
                    tree = ast.parse("f" + call, mode="eval")
                except SyntaxError as exc:
                    raise NCDError(msg.CHECK_BAD_SPEC.format(spec=code.strip(), reason=exc.msg), None,
                                   kind="config", hint=msg.CHECK_BAD_SPEC_HINT) from None
                ctor, forward = _split_call(tree.body)
                if ctor is None:
                    raise NCDError(msg.CHECK_BAD_SPEC.format(spec=code.strip(), reason="not a call"), None,
                                   kind="config", hint=msg.CHECK_BAD_SPEC_HINT)
                call = ast.unparse(ctor)[1:]
                if forward is not None:
                    return {"kind": "import", "module": m.group(1), "attr": m.group(2), "call": call,
                            "forward": forward}
            return {"kind": "import", "module": m.group(1), "attr": m.group(2), "call": call}
        if looks_like_path(code) and not os.path.exists(code.strip()):
            raise NCDError(msg.CHECK_NO_SUCH_FILE.format(path=code.strip()), None, kind="io",
                           hint=msg.CHECK_NO_SUCH_FILE_HINT)
    return {"kind": "source", "text": code, "name": name}


MODEL_NAME = "__ncd_model__"  # the built model inside a forward template


def _split_call(expr):
    """``f(ctor args)`` -> (that call, None); ``f(ctor args)(X, mask=M)[0]`` -> (the constructor call,
    the forward template with the built model as ``__ncd_model__``); (None, None) when there is no call."""
    node, parent, field = expr, None, None
    while True:
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "f":
            break
        nxt = node.func if isinstance(node, ast.Call) else getattr(node, "value", None) \
            if isinstance(node, (ast.Subscript, ast.Attribute)) else None
        if nxt is None:
            return None, None
        parent, field, node = node, "func" if isinstance(node, ast.Call) else "value", nxt
    if parent is None:
        return node, None
    setattr(parent, field, ast.Name(MODEL_NAME, ast.Load()))
    return node, ast.unparse(expr)


def literal_sizes(desc: dict) -> dict[str, int]:
    """Keyword arguments of an import spec's call that are whole-number literals: ``MLP(d=512)`` -> ``{"d": 512}``."""
    if desc.get("kind") != "import" or not desc.get("call"):
        return {}
    tree = ast.parse("f" + desc["call"], mode="eval").body
    return {k.arg: k.value.value for k in tree.keywords
            if k.arg and isinstance(k.value, ast.Constant) and type(k.value.value) is int and k.value.value > 0}


_PATHLIKE = re.compile(r"^[\w.~@+\-/\\ ]+$")


def looks_like_path(code: str) -> bool:
    """A one-line code value naming a file: ends in ``.py``, or has a path separator and only path characters."""
    text = code.strip()
    if not text or "\n" in text or _SPEC.match(text):
        return False
    if text.endswith(".py"):
        return True
    seps = {"/", os.sep} | ({os.altsep} if os.altsep else set())
    return any(s in text for s in seps) and bool(_PATHLIKE.match(text))


# --- inside the worker --------------------------------------------------------


class BindingError(Exception):
    """A box names a submodule or function that the code does not have."""

    def __init__(self, message: str, hint: str):
        super().__init__(message)
        self.message = message
        self.hint = hint


def load(desc: dict, filename: str | None, namespace: dict | None):
    """Import or execute the code; returns ``(object, globals of its module, user files)``."""
    if desc["kind"] == "import":
        _forget_if_changed(desc["module"], desc.get("fingerprint"))
        try:
            module = importlib.import_module(desc["module"])
        except ModuleNotFoundError as exc:
            missing = exc.name or ""
            if missing and (desc["module"] == missing or desc["module"].startswith(missing + ".")):
                # the module itself (or its package) is not on the path: nothing of the user's ran
                raise NCDError(msg.CHECK_IMPORT_FAILED.format(module=desc["module"], reason=_one_line(exc)), None,
                               kind="exec", hint=msg.CHECK_MODULE_NOT_FOUND_HINT) from None
            raise _user_error(exc, msg.CHECK_IMPORT_FAILED.format(module=desc["module"], reason=_one_line(exc)),
                              set()) from None
        except Exception as exc:  # ImportError, or the module raising at import time
            raise _user_error(exc, msg.CHECK_IMPORT_FAILED.format(module=desc["module"], reason=_one_line(exc)),
                              set()) from None
        obj = module
        for part in desc["attr"].split("."):
            if not hasattr(obj, part):
                err = NCDError(msg.CHECK_NO_OBJECT.format(module=desc["module"], name=desc["attr"]), None,
                               kind="exec", hint=_object_hint(part, obj))
                where = getattr(module, "__file__", None)
                if where:  # the module the object should be in is where to look
                    err.code_frame = (where, 1, "")
                raise err
            obj = getattr(obj, part)
        files = _package_files(module)
        return obj, vars(module), files
    text = desc["text"]
    fname = filename or "<embedded code>"
    lines = text.splitlines(True)
    linecache.cache[fname] = (len(text), None, lines, fname)  # tracebacks quote the user's lines
    ns: dict = {"__name__": _EMBEDDED_MODULE, "__file__": fname}
    ns.update(namespace or {})
    try:
        exec(compile(text, fname, "exec"), ns)
    except SyntaxError as exc:
        where = f"{fname}:{exc.lineno}"
        err = NCDError(msg.CHECK_USER_RAISED.format(exc="SyntaxError", text=exc.msg, where=where), None,
                       kind="exec")
        err.code_location = where
        err.code_frame = (fname, exc.lineno or 1, (exc.text or "").rstrip("\n"))
        raise err from None
    except Exception as exc:
        raise _user_error(exc, None, {fname}) from None
    return _pick(ns, desc.get("name"), fname), ns, {fname}


_FINGERPRINTS: dict[str, str] = {}  # top-level package -> fingerprint of its files when imported


def _forget_if_changed(module: str, fingerprint: str | None) -> None:
    """A long-lived worker re-imports a package whose files changed since it imported them."""
    top = module.split(".")[0]
    if fingerprint is None:
        return
    old = _FINGERPRINTS.get(top)
    if old is not None and old != fingerprint:
        for name in [n for n in sys.modules if n == top or n.startswith(top + ".")]:
            del sys.modules[name]
        importlib.invalidate_caches()
    _FINGERPRINTS[top] = fingerprint


def _pick(ns: dict, name: str | None, fname: str):
    import torch.nn as nn

    if name:
        if name not in ns:
            # located by the caller at the embedded code's first line
            raise NCDError(msg.CHECK_NO_OBJECT.format(module=fname, name=name), None, kind="exec",
                           hint=_object_hint(name, ns))
        return ns[name]
    classes, functions = [], []
    for value in ns.values():
        if getattr(value, "__module__", None) != _EMBEDDED_MODULE:
            continue
        if inspect.isclass(value) and issubclass(value, nn.Module):
            classes.append(value)
        elif inspect.isfunction(value):
            functions.append(value)
    if classes:
        return classes[-1]
    if functions:
        return functions[-1]
    raise NCDError(msg.CHECK_NO_MODEL_IN_SOURCE, None, kind="exec")


def _object_hint(name: str, holder) -> str | None:
    """Did-you-mean over what ``holder`` (a module, a class or a namespace dict) defines."""
    names = list(holder) if isinstance(holder, dict) else dir(holder)
    names = [n for n in names if not n.startswith("_") and isinstance(n, str)]
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    if close:
        return msg.CHECK_OBJECT_DID_YOU_MEAN.format(name=close[0])
    values = holder if isinstance(holder, dict) else vars(holder) if hasattr(holder, "__dict__") else {}
    home = values.get("__name__") if isinstance(values, dict) else None
    own = [n for n in names if (inspect.isclass(values.get(n)) or inspect.isfunction(values.get(n)))
           and getattr(values.get(n), "__module__", None) == home]
    return msg.CHECK_OBJECT_HAS.format(names=", ".join(own[:12])) if own else None


def used_names(obj, call: str | None, names) -> set[str]:
    """The diagram's sizes the construction passes to the code (by the call's text or by ``__init__``)."""
    if call is not None:
        tree = ast.parse("f" + call, mode="eval").body
        parts = list(tree.args) + [k.value for k in tree.keywords]
        return {n.id for p in parts for n in ast.walk(p) if isinstance(n, ast.Name)} & set(names)
    if inspect.isclass(obj):
        try:
            return set(inspect.signature(obj).parameters) & set(names)
        except (TypeError, ValueError):
            return set()
    return set()


def construct(obj, call: str | None, names: dict, user_ns: dict):
    """Build the model: call the spec's arguments, or give a class the sizes its ``__init__`` names."""
    if call is not None:
        tree = ast.parse("f" + call, mode="eval").body
        env = {"__builtins__": {"int": int, "float": float, "len": len, "min": min, "max": max, "abs": abs,
                                "True": True, "False": False, "None": None}}
        env.update({k: v for k, v in user_ns.items() if not k.startswith("__")})  # GPT2Config(...)
        env.update(names)
        args = [eval(compile(ast.Expression(a), "<spec>", "eval"), env) for a in tree.args]
        kwargs = {k.arg: eval(compile(ast.Expression(k.value), "<spec>", "eval"), env) for k in tree.keywords}
        return obj(*args, **kwargs)
    if inspect.isclass(obj):
        try:
            sig = inspect.signature(obj)
        except (TypeError, ValueError):
            return obj()
        kwargs = {}
        for p in sig.parameters.values():
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                continue
            if p.name in names:
                kwargs[p.name] = names[p.name]
            elif p.default is p.empty:
                raise TypeError(f"{obj.__name__}() needs the argument '{p.name}', which names no size of the diagram")
        return obj(**kwargs)
    return obj  # a function is checked as it is


def call_forward(model, template: str | None, inputs: list, names: list[str], sizes: dict, user_ns: dict):
    """Run the model on the diagram's inputs: ``model(*inputs)``, or the spec's forward template
    (``__ncd_model__(X, position_embeddings=(C, S))[0]``) with the inputs by their diagram names."""
    if not template:
        return model(*inputs)
    env = {k: v for k, v in user_ns.items() if not k.startswith("__")}
    env["__builtins__"] = {"None": None, "True": True, "False": False, "int": int, "len": len, "tuple": tuple}
    env.update(sizes)
    env.update(zip(names, inputs))
    env[MODEL_NAME] = model
    return eval(compile(template, "<spec>", "eval"), env)


def resolve_binding(model, path: str, user_ns: dict, taken=()):
    """Find what a box's binding names: ``("module", m)``, or ``("attr", owner, name)`` to wrap.

    ``taken``: what the diagram's other boxes bind, suggested only when nothing free is close.
    """
    import torch.nn as nn

    if isinstance(model, nn.Module):
        try:
            return ("module", model.get_submodule(path))
        except AttributeError:
            pass
        owner, _, last = path.rpartition(".")
        try:
            holder = model.get_submodule(owner) if owner else model
        except AttributeError:
            holder = None
        if holder is not None and callable(getattr(holder, last, None)):
            return ("attr", holder, last)
    head, _, rest = path.partition(".")
    if head in user_ns:
        holder, last = user_ns, path
        if rest:
            obj = user_ns[head]
            parts = rest.split(".")
            for part in parts[:-1]:
                obj = getattr(obj, part, None)
            if obj is not None and callable(getattr(obj, parts[-1], None)):
                return ("attr", obj, parts[-1])
        elif callable(user_ns[head]):
            return ("global", holder, last)
    last = path.rpartition(".")[2]
    if last != path and callable(user_ns.get(last)) and not isinstance(user_ns.get(last), type):
        return ("global", user_ns, last)  # a module-level function bound inside a block: attn.eager_attention_forward
    plain = _plain_container(model, path)
    if plain is not None:
        owner_name = type(model).__name__
        raise BindingError(msg.CHECK_NO_BINDING.format(binding=path, owner=owner_name),
                           msg.CHECK_PLAIN_CONTAINER.format(name=plain[0], kind=plain[1]))
    modules, functions = _available(model, user_ns)
    taken = set(taken) - {path}
    close = (difflib.get_close_matches(path, [n for n in modules + functions if n not in taken], n=1)
             or difflib.get_close_matches(path, modules + functions, n=1))
    suggest = msg.CHECK_DID_YOU_MEAN.format(name=close[0]) if close else ""
    owner_name = type(model).__name__ if isinstance(model, nn.Module) else getattr(model, "__name__", "the code")
    available = ", ".join(modules) if modules else "(no submodules)"
    if functions:
        available += msg.CHECK_NO_BINDING_FUNCTIONS.format(functions=", ".join(functions))
    raise BindingError(
        msg.CHECK_NO_BINDING.format(binding=path, owner=owner_name),
        msg.CHECK_NO_BINDING_HINT.format(available=available, suggest=suggest),
    )


def _plain_container(model, path: str):
    """``blocks.0`` where ``self.blocks`` is a Python list of modules: ``("blocks", "list")``."""
    import torch.nn as nn

    parts = path.split(".")
    obj = model
    for i, part in enumerate(parts):
        if isinstance(obj, (list, tuple, dict)):
            if any(isinstance(v, nn.Module) for v in (obj.values() if isinstance(obj, dict) else obj)):
                return ".".join(parts[:i]), type(obj).__name__
            return None
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return None


def _available(model, user_ns: dict) -> tuple[list[str], list[str]]:
    """Submodule paths of the model, and functions defined in its module."""
    import torch.nn as nn

    modules = [n for n, _ in model.named_modules() if n] if isinstance(model, nn.Module) else []
    functions = []
    for key, value in user_ns.items():
        if (inspect.isfunction(value) and getattr(value, "__module__", None) == user_ns.get("__name__")
                and not key.startswith("_")):
            functions.append(key)
    return modules, functions


# --- locating exceptions in the user's code ------------------------------------


def _package_files(module) -> set[str]:
    path = getattr(module, "__file__", None)
    if not path:
        return set()
    root = os.path.dirname(os.path.abspath(path))
    top = module.__name__.split(".")[0]
    pkg = sys.modules.get(top)
    if pkg is not None and getattr(pkg, "__file__", None):
        root = os.path.dirname(os.path.abspath(pkg.__file__))
        if pkg.__file__.endswith("__init__.py"):
            root = os.path.dirname(root) if top != module.__name__ else root
    return {root + os.sep}


_LIB_DIRS: tuple[str, ...] = ()


def _library_dirs() -> tuple[str, ...]:
    global _LIB_DIRS
    if not _LIB_DIRS:
        import sysconfig

        dirs = {sysconfig.get_paths()[k] for k in ("stdlib", "platstdlib", "purelib", "platlib")}
        dirs.add(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # sphinx_ncd itself
        _LIB_DIRS = tuple(os.path.abspath(d) + os.sep for d in dirs)
    return _LIB_DIRS


def user_frame(exc: BaseException, user_files: set[str]):
    """The innermost traceback frame in the user's code: ``(file, line, text)`` or None."""
    frames = traceback.extract_tb(exc.__traceback__)
    best = None
    for fr in frames:
        f = fr.filename
        mine = f in user_files or any(f.startswith(d) for d in user_files if d.endswith(os.sep))
        if mine:
            best = fr
    if best is None:
        for fr in frames:
            f = os.path.abspath(fr.filename) if not fr.filename.startswith("<") else fr.filename
            if not f.startswith("<") and not any(f.startswith(d) for d in _library_dirs()):
                best = fr
    if best is None:
        return None
    raw = linecache.getline(best.filename, best.lineno).rstrip("\n") or (best.line or "")
    return best.filename, best.lineno, raw


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _user_error(exc: BaseException, message: str | None, files: set[str]) -> NCDError:
    frame = user_frame(exc, files)
    where = f"{frame[0]}:{frame[1]}" if frame else "?"
    text = message or msg.CHECK_USER_RAISED.format(exc=type(exc).__name__, text=_one_line(exc), where=where)
    err = NCDError(text, None, kind="exec", hint=f"{where}: {frame[2].strip()}" if frame else None)
    err.code_location = where if frame else ""
    err.code_frame = frame
    return err
