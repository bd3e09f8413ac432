"""The replay's calendar: day numbers, horizons, rebalance days, month arithmetic."""

from __future__ import annotations

import numpy as np
import pytest

from screener.backtest.calendar import (
    day_numbers,
    iso,
    iso_all,
    months_before,
    months_later,
    parse_horizons,
    rebalance_days,
    to_day,
)
from screener.backtest.lags import ANNUAL_LAG_DAYS, QUARTERLY_LAG_DAYS, published_days
from screener.errors import InputError


def test_day_numbers_read_dates_month_ends_and_drop_the_unreadable() -> None:
    days = day_numbers(["2024-03-31", "2024-02", "2023-12-31T00:00:00", "Current", ""])
    assert iso_all(days[:3]) == ["2024-03-31", "2024-02-29", "2023-12-31"]
    assert days[3] == -1 and days[4] == -1
    assert iso(day_numbers(["1970-01-02"])[0]) == "1970-01-02"
    assert len(day_numbers([])) == 0


@pytest.mark.parametrize(
    ("text", "labels"),
    [("3m,6m,12m", ["3m", "6m", "12m"]), ("1y, 3m", ["3m", "12m"]), ("12m,1y", ["12m"])],
)
def test_horizons_parse_sorted_and_deduplicated(text: str, labels: list[str]) -> None:
    assert [h.label for h in parse_horizons(text)] == labels


@pytest.mark.parametrize("text", ["", "3", "3d", "0m", "11y", "3m,,"])
def test_bad_horizons_are_input_errors(text: str) -> None:
    with pytest.raises(InputError, match="--horizon"):
        parse_horizons(text)


def test_a_bad_date_is_an_input_error() -> None:
    with pytest.raises(InputError, match="not a date"):
        to_day("31/01/2020")


def test_rebalance_days_are_month_or_quarter_ends_inside_the_range() -> None:
    first, last = to_day("2020-01-15"), to_day("2020-12-30")
    assert iso_all(rebalance_days(first, last, "quarter")) == [
        "2020-03-31",
        "2020-06-30",
        "2020-09-30",
    ]
    months = iso_all(rebalance_days(first, last, "month"))
    assert months[0] == "2020-01-31" and months[-1] == "2020-11-30" and len(months) == 11
    assert len(rebalance_days(last, first, "month")) == 0


def test_a_horizon_from_a_month_end_ends_on_a_month_end() -> None:
    days = day_numbers(["2020-01-31", "2020-11-30"])
    assert iso_all(months_later(days, 1)) == ["2020-02-29", "2020-12-31"]
    assert iso_all(months_later(days, 12)) == ["2021-01-31", "2021-11-30"]


def test_months_before_clips_the_day_as_the_live_price_metrics_do() -> None:
    days = day_numbers(["2024-03-31", "2024-05-31", "2024-01-15", "2025-03-29"])
    assert iso_all(months_before(days, 1)) == [
        "2024-02-28",  # February takes at most the 28th, even in a leap year
        "2024-04-30",
        "2023-12-15",
        "2025-02-28",
    ]
    assert iso_all(months_before(days[:1], 12)) == ["2023-03-31"]


def test_reporting_lags_follow_the_gap_to_the_previous_point() -> None:
    ends = day_numbers(["2020-12-31", "2021-03-31", "2021-06-30", "2022-06-30", "2022-07-01"])
    series = np.zeros(len(ends), dtype=np.int64)
    lag = published_days(series, ends) - ends
    assert lag[0] == ANNUAL_LAG_DAYS  # a first point: as if annual
    assert lag[1] == QUARTERLY_LAG_DAYS and lag[2] == QUARTERLY_LAG_DAYS
    assert lag[3] == ANNUAL_LAG_DAYS  # a year after the previous one
    # A daily point a day later would count after one day, but never before the point
    # it follows: published dates never go backwards within a series.
    published = published_days(series, ends)
    assert published[4] == published[3]


def test_published_days_restart_with_each_series() -> None:
    ends = day_numbers(["2021-03-31", "2021-06-30", "2021-03-31"])
    published = published_days(np.array([0, 0, 1]), ends)
    assert published[2] == ends[2] + ANNUAL_LAG_DAYS
