"""A fake Yahoo Finance behind a `requests` transport adapter.

Mount it on a `requests.Session` and hand that session to yfinance: every URL
yfinance builds (cookie, crumb, quote, quoteSummary, chart, timeseries,
screener) is answered from fixture files, so yfinance's real parsing code runs
without a network. The handshake behaves like Yahoo's: fc.yahoo.com sets an A3
cookie (the response goes through requests' own cookie extraction), getcrumb
wants that cookie, data calls want the crumb. Latency, a per-IP token bucket
and faults (429 with or without Retry-After, 500, timeout, malformed or
truncated JSON, empty result) are injectable and counted, so tests and
benchmarks can assert on request counts.
"""

from __future__ import annotations

import http.client
import io
import json
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qs, unquote, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3 import HTTPResponse
from urllib3._collections import HTTPHeaderDict

from .builder import FIXTURES_DIR, build_all, synthetic_spec

FaultKind = Literal["429", "500", "503", "timeout", "malformed", "truncated", "empty", "404"]
DATA_ENDPOINTS = ("quote", "quoteSummary", "chart", "timeseries", "screener")
CRUMB = "fAkEcRuMb9x"
COOKIE_VALUE = "d=AQABBFakeYahooA3Cookie&S=AQAAAFake"


@dataclass
class Fault:
    """One injected misbehaviour; `times=None` keeps firing, otherwise it fires `times` times."""

    kind: FaultKind
    endpoint: str | None = None  # one of DATA_ENDPOINTS, None for any data endpoint
    symbol: str | None = None  # None for any symbol
    times: int | None = None
    retry_after: float | None = None  # seconds, sent as a Retry-After header with 429/503

    def matches(self, endpoint: str, symbol: str | None) -> bool:
        if self.times is not None and self.times <= 0:
            return False
        if self.endpoint is not None and self.endpoint != endpoint:
            return False
        return self.symbol is None or self.symbol == symbol


@dataclass
class RequestRecord:
    endpoint: str
    symbol: str | None
    status: int
    at: float
    params: dict[str, str] = field(default_factory=dict)  # the query string, last value wins


@dataclass
class ScreenerRequest:
    """What one screener request asked for (tests assert on the paging)."""

    scr_id: str | None  # predefined screen id, None for a custom (POSTed) query
    offset: int
    size: int | None
    query: Any
    sort_field: str | None
    sort_type: str | None


ScreenerQuotes = list[dict[str, Any]] | Callable[[dict[str, Any]], list[dict[str, Any]]]


@dataclass
class _Reply:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


class TokenBucket:
    """Yahoo's limit is per IP and per second-ish: `rate` tokens a second, burst `capacity`."""

    def __init__(self, rate: float, capacity: float | None = None) -> None:
        self.rate = rate
        self.capacity = capacity if capacity is not None else rate
        self.tokens = self.capacity
        self.stamp = time.monotonic()
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            now = time.monotonic()
            self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now
            if self.tokens >= 1:
                self.tokens -= 1
                return True
            return False


