"""akshare's DataFrames -> catalogue figures, history points, bars and the profile.

Pure: frames in (as akshare 1.19.5 returns them, columns named as in docs/akshare.md),
plain values out, units converted here and nowhere else: percent -> fraction, lots of
100 shares -> shares; money is already yuan in every function used (not 亿/万). The
TTM multiple is `PE(TTM)` from `stock_value_em`; the push2 lists' 市盈率-动态
(annualised latest quarter) is never read, so it can never pass as `pe_ttm`.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from operator import attrgetter, itemgetter
from typing import Any

import numpy as np

from screener.data.akshare.validate import check_number, clean_text
from screener.data.provider import HistoryPoint, PriceBar
from screener.utils import finite_float

# -- stock_value_em: the daily valuation ------------------------------------------------

#: stock_value_em column -> catalogue metric, for the latest row
VALUE_COLUMNS: dict[str, str] = {
    "当日收盘价": "price",  # yuan, unadjusted close
    "总市值": "market_cap",  # yuan
    "PE(TTM)": "pe_ttm",  # trailing four quarters; never PE(静) or 动态
    "市净率": "pb",
    "市销率": "ps_ttm",
    "PEG值": "peg",
}
#: stock_value_em column -> history metric (the catalogue's multiples with a history)
HISTORY_COLUMNS: dict[str, str] = {"PE(TTM)": "pe_ttm", "市净率": "pb", "市销率": "ps_ttm"}


def _iso(value: Any) -> str | None:
    if isinstance(value, date):
        return value.isoformat()[:10]
    text = str(value or "")[:10]
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        return None


def latest_valuation(frame: Any) -> tuple[dict[str, Any], str | None]:
    """(raw figures of the newest row, its trade date); validation comes after."""
    if frame is None or len(frame) == 0:
        return {}, None
    rows = frame.sort_values("数据日期")
    last = rows.iloc[-1]
    raw = {metric: last.get(column) for column, metric in VALUE_COLUMNS.items()}
    return raw, _iso(last.get("数据日期"))


def _numeric(column: Any) -> bool:
    """A float or integer column (not bool, not object): numpy can judge it whole."""
    return getattr(getattr(column, "dtype", None), "kind", "") in ("f", "i", "u")


def _dates(column: Any) -> list[str | None]:
    return [_iso(v) for v in column]


def _history_of(
    days: list[str | None], column: Any, metric: str
) -> tuple[list[HistoryPoint], int]:
    """One multiple's points (by date, ties in row order) and how many values were refused."""
    if not _numeric(column):  # text, objects: value by value, as East Money sent them
        kept: list[tuple[str, float]] = []
        refused = 0
        for day, value in zip(days, column, strict=True):
            if value is None or (isinstance(value, float) and math.isnan(value)):
                continue
            number, _ = check_number(value, -1e5, 1e5)
            if number is None or day is None:
                refused += 1
                continue
            kept.append((day, number))
    else:
        values = np.asarray(column, dtype=float)
        present = ~np.isnan(values)  # not published: absent, not refused
        good = present & (values >= -1e5) & (values <= 1e5)  # inf fails the range
        good &= np.fromiter((day is not None for day in days), dtype=bool, count=len(days))
        refused = int(present.sum() - good.sum())
        at = np.flatnonzero(good).tolist()
        kept = list(zip([days[i] for i in at], values[good].tolist(), strict=True))
    kept.sort(key=itemgetter(0))  # stable: same-day duplicates stay in row order
    return [HistoryPoint(metric, day, number) for day, number in kept], refused  # type: ignore[arg-type]


def valuation_history(frame: Any) -> tuple[tuple[HistoryPoint, ...], int]:
    """Every daily PE(TTM), P/B and P/S since the series starts; (points, values refused).

    Column by column (numpy over a numeric column), sorted by metric then date.
    """
    if frame is None or len(frame) == 0:
        return (), 0
    if not frame.columns.is_unique:
        return _valuation_history_by_row(frame)
    days = _dates(frame["数据日期"])
    points: list[HistoryPoint] = []
    refused = 0
    for column, metric in sorted(HISTORY_COLUMNS.items(), key=itemgetter(1)):
        kept, lost = _history_of(days, frame[column], metric)
        points += kept
        refused += lost
    return tuple(points), refused


def _valuation_history_by_row(frame: Any) -> tuple[tuple[HistoryPoint, ...], int]:
    """The per-value reading, for a frame numpy cannot take column by column."""
    points: list[HistoryPoint] = []
    refused = 0
    dates = [_iso(v) for v in frame["数据日期"]]
    for column, metric in HISTORY_COLUMNS.items():
        for day, value in zip(dates, frame[column], strict=True):
            if value is None or (isinstance(value, float) and math.isnan(value)):
                continue
            number, _ = check_number(value, -1e5, 1e5)
            if number is None or day is None:
                refused += 1
                continue
            points.append(HistoryPoint(metric, day, number))
    points.sort(key=lambda p: (p.metric, p.date))
    return tuple(points), refused


# -- stock_zh_a_hist: daily bars --------------------------------------------------------

SHARES_PER_LOT = 100


def _finite_column(frame: Any, name: str) -> list[float | None]:
    """`finite_float` of every value of a column (None throughout when it is missing)."""
    if name not in frame.columns:
        return [None] * len(frame)
    column = frame[name]
    if not _numeric(column):
        return [finite_float(v) for v in column]
    values = np.asarray(column, dtype=float)
    out: list[float | None] = values.tolist()
    for i in np.flatnonzero(~np.isfinite(values)).tolist():
        out[i] = None
    return out


def bars_from_hist(frame: Any) -> tuple[PriceBar, ...]:
    """PriceBars from stock_zh_a_hist; volume from lots to shares; bad rows skipped.

    Column by column: numpy over each numeric column, one PriceBar per kept row.
    """
    if frame is None or len(frame) == 0 or "收盘" not in frame.columns:
        return ()
    if not frame.columns.is_unique:
        return _bars_by_row(frame)
    days = _dates(frame["日期"]) if "日期" in frame.columns else [None] * len(frame)
    closes = frame["收盘"]
    if _numeric(closes):
        values = np.asarray(closes, dtype=float)
        usable = (values >= 1e-4) & (values <= 1e7)  # NaN and inf fail the range
        close_of: list[float | None] = [
            v if ok else None for v, ok in zip(values.tolist(), usable.tolist(), strict=True)
        ]
    else:
        close_of = [check_number(v, 1e-4, 1e7)[0] for v in closes]
    opens, highs, lows, lots = (
        _finite_column(frame, name) for name in ("开盘", "最高", "最低", "成交量")
    )
    bars = [
        PriceBar(
            date=day,
            open=opened,
            high=high,
            low=low,
            close=close,
            volume=lot * SHARES_PER_LOT if lot is not None and lot >= 0 else None,
        )
        for day, opened, high, low, close, lot in zip(
            days, opens, highs, lows, close_of, lots, strict=True
        )
        if day is not None and close is not None
    ]
    bars.sort(key=attrgetter("date"))
    return tuple(bars)


def _bars_by_row(frame: Any) -> tuple[PriceBar, ...]:
    """The per-row reading, for a frame numpy cannot take column by column."""
    bars: list[PriceBar] = []
    for row in frame.itertuples(index=False):
        values = dict(zip(frame.columns, row, strict=True))
        day = _iso(values.get("日期"))
        close, _ = check_number(values.get("收盘"), 1e-4, 1e7)
        if day is None or close is None:
            continue
        lots = finite_float(values.get("成交量"))
        bars.append(
            PriceBar(
                date=day,
                open=finite_float(values.get("开盘")),
                high=finite_float(values.get("最高")),
                low=finite_float(values.get("最低")),
                close=close,
                volume=lots * SHARES_PER_LOT if lots is not None and lots >= 0 else None,
            )
        )
    bars.sort(key=lambda b: b.date)
    return tuple(bars)


