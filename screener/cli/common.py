"""What every command shares: the store, the console, output formats, common options.

Heavy modules (pandas, rich tables, the engine) are imported inside the functions,
so `screener --help` and `--version` start in a blink.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click


@dataclass
class AppState:
    db: Path | None
    debug: bool


def open_store(state: AppState) -> Any:
    from screener.data.store import Store

    return Store(state.db)


PIPE_WIDTH = 160  # when piped without COLUMNS: wide enough for every column


def stdout_console() -> Any:
    """A console that styles only a terminal and is wide in a pipe.

    NO_COLOR (any value) turns off every escape code, bold and dim included: the
    output is then exactly what a pipe gets.
    """
    import os

    from rich.console import Console

    width = None
    if not sys.stdout.isatty() and not os.environ.get("COLUMNS"):
        width = PIPE_WIDTH
    plain = "NO_COLOR" in os.environ
    return Console(
        highlight=False,
        soft_wrap=False,
        width=width,
        color_system=None if plain else "auto",
    )


def echo_err(message: str) -> None:
    click.echo(message, err=True)


def screen_result(
    state: AppState,
    source: str,
    rule_paths: tuple[Path, ...],
    universe_file: Path | None,
    prepare: Any = None,
) -> Any:
    """Open the store, run the pipeline, close the store.

    `prepare(store)`, when given, runs first on the open store (the refresh before a
    screen) and returns why Yahoo could not be used, if it could not.
    """
    from screener.pipeline import run_screen

    store = open_store(state)
    try:
        offline_reason = prepare(store) if prepare is not None else None
        return run_screen(
            store=store,
            source=source,  # type: ignore[arg-type]
            rule_paths=rule_paths or None,
            universe_file=universe_file,
            offline_reason=offline_reason,
        )
    finally:
        store.close()


def require_finite(value: float | None, name: str) -> float | None:
    import math

    if value is not None and not math.isfinite(value):
        raise click.BadParameter(f"{value!r} is not a finite number", param_hint=name)
    return value


def output_format(default: str = "table") -> Any:
    """The shared `--format table|json|csv` option of every command that prints rows."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(["table", "json", "csv"]),
        default=default,
        show_default=True,
        help="Output format.",
    )


def print_rows(rows: list[dict[str, Any]], fmt: str, columns: list[str], title: str = "") -> None:
    """Render plain rows as a rich table, JSON or CSV, the same way for every command.

    In a table, catalogue metrics are formatted as the screening table formats them,
    lists go one item per line, and no column is narrower than its longest word, so
    identifiers are never split.
    """
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    from screener.output import csvfile as export

    if fmt == "csv":
        click.echo(export.csv_text(rows, columns), nl=False)
        return
    from rich.cells import cell_len
    from rich.table import Table

    console = stdout_console()
    cells = [[_cell(column, row.get(column)) for column in columns] for row in rows]
    naturals = [
        max([cell_len(column), *(cell_len(part) for line in cells for part in line[i].split("\n"))])
        for i, column in enumerate(columns)
    ]
    words = [
        max([cell_len(column), *(cell_len(w) for line in cells for w in line[i].split())])
        for i, column in enumerate(columns)
    ]
    widths = fit_widths(naturals, words, console.width)
    from rich.text import Text

    table = Table(title=Text(title) if title else None, title_justify="left", header_style="bold")
    for column, width in zip(columns, widths, strict=True):
        numeric = any(row.get(column) is not None for row in rows) and all(
            isinstance(row.get(column), int | float) or row.get(column) is None for row in rows
        )
        table.add_column(
            column,
            overflow="fold",
            width=width,
            min_width=width,
            max_width=width,
            justify="right" if numeric else "left",
        )
    for line in cells:
        table.add_row(*(Text(cell) for cell in line))  # literal: never rich markup
    console.print(table)


def fit_widths(naturals: list[int], words: list[int], width: int) -> list[int]:
    """Column widths that fill at most `width` (with borders and padding), never more.

    Each column starts at its longest word (capped at 40), so identifiers stay whole;
    if even that is too wide, the widest columns give way first (words then fold);
    room left over goes, a character at a time, to columns that would wrap.
    """
    n = len(naturals)
    budget = max(n * 3, width - 3 * n - 1)
    widths = [min(w, nat, 40) for w, nat in zip(words, naturals, strict=True)]
    while sum(widths) > budget:
        widest = max(range(n), key=lambda i: widths[i])
        if widths[widest] <= 3:
            break
        widths[widest] -= 1
    room = budget - sum(widths)
    while room > 0:
        grew = False
        for i in range(n):
            if room > 0 and widths[i] < naturals[i]:
                widths[i] += 1
                room -= 1
                grew = True
        if not grew:
            break
    return widths


def _cell(column: str, value: Any) -> str:
    from screener.catalog import NUMERIC_METRICS

    if value is None:
        return "–"
    if isinstance(value, list | tuple):
        return "\n".join(str(v) for v in value) if value else "–"
    if column in NUMERIC_METRICS and isinstance(value, int | float):
        from screener.output.table import format_value

        return format_value(column, float(value))
    if column == "score" and isinstance(value, int | float):
        return f"{value:+g}" if value else "0"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


universe_option = click.option(
    "--universe",
    "universe_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Universe override file (TOML or CSV) merged over the built-in list "
    "(default: universe.toml/.csv in the config folder, if present).",
)


def sector_option(help: str = "Keep only this sector (repeatable).") -> Any:
    """`--sector S` (repeatable): one of the four sectors, or the adjacent group."""
    from screener.universe.taxonomy import SECTORS

    return click.option("--sector", "sectors", type=click.Choice(SECTORS), multiple=True, help=help)


flagged_option = click.option(
    "--flagged", is_flag=True, help="Only companies with a positive score."
)

min_score_option = click.option(
    "--min-score",
    type=float,
    callback=lambda ctx, param, value: require_finite(value, "--min-score"),
    help="Only companies scoring at least this.",
)


def _rule_paths(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> Any:
    """--rules values as paths; an empty one is a mistake, not "the current folder"."""
    if any(not value.strip() for value in values):
        raise click.BadParameter("an empty path was given", param_hint="--rules")
    return tuple(Path(value) for value in values)


rules_option = click.option(
    "--rules",
    "rule_paths",
    multiple=True,
    callback=_rule_paths,
    metavar="PATH",
    help="Rule file or folder (repeatable); replaces the shipped rules. "
    "Write +PATH to add to the shipped rules instead.",
)

source_option = click.option(
    "--source",
    type=click.Choice(["auto", "sample", "store"]),
    default="auto",
    show_default=True,
    help="auto: live data from the store if any, else the bundled sample; "
    "sample: the bundled sample snapshot; store: only what the store holds.",
)
