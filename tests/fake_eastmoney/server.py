"""A fake East Money: a real HTTP server on 127.0.0.1, reached through requests' transport.

akshare calls `requests.get` (or a fresh `requests.Session` per attempt) with
hard-coded https URLs and no way to pass a session, so the fake does not patch
akshare: `FakeEastMoney.intercept()` wraps `requests.adapters.HTTPAdapter.send`,
the one place every requests call goes through. A request for an East Money host
(`*.eastmoney.com`) is re-addressed to the local server (the original host travels
in the Host header) and sent by requests' own adapter over a real socket; any other
host is refused with `ForeignHostRefused` before a socket opens. Because the answer
crosses a real connection, the faults are the real ones: a dropped connection is
`http.client.RemoteDisconnected` inside `requests.exceptions.ConnectionError`, a
stall is a real read timeout where the caller set one, and a hang where it did not.

Endpoints served (akshare 1.19.5 function that calls each, see docs/akshare.md):

- datacenter-web `/api/data/v1/get`, `reportName`:
  `RPT_VALUEANALYSIS_DET` (stock_feature/stock_value_em.py: stock_value_em),
  `RPT_LICO_FN_CPD` (stock_feature/stock_yjbb_em.py: stock_yjbb_em),
  `RPT_WEB_RESPREDICT` (stock_fundamental/stock_profit_forecast_em.py:
  stock_profit_forecast_em). Answers `{"version", "result": {"pages", "data",
  "count"}, "success", "message", "code"}`; no rows is `result: null` with code 9201.
- push2 `/api/qt/stock/get` (stock/stock_info_em.py: stock_individual_info_em):
  `{"rc", "rt", "svr", "lt", "full", "dlmkts", "data": {f57: ..., ...}}`.
- push2his `/api/qt/stock/kline/get` (stock_feature/stock_hist_em.py: stock_zh_a_hist):
  `data.klines` as comma-joined strings.
- push2his `/api/qt/stock/kline/get` with an FX `secid` (`120.USDCNYC`, the USD/CNY
  central parity; forex/forex_em.py: forex_hist_em): the same kline answer, 14 fields.
- push2 `/api/qt/clist/get` with `fs=m:90 t:3 ...` (stock/stock_board_concept_em.py:
  _fetch_stock_board_concept_name_em) and `fs=b:BKxxxx ...` (stock_board_concept_cons_em),
  `data: {"total", "diff": [...]}`, at most `page_cap` rows a page (100, as East Money).

Scenarios: `Fault` (drop, reset, malformed, truncated, empty, 429, 500, stall) per
endpoint and subject, `latency` per request, a per-host token bucket whose overflow
drops the connection (East Money's symptom) or answers 429. Every request is counted
per endpoint.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import re
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit, urlunsplit

from requests.adapters import HTTPAdapter

from .builder import Market, default_market

FaultKind = Literal["drop", "reset", "malformed", "truncated", "empty", "429", "500", "stall"]
ENDPOINTS = (
    "valuation", "results", "forecast", "quote", "kline", "fx", "boards", "members"
)

_sleep = time.sleep  # the server's own; tests may patch time.sleep without slowing it
_intercept_lock = threading.Lock()
_active: list[FakeEastMoney] = []


class ForeignHostRefused(RuntimeError):
    """A request under the fake went to a host that is not East Money (tests stay offline)."""


def is_eastmoney_host(host: str) -> bool:
    host = host.lower().rstrip(".")
    return host == "eastmoney.com" or host.endswith(".eastmoney.com")


@dataclass
class Fault:
    """One injected misbehaviour; `times=None` keeps firing, otherwise it fires `times` times."""

    kind: FaultKind
    endpoint: str | None = None  # one of ENDPOINTS; None for any
    subject: str | None = None  # a stock code, report date (YYYY-MM-DD) or board code
    times: int | None = None
    stall: float = 30.0  # seconds a "stall" holds the answer back

    def matches(self, endpoint: str, subject: str | None) -> bool:
        if self.times is not None and self.times <= 0:
            return False
        if self.endpoint is not None and self.endpoint != endpoint:
            return False
        return self.subject is None or self.subject == subject


@dataclass(frozen=True)
class RequestRecord:
    """One request the fake saw: what it asked for and how it was answered."""

    endpoint: str
    host: str
    subject: str | None
    page: int | None
    outcome: str  # an HTTP status ("200") or a fault kind ("drop", "reset", "stall")
    at: float
    params: dict[str, str] = field(default_factory=dict)  # the query string, last value wins


class TokenBucket:
    """`rate` requests a second per host, bursts of `capacity`."""

    def __init__(self, rate: float, capacity: float | None = None) -> None:
        self.rate = rate
        self.capacity = capacity if capacity is not None else max(rate, 1.0)
        self._tokens: dict[str, float] = {}
        self._stamp: dict[str, float] = {}
        self._lock = threading.Lock()

    def take(self, host: str) -> bool:
        with self._lock:
            now = time.monotonic()
            tokens = self._tokens.get(host, self.capacity)
            tokens = min(self.capacity, tokens + (now - self._stamp.get(host, now)) * self.rate)
            self._stamp[host] = now
            ok = tokens >= 1
            self._tokens[host] = tokens - 1 if ok else tokens
            return ok


@dataclass
class _Reply:
    status: int
    body: bytes
    content_type: str = "application/json; charset=UTF-8"


class FakeEastMoney:
    """The fake's state (market, faults, counters) and its local server.

    Use as `with FakeEastMoney() as fake, fake.intercept(): ...`; `port` is the
    server's, `counts` the requests per endpoint, `records` every request in order.
    """

    def __init__(
        self,
        market: Market | None = None,
        *,
        latency: float = 0.0,
        page_cap: int | None = 100,
        rate_limit: float | None = None,
        rate_burst: float | None = None,
        rate_limit_reply: Literal["drop", "429"] = "drop",
    ) -> None:
        """`page_cap` is the most rows push2 returns a page whatever `pz` asks (None:
        honour `pz`); `rate_limit` requests a second per host before the fake starts
        dropping connections (or answering 429)."""
        self.market = market if market is not None else default_market()
        self.latency = latency
        self.page_cap = page_cap
        self.bucket = TokenBucket(rate_limit, rate_burst) if rate_limit else None
        self.rate_limit_reply = rate_limit_reply
        self.faults: list[Fault] = []
        self.records: list[RequestRecord] = []
        self.counts: Counter[str] = Counter()
        self.refused: list[str] = []
        self._lock = threading.Lock()
        self._replies: dict[tuple[Any, ...], _Reply] = {}
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------------------
    def start(self) -> FakeEastMoney:
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fake-eastmoney",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeEastMoney:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the fake East Money is not running (call start())")
        return int(self._server.server_address[1])

    @contextlib.contextmanager
    def intercept(self) -> Iterator[FakeEastMoney]:
        """Route every requests call in the process: East Money to this fake, others refused."""
        with _intercept_lock:
            if _active:
                raise RuntimeError("another fake East Money is already intercepting")
            original = HTTPAdapter.send
            fake = self

            def send(
                adapter: HTTPAdapter,
                request: Any,
                stream: bool = False,
                timeout: Any = None,
                verify: Any = True,
                cert: Any = None,
                proxies: Any = None,
            ) -> Any:
                parts = urlsplit(request.url or "")
                host = parts.hostname or ""
                if not is_eastmoney_host(host):
                    with fake._lock:
                        fake.refused.append(request.url or "")
                    raise ForeignHostRefused(f"fake East Money: {host!r} is not East Money")
                routed = request.copy()
                routed.url = urlunsplit(
                    ("http", f"127.0.0.1:{fake.port}", parts.path or "/", parts.query, "")
                )
                routed.headers["Host"] = parts.netloc
                response = original(
                    adapter, routed, stream=stream, timeout=timeout, verify=verify,
                    cert=cert, proxies={},
                )
                response.url = request.url
                response.request = request
                return response

            HTTPAdapter.send = send  # type: ignore[method-assign]
            _active.append(self)
        try:
            yield self
        finally:
            with _intercept_lock:
                HTTPAdapter.send = original  # type: ignore[method-assign]
                _active.remove(self)

    # -- scenario controls ----------------------------------------------------------------
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

    # -- dispatch -------------------------------------------------------------------------
    def route(self, host: str, path: str, params: dict[str, str]) -> tuple[str, str | None]:
        """(endpoint, subject) of one request."""
        if path.endswith("/api/data/v1/get"):
            report = params.get("reportName", "")
            filters = _filters(params.get("filter", ""))
            if report == "RPT_VALUEANALYSIS_DET":
                return "valuation", filters.get("SECURITY_CODE")
            if report == "RPT_LICO_FN_CPD":
                return "results", filters.get("REPORTDATE")
            if report == "RPT_WEB_RESPREDICT":
                return "forecast", filters.get("INDUSTRY_BOARD")
            return "datacenter_other", report
        if path.endswith("/api/qt/stock/get"):
            return "quote", params.get("secid")
        if path.endswith("/api/qt/stock/kline/get"):
            secid = params.get("secid", "")
            if secid.split(".")[0] in ("119", "120", "133"):  # FX pairs (forex_hist_em)
                return "fx", secid
            return "kline", secid
        if path.endswith("/api/qt/clist/get"):
            fs = params.get("fs", "")
            m = re.search(r"b:(BK\d+)", fs)
            if m:
                return "members", m.group(1)
            if "m:90 t:3" in fs:
                return "boards", None
            return "clist_other", fs
        return "unknown", path

    def take_fault(self, endpoint: str, subject: str | None) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.matches(endpoint, _bare(subject)) or fault.matches(endpoint, subject):
                    if fault.times is not None:
                        fault.times -= 1
                    return fault
        return None

    def record(
        self,
        endpoint: str,
        host: str,
        subject: str | None,
        page: int | None,
        outcome: str,
        params: dict[str, str] | None = None,
    ) -> None:
        with self._lock:
            self.counts[endpoint] += 1
            self.records.append(
                RequestRecord(
                    endpoint, host, subject, page, outcome, time.monotonic(), dict(params or {})
                )
            )

    def rate_limited(self, host: str) -> bool:
        return self.bucket is not None and not self.bucket.take(host)

    def answer(self, endpoint: str, subject: str | None, params: dict[str, str]) -> _Reply:
        """The answer East Money would give, built once per distinct request (the market
        does not change), so timings measure the client rather than the fake."""
        key = (endpoint, subject, tuple(sorted(params.items())))
        with self._lock:
            hit = self._replies.get(key)
        if hit is None:
            hit = self._build(endpoint, subject, params)
            with self._lock:
                self._replies[key] = hit
        return hit

    def _build(self, endpoint: str, subject: str | None, params: dict[str, str]) -> _Reply:
        m = self.market
        if endpoint == "valuation":
            rows = m.valuation_rows(subject or "")
            return _datacenter(rows, params, self.columns(params))
        if endpoint == "results":
            day = _iso_date(subject)
            return _datacenter(m.results_rows(day) if day else [], params, None)
        if endpoint == "forecast":
            return _datacenter(m.forecast_rows(subject), params, None)
        if endpoint == "quote":
            return self._quote(subject, params)
        if endpoint == "kline":
            return self._kline(subject, params)
        if endpoint == "fx":
            return self._fx(subject)
        if endpoint == "boards":
            rows = [m.board_fields(b, i) for i, b in enumerate(m.boards)]
            return self._clist(rows, params)
        if endpoint == "members":
            board = m.boards_by_code.get(subject or "")
            if board is None:
                return _json(_push2(None))
            rows = [m.member_fields(c) for c in board.members if c in m.by_code]
            return self._clist(rows, params)
        if endpoint in ("datacenter_other",):
            return _json(_datacenter_error(9501, "报表不存在"))
        if endpoint == "clist_other":
            return _json(_push2(None))
        return _Reply(404, b"<html><body><h1>404 Not Found</h1></body></html>", "text/html")

    @staticmethod
    def columns(params: dict[str, str]) -> list[str] | None:
        cols = params.get("columns", "ALL")
        return None if cols.upper() == "ALL" else [c for c in cols.split(",") if c]

    def _quote(self, secid: str | None, params: dict[str, str]) -> _Reply:
        code = _secid_code(secid, self.market)
        fields = self.market.quote_fields(code) if code else None
        if fields is None:
            return _json(_push2(None))
        wanted = [f for f in params.get("fields", "").split(",") if f]
        data = {f: fields.get(f, "-") for f in _push2_order(wanted)}
        return _json(_push2(data))

    def _kline(self, secid: str | None, params: dict[str, str]) -> _Reply:
        code = _secid_code(secid, self.market)
        klines = (
            self.market.kline_rows(
                code,
                params.get("fqt", "0"),
                params.get("klt", "101"),
                params.get("beg", "0"),
                params.get("end", "20500101"),
            )
            if code
            else None
        )
        if not klines:
            return _json(_push2(None, rt=17))
        c = self.market.by_code[code or ""]
        data = {
            "code": c.code,
            "market": int((secid or "0.").split(".")[0]),
            "name": c.name,
            "decimal": 2,
            "dktotal": len(self.market.series(c.code).days),  # type: ignore[union-attr]
            "preKPrice": float(klines[0].split(",")[1]),
            "klines": klines,
        }
        return _json(_push2(data, rt=17))

    def _fx(self, secid: str | None) -> _Reply:
        market, _, symbol = (secid or "").partition(".")
        klines = self.market.fx_klines(symbol)
        if not klines:
            return _json(_push2(None, rt=17))
        data = {
            "code": symbol,
            "market": int(market),
            "name": "美元兑人民币中间价",
            "decimal": 4,
            "dktotal": len(klines),
            "preKPrice": float(klines[0].split(",")[1]),
            "klines": klines,
        }
        return _json(_push2(data, rt=17))

    def _clist(self, rows: list[dict[str, Any]], params: dict[str, str]) -> _Reply:
        """One page of a push2 list: `pz` rows capped at `page_cap`, ordered by `fid`/`po`."""
        if not rows:
            return _json(_push2(None, rt=6))
        fid = params.get("fid", "f12")
        descending = params.get("po", "1") == "1"
        rows = sorted(rows, key=lambda r: _sort_key(r.get(fid)), reverse=descending)
        size = _int(params.get("pz"), 20)
        if self.page_cap is not None:
            size = min(size, self.page_cap)
        page = max(_int(params.get("pn"), 1), 1)
        chunk = rows[(page - 1) * size : page * size]
        wanted = [f for f in params.get("fields", "").split(",") if f]
        diff = [{f: r.get(f, "-") for f in _push2_order(wanted)} for r in chunk]
        return _json(_push2({"total": len(rows), "diff": diff}, rt=6))


def _bare(subject: str | None) -> str | None:
    """'1.600498' -> '600498' so a fault can name a stock whatever the endpoint."""
    if subject and re.fullmatch(r"\d+\.\w+", subject):
        return subject.split(".", 1)[1]
    return subject


def _secid_code(secid: str | None, market: Market) -> str | None:
    """The code of a `secid`, or None when the market number does not match the code."""
    from .builder import market_id

    if not secid or "." not in secid:
        return None
    mkt, code = secid.split(".", 1)
    if code not in market.by_code or str(market_id(code)) != mkt:
        return None
    return code


def _push2_order(fields: list[str]) -> list[str]:
    """push2's answer order: ascending field number, whatever order they were asked in;
    asking for f128 (the leading stock's name) brings f140 and f141 (its code and
    market) along, and the leader's change f136 follows them. This is the order
    akshare's positional column lists assume (stock_board_concept_em.py)."""
    wanted = set(fields)
    if "f128" in wanted:
        wanted |= {"f140", "f141"}
    place = {"f140": 128.1, "f141": 128.2, "f136": 128.3}

    def key(f: str) -> float:
        return place.get(f, float(f[1:]) if f[1:].isdigit() else 1e9)

    return sorted(wanted, key=key)


