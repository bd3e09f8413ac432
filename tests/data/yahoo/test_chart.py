"""Our chart parsing equals yfinance's own: the same bars from the same answer, always.

`chart.bars_from_chart` replaces `bars_from_frame(Ticker.history(...))` on the refresh
path; here both read one answer (served by the fake Yahoo to yfinance's real code)
and must give equal bars: on every recorded real chart, on the fake's fixtures, and on
answers made to hold what yfinance cleans up (null bars, all-zero rows, a live row on
the last date, splits and dividends, missing adjclose, time zones either side of UTC,
Yahoo's DST slip to 23:00 the day before).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from screener.data.provider import PriceBar
from screener.data.yahoo.chart import bars_from_chart, chart_result
from screener.data.yahoo.prices import bars_from_frame
from tests.data.yahoo.recorded import charts, iter_ids
from tests.fake_yahoo import FIXTURES_DIR, FakeYahoo
from tests.fake_yahoo.testing import fresh_yfinance, no_network, yf_cache_dir

_FIXTURES = (no_network, yf_cache_dir)

RECORDED = charts()


def yfinance_bars(symbol: str, body: Any, yf_cache_dir: Path) -> tuple[PriceBar, ...]:
    """What the refresh used to store: yfinance's history frame of `body`, as PriceBars."""
    import yfinance as yf

    fresh_yfinance()
    yf.cache.get_tz_cache().store(symbol, None)  # no stale zone from another answer
    fake = FakeYahoo(fixtures=None, extra={("chart", symbol): body})
    frame = yf.Ticker(symbol, session=fake.session()).history(
        period="1y", interval="1d", actions=False, auto_adjust=False
    )
    fresh_yfinance()
    return bars_from_frame(frame)


def ours(body: Any) -> tuple[PriceBar, ...]:
    return bars_from_chart(chart_result(body))


@pytest.mark.skipif(not RECORDED, reason="no recorded charts (../shared/yahoo-recorded)")
@pytest.mark.parametrize("chart", RECORDED, ids=list(iter_ids(RECORDED)))
def test_recorded_charts_give_yfinances_bars(
    chart: Any, no_network: None, yf_cache_dir: Path
) -> None:
    body = {"chart": {"result": [copy.deepcopy(dict(chart.result))], "error": None}}
    body["chart"]["result"][0]["meta"].setdefault("validRanges", ["1y"])
    expected = yfinance_bars(chart.symbol, copy.deepcopy(body), yf_cache_dir)
    assert expected, "yfinance made no bars: the comparison would prove nothing"
    assert ours(body) == expected


FAKE_CHARTS = sorted((FIXTURES_DIR / "chart").glob("*.json"))


@pytest.mark.parametrize("path", FAKE_CHARTS, ids=[p.stem for p in FAKE_CHARTS])
def test_the_fakes_charts_give_yfinances_bars(
    path: Path, no_network: None, yf_cache_dir: Path
) -> None:
    import json

    body = json.loads(path.read_text())
    symbol = body["chart"]["result"][0]["meta"]["symbol"]
    expected = yfinance_bars(symbol, copy.deepcopy(body), yf_cache_dir)
    assert len(expected) > 200
    assert ours(body) == expected


# -- answers made to hold what yfinance cleans up --------------------------------------------


def _stamp(day: date, tz: str, hour: int = 9, minute: int = 30) -> int:
    local = datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(tz))
    return int(local.timestamp())


def _answer(
    symbol: str,
    tz: str,
    stamps: list[int],
    closes: list[float | None],
    *,
    adjclose: bool = True,
    events: dict[str, Any] | None = None,
    volumes: list[float | None] | None = None,
) -> dict[str, Any]:
    n = len(stamps)
    quote = {
        "open": [None if c is None else c * 0.99 for c in closes],
        "high": [None if c is None else c * 1.01 for c in closes],
        "low": [None if c is None else c * 0.98 for c in closes],
        "close": list(closes),
        "volume": volumes if volumes is not None else [1000.0 + i for i in range(n)],
    }
    result: dict[str, Any] = {
        "meta": {
            "currency": "USD",
            "symbol": symbol,
            "exchangeTimezoneName": tz,
            "instrumentType": "EQUITY",
            "regularMarketTime": stamps[-1],
            "gmtoffset": 0,
            "timezone": "X",
            "priceHint": 2,
            "dataGranularity": "1d",
            "range": "1y",
            "validRanges": ["1d", "5d", "1mo", "3mo", "6mo", "1y", "2y", "5y", "10y", "max"],
        },
        "timestamp": stamps,
        "indicators": {"quote": [quote]},
    }
    if adjclose:
        adjusted = [None if c is None else round(c * 0.97, 6) for c in closes]
        result["indicators"]["adjclose"] = [{"adjclose": adjusted}]
    if events:
        result["events"] = events
    return {"chart": {"result": [result], "error": None}}


def _days(start: date, n: int) -> Iterator[date]:
    day = start
    while n:
        if day.weekday() < 5:
            yield day
            n -= 1
        day = date.fromordinal(day.toordinal() + 1)


