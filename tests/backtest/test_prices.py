"""Price metrics on past days: vectorised, and equal to the live definitions bar for bar."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from screener.backtest.calendar import day_numbers, iso
from screener.backtest.prices import FRESH_DAYS, PriceTable, close_pairs
from screener.data.provider import PriceBar
from screener.data.yahoo.prices import with_price_metrics


def _bars(seed: int, start: str, count: int, gap_every: int = 0) -> list[PriceBar]:
    rng = np.random.default_rng(seed)
    days = pd.bdate_range(start, periods=count)
    if gap_every:  # a suspension: some weeks without bars
        days = days[(np.arange(count) // gap_every) % 5 != 3]
    closes = 10 * np.exp(np.cumsum(rng.normal(0, 0.02, len(days))))
    highs = closes * (1 + rng.uniform(0, 0.03, len(days)))
    highs[rng.random(len(days)) < 0.05] = np.nan  # some bars without a high
    return [
        PriceBar(d.date().isoformat(), None, None if math.isnan(h) else float(h), None, float(c))
        for d, c, h in zip(days, closes, highs, strict=True)
    ]


@pytest.fixture(scope="module")
def table_and_bars() -> tuple[PriceTable, dict[str, list[PriceBar]]]:
    bars = {
        "A": _bars(1, "2019-01-02", 700),
        "B": _bars(2, "2019-08-01", 400, gap_every=20),
        "C": _bars(3, "2020-06-01", 60),
    }
    rows = [(t, b.date, b.close, b.high) for t, series in bars.items() for b in series]
    rows.reverse()  # any order in
    ticker, date, close, high = zip(*rows, strict=True)
    table = PriceTable.build(
        ("A", "B", "C", "D"),
        ticker,
        day_numbers(date),
        np.array(close),
        np.array([np.nan if h is None else h for h in high]),
    )
    return table, bars


def test_every_price_metric_equals_the_live_one_on_the_bars_up_to_the_day(
    table_and_bars: tuple[PriceTable, dict[str, list[PriceBar]]],
) -> None:
    table, bars = table_and_bars
    days = np.arange(day_numbers(["2019-01-01"])[0], day_numbers(["2021-12-31"])[0], 11)
    got = table.metrics_at(days)
    checked = 0
    for j, day in enumerate(days.tolist()):
        for i, ticker in enumerate(table.tickers):
            known = [b for b in bars.get(ticker, []) if b.date <= iso(day)]
            fresh = bool(known) and day - day_numbers([known[-1].date])[0] <= FRESH_DAYS
            if not fresh:
                assert math.isnan(got["price"][j, i])
                continue
            want = with_price_metrics({}, tuple(known))
            for metric in ("price", "ret_1m", "ret_3m", "ret_6m", "ret_12m",
                           "price_vs_ma200", "off_52w_high"):
                value = got[metric][j, i]
                if metric in want:
                    assert value == pytest.approx(want[metric], rel=1e-9), (ticker, iso(day))
                else:
                    assert math.isnan(value), (metric, ticker, iso(day))
            checked += 1
    assert checked > 100


def test_closes_on_days_and_on_pairs(
    table_and_bars: tuple[PriceTable, dict[str, list[PriceBar]]],
) -> None:
    table, bars = table_and_bars
    day = day_numbers([bars["A"][10].date])[0]
    closes = table.close_at(np.array([day, day + 3, day + FRESH_DAYS + 400]))
    assert closes[0, 0] == bars["A"][10].close
    assert closes[1, 0] == bars["A"][11].close or closes[1, 0] == bars["A"][12].close
    assert np.isnan(closes[0, 2]) and np.isnan(closes[:, 3]).all()  # C not listed; D no bars
    pairs = close_pairs(table, np.array([0, 3]), np.array([day, day]))
    assert pairs[0] == closes[0, 0] and np.isnan(pairs[1])


def test_an_empty_table_knows_nothing() -> None:
    table = PriceTable.build(("A",), [], np.empty(0, np.int64), np.empty(0))
    assert table.first_day is None and np.isnan(table.close_at(np.array([1000]))).all()
    assert np.isnan(table.metrics_at(np.array([1000]))["ret_6m"]).all()
