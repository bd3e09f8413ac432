"""Store rows -> the screening frame: one row per snapshot, every metric a float column."""

from __future__ import annotations

import json
from datetime import date

import numpy as np

from screener.frame import DESCRIPTIVE_COLUMNS, NUMERIC_COLUMNS, build_frame, history_frame

TODAY = date(2026, 3, 1)

SNAPSHOTS = [
    {
        "ticker": "300308.SZ",
        "as_of": "2026-02-20",
        "currency": "CNY",
        "financial_currency": "CNY",
        "pe_ttm": 60.0,
        "pe_fwd": 30.0,
        "extra": json.dumps({"field_sources": {"pe_fwd": "https://example.org"}}),
    },
    {"ticker": "LITE", "as_of": "2026-02-19", "currency": "USD", "pe_ttm": None},
]
COMPANIES = {
    "300308.SZ": {
        "name_en": "Zhongji Innolight",
        "name_zh": "中际旭创",
        "sector": "optical_communication",
        "currency": "HKD",  # the snapshot's currency wins: it is that of its figures
    }
}


def test_every_metric_is_a_float_column_and_missing_is_nan() -> None:
    frame, _ = build_frame(SNAPSHOTS, COMPANIES, [], TODAY)
    assert list(frame.index) == ["300308.SZ", "LITE"]
    assert set(DESCRIPTIVE_COLUMNS) | set(NUMERIC_COLUMNS) <= set(frame.columns)
    for name in NUMERIC_COLUMNS:
        assert frame[name].dtype == "float64", name
    assert np.isnan(frame.at["LITE", "pe_ttm"]) and np.isnan(frame.at["LITE", "peg"])


def test_descriptions_come_from_the_company_and_fall_back_sensibly() -> None:
    frame, _ = build_frame(SNAPSHOTS, COMPANIES, [], TODAY)
    assert frame.at["300308.SZ", "name_zh"] == "中际旭创"
    assert frame.at["300308.SZ", "currency"] == "CNY"
    assert frame.at["300308.SZ", "financial_currency"] == "CNY"  # from the snapshot
    assert frame.at["LITE", "name_en"] == "LITE" and frame.at["LITE", "name_zh"] == ""
    assert frame.at["300308.SZ", "market"] == "CN" and frame.at["LITE", "market"] == "US"


def test_provenance_keeps_extra_figures_and_says_what_was_derived() -> None:
    frame, provenance = build_frame(SNAPSHOTS, COMPANIES, [], TODAY)
    assert provenance["300308.SZ"]["field_sources"] == {"pe_fwd": "https://example.org"}
    assert provenance["300308.SZ"]["derived"]["implied_eps_growth"].startswith("derived:")
    assert frame.at["300308.SZ", "implied_eps_growth"] == 1.0
    assert provenance["LITE"] == {}
    assert frame.at["LITE", "data_age_days"] == 10.0


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


def test_rows_of_one_query_make_the_frame_hand_written_rows_make() -> None:
    """Rows sharing their keys (as the store returns them) are read a column at a time;
    the frame is the one rows with different keys give, read a row at a time."""
    import pandas as pd

    keys = list(dict.fromkeys(k for snap in SNAPSHOTS for k in snap))
    keys += ["price", "notes"]  # stored columns no row filled
    uniform = [{k: snap.get(k) for k in keys} for snap in SNAPSHOTS]
    uniform.append({**dict.fromkeys(keys), "ticker": "NEW", "price": "n/a", "notes": "x"})
    ragged = [{k: v for k, v in row.items() if v is not None} for row in uniform]
    ragged[0] = dict(reversed(list(ragged[0].items())))  # keys in another order
    companies = {**COMPANIES, "LITE": {"name_en": "Lumentum", "currency": "USD"}}
    fast, fast_notes = build_frame(uniform, companies, [], TODAY)
    slow, slow_notes = build_frame(ragged, companies, [], TODAY)
    pd.testing.assert_frame_equal(fast, slow)
    assert fast_notes == slow_notes
    assert fast.at["NEW", "name_en"] == "NEW" and np.isnan(fast.at["NEW", "price"])
    assert fast.at["NEW", "notes"] == "x" and fast.at["300308.SZ", "currency"] == "CNY"
