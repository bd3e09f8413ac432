"""A consistent little A-share market, answered in East Money's own row layouts.

`Company` is a compact spec; `Market` derives everything the fake serves from it:
daily closes and bars since listing, daily PE(TTM)/PE(LYR)/PB/PS/PCF/PEG and market
cap, quarterly results (year-to-date, as East Money publishes them), consensus EPS,
a quote snapshot and concept boards with their members. Every series comes from
one quarterly model (single-quarter revenue and profit, equity rolled forward), so
a PE(TTM) served on a day equals that day's market cap over the trailing four
quarters published by then, and the quarterly results agree with it.

The row layouts (key names and, where akshare maps by position, key order) follow
akshare 1.19.5's parsing code; docs/akshare.md cites the function for each. Names
and listing dates of the default companies are public facts; every figure is invented.
Plain Python only: no pandas, no akshare.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import cached_property, lru_cache
from typing import Any

END_DATE = date(2026, 2, 13)  # last trading day served (a Friday, as in tests/fake_yahoo)

_QUARTER_ENDS = ((3, 31), (6, 30), (9, 30), (12, 31))
_SEASON = (0.85, 0.98, 1.02, 1.15)  # single-quarter revenue shape within a year
_PERIOD_NAMES = ("一季报", "中报", "三季报", "年报")


def _unit(*parts: object) -> float:
    """A deterministic number in [-1, 1] from the parts (no global random state)."""
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**63 - 1.0


def exchange_of(code: str) -> str:
    """East Money's suffix for a six-digit A-share code: SH, SZ or BJ."""
    if code.startswith("6"):
        return "SH"
    if code.startswith(("4", "8", "92")):
        return "BJ"
    return "SZ"


def market_id(code: str) -> int:
    """The `secid` market number push2 expects: 1 Shanghai, 0 Shenzhen and Beijing."""
    return 1 if exchange_of(code) == "SH" else 0


def trade_market(code: str) -> tuple[str, str]:
    """(TRADE_MARKET_CODE, TRADE_MARKET) as the datacenter reports carry them."""
    if code.startswith("688"):
        return "069001001006", "上交所科创板"
    if code.startswith("6"):
        return "069001001001", "上交所主板"
    if code.startswith(("300", "301")):
        return "069001002002", "深交所创业板"
    if exchange_of(code) == "BJ":
        return "069001017", "北交所"
    return "069001002001", "深交所主板"


def trading_days(start: date, end: date) -> list[date]:
    """Weekdays from `start` to `end`: the fake's stand-in for the exchange calendar."""
    days = []
    d = start
    while d <= end:
        if d.weekday() < 5:
            days.append(d)
        d += timedelta(days=1)
    return days


def _industry_code(industry: str) -> str:
    """An invented, stable East Money industry code (they are not verifiable offline)."""
    return f"{int((_unit('industry', industry) + 1) * 499):04d}"


def _iso(d: date) -> str:
    return f"{d.isoformat()} 00:00:00"


@dataclass(frozen=True)
class Company:
    """One A-share, in the units East Money uses (yuan, shares, fractions here)."""

    code: str
    name: str
    industry: str  # East Money industry (行业 / 所处行业 / BOARD_NAME)
    listed: date
    price: float  # last close, yuan
    total_shares: float  # shares
    revenue_ttm: float  # yuan, trailing four published quarters at END_DATE
    net_margin: float  # fraction; negative for a loss-maker
    gross_margin: float  # fraction
    revenue_growth: float  # yearly, fraction
    equity: float  # yuan, book value at the latest published quarter
    free_share_ratio: float = 0.85
    concepts: tuple[str, ...] = ()
    forecast_growth: float | None = None  # consensus EPS growth a year; None: no coverage
    forecast_orgs: int = 12
    forecast_year1: int | None = None  # override YEAR1 (East Money's last actual year)
    dividends: tuple[tuple[date, float], ...] = ()  # (ex-date, cash per share), for qfq/hfq
    volatility: float = 0.02  # daily log-return sd of the synthetic close path

    @property
    def exchange(self) -> str:
        return exchange_of(self.code)

    @property
    def secucode(self) -> str:
        return f"{self.code}.{self.exchange}"

    @property
    def free_shares(self) -> float:
        return round(self.total_shares * self.free_share_ratio)


@dataclass(frozen=True)
class Board:
    """A concept board: its East Money code (BKxxxx), name and member codes."""

    code: str
    name: str
    members: tuple[str, ...]


@dataclass(frozen=True)
class Quarter:
    """One reported quarter of one company (single-quarter and year-to-date figures)."""

    end: date
    notice: date
    revenue_q: float
    profit_q: float
    gross_q: float  # gross profit of the quarter
    equity: float  # at quarter end
    revenue_ytd: float
    profit_ytd: float
    gross_ytd: float
    index: int  # 0 = Q1 ... 3 = Q4


