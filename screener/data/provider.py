"""The provider protocol: where company data comes from, in one shape for every source.

A provider turns one ticker into a `FetchBundle`; the store saves a bundle in one
transaction. Keeping every source (the bundled sample, Yahoo) behind this shape
means the frame, the rules and the report never know which one they are reading.

`Provider` declares everything the refresh uses (per-ticker fetch by kind, request
counts, the gate it attaches, FX rates, errors), so a second source is one new
module that satisfies it, and nothing else.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any, Literal, Protocol, TypeVar, runtime_checkable

from screener.errors import DataError

SAMPLE_SOURCE = "sample"
YAHOO_SOURCE = "yahoo"
#: East Money, read through akshare (A-shares): `screener.data.akshare`
EASTMONEY_SOURCE = "eastmoney"
#: every source whose snapshots are live market data (not the bundled sample)
LIVE_SOURCES: tuple[str, ...] = (YAHOO_SOURCE, EASTMONEY_SOURCE)

#: years of daily bars a full price fetch asks for (config.toml `[refresh] price_years`,
#: `refresh --price-years`): enough for `screener backtest` to replay 8 years of monthly
#: rebalances with a 12-month horizon, and for long own-history ranks, at about 2,500
#: bars (about 280 KB of store) per company
DEFAULT_PRICE_YEARS = 10


def years_before(day: date, years: int) -> date:
    """The same calendar day `years` earlier (28 February for a 29th that did not exist)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


class DataKind(StrEnum):
    """The kinds of data a fetch can ask for; each has its own staleness rule.

    Members are strings, so they read and store as their plain value ("prices").
    """

    PRICES = "prices"
    FUNDAMENTALS = "fundamentals"
    HISTORY = "history"  # the company's own multiple history, not the price history
    PROFILE = "profile"


ALL_KINDS: frozenset[DataKind] = frozenset(DataKind)


# -- what a fetch produces ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HistoryPoint:
    """One point of a company's own multiple history (e.g. P/E at a fiscal year end)."""

    metric: str  # catalogue name: pe_ttm, pe_fwd, ps_ttm, pb, ev_ebitda
    date: str  # ISO date or year-month of the period end
    value: float


@dataclass(frozen=True, slots=True)
class PriceBar:
    """One daily bar, in the listing currency.

    `close` (and open, high, low) are as traded, adjusted for splits only: price returns,
    moving averages and highs read them. `adj_close` also takes dividends out (Yahoo's
    adjusted close), for total returns; None when the source has none.
    """

    date: str
    open: float | None
    high: float | None
    low: float | None
    close: float
    volume: float | None = None
    adj_close: float | None = None


#: `FetchBundle.extra` keys through which a fetch reports kinds it asked for but did
#: not get: "empty" lists kinds the source answered with nothing, "failed" maps a kind
#: to why it failed while the rest of the bundle came through
EXTRA_EMPTY = "empty"
EXTRA_FAILED = "failed"


#: what a figure's vintage date is: the quote it was read with, the end of the statement
#: period it comes from, or the date of the estimate it is built on
VintageBasis = Literal["quote", "statement", "estimate"]


@dataclass(frozen=True, slots=True)
class Vintage:
    """The period or date one figure describes, so old figures never pass as current.

    `date` is an ISO date: the quote date for price-based figures, the statement
    period end for TTM/annual figures (e.g. 2024-09-30 for "TTM to 2024-09"), the
    date of the consensus for estimates. `label` is how a person reads it.
    """

    date: str
    basis: VintageBasis
    label: str = ""


VINTAGE_BASES: tuple[str, ...] = ("quote", "statement", "estimate")


def encode_vintages(vintages: Mapping[str, Vintage], keep: Iterable[str]) -> str | None:
    """Vintages as the store keeps them (compact JSON, metric -> {date, basis, label}), for
    the metrics in `keep` only (a vintage of a figure not stored says nothing)."""
    import json

    wanted = set(keep)
    kept = {
        name: {"date": v.date, "basis": v.basis, "label": v.label}
        for name, v in sorted(vintages.items())
        if name in wanted
    }
    return json.dumps(kept, ensure_ascii=False, separators=(",", ":")) if kept else None


def decode_vintages(text: Any) -> dict[str, Vintage]:
    """The stored form back to metric -> Vintage; anything malformed is left out."""
    import json

    if not isinstance(text, str) or not text:
        return {}
    try:
        raw = json.loads(text)
    except ValueError:
        return {}
    if not isinstance(raw, dict):
        return {}
    out: dict[str, Vintage] = {}
    for name, item in raw.items():
        if not isinstance(item, dict) or not isinstance(item.get("date"), str):
            continue
        basis = item.get("basis")
        label = item.get("label")
        out[str(name)] = Vintage(
            date=item["date"],
            # an unknown basis gets the strictest limit, the quote's
            basis=basis if basis in VINTAGE_BASES else "quote",
            label=label if isinstance(label, str) else "",
        )
    return out


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
    as_of: str  # ISO date the figures describe; "" when the source did not say (never today)
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
    #: metric -> the period or date it describes; a metric absent here is of `as_of`
    vintages: Mapping[str, Vintage] = field(default_factory=dict)

    @property
    def empty_kinds(self) -> frozenset[DataKind]:
        """Kinds the source answered with nothing (believed for a while, then asked again)."""
        return frozenset(DataKind(kind) for kind in self.extra.get(EXTRA_EMPTY, ()))

    @property
    def failed_kinds(self) -> dict[DataKind, str]:
        """Kinds that failed while the rest came through -> why (asked again next run)."""
        return {DataKind(k): str(why) for k, why in self.extra.get(EXTRA_FAILED, {}).items()}


