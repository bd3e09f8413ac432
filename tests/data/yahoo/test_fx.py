"""FX rates: each major currency fetched once, even by many threads; minor units served scaled."""

from __future__ import annotations

import threading
import time

from screener.data.provider import FxRate
from screener.data.yahoo.fx import FxCache


def test_each_currency_is_fetched_once_and_minor_units_are_kept() -> None:
    asked: list[str] = []

    def fetch(currency: str) -> FxRate | None:
        asked.append(currency)
        time.sleep(0.01)
        return None if currency == "JPY" else FxRate(currency, "2026-02-13", 0.8, "yahoo")

    cache = FxCache(fetch)
    threads = [threading.Thread(target=cache.rate, args=("GBP",)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    pence = cache.rate("GBp")
    assert pence is not None and pence.units_per_usd == 80.0
    assert cache.rate("JPY") is None and cache.rate("JPY") is None
    assert cache.rate("USD").units_per_usd == 1.0  # type: ignore[union-attr]
    assert asked == ["GBP", "JPY"]
    assert {r.currency for r in cache.rates()} == {"GBP", "GBp"}