@dataclass(frozen=True)
class Day:
    """One trading day of one company: the raw bar and the valuation of that close."""

    date: date
    open: float
    close: float
    high: float
    low: float
    prev_close: float
    volume_lots: int
    amount: float
    turnover_pct: float
    market_cap: float
    float_cap: float
    pe_ttm: float | None
    pe_lar: float | None
    pb: float | None
    ps_ttm: float | None
    pcf_ttm: float | None
    peg: float | None


class CompanySeries:
    """Everything derived for one company, computed once."""

    def __init__(self, company: Company, as_of: date) -> None:
        self.c = company
        self.as_of = as_of

    # -- quarterly model ----------------------------------------------------------------
    @cached_property
    def quarters(self) -> list[Quarter]:
        """Every quarter from three years before listing to the last one ended by `as_of`."""
        c = self.c
        ends: list[tuple[date, int]] = []
        for year in range(c.listed.year - 3, self.as_of.year + 1):
            for i, (m, d) in enumerate(_QUARTER_ENDS):
                end = date(year, m, d)
                if end <= self.as_of:
                    ends.append((end, i))
        notices = [self._notice(end, i) for end, i in ends]
        published = [k for k, n in enumerate(notices) if n <= self.as_of]
        last = published[-1]
        # revenue: seasonal path growing at revenue_growth, scaled so the last published
        # four quarters sum to revenue_ttm
        raw = [
            (1 + c.revenue_growth) ** ((k - last) / 4) * _SEASON[i] * (1 + 0.04 * _unit(c.code, k))
            for k, (_, i) in enumerate(ends)
        ]
        scale = c.revenue_ttm / sum(raw[last - 3 : last + 1])
        revenue = [r * scale for r in raw]
        profit = [
            r * c.net_margin * (1 + 0.1 * _unit(c.code, "p", k)) for k, r in enumerate(revenue)
        ]
        gross = [
            r * (c.gross_margin + 0.01 * _unit(c.code, "g", k)) for k, r in enumerate(revenue)
        ]
        equity = [0.0] * len(ends)
        equity[last] = c.equity
        for k in range(last - 1, -1, -1):
            equity[k] = max(equity[k + 1] - profit[k + 1], c.equity * 0.05)
        for k in range(last + 1, len(ends)):
            equity[k] = equity[k - 1] + profit[k]
        out: list[Quarter] = []
        ytd_r = ytd_p = ytd_g = 0.0
        for k, (end, i) in enumerate(ends):
            if i == 0:
                ytd_r = ytd_p = ytd_g = 0.0
            ytd_r += revenue[k]
            ytd_p += profit[k]
            ytd_g += gross[k]
            out.append(
                Quarter(
                    end, notices[k], revenue[k], profit[k], gross[k], equity[k],
                    ytd_r, ytd_p, ytd_g, i,
                )
            )
        return out

    def _notice(self, end: date, i: int) -> date:
        h = int((_unit(self.c.code, "notice", end) + 1) * 1000)
        if i == 0:
            return date(end.year, 4, 18 + h % 10)
        if i == 1:
            return date(end.year, 8, 14 + h % 14)
        if i == 2:
            return date(end.year, 10, 18 + h % 10)
        return date(end.year + 1, 3 + h % 2, 20 + h % 8)

    @cached_property
    def published(self) -> list[Quarter]:
        return [q for q in self.quarters if q.notice <= self.as_of]

    def quarter(self, end: date) -> Quarter | None:
        for q in self.published:
            if q.end == end:
                return q
        return None

    def ttm(self, upto: Quarter) -> tuple[float, float]:
        """(revenue, profit) of the four quarters ending with `upto`."""
        k = self.quarters.index(upto)
        window = self.quarters[max(0, k - 3) : k + 1]
        return sum(q.revenue_q for q in window), sum(q.profit_q for q in window)

    def latest_annual(self, on: date) -> Quarter | None:
        annual = [q for q in self.quarters if q.index == 3 and q.notice <= on]
        return annual[-1] if annual else None

    def latest_report(self, on: date) -> Quarter:
        known = [q for q in self.quarters if q.notice <= on]
        return known[-1] if known else self.quarters[0]

    # -- daily series -------------------------------------------------------------------
    @cached_property
    def days(self) -> list[Day]:
        c = self.c
        dates = trading_days(c.listed, self.as_of)
        rng = random.Random(f"close:{c.code}")
        logs = [0.0]
        for _ in dates[1:]:
            logs.append(logs[-1] + rng.gauss(0.0003, c.volatility))
        shift = math.log(c.price) - logs[-1]
        closes = [round(math.exp(v + shift), 2) for v in logs]
        closes = [max(x, 0.01) for x in closes]
        closes[-1] = round(c.price, 2)
        growth = self._peg_growth_pct()
        by_notice = sorted(self.quarters, key=lambda q: q.notice)
        pointer = -1
        state: tuple[Quarter | None, float, float] = (None, 0.0, 0.0)
        rep = self.quarters[0]
        out: list[Day] = []
        prev = round(closes[0] / (1 + 0.1 * _unit(c.code, "ipo")), 2)
        for d, close in zip(dates, closes, strict=True):
            u = _unit(c.code, "bar", d)
            open_ = round(prev * (1 + 0.01 * u), 2)
            high = round(max(open_, close) * (1 + 0.006 * (1 + u)), 2)
            low = round(min(open_, close) * (1 - 0.006 * (1 - u)), 2)
            turnover = round(2.0 + 1.5 * u, 2)
            volume = int(c.free_shares * turnover / 100 / 100)
            amount = round(volume * 100 * (high + low) / 2, 2)
            mcap = round(close * c.total_shares, 2)
            fcap = round(close * c.free_shares, 2)
            moved = pointer < 0
            while pointer + 1 < len(by_notice) and by_notice[pointer + 1].notice <= d:
                pointer += 1
                moved = True
            if moved:
                rep = by_notice[pointer] if pointer >= 0 else self.quarters[0]
                rev, prof = self.ttm(rep)
                state = (self.latest_annual(d), rev, prof)
            annual, rev_ttm, prof_ttm = state
            pe = round(mcap / prof_ttm, 6) if prof_ttm else None
            lar = None
            if annual is not None and annual.profit_ytd:
                lar = round(mcap / annual.profit_ytd, 6)
            pb = round(mcap / rep.equity, 6) if rep.equity > 0 else None
            ps = round(mcap / rev_ttm, 6) if rev_ttm > 0 else None
            pcf = round(mcap / (prof_ttm * 1.1), 6) if prof_ttm else None
            peg = round(pe / growth, 6) if pe is not None and growth else None
            out.append(
                Day(
                    d, open_, close, high, low, prev, volume, amount, turnover, mcap, fcap,
                    pe, lar, pb, ps, pcf, peg,
                )
            )
            prev = close
        return out

    def _peg_growth_pct(self) -> float:
        g = self.c.forecast_growth if self.c.forecast_growth is not None else self.c.revenue_growth
        return g * 100

    @property
    def last(self) -> Day:
        return self.days[-1]

    def adjusted(self, mode: str) -> list[tuple[Day, float]]:
        """(day, price factor) per day: 1 unadjusted; qfq scales history before each
        ex-date down, hfq scales every day from an ex-date up (ratio method)."""
        factors = []
        for ex, cash in self.c.dividends:
            before = [x for x in self.days if x.date < ex]
            if before:
                ref = before[-1].close
                factors.append((ex, (ref - cash) / ref))
        out = []
        for day in self.days:
            f = 1.0
            if mode == "qfq":
                for ex, r in factors:
                    if day.date < ex:
                        f *= r
            elif mode == "hfq":
                for ex, r in factors:
                    if day.date >= ex:
                        f /= r
            out.append((day, f))
        return out

    # -- derived figures the answers share -----------------------------------------------
    def eps_actual(self) -> tuple[int, float] | None:
        annual = self.latest_annual(self.as_of)
        if annual is None:
            return None
        return annual.end.year, annual.profit_ytd / self.c.total_shares

    def forecast(self) -> list[tuple[int, str, float]] | None:
        """[(year, 'A' | 'E', eps)] x4 as RPT_WEB_RESPREDICT's YEAR/YEAR_MARK/EPS 1-4."""
        if self.c.forecast_growth is None:
            return None
        actual = self.eps_actual()
        if actual is None:
            return None
        year, eps = actual
        if self.c.forecast_year1 is not None:
            year = self.c.forecast_year1
        g = self.c.forecast_growth
        rows = [(year, "A", eps)]
        rows += [(year + n, "E", eps * (1 + g) ** n) for n in (1, 2, 3)]
        return rows

    def dynamic_pe(self) -> float | None:
        """市盈率-动态 (f9/f162): price over the latest year-to-date EPS annualised."""
        rep = self.published[-1]
        annual_eps = rep.profit_ytd * 4 / (rep.index + 1) / self.c.total_shares
        return round(self.last.close / annual_eps, 2) if annual_eps else None


@lru_cache(maxsize=4096)
def _series_for(company: Company, as_of: date) -> CompanySeries:
    """One company's derived series, shared by every market that lists the same spec."""
    return CompanySeries(company, as_of)


@dataclass
class Market:
    """The companies and boards one fake East Money knows, as of one day."""

    companies: tuple[Company, ...]
    boards: tuple[Board, ...] = ()
    as_of: date = END_DATE
    fx_parity: float | None = 7.1234  # USD/CNY central parity on `as_of` (None: not served)

    def __post_init__(self) -> None:
        self.by_code: dict[str, Company] = {c.code: c for c in self.companies}
        self.boards_by_code: dict[str, Board] = {b.code: b for b in self.boards}
        self._rows: dict[tuple[str, Any], list[dict[str, Any]]] = {}

    def _memo(self, key: tuple[str, Any], make: Any) -> list[dict[str, Any]]:
        """Whole-market row lists, built once (a paged client asks for them page by page)."""
        if key not in self._rows:
            self._rows[key] = make()
        return self._rows[key]

    def series(self, code: str) -> CompanySeries | None:
        if code not in self.by_code:
            return None
        return _series_for(self.by_code[code], self.as_of)

    def company(self, code: str) -> Company | None:
        return self.by_code.get(code)

    def board_by_name(self, name: str) -> Board | None:
        for b in self.boards:
            if b.name == name:
                return b
        return None

    # -- datacenter-web rows ------------------------------------------------------------
    def valuation_rows(self, code: str) -> list[dict[str, Any]]:
        """RPT_VALUEANALYSIS_DET rows, newest first (akshare: stock_value_em)."""
        s = self.series(code)
        if s is None:
            return []
        c = s.c
        tm_code, tm = trade_market(code)
        rows = []
        for d in reversed(s.days):
            rows.append(
                {
                    "SECURITY_CODE": code,
                    "SECUCODE": c.secucode,
                    "SECURITY_NAME_ABBR": c.name,
                    "ORG_CODE": f"10{code}",
                    "TRADE_MARKET": tm,
                    "BOARD_CODE": f"BK{_industry_code(c.industry)}",
                    "BOARD_NAME": c.industry,
                    "ORIG_BOARD_CODE": _industry_code(c.industry),
                    "TOTAL_MARKET_CAP": d.market_cap,
                    "NOTLIMITED_MARKETCAP_A": d.float_cap,
                    "CLOSE_PRICE": d.close,
                    "CHANGE_RATE": round((d.close / d.prev_close - 1) * 100, 4),
                    "TOTAL_SHARES": c.total_shares,
                    "FREE_SHARES_A": c.free_shares,
                    "PE_TTM": d.pe_ttm,
                    "PE_LAR": d.pe_lar,
                    "PB_MRQ": d.pb,
                    "PCF_OCF_LAR": d.pcf_ttm,
                    "PCF_OCF_TTM": d.pcf_ttm,
                    "PS_TTM": d.ps_ttm,
                    "PEG_CAR": d.peg,
                    "TRADE_DATE": _iso(d.date),
                    "TRADE_MARKET_CODE": tm_code,
                }
            )
        return rows

    def results_rows(self, report_date: date) -> list[dict[str, Any]]:
        """RPT_LICO_FN_CPD rows for one report period, in the key order akshare's
        positional column list expects (akshare: stock_yjbb_em)."""
        return self._memo(("results", report_date), lambda: self._results_rows(report_date))

    def _results_rows(self, report_date: date) -> list[dict[str, Any]]:
        rows = []
        for c in self.companies:
            if report_date < date(c.listed.year, 1, 1):
                continue
            s = self.series(c.code)
            assert s is not None
            q = s.quarter(report_date)
            if q is None:
                continue
            rows.append(_results_row(s, q))
        rows.sort(key=lambda r: (r["UPDATE_DATE"], r["SECURITY_CODE"]), reverse=True)
        return rows

    def forecast_rows(self, industry: str | None = None) -> list[dict[str, Any]]:
        """RPT_WEB_RESPREDICT rows, most-covered first (akshare: stock_profit_forecast_em)."""
        return self._memo(("forecast", industry), lambda: self._forecast_rows(industry))

    def _forecast_rows(self, industry: str | None) -> list[dict[str, Any]]:
        rows = []
        for c in self.companies:
            if industry is not None and c.industry != industry:
                continue
            s = self.series(c.code)
            assert s is not None
            fc = s.forecast()
            if fc is None:
                continue
            rows.append(_forecast_row(s, fc))
        rows.sort(key=lambda r: (r["RATING_ORG_NUM"], r["SECURITY_CODE"]), reverse=True)
        return rows

    # -- push2 rows ---------------------------------------------------------------------
    def quote_fields(self, code: str) -> dict[str, Any] | None:
        """push2 `stock/get` data (fltt=2: plain numbers), by field code."""
        s = self.series(code)
        if s is None:
            return None
        c, d = s.c, s.last
        rep = s.published[-1]
        return {
            "f43": d.close,
            "f44": d.high,
            "f45": d.low,
            "f46": d.open,
            "f47": d.volume_lots,
            "f48": d.amount,
            "f50": 1.0,
            "f57": c.code,
            "f58": c.name,
            "f60": d.prev_close,
            "f84": float(c.total_shares),
            "f85": float(c.free_shares),
            "f116": d.market_cap,
            "f117": d.float_cap,
            "f127": c.industry,
            "f162": s.dynamic_pe(),
            "f163": round(d.pe_lar, 2) if d.pe_lar is not None else "-",
            "f164": round(d.pe_ttm, 2) if d.pe_ttm is not None else "-",
            "f167": round(d.pb, 2) if d.pb is not None else "-",
            "f168": d.turnover_pct,
            "f169": round(d.close - d.prev_close, 2),
            "f170": round((d.close / d.prev_close - 1) * 100, 2),
            "f173": round(rep.profit_ytd / rep.equity * 100, 2),
            "f189": int(c.listed.strftime("%Y%m%d")),
        }

    def member_fields(self, code: str) -> dict[str, Any]:
        """One push2 `clist` row for a stock (a board's member list), by field code."""
        s = self.series(code)
        assert s is not None
        c, d = s.c, s.last
        days = s.days
        d60 = days[-61].close if len(days) > 60 else days[0].close
        ytd = [x for x in days if x.date.year < d.date.year]
        y0 = ytd[-1].close if ytd else days[0].close
        return {
            "f1": 2,
            "f2": d.close,
            "f3": round((d.close / d.prev_close - 1) * 100, 2),
            "f4": round(d.close - d.prev_close, 2),
            "f5": d.volume_lots,
            "f6": d.amount,
            "f7": round((d.high - d.low) / d.prev_close * 100, 2),
            "f8": d.turnover_pct,
            "f9": s.dynamic_pe() if s.dynamic_pe() is not None else "-",
            "f10": 1.0,
            "f11": 0.0,
            "f12": c.code,
            "f13": market_id(c.code),
            "f14": c.name,
            "f15": d.high,
            "f16": d.low,
            "f17": d.open,
            "f18": d.prev_close,
            "f20": d.market_cap,
            "f21": d.float_cap,
            "f22": 0.0,
            "f23": round(d.pb, 2) if d.pb is not None else "-",
            "f24": round((d.close / d60 - 1) * 100, 2),
            "f25": round((d.close / y0 - 1) * 100, 2),
            "f45": 0,
            "f62": 0.0,
            "f115": round(d.pe_ttm, 2) if d.pe_ttm is not None else "-",
            "f128": "-",
            "f140": "-",
            "f141": "-",
            "f136": "-",
            "f152": 2,
        }

    def board_fields(self, board: Board, rank: int) -> dict[str, Any]:
        """One push2 `clist` row for a concept board (the board list), by field code."""
        members = [self.series(m) for m in board.members if m in self.by_code]
        caps = [s.last.market_cap for s in members if s is not None]
        pcts = [
            (s, (s.last.close / s.last.prev_close - 1) * 100) for s in members if s is not None
        ]
        up = sum(1 for _, p in pcts if p > 0)
        down = sum(1 for _, p in pcts if p < 0)
        leader = max(pcts, key=lambda sp: sp[1]) if pcts else None
        level = round(1000 * (1 + 0.5 * _unit(board.code)), 2)
        pct = round(sum(p for _, p in pcts) / len(pcts), 2) if pcts else 0.0
        return {
            "f1": 2,
            "f2": level,
            "f3": pct,
            "f4": round(level * pct / 100, 2),
            "f8": round(2 + _unit(board.code, "t"), 2),
            "f11": 0.0,
            "f12": board.code,
            "f13": 90,
            "f14": board.name,
            "f15": level,
            "f16": level,
            "f17": level,
            "f18": level,
            "f20": round(sum(caps), 2),
            "f21": round(sum(caps) * 0.85, 2),
            "f22": 0.0,
            "f24": 0.0,
            "f25": 0.0,
            "f33": 0.0,
            "f62": 0.0,
            "f104": up,
            "f105": down,
            "f107": 0,
            "f124": 1770966000 + rank,
            "f128": leader[0].c.name if leader else "-",
            "f140": leader[0].c.code if leader else "-",
            "f141": market_id(leader[0].c.code) if leader else "-",
            "f136": round(leader[1], 2) if leader else "-",
        }

    def kline_rows(self, code: str, fqt: str, klt: str, beg: str, end: str) -> list[str] | None:
        """push2his kline strings: date,open,close,high,low,volume(lots),amount(yuan),
        amplitude%,change%,change,turnover% (akshare: stock_zh_a_hist)."""
        s = self.series(code)
        if s is None:
            return None
        mode = {"0": "", "1": "qfq", "2": "hfq"}.get(fqt, "")
        lo = _yyyymmdd(beg) or date.min
        hi = _yyyymmdd(end) or date.max
        bars = []
        for day, f in s.adjusted(mode):
            if not lo <= day.date <= hi:
                continue
            bars.append(
                (
                    day.date,
                    round(day.open * f, 2),
                    round(day.close * f, 2),
                    round(day.high * f, 2),
                    round(day.low * f, 2),
                    day.volume_lots,
                    day.amount,
                    round(day.prev_close * f, 2),
                    day.turnover_pct,
                )
            )
        if klt in ("102", "103"):
            bars = _aggregate(bars, weekly=klt == "102")
        out = []
        for d, o, cl, h, lw, v, a, pc, t in bars:
            amp = (h - lw) / pc * 100 if pc else 0.0
            chg = cl - pc
            pct = chg / pc * 100 if pc else 0.0
            out.append(
                f"{d.isoformat()},{o:.2f},{cl:.2f},{h:.2f},{lw:.2f},{v},{a:.2f},"
                f"{amp:.2f},{pct:.2f},{chg:.2f},{t:.2f}"
            )
        return out


    def fx_klines(self, symbol: str) -> list[str] | None:
        """push2his kline strings for an FX pair (akshare: forex_hist_em), 14 fields as
        `fields2=f51..f64` asks: date,open,close,high,low, then volume, amount,
        amplitude% and six more that forex_hist_em drops. Only the USD/CNY central
        parity (`USDCNYC`, market 120) is served: about 7.1 yuan a dollar, invented."""
        if symbol != "USDCNYC" or not self.fx_days:
            return None
        out = []
        for day, close in self.fx_days:
            o = round(close * (1 - 0.0004 * _unit("fx-open", day)), 4)
            h, lw = max(o, close), min(o, close)
            amp = (h - lw) / o * 100
            out.append(
                f"{day.isoformat()},{o:.4f},{close:.4f},{h:.4f},{lw:.4f},0,0.00,{amp:.2f},"
                "0.00,0.0000,0.00,0,0,0"
            )
        return out

    @cached_property
    def fx_days(self) -> tuple[tuple[date, float], ...]:
        """(day, yuan per dollar) of the central parity: a year of weekdays to `as_of`."""
        if not self.fx_parity:
            return ()
        days = trading_days(self.as_of - timedelta(days=365), self.as_of)
        last = len(days) - 1
        rates = []
        for i, d in enumerate(days):  # a 1% drift over the year, a little noise, exact today
            drift = 1 + 0.01 * (i - last) / last + (0.001 * _unit("fx", d) if i < last else 0)
            rates.append((d, round(self.fx_parity * drift, 4)))
        return tuple(rates)


