"""Our combined calls read like yfinance's separate ones: the same info, EPS trend and history.

The refresh asks one quoteSummary (six modules), one timeseries (every type) and batched
v7 quotes where yfinance asks two quoteSummary, two timeseries and one v7 quote per
company; `summary` and `timeseries` put the answers back together. Here both read the
same answers, served by the fake Yahoo (yfinance's real code on one side, our
`YahooApi` on the other), on every recorded real answer, the fake's fixtures and made
timeseries (a repeated date, null points, trailing series only, a recent and an old
trailing PEG): `Ticker.info`, `eps_trend`'s next-year row, and the history points and
"Current" values of `get_valuation_measures` must be equal.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from screener.data.currency_proof import next_year_eps_from_trend
from screener.data.yahoo.api import YahooApi
from screener.data.yahoo.fields import current_values, eps_revision_30d, history_points
from screener.data.yahoo.summary import MODULES, build_info, eps_trend
from screener.data.yahoo.timeseries import SINCE, TYPES, valuation_from_timeseries
from tests.data.yahoo.recorded import Answer, answers
from tests.fake_yahoo import FIXTURES_DIR, FakeYahoo
from tests.fake_yahoo.testing import fresh_yfinance, no_network, yf_cache_dir

_FIXTURES = (no_network, yf_cache_dir)

RECORDED = answers()
FAKE_SYMBOLS = sorted(p.stem for p in (FIXTURES_DIR / "quoteSummary").glob("*.json"))


def _both(fake: FakeYahoo, symbol: str) -> Iterator[tuple[Any, YahooApi]]:
    """(a yfinance Ticker, our YahooApi) on one fresh handshake with `fake`."""
    import yfinance as yf
    from yfinance.data import YfData

    fresh_yfinance()
    session = fake.session()
    yield yf.Ticker(symbol, session=session), YahooApi(YfData(session=session))
    fresh_yfinance()


def _ours(api: YahooApi, symbol: str) -> tuple[dict[str, Any], Any, Any]:
    summary = api.quote_summary(symbol, MODULES)
    quote = api.quotes([symbol]).get(symbol)
    valuation = valuation_from_timeseries(api.timeseries(symbol, TYPES, SINCE))
    return build_info(summary, quote, symbol, valuation.trailing_peg), eps_trend(summary), valuation


def _check(fake: FakeYahoo, symbol: str) -> None:
    for ticker, api in _both(fake, symbol):
        info, trend, valuation = _ours(api, symbol)
        assert info == ticker.info
        try:
            theirs = ticker.eps_trend
        except Exception:  # no earningsTrend: yfinance raises (a 404 alone, else a KeyError)
            theirs = None
        assert (trend is None) == (theirs is None)
        if theirs is not None:
            assert next_year_eps_from_trend(trend) == next_year_eps_from_trend(theirs)
            assert eps_revision_30d(trend) == eps_revision_30d(theirs)
        frame = ticker.get_valuation_measures(freq="quarterly", periods=None)
        assert valuation.points == history_points(frame)
        assert valuation.current == current_values(frame)


@pytest.mark.skipif(not RECORDED, reason="no recorded answers (../shared/yahoo-recorded)")
@pytest.mark.parametrize("answer", RECORDED, ids=[a.name for a in RECORDED])
def test_recorded_answers_read_like_yfinance(
    answer: Answer, no_network: None, yf_cache_dir: Path
) -> None:
    fake = FakeYahoo(fixtures=None, extra=copy.deepcopy(answer.bodies()))
    _check(fake, answer.symbol)


@pytest.mark.parametrize("symbol", FAKE_SYMBOLS)
def test_the_fakes_answers_read_like_yfinance(
    symbol: str, no_network: None, yf_cache_dir: Path
) -> None:
    _check(FakeYahoo(), symbol)


# -- made timeseries ---------------------------------------------------------------------------


def _point(day: date, value: Any) -> dict[str, Any]:
    return {"asOfDate": day.isoformat(), "periodType": "3M", "reportedValue": {"raw": value}}


def _item(symbol: str, name: str, points: list[Any]) -> dict[str, Any]:
    stamps = [
        int(datetime.fromisoformat(p["asOfDate"]).replace(tzinfo=UTC).timestamp()) if p else 0
        for p in points
    ]
    return {"meta": {"symbol": [symbol], "type": [name]}, "timestamp": stamps, name: points}


def _series_cases(symbol: str) -> dict[str, dict[str, Any]]:
    today = datetime.now(UTC).date()
    q = [date(2024, 3, 31), date(2024, 6, 30), date(2024, 9, 30), date(2024, 12, 31)]
    cases: dict[str, list[dict[str, Any]]] = {
        "a repeated date (the later point wins)": [
            _item(symbol, "quarterlyPeRatio", [_point(q[0], 10.0), _point(q[0], 11.0)]),
            _item(symbol, "trailingPeRatio", [_point(q[3], 12.0)]),
        ],
        "null points and values": [
            _item(
                symbol,
                "quarterlyPbRatio",
                [None, _point(q[1], None), {"asOfDate": q[2].isoformat()}, _point(q[3], 3.5)],
            ),
        ],
        "trailing series only": [
            _item(symbol, "trailingPsRatio", [_point(q[2], 4.0), _point(q[3], 4.4)]),
        ],
        "a recent trailing PEG": [
            _item(symbol, "quarterlyPegRatio", [_point(q[3], 1.2)]),
            _item(symbol, "trailingPegRatio", [_point(today - timedelta(days=40), 1.7)]),
        ],
        "an old trailing PEG": [
            _item(symbol, "trailingPegRatio", [_point(today - timedelta(days=400), 1.9)]),
        ],
        "integers and text": [
            _item(symbol, "quarterlyEnterprisesValueEBITDARatio", [_point(q[0], 20)]),
            _item(symbol, "quarterlyForwardPeRatio", [_point(q[1], "n/a"), _point(q[2], 31.5)]),
        ],
    }
    return {
        name: {"timeseries": {"result": items, "error": None}} for name, items in cases.items()
    }


SERIES = _series_cases("ANET")


@pytest.mark.parametrize("name", list(SERIES))
def test_made_timeseries_read_like_yfinance(
    name: str, no_network: None, yf_cache_dir: Path
) -> None:
    fake = FakeYahoo()
    fake.set_body("timeseries", "ANET", json.loads(json.dumps(SERIES[name])))
    _check(fake, "ANET")


def test_the_made_timeseries_hold_what_they_say() -> None:
    """Each made answer changes something, so the comparisons above are not vacuous."""
    repeated = valuation_from_timeseries(SERIES["a repeated date (the later point wins)"])
    assert [p.value for p in repeated.points] == [11.0]
    assert repeated.current == {"pe_ttm": 12.0}
    nulls = valuation_from_timeseries(SERIES["null points and values"])
    assert [p.value for p in nulls.points] == [3.5]
    only = valuation_from_timeseries(SERIES["trailing series only"])
    assert only.points == () and only.current == {"ps_ttm": 4.4} and not only.empty
    assert valuation_from_timeseries(SERIES["a recent trailing PEG"]).trailing_peg == 1.7
    assert valuation_from_timeseries(SERIES["an old trailing PEG"]).trailing_peg is None
