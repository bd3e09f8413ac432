"""`--where`: the rows it keeps are those a hand computation over the JSON rows selects.

The reference below reads only the JSON a user gets (`--format json`): a metric that is
null, or listed in the row's `stale_figures`, is unknown; comparisons with an unknown
are unknown; `and`/`or`/`not` follow Kleene's three-valued logic; `is missing` is true
for null, false for a value, unknown for a stale figure. Rows where the condition is
true are kept, and those where it is unknown are counted.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from screener.data.store import Store
from screener.errors import InputError
from screener.output.rows import json_rows
from screener.output.runmeta import json_extras
from screener.run import ScreenRun, load_inputs, run_screen
from screener.select import Selection

METRICS = ("pe_fwd", "pe_ttm", "peg", "revenue_growth", "net_margin", "earnings_growth", "ps_ttm")
OPS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
THRESHOLDS = {
    "pe_fwd": (10.0, 20.0, 35.0, 60.0),
    "pe_ttm": (15.0, 30.0, 50.0, 100.0),
    "peg": (0.5, 1.0, 2.0),
    "revenue_growth": (0.0, 0.1, 0.3, 0.6),
    "net_margin": (0.0, 0.05, 0.15),
    "earnings_growth": (0.0, 0.2, 0.5),
    "ps_ttm": (1.0, 3.0, 8.0),
}

Tri = bool | None  # None: unknown


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory: pytest.TempPathFactory) -> ScreenRun:
    with Store(tmp_path_factory.mktemp("where") / "store.db") as store:
        return run_screen(store, load_inputs(None, None), source="sample")


@pytest.fixture(scope="module")
def json_view(sample_run: ScreenRun) -> list[dict[str, Any]]:
    """The rows exactly as `screen --format json` prints them, read back."""
    return json.loads(json.dumps(json_extras(json_rows(sample_run), sample_run)))


# -- the hand computation ----------------------------------------------------------


def _value(row: dict[str, Any], metric: str) -> float | None:
    if metric in row["stale_figures"]:
        return None
    return row[metric]


def _and(a: Tri, b: Tri) -> Tri:
    if a is False or b is False:
        return False
    return None if a is None or b is None else True


def _or(a: Tri, b: Tri) -> Tri:
    if a is True or b is True:
        return True
    return None if a is None or b is None else False


def _not(a: Tri) -> Tri:
    return None if a is None else not a


# An expression is (text, function row -> Tri): built together, so the text the engine
# parses and the reference that judges it cannot drift apart.
Expr = tuple[str, Callable[[dict[str, Any]], Tri]]


def _comparison(metric: str, op: str, threshold: float) -> Expr:
    def judge(row: dict[str, Any]) -> Tri:
        value = _value(row, metric)
        return None if value is None else OPS[op](value, threshold)

    return f"{metric} {op} {threshold!r}", judge


def _missing(metric: str) -> Expr:
    def judge(row: dict[str, Any]) -> Tri:
        if metric in row["stale_figures"]:
            return None
        return row[metric] is None

    return f"{metric} is missing", judge


@st.composite
def comparisons(draw: st.DrawFn) -> Expr:
    metric = draw(st.sampled_from(METRICS))
    if draw(st.integers(0, 5)) == 0:
        return _missing(metric)
    return _comparison(
        metric, draw(st.sampled_from(sorted(OPS))), draw(st.sampled_from(THRESHOLDS[metric]))
    )


def _combine(children: st.SearchStrategy[Expr]) -> st.SearchStrategy[Expr]:
    def both(pair: tuple[Expr, Expr], word: str) -> Expr:
        (ta, fa), (tb, fb) = pair
        join = _and if word == "and" else _or
        return f"({ta}) {word} ({tb})", lambda row: join(fa(row), fb(row))

    def negated(expr: Expr) -> Expr:
        text, judge = expr
        return f"not ({text})", lambda row: _not(judge(row))

    return st.one_of(
        st.tuples(children, children).map(lambda p: both(p, "and")),
        st.tuples(children, children).map(lambda p: both(p, "or")),
        children.map(negated),
    )


expressions = st.recursive(comparisons(), _combine, max_leaves=5)


def hand_selection(rows: list[dict[str, Any]], judge: Callable[..., Tri]) -> tuple[set[str], int]:
    verdicts = {row["ticker"]: judge(row) for row in rows}
    kept = {t for t, v in verdicts.items() if v is True}
    return kept, sum(1 for v in verdicts.values() if v is None)


# -- the tests ---------------------------------------------------------------------


def test_the_sample_has_missing_and_stale_figures_to_test_with(json_view) -> None:
    assert any(row["net_margin"] is None for row in json_view)
    assert any(row["stale_figures"] for row in json_view)


# the number of examples is the profile's (tests/conftest.py)
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(expr=expressions)
def test_where_keeps_what_the_hand_computation_keeps(sample_run, json_view, expr: Expr) -> None:
    text, judge = expr
    selection = Selection(where=text)
    stale = sample_run.ages.stale(sample_run.ruleset.age_limits)
    selected = selection.apply_counted(sample_run.frame, sample_run.history, stale)
    kept, unknown = hand_selection(json_view, judge)
    assert set(selected.rows.index) == kept, text
    assert selected.where_unknown == unknown, text


def test_the_cli_flags_exactly_the_hand_selected_rows(run_cli, json_view) -> None:
    text = "pe_fwd < 30 and (net_margin > 10% or revenue_growth > 40%)"
    result = run_cli("screen", "--source", "sample", "--format", "json", "--where", text)
    assert result.status == 0, result.err
    shown = [row["ticker"] for row in json.loads(result.out)]

    def judge(row: dict[str, Any]) -> Tri:
        pe, margin, growth = (_value(row, m) for m in ("pe_fwd", "net_margin", "revenue_growth"))
        cheap = None if pe is None else pe < 30
        good = _or(
            None if margin is None else margin > 0.10, None if growth is None else growth > 0.4
        )
        return _and(cheap, good)

    kept, unknown = hand_selection(json_view, judge)
    assert set(shown) == kept and len(shown) == len(kept)
    assert 0 < len(kept) < len(json_view) and unknown > 0  # the case says something
    assert f"{unknown} rows left out" in result.err


def test_where_sees_sector_statistics_of_every_company(sample_run) -> None:
    """A sector filter before `--where` does not shrink the sector medians it reads."""
    where = "pe_fwd < sector_median(pe_fwd)"
    stale = sample_run.ages.stale(sample_run.ruleset.age_limits)
    alone = Selection(where=where).apply(sample_run.frame, sample_run.history, stale)
    narrowed = Selection(where=where, sectors=("switching",)).apply(
        sample_run.frame, sample_run.history, stale
    )
    assert set(narrowed.index) == {t for t in alone.index if alone.at[t, "sector"] == "switching"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("pe_fw < 20", "--where:1:1: unknown metric 'pe_fw' (did you mean 'pe_fwd'?)"),
        ("pe_fwd + 1", "--where:1:"),
        ('sector == "datacenter"', "did you mean 'data_center'"),
        ("__import__('os')", "--where:1:"),
        ("   ", "--where: an empty expression"),
        ("score > 2", "--where:1:1: 'score' is the rules' verdict, not a metric: use --min-score"),
    ],
)
def test_a_bad_where_is_a_rule_error_with_a_caret(text: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        Selection(where=text)
    assert message in str(caught.value)
    if text.strip():
        assert "^" in str(caught.value).splitlines()[-1]


def test_a_bad_where_fails_on_the_command_line_with_exit_2(run_cli) -> None:
    result = run_cli("screen", "--source", "sample", "--where", "pe_fwd <")
    assert result.status == 2
    assert "--where:1:" in result.err and "^" in result.err and "Traceback" not in result.err


def test_where_is_never_handed_to_pandas_eval(monkeypatch, sample_run) -> None:
    import pandas as pd

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("pandas eval/query used")

    monkeypatch.setattr(pd, "eval", refuse)
    monkeypatch.setattr(pd.DataFrame, "query", refuse)
    monkeypatch.setattr(pd.DataFrame, "eval", refuse)
    rows = Selection(where="pe_fwd < 20").apply(sample_run.frame, sample_run.history)
    assert len(rows) > 0


def test_watchlist_save_takes_where(run_cli) -> None:
    saved = run_cli("watchlist", "save", "cheap", "--source", "sample", "--where", "pe_fwd < 20")
    assert saved.status == 0, saved.err
    shown = run_cli("watchlist", "show", "cheap", "--format", "json")
    rows = json.loads(shown.out)
    assert rows and all(row["pe_fwd"] is not None and row["pe_fwd"] < 20 for row in rows)



def test_the_screen_loads_the_own_history_where_reads(run_cli, sample_run) -> None:
    """No shipped rule reads P/B's own history; a screen's --where still gets it."""
    text = "hist_pct(pb) < 50%"
    result = run_cli("screen", "--source", "sample", "--format", "json", "--where", text)
    assert result.status == 0, result.err
    stale = sample_run.ages.stale(sample_run.ruleset.age_limits)
    expected = Selection(where=text).apply(sample_run.frame, sample_run.history, stale)
    assert len(expected) > 0
    assert {row["ticker"] for row in json.loads(result.out)} == set(expected.index)
