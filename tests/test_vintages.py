"""Each figure's vintage beside the frame: completed, derived, and read by the rules."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from screener.data.provider import Vintage
from screener.data.store import Store
from screener.engine.age import DEFAULT_AGE_LIMITS
from screener.run import load_inputs, run_screen
from screener.vintages import figure_ages, parse_vintages, row_vintages

TODAY = date(2026, 3, 1)


def test_stored_vintages_parse_and_bad_ones_are_ignored() -> None:
    text = '{"revenue_growth": {"date": "2024-09-30", "basis": "statement", "label": "TTM"}}'
    assert parse_vintages(text) == {"revenue_growth": Vintage("2024-09-30", "statement", "TTM")}
    assert parse_vintages(None) == {} and parse_vintages("not json") == {}
    assert parse_vintages('{"pb": {"basis": "quote"}, "pe_ttm": 3}') == {}
    odd = parse_vintages('{"pb": {"date": "2026-01-01", "basis": "guess"}}')
    assert odd["pb"].basis == "quote"  # an unknown basis gets the strictest limit


def test_missing_vintages_are_the_rows_quote_and_derived_ones_the_oldest_input() -> None:
    row = pd.Series(
        {
            "as_of": "2026-02-20",
            "pe_ttm": 30.0,
            "pe_fwd": 20.0,
            "implied_eps_growth": 0.5,
            "market_cap": 1e9,
            "market_cap_usd": 1e9,
            "pb": np.nan,
            "data_age_days": 9.0,
        }
    )
    old = Vintage("2025-12-01", "estimate", "estimate of 2025-12-01")
    out = row_vintages({"pe_fwd": old}, row)
    assert out["pe_ttm"] == Vintage("2026-02-20", "quote", "quote of 2026-02-20")
    assert out["pe_fwd"] == old
    assert out["implied_eps_growth"] == old  # the older of pe_ttm and pe_fwd
    assert out["market_cap_usd"] == out["market_cap"]
    assert "pb" not in out  # missing: no vintage
    assert "data_age_days" not in out  # the row's age, not a figure


def _sample_run(tmp_path: Path):
    with Store(tmp_path / "s.db") as store:
        return run_screen(store, load_inputs(None, None), source="sample", today=TODAY)


def test_a_sample_run_carries_every_figures_vintage(tmp_path: Path) -> None:
    run = _sample_run(tmp_path)
    ages = run.ages
    assert ages is not None
    assert list(ages.dates.index) == list(run.frame.index)
    assert ages.vintage("LITE", "revenue_growth") == {
        "date": "2024-09-30",
        "basis": "statement",
        "label": "TTM to 2024-09",
    }
    assert ages.age("LITE", "revenue_growth") == 508  # against its row's quote, not today
    for ticker in run.frame.index:
        present = {
            m
            for m in ages.dates.columns
            if m != "data_age_days" and pd.notna(run.frame.at[ticker, m])
        }
        assert set(ages.of_row(ticker)) == present, ticker


def test_stale_figures_of_the_sample_are_old_statements_only(tmp_path: Path) -> None:
    run = _sample_run(tmp_path)
    stale = run.ages.stale(DEFAULT_AGE_LIMITS)
    cells = {(t, m) for t in stale.index for m in stale.columns[stale.loc[t].to_numpy()]}
    assert ("LITE", "revenue_growth") in cells
    assert {run.ages.basis.at[t, m] for t, m in cells} == {"statement"}
    # the rule that reads LITE's revenue growth knows it read a stale figure
    assert run.evaluation.stale.at["LITE", "fwd-pe-discount-with-growth"]
    assert not run.evaluation.stale.at["LITE", "peg-below-one"]


def test_figure_ages_follow_the_frames_rows() -> None:
    frame = pd.DataFrame(
        {"as_of": ["2026-02-20", "2026-01-01"], "pb": [1.0, np.nan]},
        index=pd.Index(["A", "B"], name="ticker"),
    )
    ages = figure_ages([{"ticker": "A", "vintages": None}], frame)
    assert ages.label("A", "pb") == "quote of 2026-02-20"
    assert ages.vintage("B", "pb") is None


def test_figure_ages_are_row_vintages_on_ties_stored_derived_and_repeated_rows() -> None:
    from screener.engine.age import FigureAges
    from screener.frame import NUMERIC_COLUMNS

    text_a = (
        '{"pe_fwd": {"date": "2026-01-05", "basis": "estimate", "label": "est"},'
        ' "pe_ttm": {"date": "2026-01-05", "basis": "quote", "label": ""},'
        ' "market_cap_usd": {"date": "2025-12-31", "basis": "quote", "label": "own"}}'
    )
    text_b = '{"pe_ttm": {"date": "2025-06-30", "basis": "statement", "label": "TTM"}}'
    snapshots = [
        {"ticker": "A", "vintages": text_a},
        {"ticker": "B", "vintages": text_b},
        {"ticker": "C", "vintages": text_b},  # shares B's text
        {"ticker": "D", "vintages": "not json"},
    ]
    frame = pd.DataFrame(
        {
            "as_of": ["2026-02-20", "2026-02-20", None, "2026-02-19", "2026-02-20"],
            "pe_ttm": [30.0, 20.0, 25.0, np.nan, 31.0],
            "pe_fwd": [20.0, np.nan, 22.0, 10.0, 21.0],
            "implied_eps_growth": [np.nan, 0.1, 0.2, 0.3, 0.5],
            "market_cap": [1e9, np.nan, 2e9, 3e9, 1e9],
            "market_cap_usd": [1e9, 5e8, np.nan, 3e9, 1e9],
        },
        index=pd.Index(["A", "B", "C", "D", "A"], name="ticker"),
    )
    stored = {str(s["ticker"]): parse_vintages(s["vintages"]) for s in snapshots}
    # a repeated ticker gets its last row's vintages on both rows
    last = {str(t): row for t, row in frame.iterrows()}
    vintages = {t: row_vintages(stored.get(t, {}), row) for t, row in last.items()}
    want = FigureAges.build(vintages, frame["as_of"], NUMERIC_COLUMNS)
    got = figure_ages(snapshots, frame)
    for part in ("dates", "basis", "labels", "days"):
        pd.testing.assert_frame_equal(getattr(got, part), getattr(want, part))
    assert got.basis["implied_eps_growth"].tolist()[::4] == ["quote", "quote"]  # tie: pe_ttm's
    assert got.label("B", "implied_eps_growth") == "TTM"  # its only input's vintage
    assert got.vintage("C", "pe_fwd") is None  # no date and none stored


def test_figure_ages_reckon_days_and_bases_as_the_tables_themselves_do(tmp_path: Path) -> None:
    """The days and basis codes figure_ages makes from its vintage codes are those
    `FigureAges.from_tables` and `stale` find by reading every cell of the tables."""
    from screener.engine.age import AgeLimits, FigureAges

    run = _sample_run(tmp_path)
    ages = run.ages
    assert ages is not None and ages.basis_codes is not None
    as_of = run.frame["as_of"].copy()
    as_of.iloc[0] = None  # a row without a quote date: no days
    with Store(tmp_path / "s.db") as store:
        snapshots = store.latest_snapshots("sample")
    got = figure_ages(snapshots, run.frame.assign(as_of=as_of))
    want = FigureAges.from_tables(got.dates, got.basis, got.labels, as_of)
    pd.testing.assert_frame_equal(got.days, want.days)
    assert got.days.iloc[0].isna().all() and got.days.notna().to_numpy().sum() > 100
    for limits in (DEFAULT_AGE_LIMITS, AgeLimits(quote=1, statement=30, estimate=5)):
        pd.testing.assert_frame_equal(got.stale(limits), want.stale(limits))
        assert want.basis_codes is None
