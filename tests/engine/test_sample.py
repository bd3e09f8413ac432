"""The shipped packs against the bundled sample snapshot: real figures, real firings.

The sample frame is built here the way the data layer documents it
(screener/data/sample/SOURCES.md): renamed columns, market from the ticker
suffix, implied EPS growth derived, age measured from a fixed date so the test
does not drift with the calendar.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from screener.engine import evaluate, explain, load_ruleset
from screener.engine.nodes import Call, MetricRef
from tests.paths import ROOT

SAMPLE = ROOT / "screener" / "data" / "snapshot"
TODAY = pd.Timestamp("2026-11-29")


def market_of(ticker: str) -> str:
    suffix = ticker.rsplit(".", 1)[1] if "." in ticker else ""
    return {"SZ": "CN", "SS": "CN", "HK": "HK", "T": "JP", "TW": "TW", "AX": "AU"}.get(suffix, "US")


def sample_frame() -> pd.DataFrame:
    raw = pd.read_csv(SAMPLE / "snapshot.csv", dtype={"ticker": str})
    frame = raw.rename(
        columns={
            "pe_forward": "pe_fwd",
            "revenue_growth_yoy": "revenue_growth",
            "change_52w": "ret_12m",
        }
    ).set_index("ticker")
    frame["market"] = [market_of(t) for t in frame.index]
    frame["implied_eps_growth"] = frame["pe_ttm"] / frame["pe_fwd"] - 1
    frame["data_age_days"] = (TODAY - pd.to_datetime(frame["as_of"])).dt.days.astype(float)
    keep = [
        "sector",
        "market",
        "currency",
        "price",
        "market_cap",
        "enterprise_value",
        "pe_ttm",
        "pe_fwd",
        "peg",
        "ps_ttm",
        "pb",
        "ev_ebitda",
        "revenue_ttm",
        "revenue_growth",
        "gross_margin",
        "operating_margin",
        "net_margin",
        "roe",
        "debt_to_equity",
        "beta",
        "ret_12m",
        "implied_eps_growth",
        "data_age_days",
    ]
    frame = frame[keep]
    numeric = [c for c in keep if c not in ("sector", "market", "currency")]
    frame[numeric] = frame[numeric].astype("float64")
    return frame


def sample_history() -> pd.DataFrame:
    """Past fiscal years only: the 'Current' row is today's value, which the frame holds."""
    raw = pd.read_csv(SAMPLE / "valuation_history.csv", dtype={"ticker": str})
    raw = raw[raw["fiscal_year"] != "Current"]
    long = raw.melt(
        id_vars=["ticker", "period_end"],
        value_vars=["pe", "ps", "pb", "ev_ebitda"],
        var_name="metric",
        value_name="value",
    )
    long["metric"] = long["metric"].map(
        {"pe": "pe_ttm", "ps": "ps_ttm", "pb": "pb", "ev_ebitda": "ev_ebitda"}
    )
    return long.rename(columns={"period_end": "date"})[["ticker", "metric", "date", "value"]]


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return sample_frame()


@pytest.fixture(scope="module")
def history() -> pd.DataFrame:
    return sample_history()


def test_shipped_packs_fire_on_the_sample(frame: pd.DataFrame, history: pd.DataFrame) -> None:
    ruleset = load_ruleset()
    ev = evaluate(ruleset, frame, history)
    fired_anywhere = ev.matrix.any()
    positive = [r.id for r in ruleset.rules if r.score > 0 and fired_anywhere[r.id]]
    assert len(positive) >= 4, fired_anywhere
    assert ev.score.index.equals(frame.index)
    # The score is the sum of the scores of the rules that fired.
    scores = {r.id: r.score for r in ruleset.rules}
    for ticker in frame.index:
        assert ev.score[ticker] == pytest.approx(sum(scores[i] for i in ev.fired[ticker]))
        assert len(ev.reasons[ticker]) == len(ev.fired[ticker])


def test_innolight_known_figures(frame: pd.DataFrame, history: pd.DataFrame) -> None:
    ev = evaluate(load_ruleset(), frame, history)
    fired = ev.fired["300308.SZ"]
    assert "peg-below-one" in fired  # PEG 0.57
    assert "fwd-pe-well-below-trailing" in fired  # 30.69 vs 60.77
    reasons = dict(r.split(": ", 1) for r in ev.reasons["300308.SZ"])
    assert reasons["fwd-pe-well-below-trailing"] == (
        "forward P/E 30.7 vs trailing 60.8: implied EPS growth 98%"
    )
    assert reasons["peg-below-one"] == "PEG 0.57 (P/E 60.8)"


def test_explain_innolight_shows_every_rule_with_inputs(
    frame: pd.DataFrame, history: pd.DataFrame
) -> None:
    ruleset = load_ruleset()
    explanations = explain(ruleset, frame, history, "300308.SZ")
    assert [e.rule.id for e in explanations] == list(ruleset.ids)
    for e in explanations:
        expected = {n.to_source() for n in e.rule.when.walk() if isinstance(n, MetricRef | Call)}
        assert {text for text, _ in e.inputs} == expected
        for name in e.missing:
            assert dict(e.inputs)[name] is None
        assert (e.reason is not None) == e.fired
    by_id = {e.rule.id: e for e in explanations}
    idc = by_id["idc-top-tier-margins"]
    assert not idc.applicable and not idc.fired  # optical company, data-centre rule
    hist = by_id["multiple-bottom-third-eps-rising"]
    # Kleene logic: the history part is false, so the unknown revision cannot save it.
    assert "eps_revision_30d" in hist.missing and hist.result is False
    # FY2020..FY2024 P/Es 41.79, 38.68, 17.31, 40.85, 26.38: all five are <= 60.77.
    assert dict(hist.inputs)["hist_pct(pe_ttm)"] == 1.0
    disc = by_id["fwd-pe-discount-with-growth"]
    median = float(np.nanmedian(frame.loc[frame.sector == "optical_communication", "pe_fwd"]))
    assert dict(disc.inputs)["sector_median(pe_fwd)"] == pytest.approx(median)
    assert "revenue_growth" in disc.missing
