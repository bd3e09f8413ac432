"""The screen's selection and output options: sort keys, one ranking, a subset of tickers,
any metric as a column, fields for machine formats, JSONL metadata, the flag legend."""

from __future__ import annotations

import json
import math
from typing import Any

import pandas as pd
import pytest

from screener.select import parse_sorts, select_rows
from screener.universe.taxonomy import SECTORS


def _json(run_cli, *args: str) -> list[dict[str, Any]]:
    result = run_cli("screen", "--source", "sample", "--format", "json", *args)
    assert result.status == 0, result.err
    return json.loads(result.out)


def _key(value: Any) -> tuple[bool, Any]:
    return (value is None or (isinstance(value, float) and math.isnan(value)), value)


FRAME = pd.DataFrame(
    {
        "sector": ["switching", "switching", "switching", "data_center", "data_center"],
        "score": [1.0, 1.0, 2.0, 1.0, float("nan")],
        "pe_fwd": [30.0, 10.0, float("nan"), 5.0, 1.0],
        "market_cap_usd": [1e9, 2e9, 3e9, 4e9, 5e9],
    },
    index=["S1", "S2", "S3", "D1", "D2"],
)


def test_several_sort_keys_break_ties_in_order_and_missing_sorts_last() -> None:
    assert parse_sorts("score:desc,pe_fwd") == [("score", False), ("pe_fwd", True)]
    rows = select_rows(FRAME, sort="score:desc,pe_fwd", group=False)
    assert list(rows.index) == ["S3", "D1", "S2", "S1", "D2"]
    rows = select_rows(FRAME, sort="pe_fwd:desc", group=False)
    assert list(rows.index) == ["S1", "S2", "D1", "D2", "S3"]  # missing last, even descending


def test_no_group_is_one_ranking_with_one_limit() -> None:
    grouped = select_rows(FRAME, sort="pe_fwd", limit=1)
    assert list(grouped.index) == ["S2", "D2"]  # one per sector, in the note's sector order
    assert SECTORS.index("switching") < SECTORS.index("data_center")
    assert list(select_rows(FRAME, sort="pe_fwd", limit=2, group=False).index) == ["D2", "D1"]


@pytest.mark.parametrize("spec", ["score:desc,", ",pe_fwd", "score:desc,pe_fw"])
def test_a_bad_key_in_a_list_is_one_line(run_cli, spec: str) -> None:
    result = run_cli("screen", "--source", "sample", "--sort", spec)
    assert result.status == 2 and "--sort" in result.err
    assert len(result.err.strip().splitlines()) == 1
    if spec.endswith("pe_fw"):
        assert "did you mean 'pe_fwd'" in result.err


def test_the_cli_sorts_by_several_keys_across_sectors(run_cli) -> None:
    rows = _json(run_cli, "--sort", "score:desc", "--sort", "pe_fwd", "--no-group")
    keys = [(-r["score"], _key(r["pe_fwd"])) for r in rows]
    assert keys == sorted(keys)
    assert len({r["sector"] for r in rows[:10]}) > 1  # sectors mixed in one ranking
    limited = _json(run_cli, "--sort", "score:desc,pe_fwd", "--no-group", "--limit", "5")
    assert [r["ticker"] for r in limited] == [r["ticker"] for r in rows[:5]]


def test_screen_tickers_shows_that_subset_in_any_form(run_cli) -> None:
    rows = _json(run_cli, "sz300308", "2345.TW", "300502")
    assert {r["ticker"] for r in rows} == {"300308.SZ", "2345.TW", "300502.SZ"}
    full = {r["ticker"]: r for r in _json(run_cli)}
    for row in rows:  # sector statistics still see every company: the same verdicts
        assert row["flags"] == full[row["ticker"]]["flags"]


def test_a_ticker_outside_the_universe_is_refused(run_cli) -> None:
    result = run_cli("screen", "--source", "sample", "300308", "AAPL")
    assert result.status == 2 and "not in the universe: AAPL" in result.err


