"""Stale inputs: figures too old for their row read as unknown, per rule file's limits."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from screener.data.provider import Vintage
from screener.engine import Evaluator, evaluate, explain, load_ruleset, parse_expression
from screener.engine.age import DEFAULT_AGE_LIMITS, AgeLimits, FigureAges
from screener.errors import InputError

NAN = np.nan


def frame_of(**columns: list[object]) -> pd.DataFrame:
    tickers = [f"T{i}" for i in range(len(next(iter(columns.values()))))]
    frame = pd.DataFrame(columns, index=pd.Index(tickers, name="ticker"))
    for name in frame.columns:
        if name not in ("sector", "market", "as_of"):
            frame[name] = frame[name].astype("float64")
    return frame


def stale_of(frame: pd.DataFrame, **columns: list[bool]) -> pd.DataFrame:
    return pd.DataFrame(columns, index=frame.index, dtype=bool)


def values(text: str, frame: pd.DataFrame, stale: pd.DataFrame | None = None) -> list:
    out = Evaluator(frame, stale=stale).value(parse_expression(text))
    return [None if (isinstance(v, float) and np.isnan(v)) else v for v in out.tolist()]


def test_a_stale_input_makes_a_comparison_unknown_not_true() -> None:
    frame = frame_of(revenue_growth=[0.5, 0.5, NAN], pe_fwd=[10.0, 50.0, 10.0])
    stale = stale_of(frame, revenue_growth=[True, False, False])
    assert values("revenue_growth > 30%", frame, stale) == [None, 1.0, None]
    assert values("not (revenue_growth > 30%)", frame, stale) == [None, 0.0, None]
    # Kleene: the rest of the condition can still decide it.
    assert values("pe_fwd > 20 and revenue_growth > 30%", frame, stale) == [0.0, 1.0, 0.0]
    assert values("pe_fwd < 20 or revenue_growth > 30%", frame, stale) == [1.0, 1.0, 1.0]


def test_is_missing_and_coalesce_do_not_mistake_stale_for_missing() -> None:
    frame = frame_of(peg=[0.5, NAN, 0.5], pe_fwd=[NAN, NAN, 3.0])
    stale = stale_of(frame, peg=[True, False, False], pe_fwd=[False, False, False])
    assert values("peg is missing", frame, stale) == [None, 1.0, 0.0]
    assert values("peg is not missing", frame, stale) == [None, 0.0, 1.0]
    assert values("coalesce(peg, 2)", frame, stale) == [None, 2.0, 0.5]
    assert values("coalesce(pe_fwd, peg, 2)", frame, stale) == [None, 2.0, 3.0]
    assert values("coalesce(peg, 2) is missing", frame, stale) == [None, 0.0, 0.0]
    # A result known to be missing whatever the hidden value stays known.
    assert values("(peg + pe_fwd) is missing", frame, stale) == [1.0, 1.0, 0.0]
    assert values("(peg + 1) is missing", frame, stale) == [None, 1.0, 0.0]


def test_statistics_leave_stale_values_out_as_missing_ones() -> None:
    frame = frame_of(
        sector=["switching"] * 4,
        pe_fwd=[10.0, 20.0, 30.0, 1000.0],
    )
    stale = stale_of(frame, pe_fwd=[False, False, False, True])
    assert values("sector_median(pe_fwd)", frame, stale) == [20.0] * 4
    pct = values("sector_pct(pe_fwd)", frame, stale)
    assert pct[3] is None and pct[0] == 0.0
    ev = Evaluator(frame, stale=stale)
    assert ev.unknown(parse_expression("sector_pct(pe_fwd)")).tolist() == [False] * 3 + [True]
    assert not ev.unknown(parse_expression("sector_median(pe_fwd)")).any()


def test_figure_ages_are_relative_to_the_rows_quote_not_today() -> None:
    as_of = pd.Series(["2026-02-20", "2024-12-31", None], index=["A", "B", "C"])
    vintages = {
        "A": {"revenue_growth": Vintage("2024-09-30", "statement", "TTM to 2024-09")},
        "B": {
            "revenue_growth": Vintage("2024-09-30", "statement", "TTM to 2024-09"),
            "pe_fwd": Vintage("2024-12-01", "estimate", "estimate of 2024-12-01"),
        },
        "C": {"revenue_growth": Vintage("2020-01-31", "statement")},
    }
    ages = FigureAges.build(vintages, as_of, ["revenue_growth", "pe_fwd"])
    assert ages.age("A", "revenue_growth") == 508
    assert ages.age("B", "revenue_growth") == 92
    assert ages.age("C", "revenue_growth") is None  # no quote date: no age, never stale
    stale = ages.stale()
    assert stale.loc["A"].tolist() == [True, False]
    assert stale.loc["B"].tolist() == [False, False]
    assert not stale.loc["C"].any()
    assert ages.stale(AgeLimits(statement=600)).loc["A", "revenue_growth"] == False  # noqa: E712
    assert ages.stale(AgeLimits(estimate=10)).loc["B", "pe_fwd"] == True  # noqa: E712
    assert ages.label("A", "revenue_growth") == "TTM to 2024-09"
    assert ages.label("C", "revenue_growth") == "2020-01-31"  # no label: the date
    assert ages.vintage("A", "pe_fwd") is None


def test_default_limits() -> None:
    assert DEFAULT_AGE_LIMITS.as_dict() == {"quote": 10, "statement": 300, "estimate": 120}
    assert DEFAULT_AGE_LIMITS.text() == "quote 10 d, statement 300 d, estimate 120 d"


def write(tmp_path: Path, text: str, name: str = "r.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


RULE = '[[rule]]\nid = "{id}"\ntitle = "T"\nwhen = "revenue_growth > 0"\nscore = 1\n'


def test_a_rule_file_sets_its_own_limits(tmp_path: Path) -> None:
    loose = write(tmp_path, "[max_age]\nstatement = 600\n\n" + RULE.format(id="loose"), "a.toml")
    strict = write(tmp_path, RULE.format(id="strict"), "b.toml")
    ruleset = load_ruleset([loose, strict])
    assert ruleset.get("loose").max_age == AgeLimits(statement=600)
    assert ruleset.get("strict").max_age == DEFAULT_AGE_LIMITS
    frame = frame_of(revenue_growth=[0.2], as_of=["2026-02-20"])
    ages = FigureAges.build(
        {"T0": {"revenue_growth": Vintage("2024-09-30", "statement", "TTM to 2024-09")}},
        frame["as_of"],
        ["revenue_growth"],
    )
    result = evaluate(ruleset, frame, None, ages)
    assert result.fired.loc["T0"] == ("loose",)
    assert result.unknown.loc["T0", "strict"]
    assert result.stale.loc["T0", "strict"] and not result.stale.loc["T0", "loose"]
    # Without ages every figure is read as stored.
    assert evaluate(ruleset, frame).fired.loc["T0"] == ("loose", "strict")


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        (
            "[max_age]\nstatment = 3\n",
            "r.toml:2:1: unknown key 'statment' in [max_age] (did you mean 'statement'?);"
            " allowed keys: quote, statement, estimate\n  statment = 3\n  ^",
        ),
        (
            "[max_age]\nquote = 1\nestimate = 2.5\n",
            "r.toml:3:1: max_age.estimate must be a whole number of days, not a number",
        ),
        ("[max_age]\nquote = true\n", "r.toml:2:1: max_age.quote must be a whole number"),
        ("[max_age]\nquote = -1\n", "r.toml:2:1: max_age.quote must be between 0 and 36500"),
        ("max_age = 30\n", "r.toml:1:1: 'max_age' must be a table of days per kind of figure"),
        ("max_ages = 30\n", "r.toml:1:1: unknown top-level key 'max_ages' (did you mean"),
    ],
)
def test_max_age_is_checked_with_file_and_line(tmp_path: Path, table: str, expected: str) -> None:
    path = write(tmp_path, table + "\n" + RULE.format(id="x"))
    with pytest.raises(InputError) as info:
        load_ruleset([path])
    assert str(info.value).replace(str(tmp_path) + "/", "").startswith(expected)


def test_explain_says_stale_input_with_its_vintage() -> None:
    frame = frame_of(
        revenue_growth=[0.5], pe_fwd=[10.0], net_margin=[NAN], as_of=["2026-02-20"]
    )
    ages = FigureAges.build(
        {
            "T0": {
                "revenue_growth": Vintage("2024-09-30", "statement", "TTM to 2024-09"),
                "pe_fwd": Vintage("2026-02-20", "estimate", "estimate of 2026-02-20"),
            }
        },
        frame["as_of"],
        ["revenue_growth", "pe_fwd", "net_margin"],
    )
    from screener.engine.ruleset import RuleSet

    rules = [
        _rule("growth", "revenue_growth > 30% and pe_fwd > 0"),
        _rule("cheap-growth", "pe_fwd > 20 and revenue_growth > 30%"),
        _rule("both", "revenue_growth > 30% and net_margin > 0"),
    ]
    items = explain(RuleSet(tuple(rules), ()), frame, None, "T0", ages)
    growth, cheap, both = items
    assert growth.result is None and not growth.fired
    assert growth.stale == ("revenue_growth",)
    assert dict(growth.inputs)["revenue_growth"] == 0.5  # the stored value, shown
    assert dict(growth.vintages) == {
        "revenue_growth": "TTM to 2024-09",
        "pe_fwd": "estimate of 2026-02-20",
    }
    assert dict(growth.ages) == {"revenue_growth": 508}
    assert growth.missing == ()
    assert dict(growth.conditions)["revenue_growth > 30%"] is None
    assert cheap.result is False and cheap.stale == ("revenue_growth",)
    assert both.missing == ("net_margin",) and both.stale == ("revenue_growth",)


def _rule(rule_id: str, when: str) -> object:
    from screener.engine.parser import parse_condition
    from screener.engine.ruleset import Rule

    return Rule(
        id=rule_id,
        title=rule_id,
        description="",
        sectors=(),
        when=parse_condition(when),
        when_text=when,
        score=1.0,
        why="",
        template=None,
        tags=(),
        path=Path("x.toml"),
        line=1,
    )


def test_the_engine_and_the_provider_know_the_same_bases() -> None:
    from screener.data.provider import VINTAGE_BASES
    from screener.engine.age import BASES

    assert BASES == VINTAGE_BASES
