"""What the Flags column means, and how much each rule could say: the lines under a table.

The table shows short labels (`pe<sec`, `-lev`); the legend maps each label shown to
its rule, its score and whether it is a penalty. The coverage line says, per rule, on
how many of the rows shown it could decide (true or false) against how many it applies
to: a rule whose inputs no row has is visible at once ("unknown everywhere"). JSON rows
get the same facts as objects (`flag_details`), and the run metadata the coverage.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from screener.output.format import score_text

if TYPE_CHECKING:
    from screener.engine import Rule, RuleSet
    from screener.run import ScreenRun


def flag_label(rule: Any) -> str:
    """The short label a rule shows in the Flags column; penalties get a leading minus."""
    label = getattr(rule, "flag", None) or rule.id
    if rule.score < 0 and not label.startswith("-"):
        label = "-" + label
    return label


def flag_object(rule: Rule) -> dict[str, Any]:
    """One fired rule as JSON gives it: id, the table's label, score, penalty or not."""
    return {
        "id": rule.id,
        "label": flag_label(rule),
        "score": float(rule.score),
        "penalty": rule.score < 0,
    }


def flag_objects(ruleset: RuleSet, fired: Iterable[str]) -> list[dict[str, Any]]:
    """The fired rule ids of a row as objects (an id the rule set lacks keeps its id)."""
    by_id = {rule.id: rule for rule in ruleset.rules}
    out: list[dict[str, Any]] = []
    for rule_id in fired:
        rule = by_id.get(rule_id)
        out.append(
            flag_object(rule)
            if rule is not None
            else {"id": rule_id, "label": rule_id, "score": None, "penalty": None}
        )
    return out


def with_flag_details(rows: list[dict[str, Any]], ruleset: RuleSet) -> list[dict[str, Any]]:
    """JSON rows with `flag_details` beside `flags` (ids stay as they were: watchlists and
    scripts read them)."""
    for row in rows:
        row["flag_details"] = flag_objects(ruleset, row.get("flags") or ())
    return rows


def legend_entries(ruleset: RuleSet, fired: Iterable[Iterable[str]]) -> list[tuple[str, ...]]:
    """(label, score, signal|penalty, 'rule-id: title') per label shown, in rule-set order."""
    seen = {rule_id for ids in fired for rule_id in ids}
    return [
        (
            flag_label(rule),
            score_text(rule.score),
            "penalty" if rule.score < 0 else "signal",
            f"{rule.id}: {rule.title}",
        )
        for rule in ruleset.rules
        if rule.id in seen
    ]


def legend_lines(ruleset: RuleSet, fired: Iterable[Iterable[str]]) -> list[str]:
    """The legend as plain lines (one per label shown), under a 'Flags:' heading."""
    entries = legend_entries(ruleset, fired)
    if not entries:
        return []
    width = max(len(label) for label, *_ in entries)
    return ["Flags:"] + [
        f"  {label:<{width}}  {score:>5}  {kind:<7}  {rule}" for label, score, kind, rule in entries
    ]


def legend_grid(entries: Sequence[tuple[str, ...]], width: int) -> Any:
    """The legend as a borderless grid that fits `width`: the rule column folds at words.

    Widths come from the one column fitter (`fit`), told the grid's own overhead.
    """
    from rich.cells import cell_len
    from rich.table import Table
    from rich.text import Text

    from screener.output.fit import ColumnFit, fit, table_overhead

    keys = ("label", "score", "kind", "rule")
    specs = []
    for i, key in enumerate(keys):
        cells = [entry[i] for entry in entries]
        natural = max(cell_len(c) for c in cells)
        floor = natural if key != "rule" else max(cell_len(w) for c in cells for w in c.split())
        specs.append(ColumnFit(key, min(floor, natural), natural, i + 1))
    pad = 2
    overhead = pad * (len(keys) - 1)  # a pad after every column but the last
    widths = fit(specs, width + table_overhead(len(keys)) - overhead, narrow="fold").widths
    grid = Table.grid(padding=(0, pad, 0, 0))
    for key in keys:
        grid.add_column(
            width=widths[key],
            justify="right" if key == "score" else "left",
            no_wrap=key != "rule",
            overflow="fold",
        )
    for label, score, kind, rule in entries:
        grid.add_row(
            Text(label, style="red" if label.startswith("-") else ""),
            Text(score),
            Text(kind, style="dim"),
            Text(rule),
        )
    return grid


