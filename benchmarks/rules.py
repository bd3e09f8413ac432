"""Benchmark: every shipped rule over 5,000 synthetic companies (target < 100 ms).

    .venv/bin/python benchmarks/rules.py [--companies 5000] [--repeat 7]

Prints the time to load and check the shipped rules, and the time of one
`evaluate` call (every rule, scores, fired ids, rendered reasons) with and
without a five-year valuation history; best and median of the repeats.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout

from screener.catalog import NUMERIC_METRICS  # noqa: E402
from screener.engine import evaluate, load_ruleset  # noqa: E402
from screener.universe.taxonomy import CORE_SECTORS  # noqa: E402

# Fixed order, so the synthetic data stay the same when the catalogue grows.
BENCH_METRICS = (
    "pe_ttm",
    "pe_fwd",
    "ps_ttm",
    "pb",
    "ev_ebitda",
    "revenue_growth",
    "earnings_growth",
    "gross_margin",
    "net_margin",
    "roe",
    "debt_to_equity",
    "ret_6m",
    "ret_12m",
    "price_vs_ma200",
    "eps_revision_30d",
    "market_cap_usd",
)
assert set(BENCH_METRICS) <= NUMERIC_METRICS


def synthetic_frame(n: int, seed: int = 7) -> pd.DataFrame:
    """n companies with plausible multiples and about 15% of every figure missing."""
    rng = np.random.default_rng(seed)
    index = pd.Index([f"C{i:05d}" for i in range(n)], name="ticker")
    data: dict[str, object] = {}
    for metric in BENCH_METRICS:
        values = (
            rng.lognormal(3.0, 0.8, n)
            if metric.startswith(("pe", "ev_", "ps", "pb"))
            else (rng.normal(0.1, 0.4, n))
        )
        values[rng.random(n) < 0.15] = np.nan
        data[metric] = values
    data["peg"] = rng.lognormal(0.0, 0.6, n)
    data["data_age_days"] = rng.integers(0, 500, n).astype(float)
    data["sector"] = rng.choice(CORE_SECTORS, n)
    data["market"] = rng.choice(
        ["CN", "HK", "US", "TW", "JP", "AU"], n, p=[0.5, 0.1, 0.25, 0.05, 0.05, 0.05]
    )
    data["currency"] = "USD"
    return pd.DataFrame(data, index=index)


def synthetic_history(frame: pd.DataFrame, years: int = 5, seed: int = 11) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    parts = []
    for metric in ("pe_ttm", "ps_ttm", "pb", "ev_ebitda"):
        base = frame[metric].fillna(20.0).to_numpy()
        for year in range(years):
            parts.append(
                pd.DataFrame(
                    {
                        "ticker": frame.index,
                        "metric": metric,
                        "date": f"{2020 + year}-12",
                        "value": base * rng.lognormal(0.0, 0.3, len(frame)),
                    }
                )
            )
    return pd.concat(parts, ignore_index=True)


def timed(fn, repeat: int) -> tuple[float, float]:  # noqa: ANN001 - any callable
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times) * 1000, statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--companies", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    best, _ = timed(load_ruleset, 3)
    ruleset = load_ruleset()
    print(f"load + check {len(ruleset)} shipped rules: {best:.1f} ms")
    frame = synthetic_frame(args.companies)
    history = synthetic_history(frame)
    ev = evaluate(ruleset, frame, history)
    fired = int(ev.matrix.to_numpy().sum())
    print(f"{args.companies} companies, {len(history)} history points, {fired} firings")
    for label, hist in (("without history", None), ("with history", history)):
        best, median = timed(lambda h=hist: evaluate(ruleset, frame, h), args.repeat)
        verdict = "OK" if median < 100 else "OVER the 100 ms target"
        print(
            f"evaluate all shipped rules, {label}: best {best:.1f} ms, "
            f"median {median:.1f} ms ({verdict})"
        )


if __name__ == "__main__":
    main()
