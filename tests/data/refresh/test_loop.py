"""refresh() through the fake Yahoo: staleness, retries, isolation of failures, crash safety."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from screener.data.refresh import ProgressEvent, RefreshPolicy, RetryPolicy, refresh
from screener.data.sample import SampleProvider
from screener.data.store import Store
from screener.data.yahoo import YahooProvider
from screener.frame import build_frame
from tests.fake_yahoo import FakeYahoo, Fault, load_spec
from tests.fake_yahoo.builder import FX_RATES
from tests.fake_yahoo.testing import fake_yahoo, no_network, yf_cache_dir

_FIXTURES = (fake_yahoo, no_network, yf_cache_dir)  # pytest fixtures, used by name below

ROOT = Path(__file__).resolve().parents[3]  # the repository (tests/data/refresh/this file)
FAST = RefreshPolicy(
    max_concurrency=8,
    initial_concurrency=4,
    retry=RetryPolicy(attempts=12, base_delay=0.01, max_delay=0.05, budget=5.0),
)
TICKERS = ["300308.SZ", "688702.SS", "002281.SZ", "2345.TW", "1686.HK", "GDS", "ANET"]


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "store.db")
    yield s
    s.close()


def run(store: Store, fake: FakeYahoo, cache: Path, tickers: list[str] = TICKERS, **kw: Any) -> Any:
    provider = YahooProvider(fake.session(), cache_dir=cache)
    kw.setdefault("policy", FAST)
    return refresh(store, tickers, provider=provider, **kw)


def snapshot(store: Store, ticker: str) -> dict[str, Any]:
    return next(r for r in store.latest_snapshots("yahoo") if r["ticker"] == ticker)


def test_stored_numbers_equal_the_fixture_values(
    fake_yahoo: FakeYahoo, yf_cache_dir: Path, store: Store
) -> None:
    summary = run(store, fake_yahoo, yf_cache_dir)
    assert sorted(summary.fetched) == sorted(TICKERS) and not summary.failed
    spec = load_spec("300308.SZ")
    row = snapshot(store, "300308.SZ")
    assert (row["currency"], row["as_of"]) == ("CNY", "2026-02-13")
    assert row["pe_ttm"] == spec.trailing_pe
    assert row["pe_fwd"] == spec.forward_pe
    assert row["ps_ttm"] == spec.ps
    assert row["gross_margin"] == spec.gross_margins
    assert row["debt_to_equity"] == pytest.approx(spec.debt_to_equity_pct / 100)
    assert row["market_cap"] == spec.market_cap
    assert row["market_cap_usd"] is None  # derived when the frame is built, never stored
    assert row["target_upside"] == pytest.approx(spec.target_mean / spec.price - 1)
    assert snapshot(store, "688702.SS")["pe_ttm"] is None  # missing stays missing
    prices = store.prices("300308.SZ")
    assert len(prices) == 262 and prices[-1]["close"] == spec.price
    history = [h for h in store.valuation_history("yahoo") if h["ticker"] == "300308.SZ"]
    assert {h["metric"] for h in history} >= {"pe_ttm", "pe_fwd", "ps_ttm", "pb", "ev_ebitda"}
    fx = {r.currency: r.units_per_usd for r in store.fx_rates()}
    assert fx["CNY"] == FX_RATES["CNY"] and fx["TWD"] == FX_RATES["TWD"]
    company = next(c for c in store.companies() if c["ticker"] == "2345.TW")
    assert company["currency"] == "TWD" and '"industry"' in company["profile"]
    assert summary.requests == fake_yahoo.total


def test_usd_market_caps_are_derived_from_the_stored_rates(
    fake_yahoo: FakeYahoo, yf_cache_dir: Path, store: Store
) -> None:
    run(store, fake_yahoo, yf_cache_dir, tickers=["300308.SZ", "GDS"])
    frame, provenance = build_frame(
        store.latest_snapshots("yahoo"), {}, store.fx_rates(), date(2026, 2, 14)
    )
    spec = load_spec("300308.SZ")
    assert frame.at["300308.SZ", "market_cap_usd"] == pytest.approx(
        spec.market_cap / FX_RATES["CNY"]
    )
    # One provenance format for every source (the sample's reads the same way).
    day = next(r.date for r in store.fx_rates() if r.currency == "CNY")
    assert provenance["300308.SZ"]["derived"]["market_cap_usd"] == (
        f"derived: market_cap / {FX_RATES['CNY']:g} CNY per USD ({day}, yahoo)"
    )
    # GDS lists in USD (and reports in CNY): its USD market cap is its market cap.
    assert frame.at["GDS", "market_cap_usd"] == load_spec("GDS").market_cap
    assert "market_cap_usd" not in provenance["GDS"].get("derived", {})


def test_any_provider_of_the_protocol_refreshes_the_store(store: Store) -> None:
    sample = SampleProvider()
    summary = refresh(store, ["300308.SZ", "NOPE"], provider=sample, policy=FAST)
    assert summary.fetched == ["300308.SZ"] and "NOPE" in summary.not_found
    assert summary.requests == 0 and sample.gate is None  # the run's gate was detached
    assert store.latest_snapshot("300308.SZ", "sample") is not None
    assert {r.currency for r in store.fx_rates()} >= {"CNY"}  # saved with the company


def test_second_refresh_within_ttl_makes_no_request(
    fake_yahoo: FakeYahoo, yf_cache_dir: Path, store: Store
) -> None:
    run(store, fake_yahoo, yf_cache_dir)
    fake_yahoo.reset_counts()
    again = run(store, fake_yahoo, yf_cache_dir)
    assert fake_yahoo.total == 0 and again.requests == 0
    assert sorted(again.skipped_fresh) == sorted(TICKERS) and not again.fetched


def test_after_the_next_close_only_prices_are_fetched(
    fake_yahoo: FakeYahoo, yf_cache_dir: Path, store: Store
) -> None:
    run(store, fake_yahoo, yf_cache_dir, tickers=["300308.SZ"])
    fake_yahoo.reset_counts()
    later = datetime.now(UTC) + timedelta(days=3)
    summary = run(store, fake_yahoo, yf_cache_dir, tickers=["300308.SZ"], now=later)
    assert summary.kinds["300308.SZ"] == ["prices"]
    assert dict(fake_yahoo.counts) == {"chart": 1}
    row = snapshot(store, "300308.SZ")
    assert row["pe_ttm"] == load_spec("300308.SZ").trailing_pe  # carried forward, same price
    assert row["roe"] == load_spec("300308.SZ").roe


def test_after_the_ttl_everything_is_fetched_again(
    fake_yahoo: FakeYahoo, yf_cache_dir: Path, store: Store
) -> None:
    run(store, fake_yahoo, yf_cache_dir, tickers=["ANET"])
    later = datetime.now(UTC) + timedelta(days=8)
    summary = run(store, fake_yahoo, yf_cache_dir, tickers=["ANET"], now=later)
    assert summary.kinds["ANET"] == ["fundamentals", "history", "prices"]
    forced = run(store, fake_yahoo, yf_cache_dir, tickers=["ANET"], force=True)
    assert forced.fetched == ["ANET"]


def test_a_429_storm_is_ridden_out(fake_yahoo: FakeYahoo, yf_cache_dir: Path, store: Store) -> None:
    fake_yahoo.add_fault(Fault("429", times=10))
    fake_yahoo.add_fault(Fault("429", endpoint="chart", times=3, retry_after=0.05))
    summary = run(store, fake_yahoo, yf_cache_dir)
    assert not summary.failed and len(summary.fetched) == len(TICKERS)
    assert summary.throttled == 13
    # Every 429 is retried, but for at most one request that uses up its attempts: the
    # batched v7 quote meets the storm alone, before the workers start. Its tickers then
    # ask for their own quotes, and nothing is lost.
    assert summary.retries >= 12


def test_retry_after_is_honoured(fake_yahoo: FakeYahoo, yf_cache_dir: Path, store: Store) -> None:
    run(store, fake_yahoo, yf_cache_dir, tickers=["ANET"])  # warm handshake and caches
    fake_yahoo.add_fault(Fault("429", endpoint="chart", times=1, retry_after=0.4))
    policy = RefreshPolicy(retry=RetryPolicy(attempts=3, base_delay=0.01, max_delay=2.0))
    start = time.monotonic()
    summary = run(store, fake_yahoo, yf_cache_dir, tickers=["ANET"], force=True, policy=policy)
    assert summary.fetched == ["ANET"] and summary.throttled == 1
    assert time.monotonic() - start >= 0.4


def test_server_errors_and_timeouts_are_retried(
    fake_yahoo: FakeYahoo, yf_cache_dir: Path, store: Store
) -> None:
    fake_yahoo.add_fault(Fault("500", endpoint="quoteSummary", times=3))
    fake_yahoo.add_fault(Fault("timeout", endpoint="timeseries", times=2))
    fake_yahoo.add_fault(Fault("503", endpoint="chart", times=1, retry_after=0.01))
    summary = run(store, fake_yahoo, yf_cache_dir)
    assert not summary.failed and summary.retries >= 6


def test_exhausted_retries_fail_that_ticker_alone(
    fake_yahoo: FakeYahoo, yf_cache_dir: Path, store: Store
) -> None:
    fake_yahoo.add_fault(Fault("500", symbol="ANET"))
    policy = RefreshPolicy(
        retry=RetryPolicy(attempts=2, base_delay=0.01, max_delay=0.02), ticker_retries=1
    )
    summary = run(store, fake_yahoo, yf_cache_dir, policy=policy)
    assert set(summary.failed) == {"ANET"} and "500" in summary.failed["ANET"]
    assert len(summary.fetched) == len(TICKERS) - 1


@pytest.mark.parametrize("kind", ["malformed", "truncated", "empty"])
def test_bad_answer_for_one_ticker_fails_it_alone_with_its_reason(
    fake_yahoo: FakeYahoo, yf_cache_dir: Path, store: Store, kind: str
) -> None:
    fault = Fault(kind, endpoint="chart", symbol="2345.TW")  # type: ignore[arg-type]
    fake_yahoo.add_fault(fault)
    summary = run(store, fake_yahoo, yf_cache_dir)
    assert list(summary.failed) == ["2345.TW"]
    reason = summary.failed["2345.TW"]
    if kind == "empty":  # yfinance's own words for an empty chart, or ours for an empty frame
        assert "no price data" in reason or "no daily prices" in reason
    else:
        assert "malformed JSON" in reason
    assert len(summary.fetched) == len(TICKERS) - 1
    assert not store.prices("2345.TW")  # nothing half-saved
    log = store.last_fetch("2345.TW", "prices")
    assert log is not None and log["outcome"] in ("failed", "not_found")


def test_not_found_is_believed_for_a_day(
    fake_yahoo: FakeYahoo, yf_cache_dir: Path, store: Store
) -> None:
    first = run(store, fake_yahoo, yf_cache_dir, tickers=["ANET", "999999.SZ"])
    assert "not found" in first.not_found["999999.SZ"] and not first.failed
    fake_yahoo.reset_counts()
    second = run(store, fake_yahoo, yf_cache_dir, tickers=["ANET", "999999.SZ"])
    assert second.not_found_recently == ["999999.SZ"] and fake_yahoo.total == 0
    later = datetime.now(UTC) + timedelta(days=2)
    third = run(store, fake_yahoo, yf_cache_dir, tickers=["999999.SZ"], now=later)
    assert "999999.SZ" in third.not_found and fake_yahoo.total > 0


def test_progress_reports_every_ticker(
    fake_yahoo: FakeYahoo, yf_cache_dir: Path, store: Store
) -> None:
    events: list[ProgressEvent] = []
    run(store, fake_yahoo, yf_cache_dir, tickers=["ANET", "999999.SZ"], progress=events.append)
    assert [e.stage for e in events] == ["start", "ticker", "ticker", "done"]
    assert {(e.ticker, e.outcome) for e in events if e.stage == "ticker"} == {
        ("ANET", "ok"),
        ("999999.SZ", "not_found"),
    }
    assert events[-1].done == events[-1].total == 2


# -- crash safety and concurrency (real processes) ------------------------------------------------


def _spawn(db: Path, cache: Path, latency: float, tickers: list[str]) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.fake_yahoo.run_refresh",
            str(db),
            str(cache),
            str(latency),
            *tickers,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def test_sigkill_mid_refresh_leaves_a_sound_store(tmp_path: Path) -> None:
    db = tmp_path / "kill.db"
    tickers = [f"{600000 + i}.SS" for i in range(60)]
    proc = _spawn(db, tmp_path / "yf", 0.05, tickers)
    committed: list[str] = []
    assert proc.stdout is not None
    deadline = time.monotonic() + 30
    while len(committed) < 6 and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line.startswith("ok "):
            committed.append(line.split()[1])
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert len(committed) >= 6 and proc.returncode == -signal.SIGKILL
    store = Store(db)
    try:
        assert store.integrity_check() == "ok"
        logged = {t for (t, k) in store.fetch_times(["ok"]) if k == "ticker"}
        assert set(committed) <= logged < set(tickers)  # killed before the end
        for ticker in logged:
            assert len(store.prices(ticker)) == 262
            assert snapshot(store, ticker)["pe_ttm"] is not None
            assert any(h["ticker"] == ticker for h in store.valuation_history("yahoo"))
    finally:
        store.close()


def test_two_concurrent_refreshes_both_finish(tmp_path: Path) -> None:
    db = tmp_path / "shared.db"
    a = _spawn(db, tmp_path / "yf-a", 0.01, [f"{600100 + i}.SS" for i in range(12)])
    b = _spawn(db, tmp_path / "yf-b", 0.01, [f"{600106 + i}.SS" for i in range(12)])
    out_a, _ = a.communicate(timeout=60)
    out_b, _ = b.communicate(timeout=60)
    assert a.returncode == 0 and b.returncode == 0, (out_a[-300:], out_b[-300:])
    # each run fetched its 12, or found some already fresh (the other run saved them
    # after this one started): together they are its 12, and nothing failed
    for out in (out_a, out_b):
        done = re.search(r"done fetched=(\d+) failed=(\d+) fresh=(\d+)", out)
        assert done is not None, out[-300:]
        fetched, failed, fresh = map(int, done.groups())
        assert failed == 0 and fetched + fresh == 12 and fetched >= 6, out[-300:]
    store = Store(db)
    try:
        assert store.integrity_check() == "ok"
        assert len(store.latest_snapshots("yahoo")) == 18
    finally:
        store.close()


def test_a_persistent_429_stops_the_run_soon_with_the_reason(
    fake_yahoo: FakeYahoo, yf_cache_dir: Path, store: Store
) -> None:
    fake_yahoo.add_fault(Fault("429"))
    policy = RefreshPolicy(
        max_concurrency=4,
        retry=RetryPolicy(
            attempts=50, base_delay=0.01, max_delay=0.05, budget=30.0, breaker_after=0.5
        ),
    )
    started = time.monotonic()
    summary = run(store, fake_yahoo, yf_cache_dir, policy=policy)
    assert time.monotonic() - started < 15
    assert summary.stopped and "rate-limiting" in summary.stopped
    assert set(summary.failed) == set(TICKERS) and not summary.fetched
    assert all("rate-limiting" in reason for reason in summary.failed.values())


def test_an_interrupted_refresh_leaves_a_sound_store(
    fake_yahoo: FakeYahoo, yf_cache_dir: Path, store: Store
) -> None:
    def interrupt(event: ProgressEvent) -> None:
        if event.stage == "ticker":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run(store, fake_yahoo, yf_cache_dir, progress=interrupt)
    assert store.integrity_check() == "ok"
    saved = {row["ticker"] for row in store.latest_snapshots("yahoo")}
    assert saved <= set(TICKERS)


def test_a_failed_history_keeps_the_rest_and_is_asked_again(
    fake_yahoo: FakeYahoo, yf_cache_dir: Path, store: Store
) -> None:
    # The valuation timeseries alone answers garbage (it serves the history and the
    # trailing PEG only, so nothing else is lost with it).
    fake_yahoo.add_fault(Fault("malformed", endpoint="timeseries", symbol="1686.HK"))
    policy = RefreshPolicy(retry=RetryPolicy(attempts=2, base_delay=0.01, max_delay=0.02))
    first = run(store, fake_yahoo, yf_cache_dir, tickers=["1686.HK"], policy=policy)
    assert first.fetched == ["1686.HK"] and not first.failed
    assert "valuation history" in first.partial["1686.HK"]
    assert store.prices("1686.HK") and store.latest_snapshot("1686.HK", "yahoo")
    fake_yahoo.clear_faults()
    fake_yahoo.reset_counts()
    second = run(store, fake_yahoo, yf_cache_dir, tickers=["1686.HK"], policy=policy)
    assert second.kinds["1686.HK"] == ["history"]
    assert "chart" not in fake_yahoo.counts  # prices were fresh: only the history was asked


def test_an_answer_that_cannot_be_saved_fails_its_company_alone(store: Store) -> None:
    """A value no check caught (here an as_of that is no date) costs one company, not the run."""
    import dataclasses

    class Poisoned(SampleProvider):
        def fetch_one(self, ticker: str, *args: Any, **kwargs: Any) -> Any:
            bundle = super().fetch_one(ticker, *args, **kwargs)
            return dataclasses.replace(bundle, as_of="2026-13-45") if ticker == "ANET" else bundle

    summary = refresh(store, ["ANET", "300308.SZ", "LITE"], provider=Poisoned(), policy=FAST)
    assert sorted(summary.fetched) == ["300308.SZ", "LITE"]
    assert "as_of is not an ISO date" in summary.failed["ANET"]
    assert {r["ticker"] for r in store.latest_snapshots("sample")} == {"300308.SZ", "LITE"}
    assert store.last_fetch("ANET", "ticker")["outcome"] == "failed"


def test_a_refresh_runs_at_the_run_collector_thresholds_and_restores_them(store: Store) -> None:
    """Workers fetch and the main thread saves under `collector.tuned`'s thresholds, and
    the caller's collector settings come back afterwards."""
    import gc

    from screener.collector import RUN_THRESHOLDS

    seen: list[tuple[int, ...]] = []

    class Watching(SampleProvider):
        def fetch_one(self, ticker: str, *args: Any, **kwargs: Any) -> Any:
            seen.append(gc.get_threshold())
            return super().fetch_one(ticker, *args, **kwargs)

    before = gc.get_threshold()
    summary = refresh(store, ["ANET", "300308.SZ"], provider=Watching(), policy=FAST)
    assert sorted(summary.fetched) == ["300308.SZ", "ANET"]
    assert seen and set(seen) == {RUN_THRESHOLDS}
    assert gc.get_threshold() == before
