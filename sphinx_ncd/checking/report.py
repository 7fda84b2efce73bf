"""Check (stage: Diagram + PyTorch code -> ShapeReport): the verdict records.

Plain frozen records handed to integrations (Sphinx badge and highlights, the
``ncd check`` command line).  Nothing here imports torch or runs code; the
worker's answer (:mod:`sphinx_ncd.checking.answer`) is turned into these in
:mod:`sphinx_ncd.checking.assemble`.

Statuses, strongest first:

* ``proved``      -- the shapes hold for every size of the free axes;
* ``proved_if``   -- they hold whenever the ``assumptions`` hold ("y = x");
* ``checked``     -- they held at the concrete ``sizes`` tried (no proof);
* ``not_checked`` -- nothing was run (why is in ``summary``);
* ``mismatch``    -- a box or the whole diagram produced another shape;
* ``error``       -- the user's code raised, timed out or ran out of memory.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import NCDError, Span

__all__ = ["BoxVerdict", "ShapeReport", "STATUSES", "EXIT_STATUS"]

MODES = ("auto", "symbolic", "fake", "dynamic", "real")  # how a check runs the code (see api.check)

STATUSES = ("proved", "proved_if", "checked", "not_checked", "mismatch", "error")

# ``ncd check`` exit status by verdict
EXIT_STATUS = {"proved": 0, "proved_if": 0, "checked": 0, "mismatch": 1, "error": 1, "not_checked": 2}

_BADGE = {
    "proved": "shapes proved",
    "proved_if": "shapes proved if {assumptions}",
    "checked": "shapes checked at {sizes}",
    "not_checked": "shapes not checked",
    "mismatch": "shape mismatch",
    "error": "check failed",
}


@dataclass(frozen=True)
class BoxVerdict:
    """The verdict for one box bound to code (or for the whole diagram, ``op_id`` None)."""

    op_id: int | None  # Operation.id; None for the whole diagram's signature
    binding: str | None  # the dotted submodule / function path the box names
    label: str  # the box label as written ("L^Q"), for messages
    status: str  # one of STATUSES
    expected: str = ""  # expected shapes in the diagram's axis names: "y k h"
    got: str = ""  # what the code produced, in axis names where they match: "y 7"
    detail: str = ""  # one line: which wire, bound axes accepted, call count ...
    span: Span | None = None  # the statement that wrote the box
    written: str = ""  # the box as the user wrote it: "L+[fc1]", "conv+[c1]", "L+[fc1] in mlp"

    @property
    def name(self) -> str:
        if self.op_id is None:
            return "diagram"
        if self.written:
            return self.written
        return f"{self.label}[{self.binding}]" if self.binding else self.label or f"op {self.op_id}"

    def line(self) -> str:
        """``L^Q[Lq]  proved  y m -> y k h  (bound axes: k h = (k·h))``."""
        shown = {"proved_if": "proved (if the assumptions hold)"}.get(self.status, self.status.replace("_", " "))
        text = f"{self.name}: {shown}"
        if self.status == "mismatch":
            text += f": expected {self.expected}, got {self.got}"
        elif self.expected:
            text += f" ({self.expected})"
        if self.detail:
            text += f"; {self.detail}"
        return text


@dataclass(frozen=True)
class ShapeReport:
    """What :func:`sphinx_ncd.check` returns."""

    status: str  # one of STATUSES
    summary: str  # one line for a build log: "proved for every y, x, m"
    assumptions: tuple[str, ...] = ()  # in the diagram's axis names: ("y = x", "m divisible by h")
    sizes: tuple[tuple[str, int], ...] = ()  # the sample sizes the run used
    boxes: tuple[BoxVerdict, ...] = ()  # one per box bound to code, in diagram order
    mismatch: BoxVerdict | None = None  # the first failing box (or the whole diagram)
    error: NCDError | None = None  # located: why the check failed or did not run
    method: str = ""  # "symbolic" | "fake" | "dynamic" | "real" | "" (nothing ran)
    code_location: str = ""  # "model.py:14" where user code raised, if it did
    location: Span | None = None  # the diagram's statement being checked when user code raised
    cached: bool = False  # served from the verdict cache
    seconds: float = 0.0  # time spent in the worker
    notes: tuple[str, ...] = field(default=())  # extra lines: fixed sizes, fallbacks taken
    producer: int | None = None  # for a whole-diagram mismatch: the operation making that output
    findings: tuple[str, ...] = ()  # proved-if assumptions that are a mistake: "t = v" equates two axes
    cpu_seconds: float = 0.0  # CPU time of the check's own process (the machine may be shared)

    @property
    def exit_status(self) -> int:
        """``ncd check``'s exit status: by verdict, and 1 for a finding (unless that was expected)."""
        return 1 if self.findings else EXIT_STATUS.get(self.status, 1)

    @property
    def ok(self) -> bool:
        return self.status in ("proved", "proved_if", "checked")

    def badge(self) -> str:
        """A short verdict drawn on the figure: "shapes proved", "shape mismatch"."""
        text = _BADGE[self.status].format(
            assumptions=", ".join(self.assumptions),
            sizes=" ".join(f"{n}={v}" for n, v in self.sizes),
        )
        return text if len(text) <= 60 else text[:57] + "..."

    def highlights(self) -> tuple[tuple[int, str], ...]:
        """``(operation_id, note)`` pairs for the renderer: the mismatching boxes."""
        out = []
        for box in self.boxes:
            if box.status == "mismatch" and box.op_id is not None:
                out.append((box.op_id, f"expected {box.expected}, got {box.got}"))
        m = self.mismatch
        if m is not None and m.op_id is None and self.producer is not None:
            out.append((self.producer, f"expected {m.expected}, got {m.got}"))
        return tuple(out)

    def format(self) -> str:
        """The report as the command line prints it."""
        lines = [f"verdict: {self.summary}"]
        for box in self.boxes:
            lines.append("  " + box.line())
        lines.extend("  note: " + n for n in self.notes)
        lines.extend("  finding: " + f for f in self.findings)
        if self.error is not None:
            lines.append(self.error.format())
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary
