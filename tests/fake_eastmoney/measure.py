"""Time akshare's functions against the fake East Money (the figures in docs/akshare.md).

    .venv/bin/python -m tests.fake_eastmoney.measure [LATENCY_SECONDS]

Prints `import akshare` wall time and peak RSS (each in a fresh interpreter), then
each function's wall time, request count and rows at the given per-request latency
(default 0). Each call runs twice and the second is timed: the first has the fake
build and cache its answers, so the times are akshare's (with requests' and
akshare's own sleeps between pages), not the fake's. Whole-market calls are also
timed on a market padded to A-share size.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from .builder import Market, default_market
from .server import FakeEastMoney

_IMPORT = """
import resource, sys, time
pre = sys.argv[1] == "pandas"
if pre:
    import pandas, requests
t = time.perf_counter()
import akshare
took = time.perf_counter() - t
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{took:.2f} {rss:.0f}")
"""


def measure_import(runs: int = 3) -> list[str]:
    lines = []
    for pre in ("bare", "pandas"):
        samples = []
        for _ in range(runs):
            done = subprocess.run(
                [sys.executable, "-c", _IMPORT, pre], capture_output=True, text=True, check=True
            )
            took, rss = done.stdout.split()
            samples.append((float(took), float(rss)))
        times = sorted(t for t, _ in samples)
        label = "import akshare" if pre == "bare" else "import akshare (pandas already loaded)"
        lines.append(
            f"{label}: {times[0]:.2f}-{times[-1]:.2f} s, peak RSS {samples[-1][1]:.0f} MB"
        )
    return lines


def _warm(market: Market) -> None:
    """Build every series the timed calls read, so the clock measures the calls."""
    for c in market.companies:
        series = market.series(c.code)
        assert series is not None
        _ = series.days


def timed(fake: FakeEastMoney, label: str, call: Callable[[], Any]) -> str:
    """The second of two runs: the first has the fake build and cache its answers."""
    call()
    _forget()
    fake.reset_counts()
    started = time.perf_counter()
    result = call()
    took = time.perf_counter() - started
    rows = len(result) if hasattr(result, "__len__") else "-"
    return f"{label:<52} {took:7.3f} s  {fake.total:3d} requests  {rows} rows"


def main(argv: list[str]) -> int:
    latency = float(argv[0]) if argv else 0.0
    os.environ.setdefault("TQDM_DISABLE", "1")
    for line in measure_import():
        print(line)
    small = default_market()
    big = default_market(
        extra_companies=5300, extra_boards=440, extra_members={"算力概念": 250}
    )
    print(f"building the fixtures ({len(big.companies)} companies) ...", flush=True)
    _warm(small)
    _warm(big)
    import akshare as ak

    print(f"\nper call at {latency * 1000:.0f} ms latency a request:")
    with FakeEastMoney(small, latency=latency) as fake, fake.intercept():
        for label, call in (
            ("stock_value_em 300308 (3,614 days)", lambda: ak.stock_value_em(symbol="300308")),
            ("stock_value_em 600498 (5,000 of 6,387 days)",
             lambda: ak.stock_value_em(symbol="600498")),
            ("stock_yjbb_em 20250930 (7 rows, 1 page)", lambda: ak.stock_yjbb_em(date="20250930")),
            ("stock_profit_forecast_em (5 rows, 1 page)", ak.stock_profit_forecast_em),
            ("stock_individual_info_em 300308",
             lambda: ak.stock_individual_info_em(symbol="300308")),
            ("stock_zh_a_hist 300308 since listing", lambda: ak.stock_zh_a_hist(symbol="300308")),
            ("stock_zh_a_hist 300308 qfq, last 250 days",
             lambda: ak.stock_zh_a_hist(symbol="300308", start_date="20250214", adjust="qfq")),
            ("stock_board_concept_name_em (9 boards, 1 page)", ak.stock_board_concept_name_em),
            ("stock_board_concept_cons_em BK1128 (2 members)",
             lambda: ak.stock_board_concept_cons_em(symbol="BK1128")),
        ):
            print(timed(fake, label, call), flush=True)
    _forget()
    with FakeEastMoney(big, latency=latency) as fake, fake.intercept():
        for label, call in (
            ("stock_yjbb_em 20250930 (whole market, 500/page)",
             lambda: ak.stock_yjbb_em(date="20250930")),
            ("stock_profit_forecast_em (whole market, 500/page)", ak.stock_profit_forecast_em),
            ("stock_board_concept_name_em (449 boards, 100/page)", ak.stock_board_concept_name_em),
            ("stock_board_concept_cons_em BK1134 (253 members)",
             lambda: ak.stock_board_concept_cons_em(symbol="BK1134")),
        ):
            print(timed(fake, label, call), flush=True)
    return 0


def _forget() -> None:
    from .testing import forget_akshare_caches

    forget_akshare_caches()


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
