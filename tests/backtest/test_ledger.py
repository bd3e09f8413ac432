"""`watchlist perf`: two saved runs, prices known afterwards, returns worked out by hand."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from screener.backtest.calendar import day_numbers
from screener.backtest.ledger import score_runs
from screener.backtest.prices import PriceTable
from screener.data.provider import FetchBundle, PriceBar
from screener.data.store import Store
from screener.engine import load_ruleset
from screener.run import load_companies
from tests.backtest.synthetic import company

#: closes on the three days that matter; sector X: A B C D, sector Y: E F G
CLOSES = {
    "2024-01-10": {"A": 10, "B": 20, "C": 5, "D": 8, "E": 50, "F": 10, "G": 40},
    "2024-03-15": {"A": 12, "B": 21, "C": 5.5, "D": 8, "E": 45, "F": 11, "G": 40},
    "2024-06-28": {"A": 15, "B": 22, "C": 4.5, "D": 8, "E": 55, "F": 9, "G": 44},
}
SECTOR = {t: "optical_communication" for t in "ABCD"} | {t: "switching" for t in "EFG"}
RUNS = [
    {"id": 1, "saved_at": "2024-01-10T09:00:00+00:00", "as_of_max": "2024-01-09"},
    {"id": 2, "saved_at": "2024-03-17T09:00:00+00:00", "as_of_max": "2024-03-15"},  # a Sunday
]
ROWS = {
    1: [
        {"ticker": "A", "flags": ["cheap"], "score": 1.0},
        {"ticker": "C", "flags": ["cheap", "leverage"], "score": 0.0},
        {"ticker": "E", "flags": ["momentum"], "score": 1.0},
        {"ticker": "B", "flags": [], "score": 0.0},
    ],
    2: [
        {"ticker": "B", "flags": ["cheap"], "score": 1.0},
        {"ticker": "F", "flags": ["leverage"], "score": -1.0},
    ],
}
RULES = """
[[rule]]
id = "cheap"
flag = "cheap"
title = "Cheap"
when = "pe_ttm < 10"
score = 1
[[rule]]
id = "leverage"
title = "Leverage"
when = "debt_to_equity > 1.5"
score = -1
[[rule]]
id = "momentum"
title = "Momentum"
when = "ret_6m > 0"
score = 1
"""

# By hand. Run 1 (priced 2024-01-10 -> 2024-06-28):
R1 = {"A": 15 / 10 - 1, "B": 22 / 20 - 1, "C": 4.5 / 5 - 1, "D": 0.0, "E": 55 / 50 - 1,
      "F": 9 / 10 - 1, "G": 44 / 40 - 1}
R1_X = (R1["A"] + R1["B"] + R1["C"] + R1["D"]) / 4  # 0.125
R1_Y = (R1["E"] + R1["F"] + R1["G"]) / 3  # 0.0333
# Run 2 (saved on a Sunday: priced at Friday 2024-03-15's closes):
R2 = {"A": 15 / 12 - 1, "B": 22 / 21 - 1, "C": 4.5 / 5.5 - 1, "D": 0.0, "E": 55 / 45 - 1,
      "F": 9 / 11 - 1, "G": 44 / 40 - 1}
R2_X = (R2["A"] + R2["B"] + R2["C"] + R2["D"]) / 4
R2_Y = (R2["E"] + R2["F"] + R2["G"]) / 3
EXCESS = {
    (1, "A"): R1["A"] - R1_X,  # +0.375
    (1, "C"): R1["C"] - R1_X,  # -0.225
    (1, "E"): R1["E"] - R1_Y,
    (2, "B"): R2["B"] - R2_X,
    (2, "F"): R2["F"] - R2_Y,
}


def _prices(tickers: tuple[str, ...]) -> PriceTable:
    rows = [(t, d, c) for d, closes in CLOSES.items() for t, c in closes.items()]
    ticker, date, close = zip(*rows, strict=True)
    return PriceTable.build(tickers, ticker, day_numbers(date), np.array(close, dtype=float))


@pytest.fixture
def rules(tmp_path: Path):
    path = tmp_path / "rules.toml"
    path.write_text(RULES, encoding="utf-8")
    return load_ruleset([path])


def test_two_runs_scored_by_hand(rules) -> None:
    universe = {t: company(t, s) for t, s in SECTOR.items()}
    rows = {k: [{**r, "sector": SECTOR[r["ticker"]]} for r in v] for k, v in ROWS.items()}
    ledger = score_runs("core", RUNS, rows, _prices(tuple(universe)), universe, rules)
    got = {(r.run_id, r.ticker): r for r in ledger.rows}
    assert set(got) == set(EXCESS)  # B of run 1 carried no flag
    for key, excess in EXCESS.items():
        assert got[key].excess == pytest.approx(excess)
    assert got[(1, "A")].ret == pytest.approx(0.5) and got[(1, "A")].basket == pytest.approx(0.125)
    assert got[(1, "A")].excess == pytest.approx(0.375)
    assert got[(2, "B")].start == "2024-03-15" and got[(2, "B")].end == "2024-06-28"
    run1, run2 = ledger.runs
    assert run1.flagged == 2  # A and E scored above 0; C's flags cancelled out
    assert run1.mean_return == pytest.approx((R1["A"] + R1["E"]) / 2)
    assert run1.mean_basket == pytest.approx((R1_X + R1_Y) / 2)
    assert run1.mean_excess == pytest.approx((EXCESS[1, "A"] + EXCESS[1, "E"]) / 2)
    assert run2.flagged == 1 and run2.mean_excess == pytest.approx(EXCESS[2, "B"])
    flags = {f.rule: f for f in ledger.flags}
    cheap = [EXCESS[1, "A"], EXCESS[1, "C"], EXCESS[2, "B"]]
    assert flags["cheap"].names == 3 and flags["cheap"].paid == 2
    assert flags["cheap"].mean_excess == pytest.approx(sum(cheap) / 3)
    # A penalty pays when its names lag their basket: both C and F did.
    assert flags["leverage"].paid == 2 and flags["leverage"].score == -1.0
    assert flags["momentum"].paid == 1 and flags["momentum"].mean_excess == pytest.approx(
        EXCESS[1, "E"]
    )
    assert ledger.last_close == "2024-06-28"


def test_watchlist_perf_from_the_store(run_cli, tmp_path: Path) -> None:
    """The same two runs through the store and the CLI, on tickers of the built-in universe."""
    universe = load_companies(None)
    x = [c.ticker for c in universe if c.sector == "optical_communication"][:4]
    y = [c.ticker for c in universe if c.sector == "switching" and c.primary_listing is None][:3]
    real = dict(zip("ABCDEFG", [*x, *y], strict=True))
    db = tmp_path / "perf.db"
    with Store(db) as store:
        for letter, ticker in real.items():
            bars = tuple(
                PriceBar(d, None, None, None, float(closes[letter])) for d, closes in CLOSES.items()
            )
            store.save_bundle(
                FetchBundle(ticker, "yahoo", "2024-06-28", "2024-06-29T00:00:00", "USD",
                            prices=bars)
            )
        ids = {"cheap": "below-own-median-pe", "leverage": "heavy-leverage",
               "momentum": "momentum-confirms"}
        for run in RUNS:
            saved = [
                {**r, "ticker": real[r["ticker"]], "flags": [ids[f] for f in r["flags"]],
                 "sector": SECTOR[r["ticker"]]}
                for r in ROWS[int(run["id"])]
            ]
            run_id = store.save_watchlist_run("core", {"source": "yahoo"}, saved)
            with store.transaction() as conn:
                conn.execute(
                    "update watchlist_runs set saved_at = ?, as_of_max = ? where id = ?",
                    [run["saved_at"], run["as_of_max"], run_id],
                )
    result = run_cli("--db", str(db), "watchlist", "perf", "core", "--format", "json")
    assert result.status == 0, result.err
    data = json.loads(result.out)
    got = {(r["run"], r["ticker"]): r["excess"] for r in data["rows"]}
    for (run_id, letter), excess in EXCESS.items():
        assert got[(run_id, real[letter])] == pytest.approx(excess)
    labels = {f["label"]: f for f in data["flags"]}
    assert labels["leverage"]["paid"] == 2 and labels["<own-median"]["names"] == 3
    table = run_cli("--db", str(db), "watchlist", "perf", "core")
    assert table.status == 0, table.err
    assert "run #1 saved 2024-01-10" in table.out and "which flags paid" in table.out
    assert "momentum: paid 1 of 1" in table.out
    csv_out = run_cli("--db", str(db), "watchlist", "perf", "core", "--format", "csv")
    assert csv_out.out.splitlines()[0].startswith("run,saved,ticker")
    missing = run_cli("--db", str(db), "watchlist", "perf", "nope")
    assert missing.status == 2 and "no watchlist named 'nope'" in missing.err
