"""Benchmark: replay the shipped rules over 150 synthetic names x 8 years, monthly.

    .venv/bin/python benchmarks/backtest.py [--names 150] [--years 8] [--every month]

Builds a synthetic market (daily closes on business days, quarterly history for six
multiples, planted re-ratings), saves it through the store as a provider's bundles
would go, then times reading it back (`load_replay`) and the replay itself
(`run_backtest`: a frame per rebalance day, the shipped rules through the engine,
three horizons measured). Prints wall and CPU time (CPU time is what a busy shared
machine distorts least) and the process's peak memory (peak RSS). Target: under
10 s and 500 MB on a 2-core machine.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout

from screener.backtest import BacktestConfig, load_replay, run_backtest  # noqa: E402
from screener.backtest.calendar import parse_horizons  # noqa: E402
from screener.data.store import Store  # noqa: E402
from screener.run import load_rules  # noqa: E402
from screener.universe.taxonomy import CORE_SECTORS  # noqa: E402
from tests.backtest import synthetic  # noqa: E402


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 if sys.platform != "darwin" else peak / 1024 / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--names", type=int, default=150)
    parser.add_argument("--years", type=int, default=8)
    parser.add_argument("--every", choices=["month", "quarter"], default="month")
    parser.add_argument("--horizon", default="3m,6m,12m")
    args = parser.parse_args()

    started = time.perf_counter()
    data = synthetic.market(
        args.names, args.years, seed=11, sectors=CORE_SECTORS, walk=True, noise=0.015,
        pe_spread=0.3,
    )
    with tempfile.TemporaryDirectory() as folder:
        with Store(Path(folder) / "bench.db") as store:
            synthetic.save(store, data)
            made = time.perf_counter()
            rules = load_rules(None)
            t0, c0 = time.perf_counter(), time.process_time()
            inputs = load_replay(store, data.universe)
            t1, c1 = time.perf_counter(), time.process_time()
        config = BacktestConfig(every=args.every, horizons=parse_horizons(args.horizon))
        result = run_backtest(inputs, rules, config)
        t2, c2 = time.perf_counter(), time.process_time()
    print(
        f"synthetic market: {args.names} names x {args.years} years: {len(data.bars):,} daily bars,"
        f" {len(data.history):,} history points (made and stored in {made - started:.1f} s)"
    )
    print(
        f"replay: {len(result.dates)} {args.every}-end rebalance days x {len(rules.rules)} rules"
        f" x {len(config.horizons)} horizons"
    )
    print("                        wall     cpu")
    print(f"  read the store      {t1 - t0:6.2f} s {c1 - c0:6.2f} s")
    print(f"  backtest            {t2 - t1:6.2f} s {c2 - c1:6.2f} s")
    print(f"  total               {t2 - t0:6.2f} s {c2 - c0:6.2f} s   (target < 10 s)")
    print(f"  peak memory (RSS)   {peak_rss_mb():6.0f} MB (target < 500 MB)")


if __name__ == "__main__":
    main()
