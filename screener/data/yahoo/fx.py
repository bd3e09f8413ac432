"""FX rates from Yahoo's `XXX=X` pairs, fetched once per currency and shared by all threads.

A missing rate is None, never an error: without it a figure is left out (no USD
market cap, no converted P/B), the company is still fetched.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from screener.data.provider import YAHOO_SOURCE, FxRate
from screener.data.validate import fx_rate_problem
from screener.data.yahoo.currency import minor_unit, scaled
from screener.data.yahoo.prices import bars_from_frame
from screener.utils import is_currency_code


def fetch_fx_rate(ticker: Callable[[str], Any], currency: str) -> FxRate | None:
    """The last daily close of `CUR=X` (units of CUR per USD), or None when Yahoo has none."""
    symbol = f"{currency}=X"
    try:
        frame = ticker(symbol).history(period="5d", interval="1d", actions=False)
    except Exception:  # no rate means no USD figure, never a failed company
        return None
    bars = bars_from_frame(frame)
    if not bars:
        return None
    rate = FxRate(currency, bars[-1].date, bars[-1].close, YAHOO_SOURCE, note=symbol)
    # A close of 0, below 0 or absurdly large is no rate: the companies in that currency
    # lose their USD figures, never their fetch.
    return rate if fx_rate_problem(rate) is None else None


class FxCache:
    """Rates by currency, each major currency fetched at most once (threads wait for it).

    `fetch` gets a major currency's rate (see `fetch_fx_rate`); minor units (GBp) are
    served from their major's rate, scaled.
    """

    def __init__(self, fetch: Callable[[str], FxRate | None]) -> None:
        self._fetch = fetch
        self._lock = threading.Lock()
        self._rates: dict[str, FxRate | None] = {}  # major currency -> rate (None: Yahoo had none)
        self._minor: dict[str, FxRate] = {}  # minor-unit currency -> the scaled rate served
        self._fetching: dict[str, threading.Lock] = {}

    def rate(self, currency: str) -> FxRate | None:
        """Units of `currency` per USD (USD itself is 1), or None when there is no rate."""
        if currency == "USD":
            return FxRate("USD", datetime.now(UTC).date().isoformat(), 1.0, YAHOO_SOURCE)
        if not is_currency_code(currency):  # 10**30, ["USD"], "<script>": no rate, no request
            return None
        major, factor = minor_unit(currency)
        with self._lock:
            known = major in self._rates
            lock = self._fetching.setdefault(major, threading.Lock())
        if not known:
            with lock:
                with self._lock:
                    known = major in self._rates
                if not known:
                    rate = self._fetch(major)
                    with self._lock:
                        self._rates[major] = rate
        with self._lock:
            served = scaled(self._rates[major], currency, factor)
            if served is not None and factor != 1.0:
                self._minor[currency] = served
        return served

    def rates(self) -> list[FxRate]:
        """Every rate served so far (minor units included): what the figures were made with."""
        with self._lock:
            return [r for r in self._rates.values() if r is not None] + list(self._minor.values())
