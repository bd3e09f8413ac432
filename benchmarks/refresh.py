"""Benchmark: screener's refresh against the loop a user writes by hand, on the fake Yahoo.

    python benchmarks/refresh.py --tickers 500 --latency 0.1
    python benchmarks/refresh.py --tickers 200 --latency 0.1 --rate-limit 20

In one process and against one fake Yahoo (every endpoint answered from synthesised
Yahoo-shaped fixtures after `--latency` seconds, with an optional per-IP token bucket
that answers 429 above `--rate-limit` requests a second), it times

1. the hand loop: for t in tickers: yf.Ticker(t).info; .history(period="1y");
   .get_valuation_measures(), one after another, yfinance's defaults;
2. a cold `screener.data.refresh.refresh()` of the same tickers into a fresh store;
3. a warm refresh right after (everything fresh: it should make no request);

and prints wall times, `ratio: N.Nx` (hand loop over screener), HTTP requests per
ticker, and with a rate limit the request rate screener sustained as a fraction of
the limit and how many tickers each approach lost.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from screener.data.refresh import RefreshPolicy, refresh  # noqa: E402
from screener.data.store import Store  # noqa: E402
from screener.data.yahoo import YahooProvider  # noqa: E402
from tests.fake_yahoo import FakeYahoo  # noqa: E402
from tests.fake_yahoo.testing import fresh_yfinance  # noqa: E402

SUFFIXES = (".SZ", ".SS", ".SZ", ".SS", ".HK", "")


def make_tickers(n: int) -> list[str]:
    """Synthetic symbols, mostly A-shares like the real universe, each answered by the fake."""
    out = []
    for i in range(n):
        suffix = SUFFIXES[i % len(SUFFIXES)]
        if suffix in (".SZ",):
            out.append(f"{300000 + i:06d}.SZ")
        elif suffix == ".SS":
            out.append(f"{688000 + i:06d}.SS")
        elif suffix == ".HK":
            out.append(f"{1000 + i:04d}.HK")
        else:
            out.append("BX" + "".join(chr(65 + int(d)) for d in f"{i:04d}"))
    return out


def hand_loop(tickers: list[str], session: object) -> tuple[float, int]:
    """What a user writes: one ticker after another, yfinance defaults. Returns (seconds, lost)."""
    import yfinance as yf
    from yfinance.data import YfData

    yf.config.debug.hide_exceptions = True  # yfinance's default, which the provider turns off
    YfData(session=session)  # the fake stands in for the network the user's loop would use
    lost = 0
    start = time.perf_counter()
    for t in tickers:
        try:
            tk = yf.Ticker(t)
            info = tk.info
            hist = tk.history(period="1y")
            tk.get_valuation_measures()
            if not info or hist is None or hist.empty:
                lost += 1
        except Exception:  # the user's loop loses the ticker, like ours would report it
            lost += 1
    return time.perf_counter() - start, lost


def main(argv: list[str] | None = None) -> int:
    rest = sys.argv[1:] if argv is None else argv
    if rest[:2] == ["--provider", "akshare"]:  # the A-share path: benchmarks/refresh_akshare.py
        sys.path.insert(0, str(Path(__file__).parent))
        return int(__import__("refresh_akshare").main(rest[2:]))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickers", type=int, default=100)
    parser.add_argument("--latency", type=float, default=0.1, help="seconds per request")
    parser.add_argument(
        "--rate-limit",
        type=float,
        default=None,
        help="requests per second before the fake answers 429",
    )
    parser.add_argument("--max-concurrency", type=int, default=32)
    parser.add_argument(
        "--hand-sample",
        type=int,
        default=None,
        help="time the hand loop on this many tickers and scale up (quick runs)",
    )
    args = parser.parse_args(argv)

    import warnings

    import yfinance as yf

    warnings.filterwarnings("ignore", module=r"yfinance(\.|$)")  # pandas-3 noise from yfinance
    tmp = Path(tempfile.mkdtemp(prefix="screener-bench-"))
    tickers = make_tickers(args.tickers)
    fake = FakeYahoo(latency=args.latency, rate_limit=args.rate_limit, synthesize=True)
    fake.prepare(tickers)
    print(
        f"tickers: {len(tickers)}  latency: {args.latency:g}s  rate limit: "
        f"{args.rate_limit if args.rate_limit else 'none'}"
    )

    # 1. the hand loop
    yf.set_tz_cache_location(str(tmp / "yf-hand"))
    fresh_yfinance()
    sample = tickers[: args.hand_sample] if args.hand_sample else tickers
    hand_s, hand_lost = hand_loop(sample, fake.session())
    hand_requests = fake.total
    scale = len(tickers) / len(sample)
    hand_total = hand_s * scale
    label = f" (extrapolated from {len(sample)})" if scale != 1 else ""
    print(
        f"hand loop: {hand_total:8.2f} s{label}   requests/ticker: "
        f"{hand_requests / len(sample):.2f}   lost: {round(hand_lost * scale)}"
    )

    # 2. screener, cold, with its own caches and handshake
    fake.reset_counts()
    yf.set_tz_cache_location(str(tmp / "yf-screener"))
    fresh_yfinance()
    store = Store(tmp / "bench.db")
    provider = YahooProvider(fake.session(), cache_dir=tmp / "yf-screener")
    policy = RefreshPolicy(max_concurrency=args.max_concurrency)
    start = time.perf_counter()
    cold = refresh(store, tickers, provider=provider, policy=policy)
    cold_s = time.perf_counter() - start
    cold_requests = fake.total
    served = sum(1 for r in fake.records if r.status != 429)
    print(
        f"screener:  {cold_s:8.2f} s   requests/ticker: {cold_requests / len(tickers):.2f}"
        f"   lost: {len(cold.failed)}   (429s: {cold.throttled}, retries: {cold.retries})"
    )
    for ticker, reason in list(cold.failed.items())[:5]:
        print(f"  failed {ticker}: {reason}")

    # 3. screener, warm
    fake.reset_counts()
    start = time.perf_counter()
    warm = refresh(store, tickers, provider=provider, policy=policy)
    warm_s = time.perf_counter() - start
    print(
        f"warm:      {warm_s:8.2f} s   requests: {fake.total}   "
        f"skipped as fresh: {len(warm.skipped_fresh)}"
    )
    print(f"ratio: {hand_total / cold_s:.1f}x")
    if args.rate_limit:
        rate = served / cold_s
        print(
            f"sustained: {rate:.1f} req/s served = {rate / args.rate_limit:.0%} of the limit "
            f"({cold_requests / cold_s:.1f} req/s sent incl. 429s)"
        )
        print(f"lost tickers: hand loop {round(hand_lost * scale)}, screener {len(cold.failed)}")
    store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
