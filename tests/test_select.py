"""Row selection: sort within sectors, filters, limits; missing values sort last."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from screener.errors import InputError
from screener.select import Selection, flagged_mask, parse_sort, select_rows

FRAME = pd.DataFrame(
    {
        "sector": ["switching", "optical_communication", "optical_communication", "switching"],
        "pe_fwd": [20.0, np.nan, 15.0, 10.0],
        "score": [1.0, 3.0, -1.0, 0.0],
        "market_cap_usd": [1e9, 2e9, 3e9, 4e9],
        "name_en": ["a", "b", "c", "d"],
    },
    index=["S1", "O1", "O2", "S2"],
)


def test_sort_within_sectors_in_the_notes_order() -> None:
    assert list(select_rows(FRAME).index) == ["O1", "O2", "S1", "S2"]
    assert list(select_rows(FRAME, sort="pe_fwd").index) == ["O2", "O1", "S2", "S1"]
    assert list(select_rows(FRAME, sort="pe_fwd:desc").index) == ["O2", "O1", "S1", "S2"]


def test_filters_and_limit() -> None:
    assert list(select_rows(FRAME, flagged=True).index) == ["O1", "S1"]
    assert list(select_rows(FRAME, min_score=0).index) == ["O1", "S1", "S2"]
    assert list(select_rows(FRAME, limit=1).index) == ["O1", "S1"]
    assert list(select_rows(FRAME, sectors=["switching"]).index) == ["S1", "S2"]


@pytest.mark.parametrize("spec", ["pe_fw", "score:up", "__class__"])
def test_bad_sort_specs(spec: str) -> None:
    with pytest.raises(InputError, match="--sort"):
        parse_sort(spec)


def test_did_you_mean() -> None:
    with pytest.raises(InputError, match="did you mean 'pe_fwd'"):
        parse_sort("pe_fw")


def test_every_sortable_key_sorts_the_real_frame(run_cli) -> None:
    import json

    from screener.select import SORTABLE

    for i, key in enumerate(sorted(SORTABLE)):
        for direction in ("asc", "desc")[i % 2 :][:1]:
            result = run_cli(
                "screen", "--source", "sample", "--format", "json", "--sort", f"{key}:{direction}"
            )
            assert result.status == 0, (key, result.err)
            assert len(json.loads(result.out)) == 63


def test_sort_by_a_metric_orders_within_sectors(run_cli) -> None:
    import json

    rows = json.loads(
        run_cli("screen", "--source", "sample", "--format", "json", "--sort", "pe_fwd").out
    )
    for sector in {r["sector"] for r in rows}:
        values = [r["pe_fwd"] for r in rows if r["sector"] == sector]
        present = [v for v in values if v is not None]
        assert present == sorted(present)
        assert values[: len(present)] == present  # missing values last


def test_a_selection_applies_what_select_rows_does() -> None:
    from screener.select import Selection

    selection = Selection(sectors=("switching",), sort="pe_fwd", limit=1)
    expected = select_rows(FRAME, sectors=("switching",), sort="pe_fwd", limit=1)
    assert list(selection.apply(FRAME).index) == list(expected.index) == ["S2"]
    assert list(Selection().apply(FRAME).index) == list(select_rows(FRAME).index)
    assert list(Selection(flagged=True, min_score=2).apply(FRAME).index) == ["O1"]


def test_a_bad_sort_fails_when_the_selection_is_made() -> None:
    from screener.select import Selection

    with pytest.raises(InputError, match="--sort: unknown column 'pe_fwdd'"):
        Selection(sort="pe_fwdd")


def test_max_age_keeps_rows_at_most_that_old_and_drops_undated_ones() -> None:
    frame = pd.DataFrame(
        {
            "sector": ["switching"] * 4,
            "score": [1.0, 0.0, 2.0, 1.0],
            "data_age_days": [5.0, 30.0, np.nan, 31.0],
        },
        index=pd.Index(["A", "B", "C", "D"], name="ticker"),
    )
    assert list(select_rows(frame, max_age=30).index) == ["A", "B"]
    assert list(select_rows(frame, max_age=0).index) == []
    assert list(Selection(max_age=30, flagged=True).apply(frame).index) == ["A"]
    with pytest.raises(InputError, match="--max-age"):
        Selection(max_age=-1)


def test_flagged_is_a_score_above_zero() -> None:
    frame = pd.DataFrame({"score": [1.5, 0.0, -1.0, np.nan]}, index=list("ABCD"))
    assert flagged_mask(frame).tolist() == [True, False, False, False]
    assert not flagged_mask(pd.DataFrame(index=["A"])).any()
