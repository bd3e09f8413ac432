"""AkshareProvider against the fake East Money: akshare's real code, a real loopback socket.

Each test refreshes a store through the provider (as `screener refresh` does) and
checks what was stored against what the fake served, or how a failure was reported.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from screener.data.provider import EASTMONEY_SOURCE, DataKind, NotFoundError
from screener.data.refresh import refresh
from screener.data.store import Store
from tests.data.akshare.helpers import QUICK, TODAY, quick_provider
from tests.fake_eastmoney import END_DATE, FakeEastMoney, Fault
from tests.fake_eastmoney.testing import fake_eastmoney, serve_eastmoney

_FIXTURES = (fake_eastmoney, serve_eastmoney)

pytestmark = [
    pytest.mark.filterwarnings("ignore:The inplace keyword:Warning"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]

TICKERS = ["300308.SZ", "600498.SS", "300846.SZ", "920808.BJ"]


@pytest.fixture(autouse=True)
def _akshare_installed() -> None:
    pytest.importorskip("akshare")


def _store(tmp_path: Path) -> Store:
    return Store(tmp_path / "ak.db")


def _results_row(fake: FakeEastMoney, code: str, period: str) -> dict[str, Any]:
    from datetime import date

    rows = fake.market.results_rows(date.fromisoformat(period))
    return next(r for r in rows if r["SECURITY_CODE"] == code)


def test_stored_figures_equal_the_served_ones(
    tmp_path: Path, fake_eastmoney: FakeEastMoney
) -> None:
    provider = quick_provider()
    with _store(tmp_path) as store:
        summary = refresh(store, TICKERS, provider=provider, policy=QUICK)
        assert summary.ok and sorted(summary.fetched) == sorted(TICKERS), summary.failed
        for ticker in TICKERS:
            code = ticker.split(".")[0]
            snap = store.latest_snapshot(ticker, EASTMONEY_SOURCE)
            assert snap is not None
            last = fake_eastmoney.market.series(code).last  # type: ignore[union-attr]
            assert snap["as_of"] == END_DATE.isoformat()
            assert snap["currency"] == "CNY" and snap["source"] == EASTMONEY_SOURCE
            assert snap["source_url"].startswith("https://quote.eastmoney.com/")
            assert snap["price"] == last.close
            assert snap["market_cap"] == last.market_cap  # yuan, as served
            assert snap["pe_ttm"] == pytest.approx(last.pe_ttm)  # PE(TTM), never 动态
            assert snap["pb"] == pytest.approx(last.pb)
            assert snap["ps_ttm"] == pytest.approx(last.ps_ttm)
            assert snap["peg"] == pytest.approx(last.peg)
            served = _results_row(fake_eastmoney, code, "2025-09-30")
            assert snap["revenue_growth"] == pytest.approx(served["YSTZ"] / 100)  # % -> fraction
            assert snap["gross_margin"] == pytest.approx(served["XSMLL"] / 100)
            assert snap["net_margin"] == pytest.approx(
                served["PARENT_NETPROFIT"] / served["TOTAL_OPERATE_INCOME"]
            )
            assert snap["roe"] == pytest.approx(served["WEIGHTAVG_ROE"] / 100 * 4 / 3)
            # revenue TTM from year-to-date figures: Q1-Q3 2025 + FY2024 - Q1-Q3 2024,
            # which is the fake's own four quarters to September 2025
            fy = _results_row(fake_eastmoney, code, "2024-12-31")["TOTAL_OPERATE_INCOME"]
            prior = _results_row(fake_eastmoney, code, "2024-09-30")["TOTAL_OPERATE_INCOME"]
            assert snap["revenue_ttm"] == pytest.approx(
                served["TOTAL_OPERATE_INCOME"] + fy - prior
            )
            series = fake_eastmoney.market.series(code)
            assert series is not None
            quarter = series.quarter(date(2025, 9, 30))
            assert quarter is not None
            assert snap["revenue_ttm"] == pytest.approx(series.ttm(quarter)[0], rel=1e-9)
            assert '"provenance": "eastmoney via akshare"' in snap["extra"]
        # forward P/E: price over the consensus EPS of FY2025 (the year after the last
        # annual report, 2024), the second EPS column whatever akshare's labels say
        forecast = next(
            r for r in fake_eastmoney.market.forecast_rows() if r["SECURITY_CODE"] == "300308"
        )
        assert forecast["YEAR2"] == 2025
        snap = store.latest_snapshot("300308.SZ", EASTMONEY_SOURCE)
        assert snap is not None
        assert snap["pe_fwd"] == pytest.approx(snap["price"] / forecast["EPS2"])
        # the loss-maker without coverage has no forward P/E, and says why
        loss = store.latest_snapshot("300846.SZ", EASTMONEY_SOURCE)
        assert loss is not None and loss["pe_fwd"] is None and loss["pe_ttm"] < 0
        assert "no consensus EPS" in loss["extra"]
        # daily bars: volumes in shares (lots x 100)
        bars = store.prices("300308.SZ")
        assert bars and bars[-1]["close"] == 182.5
        served_lots = int(
            fake_eastmoney.market.kline_rows("300308", "1", "101", "0", "20500101")[-1]  # type: ignore[index]
            .split(",")[5]
        )
        assert bars[-1]["volume"] == served_lots * 100


def test_bundle_vintages_and_shared_market_wide_calls(fake_eastmoney: FakeEastMoney) -> None:
    provider = quick_provider()
    bundles = [provider.fetch_one(t) for t in TICKERS]
    # stock_yjbb_em: 2025-12-31 has no rows yet (1 request), 2025-09-30 one page (2),
    # and for the revenue TTM 2024-12-31 and 2024-09-30 (2 each); the consensus: one
    # page (2). Shared by all four companies, asked once.
    assert fake_eastmoney.counts["results"] == 7
    assert fake_eastmoney.counts["forecast"] == 2
    assert fake_eastmoney.counts["valuation"] == 4
    assert provider.requests_made == fake_eastmoney.total
    first = bundles[0]
    assert first.vintages["pe_ttm"].basis == "quote"
    assert first.vintages["pe_ttm"].date == END_DATE.isoformat()
    assert first.vintages["revenue_growth"].basis == "statement"
    assert first.vintages["revenue_growth"].date == "2025-09-30"
    assert first.vintages["revenue_ttm"].date == "2025-09-30"
    assert "FY 2024" in first.vintages["revenue_ttm"].label
    assert first.currency == first.financial_currency == "CNY"
    assert first.vintages["pe_fwd"].basis == "estimate"
    assert "FY2025" in first.vintages["pe_fwd"].label
    assert set(first.vintages) == set(first.metrics)
    assert first.profile["name_zh"] == "中际旭创"
    assert first.profile["listing_date"] == "2012-04-10"
    assert first.extra["price_adjustment"] == "qfq"


def test_own_history_is_daily_and_long(tmp_path: Path, fake_eastmoney: FakeEastMoney) -> None:
    from screener.run import load_inputs, run_screen

    with _store(tmp_path) as store:
        assert refresh(store, ["300308.SZ"], provider=quick_provider(), policy=QUICK).ok
        rows = [r for r in store.valuation_history(EASTMONEY_SOURCE) if r["metric"] == "pe_ttm"]
        served = fake_eastmoney.market.series("300308").days  # type: ignore[union-attr]
        assert len(rows) == len(served) > 3000  # every trading day since listing
        assert min(r["date"] for r in rows) == "2012-04-10"
        run = run_screen(store, load_inputs(None, None), today=TODAY)
        history = run.history[
            (run.history["ticker"] == "300308.SZ") & (run.history["metric"] == "pe_ttm")
        ]
        assert len(history) > 100  # hist_pct(pe_ttm) ranks today against years of days
        assert run.frame.loc["300308.SZ", "source"] == EASTMONEY_SOURCE
        assert 0.0 <= run.frame.loc["300308.SZ", "pe_hist_pct"] <= 1.0
        # explain shows the window: points used and the first date
        from rich.console import Console

        from screener.output.explain import render_explanation

        console = Console(record=True, width=200)
        console.print(render_explanation(run, "300308.SZ"))
        text = console.export_text()
        assert f"pe_ttm: {len(history)} points, 2012-04-10 to 2026-02-13" in text
        assert "Source notes: eastmoney via akshare" in text


def test_a_second_refresh_within_staleness_makes_no_request(
    tmp_path: Path, fake_eastmoney: FakeEastMoney
) -> None:
    with _store(tmp_path) as store:
        assert refresh(store, TICKERS, provider=quick_provider(), policy=QUICK).ok
        fake_eastmoney.reset_counts()
        again = refresh(store, TICKERS, provider=quick_provider(), policy=QUICK)
        assert sorted(again.skipped_fresh) == sorted(TICKERS)
        assert fake_eastmoney.total == 0 and again.requests == 0


def test_one_failing_a_share_fails_alone_with_its_reason(
    tmp_path: Path, fake_eastmoney: FakeEastMoney
) -> None:
    fake_eastmoney.add_fault(Fault("malformed", "valuation", "600498"))
    with _store(tmp_path) as store:
        summary = refresh(store, TICKERS, provider=quick_provider(), policy=QUICK)
        assert set(summary.failed) == {"600498.SS"}
        assert "malformed answer from East Money" in summary.failed["600498.SS"]
        assert sorted(summary.fetched) == sorted(set(TICKERS) - {"600498.SS"})
        assert store.latest_snapshot("600498.SS", EASTMONEY_SOURCE) is None


def test_an_unknown_code_is_not_found(fake_eastmoney: FakeEastMoney) -> None:
    provider = quick_provider()
    with pytest.raises(NotFoundError, match="no data for this code"):
        provider.fetch_one("301999.SZ")
    with pytest.raises(NotFoundError, match="not an A-share"):
        provider.fetch_one("ANET")


def test_one_malformed_answer_fails_only_its_kind(
    tmp_path: Path, fake_eastmoney: FakeEastMoney
) -> None:
    fake_eastmoney.add_fault(Fault("malformed", "kline", "300308"))
    with _store(tmp_path) as store:
        summary = refresh(store, ["300308.SZ"], provider=quick_provider(), policy=QUICK)
        assert summary.fetched == ["300308.SZ"] and not summary.failed
        assert "daily bars 300308: malformed" in summary.partial["300308.SZ"]
        snap = store.latest_snapshot("300308.SZ", EASTMONEY_SOURCE)
        assert snap is not None and snap["pe_ttm"] is not None and snap["ret_12m"] is None
        logged = store.last_fetch("300308.SZ", DataKind.PRICES)
        assert logged is not None and logged["outcome"] == "failed"


def test_east_money_dropping_connections(tmp_path: Path, serve_eastmoney: Any) -> None:
    """Every connection dropped: each A-share fails with the reason, and the breaker stops
    the run from hammering (no request once it has tripped)."""
    fake = serve_eastmoney()
    fake.add_fault(Fault("drop", "kline"))
    fake.add_fault(Fault("drop", "quote"))
    fake.add_fault(Fault("drop", "valuation"))
    provider = quick_provider(breaker_after=2, attempts=1)
    with _store(tmp_path) as store:
        summary = refresh(store, TICKERS, provider=provider, policy=QUICK)
        assert set(summary.failed) == set(TICKERS) and not summary.fetched
        reasons = " ".join(summary.failed.values())
        assert "dropped the connection" in reasons or "network error" in reasons
        assert provider.breaker and "stopped asking" in provider.breaker
        assert "not asked" in reasons  # the tickers after the breaker tripped
        # stock_value_em tries 3 times itself; the four workers were already in flight
        # when the breaker tripped, and the second pass sent nothing at all
        assert fake.counts["valuation"] <= 3 * len(TICKERS)
        assert summary.requests == fake.total


def test_a_dropped_connection_is_retried_away(
    tmp_path: Path, fake_eastmoney: FakeEastMoney
) -> None:
    fake_eastmoney.add_fault(Fault("drop", "quote", "300308", times=1))
    with _store(tmp_path) as store:
        summary = refresh(store, ["300308.SZ"], provider=quick_provider(), policy=QUICK)
        assert summary.fetched == ["300308.SZ"] and not summary.partial
        assert summary.retries >= 1


def test_a_stalled_call_gives_up_at_its_deadline(fake_eastmoney: FakeEastMoney) -> None:
    import time

    from screener.data.provider import TransientError

    fake_eastmoney.add_fault(Fault("stall", "valuation", "300308", stall=5.0))
    provider = quick_provider(call_deadline=0.5, request_timeout=(5.0, 10.0))
    started = time.monotonic()
    with pytest.raises(TransientError, match="within 0.5 s"):
        provider.fetch_one("300308.SZ", kinds=[DataKind.FUNDAMENTALS])
    assert time.monotonic() - started < 3.0


def test_a_request_without_timeout_gets_one_at_the_transport(
    fake_eastmoney: FakeEastMoney,
) -> None:
    """stock_yjbb_em passes no timeout: the hook's read timeout ends a stalled answer,
    and only the results part of the fundamentals fails."""
    fake_eastmoney.add_fault(Fault("stall", "results", stall=3.0))
    provider = quick_provider(request_timeout=(1.0, 0.3), attempts=1)
    bundle = provider.fetch_one("300308.SZ", kinds=[DataKind.FUNDAMENTALS])
    why = bundle.failed_kinds[DataKind.FUNDAMENTALS]
    assert "quarterly results" in why and "ReadTimeout" in why
    assert bundle.metrics["pe_ttm"] > 0  # the valuation came through
    assert "revenue_growth" not in bundle.metrics


def test_the_usd_cny_central_parity_comes_once_per_run(fake_eastmoney: FakeEastMoney) -> None:
    provider = quick_provider()
    assert provider.fx_rates() == []  # nothing asked before a company is fetched
    for ticker in TICKERS:
        provider.fetch_one(ticker)
    assert fake_eastmoney.counts["fx"] == 1  # shared by every company of the run
    [rate] = provider.fx_rates()
    served_day, served = fake_eastmoney.market.fx_days[-1]
    assert (rate.currency, rate.date, rate.units_per_usd) == ("CNY", served_day.isoformat(), served)
    assert "central parity" in rate.source and provider.fx_problem is None
    assert any(r.endpoint == "fx" and r.subject == "120.USDCNYC" for r in fake_eastmoney.records)


@pytest.mark.parametrize(
    "parity, fault, why",
    [(71.234, None, "out of range"), (7.1234, Fault("malformed", endpoint="fx"), "malformed")],
)
def test_a_bad_rate_is_refused_and_the_company_still_fetched(
    serve_eastmoney: Any, parity: float, fault: Fault | None, why: str
) -> None:
    from tests.fake_eastmoney import default_market

    fake = serve_eastmoney(replace(default_market(), fx_parity=parity))
    if fault is not None:
        fake.add_fault(fault)
    provider = quick_provider()
    bundle = provider.fetch_one("300308.SZ")
    assert bundle.metrics["market_cap"] > 0
    assert provider.fx_rates() == []
    assert provider.fx_problem is not None and why in provider.fx_problem
    assert "central parity" in provider.fx_problem


def test_with_yahoo_unreachable_market_cap_usd_uses_east_moneys_rate(
    tmp_path: Path, fake_eastmoney: FakeEastMoney
) -> None:
    from screener.frame import build_frame

    provider = quick_provider()
    with _store(tmp_path) as store:
        summary = refresh(store, ["300308.SZ"], provider=provider, policy=QUICK)
        assert summary.ok, summary.failed
        [rate] = [r for r in store.fx_rates() if r.currency == "CNY"]
        frame, provenance = build_frame(
            store.latest_snapshots(EASTMONEY_SOURCE), {}, store.fx_rates(), TODAY
        )
    parity = fake_eastmoney.market.fx_parity
    assert rate.units_per_usd == parity
    assert frame.at["300308.SZ", "market_cap_usd"] == pytest.approx(
        frame.at["300308.SZ", "market_cap"] / parity
    )
    note = provenance["300308.SZ"]["derived"]["market_cap_usd"]
    assert "central parity" in note and "days older" not in note
    # a stored rate a month old (East Money's FX call failed since) serves, its age said
    with _store(tmp_path) as store:
        snapshots = store.latest_snapshots(EASTMONEY_SOURCE)
    _, provenance = build_frame(snapshots, {}, [replace(rate, date="2026-01-13")], TODAY)
    assert "the rate is 31 days older than the figures" in (
        provenance["300308.SZ"]["derived"]["market_cap_usd"]
    )

