"""The frame known on a past day: published points only, carried to the day's close."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from screener.backtest.calendar import day_numbers, iso
from screener.backtest.lags import ANNUAL_LAG_DAYS, QUARTERLY_LAG_DAYS
from screener.backtest.multiples import MultipleTable
from screener.backtest.pit import PointInTime, add_derived_columns
from screener.backtest.prices import PriceTable
from screener.data.provider import FxRate
from screener.derived import add_derived
from screener.frame import DESCRIPTIVE_COLUMNS, NUMERIC_COLUMNS
from tests.backtest.synthetic import company


def _day(text: str) -> int:
    return int(day_numbers([text])[0])


def _point_in_time(history: list[tuple[str, str, str, str, float]], close: float = 10.0):
    """Two names with a flat close (A doubles on 2021-06-01) and the given history."""
    sector = "optical_communication"
    universe = {"A": company("A", sector), "B": company("B", sector)}
    days = pd.bdate_range("2020-01-01", "2021-12-31")
    rows = []
    for d in days:
        text = d.date().isoformat()
        rows.append(("A", text, close * (2 if text >= "2021-06-01" else 1), None))
        rows.append(("B", text, close, None))
    ticker, date, closes, _ = zip(*rows, strict=True)
    prices = PriceTable.build(tuple(universe), ticker, day_numbers(date), np.array(closes))
    multiples = MultipleTable.build(tuple(universe), history, prices)
    return PointInTime(universe, prices, multiples)


def test_a_point_counts_only_once_published_and_moves_with_the_price() -> None:
    history = [
        ("A", "yahoo", "pe_ttm", "2020-12-31", 20.0),  # first point: annual lag
        ("A", "yahoo", "pe_ttm", "2021-03-31", 15.0),  # quarterly lag
        ("A", "yahoo", "ev_ebitda", "2021-03-31", 8.0),  # held, not scaled
    ]
    pit = _point_in_time(history)
    first = _day("2020-12-31") + ANNUAL_LAG_DAYS
    second = _day("2021-03-31") + QUARTERLY_LAG_DAYS
    assert np.isnan(pit.state_at(first - 1).frame.at["A", "pe_ttm"])
    assert pit.state_at(first).frame.at["A", "pe_ttm"] == 20.0
    assert pit.state_at(second - 1).frame.at["A", "pe_ttm"] == 20.0
    assert pit.state_at(second).frame.at["A", "pe_ttm"] == 15.0
    assert np.isnan(pit.state_at(second - 1).frame.at["A", "ev_ebitda"])
    # After the price doubled the P/E is twice the published one; EV/EBITDA is held.
    later = pit.state_at(_day("2021-07-30")).frame
    assert later.at["A", "pe_ttm"] == 30.0 and later.at["A", "ev_ebitda"] == 8.0
    assert np.isnan(later.at["B", "pe_ttm"])  # B never had a point
    # The own history holds the published points only.
    history_then = pit.state_at(second - 1).history
    assert history_then["date"].tolist() == ["2020-12-31"]


def test_figures_without_a_dated_history_are_unknown() -> None:
    frame = _point_in_time([]).state_at(_day("2021-07-30")).frame
    for metric in ("revenue_growth", "gross_margin", "eps_revision_30d", "pe_fwd", "peg"):
        assert frame[metric].isna().all()
    assert frame["price"].notna().all() and frame["ret_6m"].notna().all()


def test_the_frame_has_the_columns_and_types_of_a_screening_frame() -> None:
    state = _point_in_time([("A", "yahoo", "pe_ttm", "2020-03-31", 20.0)]).state_at(
        _day("2021-02-26")
    )
    frame = state.frame
    assert list(frame.columns[: len(DESCRIPTIVE_COLUMNS) + len(NUMERIC_COLUMNS)]) == [
        *DESCRIPTIVE_COLUMNS,
        *NUMERIC_COLUMNS,
    ]
    assert all(frame[name].dtype == np.float64 for name in NUMERIC_COLUMNS)
    assert frame.index.name == "ticker" and list(frame.index) == ["A", "B"]
    assert frame["as_of"].tolist() == ["2021-02-26", "2021-02-26"]
    assert frame["data_age_days"].tolist() == [0.0, 0.0]
    assert frame["in_stats"].tolist() == [True, True]


def test_a_name_without_a_recent_close_is_not_in_the_frame() -> None:
    pit = _point_in_time([])
    assert pit.state_at(_day("2019-06-28")).frame.empty
    assert len(pit.state_at(_day("2022-02-28")).frame) == 0  # closes ended 2021-12-31
    assert len(pit.state_at(_day("2022-01-10")).frame) == 2  # within the freshness window


def test_the_preferred_source_wins_once_it_has_published() -> None:
    history = [
        ("A", "yahoo", "pe_ttm", "2020-03-31", 20.0),
        ("A", "yahoo", "pe_ttm", "2020-06-30", 21.0),
        ("A", "yahoo", "pe_ttm", "2020-09-30", 22.0),
        ("A", "akshare", "pe_ttm", "2020-10-01", 30.0),
        ("A", "akshare", "pe_ttm", "2020-10-02", 31.0),
    ]
    pit = _point_in_time(history)
    before = pit.state_at(_day("2020-11-20"))
    assert before.frame.at["A", "pe_ttm"] == 22.0  # akshare's first point is not out yet
    assert set(before.history["value"]) == {20.0, 21.0, 22.0}
    after = pit.state_at(_day("2021-03-31"))
    assert after.frame.at["A", "pe_ttm"] == 31.0
    assert set(after.history["value"]) == {30.0, 31.0}  # one source's history, not a mix


def test_derived_columns_equal_the_screening_run_s() -> None:
    frame = pd.DataFrame(
        {
            "pe_ttm": [20.0, -5.0, 30.0, np.nan, 12.0],
            "pe_fwd": [10.0, 8.0, 40.0, 5.0, 12.0],
            "implied_eps_growth": [np.nan, np.nan, 0.5, np.nan, np.nan],
            "market_cap": [1e9, 5e9, np.nan, 2e9, 3e9],
            "market_cap_usd": [np.nan, np.nan, np.nan, np.nan, 7.0],
            "currency": ["CNY", "HKD", "USD", "EUR", "CNY"],
            "as_of": ["2021-03-01", "2021-03-03", "2021-03-01", "2021-02-27", "2021-03-01"],
        },
        index=pd.Index(list("VWXYZ"), name="ticker"),
    )
    fx = [
        FxRate("CNY", "2021-02-01", 6.5, "test"),
        FxRate("CNY", "2021-03-02", 6.4, "test"),
        FxRate("HKD", "2021-03-01", 7.8, "test"),
    ]
    day = _day("2021-03-05")
    want, _ = add_derived(frame, fx, pd.Timestamp(iso(day)).date())
    got = frame.copy()
    add_derived_columns(got, fx, day, day_numbers(frame["as_of"]))
    for column in ("implied_eps_growth", "market_cap_usd", "data_age_days"):
        pd.testing.assert_series_equal(got[column], want[column], check_names=False)


@pytest.mark.parametrize("metric", ["price", "ret_6m", "data_age_days", "market_cap_usd"])
def test_history_never_overrides_what_the_replay_computes(metric: str) -> None:
    pit = _point_in_time([("A", "yahoo", metric, "2020-03-31", 123.0)])
    assert metric not in pit.multiples.metrics


def test_each_dated_figure_carries_the_period_it_describes() -> None:
    history = [
        ("A", "yahoo", "pe_ttm", "2020-12-31", 20.0),
        ("A", "yahoo", "pe_ttm", "2021-03-31", 15.0),
    ]
    state = _point_in_time(history).state_at(_day("2021-05-31"))
    assert state.vintages.at["A", "pe_ttm"] == "2021-03-31"
    assert state.vintages.at["B", "pe_ttm"] is None
