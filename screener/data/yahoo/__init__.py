"""Company data from Yahoo Finance through yfinance: the only package that imports it.

One module per job: `api` (the endpoints, through yfinance's session and crumb),
`quotes` (v7 quotes and FX pairs batched across a run), `summary` (`Ticker.info` and
the EPS trend from one quoteSummary), `chart` (daily bars from the chart JSON),
`timeseries` (the multiple history and trailing PEG from one call), `fields` (Yahoo
field names and units -> catalogue metrics), `prices` (the metrics daily bars give),
`errors` (yfinance's exceptions -> the protocol's errors), `currency` (minor units;
each mixed-currency figure proven),
`history_currency` (the multiple history on the snapshot's currency basis),
`vintages` (the period or date each figure describes), `session`
(request counting and the gate hook), `fx` (FX rates, fetched once), `equity_screen`
(the paged screener behind `universe discover`), `probe` (is Yahoo reachable) and
`provider` (`YahooProvider`, tying them together).

The CLI and the tests import from here: `from screener.data.yahoo import YahooProvider`.
"""

from __future__ import annotations

from screener.data.provider import (
    BadResponseError,
    FetchError,
    NotFoundError,
    ThrottledError,
    TransientError,
)
from screener.data.yahoo.currency import prove_currencies
from screener.data.yahoo.equity_screen import (
    SCREEN_MAX_OFFSET,
    SCREEN_PAGE_SIZE,
    EquityScan,
    screener_industries,
    screener_regions,
)
from screener.data.yahoo.errors import classify_error
from screener.data.yahoo.fields import (
    dividend_yield_fraction,
    eps_revision_30d,
    history_points,
    metrics_from_info,
)
from screener.data.yahoo.prices import bars_from_frame, price_metrics
from screener.data.yahoo.probe import OFFLINE_ENV_VAR, yahoo_reachable
from screener.data.yahoo.provider import YahooProvider

__all__ = [
    "OFFLINE_ENV_VAR",
    "SCREEN_MAX_OFFSET",
    "SCREEN_PAGE_SIZE",
    "BadResponseError",
    "EquityScan",
    "FetchError",
    "NotFoundError",
    "ThrottledError",
    "TransientError",
    "YahooProvider",
    "bars_from_frame",
    "classify_error",
    "dividend_yield_fraction",
    "eps_revision_30d",
    "history_points",
    "metrics_from_info",
    "price_metrics",
    "prove_currencies",
    "screener_industries",
    "screener_regions",
    "yahoo_reachable",
]