# -- stock_yjbb_em: whole-market quarterly results ---------------------------------------


@dataclass(frozen=True)
class Results:
    """One company's row of one report period (year-to-date figures), as catalogue inputs."""

    period: date  # the report period end: the figures' vintage
    raw: dict[str, Any]  # catalogue metric -> raw value (fractions), validated later
    name: str | None
    industry: str | None
    revenue: float | None = None  # operating revenue year to date, yuan (for the TTM)


def revenue_of(frame: Any, code: str) -> float | None:
    """The company's year-to-date revenue in a stock_yjbb_em frame (None: not reported)."""
    if frame is None or len(frame) == 0:
        return None
    rows = frame[frame["股票代码"].astype(str) == code]
    return finite_float(rows.iloc[0].get("营业总收入-营业总收入")) if len(rows) else None


def revenue_ttm(ytd: float, period: date, last_fy: float | None, prior_ytd: float | None) -> (
    tuple[float | None, str]
):
    """(trailing twelve months revenue, how it was built) from year-to-date figures.

    East Money's revenue is year to date: TTM = this YTD + the last fiscal year - the same
    YTD a year earlier; an annual report is its own TTM. None (and why) when a part is
    missing: a TTM of two different windows would be wrong, not approximate.
    """
    if period.month == 12:
        return ytd, f"FY {period.year}"
    if last_fy is None or prior_ytd is None:
        missing = "FY" if last_fy is None else f"YTD to {period.replace(year=period.year - 1)}"
        return None, f"{missing} {period.year - 1} not reported: no TTM from YTD {period}"
    return (
        ytd + last_fy - prior_ytd,
        f"YTD to {period} + FY {period.year - 1} - YTD to {period.replace(year=period.year - 1)}",
    )


def quarters_in(period: date) -> int:
    """1 for a Q1 report ... 4 for the annual: how many quarters the YTD figures cover."""
    return {3: 1, 6: 2, 9: 3, 12: 4}.get(period.month, 4)


def _pct(value: Any) -> float | None:
    number = finite_float(value)
    return None if number is None else number / 100


def results_row(frame: Any, code: str, period: date) -> Results | None:
    """The company's row of a stock_yjbb_em frame, or None when it has not reported.

    Growth compares like periods (YTD against the same YTD a year earlier, as East
    Money's 同比 does); the margins are YTD; ROE is the weighted YTD figure annualised
    (x 4 / quarters covered), since a nine-month ROE is not a yearly one.
    """
    if frame is None or len(frame) == 0:
        return None
    rows = frame[frame["股票代码"].astype(str) == code]
    if len(rows) == 0:
        return None
    row = rows.iloc[0]
    revenue = finite_float(row.get("营业总收入-营业总收入"))
    profit = finite_float(row.get("净利润-净利润"))
    roe = _pct(row.get("净资产收益率"))
    raw: dict[str, Any] = {
        "revenue_growth": _pct(row.get("营业总收入-同比增长")),
        "earnings_growth": _pct(row.get("净利润-同比增长")),
        "gross_margin": _pct(row.get("销售毛利率")),
        "net_margin": profit / revenue if revenue and profit is not None else None,
        "roe": roe * 4 / quarters_in(period) if roe is not None else None,
    }
    return Results(
        period, raw, clean_text(row.get("股票简称")), clean_text(row.get("所处行业")), revenue
    )


def report_periods(today: date, count: int = 6) -> list[date]:
    """The `count` most recent quarter ends on or before `today`, newest first."""
    ends = []
    year = today.year
    while len(ends) < count:
        for month, day in ((12, 31), (9, 30), (6, 30), (3, 31)):
            end = date(year, month, day)
            if end <= today and len(ends) < count:
                ends.append(end)
        year -= 1
    return ends


