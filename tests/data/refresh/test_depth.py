"""Years of daily bars kept without re-fetching them (issue 15), through the fake Yahoo.

A cold refresh asks the chart for the full depth; a later one asks from a few days
before the last stored bar (the chart's period1), the store grows only by the new
days, and a changed adjusted close brings the whole series again, replacing it.
"""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from screener.data.provider import DEFAULT_PRICE_YEARS, PriceBar, years_before
from screener.data.refresh import RefreshPolicy, RetryPolicy, refresh
from screener.data.refresh.depth import (
    OVERLAP_DAYS,
    check_price_years,
    load_price_years,
)
from screener.data.store import Store
from screener.data.yahoo import YahooProvider, price_metrics
from screener.errors import InputError
from tests.fake_yahoo import FakeYahoo
from tests.fake_yahoo.testing import fake_yahoo, no_network, wired, yf_cache_dir

_FIXTURES = (fake_yahoo, no_network, wired, yf_cache_dir)

FAST = RefreshPolicy(
    max_concurrency=4,
    initial_concurrency=4,
    retry=RetryPolicy(attempts=4, base_delay=0.01, max_delay=0.05, budget=5.0),
)
TICKER = "300308.SZ"
ZONE = ZoneInfo("Asia/Shanghai")
NEW_DAYS = 3


@pytest.fixture
def store(tmp_path: Path) -> Any:
    s = Store(tmp_path / "store.db")
    yield s
    s.close()


def run(store: Store, fake: FakeYahoo, cache: Path, **kw: Any) -> Any:
    kw.setdefault("policy", FAST)
    provider = YahooProvider(fake.session(), cache_dir=cache)
    return refresh(store, [TICKER], provider=provider, **kw)


def chart_starts(fake: FakeYahoo, symbol: str = TICKER) -> list[date]:
    """The first day (exchange time) of every full chart request for `symbol`."""
    return [
        datetime.fromtimestamp(int(r.params["period1"]), ZONE).date()
        for r in fake.records
        if r.endpoint == "chart" and r.symbol == symbol and r.params.get("range") != "1d"
    ]


def extended(body: Any, days: int, adjust_before: float = 1.0) -> Any:
    """The chart answer with `days` more weekday bars; with `adjust_before`, every old
    bar's adjusted close scaled by it (a dividend went ex on the first new day)."""
    out = copy.deepcopy(body)
    res = out["chart"]["result"][0]
    quote, adj = res["indicators"]["quote"][0], res["indicators"]["adjclose"][0]["adjclose"]
    adj[:] = [round(a * adjust_before, 6) if a is not None else a for a in adj]
    stamp = res["timestamp"][-1]
    last = quote["close"][-1]
    added = 0
    while added < days:
        stamp += 86400
        if datetime.fromtimestamp(stamp, ZONE).weekday() >= 5:
            continue
        added += 1
        close = round(last * (1 + 0.01 * added), 2)
        res["timestamp"].append(stamp)
        for key, value in (("open", close), ("high", close * 1.01), ("low", close * 0.99)):
            quote[key].append(round(value, 2))
        quote["close"].append(close)
        quote["volume"].append(1_000_000 + added)
        adj.append(close)
    return out


def later() -> datetime:
    """A clock after the next close: prices are stale, fundamentals (7 days) are not."""
    return datetime.now(UTC) + timedelta(days=4)


def stored_dates(store: Store) -> list[str]:
    return [r["date"] for r in store.prices(TICKER)]


