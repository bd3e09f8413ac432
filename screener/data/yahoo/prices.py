"""Daily bars from yfinance's history frames, and the metrics the closes give.

Pure: a frame in, `PriceBar`s out; bars in, returns and moving-average distances out.
The frames come from `history(auto_adjust=False)`: "Close" is the traded close (split-
adjusted, as Yahoo sends it) and "Adj Close" also takes dividends out. Returns, the
200-day average and the 52-week high are price figures, so they read the close.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from screener.data.provider import PriceBar
from screener.utils import finite_float


def bars_from_frame(frame: Any) -> tuple[PriceBar, ...]:
    """PriceBars from a yfinance history frame (dates are the exchange's local dates).

    "Adj Close" is there only with `auto_adjust=False`; without it `adj_close` is None.
    """
    columns = ("Open", "High", "Low", "Close", "Adj Close", "Volume")
    present = [c for c in columns if c in getattr(frame, "columns", ())]
    bars = []
    for ts, values in zip(frame.index, frame[present].itertuples(index=False), strict=True):
        row = dict(zip(present, values, strict=True))
        close = finite_float(row.get("Close"))
        if close is None:
            continue
        bars.append(
            PriceBar(
                date=ts.date().isoformat(),
                open=finite_float(row.get("Open")),
                high=finite_float(row.get("High")),
                low=finite_float(row.get("Low")),
                close=close,
                volume=finite_float(row.get("Volume")),
                adj_close=finite_float(row.get("Adj Close")),
            )
        )
    return tuple(bars)


def chart_currency(meta: Mapping[str, Any] | None) -> str | None:
    """The listing currency of a chart answer (`meta.currency`, "GBp" for pence), if any."""
    value = meta.get("currency") if isinstance(meta, Mapping) else None
    return value if isinstance(value, str) and value else None


def price_metrics(bars: tuple[PriceBar, ...], price: float | None = None) -> dict[str, float]:
    """Price returns over 1/3/6/12 months and distance from the 200-day average.

    From the traded closes, never the dividend-adjusted ones: a price return, dividends
    not included, as the catalogue says. A window counts only when the history reaches
    back that far: the close used is the last one on or before the same calendar day
    1/3/6/12 months earlier.
    """
    if not bars:
        return {}
    last = price if price is not None else bars[-1].close
    last_day = date.fromisoformat(bars[-1].date[:10])
    out: dict[str, float] = {}
    first_day = date.fromisoformat(bars[0].date[:10])
    for name, months in (("ret_1m", 1), ("ret_3m", 3), ("ret_6m", 6), ("ret_12m", 12)):
        y, m = divmod(last_day.month - 1 - months, 12)
        year, month = last_day.year + y, m + 1
        day = min(last_day.day, 28 if month == 2 else 30 if month in (4, 6, 9, 11) else 31)
        target = date(year, month, day)
        if target < first_day:
            # Within a few days of a year's history counts for 12 months (holidays, weekends).
            if (first_day - target).days > 7:
                continue
            target = first_day
        base = None
        for bar in reversed(bars):
            if date.fromisoformat(bar.date[:10]) <= target:
                base = bar.close
                break
        if base:
            out[name] = last / base - 1
    if len(bars) >= 200:
        ma200 = sum(b.close for b in bars[-200:]) / 200
        if ma200:
            out["price_vs_ma200"] = last / ma200 - 1
    return out


def with_price_metrics(
    metrics: Mapping[str, float], bars: tuple[PriceBar, ...]
) -> dict[str, float]:
    """`metrics` plus what the bars give; the quote's own price and 52-week high win.

    Without a quote (a prices-only fetch) the price is the last close and the distance
    from the 52-week high is measured on the last 252 bars.
    """
    out = dict(metrics)
    out.update(price_metrics(bars, out.get("price")))
    if "price" not in out:
        out["price"] = bars[-1].close
    if "off_52w_high" not in out:
        highs = [b.high for b in bars[-252:] if b.high is not None]
        if highs:
            out["off_52w_high"] = out["price"] / max(highs) - 1
    return out
