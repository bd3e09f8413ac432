"""Issue 10, the age half, end to end on the sample: vintages shown, stale inputs unknown,
data age out of the score."""

from __future__ import annotations

import json
from pathlib import Path

from screener.engine import load_ruleset
from screener.output.explain import verdict_text
from screener.resources import shipped_rules_dir

AGE_METRICS = {"data_age_days"}


def _json(run_cli, *args: str) -> list[dict]:
    result = run_cli("screen", "--source", "sample", "--format", "json", *args)
    assert result.status == 0, result.err
    return json.loads(result.out)


def test_no_fired_rule_is_a_data_age_penalty(run_cli) -> None:
    rules = {rule.id: rule for rule in load_ruleset([shipped_rules_dir()]).rules}
    for rule in rules.values():  # no shipped rule reads the data's age at all
        names = {node.name for node in rule.when.walk() if hasattr(node, "name")}
        assert not names & AGE_METRICS, rule.id
        assert "data-quality" not in rule.tags, rule.id
    rows = _json(run_cli)
    fired = {rule_id for row in rows for rule_id in row["flags"]}
    assert fired and fired <= set(rules)
    assert not fired & {"stale-data", "very-stale-data"}


def test_json_rows_give_each_figure_its_vintage(run_cli) -> None:
    rows = {row["ticker"]: row for row in _json(run_cli)}
    lite = rows["LITE"]
    assert lite["vintages"]["revenue_growth"] == {
        "date": "2024-09-30",
        "basis": "statement",
        "label": "TTM to 2024-09",
    }
    assert lite["vintages"]["price"]["date"] == lite["as_of"] == "2026-02-20"
    assert lite["vintages"]["pe_fwd"]["basis"] == "estimate"
    for row in rows.values():
        figures = {
            k for k, v in row.items() if isinstance(v, float) and k != "data_age_days"
        } - {"score"}
        assert set(row["vintages"]) == figures, row["ticker"]
        # every key the JSON had before is still there
        for key in ("flags", "score", "reasons", "as_of", "source", "notes", "provenance"):
            assert key in row


def test_explain_lite_shows_every_rule_reading_revenue_growth_as_unknown_for_a_stale_input(
    run_cli,
) -> None:
    result = run_cli("explain", "LITE", "--source", "sample", "--format", "json")
    assert result.status == 0, result.err
    data = json.loads(result.out)
    assert data["vintages"]["revenue_growth"]["label"] == "TTM to 2024-09"
    readers = [r for r in data["rules"] if "revenue_growth" in r["inputs"]]
    assert readers
    for rule in readers:
        assert not rule["fired"]
        assert rule["stale"] == [
            {"input": "revenue_growth", "from": "TTM to 2024-09", "days_before_quote": 508.0}
        ]
        assert rule["input_vintages"]["revenue_growth"] == "TTM to 2024-09"
        assert rule["inputs"]["revenue_growth"] == -0.1263  # the stored value, not hidden
        assert "revenue_growth" not in rule["missing"]  # stale, not missing
        tests = [c for c in rule["conditions"] if "revenue_growth" in c["test"]]
        assert tests and all(c["result"] is None for c in tests)  # unknown, not false
    text = run_cli("explain", "LITE", "--source", "sample")
    assert text.status == 0, text.err
    flat = " ".join(text.out.split())
    assert "Stale figures" in flat
    assert "revenue_growth: TTM to 2024-09 (508 days before the quote of 2026-02-20)" in flat
    assert "STALE" in text.out
    # the verdict of each rule that reads it (the table wraps it, so read it whole)
    for item in _explanations("LITE"):
        if "revenue_growth" in dict(item.inputs):
            assert "stale input: revenue_growth from TTM to 2024-09" in verdict_text(item)
            if item.result is False:  # decided by its other inputs: the stale part is said
                assert "unknown for a stale input" in verdict_text(item)


def _explanations(ticker: str, rules: list[Path] | None = None) -> list:
    from screener.data.store import Store
    from screener.output.explain import rule_explanations as explanations
    from screener.run import load_inputs, run_screen

    with Store(":memory:") as store:
        run = run_screen(store, load_inputs(rules, None), source="sample")
    return explanations(run, ticker)


def test_a_rule_that_reads_only_a_stale_figure_is_unknown(run_cli, tmp_path: Path) -> None:
    rules = tmp_path / "growth.toml"
    rules.write_text(
        '[[rule]]\nid = "shrinking"\ntitle = "Shrinking"\nwhen = "revenue_growth < 0"\n'
        "score = 1\n",
        encoding="utf-8",
    )
    result = run_cli("explain", "LITE", "--source", "sample", "--rules", str(rules))
    assert result.status == 0, result.err
    assert "unknown" in result.out
    (item,) = _explanations("LITE", [rules])
    assert item.result is None
    assert verdict_text(item) == "cannot tell: stale input: revenue_growth from TTM to 2024-09"
    # a file that allows older statements reads the same figure as current
    rules.write_text("[max_age]\nstatement = 600\n\n" + rules.read_text(), encoding="utf-8")
    rows = _json(run_cli, "--rules", str(rules))
    lite = next(r for r in rows if r["ticker"] == "LITE")
    assert lite["flags"] == ["shrinking"]


def test_the_table_marks_old_figures_with_a_legend(run_cli) -> None:
    result = run_cli("screen", "--source", "sample", "--columns", "ticker,revenue_growth,score")
    assert result.status == 0, result.err
    line = next(line for line in result.out.splitlines() if "│ LITE" in line)
    assert "-12.6%*" in line
    assert "* figure older than its row's quote" in result.out
    plain = run_cli("screen", "--source", "sample", "--columns", "ticker,pe_fwd,score")
    assert "*" not in plain.out  # nothing marked, no legend


def test_max_age_keeps_rows_at_most_that_old(run_cli) -> None:
    rows = _json(run_cli)
    ages = {row["ticker"]: row["data_age_days"] for row in rows}
    limit = int(sorted(ages.values())[len(ages) // 2])
    kept = _json(run_cli, "--max-age", str(limit))
    assert kept and {row["ticker"] for row in kept} == {t for t, a in ages.items() if a <= limit}
    bad = run_cli("screen", "--source", "sample", "--max-age", "-1")
    assert bad.status == 2


def test_flagged_means_a_score_above_zero_everywhere(run_cli) -> None:
    rows = _json(run_cli)
    flagged = _json(run_cli, "--flagged")
    assert {r["ticker"] for r in flagged} == {r["ticker"] for r in rows if r["score"] > 0}
    # LITE: a real signal and an old revenue figure; flagged on its signals
    assert "LITE" in {r["ticker"] for r in flagged}


def test_watchlist_save_takes_max_age_and_remembers_it(run_cli) -> None:
    result = run_cli("watchlist", "save", "recent", "--source", "sample", "--max-age", "100000")
    assert result.status == 0, result.err
    assert "63 companies" in result.out
    again = run_cli("watchlist", "save", "recent", "--source", "sample", "--max-age", "0")
    assert again.status == 0 and "0 companies" in again.out
    diff = run_cli("watchlist", "diff", "recent")
    assert diff.status == 0, diff.err
    assert "data at most 0 days old" in diff.out


def test_plot_takes_max_age(run_cli) -> None:
    result = run_cli("plot", "--sector", "switching", "--source", "sample", "--max-age", "100000")
    assert result.status == 0, result.err
    none = run_cli("plot", "--sector", "switching", "--source", "sample", "--max-age", "0")
    assert none.status == 2
    assert "at most 0 days old" in none.err
