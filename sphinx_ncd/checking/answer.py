"""Check (stage: Diagram + PyTorch code -> ShapeReport): the worker's answer, typed.

The worker answers one JSON object per check (see :mod:`sphinx_ncd.checking.runner`);
:meth:`Answer.read` turns it into these records once, with every size named as
the diagram names it, so that :mod:`sphinx_ncd.checking.assemble` reads fields
instead of probing a dictionary.  No torch here.
"""
from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Answer", "BoxAnswer", "Problem"]


@dataclass(frozen=True)
class BoxAnswer:
    """One box's verdict as the worker gave it (``key`` None: the whole diagram's signature)."""

    key: int | None
    status: str
    expected: str = ""
    got: str = ""
    detail: str = ""

    @classmethod
    def read(cls, raw: dict) -> "BoxAnswer":
        return cls(raw.get("op"), str(raw.get("status", "mismatch")), str(raw.get("expected", "") or ""),
                   str(raw.get("got", "") or ""), str(raw.get("detail", "") or ""))


@dataclass(frozen=True)
class Problem:
    """Why a check failed: the code raised, a binding is missing, a time or memory limit."""

    message: str
    hint: str | None = None
    kind: str = "exec"  # exec | binding | timeout | crash | memory | config ...
    about_code: bool = False  # about the code itself, never a place in the diagram
    key: int | None = None  # the bound box running when it happened
    code_file: str | None = None  # the user's frame: file, line, text
    code_line: int = 1
    code_text: str = ""
    code_location: str = ""  # "model.py:14"

    @classmethod
    def read(cls, raw: dict) -> "Problem":
        return cls(str(raw.get("message") or "check failed"), raw.get("hint"), str(raw.get("kind") or "exec"),
                   raw.get("about") == "code", raw.get("op"), raw.get("code_file"),
                   int(raw.get("code_line") or 1), str(raw.get("code_text") or ""),
                   str(raw.get("code_location") or ""))


@dataclass(frozen=True)
class Answer:
    status: str
    method: str = ""
    reason: str = ""  # why nothing was checked
    sizes: dict = field(default_factory=dict)  # the sample sizes, by the diagram's names
    fixed: dict = field(default_factory=dict)  # sizes the code fixed
    config: tuple[str, ...] = ()  # relations among given configuration sizes
    unused: tuple[str, ...] = ()  # block parameters the check says nothing about
    assumptions: tuple[str, ...] = ()
    boxes: tuple[BoxAnswer, ...] = ()
    mismatch: BoxAnswer | None = None
    problem: Problem | None = None
    notes: tuple[str, ...] = ()
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # the check child's own CPU time

    @classmethod
    def read(cls, raw: dict, name_of) -> "Answer":
        """``name_of``: the diagram's name for a worker identifier."""
        sizes = {name_of(k): v for k, v in (raw.get("sizes") or {}).items()}
        fixed = {name_of(k): v for k, v in (raw.get("fixed") or {}).items()}
        mismatch = raw.get("mismatch")
        problem = raw.get("error")
        return cls(
            status=str(raw.get("status") or "error"), method=str(raw.get("method") or ""),
            reason=str(raw.get("reason") or "unknown"), sizes=sizes, fixed=fixed,
            config=tuple(raw.get("config") or ()), unused=tuple(name_of(n) for n in raw.get("unused") or ()),
            assumptions=tuple(raw.get("assumptions") or ()),
            boxes=tuple(BoxAnswer.read(b) for b in raw.get("boxes") or ()),
            mismatch=BoxAnswer.read(mismatch) if isinstance(mismatch, dict) else None,
            problem=Problem.read(problem) if isinstance(problem, dict) else None,
            notes=tuple(raw.get("notes") or ()), seconds=float(raw.get("seconds") or 0.0),
            cpu_seconds=float(raw.get("cpu_s") or 0.0))
