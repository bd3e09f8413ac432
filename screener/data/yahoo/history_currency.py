"""A company's multiple history on the same currency basis as its proven snapshot, or none.

Yahoo's valuation timeseries carries a currency code on its money points, which
yfinance drops, and none on its ratios; for a company that lists in one currency and
reports in another its ratios may mix the two like the snapshot's do. A snapshot
figure the currency proof converted, rebuilt or dropped must therefore never be ranked
against a history nobody checked. Each series is judged by its reference point (the
timeseries' own "Current" value, else its latest point) against the readings the
proof leaves:

* the proven snapshot figure: the history is on the proven basis and is kept;
* Yahoo's own, unproven figure: the history is on Yahoo's basis; it is converted with
  the proof's currency factor when there is one, dropped when there is none (a rebuilt
  EV is no constant factor away from Yahoo's);
* the snapshot figure one FX rate up or down: the history mixes currencies; dropped.

A series that matches none of them is dropped when the snapshot figure was changed
(nothing proves its basis) and kept otherwise. Single-currency companies pass through
unchanged. Pure: no yfinance, no network.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace

from screener.catalog import METRICS
from screener.data.currency_proof import CHANGED, Proven
from screener.data.provider import HistoryPoint

# How far the reference point may sit from a reading (natural log). A quarter-end point
# is older than the quote, so prices have moved; the "Current" value is of the quote's
# day. Each is capped at _SEPARATION x the log distance to the nearest other reading.
_TOL_CURRENT = 0.15
_TOL_QUARTER = 0.35
_SEPARATION = 0.4


def align_history(
    points: tuple[HistoryPoint, ...],
    current: Mapping[str, float],
    snapshot: Mapping[str, float],
    proofs: Mapping[str, Proven],
    rate: float | None,
    quote: str = "",
) -> tuple[tuple[HistoryPoint, ...], dict[str, str]]:
    """(the points kept, converted where proven; metric -> what was done and why).

    `current` is the timeseries' "Current" value per metric, `snapshot` the company's
    figures after the currency proof, `proofs` the proof per figure, `rate` the listing
    units per statement unit (None for a single-currency company: nothing to check) and
    `quote` that rate as a market quote for the reasons ("USD/HKD 7.84"). A figure the
    proof dropped takes its history along, whatever the rate.
    """
    one_currency = rate is None or rate <= 0 or abs(math.log(rate)) < 0.005
    if one_currency and not any(p.dropped for p in proofs.values()):
        return points, {}
    by_metric: dict[str, list[HistoryPoint]] = {}
    for point in points:
        by_metric.setdefault(point.metric, []).append(point)
    kept: list[HistoryPoint] = []
    reasons: dict[str, str] = {}
    for metric, series in by_metric.items():
        proof = proofs.get(metric)
        if proof is not None and proof.dropped:  # e.g. no FX rate: nothing is checked
            result, why = [], "dropped: its snapshot figure is not provable"
        elif rate is None or one_currency:
            result, why = series, ""
        else:
            result, why = _align_series(metric, series, current, snapshot, proof, rate)
        kept.extend(result)
        if why:
            at = f" at {quote}" if quote and "converted" in why else ""
            reasons[metric] = f"{_label(metric)} history {why}{at}"
    kept.sort(key=lambda p: (p.metric, p.date))
    return tuple(kept), reasons


def _align_series(
    metric: str,
    series: list[HistoryPoint],
    current: Mapping[str, float],
    snapshot: Mapping[str, float],
    proof: Proven | None,
    rate: float,
) -> tuple[list[HistoryPoint], str]:
    """One metric's points and the reason line's tail ("" when kept without a word)."""
    changed = proof is not None and proof.action in CHANGED
    value = snapshot.get(metric)
    if value is None or value == 0:
        if changed:
            return [], "dropped: no snapshot figure to check it against"
        return series, ""
    ref, tol = _reference(metric, series, current)
    readings: dict[str, float] = {"proven": value}
    if changed and proof is not None and proof.yahoo:
        readings["yahoo"] = proof.yahoo
    for name, mixed in (("rate up", value * rate), ("rate down", value / rate)):
        # Yahoo's own figure is often one of these (a converted P/B): it speaks for itself
        if "yahoo" not in readings or _gap(mixed, readings["yahoo"]) > 0.5 * abs(math.log(rate)):
            readings[name] = mixed
    best = _closest(ref, readings, tol)
    shown = f"{_num(ref)}"
    if best == "proven":
        if changed:
            return series, f"kept: its latest point {shown} is on the proven basis ({_num(value)})"
        return series, ""
    if best == "yahoo":
        assert proof is not None and proof.yahoo is not None
        if proof.factor:
            factor = proof.factor
            converted = [replace(p, value=p.value * factor) for p in series]
            return converted, (
                f"converted like the snapshot: its latest point {shown} is on Yahoo's basis "
                f"({_num(proof.yahoo)})"
            )
        return [], (
            f"dropped: its latest point {shown} is on Yahoo's basis ({_num(proof.yahoo)}), "
            f"which no single FX factor converts"
        )
    if best in ("rate up", "rate down"):
        return [], (
            f"dropped: its latest point {shown} is one FX rate away from the snapshot's "
            f"{_num(value)} (mixed currencies)"
        )
    if changed:
        return [], (
            f"dropped: its latest point {shown} matches neither the proven {_num(value)} nor "
            f"Yahoo's {_num(proof.yahoo) if proof and proof.yahoo else '?'}"
        )
    return series, ""


def _reference(
    metric: str, series: list[HistoryPoint], current: Mapping[str, float]
) -> tuple[float, float]:
    """The point a series is judged by, and how far it may sit from a reading."""
    value = current.get(metric)
    if value is not None and math.isfinite(value) and value != 0:
        return value, _TOL_CURRENT
    latest = max(series, key=lambda p: p.date)
    return latest.value, _TOL_QUARTER


def _closest(observed: float, readings: Mapping[str, float], cap: float) -> str | None:
    """The reading nearest `observed` (log distance), if within a tolerance that keeps
    it apart from every other reading; None when none fits or the sign differs."""
    distances = {name: _gap(observed, expected) for name, expected in readings.items()}
    best = min(distances, key=lambda n: distances[n])
    others = [_gap(readings[n], readings[best]) for n in readings if n != best]
    tol = min([cap, *(_SEPARATION * d for d in others if d > 0)])
    return best if distances[best] <= tol else None


def _gap(a: float, b: float) -> float:
    """Log distance between two figures; infinite when either is 0 or their signs differ."""
    if a == 0 or b == 0 or (a > 0) != (b > 0):
        return math.inf
    return abs(math.log(a / b))


def _label(metric: str) -> str:
    found = METRICS.get(metric)
    return found.label if found is not None else metric


def _num(value: float) -> str:
    return f"{value:.3g}" if abs(value) < 1000 else f"{value:.3e}"
