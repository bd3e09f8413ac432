"""Text literals in rules must name something that exists.

`market == "cn"` or `sector == "datacenter"` would parse, type-check and then
never be true: the rule silently never fires. The closed lists (sectors,
sub-segments, markets) and the shape of a currency code catch those typos at
check time, with the position of the literal and a "did you mean".
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from screener.engine.nodes import Compare, In, MetricRef, Node, Str
from screener.engine.parser import suggest
from screener.engine.tokens import ExprError
from screener.universe.taxonomy import SECTORS as COMPANY_SECTORS
from screener.universe.taxonomy import SUB_SEGMENTS
from screener.universe.tickers import SUFFIX_MARKETS


def allowed_values(metric: str) -> frozenset[str] | None:
    """The values a text metric can take, or None where the list is open."""
    if metric == "sector":
        return frozenset(COMPANY_SECTORS)
    if metric == "sub_segment":
        return frozenset(SUB_SEGMENTS)
    if metric == "market":
        return frozenset((*SUFFIX_MARKETS.values(), "US"))
    return None


_CURRENCY = re.compile(r"[A-Z]{3}")


def _check(metric: str, literal: Str) -> None:
    allowed = allowed_values(metric)
    if allowed is not None and literal.value not in allowed:
        same_letters = [a for a in allowed if a.lower() == literal.value.lower()]
        hint = (
            f" (did you mean '{same_letters[0]}'?)"
            if same_letters
            else suggest(literal.value, sorted(allowed))
        )
        raise ExprError(
            f"{metric} is never {literal.value!r}{hint};"
            f" {metric} is one of: {', '.join(sorted(allowed))}",
            literal.pos,
            len(literal.to_source()),
        )
    if metric == "currency" and not _CURRENCY.fullmatch(literal.value):
        raise ExprError(
            f"currency codes are three capital letters (CNY, HKD, USD ...), not {literal.value!r}",
            literal.pos,
            len(literal.to_source()),
        )


def _pairs(node: Node) -> Iterable[tuple[str, Str]]:
    if isinstance(node, Compare):
        operands = node.operands
        for left, right in zip(operands, operands[1:], strict=False):
            if isinstance(left, MetricRef) and isinstance(right, Str):
                yield left.name, right
            elif isinstance(right, MetricRef) and isinstance(left, Str):
                yield right.name, left
    elif isinstance(node, In) and isinstance(node.operand, MetricRef):
        for item in node.items:
            if isinstance(item, Str):
                yield node.operand.name, item


def check_literals(tree: Node) -> None:
    """Raise ExprError at the first text literal its metric can never equal."""
    for node in tree.walk():
        for metric, literal in _pairs(node):
            _check(metric, literal)
