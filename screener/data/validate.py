"""One validator at every provider's boundary: what a source sent, checked before it is kept.

Figures, names and currencies come from the network, untyped. One bad value (a
currency of 10**30, `["USD"]` for a currency, a 400-digit integer, a negative market
cap, an FX close of 0) must cost that value only: never the company, never the run.
So every bundle is checked here, field by field, on its way into the store
(`Store.save_bundle` calls `validate_bundle`, whatever the provider), and so is every
FX rate (`valid_fx_rate`). What fails is dropped and the reason recorded in the
bundle's `extra["dropped"]` (field -> why); everything else is kept as it came.

Pure: no I/O, no provider imports. The checks: type (text is text, numbers are real
numbers, not booleans), finiteness and magnitude (|x| <= 1e18: nothing real is larger,
and sums of such values stay finite), range (prices and market caps are positive),
allowed codes (`utils.is_currency_code`), dates in ISO form, and text through the one
validator of accepted text (`utils.text_problem`: bounded, no control characters).
"""

from __future__ import annotations

import dataclasses
import functools
import math
import numbers
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from operator import attrgetter
from typing import Any

import numpy as np

from screener.catalog import NUMERIC_METRICS
from screener.data.provider import FetchBundle, FxRate, HistoryPoint, PriceBar, Vintage
from screener.utils import clip, finite_float, is_currency_code, text_problem

EXTRA_DROPPED = "dropped"
"""`FetchBundle.extra` key: field -> why it was dropped at the boundary."""

MAX_MAGNITUDE = 1e18
MAX_NAME_CHARS = 200  # a company name, a label, a short code
MAX_TEXT_CHARS = 20_000  # a business summary, a note
MAX_URL_CHARS = 2_000
MAX_EXTRA_DEPTH = 8
MAX_FX_UNITS = 1e9  # units of any currency per USD (the largest real ones are ~1e5)

#: metrics that cannot be zero or negative: a negative market cap is a broken answer
POSITIVE_METRICS = frozenset({"price", "market_cap", "market_cap_usd"})
#: metrics that cannot be negative
NON_NEGATIVE_METRICS = frozenset({"revenue_ttm", "dividend_yield", "data_age_days"})
#: metrics that are shares of a whole
UNIT_INTERVAL_METRICS = frozenset({"pe_hist_pct"})

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_ISO_MONTH = re.compile(r"\d{4}-\d{2}", re.ASCII)
_VINTAGE_BASES = frozenset({"quote", "statement", "estimate"})


