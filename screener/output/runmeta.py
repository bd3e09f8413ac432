"""A run's metadata, and `--format jsonl`: metadata first, then one row per line.

`--format json` stays the bare array of rows that scripts already parse. `--format
jsonl` writes the run's metadata as the first line, `{"metadata": {...}}`, then one
row object per line, the same objects as the JSON array: a stream reader learns the
source, the as-of range and the rule set's fingerprint before the first row.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from screener.output.legend import coverage, coverage_json
from screener.output.rows import json_line
from screener.output.sanitize import joined_safe

if TYPE_CHECKING:
    from screener.run import ScreenRun


def run_metadata(run: ScreenRun, generated_at: datetime | None = None) -> dict[str, Any]:
    """Source, as-of range, rule-set fingerprint and files, selection, what each rule could
    decide, and when this was generated (UTC, to the second)."""
    from screener.watchlist import rules_fingerprint

    when = (generated_at or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    as_of = run.as_of_range
    selection = run.selection
    selected = run.selected
    return {
        "generated_at": when.isoformat().replace("+00:00", "Z"),
        "source": run.source,
        "requested_source": run.requested_source,
        "banner": run.banner,
        "as_of": {"min": as_of[0], "max": as_of[1]} if as_of else None,
        "rules": {
            "fingerprint": rules_fingerprint(run.ruleset.rules),
            "count": len(run.ruleset.rules),
            "files": [str(path) for path in run.ruleset.paths],
        },
        "selection": {
            "sectors": list(selection.sectors),
            "tickers": list(selection.tickers),
            "sort": selection.sort,
            "grouped": selection.group,
            "flagged": selection.flagged,
            "min_score": selection.min_score,
            "max_age": selection.max_age,
            "limit": selection.limit,
            "where": selection.where,
        },
        "where_unknown": selected.where_unknown if selection.where is not None else None,
        "rows": len(run.rows),
        "companies_with_data": len(run.frame),
        "rules_decided": coverage_json(coverage(run)),
    }


def stale_figures(run: ScreenRun) -> dict[str, list[str]]:
    """Per ticker of the rows, the figures too old for their row (the rules read them as
    unknown, and so does `--where`), as the table marks them with `*`."""
    if run.stale_cells is None:
        return {}
    stale = run.stale_cells.reindex(index=run.rows.index, fill_value=False)
    columns = [str(c) for c in stale.columns]
    values = stale.to_numpy(dtype=bool)
    return {
        str(ticker): [columns[j] for j in range(len(columns)) if values[i, j]]
        for i, ticker in enumerate(stale.index)
    }


def json_extras(rows: list[dict[str, Any]], run: ScreenRun) -> list[dict[str, Any]]:
    """JSON rows with `flag_details` (each fired rule's id, label, score, penalty) and
    `stale_figures` (what the rules could not use), beside the stable fields."""
    from screener.output.legend import with_flag_details

    stale = stale_figures(run)
    for row in with_flag_details(rows, run.ruleset):
        row["stale_figures"] = stale.get(str(row["ticker"]), [])
    return rows


def jsonl_text(metadata: dict[str, Any], rows: Sequence[dict[str, Any]]) -> str:
    """The metadata line, then one row per line; every line one JSON object."""
    lines = [json_line({"metadata": metadata}), *(json_line(row) for row in rows)]
    return "\n".join(lines) + "\n"


def jsonl_lines_text(metadata: dict[str, Any], lines: Sequence[str]) -> str:
    """`jsonl_text` of rows already written as lines (`jsonrows.run_json_lines`)."""
    return joined_safe("\n".join([json_line({"metadata": metadata}), *lines]) + "\n")
