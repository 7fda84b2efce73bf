"""Model stage: a short plain-text description of a diagram (alt text).

``describe(diagram)`` gives e.g. "Neural circuit diagram: y m, x m -> y m;
learned L^Q (m -> k h), learned L^K (m -> k h), einsum (y k h, x k h -> y x h),
softmax over x, ...".  It never repeats the raw spec.
"""
from __future__ import annotations

import re

from .kinds import KINDS
from .types import Diagram, OpKind, Panel

__all__ = ["describe", "plain"]

_GREEK = {name: chr(code) for name, code in (
    ("alpha", 0x3b1), ("beta", 0x3b2), ("gamma", 0x3b3), ("delta", 0x3b4), ("epsilon", 0x3b5),
    ("zeta", 0x3b6), ("eta", 0x3b7), ("theta", 0x3b8), ("iota", 0x3b9), ("kappa", 0x3ba),
    ("lambda", 0x3bb), ("mu", 0x3bc), ("nu", 0x3bd), ("xi", 0x3be), ("pi", 0x3c0), ("rho", 0x3c1),
    ("sigma", 0x3c3), ("tau", 0x3c4), ("phi", 0x3c6), ("chi", 0x3c7), ("psi", 0x3c8), ("omega", 0x3c9),
    ("Gamma", 0x393), ("Delta", 0x394), ("Theta", 0x398), ("Lambda", 0x39b), ("Pi", 0x3a0),
    ("Sigma", 0x3a3), ("Phi", 0x3a6), ("Psi", 0x3a8), ("Omega", 0x3a9))}
_SYMBOLS = {"lfloor": "\u230a", "rfloor": "\u230b", "lceil": "\u2308", "rceil": "\u2309", "star": "\u2605",
            "cdot": "\u00b7", "times": "\u00d7", ",": " ", "infty": "\u221e"}


def plain(label: str) -> str:
    """Light-math label source to readable text: ``C_{5-\\lambda}`` -> ``C_5-λ``, ``\\bar{x}`` -> ``x̄``."""
    if "\\" not in label and "{" not in label:
        return label
    text = re.sub(r"\\(?:bar|overline)\{([^{}]*)\}", lambda m: "".join(c + "\u0305" for c in m.group(1)), label)
    text = re.sub(r"\\mathbb\{E\}", "\U0001d53c", text)
    text = re.sub(r"\\(?:mathbf|mathrm|mathit|mathbb|text|boldsymbol)\{([^{}]*)\}", r"\1", text)
    text = re.sub(r"\\sqrt\{([^{}]*)\}", "\u221a\\1", text)
    text = re.sub(r"\\([A-Za-z]+|,)", lambda m: _GREEK.get(m.group(1), _SYMBOLS.get(m.group(1), m.group(1))), text)
    text = re.sub(r"([_^])\{([^{}]{2,})\}", r"\1(\2)", text)  # x_{\lambda+1} -> x_(λ+1)
    return text.replace("{", "").replace("}", "")

_MAX_OPS = 12


def _panel(panel: Panel) -> str:
    ops = [o for o in panel.operations if o.kind not in (OpKind.COPY, OpKind.DELETE)]
    parts = [KINDS[o.kind].describe(o) if o.kind in KINDS else o.kind for o in ops[:_MAX_OPS]]
    if len(ops) > _MAX_OPS:
        parts.append(f"and {len(ops) - _MAX_OPS} more operations")
    text = panel.signature
    if parts:
        text += "; " + ", ".join(parts)
    return text


def describe(diagram: Diagram) -> str:
    """A one-paragraph description for screen readers and text builders (light math made plain)."""
    return plain(_describe(diagram))


def _describe(diagram: Diagram) -> str:
    """A one-paragraph description for screen readers and text builders."""
    head = "Neural circuit diagram"
    if diagram.title:
        head += f" '{diagram.title}'"
    body = " = ".join(_panel(p) for p in diagram.panels)
    if diagram.main.header is not None:
        h = diagram.main.header
        head += f" of block {h.name}({', '.join(h.params)})"
    notes = [n.text.replace("$", "") for p in diagram.panels for n in p.notes]
    tail = (" Notes: " + " ".join(t if t.endswith((".", "!", "?")) else t + "." for t in notes)) if notes else ""
    return f"{head}: {body}.{tail}"