def test_a_later_refresh_asks_only_from_the_last_stored_bar(
    fake_yahoo: FakeYahoo, yf_cache_dir: Path, store: Store
) -> None:
    first = run(store, fake_yahoo, yf_cache_dir)
    assert first.fetched == [TICKER] and not first.failed
    cold = stored_dates(store)
    assert chart_starts(fake_yahoo) == [years_before(date.today(), DEFAULT_PRICE_YEARS)]
    body = fake_yahoo.body("chart", TICKER)
    fake_yahoo.set_body("chart", TICKER, extended(body, NEW_DAYS))
    fake_yahoo.reset_counts()

    second = run(store, fake_yahoo, yf_cache_dir, now=later())
    assert second.kinds[TICKER] == ["prices"] and not second.failed
    last = date.fromisoformat(cold[-1])
    assert chart_starts(fake_yahoo) == [last - timedelta(days=OVERLAP_DAYS)]
    after = stored_dates(store)
    assert len(after) == len(cold) + NEW_DAYS  # only the new days were added
    assert len(set(after)) == len(after) and after[: len(cold)] == cold
    assert not second.prices_replaced
    # the figures a year of bars gives are over the stored series, not the 10 days asked
    rows = store.prices(TICKER)
    bars = tuple(PriceBar(r["date"], r["open"], r["high"], r["low"], r["close"]) for r in rows)
    expected = price_metrics(bars)
    snap = store.latest_snapshot(TICKER, "yahoo")
    assert snap is not None and snap["price"] == rows[-1]["close"]
    for name in ("ret_12m", "ret_1m", "price_vs_ma200"):
        assert snap[name] == pytest.approx(expected[name]), name

    fake_yahoo.reset_counts()
    third = run(store, fake_yahoo, yf_cache_dir, now=later())  # asked again, nothing new
    assert third.fetched == [TICKER] and len(chart_starts(fake_yahoo)) == 1
    assert stored_dates(store) == after


def test_a_changed_adjusted_close_fetches_the_whole_series_again(
    fake_yahoo: FakeYahoo, yf_cache_dir: Path, store: Store
) -> None:
    run(store, fake_yahoo, yf_cache_dir)
    cold = store.prices(TICKER)
    body = fake_yahoo.body("chart", TICKER)
    changed = extended(body, NEW_DAYS, adjust_before=0.97)
    fake_yahoo.set_body("chart", TICKER, changed)
    fake_yahoo.reset_counts()

    clock = later()
    second = run(store, fake_yahoo, yf_cache_dir, now=clock)
    last = date.fromisoformat(cold[-1]["date"])
    full = years_before(clock.date(), DEFAULT_PRICE_YEARS)  # the depth runs on the clock
    assert chart_starts(fake_yahoo) == [last - timedelta(days=OVERLAP_DAYS), full]
    assert TICKER in second.prices_replaced and "adjusted" in second.prices_replaced[TICKER]
    rows = store.prices(TICKER)
    served = changed["chart"]["result"][0]["indicators"]["adjclose"][0]["adjclose"]
    assert len(rows) == len(cold) + NEW_DAYS
    assert [r["adj_close"] for r in rows] == pytest.approx(served)
    assert rows[0]["adj_close"] == pytest.approx(cold[0]["adj_close"] * 0.97)
    # the next refresh trusts the replaced series: partial again
    fake_yahoo.reset_counts()
    run(store, fake_yahoo, yf_cache_dir, now=later() + timedelta(days=1), force=True)
    newest = date.fromisoformat(rows[-1]["date"])
    assert chart_starts(fake_yahoo) == [newest - timedelta(days=OVERLAP_DAYS)]


def test_a_deeper_setting_fetches_once_in_full_then_partially(
    fake_yahoo: FakeYahoo, yf_cache_dir: Path, store: Store
) -> None:
    shallow = RefreshPolicy(**{**FAST.__dict__, "price_years": 2})
    run(store, fake_yahoo, yf_cache_dir, policy=shallow)
    today = datetime.now(UTC).date()
    assert chart_starts(fake_yahoo) == [years_before(today, 2)]
    deep = RefreshPolicy(**{**FAST.__dict__, "price_years": 15})
    fake_yahoo.reset_counts()
    clock = later()
    run(store, fake_yahoo, yf_cache_dir, policy=deep, now=clock)
    assert chart_starts(fake_yahoo) == [years_before(clock.date(), 15)]  # the store: 2 years
    fake_yahoo.reset_counts()
    run(store, fake_yahoo, yf_cache_dir, policy=deep, force=True)
    assert chart_starts(fake_yahoo)[0] > today - timedelta(days=400)


