"""What every command shares: the store, output formats, common options.

Heavy modules (pandas, rich, the engine, `screener.output`) are imported inside the
functions, so `screener --help` and `--version` start in a blink.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from screener.data.store import Store
    from screener.run import RunInputs, RunNeeds, ScreenRun
    from screener.select import Selection


@dataclass
class AppState:
    db: Path | None
    debug: bool


def open_store(state: AppState, *, read_only: bool = False) -> Store:
    """The store of this invocation, to use as `with open_store(state) as store:`.

    `read_only` for commands that only read: nothing is created or changed, and a store
    in a read-only folder or file reads as any other (see `Store`).
    """
    from screener.data.store import Store

    return Store(state.db, read_only=read_only)


MAX_ECHOED_LINE = 2000  # a line longer than this (a 100,000-character ticker) is cut


def echo(message: str = "", *, err: bool = False, nl: bool = True, cut: bool = True) -> None:
    """Print text through the one sanitiser: no escape codes, no bidi tricks.

    Every line the CLI prints that is not rich output (which `SafeConsole` covers)
    passes here: results, summaries, JSON and CSV, error messages quoting user input.
    Lines for people longer than MAX_ECHOED_LINE are cut, so a hostile value cannot
    flood the terminal; `cut=False` for JSON and CSV, whose every character counts.
    """
    from screener.output.sanitize import printable
    from screener.utils import clip

    text = printable(message, newlines=True)
    if cut and len(text) > MAX_ECHOED_LINE:
        text = "\n".join(clip(line, MAX_ECHOED_LINE) for line in text.split("\n"))
    click.echo(text, err=err, nl=nl)


def echo_err(message: str) -> None:
    """One message on stderr, through `echo`."""
    echo(message, err=True)


def user_ticker(raw: str, universe_file: Path | None = None) -> str:
    """The Yahoo symbol of a ticker the user typed; says on stderr when its code moved.

    A symbol of the universe in another case (`gds`) is that symbol; the universe is
    read only when the ticker is not one of the usual forms.
    """
    from screener.errors import InputError
    from screener.universe import normalize_ticker, resolve_ticker, ticker_note

    try:
        symbol = normalize_ticker(raw)
    except InputError as exc:
        from screener.run import load_companies
        from screener.universe import suggest_tickers, suggestion_text

        companies = load_companies(universe_file)
        try:
            symbol = resolve_ticker(raw, [c.ticker for c in companies])
        except InputError:
            names = {c.ticker: (c.name_en, c.name_zh) for c in companies}
            hint = suggestion_text(suggest_tickers(raw, names), names)
            if not hint:
                raise
            raise InputError(f"{exc}{hint}") from exc
    note = ticker_note(raw)
    if note:
        echo_err(f"note: {note}")
    return symbol


def screen_run(
    state: AppState,
    source: str,
    rule_paths: tuple[Path, ...],
    universe_file: Path | None,
    selection: Selection | None = None,
    prepare: Callable[[Store, RunInputs], Any] | None = None,
    provider_specs: tuple[str, ...] = (),
    needs: RunNeeds | None = None,
    check: Callable[[RunInputs], None] | None = None,
) -> ScreenRun:
    """Load the run's rules and universe, open the store, run the screen, close the store.

    The inputs are loaded once, first: a bad rule file fails before the store is opened
    or the network used. `prepare(store, inputs)`, when given, runs next on the open store
    (the refresh before a screen) and returns why Yahoo could not be used, if it could not
    (a `RefreshNote`, or that reason alone). `provider_specs` are `--provider` values: they
    decide, with the config file, which source's snapshot each company is read from.
    `needs` says what the caller will show (`run.RunNeeds`; default everything).
    `check(inputs)` runs before the store is opened (e.g. TICKER arguments against the
    universe), so a mistake costs no store access and a reading command stays read-only.
    """
    from screener.data.chain import load_routes
    from screener.run import RefreshNote, load_inputs, run_screen

    inputs = load_inputs(rule_paths, universe_file)
    if check is not None:
        check(inputs)
    routes = load_routes().overridden(provider_specs)
    with open_store(state, read_only=prepare is None) as store:
        note = None
        if prepare is not None and store.read_only:
            echo_err(f"note: {store.path} is read-only: not refreshed, showing what it holds")
        elif prepare is not None:
            note = prepare(store, inputs)
        if not isinstance(note, RefreshNote):
            note = RefreshNote(offline_reason=note)
        return run_screen(
            store,
            inputs,
            source=source,  # type: ignore[arg-type]
            selection=selection,
            offline_reason=note.offline_reason,
            routes=routes,
            live_sources=note.live_sources,
            needs=needs,
        )


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
    """Print plain rows as a grid, JSON or CSV, the same way for every command."""
    if fmt == "json":
        from screener.output.rows import json_text

        echo(json_text(rows), cut=False)
    elif fmt == "csv":
        from screener.output.csvfile import csv_text

        echo(csv_text(rows, columns), nl=False, cut=False)
    else:
        from screener.output.console import stdout_console
        from screener.output.grid import render_grid

        console = stdout_console()
        console.print(render_grid(rows, columns, width=console.width, title=title))


universe_option = click.option(
    "--universe",
    "universe_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Universe override file (TOML or CSV) merged over the built-in list "
    "(default: universe.toml/.csv in the config folder, if present).",
)


def sector_option(
    help: str = "Keep only this sector (repeatable).",
    *,
    multiple: bool = True,
    required: bool = False,
) -> Any:
    """`--sector S`: one of the four sectors, or the adjacent group; every command's one.

    Repeatable (into `sectors`) by default; `multiple=False` takes one (into `sector`).
    """
    from screener.universe.taxonomy import SECTORS

    return click.option(
        "--sector",
        "sectors" if multiple else "sector",
        type=click.Choice(SECTORS),
        multiple=multiple,
        required=required,
        help=help,
    )


flagged_option = click.option(
    "--flagged",
    is_flag=True,
    help="Only flagged companies: a score above 0 (rules fired; data age never counts).",
)

max_age_option = click.option(
    "--max-age",
    "max_age",
    type=click.IntRange(min=0),
    metavar="DAYS",
    help="Only companies whose data is at most DAYS days old (as-of date against today).",
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

provider_option = click.option(
    "--provider",
    "provider_specs",
    multiple=True,
    metavar="[MARKET=]NAME[,NAME...]",
    help="Provider chain, tried in order (repeatable): 'akshare,yahoo' for every market, "
    "'CN=yahoo' for one. Providers: yahoo, akshare (East Money, A-shares only). "
    "Default: CN=akshare,yahoo; others yahoo (config.toml [providers] changes it).",
)

source_option = click.option(
    "--source",
    type=click.Choice(["auto", "sample", "store"]),
    default="auto",
    show_default=True,
    help="auto: live data from the store if any, else the bundled sample; "
    "sample: the bundled sample snapshot; store: only what the store holds.",
)
