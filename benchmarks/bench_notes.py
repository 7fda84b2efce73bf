"""Benchmark (not a pipeline stage): what the author's names and notes cost to draw.

Fig 21 with the paper's notes (``demo_docs/figures/fig21-notes.ncd``) against the same spec with its ``name``
and ``note`` lines taken out (the anchor, measured in the same run), parse + layout + SVG, unfolded (the notes
alone) and at the default 613-unit fold (where the wider annotated figure folds into more rows).  Goal: the
notes cost at most 1.5x the anchor unfolded.
"""
from __future__ import annotations

import pathlib
import statistics
import time

import sphinx_ncd
from sphinx_ncd.rendering.api import render

ROOT = pathlib.Path(__file__).resolve().parents[1]
SPEC = ROOT / "demo_docs" / "figures" / "fig21-notes.ncd"


def _median_ms(text: str, max_width, repeat: int = 7, number: int = 20) -> float:
    for _ in range(5):
        render(sphinx_ncd.parse(text), max_width=max_width)
    runs = []
    for _ in range(repeat):
        t = time.perf_counter()
        for _ in range(number):
            render(sphinx_ncd.parse(text), max_width=max_width)
        runs.append((time.perf_counter() - t) / number * 1000)
    return statistics.median(runs)


def main(results: dict) -> None:
    text = SPEC.read_text(encoding="utf-8")
    plain = "\n".join(line for line in text.splitlines() if not line.strip().startswith(("name ", "note ")))
    for label, width in (("unfolded", None), ("fold 613", 613)):
        anchor = _median_ms(plain, width)
        notes = _median_ms(text, width)
        ratio = notes / anchor
        print(f"fig 21 {label}: without notes {anchor:.1f} ms, with the paper's notes {notes:.1f} ms "
              f"({ratio:.2f}x){'  goal 1.5x: ' + ('met' if ratio <= 1.5 else 'missed') if width is None else ''}")
        results[label] = {"anchor_ms": round(anchor, 2), "notes_ms": round(notes, 2), "ratio": round(ratio, 3)}