def test_any_catalogue_metric_is_a_table_column(run_cli) -> None:
    result = run_cli(
        "screen", "--source", "sample", "--columns", "ticker,ps_ttm,roe,market,flags"
    )
    assert result.status == 0, result.err
    header = next(line for line in result.out.splitlines() if "Ticker" in line)
    for label in ("P/S", "ROE", "Market", "Flags"):
        assert label in header
    bad = run_cli("screen", "--source", "sample", "--columns", "ticker,ps_tm")
    assert bad.status == 2 and "did you mean 'ps_ttm'" in bad.err


def test_columns_select_the_fields_of_json_and_csv(run_cli) -> None:
    rows = _json(run_cli, "--columns", "ticker,segment,pe_fwd,flag_details")
    fields = ["ticker", "sub_segment", "pe_fwd", "flag_details"]
    assert rows and all(list(r) == fields for r in rows)
    csv = run_cli("screen", "--source", "sample", "--format", "csv", "--columns", "ticker,score")
    assert csv.status == 0
    lines = csv.out.splitlines()
    assert lines[0] == "ticker,score" and len(lines) == 64
    only_json = run_cli("screen", "--source", "sample", "--format", "csv", "--columns", "vintages")
    assert only_json.status == 2 and "unknown field 'vintages'" in only_json.err


def test_json_flags_stay_ids_and_details_are_objects(run_cli) -> None:
    rules = {
        r["id"]: r for r in json.loads(run_cli("rules", "list", "--format", "json").out)
    }
    for row in _json(run_cli):
        assert [d["id"] for d in row["flag_details"]] == row["flags"]
        for detail in row["flag_details"]:
            assert detail["label"] == rules[detail["id"]]["label"]
            assert detail["score"] == rules[detail["id"]]["score"]
            assert detail["penalty"] == (detail["score"] < 0)


def test_jsonl_is_a_metadata_line_then_the_json_rows(run_cli) -> None:
    result = run_cli("screen", "--source", "sample", "--format", "jsonl", "--flagged")
    assert result.status == 0, result.err
    lines = [json.loads(line) for line in result.out.splitlines()]
    meta = lines[0]["metadata"]
    assert lines[1:] == _json(run_cli, "--flagged")
    assert meta["source"] == "sample" and meta["rows"] == len(lines) - 1
    dates = sorted(r["as_of"] for r in lines[1:])
    assert meta["as_of"] == {"min": dates[0], "max": dates[-1]}
    assert len(meta["rules"]["fingerprint"]) == 12 and meta["rules"]["count"] >= 1
    assert meta["generated_at"].endswith("Z") and meta["selection"]["flagged"] is True
    fired = sum(len(r["flags"]) for r in lines[1:])
    assert sum(c["fired"] for c in meta["rules_decided"].values()) == fired


def test_the_legend_names_every_label_shown_and_the_coverage_line(run_cli) -> None:
    result = run_cli("screen", "--source", "sample")
    assert result.status == 0, result.err
    rules = json.loads(run_cli("rules", "list", "--format", "json").out)
    shown = {f for r in _json(run_cli) for f in r["flags"]}
    legend = result.out[result.out.index("Flags:\n") :]
    for rule in rules:
        assert (f"{rule['id']}: " in legend) == (rule["id"] in shown)
    assert "penalty" in legend and "signal" in legend
    assert "Rules decided" in result.out


def test_a_rule_unknown_everywhere_is_named(run_cli, tmp_path) -> None:
    path = tmp_path / "blind.toml"
    path.write_text(
        '[[rule]]\nid = "blind"\ntitle = "Never known"\nwhen = "eps_revision_30d > 0"\n'
        'score = 1\n[[rule]]\nid = "seen"\ntitle = "Known"\nwhen = "pe_fwd > 0"\nscore = 1\n',
        encoding="utf-8",
    )
    result = run_cli("screen", "--source", "sample", "--rules", str(path))
    assert result.status == 0, result.err
    line = next(x for x in result.out.splitlines() if "Rules decided" in x)
    assert "blind 0/63" in line
    tail = result.out[result.out.index("Rules decided") :]
    assert "unknown everywhere: blind" in " ".join(tail.split())
    assert "seen" not in tail.split("unknown everywhere:")[1]


