"""The expression tree of the rule language: immutable, hashable, printable.

Nodes are frozen dataclasses whose equality and hash ignore source positions,
so two rules that write the same sub-expression share one node key and the
evaluator computes it once per run (zipline's pipeline terms work the same way).
`to_source()` prints a canonical form that parses back to an equal tree; the
printer adds parentheses only where precedence needs them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

# Binding strength, loosest first. A child printed inside a parent of higher
# precedence gets parentheses.
PREC_OR = 1
PREC_AND = 2
PREC_NOT = 3
PREC_CMP = 4
PREC_ADD = 5
PREC_MUL = 6
PREC_UNARY = 7
PREC_ATOM = 8


@dataclass(frozen=True, slots=True)
class Node:
    """Base of every node; `pos` is the character offset in the expression text."""

    pos: int = field(default=0, compare=False, hash=False, repr=False, kw_only=True)

    def children(self) -> tuple[Node, ...]:
        return ()

    @property
    def prec(self) -> int:
        return PREC_ATOM

    def to_source(self) -> str:  # pragma: no cover - every subclass overrides
        raise NotImplementedError

    def __str__(self) -> str:
        return self.to_source()

    def walk(self) -> Iterator[Node]:
        """Every node of the tree, parents before children, left to right."""
        yield self
        for child in self.children():
            yield from child.walk()


def _wrap(child: Node, min_prec: int) -> str:
    text = child.to_source()
    return f"({text})" if child.prec < min_prec else text


def format_number(value: float) -> str:
    """Shortest text that reads back as the same float (integers without '.0')."""
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


@dataclass(frozen=True, slots=True)
class Num(Node):
    """A number literal. `text_value` is what was written; `30%` has percent=True."""

    text_value: float
    percent: bool = False

    @property
    def value(self) -> float:
        return self.text_value / 100.0 if self.percent else self.text_value

    def to_source(self) -> str:
        return format_number(self.text_value) + ("%" if self.percent else "")


@dataclass(frozen=True, slots=True)
class Str(Node):
    """A string literal, only meaningful against text columns (market, sector ...)."""

    value: str

    def to_source(self) -> str:
        quote = "'" if '"' in self.value else '"'
        return quote + self.value + quote


@dataclass(frozen=True, slots=True)
class MetricRef(Node):
    """A column of the frame, named as in the metric catalogue."""

    name: str

    def to_source(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class Neg(Node):
    operand: Node

    def children(self) -> tuple[Node, ...]:
        return (self.operand,)

    @property
    def prec(self) -> int:
        return PREC_UNARY

    def to_source(self) -> str:
        inner = _wrap(self.operand, PREC_UNARY)
        # "- -x" rather than "--x": both parse, but keep it readable.
        return "-" + (" " + inner if inner.startswith("-") else inner)


@dataclass(frozen=True, slots=True)
class BinOp(Node):
    """Arithmetic: + - * / over numbers; left-associative."""

    op: str
    left: Node
    right: Node

    def children(self) -> tuple[Node, ...]:
        return (self.left, self.right)

    @property
    def prec(self) -> int:
        return PREC_ADD if self.op in "+-" else PREC_MUL

    def to_source(self) -> str:
        p = self.prec
        return f"{_wrap(self.left, p)} {self.op} {_wrap(self.right, p + 1)}"


@dataclass(frozen=True, slots=True)
class Compare(Node):
    """A comparison chain: `0 < peg < 1` is ops=('<', '<'), operands=(0, peg, 1)."""

    ops: tuple[str, ...]
    operands: tuple[Node, ...]

    def children(self) -> tuple[Node, ...]:
        return self.operands

    @property
    def prec(self) -> int:
        return PREC_CMP

    def to_source(self) -> str:
        parts = [_wrap(self.operands[0], PREC_ADD)]
        for op, operand in zip(self.ops, self.operands[1:], strict=True):
            parts.append(op)
            parts.append(_wrap(operand, PREC_ADD))
        return " ".join(parts)


@dataclass(frozen=True, slots=True)
class Between(Node):
    """`x between low and high`, both ends inclusive."""

    operand: Node
    low: Node
    high: Node

    def children(self) -> tuple[Node, ...]:
        return (self.operand, self.low, self.high)

    @property
    def prec(self) -> int:
        return PREC_CMP

    def to_source(self) -> str:
        return (
            f"{_wrap(self.operand, PREC_ADD)} between {_wrap(self.low, PREC_ADD)}"
            f" and {_wrap(self.high, PREC_ADD)}"
        )


@dataclass(frozen=True, slots=True)
class In(Node):
    """`x in ["CN", "HK"]` or `x not in [...]`; the list holds literals only."""

    operand: Node
    items: tuple[Node, ...]
    negated: bool = False

    def children(self) -> tuple[Node, ...]:
        return (self.operand, *self.items)

    @property
    def prec(self) -> int:
        return PREC_CMP

    def to_source(self) -> str:
        kw = "not in" if self.negated else "in"
        items = ", ".join(i.to_source() for i in self.items)
        return f"{_wrap(self.operand, PREC_ADD)} {kw} [{items}]"


@dataclass(frozen=True, slots=True)
class IsMissing(Node):
    """`x is missing` / `x is not missing`: always true or false, never unknown."""

    operand: Node
    negated: bool = False

    def children(self) -> tuple[Node, ...]:
        return (self.operand,)

    @property
    def prec(self) -> int:
        return PREC_CMP

    def to_source(self) -> str:
        kw = "is not missing" if self.negated else "is missing"
        return f"{_wrap(self.operand, PREC_ADD)} {kw}"


@dataclass(frozen=True, slots=True)
class Not(Node):
    operand: Node

    def children(self) -> tuple[Node, ...]:
        return (self.operand,)

    @property
    def prec(self) -> int:
        return PREC_NOT

    def to_source(self) -> str:
        return "not " + _wrap(self.operand, PREC_NOT)


@dataclass(frozen=True, slots=True)
class BoolOp(Node):
    """`and` / `or`, binary and left-associative."""

    op: str
    left: Node
    right: Node

    def children(self) -> tuple[Node, ...]:
        return (self.left, self.right)

    @property
    def prec(self) -> int:
        return PREC_AND if self.op == "and" else PREC_OR

    def to_source(self) -> str:
        p = self.prec
        return f"{_wrap(self.left, p)} {self.op} {_wrap(self.right, p + 1)}"


@dataclass(frozen=True, slots=True)
class Call(Node):
    """A call of one of the functions in `functions.FUNCTIONS`."""

    name: str
    args: tuple[Node, ...]

    def children(self) -> tuple[Node, ...]:
        return self.args

    def to_source(self) -> str:
        return f"{self.name}({', '.join(a.to_source() for a in self.args)})"