def _yyyymmdd(text: str) -> date | None:
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except (ValueError, IndexError):
        return None


def _aggregate(bars: list[tuple[Any, ...]], *, weekly: bool) -> list[tuple[Any, ...]]:
    groups: dict[tuple[int, int], list[tuple[Any, ...]]] = {}
    for bar in bars:
        d = bar[0]
        key = tuple(d.isocalendar()[:2]) if weekly else (d.year, d.month)
        groups.setdefault(key, []).append(bar)  # type: ignore[arg-type]
    out = []
    for group in groups.values():
        out.append(
            (
                group[-1][0],
                group[0][1],
                group[-1][2],
                max(b[3] for b in group),
                min(b[4] for b in group),
                sum(b[5] for b in group),
                round(sum(b[6] for b in group), 2),
                group[0][7],
                round(sum(b[8] for b in group), 2),
            )
        )
    return out


def _pct(now: float, before: float) -> float | None:
    if not before:
        return None
    return round((now / before - 1) * 100 * (1 if before > 0 else -1), 10)


def _results_row(s: CompanySeries, q: Quarter) -> dict[str, Any]:
    """37 keys in the order akshare's stock_yjbb_em maps by position (docs/akshare.md)."""
    c = s.c
    k = s.quarters.index(q)
    prior = s.quarters[k - 4] if k >= 4 else None
    prev = s.quarters[k - 1] if k >= 1 else None
    year_start_equity = s.quarters[k - q.index - 1].equity if k - q.index - 1 >= 0 else q.equity
    tm_code, tm = trade_market(c.code)
    eps = q.profit_ytd / c.total_shares
    period = f"{q.end.year}年 {_PERIOD_NAMES[q.index]}"
    return {
        "SECURITY_CODE": c.code,
        "SECURITY_NAME_ABBR": c.name,
        "TRADE_MARKET_CODE": tm_code,
        "TRADE_MARKET": tm,
        "SECURITY_TYPE_CODE": "058001001",
        "SECURITY_TYPE": "A股",
        "UPDATE_DATE": _iso(q.notice),
        "REPORTDATE": _iso(q.end),
        "BASIC_EPS": round(eps, 4),
        "DEDUCT_BASIC_EPS": round(eps * 0.95, 4),
        "TOTAL_OPERATE_INCOME": round(q.revenue_ytd, 2),
        "PARENT_NETPROFIT": round(q.profit_ytd, 2),
        "WEIGHTAVG_ROE": round(q.profit_ytd / ((year_start_equity + q.equity) / 2) * 100, 2),
        "YSTZ": _pct(q.revenue_ytd, prior.revenue_ytd) if prior else None,
        "SJLTZ": _pct(q.profit_ytd, prior.profit_ytd) if prior else None,
        "BPS": round(q.equity / c.total_shares, 6),
        "MGJYXJJE": round(q.profit_ytd * 1.1 / c.total_shares, 6),
        "XSMLL": round(q.gross_ytd / q.revenue_ytd * 100, 4),
        "YSHZ": _pct(q.revenue_q, prev.revenue_q) if prev else None,
        "SJLHZ": _pct(q.profit_q, prev.profit_q) if prev else None,
        "ASSIGNDSCRPT": None,
        "PAYYEAR": None,
        "PUBLISHNAME": c.industry,
        "ZXGXL": None,
        "NOTICE_DATE": _iso(q.notice),
        "ORG_CODE": f"10{c.code}",
        "TRADE_MARKET_ZJG": "0101" if c.exchange == "SH" else "0201",
        "ISNEW": "1",
        "QDATE": f"{q.end.year}Q{q.index + 1}",
        "DATATYPE": period,
        "DATAYEAR": str(q.end.year),
        "DATEMMDD": _PERIOD_NAMES[q.index],
        "EITIME": f"{q.notice.isoformat()} 18:30:00",
        "SECUCODE": c.secucode,
        "BOARD_NAME": c.industry,
        "ORI_BOARD_CODE": _industry_code(c.industry),
        "BOARD_CODE": f"BK{_industry_code(c.industry)}",
    }


def _forecast_row(s: CompanySeries, fc: list[tuple[int, str, float]]) -> dict[str, Any]:
    """31 keys in the order akshare's stock_profit_forecast_em maps by position."""
    c = s.c
    orgs = c.forecast_orgs
    buy = max(orgs * 2 // 3, 0)
    row: dict[str, Any] = {
        "SECUCODE": c.secucode,
        "SECURITY_CODE": c.code,
        "SECURITY_NAME_ABBR": c.name,
        "RATING_ORG_NUM": orgs,
        "RATING_BUY_NUM": buy,
        "RATING_ADD_NUM": orgs - buy,
        "RATING_NEUTRAL_NUM": None,
        "RATING_REDUCE_NUM": None,
        "RATING_SALE_NUM": None,
    }
    for n, (year, mark, eps) in enumerate(fc, start=1):
        row[f"YEAR{n}"] = year
        row[f"YEAR_MARK{n}"] = mark
        row[f"EPS{n}"] = round(eps, 12)
    price = c.price  # the last close, without building the daily series
    row.update(
        {
            "INDUSTRY_BOARD": c.industry,
            "INDUSTRY_BOARD_SZM": "T",
            "CONCEPTINDEX_BOARD": ",".join(c.concepts),
            "CONCEPTINDEX_BOARD_SZM": "",
            "REGION_BOARD": "",
            "REGION_BOARD_SZM": "",
            "MARKET_BOARD": trade_market(c.code)[0],
            "DEC_AIMPRICEMAX": round(price * 1.3, 2),
            "DEC_AIMPRICEMIN": round(price * 1.05, 2),
            "RATING_LONG_NUM": orgs,
        }
    )
    return row


# -- fixtures ------------------------------------------------------------------------------
SECTOR_BOARDS: tuple[tuple[str, str], ...] = (
    # (invented BK code, real East Money concept board name)
    ("BK1128", "CPO概念"),
    ("BK1133", "光通信模块"),
    ("BK1167", "铜缆高速连接"),
    ("BK0634", "数据中心"),
    ("BK1150", "液冷服务器"),
    ("BK1149", "东数西算"),
    ("BK1134", "算力概念"),
)


def default_companies() -> tuple[Company, ...]:
    """A handful of universe A-shares across SH, STAR, SZ, ChiNext and Beijing."""
    return (
        Company(
            "300308", "中际旭创", "通信设备", date(2012, 4, 10), 182.50, 1_118_000_000,
            revenue_ttm=31_200_000_000, net_margin=0.25, gross_margin=0.34,
            revenue_growth=0.55, equity=25_600_000_000,
            concepts=("CPO概念", "光通信模块", "算力概念"), forecast_growth=0.42,
            forecast_orgs=36,
        ),
        Company(
            "600498", "烽火通信", "通信设备", date(2001, 8, 23), 26.40, 1_184_000_000,
            revenue_ttm=31_800_000_000, net_margin=0.027, gross_margin=0.22,
            revenue_growth=0.04, equity=12_300_000_000,
            concepts=("光通信模块", "数据中心"), forecast_growth=0.12, forecast_orgs=9,
            dividends=((date(2025, 7, 10), 0.12),),
        ),
        Company(
            "688498", "源杰科技", "半导体", date(2022, 12, 21), 128.00, 85_950_000,
            revenue_ttm=360_000_000, net_margin=0.08, gross_margin=0.40,
            revenue_growth=0.30, equity=1_900_000_000,
            concepts=("CPO概念", "光通信模块"), forecast_growth=0.80, forecast_orgs=7,
        ),
        Company(
            "002837", "英维克", "专用设备", date(2016, 12, 29), 41.20, 754_000_000,
            revenue_ttm=5_600_000_000, net_margin=0.10, gross_margin=0.29,
            revenue_growth=0.35, equity=3_900_000_000,
            concepts=("液冷服务器", "数据中心", "东数西算", "算力概念"),
            forecast_growth=0.33, forecast_orgs=18,
        ),
        Company(
            "300846", "首都在线", "互联网服务", date(2020, 7, 1), 17.80, 502_000_000,
            revenue_ttm=1_250_000_000, net_margin=-0.09, gross_margin=0.08,
            revenue_growth=0.05, equity=1_100_000_000,
            concepts=("东数西算", "算力概念", "数据中心"),
        ),
        Company(
            "002130", "沃尔核材", "电网设备", date(2007, 4, 20), 24.30, 1_260_000_000,
            revenue_ttm=7_600_000_000, net_margin=0.12, gross_margin=0.30,
            revenue_growth=0.20, equity=6_000_000_000,
            concepts=("铜缆高速连接",), forecast_growth=0.25, forecast_orgs=8,
        ),
        Company(
            "920808", "曙光数创", "专用设备", date(2022, 11, 18), 62.00, 140_000_000,
            revenue_ttm=560_000_000, net_margin=0.15, gross_margin=0.33,
            revenue_growth=0.10, equity=900_000_000, concepts=("液冷服务器",),
        ),
    )


def default_boards(companies: Iterable[Company]) -> tuple[Board, ...]:
    """The seven sector boards with their members, plus two unrelated boards."""
    companies = tuple(companies)
    boards = []
    for code, name in SECTOR_BOARDS:
        members = tuple(c.code for c in companies if name in c.concepts)
        boards.append(Board(code, name, members))
    boards.append(Board("BK0596", "融资融券", tuple(c.code for c in companies[:4])))
    boards.append(Board("BK0500", "HS300_", ("300308", "002837")))
    return tuple(boards)


def synthetic_company(code: str, **overrides: Any) -> Company:
    """A made-up company for padding (paging) and benchmarks, stable per code."""
    u = _unit(code, "syn")
    base = Company(
        code,
        f"示例{code[-4:]}",
        ("通信设备", "电子元件", "专用设备", "软件开发")[int((u + 1) * 2) % 4],
        date(2010 + int((u + 1) * 6), 6, 1),
        round(20 + 15 * (u + 1), 2),
        400_000_000 + int(300_000_000 * (u + 1)),
        revenue_ttm=2_000_000_000 * (1.5 + u),
        net_margin=0.08 + 0.05 * u,
        gross_margin=0.3,
        revenue_growth=0.1 + 0.1 * u,
        equity=3_000_000_000 * (1.5 + u),
        forecast_growth=0.2 if u > -0.5 else None,
        forecast_orgs=3 + int((u + 1) * 5),
    )
    return replace(base, **overrides)


def padding_company(code: str) -> Company:
    """A synthetic company listed in 2025 (short series: padding stays cheap to build)."""
    listed = date(2025, 3, 3) + timedelta(days=int((_unit(code, "listed") + 1) * 30))
    return synthetic_company(code, listed=listed)


def padding_codes(n: int, start: int = 301500) -> list[str]:
    """`n` six-digit codes for synthetic companies (a ChiNext range no fixture uses)."""
    return [f"{start + i:06d}" for i in range(n)]


def default_market(
    *,
    extra_companies: int = 0,
    extra_boards: int = 0,
    extra_members: dict[str, int] | None = None,
    as_of: date = END_DATE,
) -> Market:
    """The default fixture, optionally padded so answers span several pages.

    `extra_companies` synthetic companies join the whole-market reports (results,
    forecasts); `extra_boards` unrelated boards join the board list;
    `extra_members` adds that many synthetic members to the named boards.
    """
    companies = list(default_companies())
    codes = padding_codes(extra_companies + sum((extra_members or {}).values()))
    pad = [padding_company(c) for c in codes]
    companies += pad
    boards = list(default_boards(default_companies()))
    used = extra_companies
    for name, n in (extra_members or {}).items():
        members = tuple(c.code for c in pad[used : used + n])
        used += n
        boards = [replace(b, members=b.members + members) if b.name == name else b for b in boards]
    for i in range(extra_boards):
        boards.append(Board(f"BK{2000 + i}", f"概念{i:03d}", ()))
    return Market(tuple(companies), tuple(boards), as_of)
