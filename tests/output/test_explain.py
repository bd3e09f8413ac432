"""`explain`: the numbers behind group functions, and verdicts that name what decided them."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from screener.engine import explain
from screener.engine.ruleset import load_ruleset
from screener.output.explain import verdict_text


def _rules(tmp_path: Path, when: str) -> object:
    path = tmp_path / "r.toml"
    path.write_text(
        f'[[rule]]\nid = "r"\ntitle = "R"\ndescription = "d"\nwhen = "{when}"\nscore = 1\n',
        encoding="utf-8",
    )
    return load_ruleset([path])


FRAME = pd.DataFrame(
    {
        "sector": ["switching"] * 4,
        "market": ["CN", "US", "US", "US"],
        "pe_fwd": [20.0, 40.0, 50.0, None],
        "net_margin": [None, 0.1, 0.2, 0.3],
        "gross_margin": [0.3, 0.6, 0.7, 0.8],
    },
    index=["A.SZ", "B", "C", "D"],
)


def _one(tmp_path: Path, when: str, ticker: str = "A.SZ") -> object:
    (item,) = explain(_rules(tmp_path, when), FRAME, None, ticker)
    return item


def test_false_and_unknown_is_false_and_names_the_deciding_test(tmp_path: Path) -> None:
    item = _one(tmp_path, "gross_margin > 50% and net_margin > 30%")
    assert item.result is False and item.deciding == ("gross_margin > 50%",)
    assert item.unneeded == ("net_margin",)
    text = verdict_text(item)
    assert text == (
        "false: `gross_margin > 50%` does not hold; decided without net_margin (missing)"
    )
    assert "cannot tell" not in text


def test_true_or_unknown_is_true_and_says_what_it_did_without(tmp_path: Path) -> None:
    item = _one(tmp_path, "gross_margin > 20% or net_margin > 30%")
    assert item.fired and item.deciding == ("gross_margin > 20%",)
    assert "decided without net_margin (missing)" in verdict_text(item)


def test_unknown_names_only_the_inputs_that_left_it_open(tmp_path: Path) -> None:
    when = "(gross_margin > 50% and pe_fwd > 0) or net_margin > 30%"
    item = _one(tmp_path, when)
    assert item.result is None
    assert verdict_text(item) == "cannot tell: missing net_margin"  # pe_fwd is known anyway


def test_a_missing_test_reads_as_a_test_not_a_statement(tmp_path: Path) -> None:
    item = _one(tmp_path, "net_margin is missing and gross_margin > 50%", "B")
    text = verdict_text(item)
    assert text.startswith("false: `") and "does not hold" in text


def test_group_functions_carry_their_n_and_the_peer_median(tmp_path: Path) -> None:
    item = _one(tmp_path, "peer_gap(pe_fwd) < 0 and sector_median(pe_fwd) > 0")
    facts = dict(item.groups)
    peer = facts["peer_gap(pe_fwd)"]
    assert (peer.n, peer.median, peer.over) == (2, 45.0, "peers")  # B and C; D has none
    assert dict(item.inputs)["peer_gap(pe_fwd)"] == 20.0 / 45.0 - 1
    assert facts["sector_median(pe_fwd)"].n == 3


def test_explain_shows_the_peer_median_and_n(run_cli, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")  # stacked: one input a line
    out = " ".join(run_cli("explain", "300308", "--source", "sample").out.split())
    assert "peer_gap(pe_fwd) = -37.6% (-0.3762) vs peer median" in out
    assert "n=6 peers" in out
    assert "sector_median(pe_fwd) = 46.01 (n=" in out
    assert "hist_pct(pe_ttm) = 100% (n=5 past points)" in out
    data = json.loads(run_cli("explain", "300308", "--source", "sample", "--format", "json").out)
    rule = next(r for r in data["rules"] if r["id"] == "a-share-discount-to-global-peers")
    assert rule["groups"]["peer_gap(pe_fwd)"]["n"] == 6
