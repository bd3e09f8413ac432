"""Benchmark: screener's A-share refresh against the akshare loop a user writes by hand.

    python benchmarks/refresh_akshare.py --tickers 40 --latency 0.1
    python benchmarks/refresh_akshare.py --tickers 40 --latency 0.1 --interval 0 --jitter 0

In one process and against one fake East Money (tests/fake_eastmoney: akshare's real
code, a real loopback socket, every request answered after `--latency` seconds), on
a market of `--tickers` A-shares listed for years, it times

1. the hand loop: the market-wide quarterly results (`stock_yjbb_em`, the latest
   published period) and consensus (`stock_profit_forecast_em`) once, then per name
   `stock_value_em`, `stock_zh_a_hist(adjust="qfq")` (akshare's default start: since
   listing) and `stock_individual_info_em`, one name after another;
2. a cold `screener.data.refresh.refresh()` with the `AkshareProvider` as shipped
   (its polite per-host pacer: `--interval`/`--jitter` change it) into a fresh store;
3. a warm refresh right after (everything fresh: it should make no request);
4. a next-day refresh (the clock moved past the next close: prices are stale, the rest
   is not), which asks for the bars from a few days before the last stored one only;

and prints wall times, `ratio: N.Nx` (hand loop over screener), requests per A-share
by endpoint (the market-wide calls counted once, not per name) and the names each
approach lost. East Money bans IPs that hammer it, so the shipped pacer spaces
requests to each host by 0.25-0.5 s: the ratio says what politeness costs or saves.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import warnings
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

os.environ.setdefault("TQDM_DISABLE", "1")  # akshare's paged calls draw tqdm bars otherwise

from screener.data.akshare.provider import AkshareProvider, load_akshare  # noqa: E402
from screener.data.akshare.transport import HostPacer  # noqa: E402
from screener.data.refresh import RefreshPolicy, refresh  # noqa: E402
from screener.data.store import Store  # noqa: E402
from tests.fake_eastmoney import END_DATE, FakeEastMoney, Market, exchange_of  # noqa: E402
from tests.fake_eastmoney.builder import (  # noqa: E402
    default_boards,
    default_companies,
    padding_codes,
    synthetic_company,
)

#: the provider's clock: the Monday after the fake's last trading day
TODAY = date(2026, 2, 16)
#: the newest quarter whose results are all out by TODAY (annual reports come in spring)
RESULTS_PERIOD = "20250930"
#: endpoints answered once for the whole market, not once per name
SHARED = ("results", "forecast")
SUFFIX = {"SH": ".SS", "SZ": ".SZ", "BJ": ".BJ"}
DAY = timedelta(days=4)  # past the next close whatever the weekday


def make_market(n: int) -> Market:
    """The fixture's A-shares, then synthetic ones listed 2010-2016, `n` in all."""
    companies = list(default_companies())[:n]
    companies += [synthetic_company(code) for code in padding_codes(n - len(companies))]
    return Market(tuple(companies), tuple(default_boards(companies)), END_DATE)


def ticker_of(code: str) -> str:
    return code + SUFFIX[exchange_of(code)]


def hand_loop(codes: list[str]) -> tuple[float, int]:
    """What a user writes with akshare: (seconds, names lost)."""
    ak = load_akshare()
    lost = 0
    start = time.perf_counter()
    ak.stock_yjbb_em(date=RESULTS_PERIOD)
    ak.stock_profit_forecast_em()
    for code in codes:
        try:
            value = ak.stock_value_em(symbol=code)
            bars = ak.stock_zh_a_hist(symbol=code, period="daily", adjust="qfq")
            info = ak.stock_individual_info_em(symbol=code)
            if value is None or value.empty or bars is None or bars.empty or info.empty:
                lost += 1
        except Exception:  # the user's loop loses the name
            lost += 1
    return time.perf_counter() - start, lost


