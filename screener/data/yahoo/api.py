"""Yahoo's four data endpoints, asked through yfinance's session and crumb handshake.

`YahooApi` builds the same URLs and parameters yfinance 1.7 does and sends them with
its `YfData` (cookie, crumb, consent page, cookie-strategy fallback), but combines
what yfinance asks for separately: one quoteSummary with every module, one timeseries
with every type, v7 quotes for up to `QUOTE_BATCH` symbols a request. Answers come
back as parsed JSON; an HTTP failure becomes a protocol error here (429 and 5xx are
raised earlier, by `session.MeteredSession`, so the gate can retry them).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from screener.data.provider import BadResponseError, NotFoundError

QUERY1 = "https://query1.finance.yahoo.com"
QUERY2 = "https://query2.finance.yahoo.com"
#: symbols per v7 quote request (Yahoo answers up to about 1 500; 50 keeps URLs short)
QUOTE_BATCH = 50
#: what yfinance sends for a daily chart
CHART_PARAMS = {"interval": "1d", "includePrePost": False, "events": "div,splits,capitalGains"}


def _locale() -> dict[str, str]:
    from yfinance.config import YfConfig

    return {"lang": YfConfig.locale.lang, "region": YfConfig.locale.region}


def _epoch(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


def _period1(start: date, zone: str | None) -> int:
    """Midnight of `start` in the exchange's zone; the UTC midnight before it without one."""
    if zone:
        try:
            tz = ZoneInfo(zone)
        except (KeyError, ValueError):
            tz = None
        if tz is not None:
            return int(datetime(start.year, start.month, start.day, tzinfo=tz).timestamp())
    return _epoch(start - timedelta(days=1))


class YahooApi:
    """The requests, one method per endpoint; `data` is yfinance's `YfData` singleton."""

    def __init__(self, data: Any) -> None:
        self._data = data

    def _get(self, url: str, params: dict[str, Any], what: str, *, json_errors: bool) -> Any:
        """GET through yfinance's handshake; the parsed JSON, or the error it amounts to.

        `json_errors`: the endpoint reports errors in a JSON body (chart, timeseries),
        which the caller reads; otherwise a 4xx is an error here.
        """
        response = self._data.get(url, params=params)
        status = getattr(response, "status_code", 200)
        if status >= 400 and not json_errors:
            if status == 404:
                raise NotFoundError(f"{what}: not found on Yahoo (HTTP 404)")
            raise BadResponseError(f"{what}: HTTP {status} from Yahoo")
        try:
            return json.loads(response.content)
        except (ValueError, UnicodeDecodeError) as exc:
            if status == 404:
                raise NotFoundError(f"{what}: not found on Yahoo (HTTP 404)") from exc
            raise BadResponseError(f"{what}: malformed JSON from Yahoo ({exc})") from exc

    def quote_summary(self, symbol: str, modules: Sequence[str]) -> dict[str, Any]:
        """`quoteSummary.result[0]` for every module of `modules` Yahoo has (one request)."""
        params = {
            "modules": ",".join(modules),
            "corsDomain": "finance.yahoo.com",
            "formatted": "false",
            "symbol": symbol,
            **_locale(),
        }
        url = f"{QUERY2}/v10/finance/quoteSummary/{symbol}"
        body = self._get(url, params, "quote", json_errors=False)
        try:
            results = body["quoteSummary"]["result"]
        except (KeyError, TypeError) as exc:
            raise BadResponseError("quote: Yahoo's answer has no quoteSummary") from exc
        if not results:
            return {}
        first = results[0]
        if not isinstance(first, dict):
            raise BadResponseError("quote: Yahoo's quoteSummary result is not an object")
        return first

    def quotes(self, symbols: Iterable[str]) -> dict[str, dict[str, Any]]:
        """v7 quote rows by symbol for up to `QUOTE_BATCH` symbols (one request).

        A symbol Yahoo does not know is simply absent from the answer.
        """
        wanted = list(symbols)
        params = {"symbols": ",".join(wanted), "formatted": "false", **_locale()}
        body = self._get(f"{QUERY1}/v7/finance/quote?", params, "v7 quote", json_errors=False)
        try:
            rows = body["quoteResponse"]["result"] or []
        except (KeyError, TypeError) as exc:
            raise BadResponseError("v7 quote: Yahoo's answer has no quoteResponse") from exc
        return {
            r["symbol"]: r for r in rows if isinstance(r, dict) and isinstance(r.get("symbol"), str)
        }

    def timeseries(self, symbol: str, types: Sequence[str], since: date) -> Any:
        """The fundamentals-timeseries answer for `types` from `since` to today (one request)."""
        tomorrow = datetime.now(UTC).date() + timedelta(days=1)
        params = {
            "symbol": symbol,
            "type": ",".join(types),
            "period1": _epoch(since),
            "period2": _epoch(tomorrow),
        }
        url = f"{QUERY2}/ws/fundamentals-timeseries/v1/finance/timeseries/{symbol}"
        return self._get(url, params, "valuation history", json_errors=True)

    def chart(
        self,
        symbol: str,
        *,
        period: str = "1y",
        start: date | None = None,
        zone: str | None = None,
    ) -> Any:
        """Daily bars: `range=period`, or from `start` to now (one request).

        `start` begins at midnight in the exchange's `zone`, as yfinance asks; without a
        zone at midnight UTC the day before, so that no exchange's first session of
        `start` is cut off whatever its offset (the caller drops bars before `start`).
        """
        params: dict[str, Any] = dict(CHART_PARAMS)
        if start is None:
            params = {"range": period, **params}
        else:
            now = int(datetime.now(UTC).timestamp())
            params = {"period1": _period1(start, zone), "period2": now, **params}
        return self._get(f"{QUERY2}/v8/finance/chart/{symbol}", params, "prices", json_errors=True)
