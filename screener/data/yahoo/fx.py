"""FX rates from Yahoo's `XXX=X` pairs (v7 quote, else chart), once per currency, for all threads.

A missing rate is None, never an error: without it a figure is left out (no USD
market cap, no converted P/B), the company is still fetched.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from screener.data.provider import YAHOO_SOURCE, FxRate
from screener.data.validate import fx_rate_problem
from screener.data.yahoo.chart import bars_from_chart
from screener.data.yahoo.currency import minor_unit, scaled
from screener.data.yahoo.fields import exchange_timezone, local_date
from screener.utils import finite_float, is_currency_code


def _checked(rate: FxRate) -> FxRate | None:
    # A rate of 0, below 0 or absurdly large is no rate: the companies in that currency
    # lose their USD figures, never their fetch.
    return rate if fx_rate_problem(rate) is None else None


def fx_from_quote(currency: str, row: Mapping[str, Any]) -> FxRate | None:
    """`CUR=X`'s v7 quote as a rate (units of CUR per USD, dated by its quote time)."""
    price = finite_float(row.get("regularMarketPrice"))
    day = local_date(row.get("regularMarketTime"), exchange_timezone(row))
    if price is None or not day:
        return None
    return _checked(FxRate(currency, day, price, YAHOO_SOURCE, note=f"{currency}=X"))


def fx_from_chart(currency: str, result: Mapping[str, Any]) -> FxRate | None:
    """The last daily close of `CUR=X`'s chart, or None when it has none."""
    bars = bars_from_chart(result)
    if not bars:
        return None
    rate = FxRate(currency, bars[-1].date, bars[-1].close, YAHOO_SOURCE, note=f"{currency}=X")
    return _checked(rate)


class FxCache:
    """Rates by currency, each major currency fetched at most once (threads wait for it).

    `fetch` gets a major currency's rate (see `fx_from_quote`); minor units (GBp) are
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

    def missing(self, currencies: Iterable[str]) -> set[str]:
        """The major currencies of `currencies` whose rate has not been fetched yet."""
        with self._lock:
            return {minor_unit(c)[0] for c in currencies} - set(self._rates)

    def rates(self) -> list[FxRate]:
        """Every rate served so far (minor units included): what the figures were made with."""
        with self._lock:
            return [r for r in self._rates.values() if r is not None] + list(self._minor.values())