def per_name(counts: Counter[str], names: int) -> str:
    """Requests per A-share by endpoint, the market-wide ones as totals."""
    own = [f"{e} {n / names:.2f}" for e, n in sorted(counts.items()) if e not in SHARED]
    shared = [f"{e} {n}" for e, n in sorted(counts.items()) if e in SHARED]
    total = sum(n for e, n in counts.items() if e not in SHARED) / names
    return f"{total:.2f}/name ({', '.join(own)}; market-wide, once: {', '.join(shared) or '-'})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickers", type=int, default=40)
    parser.add_argument("--latency", type=float, default=0.1, help="seconds per request")
    parser.add_argument("--interval", type=float, default=None, help="pacer seconds per host")
    parser.add_argument("--jitter", type=float, default=None, help="pacer jitter seconds")
    parser.add_argument("--max-concurrency", type=int, default=32)
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")  # akshare's pandas-3 noise

    market = make_market(args.tickers)
    codes = [c.code for c in market.companies]
    tickers = [ticker_of(code) for code in codes]
    for code in codes:  # build every series now, so the clocks time the clients
        assert market.series(code) is not None and market.series(code).days  # type: ignore[union-attr]
    pacer = HostPacer(
        **{
            k: v
            for k, v in (("interval", args.interval), ("jitter", args.jitter))
            if v is not None
        }
    )
    print(
        f"A-shares: {len(tickers)}  latency: {args.latency:g}s  pacer: "
        f"{pacer.interval:g}s + up to {pacer.jitter:g}s per host"
    )
    tmp = Path(tempfile.mkdtemp(prefix="screener-bench-ak-"))
    with FakeEastMoney(market, latency=args.latency) as fake, fake.intercept():
        # 1. the hand loop
        hand_s, hand_lost = hand_loop(codes)
        hand_counts = Counter(fake.counts)
        print(
            f"hand loop: {hand_s:8.2f} s   requests: {per_name(hand_counts, len(codes))}"
            f"   lost: {hand_lost}"
        )

        # 2. screener, cold, into a fresh store
        fake.reset_counts()
        store = Store(tmp / "bench.db")
        provider = AkshareProvider(pacer=pacer, today=lambda: TODAY)
        policy = RefreshPolicy(max_concurrency=args.max_concurrency)
        start = time.perf_counter()
        cold = refresh(store, tickers, provider=provider, policy=policy)
        cold_s = time.perf_counter() - start
        cold_counts = Counter(fake.counts)
        lost = len(cold.failed) + len(cold.not_found)
        print(
            f"screener:  {cold_s:8.2f} s   requests: {per_name(cold_counts, len(tickers))}"
            f"   lost: {lost}   partial: {len(cold.partial)}   retries: {cold.retries}"
        )
        for ticker, reason in [*cold.failed.items(), *cold.partial.items()][:5]:
            print(f"  {ticker}: {reason}")
        bars = store.db.execute("select count(*) from prices").fetchone()[0]
        points = store.db.execute("select count(*) from valuation_history").fetchone()[0]
        print(f"  stored: {bars} daily bars, {points} history points")

        # 3. screener, warm
        fake.reset_counts()
        start = time.perf_counter()
        warm = refresh(store, tickers, provider=provider, policy=policy)
        warm_s = time.perf_counter() - start
        print(
            f"warm:      {warm_s:8.2f} s   requests: {fake.total}   "
            f"skipped as fresh: {len(warm.skipped_fresh)}"
        )
        # 4. screener, the next day: prices only, from just before the last stored bar
        fake.reset_counts()
        start = time.perf_counter()
        nextday = refresh(
            store, tickers, provider=provider, policy=policy, now=datetime.now(UTC) + DAY
        )
        next_s = time.perf_counter() - start
        after = store.db.execute("select count(*) from prices").fetchone()[0]
        print(
            f"next day:  {next_s:8.2f} s   requests: {per_name(Counter(fake.counts), len(tickers))}"
            f"   fetched: {len(nextday.fetched)}   bars added: {after - bars}"
        )
        print(f"ratio: {hand_s / cold_s:.1f}x")
        print(f"lost names: hand loop {hand_lost}, screener {lost}")
        store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
