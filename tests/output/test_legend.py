"""The flag legend and the coverage line: what each label means, what each rule could decide."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from screener.engine import evaluate, load_ruleset
from screener.engine.history import HistoryPoints
from screener.output.legend import (
    coverage,
    coverage_line,
    flag_label,
    flag_objects,
    legend_lines,
)
from screener.run import ScreenRun

RULES = """
[[rule]]
id = "cheap"
flag = "cheap"
title = "Cheap"
when = "pe_fwd < 20"
score = 2
[[rule]]
id = "dc-only"
title = "Data centres with a P/E"
sectors = ["data_center"]
when = "pe_fwd > 0"
score = 1
[[rule]]
id = "blind"
flag = "rev"
title = "Never known"
when = "eps_revision_30d > 0"
score = -1
"""


def _run(tmp_path: Path) -> ScreenRun:
    path = tmp_path / "r.toml"
    path.write_text(RULES, encoding="utf-8")
    ruleset = load_ruleset([path])
    frame = pd.DataFrame(
        {
            "sector": ["switching", "switching", "data_center", "data_center"],
            "pe_fwd": [10.0, np.nan, 30.0, 5.0],
            "eps_revision_30d": [np.nan] * 4,
            "market_cap_usd": [1e9, 2e9, 3e9, 4e9],
            "as_of": ["2026-01-01"] * 4,
        },
        index=["S1", "S2", "D1", "D2"],
    )
    evaluation = evaluate(ruleset, frame)
    frame = frame.assign(flags=evaluation.fired, score=evaluation.score)
    return ScreenRun(
        frame=frame,
        points=HistoryPoints(),
        ruleset=ruleset,
        evaluation=evaluation,
        universe={},
        source="sample",
        banner=None,
    )


def test_coverage_counts_rows_applied_decided_and_fired(tmp_path: Path) -> None:
    found = {c.rule_id: (c.applies, c.decided, c.fired) for c in coverage(_run(tmp_path))}
    assert found == {"cheap": (4, 3, 2), "dc-only": (2, 2, 2), "blind": (4, 0, 0)}
    line = coverage_line(coverage(_run(tmp_path)))
    assert line.startswith("Rules decided") and "cheap 3/4" in line and "dc-only 2/2" in line
    assert line.endswith("unknown everywhere: blind")


def test_the_legend_lists_the_labels_shown_with_score_and_kind(tmp_path: Path) -> None:
    run = _run(tmp_path)
    lines = legend_lines(run.ruleset, [("cheap",), ("blind", "cheap")])
    assert lines[0] == "Flags:" and len(lines) == 3
    assert "cheap" in lines[1] and "+2" in lines[1] and "signal" in lines[1]
    assert "-rev" in lines[2] and "-1" in lines[2] and "penalty" in lines[2]
    assert "blind: Never known" in lines[2]
    assert legend_lines(run.ruleset, [(), ()]) == []


def test_flag_objects_carry_id_label_score_and_penalty(tmp_path: Path) -> None:
    run = _run(tmp_path)
    assert flag_objects(run.ruleset, ["blind", "gone"]) == [
        {"id": "blind", "label": "-rev", "score": -1.0, "penalty": True},
        {"id": "gone", "label": "gone", "score": None, "penalty": None},
    ]
    assert flag_label(run.ruleset.get("dc-only")) == "dc-only"


def test_the_legend_grid_fits_narrow_terminals_without_splitting_words(tmp_path: Path) -> None:
    from rich.console import Console

    from screener.output.legend import legend_entries, legend_grid

    run = _run(tmp_path)
    entries = legend_entries(run.ruleset, [("cheap", "dc-only", "blind")])
    for width in (40, 60, 100):
        console = Console(width=width, record=True, color_system=None)
        console.print(legend_grid(entries, width))
        lines = console.export_text().splitlines()
        assert lines and all(len(line) <= width for line in lines)
        words = {w for line in lines for w in line.split()}
        for label, score, kind, rule in entries:
            assert {label, score, kind} <= words
            assert set(rule.split()) <= words  # every word of the rule whole
