"""Every figure checked at the provider boundary: a real, finite number in a sane range.

East Money's answers pass through akshare's pandas code unchecked; a malformed or
hostile value (text, NaN, infinity, a margin of 40,000%) must never reach the store.
What fails is dropped and the reason kept, so the bundle says what was refused.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date
from numbers import Real
from typing import Any

#: metric -> (lowest, highest) accepted, in catalogue units (fractions as fractions)
RANGES: dict[str, tuple[float, float]] = {
    "price": (1e-4, 1e7),
    "market_cap": (1e3, 1e15),
    "revenue_ttm": (0.0, 1e14),  # yuan
    "pe_ttm": (-1e5, 1e5),
    "pe_fwd": (-1e5, 1e5),
    "pb": (-1e5, 1e5),
    "ps_ttm": (-1e5, 1e5),
    "peg": (-1e5, 1e5),
    "revenue_growth": (-1.0, 1000.0),
    "earnings_growth": (-1000.0, 1000.0),
    "gross_margin": (-100.0, 1.0),
    "net_margin": (-1000.0, 1000.0),
    "roe": (-100.0, 100.0),
    "ret_1m": (-1.0, 1000.0),
    "ret_3m": (-1.0, 1000.0),
    "ret_6m": (-1.0, 1000.0),
    "ret_12m": (-1.0, 1000.0),
    "off_52w_high": (-1.0, 1.0),
    "price_vs_ma200": (-1.0, 1000.0),
}
_DEFAULT_RANGE = (-1e15, 1e15)


def check_number(value: Any, low: float = _DEFAULT_RANGE[0], high: float = _DEFAULT_RANGE[1]) -> (
    tuple[float | None, str]
):
    """(the value as a float, "") or (None, why it was refused)."""
    if isinstance(value, bool) or not isinstance(value, Real | str):
        return None, f"not a number ({type(value).__name__})"
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None, f"not a number ({str(value)[:40]!r})"
    if not math.isfinite(number):
        return None, f"not finite ({number})"
    if not low <= number <= high:
        return None, f"out of range ({number:g} not in [{low:g}, {high:g}])"
    return number, ""


def clean_metrics(raw: Mapping[str, Any]) -> tuple[dict[str, float], dict[str, str]]:
    """(accepted metrics, refused metric -> reason); None values are simply absent."""
    clean: dict[str, float] = {}
    refused: dict[str, str] = {}
    for name, value in raw.items():
        if value is None or (isinstance(value, float) and math.isnan(value)):
            continue  # not published: absent, not refused
        low, high = RANGES.get(name, _DEFAULT_RANGE)
        number, why = check_number(value, low, high)
        if number is None:
            refused[name] = why
        else:
            clean[name] = number
    return clean, refused


def clean_text(value: Any, limit: int = 200) -> str | None:
    """A short printable string, or None: control characters never reach a terminal."""
    if value is None or isinstance(value, float):
        return None
    text = str(value).strip()
    if not text or text in ("-", "nan", "None"):
        return None
    text = "".join(ch for ch in text if ch.isprintable())
    return text[:limit] or None


#: currency -> (lowest, highest) units one US dollar buys that pass as a real rate
#: (the yuan has stayed between 6 and 8.3 since 2005; a tenfold slip must not pass)
FX_RANGES: dict[str, tuple[float, float]] = {"CNY": (4.0, 12.0)}


def check_fx(currency: str, day: Any, value: Any, today: date) -> tuple[float | None, str]:
    """(units per USD, "") or (None, why): a finite rate in range, dated, not in the future."""
    low, high = FX_RANGES.get(currency, (1e-6, 1e6))
    number, why = check_number(value, low, high)
    if number is None:
        return None, f"{currency} per USD {why}"
    try:
        when = date.fromisoformat(str(day)[:10])
    except ValueError:
        return None, f"{currency} per USD: no date ({str(day)[:20]!r})"
    if when > today:
        return None, f"{currency} per USD dated {when}, after today"
    return number, ""
