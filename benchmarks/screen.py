"""Benchmark: an offline screen of a whole market (5,000 names) in each output format.

    .venv/bin/python benchmarks/screen.py [--companies 5000] [--formats table,json,csv]

Builds (once, then cached in the temp folder) a synthetic store of N companies, half
A-shares and half US listings over the four core sectors: a snapshot of every figure a
live refresh stores (with vintages), a year of daily bars and 40 quarters of 7
multiples each, saved through the store as a provider's bundles are, plus a universe
file that adds the companies. Then times `screener screen --source store --offline`
end to end in a fresh process per output format (what a user waits for: imports,
store, frame, rules, output) and prints wall time and the child's peak memory (max
RSS), against the targets: under 2 s and 400 MB each. `--extra "--limit 0"` passes
more options to every screen. The checkout's bytecode is compiled first, as pip does
for an installed package.
"""

from __future__ import annotations

import argparse
import compileall
import os
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout

from screener.data.provider import (  # noqa: E402
    FetchBundle,
    FxRate,
    HistoryPoint,
    PriceBar,
    Vintage,
)
from screener.data.store import Store  # noqa: E402
from screener.universe import load_universe  # noqa: E402
from screener.universe.taxonomy import CORE_SECTORS, sub_segments_of  # noqa: E402

TARGET_SECONDS = 2.0
TARGET_MB = 400.0
SOURCE = "yahoo"
AS_OF = "2026-11-27"
STORE_VERSION = "4"  # bump when the synthetic data or the schema changes: a new cache is built
#: the multiples kept per quarter, as ratios of a company's trailing P/E
MULTIPLES: dict[str, float] = {
    "pe_ttm": 1.0,
    "pe_fwd": 0.85,
    "ps_ttm": 0.2,
    "pb": 0.15,
    "ev_ebitda": 0.6,
    "ev_revenue": 0.18,
    "peg": 0.05,
}