class FakeYahoo:
    """The fake server's state: fixtures, faults, counters. `session()` gives a wired session."""

    def __init__(
        self,
        fixtures: Path | None = FIXTURES_DIR,
        *,
        latency: float = 0.0,
        rate_limit: float | None = None,
        rate_limit_retry_after: float | None = None,
        synthesize: bool = False,
        timeout_delay: float = 0.0,
        extra: dict[tuple[str, str], Any] | None = None,
        screener_quotes: ScreenerQuotes | None = None,
    ) -> None:
        """`synthesize` answers unknown symbols with a made-up company (for benchmarks);
        otherwise an unknown symbol gets Yahoo's 404. `extra` adds bodies by (endpoint, symbol).
        `screener_quotes` is what the screener matches: a list of quote rows, or a function
        of the posted query (a dict) returning them; None serves every quote fixture."""
        self.fixtures = fixtures
        self.latency = latency
        self.bucket = TokenBucket(rate_limit) if rate_limit else None
        self.rate_limit_retry_after = rate_limit_retry_after
        self.synthesize = synthesize
        self.timeout_delay = timeout_delay
        self.faults: list[Fault] = []
        self.records: list[RequestRecord] = []
        self.counts: Counter[str] = Counter()
        self.cookies_issued = 0
        self.crumbs_issued = 0
        self._lock = threading.Lock()
        self._bodies: dict[tuple[str, str], Any] = dict(extra or {})
        self._encoded: dict[tuple[str, str], bytes] = {}
        self._replies: dict[tuple[str, ...], _Reply] = {}
        self.on_request: Callable[[RequestRecord], None] | None = None
        self.screener_quotes = screener_quotes
        self.screener_requests: list[ScreenerRequest] = []

    # -- public helpers -------------------------------------------------------------------
    def session(self) -> requests.Session:
        """A plain requests.Session whose every request lands here."""
        s = requests.Session()
        adapter = FakeYahooAdapter(self)
        s.mount("https://", adapter)
        s.mount("http://", adapter)
        return s

    def add_fault(self, fault: Fault) -> Fault:
        with self._lock:
            self.faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self._lock:
            self.faults.clear()

    def reset_counts(self) -> None:
        with self._lock:
            self.records.clear()
            self.counts.clear()

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def data_requests(self) -> int:
        return sum(self.counts[e] for e in DATA_ENDPOINTS)

    def set_body(self, endpoint: str, symbol: str, body: Any) -> None:
        with self._lock:
            self._bodies[(endpoint, symbol)] = body
            self._encoded.pop((endpoint, symbol), None)
            self._replies = {k: v for k, v in self._replies.items() if k[1] != symbol}

    # -- fixtures -------------------------------------------------------------------------
    def body(self, endpoint: str, symbol: str) -> Any | None:
        key = (endpoint, symbol)
        if key in self._bodies:
            return self._bodies[key]
        found = None
        if self.fixtures is not None:
            path = self.fixtures / endpoint / f"{symbol}.json"
            if path.exists():
                found = json.loads(path.read_text())
        if found is None and self.synthesize and not symbol.endswith("=X"):
            bodies = build_all(synthetic_spec(symbol))
            with self._lock:
                for ep, b in bodies.items():
                    self._bodies.setdefault((ep, symbol), b)
            return bodies.get(endpoint)
        with self._lock:
            self._bodies[key] = found
        return found

    # -- dispatch -------------------------------------------------------------------------
    def handle(self, request: requests.PreparedRequest) -> _Reply:
        url = urlsplit(request.url or "")
        host = url.hostname or ""
        path = unquote(url.path)
        params = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        endpoint, symbol = self._route(host, path, params)
        if self.latency:
            time.sleep(self.latency)
        reply = self._answer(endpoint, symbol, host, path, params, request)
        record = RequestRecord(endpoint, symbol, reply.status, time.monotonic(), params)
        with self._lock:
            self.counts[endpoint] += 1
            self.records.append(record)
        if self.on_request is not None:
            self.on_request(record)
        return reply

    @staticmethod
    def _route(host: str, path: str, params: dict[str, str]) -> tuple[str, str | None]:
        if host == "fc.yahoo.com":
            return "cookie", None
        if host.endswith("consent.yahoo.com") or host == "guce.yahoo.com":
            return "consent", None
        if path.endswith("/v1/test/getcrumb"):
            return "crumb", None
        if "/v7/finance/quote" in path:
            return "quote", params.get("symbols")
        if "/v10/finance/quoteSummary/" in path:
            return "quoteSummary", path.rsplit("/", 1)[-1]
        if "/v8/finance/chart/" in path:
            return "chart", path.rsplit("/", 1)[-1]
        if "/finance/timeseries/" in path:
            return "timeseries", path.rsplit("/", 1)[-1]
        if "/v1/finance/screener" in path:
            return "screener", params.get("scrIds")
        return "unknown", None

    def _answer(
        self,
        endpoint: str,
        symbol: str | None,
        host: str,
        path: str,
        params: dict[str, str],
        request: requests.PreparedRequest,
    ) -> _Reply:
        if endpoint == "unknown":
            raise requests.exceptions.ConnectionError(
                f"fake Yahoo: no route to {host}{path} (the network is off in tests)"
            )
        if endpoint == "cookie":
            with self._lock:
                self.cookies_issued += 1
            expires = formatdate(time.time() + 365 * 86400, usegmt=True)
            return _Reply(
                404,
                b"<html><body>Not Found</body></html>",
                {
                    "Content-Type": "text/html",
                    "Set-Cookie": f"A3={COOKIE_VALUE}; Expires={expires}; Max-Age=31557600; "
                    "Domain=.yahoo.com; Path=/; Secure; HttpOnly; SameSite=None",
                },
            )
        if endpoint == "consent":
            return _Reply(
                200,
                b"<html><body>No consent needed here.</body></html>",
                {"Content-Type": "text/html"},
            )
        if self.bucket is not None and not self.bucket.take():
            headers = {"Content-Type": "text/html"}
            if self.rate_limit_retry_after is not None:
                headers["Retry-After"] = f"{self.rate_limit_retry_after:g}"
            return _Reply(429, b"Too Many Requests\r\n", headers)
        if endpoint == "crumb":
            if f"A3={COOKIE_VALUE}" not in (request.headers.get("Cookie") or ""):
                return _Reply(
                    403,
                    b'{"finance":{"result":null,"error":{"code":"Unauthorized",'
                    b'"description":"Invalid Cookie"}}}',
                    {"Content-Type": "application/json"},
                )
            with self._lock:
                self.crumbs_issued += 1
            return _Reply(200, CRUMB.encode(), {"Content-Type": "text/plain"})

        fault = self._take_fault(endpoint, symbol)
        if fault is not None:
            return self._fault_reply(fault, endpoint)
        if endpoint in ("quote", "quoteSummary") and params.get("crumb") != CRUMB:
            return _Reply(
                401,
                b'{"finance":{"result":null,"error":{"code":"Unauthorized",'
                b'"description":"Invalid Crumb"}}}',
                {"Content-Type": "application/json"},
            )
        if endpoint == "quote":
            return self._quote(symbol or "")
        if endpoint == "quoteSummary":
            return self._quote_summary(symbol or "", params.get("modules", ""))
        if endpoint == "chart":
            return self._chart(symbol or "", params)
        if endpoint == "timeseries":
            return self._timeseries(symbol or "", params.get("type", ""))
        return self._screener(symbol, request, params)

    def _take_fault(self, endpoint: str, symbol: str | None) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.matches(endpoint, symbol):
                    if fault.times is not None:
                        fault.times -= 1
                    return fault
        return None

    def _fault_reply(self, fault: Fault, endpoint: str) -> _Reply:
        headers = {"Content-Type": "application/json"}
        if fault.kind in ("429", "503"):
            if fault.retry_after is not None:
                headers["Retry-After"] = f"{fault.retry_after:g}"
            body = b"Too Many Requests\r\n" if fault.kind == "429" else b"Service Unavailable"
            return _Reply(int(fault.kind), body, {**headers, "Content-Type": "text/html"})
        if fault.kind == "500":
            return _Reply(
                500,
                b'{"finance":{"result":null,"error":{"code":"internal-error",'
                b'"description":"Internal Server Error"}}}',
                headers,
            )
        if fault.kind == "404":
            return _Reply(404, _not_found(endpoint), headers)
        if fault.kind == "timeout":
            if self.timeout_delay:
                time.sleep(self.timeout_delay)
            raise requests.exceptions.ReadTimeout("fake Yahoo: read timed out")
        if fault.kind == "malformed":
            return _Reply(
                200,
                b'{"quoteSummary": {"result": [{"price": {"regularMarketPrice": 1.0,'
                b' "currency": USD}]',
                headers,
            )
        if fault.kind == "truncated":
            return _Reply(200, b'{"chart":{"result":[{"meta":{"currency":"CNY","symbol":"', headers)
        return _Reply(200, _empty(endpoint), headers)

    # -- endpoints ------------------------------------------------------------------------
    def _json(self, body: Any) -> _Reply:
        return _Reply(
            200,
            json.dumps(body, separators=(",", ":")).encode(),
            {"Content-Type": "application/json;charset=utf-8"},
        )

    def _quote(self, symbols: str) -> _Reply:
        return self._cached(("quote", symbols), lambda: self._quote_uncached(symbols))

    def _quote_uncached(self, symbols: str) -> _Reply:
        rows = []
        for sym in [s for s in symbols.split(",") if s]:
            body = self.body("quote", sym)
            if body:
                rows.extend(body["quoteResponse"]["result"])
        return self._json({"quoteResponse": {"result": rows, "error": None}})

    def prepare(self, symbols: list[str]) -> None:
        """Build (or load) every body for `symbols` now, so timed runs pay no fixture cost."""
        for sym in symbols:
            for endpoint in ("quote", "quoteSummary", "chart", "timeseries"):
                self.body(endpoint, sym)

    def _cached(self, key: tuple[str, ...], make: Callable[[], _Reply]) -> _Reply:
        """Encoded 200 answers by request shape: the fake's own CPU stays out of timings."""
        with self._lock:
            hit = self._replies.get(key)
        if hit is not None:
            return hit
        reply = make()
        if reply.status == 200:
            with self._lock:
                self._replies[key] = reply
        return reply

    def _quote_summary(self, symbol: str, modules: str) -> _Reply:
        return self._cached(
            ("quoteSummary", symbol, modules), lambda: self._quote_summary_uncached(symbol, modules)
        )

    def _quote_summary_uncached(self, symbol: str, modules: str) -> _Reply:
        body = self.body("quoteSummary", symbol)
        if body is None:
            return _Reply(404, _not_found("quoteSummary"), {"Content-Type": "application/json"})
        wanted = [m for m in modules.split(",") if m]
        full = body["quoteSummary"]["result"][0]
        picked = {m: full[m] for m in wanted if m in full}
        if not picked:
            return _Reply(404, _not_found("quoteSummary"), {"Content-Type": "application/json"})
        return self._json({"quoteSummary": {"result": [picked], "error": None}})

    def _chart(self, symbol: str, params: dict[str, str]) -> _Reply:
        key = ("chart", symbol)
        body = self.body("chart", symbol)
        if body is None:
            return _Reply(404, _not_found("chart"), {"Content-Type": "application/json"})
        if params.get("range") == "1d":  # yfinance's timezone probe: the last bar only
            res = body["chart"]["result"][0]
            q = res["indicators"]["quote"][0]
            indicators: dict[str, Any] = {"quote": [{k: v[-1:] for k, v in q.items()}]}
            if res["indicators"].get("adjclose"):  # recorded charts may come without it
                adjusted = res["indicators"]["adjclose"][0]["adjclose"][-1:]
                indicators["adjclose"] = [{"adjclose": adjusted}]
            small = {
                "meta": {**res["meta"], "range": "1d"},
                "timestamp": res["timestamp"][-1:],
                "indicators": indicators,
            }
            return self._json({"chart": {"result": [small], "error": None}})
        cut = _chart_between(body, params) if "period1" in params else None
        if cut is not None:  # a start (and an end) inside the series: only the bars between
            return self._json(cut)
        encoded = self._encoded.get(key)
        if encoded is None:
            encoded = json.dumps(body, separators=(",", ":")).encode()
            self._encoded[key] = encoded
        return _Reply(200, encoded, {"Content-Type": "application/json;charset=utf-8"})

    def _timeseries(self, symbol: str, types: str) -> _Reply:
        return self._cached(
            ("timeseries", symbol, types), lambda: self._timeseries_uncached(symbol, types)
        )

    def _timeseries_uncached(self, symbol: str, types: str) -> _Reply:
        body = self.body("timeseries", symbol)
        wanted = [t for t in types.split(",") if t]
        have = {}
        for item in (body or {"timeseries": {"result": []}})["timeseries"]["result"]:
            have[item["meta"]["type"][0]] = item
        result = []
        for t in wanted:
            # Yahoo answers every requested type, with only `meta` when it has no data.
            result.append(have.get(t, {"meta": {"symbol": [symbol], "type": [t]}}))
        return self._json({"timeseries": {"result": result, "error": None}})

    def _screener(
        self, scr_id: str | None, request: requests.PreparedRequest, params: dict[str, str]
    ) -> _Reply:
        """Yahoo's screener: the matching quotes, one page of them, with the full `total`.

        A custom screen (yfinance's `yf.screen(query)`) is a POST whose JSON body holds
        `query`, `offset` and `size` (yfinance also sends `count`, which Yahoo ignores for
        custom screens); a predefined one is a GET with `scrIds`, `count` and `start`.
        Without any size the whole list is answered, as before paging was modelled.
        """
        body: dict[str, Any] = {}
        if request.body:
            raw = request.body if isinstance(request.body, bytes) else request.body.encode()
            try:
                body = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError):
                return _Reply(400, _screener_error("Bad Request", "invalid JSON body"), _JSON)
        offset = _int(body.get("offset", params.get("start", params.get("offset"))), 0)
        if scr_id is None:  # custom screen: `size` rules, `count` only as a fallback
            size = _int(body.get("size", body.get("count")), None)
        else:
            size = _int(params.get("count"), None)
        if size is not None and size > 250:
            return _Reply(400, _screener_error("Bad Request", "size is too large"), _JSON)
        query = body.get("query")
        with self._lock:
            self.screener_requests.append(
                ScreenerRequest(
                    scr_id, offset, size, query, body.get("sortField"), body.get("sortType")
                )
            )
        source = self.screener_quotes
        if callable(source):
            quotes = list(source(query if isinstance(query, dict) else {}))
        elif source is not None:
            quotes = list(source)
        else:
            quotes = []
            if self.fixtures is not None:
                for path in sorted((self.fixtures / "quote").glob("*.json")):
                    quotes.extend(json.loads(path.read_text())["quoteResponse"]["result"])
        page = quotes[offset:] if size is None else quotes[offset : offset + size]
        return self._json(
            {
                "finance": {
                    "result": [
                        {
                            "id": scr_id or "custom",
                            "title": "Fake screen",
                            "start": offset,
                            "count": len(page),
                            "total": len(quotes),
                            "quotes": page,
                        }
                    ],
                    "error": None,
                }
            }
        )


