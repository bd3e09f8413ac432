"""Plain lines: the refresh summary, a watchlist diff and a saved run's filters."""

from __future__ import annotations

import json
from types import SimpleNamespace

from screener.output.text import diff_lines, filters_text, summary_lines
from screener.watchlist import diff_runs


def _summary(**changes: object) -> SimpleNamespace:
    fields: dict[str, object] = {
        "fetched": ["A"],
        "skipped_fresh": [],
        "not_found": {},
        "not_found_recently": [],
        "failed": {},
        "partial": {},
        "requests": 3,
        "elapsed": 1.25,
        "throttled": 0,
        "stopped": None,
    }
    fields.update(changes)
    return SimpleNamespace(**fields)


def test_a_clean_refresh_is_one_line() -> None:
    assert summary_lines(_summary()) == [
        "refresh: 1 fetched, 0 skipped as fresh, 0 not found on Yahoo, 0 failed"
        " (3 requests, 1.2s)"
    ]


def test_failures_are_one_line_each_urls_hidden_and_long_reasons_cut() -> None:
    lines = summary_lines(
        _summary(
            failed={"B": "HTTP 500 at https://query1.example/v7?x=1\n  " + "z" * 300},
            partial={"C": "history: timed out"},
            not_found={f"T{i:02}": "" for i in range(14)},
            throttled=2,
            stopped="a minute of rate limits",
        )
    )
    assert lines[0].endswith("(3 requests, 1.2s, 2 rate-limited answers)")
    assert lines[1] == "  stopped early: a minute of rate limits"
    assert lines[2].endswith(", ".join(f"T{i:02}" for i in range(12)) + " and 2 more")
    assert lines[3] == "  partly C: saved, but history: timed out (asked again next run)"
    failed = lines[4]
    assert failed.startswith("  failed B: HTTP 500 at <url> zzz") and "\n" not in failed
    assert failed.endswith("...") and len(failed) == len("  failed B: ") + 160


def test_diff_lines_say_what_moved_and_whether_rules_or_filters_did() -> None:
    old = [{"ticker": "A", "name": "Alpha", "score": 1.0, "flags": ["x"]}]
    new = [
        {"ticker": "A", "name": "Alpha", "score": 2.0, "flags": ["x", "y"]},
        {"ticker": "B", "name": "Beta", "score": 1.5, "flags": ["x"]},
    ]
    diff = diff_runs(old, new, old_rules="h1", new_rules="h2")
    lines = diff_lines(diff, "title", ("source sample", "source sample; flagged only"))
    assert lines == [
        "title",
        "note: the rule set changed between the two runs",
        "note: the filters changed between the two runs (source sample -> source sample;"
        " flagged only), so some names may have left or entered because of them",
        "entered (1):",
        "  + B          Beta  score +1.5",
        "left (0):",
        "changed (1):",
        "  ~ A          Alpha  score +1 -> +2  (+y)",
        "unchanged: 0",
    ]


def test_filters_in_words() -> None:
    raw = json.dumps(
        {"source": "sample", "sectors": ["switching"], "flagged": True, "min_score": 1}
    )
    assert filters_text(raw) == "source sample; sectors switching; flagged only; min score 1"
    assert filters_text(None) == "source auto"
    assert filters_text("not json") == "not json"


def test_company_lines_fold_at_words_under_their_value() -> None:
    from screener.output.text import folded_lines

    lines = ["why:         Hyperscale data-centre developer/operator in China (HK line)"]
    folded = folded_lines(lines, 40)
    assert all(len(line) <= 40 for line in folded) and len(folded) > 1
    assert all(line.startswith(" " * 13) for line in folded[1:])
    assert " ".join(" ".join(folded).split()) == " ".join(lines[0].split())  # no word cut
    assert folded_lines(["short"], 40) == ["short"]