def tickers(n: int) -> list[tuple[str, str]]:
    """N (ticker, market) pairs none of which the shipped universe holds."""
    shipped = {c.ticker for c in load_universe(None)}
    out: list[tuple[str, str]] = []
    code = 0
    while len(out) < n:
        if len(out) % 2 == 0:
            ticker, market = f"{300000 + code // 2:06d}.SZ", "CN"
        else:
            a, b, c = (code // 2) // 676 % 26, (code // 2) // 26 % 26, (code // 2) % 26
            ticker, market = "X" + "".join(chr(65 + x) for x in (a, b, c)), "US"
        code += 1
        if ticker not in shipped:
            out.append((ticker, market))
    return out


def universe_csv(names: list[tuple[str, str]]) -> str:
    """The universe file that adds the synthetic companies, round-robin over the sectors
    (CSV: what a list of thousands is best written as)."""
    lines = ["action,ticker,name_en,name_zh,sector,sub_segment"]
    for i, (ticker, market) in enumerate(names):
        sector = CORE_SECTORS[i % len(CORE_SECTORS)]
        segment = sub_segments_of(sector)[0].id
        # An A-share has its Chinese name, as every real one does: the output is not ASCII.
        chinese = f"合成光电{ticker[:6]}" if market == "CN" else ""
        lines.append(f"add,{ticker},Synthetic {ticker},{chinese},{sector},{segment}")
    return "\n".join(lines) + "\n"


def bundle(ticker: str, market: str, rng: np.random.Generator, days: list[str]) -> FetchBundle:
    """One company's refresh as a live provider hands it to the store."""
    currency = "CNY" if market == "CN" else "USD"
    pe = float(np.exp(rng.normal(3.2, 0.5)))
    closes = 20.0 * np.exp(np.cumsum(rng.normal(0.0, 0.02, len(days))))
    price = float(closes[-1])
    metrics = {
        "price": price,
        "market_cap": price * float(rng.uniform(1e8, 1e10)),
        "enterprise_value": price * float(rng.uniform(1e8, 1e10)),
        "pe_ttm": pe,
        "pe_fwd": pe * float(rng.uniform(0.5, 1.1)),
        "peg": float(rng.uniform(0.3, 3.0)),
        "ps_ttm": pe * 0.2,
        "pb": pe * 0.15,
        "ev_ebitda": pe * 0.6,
        "ev_revenue": pe * 0.18,
        "revenue_ttm": float(rng.uniform(1e8, 1e11)),
        "revenue_growth": float(rng.uniform(-0.2, 0.8)),
        "earnings_growth": float(rng.uniform(-0.3, 1.0)),
        "gross_margin": float(rng.uniform(0.1, 0.7)),
        "net_margin": float(rng.uniform(-0.1, 0.4)),
        "roe": float(rng.uniform(-0.1, 0.4)),
        "debt_to_equity": float(rng.uniform(0.0, 2.5)),
        "eps_revision_30d": float(rng.normal(0.0, 0.03)),
    }
    quote = Vintage(AS_OF, "quote", f"quote of {AS_OF}")
    statement = Vintage("2026-09-30", "statement", "TTM to 2026-09")
    estimate = Vintage(AS_OF, "estimate", f"estimate of {AS_OF}")
    vintages = {name: quote for name in metrics}
    for name in ("revenue_ttm", "revenue_growth", "earnings_growth", "gross_margin"):
        vintages[name] = statement
    for name in ("pe_fwd", "peg", "eps_revision_30d"):
        vintages[name] = estimate
    bars = tuple(
        PriceBar(day, c, c * 1.01, c * 0.99, c, 1e6, c)
        for day, c in zip(days, closes.tolist(), strict=True)
    )
    quarters = pd.date_range(end=AS_OF, periods=40, freq="QE")
    wiggle = np.exp(rng.normal(0.0, 0.3, len(quarters)))
    history = tuple(
        HistoryPoint(metric, q.date().isoformat(), pe * ratio * float(w))
        for metric, ratio in MULTIPLES.items()
        for q, w in zip(quarters, wiggle, strict=True)
    )
    return FetchBundle(
        ticker=ticker,
        source=SOURCE,
        as_of=AS_OF,
        fetched_at=f"{AS_OF}T21:00:00+00:00",
        currency=currency,
        financial_currency=currency,
        metrics=metrics,
        source_url=f"https://finance.yahoo.com/quote/{ticker}",
        prices=bars,
        history=history,
        vintages=vintages,
    )


def build(folder: Path, n: int) -> tuple[Path, Path]:
    """The cached store and universe file for N companies; built when missing."""
    db, universe = folder / "store.db", folder / "universe.csv"
    done = folder / "complete"
    if done.exists():
        if not universe.exists():
            universe.write_text(universe_csv(tickers(n)), encoding="utf-8")
        return db, universe
    folder.mkdir(parents=True, exist_ok=True)
    db.unlink(missing_ok=True)
    started = time.perf_counter()
    names = tickers(n)
    universe.write_text(universe_csv(names), encoding="utf-8")
    rng = np.random.default_rng(13)
    days = [d.date().isoformat() for d in pd.bdate_range(end=AS_OF, periods=252)]
    with Store(db) as store, store.transaction():
        store.save_fx_rates([FxRate("CNY", AS_OF, 7.1, "synthetic", "")])
        for i, (ticker, market) in enumerate(names):
            store.save_bundle(bundle(ticker, market, rng, days))
            if (i + 1) % 1000 == 0:
                print(f"  built {i + 1} of {n} companies", file=sys.stderr)
    done.write_text("ok", encoding="utf-8")
    size = db.stat().st_size / 1e6
    print(f"built {n} companies in {time.perf_counter() - started:.0f} s ({size:.0f} MB)")
    return db, universe


def screen(
    db: Path, universe: Path, fmt: str, extra: list[str]
) -> tuple[float, float, float, int]:
    """Wall seconds, CPU seconds, peak MB and output bytes of one offline screen in a
    fresh process (CPU time is what a busy shared machine distorts least).

    The peak is that child's own (`os.wait4`), not the largest of all children so far.
    """
    args = [sys.executable, "-m", "screener", "--db", str(db), "screen", "--source", "store"]
    args += ["--offline", "--universe", str(universe), "--format", fmt, *extra]
    env = {**os.environ, "SCREENER_OFFLINE": "1", "COLUMNS": "160"}
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        child = subprocess.Popen(args, stdout=out, stderr=err, env=env, cwd=ROOT)
        _pid, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode != 0:
            err.seek(0)
            raise SystemExit(f"screen --format {fmt} failed: {err.read().decode()[-2000:]}")
        size = out.tell()
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--companies", type=int, default=5000)
    parser.add_argument("--formats", default="table,json,csv")
    parser.add_argument("--extra", default="", help="more `screen` options, as one string")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()))
    args = parser.parse_args()
    folder = args.cache / f"screener-bench-screen-{args.companies}-v{STORE_VERSION}"
    db, universe = build(folder, args.companies)
    # pip compiles an installed package's bytecode; a checkout compiles on first import,
    # which the first timed screen would pay for (0.3 s) and no user's second run does.
    compileall.compile_dir(ROOT / "screener", quiet=1)
    print(f"store: {db} ({db.stat().st_size / 1e6:.0f} MB), {args.companies} companies")
    print(f"targets: under {TARGET_SECONDS:.0f} s and {TARGET_MB:.0f} MB per format")
    failed = False
    for fmt in args.formats.split(","):
        wall, cpu, mb, size = screen(db, universe, fmt, shlex.split(args.extra))
        ok = wall < TARGET_SECONDS and mb < TARGET_MB
        failed |= not ok
        print(
            f"  {fmt:<5} {wall:6.2f} s wall  {cpu:6.2f} s CPU  {mb:5.0f} MB peak"
            f"  {size / 1e6:6.2f} MB out"
            f"  {'ok' if ok else 'OVER TARGET'}"
        )
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
