"""The parser: precedence, canonical printing, and errors that point at the token."""

from __future__ import annotations

import pytest

from screener.engine import ExprError, parse_condition, parse_expression
from screener.engine.nodes import BinOp, BoolOp, Call, Compare, MetricRef, Neg, Not, Num
from screener.engine.template import Placeholder, parse_template


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("pe_fwd<sector_median(pe_fwd)*0.8", "pe_fwd < sector_median(pe_fwd) * 0.8"),
        ("(pe_ttm / pe_fwd) - 1 > 30%", "pe_ttm / pe_fwd - 1 > 30%"),
        ("pe_ttm / (pe_fwd - 1) > .5", "pe_ttm / (pe_fwd - 1) > 0.5"),
        ("not peg < 1 and pb > 2 or roe > 0.2", "not peg < 1 and pb > 2 or roe > 0.2"),
        ("not (peg < 1 and pb > 2)", "not (peg < 1 and pb > 2)"),
        ("peg < 1 and (pb > 2 or roe > 0.2)", "peg < 1 and (pb > 2 or roe > 0.2)"),
        ("- -pe_fwd < 1e3", "- -pe_fwd < 1000"),
        ("market not in ['CN','HK']", 'market not in ["CN", "HK"]'),
        ("peg is not missing", "peg is not missing"),
        ("coalesce(peg,  2 ,3) between -1 and 2", "coalesce(peg, 2, 3) between -1 and 2"),
    ],
)
def test_canonical_printing(text: str, canonical: str) -> None:
    node = parse_condition(text)
    assert node.to_source() == canonical
    assert parse_condition(canonical) == node


def test_tree_shape_and_precedence() -> None:
    node = parse_expression("1 - 2 - 3 * -pb")
    assert node == BinOp(
        "-", BinOp("-", Num(1.0), Num(2.0)), BinOp("*", Num(3.0), Neg(MetricRef("pb")))
    )
    chain = parse_condition("0 < peg <= 1")
    assert chain == Compare(("<", "<="), (Num(0.0), MetricRef("peg"), Num(1.0)))
    logic = parse_condition("not pb > 1 or pb < 0 and peg > 1")
    assert isinstance(logic, BoolOp) and logic.op == "or"
    assert isinstance(logic.left, Not) and isinstance(logic.right, BoolOp)
    assert parse_expression("30%") == Num(30.0, True) and Num(30.0, True).value == 0.3
    assert parse_expression("max(pb, 1)") == Call("max", (MetricRef("pb"), Num(1.0)))


def test_nodes_are_immutable_and_compare_without_positions() -> None:
    a = parse_expression("sector_median(pe_fwd)")
    b = parse_expression("  sector_median( pe_fwd )")
    assert a == b and hash(a) == hash(b) and a.pos != b.pos
    with pytest.raises(AttributeError):
        a.name = "abs"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "message", "pos"),
    [
        ("pe_fw < 3", "unknown metric 'pe_fw' (did you mean 'pe_fwd'?)", 0),
        (
            "pe_fwd < sector_medain(pb)",
            "unknown function 'sector_medain' (did you mean 'sector_median'?)",
            9,
        ),
        (
            "peg < 1 and",
            "unexpected end of expression: expected a number, a metric or a function call",
            11,
        ),
        ("peg < 1)", "unexpected ')'", 7),
        ("(peg < 1", "unexpected end of expression: expected ')'", 8),
        ("min(pb) > 1", "min() takes 2 to 8 arguments, got 1", 0),
        ("pb is 3", "unexpected '3': expected 'missing' (x is missing / x is not missing)", 6),
        ("market == 3", "cannot compare text with a number", 10),
        ("pb < 1 < market", "cannot compare text with a number", 0),
        ("(pb < 1) < 2", "cannot compare a condition; combine conditions with 'and' / 'or'", 4),
        ("not pb", "'not' needs a condition (true/false), but 'pb' is a number", 4),
        ("pb in ['CN']", "list item is text but 'pb' is a number", 7),
        ("pb = 1", "unexpected character '=': use '==' to compare", 3),
        ("pb < 1e16", "number 1e16 is too large (the limit is 1e15)", 5),
        (
            "pb % 2 > 1",
            "unexpected character '%': '%' may only follow a number (30% means 0.30)",
            3,
        ),
        ("True", "'True' is not part of the rule language", 0),
        ("+pb > 1", "unary '+' is not part of the rule language", 0),
    ],
)
def test_errors_point_at_the_token(text: str, message: str, pos: int) -> None:
    with pytest.raises(ExprError) as info:
        parse_condition(text)
    assert (info.value.message, info.value.pos) == (message, pos)


def test_templates_parse_our_expressions_and_allowed_specs_only() -> None:
    template = parse_template("P/E {pe_fwd:.1f} vs {sector_median(pe_fwd)} {{ok}}")
    assert template.parts == (
        "P/E ",
        Placeholder(MetricRef("pe_fwd"), ".1f"),
        " vs ",
        Placeholder(Call("sector_median", (MetricRef("pe_fwd"),)), ""),
        " {ok}",
    )
    for bad in ("{pe_fwd:>10}", "{pe_fwd:.10f}", "{pe_fwd:%Y}", "{pe_fwd:n}", "{}", "}"):
        with pytest.raises(ExprError):
            parse_template(bad)


@pytest.mark.parametrize(
    "text", ["{market:+.2f}", "{sector:.0%}", '{"CN":f}', "x {currency:,}", "{market:g}"]
)
def test_a_number_format_on_text_is_an_error(text: str) -> None:
    with pytest.raises(ExprError, match="needs a number, but .* is text") as info:
        parse_template(text)
    assert info.value.pos == text.index(":") + 1  # at the format


def test_text_placeholders_without_a_format_are_fine() -> None:
    for text in ("{market}", "{market:}", "{sector} {pe_fwd:+.1f}"):
        parse_template(text)
