"""The period or date each Yahoo figure describes."""

from __future__ import annotations

from screener.data.provider import PriceBar, Vintage
from screener.data.yahoo.vintages import yahoo_vintages

# BEKE's answer: quoted 2025-02-14, TTM figures to 2024-09-30 (mostRecentQuarter, 00:00 UTC)
INFO = {"mostRecentQuarter": 1727654400, "lastFiscalYearEnd": 1703980800}
METRICS = {
    "price": 20.5,
    "pb": 2.46,
    "ret_12m": 0.3,
    "revenue_growth": 0.2,
    "roe": 0.05,
    "debt_to_equity": 0.3,
    "pe_fwd": 17.7,
    "eps_revision_30d": 0.01,
    "some_new_metric": 1.0,
}


def test_quote_statement_and_estimate_figures_each_get_their_date() -> None:
    v = yahoo_vintages(METRICS, INFO, "2025-02-14")
    quoted = Vintage("2025-02-14", "quote", "quote 2025-02-14")
    assert v["price"] == v["pb"] == v["ret_12m"] == quoted
    assert v["roe"] == Vintage("2024-09-30", "statement", "TTM to 2024-09")
    assert v["revenue_growth"].label == "quarter to 2024-09 vs a year before"
    assert v["debt_to_equity"].label == "balance sheet at 2024-09"
    assert v["pe_fwd"] == Vintage("2025-02-14", "estimate", "consensus at 2025-02-14")
    assert v["eps_revision_30d"].basis == "estimate"
    assert "some_new_metric" not in v  # unknown kind: of the bundle's as_of


def test_without_the_latest_quarter_the_fiscal_year_end_dates_statements_no_younger() -> None:
    v = yahoo_vintages({"roe": 0.1}, {"lastFiscalYearEnd": 1703980800}, "2025-02-14")
    assert v["roe"] == Vintage("2023-12-31", "statement", "TTM to 2023-12 or later")
    assert yahoo_vintages({"roe": 0.1}, {}, "2025-02-14") == {}


def test_an_unknown_quote_date_leaves_quote_figures_undated_but_bars_keep_theirs() -> None:
    bars = (PriceBar("2025-02-13", None, None, None, 20.0),)
    v = yahoo_vintages(METRICS, INFO, "", bars)
    assert v["ret_12m"].date == "2025-02-13" and v["price"].date == "2025-02-13"
    assert "pe_fwd" not in v and v["roe"].date == "2024-09-30"
    assert "pe_fwd" not in yahoo_vintages(METRICS, INFO, "")
    assert "price" not in yahoo_vintages(METRICS, INFO, "")
