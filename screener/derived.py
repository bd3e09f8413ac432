"""Every derived metric: figures the tool computes from stored ones, always labelled as derived.

Pure functions over a frame; no I/O. Providers store source figures only; what is
computed from them (implied EPS growth, USD market cap, data age) is computed here,
once, with one provenance note per figure. The one rule that matters here: money is
only ever divided by money in the same currency, so USD market cap uses the FX
rate of the listing currency (the currency market cap is quoted in), never the
currency of the financial statements.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import numpy as np
import pandas as pd

from screener.data.provider import FxRate


def pick_fx(rates: Iterable[FxRate], currency: str | None, as_of: str | None) -> FxRate | None:
    """The rate for `currency` dated closest to `as_of` (earlier dates win ties)."""
    if not currency:
        return None
    if currency == "USD":
        return FxRate("USD", as_of or "", 1.0, "identity")
    candidates = [  # a rate of 0, < 0 or inf (an old store's) is no rate
        r for r in rates if r.currency == currency and 0 < r.units_per_usd < float("inf")
    ]
    if not candidates:
        return None
    if not as_of:
        return max(candidates, key=lambda r: r.date)
    target = pd.Timestamp(as_of)

    def distance(r: FxRate) -> tuple[float, int]:
        gap = (pd.Timestamp(r.date) - target).days
        return (abs(gap), 0 if gap <= 0 else 1)

    return min(candidates, key=distance)


def add_derived(
    frame: pd.DataFrame, fx: Iterable[FxRate], today: date
) -> tuple[pd.DataFrame, dict[str, dict[str, str]]]:
    """Add `implied_eps_growth`, `market_cap_usd` (if absent) and `data_age_days`.

    Returns the new frame and, per ticker, a note on how each derived figure was
    made (shown by `explain` and exported to JSON), so nothing derived passes as a
    source figure.
    """
    out = frame.copy()
    rates = list(fx)
    tickers = out.index.tolist()  # an Index of text iterates element by element
    provenance: dict[str, dict[str, str]] = {ticker: {} for ticker in tickers}

    pe_ttm = _col(out, "pe_ttm")
    pe_fwd = _col(out, "pe_fwd")
    both_positive = (pe_ttm > 0) & (pe_fwd > 0)
    implied = (pe_ttm / pe_fwd - 1).where(both_positive)
    if "implied_eps_growth" in out:
        implied = out["implied_eps_growth"].astype("float64").fillna(implied)
    out["implied_eps_growth"] = implied
    for i in np.flatnonzero(both_positive.to_numpy(dtype=bool)):
        provenance[tickers[i]]["implied_eps_growth"] = "derived: pe_ttm / pe_fwd - 1"

    market_cap = _col(out, "market_cap").to_numpy()
    usd = _col(out, "market_cap_usd").to_numpy().copy()
    todo = np.flatnonzero(np.isnan(usd) & ~np.isnan(market_cap)).tolist()
    currencies, dates = _texts(out, "currency"), _texts(out, "as_of")
    keys = [(currencies[i], dates[i]) for i in todo]
    # rows share a few (currency, date) pairs: each one's rate is picked once
    picked = {key: _rate_and_note(rates, *key) for key in dict.fromkeys(keys)}
    found = [picked[key] for key in keys]
    divisor = np.array([f[0].units_per_usd if f else np.nan for f in found], dtype="float64")
    usd[todo] = market_cap[todo] / divisor  # NaN where no rate: missing, as before
    for i, pick in zip(todo, found, strict=True):
        if pick is not None and pick[0].currency != "USD":
            provenance[tickers[i]]["market_cap_usd"] = pick[1]
    out["market_cap_usd"] = pd.Series(usd, index=out.index, dtype="float64")

    as_of = pd.to_datetime(out.get("as_of"), errors="coerce")
    out["data_age_days"] = (pd.Timestamp(today) - as_of).dt.days.astype("float64")
    return out, provenance


FX_STALE_DAYS = 7  # a rate further than this from the figures' date has its age said


def _rate_and_note(
    rates: Iterable[FxRate], currency: str | None, as_of: str | None
) -> tuple[FxRate, str] | None:
    """The rate for one currency and date, and how `market_cap_usd` says it was used
    (with the rate's age when it is older than the figures by more than a week)."""
    rate = pick_fx(rates, currency, as_of)
    if rate is None:
        return None
    note = market_cap_usd_note(rate)
    gap = _days_apart(rate.date, as_of)
    if gap is not None and gap > FX_STALE_DAYS:  # e.g. a stored rate, no fresh one
        note += f"; the rate is {gap} days older than the figures"
    return rate, note


def _days_apart(rate_day: str, as_of: str | None) -> int | None:
    """Days the rate is older than the figures (None when either date is unreadable)."""
    try:
        return (pd.Timestamp(as_of) - pd.Timestamp(rate_day)).days if as_of else None
    except (ValueError, TypeError):
        return None


def market_cap_usd_note(rate: FxRate) -> str:
    """How `market_cap_usd` was made from `market_cap`: the one format, whatever the source."""
    return (
        f"derived: market_cap / {rate.units_per_usd:g} {rate.currency} per USD"
        f" ({rate.date}, {rate.source})"
    )


def _col(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame:
        return pd.to_numeric(frame[name], errors="coerce").astype("float64")
    return pd.Series(np.nan, index=frame.index, dtype="float64")


def _texts(frame: pd.DataFrame, column: str) -> list[str | None]:
    """A text column's values per row, None where it is not (non-empty) text."""
    if column not in frame:
        return [None] * len(frame)
    values = frame[column]
    if isinstance(values.dtype, pd.StringDtype):  # text or missing: only "" to blank out
        cells = values.to_numpy(dtype=object, na_value=None)
        cells[cells == ""] = None
        return cells.tolist()  # type: ignore[no-any-return]
    return [v if isinstance(v, str) and v else None for v in values.tolist()]