def _sort_key(value: Any) -> tuple[int, Any]:
    if isinstance(value, int | float):
        return (1, value)
    return (0, str(value))


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _iso_date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


def _filters(text: str) -> dict[str, str]:
    """`(SECURITY_CODE="600498")(REPORTDATE='2025-09-30')` -> {name: value}."""
    return dict(re.findall(r"\(\s*(\w+)\s*=\s*[\"']([^\"']*)[\"']\s*\)", text))


def _json(body: Any, status: int = 200) -> _Reply:
    return _Reply(status, json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode())


def _push2(data: Any, rt: int = 4) -> dict[str, Any]:
    return {"rc": 0, "rt": rt, "svr": 181669449, "lt": 1, "full": 1, "dlmkts": "", "data": data}


def _datacenter_error(code: int, message: str) -> dict[str, Any]:
    return {
        "version": None,
        "result": None,
        "success": False,
        "message": message,
        "code": code,
    }


def _datacenter(
    rows: list[dict[str, Any]], params: dict[str, str], columns: list[str] | None
) -> _Reply:
    """One page of a datacenter-web report, or East Money's 'no data' answer (code 9201)."""
    if not rows:
        return _json(_datacenter_error(9201, "返回数据为空"))
    size = max(_int(params.get("pageSize"), 50), 1)
    page = max(_int(params.get("pageNumber"), 1), 1)
    pages = math.ceil(len(rows) / size)
    chunk = rows[(page - 1) * size : page * size]
    if columns is not None:
        chunk = [{k: r[k] for k in columns if k in r} for r in chunk]
    return _json(
        {
            "version": "2f9b7e0c4a1d4b6e9a3c5d7e8f0a1b2c",
            "result": {"pages": pages, "data": chunk, "count": len(rows)},
            "success": True,
            "message": "ok",
            "code": 0,
        }
    )


