"""Syntax stage: the recursive-descent parser.  Tokens to :mod:`.ast` nodes.

One statement per logical line (the lexer splits lines at ``;``).  ``{`` at the
end of a ``fence``/``repeat``/``block`` statement opens a body closed by a ``}``
(the lexer puts each brace at the end of, or on, a logical line of its own).  Errors are raised as
:class:`~sphinx_ncd.errors.NCDError` pointing at the offending token, with a
hint saying what was expected.
"""
from __future__ import annotations

import difflib

from .. import messages as msg
from .. import limits
from ..errors import NCDError, Span
from ..model.kinds import WORDS
from . import ast as A
from . import fixes
from . import notes
from .labeltext import check_quoted
from .lexer import Line, Token, make_span, tokenize
from .shapes import CLAUSES, Cursor, atom, name_of, segment, signature, span_between

__all__ = ["parse_spec", "CLAUSES", "OPERATIONS"]

_INT_CLAUSES = ("kernel", "stride", "padding", "dilation", "groups")
_STATE_KINDS = ("function", "learned")  # kinds that may be written with no argument, as a map from nothing
STATEMENTS = ("title", "block", "use", "sizes", "let", "width", "tandem", "def", "input", "output",
              "order", "save", "fence", "repeat", "break", "name", "note")
OPERATIONS = (*WORDS, "L+", "expand")  # the words that write an operation (the kinds' rows)


# --- statements ------------------------------------------------------------------------------

