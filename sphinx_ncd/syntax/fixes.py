"""Syntax (stage 1): mistakes whose fix the parser knows, with the fix in the hint.

Called by :mod:`.parser` at the two places such mistakes surface: an operation
with no argument (written like a call, ``relu(X)``, or with an infix ``+``,
``X + R``) and an ``over`` clause (on a normalisation written as a function,
``layernorm X over d``, or naming a position, ``softmax X over -1``).
"""
from __future__ import annotations

from .. import messages as msg
from ..errors import NCDError

__all__ = ["argument_fix", "check_over"]


def argument_fix(cur) -> str | None:
    """The fix for an operation written like a call (``relu(X)``) or with ``+`` (``X + R``)."""
    head, tok = cur.toks[cur.i - 1], cur.peek()
    if tok is None or tok.kind != "op":
        return None
    if tok.text == "(":
        words = []
        for later in cur.toks[cur.i + 1:]:
            if later.kind == "op" and later.text == ")":
                break
            if later.kind in ("word", "num"):
                words.append(later.text)
        return msg.HINT_CALL.format(fix=" ".join([head.text, *words])) if words else None
    if tok.text == "+" and cur.peek(1) is not None and cur.peek(1).kind == "word":
        return msg.HINT_PLUS.format(fix=f"add {head.text} {cur.peek(1).text}")
    return None


def check_over(cur, op, over_tok) -> None:
    """``over`` after a normalisation written as a function, or with a position (``-1``)."""
    arg = op.args[0].text if op.args else "X"
    if op.kind == "function" and "norm" in str(op.label).lower():
        raise NCDError(msg.CLAUSE_NOT_ALLOWED.format(clause="over", op=op.label), over_tok.span(), kind="syntax",
                       hint=msg.HINT_NORM_OVER.format(fix=f"norm {arg} over "
                                                      + (" ".join(x.text for x in cur.toks[cur.i:]) or "d")))
    tok, nxt = cur.peek(), cur.peek(1)
    if tok is not None and tok.kind == "op" and tok.text == "-" and nxt is not None and nxt.kind == "num":
        raise NCDError(msg.AXIS_POSITION.format(text=f"-{nxt.text}"), tok.span(), kind="syntax",
                       hint=msg.HINT_OVER_POSITION.format(op=op.kind if op.kind != "function" else op.label))