def _chart_between(body: Any, params: dict[str, str]) -> Any | None:
    """The chart answer cut to the bars from `period1` to `period2` (epoch seconds), as
    Yahoo answers them; None when every bar is inside (the whole answer, cached)."""
    lo = _int(params.get("period1"), None) or 0
    hi = _int(params.get("period2"), None) or 2**62
    res = body["chart"]["result"][0]
    stamps = res.get("timestamp") or []
    if not stamps or (lo <= stamps[0] and stamps[-1] <= hi):
        return None
    keep = [i for i, ts in enumerate(stamps) if lo <= ts <= hi]

    def cut(values: list[Any]) -> list[Any]:
        return [values[i] for i in keep]

    indicators: dict[str, Any] = {
        "quote": [{k: cut(v) for k, v in res["indicators"]["quote"][0].items()}]
    }
    if res["indicators"].get("adjclose"):
        indicators["adjclose"] = [{"adjclose": cut(res["indicators"]["adjclose"][0]["adjclose"])}]
    cut_res = {**res, "timestamp": cut(res["timestamp"]), "indicators": indicators}
    return {"chart": {"result": [cut_res], "error": None}}


def _int(value: Any, default: int | None) -> int | None:
    try:
        return int(value) if value is not None else default
    except (TypeError, ValueError):
        return default