_MALFORMED = b'{"result":{"pages":1,"data":[{"SECURITY_CODE":"600498",}'
_TRUNCATED = b'{"rc":0,"rt":6,"svr":181669449,"lt":1,"full":1,"data":{"total":2,"diff":[{"f2":'


def _empty_for(endpoint: str) -> _Reply:
    if endpoint in ("valuation", "results", "forecast", "datacenter_other"):
        return _json(_datacenter_error(9201, "返回数据为空"))
    return _json(_push2(None))


class _Handler(BaseHTTPRequestHandler):
    """Answers one connection's requests from the owning fake (set on a subclass)."""

    fake: FakeEastMoney
    protocol_version = "HTTP/1.1"
    server_version = "nginx"
    sys_version = ""
    timeout = 60

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (stdlib name)
        return

    def do_GET(self) -> None:  # noqa: N802 (stdlib name)
        fake = self.fake
        url = urlsplit(self.path)
        host = (self.headers.get("Host") or "").split(":")[0]
        params = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        endpoint, subject = fake.route(host, url.path, params)
        page = _int(params.get("pn", params.get("pageNumber")), 0) or None
        if fake.latency:
            _sleep(fake.latency)
        if fake.rate_limited(host):
            if fake.rate_limit_reply == "429":
                fake.record(endpoint, host, subject, page, "429")
                self._send(_Reply(429, b"Too Many Requests", "text/html"))
            else:
                fake.record(endpoint, host, subject, page, "drop")
                self._drop()
            return
        fault = fake.take_fault(endpoint, subject)
        if fault is not None:
            fake.record(endpoint, host, subject, page, fault.kind)
            self._fault(fault, endpoint)
            return
        try:
            reply = fake.answer(endpoint, subject, params)
        except Exception as exc:  # a bug in the fake: answer 500 and say so
            fake.record(endpoint, host, subject, page, "500")
            self._send(_Reply(500, f"fake East Money error: {exc!r}".encode(), "text/plain"))
            raise
        fake.record(endpoint, host, subject, page, str(reply.status), params)
        self._send(reply)

    def _send(self, reply: _Reply) -> None:
        """Answer; a client that gave up meanwhile (a timeout) is not the fake's error."""
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)
            self.wfile.flush()
        except OSError:
            self.close_connection = True

    def _drop(self) -> None:
        """Close without a byte of answer: the client sees RemoteDisconnected."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _fault(self, fault: Fault, endpoint: str) -> None:
        if fault.kind == "drop":
            self._drop()
        elif fault.kind == "reset":  # RST instead of FIN: ConnectionResetError
            self.close_connection = True
            self.connection.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
            )
            self.rfile.close()
            self.wfile.close()
            self.connection.close()  # the last reference: the kernel sends RST now
            self.rfile, self.wfile = io.BytesIO(), io.BytesIO()  # for the stdlib's flush
        elif fault.kind == "stall":
            _sleep(fault.stall)
            self._send(_empty_for(endpoint))
        elif fault.kind == "malformed":
            self._send(_Reply(200, _MALFORMED))
        elif fault.kind == "truncated":
            self._send(_Reply(200, _TRUNCATED))
        elif fault.kind == "empty":
            self._send(_empty_for(endpoint))
        elif fault.kind == "429":
            self._send(_Reply(429, b"Too Many Requests", "text/html"))
        else:
            self._send(_Reply(500, b"<html><body>500 Internal Server Error</body></html>",
                              "text/html"))
