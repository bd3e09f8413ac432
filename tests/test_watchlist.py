"""Watchlists: names validated, runs saved in the store, diffs between runs."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from screener.errors import InputError
from screener.watchlist import diff_runs, validate_name


@pytest.mark.parametrize("name", ["core", "AI-2026", "光模块", "a.b_c", "x" * 64])
def test_good_names(name: str) -> None:
    assert validate_name(name) == name


@pytest.mark.parametrize(
    "name", ["", "../x", "a/b", "a\\b", ".hidden", "-flag", "x" * 65, "a..b", "a b", "nul\x00"]
)
def test_bad_names(name: str) -> None:
    with pytest.raises(InputError, match="invalid watchlist name"):
        validate_name(name)


def test_diff_runs_unit() -> None:
    old = [
        {"ticker": "A", "score": 1.0, "flags": ["x"]},
        {"ticker": "B", "score": 2.0, "flags": ["x", "y"]},
        {"ticker": "C", "score": 1.0, "flags": ["z"]},
    ]
    new = [
        {"ticker": "B", "score": 3.0, "flags": ["x", "w"]},
        {"ticker": "C", "score": 1.0, "flags": ["z"]},
        {"ticker": "D", "score": 1.5, "flags": ["x"]},
    ]
    diff = diff_runs(old, new, old_rules="h1", new_rules="h1")
    assert [r["ticker"] for r in diff.entered] == ["D"]
    assert [r["ticker"] for r in diff.left] == ["A"]
    (change,) = diff.changed
    assert (change.ticker, change.old_score, change.new_score) == ("B", 2.0, 3.0)
    assert change.added_flags == ("w",) and change.removed_flags == ("y",)
    assert diff.unchanged == 1 and not diff.rules_changed


def _rules(path: Path, threshold: int) -> Path:
    path.write_text(
        f'[[rule]]\nid = "cheap"\ntitle = "Cheap"\ndescription = "d"\n'
        f'when = "pe_fwd < {threshold}"\nscore = 1\nwhy = "fwd P/E {{pe_fwd:.1f}}"\n'
        '[[rule]]\nid = "growth"\ntitle = "Growth"\ndescription = "d"\n'
        'when = "revenue_growth > 30%"\nscore = 1\nwhy = "growth {revenue_growth:.0%}"\n',
        encoding="utf-8",
    )
    return path


def test_diff_over_two_saved_runs(run_cli, tmp_path: Path) -> None:
    loose, strict = _rules(tmp_path / "a.toml", 40), _rules(tmp_path / "b.toml", 25)
    for rules in (loose, strict):
        result = run_cli(
            "watchlist", "save", "demo", "--source", "sample", "--flagged", "--rules", str(rules)
        )
        assert result.status == 0, result.err
    first = json.loads(
        run_cli(
            "screen", "--source", "sample", "--format", "json", "--flagged", "--rules", str(loose)
        ).out
    )
    second = json.loads(
        run_cli(
            "screen", "--source", "sample", "--format", "json", "--flagged", "--rules", str(strict)
        ).out
    )
    a, b = {r["ticker"]: r for r in first}, {r["ticker"]: r for r in second}
    result = run_cli("watchlist", "diff", "demo", "--format", "json")
    assert result.status == 0, result.err
    changes = json.loads(result.out)
    by_kind: dict[str, set[str]] = {}
    for row in changes:
        by_kind.setdefault(row["change"], set()).add(row["ticker"])
    assert by_kind.get("entered", set()) == set(b) - set(a)
    assert by_kind.get("left", set()) == set(a) - set(b)
    assert by_kind["left"]  # the stricter threshold must drop someone
    expected_changed = {t for t in set(a) & set(b) if a[t]["flags"] != b[t]["flags"]}
    assert by_kind.get("changed", set()) == expected_changed
    assert "rule set changed" in run_cli("watchlist", "diff", "demo").out


def test_show_export_list_rm(run_cli, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert run_cli("watchlist", "save", "w1", "--source", "sample").status == 0
    shown = json.loads(run_cli("watchlist", "show", "w1", "--format", "json").out)
    assert len(shown) == 63
    exported = run_cli("watchlist", "export", "w1")
    assert exported.status == 0
    back = pd.read_csv(tmp_path / "watchlists" / "w1.csv", dtype={"ticker": str})
    assert list(back["ticker"]) == [row["ticker"] for row in shown]
    listed = json.loads(run_cli("watchlist", "list", "--format", "json").out)
    assert [row["name"] for row in listed] == ["w1"]
    asked = run_cli("watchlist", "rm", "w1")  # no terminal to ask on: refused, kept
    assert asked.status == 2 and "add --yes to confirm" in asked.err
    assert "1 saved run" in asked.err
    assert run_cli("watchlist", "show", "w1").status == 0
    removed = run_cli("watchlist", "rm", "w1", "--yes")
    assert removed.status == 0 and removed.out == "removed watchlist 'w1' (1 run)\n"
    missing = run_cli("watchlist", "show", "w1")
    assert missing.status == 2 and "no watchlist named 'w1'" in missing.err
    assert run_cli("watchlist", "diff", "../etc").status == 2


def test_diff_notes_changed_filters(run_cli) -> None:
    assert run_cli("watchlist", "save", "f", "--source", "sample").status == 0
    assert run_cli("watchlist", "save", "f", "--source", "sample", "--flagged").status == 0
    result = run_cli("watchlist", "diff", "f")
    assert result.status == 0 and "filters changed" in result.out
    assert "rule set changed" not in result.out


def test_a_trailing_newline_is_not_a_valid_name() -> None:
    with pytest.raises(InputError):
        validate_name("core\n")


def test_the_rules_fingerprint_sees_age_limits_a_file_sets(tmp_path) -> None:
    from screener.engine import load_ruleset
    from screener.watchlist import rules_fingerprint

    rule = '[[rule]]\nid = "a"\ntitle = "A"\nwhen = "pe_fwd > 0"\nscore = 1\n'
    plain = tmp_path / "plain.toml"
    plain.write_text(rule, encoding="utf-8")
    same = tmp_path / "same.toml"
    same.write_text("[max_age]\nstatement = 300\n\n" + rule, encoding="utf-8")
    loose = tmp_path / "loose.toml"
    loose.write_text("[max_age]\nstatement = 600\n\n" + rule, encoding="utf-8")
    fingerprints = [rules_fingerprint(load_ruleset([p]).rules) for p in (plain, same, loose)]
    assert fingerprints[0] == fingerprints[1] != fingerprints[2]


def test_a_diff_follows_price_and_pe_not_only_flags() -> None:
    from screener.output.text import diff_lines
    from screener.watchlist import diff_rows

    base = {"score": 1.0, "flags": ["x"]}
    old = [
        {**base, "ticker": "A", "price": 100.0, "pe_ttm": 30.0, "pe_fwd": 20.0},
        {**base, "ticker": "B", "price": 10.0, "pe_ttm": None, "pe_fwd": 9.0},
    ]
    new = [
        {**base, "ticker": "A", "price": 110.0, "pe_ttm": 27.5, "pe_fwd": 20.0},
        {**base, "ticker": "B", "price": 10.0, "pe_ttm": None, "pe_fwd": 9.0},
    ]
    diff = diff_runs(old, new)
    (change,) = diff.changed  # flags and score alike: the figures moved
    assert change.ticker == "A" and diff.unchanged == 1
    assert [(m.metric, m.old, m.new) for m in change.moved] == [
        ("price", 100.0, 110.0),
        ("pe_ttm", 30.0, 27.5),
    ]
    (row,) = diff_rows(diff)
    assert (row["old_price"], row["new_price"], row["old_pe_fwd"], row["new_pe_fwd"]) == (
        100.0,
        110.0,
        20.0,
        20.0,
    )
    text = "\n".join(diff_lines(diff, "t", ("", "")))
    assert "Price 100.00 -> 110.00 (+10.0%)" in text and "P/E 30.0 -> 27.5" in text
    assert "Fwd P/E" not in text  # unmoved figures are not listed


def test_save_exit_code_says_when_names_entered_or_left(run_cli) -> None:
    from screener.watchlist import NAMES_CHANGED_STATUS

    first = run_cli("watchlist", "save", "job", "--source", "sample", "--flagged", "--exit-code")
    assert first.status == 0, first.err  # no previous run: nothing entered or left
    same = run_cli("watchlist", "save", "job", "--source", "sample", "--flagged", "--exit-code")
    assert same.status == 0 and "entered" not in same.out
    wider = run_cli("watchlist", "save", "job", "--source", "sample", "--exit-code")
    assert wider.status == NAMES_CHANGED_STATUS == 3
    assert "entered: " in wider.out
    quiet = run_cli("watchlist", "save", "job", "--source", "sample", "--flagged")
    assert quiet.status == 0 and "left: " in quiet.out  # without the flag, still said
