"""The one formatting module: every number, score, dash and source name screener writes."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from screener.output.format import (
    MISSING,
    as_of_text,
    cell_text,
    is_sample,
    metric_text,
    number_text,
    score_text,
    signed_text,
    source_label,
    template_column,
    template_text,
)


@pytest.mark.parametrize(
    ("value", "spec", "text"),
    [
        (0.5026, ".0%", "50%"),
        (0.05, "+.1%", "+5.0%"),
        (1234567.0, ",.0f", "1,234,567"),
        (30.69, ".1f", "30.7"),
        (float("nan"), ".1f", "n/a"),
        (None, "", "n/a"),
        ("CN", "", "CN"),
        (3.0, "", "3"),
        (0.123456, "", "0.1235"),
        (123456.7, "", "123,457"),
    ],
)
def test_template_text(value: object, spec: str, text: str) -> None:
    assert template_text(value, spec) == text


def test_template_column_agrees_with_template_text() -> None:
    floats = np.array([0.5026, np.nan, 12345.0, 3.0])
    for spec in ("", ".0%", ",.0f"):
        assert template_column(floats, spec) == [template_text(x, spec) for x in floats.tolist()]
    texts = np.array(["CN", None], dtype=object)
    assert template_column(texts) == ["CN", "n/a"]


@pytest.mark.parametrize(
    ("metric", "value", "text"),
    [
        ("pe_fwd", 30.69, "30.7"),
        ("peg", 0.98, "0.98"),  # two decimals, so it agrees with a `peg < 1` flag
        ("revenue_growth", 0.253, "+25.3%"),
        ("pe_hist_pct", 0.25, "25%"),
        ("market_cap_usd", 2.5e12, "2.5T"),
        ("market_cap_usd", 7.1e8, "710.0M"),
        ("data_age_days", 12.0, "12d"),
        ("price", 1234.5, "1,234.50"),
        ("beta", 1.234, "1.23"),
        ("pe_ttm", 1234.0, "1,234"),
        ("not_a_metric", 2.0, "2.00"),
        ("pe_fwd", None, MISSING),
        ("pe_fwd", float("nan"), MISSING),
    ],
)
def test_metric_text(metric: str, value: object, text: str) -> None:
    assert metric_text(metric, value) == text


def test_scores_and_raw_numbers() -> None:
    assert [score_text(s) for s in (0.0, None, 1.5, -1.0)] == ["0", "0", "+1.5", "-1"]
    assert signed_text(0.0) == "+0" and signed_text(2.0) == "+2"
    assert number_text(30.69) == "30.69" and number_text(12345678.0) == "12,345,678"
    assert number_text(None) == "missing" and number_text(float("nan")) == "missing"
    assert number_text("CN") == "CN"


def test_grid_cells() -> None:
    assert cell_text("pe_fwd", 30.69) == "30.7"
    assert cell_text("score", 2) == "+2" and cell_text("score", 0) == "0"
    assert cell_text("sectors", ["a", "b"]) == "a\nb"
    assert cell_text("sectors", []) == MISSING and cell_text("x", None) == MISSING
    assert cell_text("confidence", 0.5) == "0.5" and cell_text("name", "A") == "A"


def test_as_of_text() -> None:
    assert as_of_text(None) == "n/a"
    assert as_of_text(("2025-09-05", "2025-09-05")) == "2025-09-05"
    assert as_of_text(("2025-07-25", "2026-01-02")) == "2025-07-25 … 2026-01-02"


@pytest.mark.parametrize(
    ("context", "sample", "yahoo"),
    [
        ("header", "bundled SAMPLE snapshot (public pages)", "Yahoo Finance"),
        ("holder", "the bundled sample", "the store"),
        ("explain", "SAMPLE snapshot (public pages)", "yahoo"),
        ("chart", "SAMPLE data", "Yahoo data"),
        ("saved", " (SAMPLE data)", ""),
    ],
)
def test_one_function_names_the_source_in_every_context(
    context: str, sample: str, yahoo: str
) -> None:
    assert source_label("sample", context) == sample  # type: ignore[arg-type]
    assert source_label("yahoo", context) == yahoo  # type: ignore[arg-type]
    if context != "saved":
        assert "SAMPLE" in sample or "sample" in sample  # the sample is always named


def test_the_header_says_when_the_store_has_no_live_data() -> None:
    assert source_label("yahoo", "header", has_data=False) == "the store (no live data yet)"
    assert source_label("sample", "header", has_data=False).startswith("bundled SAMPLE")
    assert is_sample("sample") and not is_sample("yahoo")


def test_format_is_pure_and_cheap_for_the_engine() -> None:
    """The engine imports it: no rich, no pandas behind it."""
    code = (
        "import sys, screener.output.format\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in ('rich', 'pandas', 'click')]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