class _Parser:
    def __init__(self, lines: list[Line]):
        self.lines = lines
        self.pos = 0
        self.depth = 0

    def body(self, opener: Token | None) -> list:
        if opener is not None:
            self.depth += 1
            if self.depth > limits.MAX_NESTING:
                raise limits.nesting_error(opener.span())
        stmts: list = []
        while self.pos < len(self.lines):
            line = self.lines[self.pos]
            first = line.tokens[0]
            if first.kind == "op" and first.text == "}":
                if opener is None:
                    raise NCDError(msg.UNMATCHED_CLOSE.format(), first.span(), kind="syntax")
                cur = Cursor(line)
                cur.next()
                cur.expect_end()
                self.pos += 1
                self.depth -= 1
                return stmts
            self.pos += 1
            stmts.append(self.statement(line))
        if opener is not None:
            raise NCDError(msg.UNCLOSED_BRACE.format(), opener.span(), kind="syntax", hint=msg.HINT_CLOSE.format())
        return stmts

    def statement(self, line: Line):
        cur = Cursor(line)
        toks = line.tokens
        first = toks[0]  # a logical line has a token
        last = toks[-1]  # a statement ends at its last token (a ';' or a comment may follow)
        span = make_span(line.file, line.number, first.col, last.col + len(last.text) - first.col, line.text)
        if first.kind == "op" and first.text == "=" and cur.n == 1:
            return A.PanelBreak(first.span())
        if first.kind != "word":
            raise cur.fail("a statement (an assignment such as 'Y = relu X', or a keyword such as 'input')")
        second = toks[1] if cur.n > 1 else None
        if second is not None and second.kind == "op" and second.text in ("=", ","):
            return self.assign(cur, span)
        keyword = first.text
        handler = _HANDLERS.get(keyword)
        if handler is None:
            guess = difflib.get_close_matches(keyword, STATEMENTS, n=1, cutoff=0.75)
            hint = msg.HINT_STATEMENT.format()
            if second is not None and second.kind == "op" and second.text == ":":  # 'input X: a; Y: b'
                hint = msg.HINT_INPUT_LIST.format()
            if guess:
                hint = msg.DID_YOU_MEAN.format(name=guess[0]) + " " + hint
            raise NCDError(msg.UNKNOWN_STATEMENT.format(word=keyword), first.span(), kind="syntax", hint=hint)
        cur.i = 1
        return handler(self, cur, span)

    # each s_* handler parses the rest of a statement line
    def s_title(self, cur, span):
        tok = cur.peek()
        if tok is None or tok.kind != "str":
            raise cur.fail('a quoted title, e.g. title "Multi-head attention"')
        cur.next()
        check_quoted(tok, "the title")
        cur.expect_end()
        return A.Title(_unquote(tok.text), span)

    def s_block(self, cur, span):
        name = name_of(cur.expect_word("a block name"))
        params: list[A.Name] = []
        if cur.is_op("("):
            cur.next()
            while not cur.is_op(")"):
                params.append(name_of(cur.expect_word("a parameter name")))
                if cur.is_op(","):
                    cur.next()
                elif not cur.is_op(")"):
                    raise cur.fail("',' or ')'")
            cur.next()
        if cur.is_op("{"):
            opener = cur.next()
            cur.expect_end("the end of the line after '{'")
            return A.BlockDef(name, params, self.body(opener), span)
        cur.expect_end("'{' or the end of the line")
        return A.BlockHeader(name, params, span)

    def s_use(self, cur, span):
        names = [name_of(cur.expect_word("a library name, e.g. use attention"))]
        while cur.is_op(","):
            cur.next()
            names.append(name_of(cur.expect_word("a library name")))
        cur.expect_end()
        return A.Use(names, span)

    def s_sizes(self, cur, span):
        items = []
        while not cur.at_end():
            name = name_of(cur.expect_word("a size name, e.g. sizes y=20 x=22"))
            cur.expect_op("=", "'=' and a whole number, e.g. y=20")
            tok = cur.peek()
            if tok is None or tok.kind != "num" or "." in tok.text:
                raise cur.fail("a whole number")
            cur.next()
            items.append((name, int(tok.text)))
        if not items:
            raise cur.fail("at least one size, e.g. sizes y=20 x=22")
        return A.Sizes(items, span)

    def s_let(self, cur, span):
        name = name_of(cur.expect_word("a size name, e.g. let nb = n1/4"))
        cur.expect_op("=")
        expr = atom(cur)
        cur.expect_end("the end of the line (write the expression without spaces)")
        return A.Let(name, expr, span)

    def _axis_decl(self, kind, cur, span):
        items = []
        while not cur.at_end():
            name = name_of(cur.expect_word("an axis name"))
            rank = 2 if kind == "tandem" else 1
            if cur.is_op(":") and kind == "tandem":
                cur.next()
                tok = cur.peek()
                if tok is None or tok.kind != "num" or "." in tok.text or int(tok.text) < 1:
                    raise cur.fail("a rank (a whole number), e.g. tandem V:3")
                rank = int(cur.next().text)
            items.append((name, rank))
        if not items:
            raise cur.fail("at least one axis name")
        return A.AxisDecl(kind, items, span)

    def s_width(self, cur, span):
        return self._axis_decl("width", cur, span)

    def s_tandem(self, cur, span):
        return self._axis_decl("tandem", cur, span)

    def s_def(self, cur, span):
        name = name_of(cur.expect_word("a function name, e.g. def G : 3 -> 2"))
        cur.expect_op(":", "':' and a signature, e.g. def G : 3 -> 2")
        sig = signature(cur)
        learned = bias = False
        style = None
        while not cur.at_end():
            tok = cur.peek()
            if tok.text == "learned":
                cur.next()
                learned = True
                if cur.is_op("+") and not cur.peek().space:
                    cur.next()
                    bias = True
            elif tok.text == "style":
                cur.next()
                style = cur.expect_word("a style name (box, bare, circle)").text
                if style not in ("box", "bare", "circle"):
                    raise NCDError(msg.BAD_STYLE.format(style=style), cur.toks[cur.i - 1].span(),
                                   kind="syntax", hint=msg.HINT_STYLE.format())
            else:
                raise cur.fail("'learned', 'style' or the end of the line")
        return A.Def(name, sig, learned, bias, style, span)

    def s_input(self, cur, span):
        items = []
        while True:
            name = name_of(cur.expect_word("an input name, e.g. input X: a b"))
            cur.expect_op(":", f"':' and the shape of '{name.text}', e.g. {name.text}: a b")
            seg = segment(cur)
            items.append((name, seg))
            if cur.is_op(","):
                cur.next()
                continue
            cur.expect_end("',' and another input, or the end of the line")
            return A.Input(items, span)

    def _names(self, cur, what):
        names = [name_of(cur.expect_word(what))]
        while cur.is_op(","):
            cur.next()
            names.append(name_of(cur.expect_word(what)))
        cur.expect_end("',' and another name, or the end of the line")
        return names

    def s_output(self, cur, span):
        return A.Output(self._names(cur, "a value name"), span)

    def s_order(self, cur, span):
        return A.Order(self._names(cur, "a value name"), span)

    def s_break(self, cur, span):
        cur.expect_end("the end of the line: 'break' stands alone")
        return A.Break(span)

    def s_name(self, cur, span):
        return notes.parse_name(cur, span)

    def s_note(self, cur, span):
        return notes.parse_note(cur, span)

    def s_save(self, cur, span):
        value = name_of(cur.expect_word("the value to save, e.g. save X to C_\\lambda"))
        if not cur.is_word("to"):
            raise cur.fail("'to' and a memory slot, e.g. save X to C_\\lambda")
        cur.next()
        slot = name_of(cur.expect_word("a memory slot name, e.g. C_\\lambda"))
        cur.expect_end()
        return A.Save(value, slot, span)

    def s_fence(self, cur, span):
        title = ""
        color = None
        tok = cur.peek()
        if tok is not None and tok.kind == "str":
            check_quoted(tok, "the fence's title")
            title = _unquote(cur.next().text)
        tok = cur.peek()
        if tok is not None and tok.kind == "color":
            color = cur.next().text
        if not cur.is_op("{"):
            raise cur.fail("'{' (fence \"Title\" #color { ... })")
        opener = cur.next()
        cur.expect_end("the end of the line after '{'")
        return A.Fence(title, color, self.body(opener), span)

    def s_repeat(self, cur, span):
        index = lower = upper = count = None
        tok = cur.peek()
        if tok is not None and tok.kind == "word" and cur.peek(1) is not None and cur.peek(1).text == "=":
            index = name_of(cur.next())
            cur.next()
            lower = atom(cur)
            if lower.text.endswith("..") or not cur.is_op(".."):
                raise cur.fail("'..' between the bounds, e.g. repeat \\lambda = 1..4 {")
            cur.next()
            upper = atom(cur)
        elif tok is not None and tok.kind in ("word", "num"):
            count = atom(cur)
        else:
            raise cur.fail("a count or an index range, e.g. repeat N { or repeat \\lambda = 1..4 {")
        if not cur.is_op("{"):
            raise cur.fail("'{' to open the repeated body")
        opener = cur.next()
        cur.expect_end("the end of the line after '{'")
        return A.Repeat(index, lower, upper, count, self.body(opener), span)

    # --- assignments and operations ---------------------------------------------------------

    def assign(self, cur, span):
        targets = [name_of(cur.next())]
        while cur.is_op(","):
            cur.next()
            targets.append(name_of(cur.expect_word("a value name")))
        cur.expect_op("=", "'=' after the names being assigned")
        op = self.operation(cur, span)
        return A.Assign(targets, op, span)

    def operation(self, cur, span) -> A.Op:
        head_tok = cur.peek()
        if head_tok is None or head_tok.kind != "word":
            raise cur.fail("an operation, e.g. relu X, L[Lq] X : m -> k h, einsum A B : ...")
        cur.next()
        word = head_tok.text
        head = name_of(head_tok)
        expand = False
        if word == "expand":
            expand = True
            head_tok = cur.expect_word("a block name after 'expand'")
            head = name_of(head_tok)
            word = head_tok.text
        # a '+' glued to the head: bias (L+, conv+, learned+); a '(' glued to it: a block's arguments
        bias = False
        block = expand
        nxt = cur.peek()
        if nxt is not None and nxt.kind == "op" and not nxt.space:
            if nxt.text == "+":
                cur.next()
                bias = True
            block = expand or (cur.is_op("(") and not cur.peek().space and word not in OPERATIONS)
        if block:
            op = A.Op("block", word, head, span)
            op.expand = expand
            if cur.is_op("("):
                self.block_args(cur, op)
            if cur.is_op("["):
                self.binding(cur, op)
            self.arguments(cur, op)
            self.clauses(cur, op)
            return op
        if word == "learned":
            head_tok = cur.expect_word("a label after 'learned', e.g. learned W^Q X : m -> k")
            head = name_of(head_tok)
            word = head_tok.text
            if cur.is_op("+") and not cur.peek().space:
                cur.next()
                bias = True
            kind, label = "learned", word
        elif word.startswith(("L^", "L_")):
            kind, label = "learned", word
        elif word == "map":
            f = cur.expect_word("the function's label, e.g. map f X")
            kind, label = "elementwise", f.text
        else:  # a kind's word, drawn with the label its row gives (None: the word), or a generic box
            kind, label = WORDS.get(word, ("function", None))
            label = word if label is None else label
        if bias and kind not in ("learned", "conv"):
            raise NCDError(msg.BIAS_NOT_ALLOWED.format(op=word), cur.toks[cur.i - 1].span(), kind="syntax")
        op = A.Op(kind, label, head, span)
        op.bias = bias
        op.transposed = word == "convT"
        if kind == "conv":
            self.conv_map(cur, op)
        if cur.is_op("["):
            self.binding(cur, op)
            if cur.is_op("+") and not cur.peek().space and kind in ("learned", "conv"):
                cur.next()
                op.bias = True
        if kind == "unit":
            op.options["axis"] = (atom(cur), None)
            if not cur.at_end():
                raise NCDError(msg.UNIT_AXIS.format(), cur.here(), kind="syntax")
            return op
        if kind == "load":
            op.options["slot"] = (name_of(cur.expect_word("a memory slot, e.g. load C_\\lambda")), None)
            if cur.is_op(":"):
                cur.next()
                op.options["shape"] = (segment(cur), None)
            cur.expect_end("':' and the loaded shape, or the end of the line")
            return op
        self.arguments(cur, op)
        self.clauses(cur, op)
        return op

    def conv_map(self, cur, op):
        """A convolution's learned map named as the paper names it (``conv L^Q[Cq] E over Y ...``): a word
        ``L^..`` or ``L_..`` right after the head, followed by a binding or the argument (a value named so,
        followed by a clause, stays the argument)."""
        tok, nxt = cur.peek(), cur.peek(1)
        if tok is None or tok.kind != "word" or not tok.text.startswith(("L^", "L_")) or nxt is None:
            return
        if (nxt.kind == "op" and nxt.text == "[") or (nxt.kind == "word" and nxt.text not in CLAUSES):
            cur.next()
            op.map_label = tok.text

    def binding(self, cur, op):
        open_tok = cur.next()
        parts = []
        toks, n = cur.toks, cur.n
        while True:
            if cur.i >= n:
                raise NCDError(msg.UNCLOSED_BINDING.format(), open_tok.span(), kind="syntax", hint=msg.HINT_BINDING.format())
            tok = toks[cur.i]
            cur.i += 1
            if tok.kind == "op" and tok.text == "]":
                break
            parts.append(tok)
        close = tok
        if not parts:
            raise NCDError(msg.EMPTY_BINDING.format(), span_between(open_tok, close), kind="syntax", hint=msg.HINT_BINDING.format())
        text = "".join([t.text for t in parts])
        first, last = parts[0], parts[-1]
        op.binding = A.Name.at(text, first.line, first.col, last.col + len(last.text) - first.col)

    def block_args(self, cur, op):
        cur.next()  # '('
        while not cur.is_op(")"):
            tok = cur.peek()
            if tok is None:
                raise cur.fail("')' to close the block's arguments")
            name = None
            if tok.kind == "word" and cur.peek(1) is not None and cur.peek(1).text == "=":
                name = name_of(cur.next())
                cur.next()
            op.block_args.append((name, atom(cur)))
            if cur.is_op(","):
                cur.next()
            elif not cur.is_op(")"):
                raise cur.fail("',' or ')'")
        cur.next()

    def arguments(self, cur, op):
        toks, n, args = cur.toks, cur.n, op.args
        while cur.i < n:
            tok = toks[cur.i]
            if tok.kind != "word" or tok.text in CLAUSES:
                break
            cur.i += 1
            args.append(name_of(tok))
        if not op.args and op.kind in _STATE_KINDS and cur.is_op(":"):
            return  # a map from nothing (``T = H^T : -> b c``): its signature has no input shape
        if not op.args:
            err = cur.fail("the value this operation acts on")
            raise NCDError(err.message, err.span, kind=err.kind, hint=fixes.argument_fix(cur) or err.hint)

    def clauses(self, cur, op):
        toks = cur.toks
        while cur.i < cur.n:
            tok = toks[cur.i]
            if tok.kind == "op" and tok.text == ":":
                if op.signature is not None:
                    raise NCDError(msg.DUPLICATE_CLAUSE.format(clause=":"), tok.span(), kind="syntax")
                cur.next()
                op.signature = signature(cur, state=not op.args and op.kind in _STATE_KINDS)
                continue
            if tok.kind != "word" or tok.text not in CLAUSES or tok.text == "to":
                raise cur.fail("':' and a signature, or a clause (over, at, on, by, kernel, stride, "
                               "padding, dilation)", choices=CLAUSES - {"to"})
            word = tok.text
            if word in op.options:
                raise NCDError(msg.DUPLICATE_CLAUSE.format(clause=word), tok.span(), kind="syntax")
            cur.next()
            if word == "over":
                fixes.check_over(cur, op, tok)
                seg = segment(cur)
                if not seg.items:
                    raise cur.fail("the axis (or axes) to act over")
                op.options[word] = (seg, tok.span())
            elif word in _INT_CLAUSES:
                val = cur.peek()
                if val is None or val.kind not in ("num", "word") or "." in val.text:
                    raise cur.fail(f"a whole number or a size name after '{word}'")
                op.options[word] = (atom(cur), val.span())
            elif word == "at":
                val = cur.peek()
                if val is None or val.kind not in ("word", "num"):
                    raise cur.fail("the index label, e.g. index A at 2 on a")
                cur.next()
                op.options[word] = (val.text, val.span())
            elif word == "on":
                op.options[word] = (atom(cur), tok.span())
            elif word == "by":
                op.options[word] = (atom(cur), tok.span())


_HANDLERS = {name[2:]: fn for name, fn in vars(_Parser).items() if name.startswith("s_")}  # keyword -> s_*


def _unquote(text: str) -> str:
    return text[1:-1].replace('\\"', '"')


def parse_spec(text: str, filename: str = "<spec>", line_offset: int = 0) -> A.Spec:
    """Parse spec ``text`` into an :class:`~sphinx_ncd.syntax.ast.Spec`; raises NCDError."""
    limits.check_source(text, filename, line_offset)
    lines = tokenize(text, filename, line_offset)
    limits.check_tokens(lines)
    parser = _Parser(lines)
    body = parser.body(None)
    for line in lines:  # the tree keeps the lines (for its spans), not their tokens: drop the line <-> token
        line.tokens = []  # cycles so the tokens go now, not at the next garbage collection
    raw = text.splitlines()
    return A.Spec(body, Span(filename, 1 + line_offset, 1, 1, raw[0] if raw else ""))
