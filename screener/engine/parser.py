"""Recursive-descent parser and type checker of the rule language.

Grammar (loosest binding first)::

    expr       := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | comparison
    comparison := sum ( (cmp sum)+                       # chained: 0 < peg < 1
                      | "between" sum "and" sum          # inclusive
                      | ["not"] "in" "[" literal ("," literal)* "]"
                      | "is" ["not"] "missing" )?
    sum        := product (("+" | "-") product)*
    product    := unary (("*" | "/") unary)*
    unary      := "-" unary | primary
    primary    := NUMBER | NUMBER "%" | STRING | metric | function "(" args ")" | "(" expr ")"

Every check that does not need data happens here, before any data is loaded:
names against the metric catalogue and the function table, arity, types
(number, text, condition), literal sizes, nesting depth and expression length.
The parser never calls Python's own parser, `eval` or `compile`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from screener.catalog import METRICS, NUMERIC_METRICS, TEXT_METRICS
from screener.engine.functions import FUNCTIONS, HISTORY_ARG_METRICS
from screener.engine.nodes import (
    Between,
    BinOp,
    BoolOp,
    Call,
    Compare,
    In,
    IsMissing,
    MetricRef,
    Neg,
    Node,
    Not,
    Num,
    Str,
)
from screener.engine.tokens import FOREIGN_WORDS, KEYWORDS, ExprError, Token, tokenize
from screener.utils import clip, did_you_mean

MAX_NESTING = 32
MAX_TREE_DEPTH = 100
MAX_LIST_ITEMS = 100
MAX_NAME_CHARS = 64

Type = Literal["num", "text", "bool"]
_TYPE_WORDS = {"num": "a number", "text": "text", "bool": "a condition (true/false)"}
_CMP_OPS = ("<", "<=", ">", ">=", "==", "!=")


def suggest(name: str, candidates: Iterable[str]) -> str:
    """' (did you mean 'x'?)' for the closest candidate, or '' when none is close."""
    return did_you_mean(name[:100], candidates)  # long user text is clipped first


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.i = 0
        self.nesting = 0

    # -- token helpers ---------------------------------------------------------
    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def advance(self) -> Token:
        tok = self.tokens[self.i]
        if tok.kind != "eof":
            self.i += 1
        return tok

    def is_word(self, word: str, offset: int = 0) -> bool:
        tok = self.tokens[min(self.i + offset, len(self.tokens) - 1)]
        return tok.kind == "name" and tok.text == word

    def is_op(self, op: str) -> bool:
        return self.tok.kind == "op" and self.tok.text == op

    def unexpected(self, expected: str) -> ExprError:
        tok = self.tok
        if tok.kind == "eof":
            return ExprError(f"unexpected end of expression: expected {expected}", tok.pos)
        return ExprError(f"unexpected '{tok.text}': expected {expected}", tok.pos, len(tok.text))

    def expect_op(self, op: str, expected: str | None = None) -> Token:
        if not self.is_op(op):
            raise self.unexpected(expected or f"'{op}'")
        return self.advance()

    def enter(self, pos: int) -> None:
        self.nesting += 1
        if self.nesting > MAX_NESTING:
            raise ExprError(f"expression is nested too deeply (the limit is {MAX_NESTING})", pos)

    def leave(self) -> None:
        self.nesting -= 1

    # -- grammar ---------------------------------------------------------------
    def parse(self) -> Node:
        if self.tok.kind == "eof":
            raise ExprError("empty expression", 0)
        node = self.or_expr()
        if self.tok.kind != "eof":
            tok = self.tok
            if tok.kind == "op" and tok.text == "[":
                raise ExprError("subscripts ('[...]') are not part of the rule language", tok.pos)
            if tok.kind == "op" and tok.text == "(":
                raise ExprError("only functions can be called: unexpected '('", tok.pos)
            raise ExprError(f"unexpected '{tok.text}'", tok.pos, len(tok.text))
        return node

    def or_expr(self) -> Node:
        node = self.and_expr()
        while self.is_word("or"):
            pos = self.advance().pos
            node = BoolOp("or", node, self.and_expr(), pos=pos)
        return node

    def and_expr(self) -> Node:
        node = self.not_expr()
        while self.is_word("and"):
            pos = self.advance().pos
            node = BoolOp("and", node, self.not_expr(), pos=pos)
        return node

    def not_expr(self) -> Node:
        if self.is_word("not"):
            pos = self.advance().pos
            self.enter(pos)
            node = Not(self.not_expr(), pos=pos)
            self.leave()
            return node
        return self.comparison()

    def comparison(self) -> Node:
        left = self.sum_expr()
        tok = self.tok
        if tok.kind == "op" and tok.text in _CMP_OPS:
            ops: list[str] = []
            operands = [left]
            while self.tok.kind == "op" and self.tok.text in _CMP_OPS:
                ops.append(self.advance().text)
                operands.append(self.sum_expr())
            return Compare(tuple(ops), tuple(operands), pos=tok.pos)
        if self.is_word("between"):
            self.advance()
            low = self.sum_expr()
            if not self.is_word("and"):
                raise self.unexpected("'and' (x between low and high)")
            self.advance()
            high = self.sum_expr()
            return Between(left, low, high, pos=tok.pos)
        if self.is_word("in") or (self.is_word("not") and self.is_word("in", 1)):
            negated = self.is_word("not")
            if negated:
                self.advance()
            self.advance()
            return In(left, self.literal_list(), negated, pos=tok.pos)
        if self.is_word("is"):
            self.advance()
            negated = self.is_word("not")
            if negated:
                self.advance()
            if not self.is_word("missing"):
                raise self.unexpected("'missing' (x is missing / x is not missing)")
            self.advance()
            return IsMissing(left, negated, pos=tok.pos)
        return left

    def literal_list(self) -> tuple[Node, ...]:
        self.expect_op("[", '\'[\' starting a list such as ["CN", "HK"]')
        items: list[Node] = []
        while True:
            tok = self.tok
            if tok.kind == "str":
                items.append(Str(str(tok.value), pos=tok.pos))
                self.advance()
            elif tok.kind in ("num", "pct"):
                items.append(self.number(tok))
            elif (
                tok.kind == "op"
                and tok.text == "-"
                and self.tokens[self.i + 1].kind
                in (
                    "num",
                    "pct",
                )
            ):
                self.advance()
                items.append(Neg(self.number(self.tok), pos=tok.pos))
            else:
                raise self.unexpected("a number or a quoted string (lists hold literals only)")
            if len(items) > MAX_LIST_ITEMS:
                raise ExprError(f"list is too long (the limit is {MAX_LIST_ITEMS})", tok.pos)
            if self.is_op(","):
                self.advance()
                continue
            self.expect_op("]", "',' or ']'")
            return tuple(items)

    def number(self, tok: Token) -> Num:
        self.advance()
        assert isinstance(tok.value, float)
        return Num(tok.value, tok.kind == "pct", pos=tok.pos)

    def sum_expr(self) -> Node:
        node = self.product()
        while self.tok.kind == "op" and self.tok.text in ("+", "-"):
            tok = self.advance()
            node = BinOp(tok.text, node, self.product(), pos=tok.pos)
        return node

    def product(self) -> Node:
        node = self.unary()
        while self.tok.kind == "op" and self.tok.text in ("*", "/"):
            tok = self.advance()
            node = BinOp(tok.text, node, self.unary(), pos=tok.pos)
        return node

    def unary(self) -> Node:
        if self.is_op("-"):
            pos = self.advance().pos
            self.enter(pos)
            node = Neg(self.unary(), pos=pos)
            self.leave()
            return node
        if self.is_op("+"):
            raise ExprError("unary '+' is not part of the rule language", self.tok.pos)
        node = self.primary()
        if self.is_op("["):
            raise ExprError("subscripts ('[...]') are not part of the rule language", self.tok.pos)
        return node

    def primary(self) -> Node:
        tok = self.tok
        if tok.kind in ("num", "pct"):
            return self.number(tok)
        if tok.kind == "str":
            self.advance()
            return Str(str(tok.value), pos=tok.pos)
        if tok.kind == "op" and tok.text == "(":
            self.advance()
            self.enter(tok.pos)
            node = self.or_expr()
            self.leave()
            self.expect_op(")", "')'")
            return node
        if tok.kind == "name":
            return self.name(tok)
        raise self.unexpected("a number, a metric or a function call")

    def name(self, tok: Token) -> Node:
        name = tok.text
        if len(name) > MAX_NAME_CHARS:
            raise ExprError(f"name '{clip(name, 23)}' is too long", tok.pos)
        if name in KEYWORDS:
            raise ExprError(f"unexpected keyword '{name}'", tok.pos, len(name))
        self.advance()
        is_call = self.is_op("(")
        if name in FOREIGN_WORDS:
            raise ExprError(f"'{name}' is not part of the rule language", tok.pos, len(name))
        if is_call:
            if name not in FUNCTIONS:
                if name in METRICS:
                    raise ExprError(f"'{name}' is a metric, not a function", tok.pos, len(name))
                raise ExprError(
                    f"unknown function '{name}'" + suggest(name, FUNCTIONS), tok.pos, len(name)
                )
            return self.call(tok)
        if name in FUNCTIONS:
            raise ExprError(
                f"'{name}' is a function: call it, e.g. {name}(pe_fwd)", tok.pos, len(name)
            )
        if name not in METRICS:
            raise ExprError(
                f"unknown metric '{name}'" + suggest(name, [*METRICS, *FUNCTIONS]),
                tok.pos,
                len(name),
            )
        if self.is_op("."):
            raise ExprError("attribute access ('.') is not part of the rule language", self.tok.pos)
        return MetricRef(name, pos=tok.pos)

    def call(self, name_tok: Token) -> Node:
        fn = FUNCTIONS[name_tok.text]
        open_tok = self.advance()
        self.enter(open_tok.pos)
        args: list[Node] = []
        starts: list[int] = []
        if not self.is_op(")"):
            while True:
                starts.append(self.tok.pos)
                args.append(self.or_expr())
                if self.is_op(",") and len(args) <= MAX_NESTING:
                    self.advance()
                    continue
                break
        self.leave()
        if not (fn.min_args <= len(args) <= fn.max_args):
            raise ExprError(
                f"{fn.name}() takes {fn.arity_text()}, got {len(args)}",
                name_tok.pos,
                len(fn.name),
            )
        self.expect_op(")", "',' or ')'")
        if fn.kind == "history":
            arg = args[0]
            if not isinstance(arg, MetricRef) or arg.name not in HISTORY_ARG_METRICS:
                allowed = ", ".join(sorted(HISTORY_ARG_METRICS))
                raise ExprError(
                    f"{fn.name}() takes one valuation multiple with a stored history ({allowed})",
                    starts[0],
                )
        return Call(fn.name, tuple(args), pos=name_tok.pos)


def tree_depth(node: Node) -> int:
    """Depth of the tree, computed without recursion (long chains make deep trees)."""
    deepest = 0
    stack: list[tuple[Node, int]] = [(node, 1)]
    while stack:
        current, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in current.children())
    return deepest


def infer_type(node: Node) -> Type:
    """The type of a node: raises ExprError at the first operand of the wrong type."""
    if isinstance(node, Num):
        return "num"
    if isinstance(node, Str):
        return "text"
    if isinstance(node, MetricRef):
        return "text" if node.name in TEXT_METRICS else "num"
    if isinstance(node, Neg):
        _require(node.operand, "num", "'-' needs")
        return "num"
    if isinstance(node, BinOp):
        _require(node.left, "num", f"'{node.op}' needs")
        _require(node.right, "num", f"'{node.op}' needs")
        return "num"
    if isinstance(node, Call):
        for arg in node.args:
            _require(arg, "num", f"{node.name}() needs")
        return "num"
    if isinstance(node, Compare):
        types = [infer_type(o) for o in node.operands]
        for operand, t in zip(node.operands, types, strict=True):
            if t == "bool":
                raise ExprError(
                    "cannot compare a condition; combine conditions with 'and' / 'or'",
                    operand.pos,
                )
        if "text" in types:
            for operand, t in zip(node.operands, types, strict=True):
                if t != "text":
                    raise ExprError("cannot compare text with a number", operand.pos)
            for op in node.ops:
                if op not in ("==", "!="):
                    raise ExprError(
                        f"text can only be compared with '==' or '!=', not '{op}'", node.pos
                    )
        return "bool"
    if isinstance(node, Between):
        for part in (node.operand, node.low, node.high):
            _require(part, "num", "'between' needs")
        return "bool"
    if isinstance(node, In):
        t = infer_type(node.operand)
        if t == "bool":
            raise ExprError("'in' needs a number or text on its left", node.operand.pos)
        for item in node.items:
            it = "text" if isinstance(item, Str) else "num"
            if it != t:
                raise ExprError(
                    f"list item is {_TYPE_WORDS[it]} but '{node.operand.to_source()}' is "
                    f"{_TYPE_WORDS[t]}",
                    item.pos,
                )
        return "bool"
    if isinstance(node, IsMissing):
        if infer_type(node.operand) == "bool":
            raise ExprError("'is missing' applies to a metric or a number", node.operand.pos)
        return "bool"
    if isinstance(node, Not):
        _require(node.operand, "bool", "'not' needs")
        return "bool"
    if isinstance(node, BoolOp):
        _require(node.left, "bool", f"'{node.op}' needs")
        _require(node.right, "bool", f"'{node.op}' needs")
        return "bool"
    raise ExprError(f"unsupported expression node {type(node).__name__}", node.pos)


def _require(node: Node, want: Type, context: str) -> None:
    got = infer_type(node)
    if got != want:
        what = clip(node.to_source(), 40)
        raise ExprError(
            f"{context} {_TYPE_WORDS[want]}, but '{what}' is {_TYPE_WORDS[got]}", node.pos
        )


def parse_expression(text: str, want: Type | None = None) -> Node:
    """Parse and check one expression; `want` is the type the whole must have."""
    tokens = tokenize(text)
    node = _Parser(tokens).parse()
    if tree_depth(node) > MAX_TREE_DEPTH:
        raise ExprError(
            f"expression is too complex (tree depth over {MAX_TREE_DEPTH}); split it into rules",
            0,
        )
    got = infer_type(node)
    if want is not None and got != want:
        if want == "bool":
            raise ExprError(
                f"a rule condition must be true or false, but this is {_TYPE_WORDS[got]}; "
                "compare it, e.g. pe_fwd < 20",
                node.pos,
            )
        raise ExprError(f"expected {_TYPE_WORDS[want]}, got {_TYPE_WORDS[got]}", node.pos)
    return node


def parse_condition(text: str) -> Node:
    """Parse a rule's `when`: it must be a condition."""
    return parse_expression(text, "bool")


__all__ = [
    "ExprError",
    "NUMERIC_METRICS",
    "infer_type",
    "parse_condition",
    "parse_expression",
    "suggest",
    "tree_depth",
]