def test_explain_several_tickers_side_by_side(run_cli) -> None:
    result = run_cli("explain", "--source", "sample", "300308", "2345.TW")
    assert result.status == 0, result.err
    assert "300308.SZ" in result.out and "2345.TW" in result.out
    as_json = json.loads(
        run_cli("explain", "--source", "sample", "300308", "2345.TW", "--format", "json").out
    )
    assert [e["ticker"] for e in as_json] == ["300308.SZ", "2345.TW"]
    for entry in as_json:
        fired = [r for r in entry["rules"] if r["fired"]]
        for rule in fired:
            assert f"yes {rule['score']:+g}" in result.out
    missing = run_cli("explain", "--source", "sample", "300308", "AAPL")
    assert missing.status == 2 and "AAPL" in missing.err


def test_rules_list_shows_the_label(run_cli) -> None:
    rows = json.loads(run_cli("rules", "list", "--format", "json").out)
    assert all(r["label"] for r in rows)
    assert any(r["label"].startswith("-") for r in rows if r["score"] < 0)


def test_no_group_renders_one_ranking_block(run_cli) -> None:
    grouped = run_cli("screen", "--source", "sample", "--limit", "2")
    ranked = run_cli("screen", "--source", "sample", "--no-group", "--limit", "2")
    assert ranked.status == 0, ranked.err
    assert "All sectors — one ranking: 2 shown of 63" in ranked.out
    assert "Optical communication" in grouped.out and "Optical communication" not in ranked.out
    top = [r["ticker"] for r in _json(run_cli, "--no-group", "--limit", "2")]
    body = ranked.out.split("All sectors", 1)[1]
    assert body.index(top[0]) < body.index(top[1])


def test_where_says_under_the_table_what_it_left_out(run_cli) -> None:
    result = run_cli("screen", "--source", "sample", "--where", "net_margin > 10%")
    assert result.status == 0, result.err
    unknown = sum(1 for r in _json(run_cli) if r["net_margin"] is None)
    assert f"{unknown} rows left out because the condition is unknown" in " ".join(
        result.out.split()
    )


def test_the_legend_follows_the_rows_the_table_shows(run_cli) -> None:
    result = run_cli("screen", "--source", "sample", "--limit", "1", "--no-group")
    assert result.status == 0, result.err
    (top,) = _json(run_cli, "--limit", "1", "--no-group")
    legend = result.out[result.out.index("Flags:\n") : result.out.index("Rules decided")]
    listed = [line.split(": ")[0].split()[-1] for line in legend.splitlines()[1:] if line]
    assert listed == top["flags"]


def test_plot_takes_where(run_cli) -> None:
    sector = ("--sector", "optical_communication", "--source", "sample")
    every = run_cli("plot", *sector)
    some = run_cli("plot", *sector, "--where", "pe_fwd < 30")
    assert every.status == 0 and some.status == 0, some.err
    assert every.out != some.out
    none = run_cli("plot", *sector, "--where", "pe_fwd < 0")
    assert none.status == 2 and "matches --where" in none.err


def test_jsonl_rows_take_columns_and_keep_the_metadata_line(run_cli) -> None:
    result = run_cli(
        "screen", "--source", "sample", "--format", "jsonl", "--columns", "ticker,score",
        "--where", "pe_fwd < 25",
    )
    assert result.status == 0, result.err
    first, *rows = (json.loads(line) for line in result.out.splitlines())
    assert first["metadata"]["selection"]["where"] == "pe_fwd < 25"
    assert first["metadata"]["where_unknown"] == sum(
        1 for r in _json(run_cli) if r["pe_fwd"] is None
    )
    assert rows and all(list(r) == ["ticker", "score"] for r in rows)
