"""The multiple history on the same currency basis as the proven snapshot, or dropped."""

from __future__ import annotations

import pytest

from screener.data.currency_proof import Proven
from screener.data.provider import HistoryPoint
from screener.data.yahoo.history_currency import align_history

RATE = 7.8  # HKD per USD: an HKD listing with USD statements
QUOTE = "USD/HKD 7.8"


def _series(metric: str, *values: float) -> tuple[HistoryPoint, ...]:
    days = ("2025-09-30", "2025-12-31", "2026-03-31", "2026-06-30")
    return tuple(HistoryPoint(metric, day, v) for day, v in zip(days, values, strict=False))


def _converted_pb() -> Proven:
    # Yahoo's 2.34 divides an HKD price by a USD book: 0.3 in one currency
    return Proven(0.3, "HKD", "P/B converted", "converted", yahoo=2.34, factor=1 / RATE)


def test_a_single_currency_company_passes_through() -> None:
    points = _series("pb", 2.0, 2.1, 2.2, 2.3)
    assert align_history(points, {}, {"pb": 0.1}, {}, None) == (points, {})
    assert align_history(points, {}, {"pb": 0.1}, {}, 1.0) == (points, {})


def test_history_on_yahoos_basis_is_converted_with_the_snapshots_factor() -> None:
    points = _series("pb", 2.0, 2.1, 2.2, 2.3)  # latest 2.3 ~ Yahoo's 2.34
    kept, why = align_history(points, {}, {"pb": 0.3}, {"pb": _converted_pb()}, RATE, QUOTE)
    assert [p.value for p in kept] == pytest.approx([v / RATE for v in (2.0, 2.1, 2.2, 2.3)])
    assert [p.date for p in kept] == [p.date for p in points]
    assert why["pb"].startswith("P/B history converted like the snapshot")
    assert why["pb"].endswith("at USD/HKD 7.8")


def test_history_on_the_proven_basis_is_kept_as_it_is() -> None:
    points = _series("pb", 0.28, 0.29, 0.31, 0.30)
    current = {"pb": 0.305}  # the timeseries' own "Current" value decides
    kept, why = align_history(points, current, {"pb": 0.3}, {"pb": _converted_pb()}, RATE)
    assert kept == points and why["pb"].startswith("P/B history kept")


def test_history_that_matches_nothing_is_dropped_when_the_snapshot_changed() -> None:
    points = _series("pb", 0.9, 1.0, 1.0, 1.0)  # neither 0.3 nor 2.34
    kept, why = align_history(points, {}, {"pb": 0.3}, {"pb": _converted_pb()}, RATE)
    assert kept == () and "dropped" in why["pb"] and "matches neither" in why["pb"]


def test_a_rebuilt_ev_ratio_cannot_be_converted_by_a_factor() -> None:
    # 1299.HK: Yahoo's EV/EBITDA 87.1 (mixed EV), 12.5 rebuilt; the history on Yahoo's basis
    proof = Proven(12.5, "HKD", "EV/EBITDA recomputed", "recomputed", yahoo=87.1)
    points = _series("ev_ebitda", 80.0, 85.0, 90.0, 86.0)
    kept, why = align_history(points, {}, {"ev_ebitda": 12.5}, {"ev_ebitda": proof}, RATE)
    assert kept == () and "no single FX factor" in why["ev_ebitda"]


def test_a_dropped_snapshot_figure_takes_its_history_along() -> None:
    proof = Proven(None, None, "P/B dropped: currency not provable", "dropped", yahoo=2.34)
    kept, why = align_history(_series("pb", 2.3), {}, {}, {"pb": proof}, RATE)
    assert kept == () and why["pb"] == "P/B history dropped: its snapshot figure is not provable"


def test_an_unproven_multiple_is_kept_unless_it_is_a_rate_away() -> None:
    # trailing P/E is not among the proven figures: kept, unless its series sits one FX
    # rate away from the snapshot (a history that mixes the currencies)
    same = _series("pe_ttm", 14.0, 15.0, 16.0, 15.5)
    assert align_history(same, {}, {"pe_ttm": 15.0}, {}, RATE) == (same, {})
    unclear = _series("pe_ttm", 30.0, 35.0, 40.0, 40.0)  # far, but no rate away: no evidence
    assert align_history(unclear, {}, {"pe_ttm": 15.0}, {}, RATE) == (unclear, {})
    mixed = _series("pe_ttm", 110.0, 115.0, 120.0, 118.0)  # ~ 15 x 7.8
    kept, why = align_history(mixed, {}, {"pe_ttm": 15.0}, {}, RATE)
    assert kept == () and "one FX rate away" in why["pe_ttm"]


def test_kept_figures_and_other_metrics_are_judged_apart() -> None:
    kept_pb = Proven(2.38, "HKD", "P/B: Yahoo's figure consistent in HKD", "kept", yahoo=2.38)
    points = (*_series("pb", 2.2, 2.3, 2.4, 2.35), *_series("ps_ttm", 3.0, 3.1))
    proofs = {"pb": kept_pb}
    kept, why = align_history(points, {}, {"pb": 2.38, "ps_ttm": 3.7}, proofs, RATE)
    assert kept == tuple(sorted(points, key=lambda p: (p.metric, p.date))) and why == {}


def test_without_a_rate_the_dropped_figures_histories_go_and_the_rest_stays() -> None:
    dropped = Proven(None, None, "P/B dropped: no USD/HKD rate", "dropped", yahoo=2.34)
    points = (*_series("pb", 2.3), *_series("pe_ttm", 15.0))
    kept, why = align_history(points, {}, {"pe_ttm": 15.0}, {"pb": dropped}, None)
    assert [p.metric for p in kept] == ["pe_ttm"] and set(why) == {"pb"}
