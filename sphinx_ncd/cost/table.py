"""Cost stage: the cost table as cells, and its text, HTML and LaTeX renderings.

:func:`cells` turns a :class:`~sphinx_ncd.cost.analysis.CostReport` into a header,
one row per vertical section, a total row and notes (fences, peak memory, the
roofline, the conventions): plain strings, so the command line, the HTML figure and
the LaTeX figure show the same figures.  Counts get SI prefixes; a figure the sizes
leave symbolic is shown as its expression.
"""
from __future__ import annotations

import html
import unicodedata

import sympy

from ..layout.mathtext import GREEK
from .conventions import CONVENTION_TEXT

__all__ = ["cells", "as_text", "as_html", "as_latex", "fmt_count", "fmt_bytes", "fmt_time", "box_titles"]

HEADER = ("section", "boxes", "FLOPs", "of which matmul", "params", "traffic", "state after",
          "FLOP/byte", "bound", "roofline")
_PREFIX = ((1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"))


def fmt_count(v, unit="") -> str:
    if not isinstance(v, (int, float)):
        return sympy.sstr(v).replace("**", "^") + (f" {unit}" if unit else "")
    for scale, prefix in _PREFIX:
        if abs(v) >= scale:
            return f"{v / scale:.3g} {prefix}{unit}"
    return f"{v:.3g}{' ' + unit if unit else ''}" if isinstance(v, float) else f"{v}{' ' + unit if unit else ''}"


def fmt_bytes(report, elements) -> str:
    v = report.value(elements)
    return fmt_count(v * report.dtype_bytes if isinstance(v, (int, float)) else v * report.dtype_bytes, "B")


def fmt_time(seconds) -> str:
    if seconds is None:
        return "-"
    if seconds >= 1:
        return f"{seconds:.3g} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.3g} ms"
    if seconds >= 1e-6:
        return f"{seconds * 1e6:.3g} µs"
    return f"{seconds * 1e9:.3g} ns"


def _roof(report, flops, traffic):
    r = report.roofline(flops, traffic)
    if r is None:
        return ["-", "-", "-"]
    intensity, bound, t = r
    return [f"{intensity:.3g}" if intensity != float("inf") else "inf", bound, fmt_time(t)]


def cells(report):
    """(header, rows, total, notes) of strings."""
    rows = []
    for r in report.rows:
        names = ", ".join(b.name for b in r.boxes if b.cost.flops != 0 or b.cost.writes != 0) or "(wiring)"
        rows.append([str(r.index), names, fmt_count(report.value(r.flops)), fmt_count(report.value(r.counted)),
                     fmt_count(report.value(r.params)), fmt_bytes(report, r.traffic),
                     fmt_bytes(report, r.state)] + _roof(report, r.flops, r.traffic))
    total = ["total", "", fmt_count(report.value(report.flops)), fmt_count(report.value(report.counted)),
             fmt_count(report.value(report.params)), fmt_bytes(report, report.traffic), "",
             *_roof(report, report.flops, report.traffic)[:2], fmt_time(report.unfused_time())]
    return HEADER, rows, total, notes(report)


def notes(report) -> list[str]:
    m = report.machine
    out = [f"peak memory: forward {fmt_bytes(report, report.peak_forward)} (largest memory state and weights); "
           f"training {fmt_bytes(report, report.peak_training)} (weights and gradients, every box's saved "
           f"inputs, the output)"]
    for f in report.fences:
        out.append(_fence_note(report, f))
    if report.uncosted:
        out.append("not costed (counted as 0): the uses of " + ", ".join(report.uncosted)
                   + ", whose block definition was not found (give its library's directory)")
    out.append(f"machine: {m.name}, {m.peak_flops / 1e12:.4g} TFLOP/s ({m.dtype}), {m.bandwidth / 1e12:.3g} TB/s, "
               f"fast memory {m.fast_memory // 1024} KB; {report.dtype_bytes} bytes per element; roofline "
               f"with every box its own kernel")
    out.append(CONVENTION_TEXT)
    return out


def _fence_note(report, f) -> str:
    fast = report.machine.fast_memory // report.dtype_bytes
    onchip = report.value(f.onchip)
    text = (f'fence "{f.title}": unfused {fmt_bytes(report, f.unfused)}, fused {fmt_bytes(report, f.fused)} '
            f"(on chip {fmt_bytes(report, f.onchip)}")
    if isinstance(onchip, (int, float)):
        text += ": fits the fast memory)" if onchip <= fast else \
            f": exceeds the {report.machine.fast_memory // 1024} KB fast memory)"
    else:
        text += ")"
    att = report.attention(f)
    if att is not None and att["streamed"]:
        text += (f"; attention naive {fmt_count(att['naive'] * report.dtype_bytes, 'B')}, streamed "
                 f"{fmt_count(att['streamed'] * report.dtype_bytes, 'B')} (query blocks of {att['block']} rows), "
                 f"{att['ratio']:.3g}x less")
    return text


def title(report) -> str:
    d = report.diagram
    sizes = " ".join(f"{k}={v}" for k, v in report.sizes.items())
    return f"Cost of {d.title or d.filename}" + (f" at {sizes}" if sizes else " (symbolic)")


def as_text(report) -> str:
    header, rows, total, extra = cells(report)
    table = [list(header)] + rows + [total]
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    lines = [title(report)]
    for k, r in enumerate(table):
        lines.append("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
        if k == 0 or k == len(table) - 2:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines + extra) + "\n"


def as_html(report) -> str:
    header, rows, total, extra = cells(report)
    e = html.escape
    out = ['<table class="ncd-cost docutils" style="font-size: 0.8em"><caption>' + e(title(report))
           + "</caption><thead><tr>"]
    out += [f"<th>{e(h)}</th>" for h in header] + ["</tr></thead><tbody>"]
    for r in rows + [total]:  # figures never wrap inside a cell; the box names may
        out.append("<tr>" + "".join(f"<td>{e(c)}</td>" if i == 1 else
                                    f'<td style="white-space: nowrap">{e(c)}</td>' for i, c in enumerate(r))
                   + "</tr>")
    out.append("</tbody></table>")
    out.append('<ul class="ncd-cost-notes">' + "".join(f"<li>{e(n)}</li>" for n in extra) + "</ul>")
    return "".join(out)


_TEX_CHARS = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
              "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "µ": r"\textmu{}",
              # what labels and sizes may hold that pdfLaTeX's inputenc does not know
              "·": r"\ensuremath{\cdot}", "⌊": r"\ensuremath{\lfloor}", "⌋": r"\ensuremath{\rfloor}",
              "⌈": r"\ensuremath{\lceil}", "⌉": r"\ensuremath{\rceil}", "√": r"\ensuremath{\surd}",
              "★": r"\ensuremath{\star}", "′": r"\ensuremath{'}", "×": r"\ensuremath{\times}", "−": "-",
              "≤": r"\ensuremath{\le}", "≥": r"\ensuremath{\ge}",
              **{ch: rf"\ensuremath{{\{name}}}" for name, ch in GREEK.items()}}


def _tex(text: str) -> str:
    return "".join(_TEX_CHARS.get(ch) or (ch if ord(ch) < 128 else _tex_other(ch)) for ch in text)


def _tex_other(ch: str) -> str:
    """A character pdfLaTeX cannot take as it is: a script capital as ``\\mathcal``, anything else as ``?``
    (a table cell must never stop the document)."""
    name = unicodedata.name(ch, "")
    if name.startswith("SCRIPT CAPITAL ") and len(name) == len("SCRIPT CAPITAL ") + 1:
        return rf"\ensuremath{{\mathcal{{{name[-1]}}}}}"
    return "?"


def as_latex(report) -> str:
    header, rows, total, extra = cells(report)
    cols = "ll" + "r" * (len(header) - 2)
    lines = [r"\begin{center}\scriptsize", _tex(title(report)) + r"\\[2pt]",
             r"\begin{tabular}{" + cols + "}", r"\hline",
             " & ".join(_tex(h) for h in header) + r" \\", r"\hline"]
    lines += [" & ".join(_tex(c) for c in r) + r" \\" for r in rows]
    lines += [r"\hline", " & ".join(_tex(c) for c in total) + r" \\", r"\hline", r"\end{tabular}",
              r"\end{center}", r"\begin{itemize}\scriptsize"]
    lines += [r"\item " + _tex(n) for n in extra]
    lines.append(r"\end{itemize}")
    return "\n".join(lines) + "\n"


def box_titles(report) -> dict[int, str]:
    """op id -> a one-line figure for the box (the HTML hover text)."""
    out = {}
    for b in report.boxes:
        c = b.cost
        out[b.op_id] = (f"{b.name}: {fmt_count(report.value(c.flops), 'FLOP')}, "
                        f"{fmt_count(report.value(c.params))} params, "
                        f"traffic {fmt_bytes(report, c.reads + c.writes)}")
    return out
