"""The provider protocol: where company data comes from, in one shape for every source.

A provider turns one ticker into a `FetchBundle`; the store saves a bundle in one
transaction. Keeping every source (the bundled sample, Yahoo) behind this shape
means the frame, the rules and the report never know which one they are reading.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

SAMPLE_SOURCE = "sample"
YAHOO_SOURCE = "yahoo"

#: the kinds of data a fetch can ask for (each has its own staleness rule)
KIND_PRICES = "prices"
KIND_FUNDAMENTALS = "fundamentals"
KIND_HISTORY = "history"
KIND_PROFILE = "profile"
ALL_KINDS: frozenset[str] = frozenset({KIND_PRICES, KIND_FUNDAMENTALS, KIND_HISTORY, KIND_PROFILE})

#: exception type names (requests, urllib3, curl_cffi, the stdlib) that mean the
#: network failed, not that Yahoo answered badly: worth a retry
TRANSIENT_ERROR_NAMES: frozenset[str] = frozenset(
    {
        "Timeout",
        "ReadTimeout",
        "ConnectTimeout",
        "ConnectionError",
        "TimeoutError",
        "ChunkedEncodingError",
        "RemoteDisconnected",
        "ProtocolError",
        "RateLimitedError",
    }
)


@dataclass(frozen=True, slots=True)
class HistoryPoint:
    """One point of a company's own multiple history (e.g. P/E at a fiscal year end)."""

    metric: str  # catalogue name: pe_ttm, pe_fwd, ps_ttm, pb, ev_ebitda
    date: str  # ISO date or year-month of the period end
    value: float


@dataclass(frozen=True, slots=True)
class PriceBar:
    """One daily bar, in the listing currency."""

    date: str
    open: float | None
    high: float | None
    low: float | None
    close: float
    volume: float | None = None


@dataclass(frozen=True, slots=True)
class FetchBundle:
    """Everything one fetch learnt about one company, saved atomically by the store.

    `metrics` holds catalogue numbers (fractions as fractions, NaN never stored:
    a missing figure is simply absent). `currency` is the listing currency of price
    and market values; `financial_currency` that of the statements, which differs
    for many Asian listings, so money figures from the two are never divided.
    """

    ticker: str
    source: str
    as_of: str  # ISO date the figures describe
    fetched_at: str  # ISO timestamp of the fetch
    currency: str | None
    financial_currency: str | None = None
    metrics: Mapping[str, float] = field(default_factory=dict)
    source_url: str | None = None
    notes: str | None = None
    profile: Mapping[str, Any] = field(default_factory=dict)
    prices: tuple[PriceBar, ...] = ()
    history: tuple[HistoryPoint, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class FxRate:
    """Units of `currency` one US dollar buys on `date`, with where the figure came from."""

    currency: str
    date: str
    units_per_usd: float
    source: str
    note: str = ""


class Provider(Protocol):
    """A source of company data."""

    name: str

    def fetch(self, tickers: Iterable[str]) -> Iterable[FetchBundle]:
        """Yield one bundle per ticker that the source knows."""
        ...

    def fx_rates(self) -> Iterable[FxRate]:
        """The FX rates this source uses to put money figures in USD."""
        ...
