"""Store rows -> the screening frame."""

from __future__ import annotations

from screener.frame import history_frame


def test_history_after_the_snapshot_date_is_not_history() -> None:
    rows = [
        {"ticker": "APH", "metric": "pe_ttm", "date": "2024-12", "value": 30.0},
        {"ticker": "APH", "metric": "pe_ttm", "date": "2025-12", "value": 38.74},
        {"ticker": "APH", "metric": "pe_ttm", "date": "2025-10-31", "value": 35.0},
        {"ticker": "APH", "metric": "pe_ttm", "date": "2025-11", "value": 36.0},
        {"ticker": "X", "metric": "pe_ttm", "date": "2030-01", "value": 1.0},
    ]
    kept = history_frame(rows, {"APH": "2025-11-06"})
    assert sorted(kept[kept.ticker == "APH"]["date"]) == ["2024-12", "2025-10-31"]
    assert list(kept[kept.ticker == "X"]["value"]) == [1.0]  # no as-of known: kept
    assert len(history_frame(rows)) == 5