def _cases() -> dict[str, dict[str, Any]]:
    ny, tokyo = "America/New_York", "Asia/Tokyo"
    sao, auckland = "America/Sao_Paulo", "Pacific/Auckland"
    days = list(_days(date(2025, 10, 20), 30))  # across the US DST change (Nov 2)
    closes: list[float | None] = [100.0 + i for i in range(30)]
    cases: dict[str, dict[str, Any]] = {}
    cases["across DST, New York"] = _answer("NY1", ny, [_stamp(d, ny) for d in days], closes)
    tk = [_stamp(d, tokyo, 9, 0) for d in days]
    cases["Tokyo, east of UTC"] = _answer("TK1", tokyo, tk, closes)
    cases["Auckland, a day ahead of UTC"] = _answer(
        "AK1", auckland, [_stamp(d, auckland, 10, 0) for d in days], closes
    )
    # Yahoo stamps some daily bars 23:00 the day before (a DST slip): yfinance moves them on
    slipped = [_stamp(d, sao, 0, 0) - (3600 if i % 3 == 0 else 0) for i, d in enumerate(days)]
    cases["DST slip to 23:00, Sao Paulo"] = _answer("SP1", sao, slipped, closes)
    nulls = list(closes)
    nulls[3] = nulls[7] = None
    cases["null bars"] = _answer("NUL", ny, [_stamp(d, ny) for d in days], nulls)
    zero_vol = _answer("ZRO", ny, [_stamp(d, ny) for d in days], closes, volumes=[None] * 30)
    cases["no volumes"] = zero_vol
    allzero = _answer("AZR", ny, [_stamp(d, ny) for d in days], closes)
    q = allzero["chart"]["result"][0]["indicators"]["quote"][0]
    for key in ("open", "high", "low", "close", "volume"):
        q[key][5] = 0
    allzero["chart"]["result"][0]["indicators"]["adjclose"][0]["adjclose"][5] = 0
    cases["an all-zero row"] = allzero
    live = [_stamp(d, ny) for d in days]
    live.append(live[-1] + 5 * 3600)  # the live row: the last date twice
    cases["a live row on the last date"] = _answer("LIV", ny, live, [*closes, 131.5])
    cases["no adjclose"] = _answer("NAD", tokyo, tk, closes, adjclose=False)
    split_at = _stamp(days[10], ny)
    div_at = _stamp(days[20], ny)
    early_div = _stamp(date(2025, 10, 1), ny)  # before the first bar: yfinance adds a row
    cases["a split and dividends"] = _answer(
        "SPL",
        ny,
        [_stamp(d, ny) for d in days],
        closes,
        events={
            "splits": {
                str(split_at): {
                    "date": split_at,
                    "numerator": 4,
                    "denominator": 1,
                    "splitRatio": "4:1",
                }
            },
            "dividends": {
                str(div_at): {"amount": 0.5, "date": div_at},
                str(early_div): {"amount": 0.5, "date": early_div},
            },
        },
    )
    shuffled = _answer("SHF", ny, [_stamp(d, ny) for d in days], closes)
    res = shuffled["chart"]["result"][0]
    order = list(range(30))[::-1]
    res["timestamp"] = [res["timestamp"][i] for i in order]
    adjusted = res["indicators"]["adjclose"][0]["adjclose"]
    for series in (*res["indicators"]["quote"][0].values(), adjusted):
        series[:] = [series[i] for i in order]
    cases["stamps out of order"] = shuffled
    return cases


CASES = _cases()


@pytest.mark.parametrize("name", list(CASES))
def test_what_yfinance_cleans_up_we_clean_up_alike(
    name: str, no_network: None, yf_cache_dir: Path
) -> None:
    body = CASES[name]
    symbol = body["chart"]["result"][0]["meta"]["symbol"]
    expected = yfinance_bars(symbol, copy.deepcopy(body), yf_cache_dir)
    assert expected
    assert ours(body) == expected


def test_the_cases_hold_what_they_say() -> None:
    """The made answers are not vacuous: each cleaning step changes something."""
    assert len(ours(CASES["null bars"])) == 28
    assert len(ours(CASES["a live row on the last date"])) == 30
    assert ours(CASES["a live row on the last date"])[-1].close == 131.5
    assert len(ours(CASES["an all-zero row"])) == 29
    assert all(b.volume == 0.0 for b in ours(CASES["no volumes"]))
    tokyo = ours(CASES["no adjclose"])
    assert all(b.adj_close == b.close for b in tokyo)
    slipped = ours(CASES["DST slip to 23:00, Sao Paulo"])
    assert len({b.date for b in slipped}) == 30
    auckland = ours(CASES["Auckland, a day ahead of UTC"])
    first = CASES["Auckland, a day ahead of UTC"]["chart"]["result"][0]["timestamp"][0]
    assert auckland[0].date != datetime.fromtimestamp(first, tz=UTC).date().isoformat()


def test_bars_before_start_are_left_out() -> None:
    body = CASES["across DST, New York"]
    every = ours(body)
    later = bars_from_chart(chart_result(body), date.fromisoformat(every[10].date))
    assert later == every[10:]