@dataclass(frozen=True)
class Coverage:
    """A rule over the rows shown: how many it applies to, and how many it could decide."""

    rule_id: str
    label: str
    applies: int
    decided: int
    fired: int

    @property
    def unknown_everywhere(self) -> bool:
        return self.applies > 0 and self.decided == 0


def coverage(run: ScreenRun) -> list[Coverage]:
    """Per rule, over the run's rows: rows it applies to, decided (true or false), fired."""
    index = run.rows.index
    sectors = run.rows["sector"] if "sector" in run.rows else pd.Series(index=index, dtype=object)
    unknown = run.evaluation.unknown.reindex(index, fill_value=False)
    fired = run.evaluation.matrix.reindex(index, fill_value=False)
    out: list[Coverage] = []
    for rule in run.ruleset.rules:
        applies = (
            sectors.isin(rule.sectors).to_numpy(dtype=bool)
            if rule.sectors
            else np.ones(len(index), dtype=bool)
        )
        n_unknown = int(unknown[rule.id].to_numpy(dtype=bool)[applies].sum())
        out.append(
            Coverage(
                rule.id,
                flag_label(rule),
                int(applies.sum()),
                int(applies.sum()) - n_unknown,
                int(fired[rule.id].to_numpy(dtype=bool).sum()),
            )
        )
    return out


def coverage_line(items: Sequence[Coverage]) -> str:
    """'Rules decided (rows): pe<sec 40/63, -lev 63/63 ...; unknown everywhere: x, y'."""
    if not items:
        return "Rules decided: no rules"
    parts = [f"{c.label} {c.decided}/{c.applies}" for c in items if c.applies]
    line = "Rules decided (of the rows each applies to): " + (", ".join(parts) or "none apply")
    blind = [c.rule_id for c in items if c.unknown_everywhere]
    if blind:
        line += f"; unknown everywhere: {', '.join(blind)}"
    return line


def coverage_json(items: Sequence[Coverage]) -> dict[str, dict[str, int]]:
    """The coverage as run metadata: rule id -> applies, decided, fired."""
    return {
        c.rule_id: {"applies": c.applies, "decided": c.decided, "fired": c.fired} for c in items
    }


def render_legend(run: ScreenRun, shown: pd.DataFrame | None = None, width: int = 100) -> Any:
    """The lines under the screening table: the legend of the labels in the rows `shown`
    (default: the selection), fitted to `width`, the coverage line over the selection
    (dim), and what `--where` left out as unknown."""
    from rich.console import Group
    from rich.text import Text

    parts: list[Any] = []
    if run.rows.empty:
        return Group()
    rows = run.rows if shown is None else shown
    flags = rows.get("flags", ())
    entries = legend_entries(run.ruleset, (f or () for f in flags))
    if entries:
        parts += [Text("Flags:"), legend_grid(entries, width)]
    parts.append(Text(coverage_line(coverage(run)), style="dim"))
    note = where_note(run)
    if note:
        parts.append(Text(note, style="dim"))
    return Group(*parts)


def where_note(run: ScreenRun) -> str | None:
    """'--where: 3 rows left out as unknown (missing or stale inputs)', or None."""
    if run.selection.where is None:
        return None
    unknown = run.selected.where_unknown
    if not unknown:
        return f"--where: {_rows(len(run.rows))} kept; every row was decided"
    return (
        f"--where: {_rows(len(run.rows))} kept; {_rows(unknown)} left"
        " out because the condition is unknown for them (missing or stale inputs;"
        " `screener explain TICKER` shows which)"
    )


def _rows(n: int) -> str:
    return f"{n} row{'s' if n != 1 else ''}"