def _shown(value: Any) -> str:
    """A rejected value quoted in a reason: its repr, cut short (never a 400-digit number)."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 10**18:
        return f"an integer of about {int(value.bit_length() * 0.30103) + 1} digits"
    try:
        return clip(repr(value), 60)
    except Exception:  # a repr that fails is itself a reason to drop the value
        return type(value).__name__


def number_problem(value: Any, metric: str | None = None) -> str | None:
    """Why `value` is not a figure we keep (of `metric`, for its range), or None."""
    if type(value) is float:  # the common case, without the ABC check below
        number = value
    elif isinstance(value, bool) or not isinstance(value, numbers.Real):
        return f"not a number: {_shown(value)}"
    else:
        try:
            number = float(value)
        except (OverflowError, ValueError, TypeError):
            return f"too large: {_shown(value)}"
    if not -MAX_MAGNITUDE <= number <= MAX_MAGNITUDE:  # NaN fails every comparison
        return f"not finite: {number!r}" if not math.isfinite(number) else f"too large: {number:g}"
    if metric is None:
        return None
    if metric in POSITIVE_METRICS and number <= 0:
        return f"not positive: {number:g}"
    if metric in NON_NEGATIVE_METRICS and number < 0:
        return f"negative: {number:g}"
    if metric in UNIT_INTERVAL_METRICS and not 0 <= number <= 1:
        return f"outside 0..1: {number:g}"
    return None


def is_iso_date(value: Any, *, month_ok: bool = False) -> bool:
    """An ISO date (`2025-06-30`; a year-month `2025-06` too with `month_ok`) that exists."""
    if not isinstance(value, str):
        return False
    try:
        if _ISO_DATE.fullmatch(value):
            date.fromisoformat(value)
            return True
        if month_ok and _ISO_MONTH.fullmatch(value):
            date.fromisoformat(value + "-01")
            return True
    except ValueError:
        return False
    return False


_DATE_TEXT = re.compile(r"\d{4}-\d{2}(?:-\d{2}(?:[T ][0-9:.+Z-]{0,29})?)?", re.ASCII)


def _date_problem(value: Any, *, month_ok: bool = False) -> str | None:
    """Price bars may carry a time after the date (`2025-06-30T00:00:00`): the date counts."""
    if (
        type(value) is str
        and _DATE_TEXT.fullmatch(value)
        and is_iso_date(value[:10], month_ok=month_ok)
    ):
        return None
    return f"not an ISO date: {_shown(value)}"


def _text_or_none(
    value: Any, limit: int, *, multiline: bool = False
) -> tuple[str | None, str | None]:
    """(the text to keep, why it was dropped): None is fine, anything else must pass."""
    if value is None:
        return None, None
    problem = text_problem(value, limit, multiline=multiline)
    return (None, problem) if problem else (value, None)


def _clean_profile(profile: Mapping[str, Any], dropped: dict[str, str]) -> dict[str, Any]:
    """Profile facts: names are one short line, other text bounded, numbers finite."""
    out: dict[str, Any] = {}
    for key, value in profile.items():
        if text_problem(key, 64):
            dropped[f"profile.{_shown(key)}"] = "not a field name"
            continue
        if value is None or isinstance(value, bool):
            out[key] = value
            continue
        if isinstance(value, str):
            is_name = "name" in key.lower() or key in ("currency", "financialCurrency")
            limit = MAX_NAME_CHARS if is_name else MAX_TEXT_CHARS
            problem = text_problem(value, limit, multiline=not is_name)
            if problem:
                dropped[f"profile.{key}"] = problem
            else:
                out[key] = value
            continue
        problem = number_problem(value)
        if problem:
            dropped[f"profile.{key}"] = problem
        else:
            out[key] = value
    return out


def _plain_price(value: Any) -> bool:
    return type(value) is float and 0.0 < value <= MAX_MAGNITUDE  # False for NaN and inf


def _bar_is_clean(bar: Any) -> bool:
    """The quick check of one bar (floats as the providers give them): what
    `_bar_suspects` answers column-wise, kept for a series of things not all bars."""
    return (
        type(bar) is PriceBar
        and _plain_price(bar.close)
        and (bar.open is None or _plain_price(bar.open))
        and (bar.high is None or _plain_price(bar.high))
        and (bar.low is None or _plain_price(bar.low))
        and (
            bar.volume is None
            or (type(bar.volume) is float and 0.0 <= bar.volume <= MAX_MAGNITUDE)
        )
        and _plain_date(bar.date)
    )


def _plain_date(value: Any) -> bool:
    """`YYYY-MM-DD` and a real day (fromisoformat alone takes `20250102` and week dates)."""
    if type(value) is not str or len(value) != 10 or value[4] != "-" or value[7] != "-":
        return False
    if not value.isascii() or not value[:4].isdigit():
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


@functools.lru_cache(maxsize=1 << 16)
def _bar_date_ok(text: str) -> bool:
    """`_plain_date` of a text, cached: every company of a market trades on the same days."""
    return _plain_date(text)


_NONE_TYPE = type(None)


def _outside(
    values: list[Any], low: float, *, low_inclusive: bool, none_ok: bool = False
) -> np.ndarray:
    """Where a column is not a plain float in (low, MAX_MAGNITUDE] (or [low, ...]), as a mask.

    One numpy comparison over the column instead of one Python call per value; anything
    that is not exactly a float (an int, text, a numpy scalar) is marked, for the full
    check to judge. NaN fails every comparison, so it is marked too.
    """
    kinds = set(map(type, values))
    if kinds <= {float}:
        column = np.array(values, dtype=float)
    else:
        fine = low + 1.0  # a value every range here accepts, standing in for an allowed None
        column = np.array(
            [
                v if type(v) is float else fine if (v is None and none_ok) else math.nan
                for v in values
            ],
            dtype=float,
        )
    inside = (column >= low) if low_inclusive else (column > low)
    return ~(inside & (column <= MAX_MAGNITUDE))


def _text_outside(values: list[Any], good: Any) -> np.ndarray:
    """Where a column of text fails `good`, asked once per distinct text (a mask).

    Daily series repeat each date once per multiple, and metrics a few names over and
    over: a set of the distinct ones is checked, not every value. Not exactly `str`
    (a subclass, a number, something unhashable) is marked for the full check.
    """
    if set(map(type, values)) <= {str}:
        bad = {text for text in set(values) if not good(text)}
        if not bad:
            return np.zeros(len(values), dtype=bool)
        return np.fromiter((v in bad for v in values), dtype=bool, count=len(values))
    return np.fromiter(
        (type(v) is not str or not good(v) for v in values), dtype=bool, count=len(values)
    )


def _bar_suspects(bars: tuple[Any, ...]) -> list[int]:
    """Indexes of the bars that may not be clean (`_bar_is_clean`), found column-wise.

    Exactly the bars `_bar_is_clean` refuses: every other bar passes the full check
    unchanged, so only these need it.
    """
    if not bars:
        return []
    if set(map(type, bars)) != {PriceBar}:
        return [i for i, bar in enumerate(bars) if not _bar_is_clean(bar)]
    marked = _outside([b.close for b in bars], 0.0, low_inclusive=False)
    for name in ("open", "high", "low"):
        column = list(map(attrgetter(name), bars))
        marked |= _outside(column, 0.0, low_inclusive=False, none_ok=True)
    volumes = list(map(attrgetter("volume"), bars))
    marked |= _outside(volumes, 0.0, low_inclusive=True, none_ok=True)
    marked |= _text_outside(list(map(attrgetter("date"), bars)), _bar_date_ok)
    return np.flatnonzero(marked).tolist()


def _bar_problem(bar: Any) -> tuple[PriceBar | None, str | None]:
    """(the bar to keep, with a bad open/high/low/volume cleared, or None; why not kept)."""
    if not isinstance(bar, PriceBar):
        return None, f"not a price bar: {_shown(bar)}"
    problem = _date_problem(bar.date) or number_problem(bar.close, "price")
    if problem:
        return None, problem
    fixes: dict[str, Any] = {}
    for name in ("open", "high", "low"):
        value = getattr(bar, name)
        if value is not None and number_problem(value, "price"):
            fixes[name] = None
    if bar.volume is not None and number_problem(bar.volume, "revenue_ttm"):
        fixes["volume"] = None
    return (dataclasses.replace(bar, **fixes) if fixes else bar), None


def _clean_bars(bars: tuple[PriceBar, ...], dropped: dict[str, str]) -> tuple[PriceBar, ...]:
    """Bars with a date and a positive finite close; a bad open/high/low/volume is None
    (cleared, the bar kept), even when no bar is dropped.

    Checked column-wise (`_bar_suspects`); only the bars it marks get the full check.
    """
    suspects = _bar_suspects(bars)
    if not suspects:  # ten years of bars in about a millisecond
        return bars
    fixed: dict[int, PriceBar | None] = {}
    bad: list[str] = []
    for i in suspects:
        fixed[i], problem = _bar_problem(bars[i])
        if problem:
            bad.append(problem)
    if not bad and all(fixed[i] is bars[i] for i in suspects):
        return bars  # marked, but sound
    if bad:
        dropped["prices"] = f"{len(bad)} bar(s) dropped (first: {bad[0]})"
    kept = (fixed.get(i, bar) for i, bar in enumerate(bars))
    return tuple(bar for bar in kept if bar is not None)


def _point_problem(point: Any) -> str | None:
    """Why one history point is not kept, or None."""
    if not isinstance(point, HistoryPoint):
        return f"not a history point: {_shown(point)}"
    if not isinstance(point.metric, str) or point.metric not in NUMERIC_METRICS:
        return f"not a catalogue metric: {_shown(point.metric)}"
    return _date_problem(point.date, month_ok=True) or number_problem(point.value)


@functools.lru_cache(maxsize=1 << 16)
def _history_date_ok(text: str) -> bool:
    """Cached, as `_plain_date`: a history's dates are the market's trading days."""
    return _date_problem(text, month_ok=True) is None


def _metric_ok(text: str) -> bool:
    return text in NUMERIC_METRICS


def _history_suspects(points: tuple[Any, ...]) -> list[int]:
    """Indexes of the points that may fail `_point_problem`, found column-wise: values by
    one numpy comparison, dates and metrics once per distinct text."""
    if not points:
        return []
    if set(map(type, points)) != {HistoryPoint}:
        return list(range(len(points)))  # something else in the series: check it all
    marked = _outside(list(map(attrgetter("value"), points)), -MAX_MAGNITUDE, low_inclusive=True)
    marked |= _text_outside(list(map(attrgetter("metric"), points)), _metric_ok)
    marked |= _text_outside(list(map(attrgetter("date"), points)), _history_date_ok)
    return np.flatnonzero(marked).tolist()


def _clean_history(
    points: tuple[HistoryPoint, ...], dropped: dict[str, str]
) -> tuple[HistoryPoint, ...]:
    """Points of a catalogue metric, with an ISO date and a finite value of sane size.

    Checked column-wise (`_history_suspects`); only the points it marks get the full
    check, point by point, so the reasons are the same words in the same order.
    """
    bad_at: set[int] = set()
    bad: list[str] = []
    for i in _history_suspects(points):
        problem = _point_problem(points[i])
        if problem:
            bad_at.add(i)
            bad.append(problem)
    if not bad:
        return points
    dropped["history"] = f"{len(bad)} point(s) dropped (first: {bad[0]})"
    return tuple(point for i, point in enumerate(points) if i not in bad_at)


def finite_floats(values: list[Any]) -> list[float | None]:
    """`[utils.finite_float(v) for v in values]`, column-wise when the column is plain
    floats and None (what the store writes, thousands of values a company)."""
    if set(map(type, values)) <= {float, _NONE_TYPE}:
        present = [v for v in values if v is not None]
        if np.isfinite(np.array(present, dtype=float)).all():
            return list(values)
    return [finite_float(v) for v in values]


def _clean_vintages(
    vintages: Mapping[str, Vintage], dropped: dict[str, str]
) -> dict[str, Vintage]:
    out: dict[str, Vintage] = {}
    for metric, vintage in vintages.items():
        ok = (
            isinstance(metric, str)
            and isinstance(vintage, Vintage)
            and is_iso_date(vintage.date)
            and vintage.basis in _VINTAGE_BASES
            and text_problem(vintage.label, MAX_NAME_CHARS) is None
        )
        if ok:
            out[metric] = vintage
        else:
            dropped[f"vintages.{_shown(metric)}"] = f"not a vintage: {_shown(vintage)}"
    return out


_DROP = object()  # what `_clean_extra` returns for a value it drops


def _clean_extra(value: Any, depth: int = 0) -> tuple[Any, bool]:
    """(copy without non-finite or huge numbers, whether anything was dropped).

    The copy is `_DROP` when the value itself goes; containers keep what passes.
    """
    if depth > MAX_EXTRA_DEPTH:
        return _DROP, True
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        lost = False
        for key, item in value.items():
            clean, dropped = _clean_extra(item, depth + 1)
            lost = lost or dropped
            if clean is not _DROP:
                out[key if isinstance(key, str) else str(key)] = clean
        return out, lost
    if isinstance(value, list | tuple | set | frozenset):
        cleaned = [_clean_extra(item, depth + 1) for item in value]
        kept = [clean for clean, _ in cleaned if clean is not _DROP]
        return kept, len(kept) != len(cleaned) or any(lost for _, lost in cleaned)
    if isinstance(value, bool) or value is None:
        return value, False
    if isinstance(value, numbers.Real):
        return (_DROP, True) if number_problem(value) else (value, False)
    if isinstance(value, str) and len(value) > MAX_TEXT_CHARS:
        return clip(value, MAX_TEXT_CHARS), False
    return value, False


def validate_bundle(bundle: FetchBundle) -> FetchBundle:
    """The bundle with every field that fails its check dropped, and why in `extra`.

    The identity fields (ticker, source, as_of) cannot be dropped: a bundle without a
    usable one raises ValueError, which fails that one company alone.
    """
    for name, value in (("ticker", bundle.ticker), ("source", bundle.source)):
        problem = text_problem(value, 64)
        if problem or not value:
            raise ValueError(f"the bundle's {name} {problem or 'is empty'}: {_shown(value)}")
    if not is_iso_date(bundle.as_of):
        raise ValueError(f"the bundle's as_of is not an ISO date: {_shown(bundle.as_of)}")

    dropped: dict[str, str] = {}
    changes: dict[str, Any] = {}
    if text_problem(bundle.fetched_at, 64):
        changes["fetched_at"] = datetime.now(UTC).isoformat(timespec="seconds")
        dropped["fetched_at"] = f"not a timestamp: {_shown(bundle.fetched_at)}"
    for name in ("currency", "financial_currency"):
        value = getattr(bundle, name)
        if value is not None and not is_currency_code(value):
            changes[name] = None
            dropped[name] = f"not a currency code: {_shown(value)}"

    metrics: dict[str, float] = {}
    for metric, value in bundle.metrics.items():
        problem = number_problem(value, metric)
        if problem:
            dropped[f"metrics.{_shown(metric) if not isinstance(metric, str) else metric}"] = (
                problem
            )
        else:
            metrics[metric] = value
    if len(metrics) != len(bundle.metrics):
        changes["metrics"] = metrics

    url, why = _text_or_none(bundle.source_url, MAX_URL_CHARS)
    if why is None and url is not None and not url.startswith(("https://", "http://")):
        url, why = None, f"not a web address: {_shown(url)}"
    if why:
        changes["source_url"], dropped["source_url"] = None, why
    notes, why = _text_or_none(bundle.notes, MAX_TEXT_CHARS, multiline=True)
    if why:
        changes["notes"], dropped["notes"] = notes, why

    profile = bundle.profile
    if not isinstance(profile, Mapping):
        changes["profile"], dropped["profile"] = {}, f"not a mapping: {_shown(profile)}"
    else:
        before = len(dropped)
        clean = _clean_profile(profile, dropped)
        if len(dropped) != before:
            changes["profile"] = clean

    prices = _clean_bars(tuple(bundle.prices), dropped)
    if prices is not bundle.prices:
        changes["prices"] = prices
    history = _clean_history(tuple(bundle.history), dropped)
    if history is not bundle.history:
        changes["history"] = history
    if bundle.vintages:
        before = len(dropped)
        vintages = _clean_vintages(bundle.vintages, dropped)
        if len(dropped) != before:
            changes["vintages"] = vintages

    extra, lost = _clean_extra(dict(bundle.extra))
    if lost:
        dropped["extra"] = "non-finite or out-of-range numbers dropped"
    if dropped:
        extra = dict(extra)
        extra[EXTRA_DROPPED] = {**dict(extra.get(EXTRA_DROPPED) or {}), **dropped}
    if lost or dropped:
        changes["extra"] = extra
    return dataclasses.replace(bundle, **changes) if changes else bundle


def fx_rate_problem(rate: Any) -> str | None:
    """Why an FX rate is no rate (None when it is one): a close of 0, < 0 or inf is none."""
    if not isinstance(rate, FxRate):
        return f"not an FX rate: {_shown(rate)}"
    if not is_currency_code(rate.currency):
        return f"not a currency code: {_shown(rate.currency)}"
    if not is_iso_date(rate.date):
        return f"not an ISO date: {_shown(rate.date)}"
    problem = number_problem(rate.units_per_usd, "price")
    if problem is None and rate.units_per_usd > MAX_FX_UNITS:
        problem = f"too large: {rate.units_per_usd:g}"
    if problem:
        return f"units per USD {problem}"
    for name, limit in (("source", MAX_URL_CHARS), ("note", MAX_TEXT_CHARS)):
        problem = text_problem(getattr(rate, name), limit)
        if problem:
            return f"{name} {problem}"
    return None
