"""Run one refresh against the fake Yahoo in its own process (for kill and concurrency tests).

    python -m tests.fake_yahoo.run_refresh DB CACHE_DIR LATENCY TICKER...

Prints `ok TICKER` (flushed) after each company is committed, then `done`.
"""

from __future__ import annotations

import sys
from pathlib import Path

from screener.data.refresh import ProgressEvent, RefreshPolicy, refresh
from screener.data.store import Store
from screener.data.yahoo import YahooProvider

from .server import FakeYahoo


def main(argv: list[str]) -> int:
    db, cache, latency, *tickers = argv
    import yfinance as yf

    yf.set_tz_cache_location(cache)
    fake = FakeYahoo(latency=float(latency), synthesize=True)

    def progress(event: ProgressEvent) -> None:
        if event.stage == "ticker":
            print(f"{event.outcome} {event.ticker}", flush=True)

    store = Store(Path(db))
    summary = refresh(
        store,
        tickers,
        provider=YahooProvider(fake.session(), cache_dir=cache),
        progress=progress,
        policy=RefreshPolicy(max_concurrency=4, initial_concurrency=4),
    )
    store.close()
    print(
        f"done fetched={len(summary.fetched)} failed={len(summary.failed)}"
        f" fresh={len(summary.skipped_fresh)}",
        flush=True,
    )
    return 0 if not summary.failed else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
