"""How `universe sync` reads on screen: a line per board, then three grids.

The report (`screener.universe.sync.SyncReport`) is data; this module turns it into
the sections a person reads (boards used, proposed additions with their evidence,
universe names on no board, boards that no longer resolve) and one closing count
line. The CLI prints them; JSON output is the report's own `to_json()`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from screener.universe.sync import SyncReport, absent_row


@dataclass(frozen=True)
class Section:
    """One grid: its title, rows and the columns shown."""

    title: str
    rows: list[dict[str, Any]]
    columns: list[str]


ADDITION_COLUMNS = ["ticker", "name", "sector", "sub_segment", "confidence", "boards", "evidence"]
ABSENT_COLUMNS = ["ticker", "name", "sector", "sub_segment"]


def board_lines(report: SyncReport) -> list[str]:
    """One line per board asked: its name, today's code and the members it listed."""
    lines = [f"board {b.name} ({b.code}): {len(b.members)} members" for b in report.boards]
    lines += [f"board {name}: no longer listed by East Money" for name in report.unresolved]
    return lines


def sections(report: SyncReport) -> list[Section]:
    """The grids of the report, empty ones left out."""
    out: list[Section] = []
    if report.additions:
        rows = []
        for p in report.additions:
            row = p.to_row()
            row["boards"] = ", ".join(p.boards)
            row["evidence"] = "; ".join(p.verdict.evidence) + f" ({p.verdict.reason})"
            rows.append(row)
        out.append(Section(f"Proposed additions: {len(rows)}", rows, ADDITION_COLUMNS))
    if report.absent:
        rows = [absent_row(c) for c in report.absent]
        out.append(Section(f"In the universe, on no board: {len(rows)}", rows, ABSENT_COLUMNS))
    if report.unresolved:
        rows = [{"board": name} for name in report.unresolved]
        out.append(Section(f"Boards that no longer resolve: {len(rows)}", rows, ["board"]))
    return out


def summary_line(report: SyncReport) -> str:
    """The closing count line (stderr)."""
    return (
        f"universe sync: {len(report.boards)} boards, {len(report.additions)} proposed "
        f"additions ({len(report.classified)} classified), {report.known} already listed, "
        f"{len(report.absent)} universe A-shares on no board, "
        f"{len(report.unresolved)} boards no longer resolve"
        + (f", {len(report.skipped)} member codes skipped" if report.skipped else "")
        + (
            f", {len(report.removed)} removed by your overrides (not proposed)"
            if report.removed
            else ""
        )
    )