def last_annual_year(period: date) -> int:
    """The fiscal year of the newest annual report, given the newest period reported.

    Annual reports and Q1 reports are both due by 30 April, so a company whose newest
    report is Q1-Q3 of year Y has published its annual report for Y-1; one whose newest
    is the December period has published Y.
    """
    return period.year if period.month == 12 else period.year - 1


# -- stock_profit_forecast_em: consensus EPS ---------------------------------------------


@dataclass(frozen=True)
class Forecast:
    """The consensus EPS for the first fiscal year after the last published annual report."""

    year: int
    eps: float
    label: str  # the column akshare put it under
    reports: float | None
    note: str = ""


def forecast_for(frame: Any, code: str, annual_year: int | None) -> Forecast | None:
    """The forward-year EPS of one company from stock_profit_forecast_em.

    akshare labels the four EPS columns with the *mode* of YEAR1..YEAR4 over all rows
    and assigns every row's values by position, so between January and April a row
    can sit under the wrong years (docs/akshare.md). YEAR1 is the company's last actual
    year, so the forward year's EPS is the second value whatever its label; its year
    is the last annual report's + 1 (from the quarterly results) when known.
    """
    if frame is None or len(frame) == 0:
        return None
    rows = frame[frame["代码"].astype(str) == code]
    if len(rows) == 0:
        return None
    columns = sorted(
        (c for c in frame.columns if str(c).endswith("预测每股收益") and str(c)[:4].isdigit()),
        key=lambda c: str(c)[:4],
    )
    if len(columns) < 2:
        return None
    row = rows.iloc[0]
    label = str(columns[1])
    eps = finite_float(row.get(label))
    if eps is None:
        return None
    labelled = int(label[:4])
    year = annual_year + 1 if annual_year is not None else labelled
    note = ""
    if year != labelled:
        note = (
            f"akshare labels this EPS {labelled} (the market's usual years); read by "
            f"position as FY{year}, the year after the last annual report ({annual_year})"
        )
    return Forecast(year, eps, label, finite_float(row.get("研报数")), note)


# -- stock_individual_info_em: the profile -----------------------------------------------


def profile_from_info(frame: Any) -> dict[str, Any]:
    """Name, industry, listing date and share counts from the item/value frame."""
    if frame is None or len(frame) == 0:
        return {}
    info: Mapping[str, Any] = dict(zip(frame["item"], frame["value"], strict=False))
    out: dict[str, Any] = {}
    name = clean_text(info.get("股票简称"), 60)
    if name:
        out["name_zh"] = name
    industry = clean_text(info.get("行业"), 60)
    if industry:
        out["industry_eastmoney"] = industry
    listed = str(info.get("上市时间") or "")
    if len(listed) == 8 and listed.isdigit():
        with contextlib.suppress(ValueError):  # an impossible date is simply not kept
            out["listing_date"] = date(int(listed[:4]), int(listed[4:6]), int(listed[6:]))
            out["listing_date"] = out["listing_date"].isoformat()
    for key, item in (("shares_outstanding", "总股本"), ("float_shares", "流通股")):
        number, _ = check_number(info.get(item), 1, 1e13)
        if number is not None:
            out[key] = number
    return out


# -- forex_hist_em: the USD/CNY central parity --------------------------------------------


def fx_newest(frame: Any) -> tuple[Any, Any]:
    """(date, close) of the newest row of a forex_hist_em frame (None, None: no rows)."""
    if frame is None or len(frame) == 0 or "日期" not in frame or "最新价" not in frame:
        return None, None
    rows = frame.dropna(subset=["日期"]).sort_values("日期")
    if len(rows) == 0:
        return None, None
    last = rows.iloc[-1]
    return last["日期"], last["最新价"]