def test_the_depth_comes_from_the_config_file_and_the_option(
    run_cli: Any, wired: FakeYahoo, tmp_path: Path
) -> None:
    config = tmp_path / "config" / "screener" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text("[refresh]\nprice_years = 4\n", encoding="utf-8")
    today = datetime.now(UTC).date()
    assert run_cli("refresh", "ANET", "--provider", "yahoo").status == 0
    assert chart_starts(wired, "ANET") == [years_before(today, 4)]
    wired.reset_counts()
    result = run_cli("refresh", "GDS", "--provider", "yahoo", "--price-years", "3")
    assert result.status == 0, result.err
    assert chart_starts(wired, "GDS") == [years_before(today, 3)]
    config.write_text("[refresh]\nprice_years = 'ten'\n", encoding="utf-8")
    bad = run_cli("refresh", "ANET", "--provider", "yahoo")
    assert bad.status != 0 and "config.toml: refresh.price_years" in bad.err
    assert "Traceback" not in bad.err


def test_price_years_setting(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    assert load_price_years(path) == DEFAULT_PRICE_YEARS  # no file
    path.write_text('[providers]\nCN = ["akshare"]\n', encoding="utf-8")
    assert load_price_years(path) == DEFAULT_PRICE_YEARS  # no [refresh] table
    path.write_text("[refresh]\nprice_years = 20\n", encoding="utf-8")
    assert load_price_years(path) == 20
    for bad in ("0", "51", "true", "2.5", '"10"'):
        path.write_text(f"[refresh]\nprice_years = {bad}\n", encoding="utf-8")
        with pytest.raises(InputError, match="refresh.price_years"):
            load_price_years(path)
    path.write_text("refresh = 3\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"\[refresh\] must be a table"):
        load_price_years(path)
    assert check_price_years(1, "x") == 1


def _bars(closes: list[float], first: date = date(2025, 1, 1)) -> tuple[PriceBar, ...]:
    return tuple(
        PriceBar((first + timedelta(days=i)).isoformat(), c, c * 1.01, c * 0.99, c, adj_close=c)
        for i, c in enumerate(closes)
    )


def test_only_a_final_overlap_bar_that_changed_calls_for_the_whole_series() -> None:
    from dataclasses import replace as copy_with

    from screener.data.provider import FetchBundle
    from screener.data.refresh.depth import PricePlan, disagreement

    stored = _bars([10.0, 11.0, 12.0])
    plan = PricePlan(date(2025, 1, 1), False, date(2015, 1, 1), stored, "yahoo")
    same = FetchBundle(TICKER, "yahoo", "", "", "CNY", prices=_bars([10.0, 11.0, 12.5, 13.0]))
    assert disagreement(plan, same) is None  # only the newest stored bar moved: a live one
    noise = copy_with(same, prices=_bars([10.0 * (1 + 1e-7), 11.0, 12.0, 13.0]))
    assert disagreement(plan, noise) is None
    moved = copy_with(same, prices=_bars([10.0, 10.8, 12.0, 13.0]))
    assert "2025-01-02" in (disagreement(plan, moved) or "")
    adjusted = copy_with(
        same, prices=tuple(copy_with(b, adj_close=b.close * 0.98) for b in same.prices)
    )
    assert disagreement(plan, adjusted)
    other = copy_with(same, source="eastmoney")
    assert "from yahoo" in (disagreement(plan, other) or "")
    assert disagreement(plan.in_full(), moved) is None  # a full answer replaces anyway


def test_figures_of_a_short_answer_are_computed_over_the_stored_bars() -> None:
    from screener.data.provider import FetchBundle
    from screener.data.refresh.depth import with_stored_bars

    closes = [100.0 + min(i, 600 - i) * 0.1 for i in range(400)]  # peaks at day 300
    stored = _bars(closes[:-5])
    new = _bars(closes[-8:], first=date(2025, 1, 1) + timedelta(days=392))
    whole = _bars(closes)
    quoted = {"price": closes[-1], "off_52w_high": -0.5}  # the quote's own 52-week high
    bundle = FetchBundle(TICKER, "yahoo", "", "", "CNY", metrics=quoted, prices=new)
    short = with_stored_bars(bundle, ())  # nothing stored: the answer's own figures
    assert "ret_12m" not in short.metrics
    out = with_stored_bars(bundle, stored)
    expected = price_metrics(whole, closes[-1])
    for name in ("ret_1m", "ret_12m", "price_vs_ma200"):
        assert out.metrics[name] == pytest.approx(expected[name]), name
    assert out.metrics["off_52w_high"] == -0.5 and out.prices == new
    # a 52-week high the provider took from the few bars it fetched is taken again
    from screener.data.yahoo.prices import with_price_metrics

    own = with_price_metrics({}, new)
    derived = with_stored_bars(
        FetchBundle(TICKER, "eastmoney", "", "", "CNY", metrics=own, prices=new), stored
    )
    longer = with_price_metrics({}, whole)["off_52w_high"]
    assert derived.metrics["off_52w_high"] == pytest.approx(longer) != own["off_52w_high"]


def test_replacing_the_bars_is_all_or_nothing(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from screener.data.provider import FetchBundle

    old = FetchBundle(TICKER, "yahoo", "2025-01-03", "t", "CNY", prices=_bars([10.0, 11.0, 12.0]))
    store.save_refresh(old, [("prices", "ok", "full from 2015-01-01", 1)])
    new = FetchBundle(TICKER, "yahoo", "2025-01-02", "t", "CNY", prices=_bars([5.0, 5.5]))

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the disk went away")

    monkeypatch.setattr(store, "log_fetches", broken)
    with pytest.raises(RuntimeError):
        store.save_refresh(new, [("prices", "ok", "full from 2015-01-01", 1)], replace_prices=True)
    assert [r["close"] for r in store.prices(TICKER)] == [10.0, 11.0, 12.0]  # rolled back
    monkeypatch.undo()
    store.save_refresh(new, [("prices", "ok", "full from 2015-01-01", 1)], replace_prices=True)
    assert [r["close"] for r in store.prices(TICKER)] == [5.0, 5.5]  # the third bar is gone
    store.save_refresh(old, [("prices", "ok", "from 2024-12-25", 1)])  # upsert: grows
    assert [r["close"] for r in store.prices(TICKER)] == [10.0, 11.0, 12.0]


def test_the_chain_passes_the_start_to_the_provider_that_answers() -> None:
    from screener.data.chain import ProviderChain, ProviderRoutes
    from screener.data.provider import DataKind, TransientError
    from tests.data.akshare.test_parts import StubProvider

    starts: list[tuple[str, Any]] = []

    class Recording(StubProvider):
        def fetch_one(self, ticker: str, kinds: Any = (), *, price_start: Any = None) -> Any:
            starts.append((self.source, price_start))
            return super().fetch_one(ticker, kinds)

    ak = Recording("eastmoney", TransientError("dropped"))
    yahoo = Recording("yahoo")
    chain = ProviderChain(ProviderRoutes(), {"akshare": lambda: ak, "yahoo": lambda: yahoo})
    day = date(2026, 2, 3)
    bundle = chain.fetch_one("600498.SS", kinds=[DataKind.PRICES], price_start=day)
    assert bundle.source == "yahoo" and starts == [("eastmoney", day), ("yahoo", day)]
