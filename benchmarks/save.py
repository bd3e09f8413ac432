"""Benchmark: the CPU of saving one A-share's bundle (`Store.save_bundle`).

    python benchmarks/save.py
    python benchmarks/save.py --points 8000 --bars 2500 --companies 20

A bundle as the akshare provider builds it for a name listed for years: `--points`
valuation-history points (daily PE(TTM), P/B, P/S since listing) and `--bars` daily
bars, all clean, saved into a fresh store file (WAL, as a refresh writes), one company
after another; every save passes the boundary validator on its way in. Prints the
milliseconds per company (wall and process CPU), and the validator's share alone.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from screener.data.provider import FetchBundle, HistoryPoint, PriceBar  # noqa: E402
from screener.data.store import Store  # noqa: E402
from screener.data.validate import validate_bundle  # noqa: E402

METRICS = ("pe_ttm", "pb", "ps_ttm")


def bundle_of(ticker: str, points: int, bars: int) -> FetchBundle:
    """One company's bundle: `points` history points over 3 multiples, `bars` daily bars."""
    start = date(2000, 1, 3)
    per_metric = -(-points // len(METRICS))
    days = [(start + timedelta(days=i)).isoformat() for i in range(max(per_metric, bars))]
    history = tuple(
        HistoryPoint(metric, days[i], 10.0 + (i % 97) * 0.25)
        for metric in METRICS
        for i in range(per_metric)
    )[:points]
    prices = tuple(
        PriceBar(days[i], 10.0 + i % 7, 11.0 + i % 7, 9.0 + i % 7, 10.5 + i % 7, 1e6 + i)
        for i in range(bars)
    )
    return FetchBundle(
        ticker=ticker,
        source="akshare",
        as_of="2026-02-13",
        fetched_at="2026-02-16T08:00:00+00:00",
        currency="CNY",
        financial_currency="CNY",
        metrics={"price": 10.5, "market_cap": 1e10, "pe_ttm": 20.0, "pb": 2.0},
        history=history,
        prices=prices,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=8000)
    parser.add_argument("--bars", type=int, default=2500)
    parser.add_argument("--companies", type=int, default=20)
    args = parser.parse_args(argv)
    bundles = [bundle_of(f"{600000 + i}.SS", args.points, args.bars) for i in range(args.companies)]
    with tempfile.TemporaryDirectory() as folder, Store(Path(folder) / "bench.db") as store:
        store.save_bundle(bundle_of("000001.SZ", 10, 10))  # quick_check and schema: once
        wall, cpu = time.perf_counter(), time.process_time()
        for bundle in bundles:
            store.save_bundle(bundle)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    check = time.process_time()
    for bundle in bundles:
        validate_bundle(bundle)
    check = time.process_time() - check
    n = args.companies
    print(f"bundle: {args.points} history points + {args.bars} bars; {n} companies")
    print(f"save_bundle: {wall / n * 1000:.1f} ms per company wall, {cpu / n * 1000:.1f} ms CPU")
    print(f"  of which validate_bundle: {check / n * 1000:.1f} ms CPU")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