@dataclass(frozen=True, slots=True)
class FxRate:
    """Units of `currency` one US dollar buys on `date`, with where the figure came from."""

    currency: str
    date: str
    units_per_usd: float
    source: str
    note: str = ""


# -- what a fetch raises ----------------------------------------------------------------------


class FetchError(DataError):
    """A ticker could not be fetched; `transient` says whether trying later may help."""

    transient: bool = False


class NotFoundError(FetchError):
    """The source does not know the symbol (404, or an empty answer where a quote should be).

    `sources` names the sources that were asked (a chain asks several); empty: the one
    provider that raised it.
    """

    sources: tuple[str, ...] = ()


class BadResponseError(FetchError):
    """The source answered, but with something unusable: malformed JSON, an empty frame."""


class TransientError(FetchError):
    """A server error or a timeout: worth another try, after `retry_after` seconds if known."""

    transient = True

    def __init__(self, message: str = "", retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ThrottledError(TransientError):
    """The source asks us to slow down (HTTP 429): every request backs off, not just this one."""


#: exception type names (requests, urllib3, curl_cffi, the stdlib) that mean the
#: network failed, not that the source answered badly: worth a retry
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
    }
)


def is_transient(exc: BaseException) -> bool:
    """May trying again help? The one place that decides, for the gate and for providers.

    Our own errors say so themselves; an HTTP library's are judged by type: a network
    failure (by name, since requests, urllib3 and curl_cffi each define their own) or
    any OS-level error.
    """
    if isinstance(exc, FetchError):
        return exc.transient
    return type(exc).__name__ in TRANSIENT_ERROR_NAMES or isinstance(exc, OSError)


# -- the protocol -------------------------------------------------------------------------------

R = TypeVar("R")


class RequestGate(Protocol):
    """Where every HTTP request passes: concurrency limit, retries, backoff (see refresh).

    `send` performs one request and returns its response, or raises: `ThrottledError`
    or `TransientError` (with `retry_after` when the source said how long to wait) for
    answers worth retrying, anything else for answers that are not.
    """

    def call(self, send: Callable[[], R]) -> R:
        """Run `send` under the gate's rules and return its response, or raise its last error."""
        ...


@runtime_checkable
class Provider(Protocol):
    """A source of company data: everything a refresh (or a sample load) asks of one.

    `fetch_one` raises `NotFoundError` for a symbol the source does not know and other
    `FetchError`s for failures (`transient` ones are tried again); it reports kinds it
    could not get through `FetchBundle.empty_kinds` / `failed_kinds`. A refresh sets
    `gate` for its duration, so every request the provider makes passes it, and reads
    the request counts to log requests per ticker.

    `price_start` is the first date of daily bars wanted: the refresh asks only for bars
    from a few days before the last one it stores; None means the full default depth
    (`DEFAULT_PRICE_YEARS`). A source that cannot start later may send more.
    """

    name: str
    gate: RequestGate | None

    def fetch_one(
        self,
        ticker: str,
        kinds: Iterable[DataKind] = ALL_KINDS,
        *,
        price_start: date | None = None,
    ) -> FetchBundle:
        """Fetch the requested kinds of data for one ticker, or raise a FetchError."""
        ...

    def fetch(self, tickers: Iterable[str]) -> Iterable[FetchBundle]:
        """Yield one bundle per ticker that the source knows (all kinds); skip the others."""
        ...

    def fx_rates(self) -> Iterable[FxRate]:
        """The FX rates this source uses to put money figures in USD."""
        ...

    @property
    def requests_made(self) -> int:
        """Requests made through this provider so far (retries included)."""
        ...

    def thread_requests(self) -> int:
        """Requests made by the calling thread so far (a refresh worker's running count)."""
        ...

    def sources_asked(self, ticker: str) -> tuple[str, ...]:
        """The sources a fetch of `ticker` asks, in order: who said "not found"."""
        ...


def fetch_known(
    fetch_one: Callable[[str], FetchBundle], tickers: Iterable[str]
) -> Iterator[FetchBundle]:
    """`Provider.fetch` for a network provider: one bundle per ticker the source knows,
    fetched one after another; a ticker it does not know is skipped, any other failure
    is raised."""
    for ticker in tickers:
        try:
            yield fetch_one(ticker)
        except NotFoundError:
            continue