_JSON = {"Content-Type": "application/json"}


def _screener_error(code: str, description: str) -> bytes:
    return json.dumps(
        {"finance": {"result": None, "error": {"code": code, "description": description}}}
    ).encode()


def _not_found(endpoint: str) -> bytes:
    if endpoint == "chart":
        return (
            b'{"chart":{"result":null,"error":{"code":"Not Found",'
            b'"description":"No data found, symbol may be delisted"}}}'
        )
    return (
        b'{"quoteSummary":{"result":null,"error":{"code":"Not Found",'
        b'"description":"Quote not found for symbol"}}}'
    )


def _empty(endpoint: str) -> bytes:
    wrapper = {
        "quote": "quoteResponse",
        "quoteSummary": "quoteSummary",
        "chart": "chart",
        "timeseries": "timeseries",
        "screener": "finance",
    }.get(endpoint, "finance")
    return json.dumps({wrapper: {"result": [], "error": None}}).encode()


class _OriginalResponse:
    """What requests' cookie extraction reads from `raw._original_response`: `.msg`."""

    def __init__(self, headers: dict[str, str]) -> None:
        self.msg = http.client.HTTPMessage()
        for k, v in headers.items():
            self.msg[k] = v

    def isclosed(self) -> bool:
        return True


class FakeYahooAdapter(HTTPAdapter):
    """Turns `FakeYahoo.handle` replies into real `requests.Response` objects."""

    def __init__(self, server: FakeYahoo) -> None:
        super().__init__()
        self.server = server

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: Any = True,
        cert: Any = None,
        proxies: Any = None,
    ) -> requests.Response:
        reply = self.server.handle(request)
        headers = HTTPHeaderDict({"Content-Length": str(len(reply.body)), **reply.headers})
        raw = HTTPResponse(
            body=io.BytesIO(reply.body),
            headers=headers,
            status=reply.status,
            reason=http.client.responses.get(reply.status, ""),
            preload_content=False,
            decode_content=False,
            original_response=_OriginalResponse(reply.headers),  # type: ignore[arg-type]
            request_url=request.url,
        )
        return self.build_response(request, raw)
