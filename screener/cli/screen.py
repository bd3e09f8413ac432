"""`screener screen`, `explain` and `plot`: one screening run, shown three ways."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from screener.cli.app import cli
from screener.cli.common import (
    AppState,
    echo,
    echo_err,
    flagged_option,
    max_age_option,
    min_score_option,
    provider_option,
    rules_option,
    screen_run,
    sector_option,
    source_option,
    universe_option,
    user_ticker,
)
from screener.cli.refresh import run_refresh


def _sort_keys(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> str:
    """Every --sort given, in order, as one comma-separated spec (later ones break ties)."""
    return ",".join(values) if values else "score:desc"


where_option = click.option(
    "--where",
    "where",
    metavar="EXPR",
    help="Keep rows where this rule-language condition is true, e.g. "
    "\"pe_fwd < sector_median(pe_fwd) and revenue_growth > 20%\" (docs/rules.md); "
    "rows where it is unknown (missing inputs) are left out and counted.",
)


@cli.command()
@click.argument("tickers", nargs=-1, metavar="[TICKER]...")
@source_option
@rules_option
@sector_option()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "jsonl", "csv"]),
    default="table",
    show_default=True,
    help="Output format: json is the array of rows; jsonl a metadata line, then one row a line.",
)
@click.option(
    "--export",
    "export_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the rows to this CSV file (UTF-8).",
)
@click.option("--excel", is_flag=True, help="Write the CSV with a BOM so Excel reads UTF-8.")
@universe_option
@click.option(
    "--sort",
    "sort_key",
    multiple=True,
    callback=_sort_keys,
    metavar="KEY[:asc|:desc][,KEY...]",
    help="Sort rows within each sector by these keys, the first weighing most "
    "(e.g. score:desc,pe_fwd; repeatable). Default: score:desc. Missing values last.",
)
@click.option(
    "--columns",
    "columns",
    metavar="LIST",
    help="Comma-separated columns, in order: the table's, or any catalogue metric; "
    "with --format json/jsonl/csv, the row fields to keep.",
)
@where_option
@click.option(
    "--no-group",
    "no_group",
    is_flag=True,
    help="One ranking across sectors (sort and --limit over every row) instead of per sector.",
)
@flagged_option
@min_score_option
@max_age_option
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    help="At most this many rows per sector; 0 shows all (the table shows 50 unless told).",
)
@click.option("--offline", is_flag=True, help="Do not refresh first; use what is stored.")
@provider_option
@click.pass_obj
def screen(
    state: AppState,
    tickers: tuple[str, ...],
    source: str,
    rule_paths: tuple[Path, ...],
    sectors: tuple[str, ...],
    fmt: str,
    export_path: Path | None,
    excel: bool,
    universe_file: Path | None,
    sort_key: str,
    columns: str | None,
    where: str | None,
    no_group: bool,
    flagged: bool,
    min_score: float | None,
    max_age: int | None,
    limit: int | None,
    offline: bool,
    provider_specs: tuple[str, ...],
) -> None:
    """Run the universe through the data and the rules and print the result.

    With TICKER arguments (any usual form: 300308, sz300308, 0700.HK ...) only those
    companies are shown; sector statistics still see the whole universe.

    With --source auto (the default) stale data is refreshed from Yahoo first, unless
    --offline; when Yahoo cannot be reached and the store has no live data, the run uses
    the bundled sample snapshot and says so.

    Table columns (for --columns): ticker, name, segment, price, spark, market_cap_usd,
    pe_ttm, pe_fwd, peg, ev_ebitda, revenue_growth, net_margin, pe_hist_pct, flags,
    score, as_of, and any other catalogue metric (ps_ttm, roe, ret_3m ...). On a narrow
    terminal the least important columns are hidden whole.
    """
    from screener.output.csvfile import check_csv_path, run_csv_text, write_atomic
    from screener.output.rows import ROW_FIELDS
    from screener.run import RunNeeds
    from screener.select import Selection

    column_keys = _screen_columns(columns, fmt)
    symbols = tuple(dict.fromkeys(user_ticker(t, universe_file) for t in tickers))
    selection = Selection(  # a bad --sort or --where fails here, before any work
        sectors=sectors,
        sort=sort_key,
        flagged=flagged,
        min_score=min_score,
        limit=limit or None,  # 0: every row
        max_age=max_age,
        tickers=symbols,
        where=where,
        group=not no_group,
    )
    if excel and export_path is None:
        raise click.UsageError("--excel applies to --export FILE.csv; add --export")
    if export_path is not None:
        check_csv_path(export_path)  # before the refresh: a wrong suffix costs no time

    # Rows per sector the table shows; what the run loads follows what is shown: the
    # history its rules read, and the sparkline's closes only for a table that has it.
    # JSON and CSV never import the table (rich's layout machinery): they show every row.
    if fmt == "table":
        from screener.output import table

        shown = table.DEFAULT_LIMIT if limit is None else limit or None
        spark = "spark" in (column_keys or table.COLUMN_KEYS)
    else:
        shown, spark = None, False
    needs = RunNeeds(all_history=False, closes=spark, closes_per_sector=shown)

    def prepare(store: Any, inputs: Any) -> Any:
        return _refresh_before_screen(store, inputs, provider_specs)

    run = screen_run(
        state,
        source,
        rule_paths,
        universe_file,
        selection=selection,
        prepare=prepare if source == "auto" and not offline else None,
        check=lambda inputs: _check_tickers(symbols, inputs.universe),
        provider_specs=provider_specs,
        needs=needs,
        writes=source == "auto" and not offline,
    )
    if export_path is not None:  # the same bytes as `--format csv`, written atomically
        write_atomic(export_path, run_csv_text(run, list(ROW_FIELDS)), bom=excel)
        echo_err(f"exported {len(run.rows)} rows to {export_path}")
    if fmt != "table" and run.banner:
        echo_err(run.banner)  # machine formats carry `source` per row; people get the why
    missing = [t for t in symbols if t not in run.frame.index]
    if missing:
        echo_err(f"note: no data for {', '.join(missing)} in this run's source")
    if fmt == "table":
        from screener.output import table
        from screener.output.console import stdout_console
        from screener.output.legend import render_legend

        console = stdout_console()
        console.print(
            table.render_table(run, width=console.width, columns=column_keys, limit=shown)
        )
        console.print(render_legend(run, table.rows_shown(run, shown), width=console.width))
    else:
        _print_machine(run, fmt, column_keys)


def _print_machine(run: Any, fmt: str, column_keys: list[str] | None) -> None:
    """JSON (the bare array), JSONL (metadata line, then rows) or CSV, fields per --columns."""
    from screener.output.legend import where_note
    from screener.output.rows import ROW_FIELDS

    # Both written a column at a time from the run: the same bytes as the rows' dicts
    # (rows.to_rows, runmeta.json_extras) through csv.writer and json_line.
    if fmt == "csv":
        from screener.output.csvfile import run_csv_text

        echo(run_csv_text(run, column_keys or list(ROW_FIELDS)), nl=False, cut=False)
    else:
        from screener.output.jsonrows import run_json_chunks, run_json_lines

        if fmt == "json":  # 500 rows at a time, each made as written: never built whole
            for chunk in run_json_chunks(run, column_keys or None):
                echo(chunk, nl=False, cut=False)
            echo("", cut=False)
        else:
            from screener.output.runmeta import jsonl_lines_text, run_metadata

            lines = run_json_lines(run, column_keys or None)
            echo(jsonl_lines_text(run_metadata(run), lines), nl=False, cut=False)
    note = where_note(run)
    if note:
        echo_err(note)


def _screen_columns(text: str | None, fmt: str) -> list[str] | None:
    """--columns checked for the format: table keys, or row fields (aliases resolved)."""
    if text is None:
        return None
    from screener.output.fields import (
        JSON_ONLY_FIELDS,
        check_columns,
        parse_column_list,
        row_fields,
    )
    from screener.output.rows import ROW_FIELDS

    keys = parse_column_list(text)
    if fmt == "table":
        from screener.output.table import TABLE_KEYS

        return check_columns(keys, TABLE_KEYS, "column")
    available = list(ROW_FIELDS) + (list(JSON_ONLY_FIELDS) if fmt != "csv" else [])
    return row_fields(keys, available)


def _check_tickers(symbols: tuple[str, ...], universe: Any) -> None:
    """TICKER arguments must be universe companies: one line naming those that are not."""
    from screener.errors import InputError

    unknown = [t for t in symbols if t not in universe]
    if unknown:
        raise InputError(
            f"not in the universe: {', '.join(unknown)} (see `screener universe list`;"
            " add a company with a universe override, README 'Where data lives')"
        )


def _refresh_before_screen(store: Any, inputs: Any, provider_specs: tuple[str, ...] = ()) -> Any:
    """Refresh stale data of the run's universe; a `RefreshNote` says why Yahoo could not
    be used, if so, and which other sources refreshed live (A-shares from East Money).

    `inputs` were loaded (the rules checked) once, before: nothing is loaded again here.
    A store that cannot be written (a read-only folder or file) is shown as it is.
    """
    if store.read_only:
        echo_err(f"note: {store.path} is read-only: not refreshed, showing what it holds")
        return None
    from screener.cli.refresh import build_chain
    from screener.data.chain import load_routes
    from screener.data.yahoo import yahoo_reachable
    from screener.output.text import summary_lines
    from screener.run import RefreshNote

    reachable, why = yahoo_reachable()
    chain = build_chain(store, load_routes().overridden(provider_specs), None if reachable else why)
    tickers = [t for t in inputs.tickers if chain.can_serve(t)]
    if not tickers:
        return RefreshNote(None if reachable else why)
    summary = run_refresh(store, tickers, force=False, chain=chain)
    note = RefreshNote(None if reachable else why, _live_sources(chain, summary))
    if summary.fetched or summary.failed or summary.not_found:
        lines = summary_lines(summary)
        echo_err(lines[0])
        for line in lines[1:6]:
            echo_err(line)
        if len(lines) > 6:
            echo_err(f"  ... {len(lines) - 6} more lines: run `screener refresh --all` to see them")
    return note


def _live_sources(chain: Any, summary: Any) -> tuple[str, ...]:
    """Sources other than Yahoo whose data is current after this refresh: those that
    delivered now, or (all fresh) that would have been asked and failed nobody."""
    from screener.data.chain import SOURCE_OF
    from screener.data.provider import YAHOO_SOURCE

    live = [s for s in chain.used if s != YAHOO_SOURCE]
    for name, source in SOURCE_OF.items():
        if source == YAHOO_SOURCE or source in live or name in chain.unavailable:
            continue
        fresh = [t for t in summary.skipped_fresh if chain.routes.chain_for(t)[:1] == (name,)]
        if fresh and not summary.failed:
            live.append(source)
    return tuple(live)


@cli.command()
@click.argument("tickers", nargs=-1, required=True, metavar="TICKER...")
@source_option
@rules_option
@universe_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="Output format.",
)
@click.pass_obj
def explain(
    state: AppState,
    tickers: tuple[str, ...],
    source: str,
    rule_paths: tuple[Path, ...],
    universe_file: Path | None,
    fmt: str,
) -> None:
    """Show every rule for one company: fired or not, each input, what was missing.

    With several tickers, the companies side by side: key figures, then each rule's
    outcome per company (JSON: one explanation per company, in order).
    """
    from screener.output.console import stdout_console
    from screener.output.explain import explanation_rows, render_explanation
    from screener.output.rows import json_text
    from screener.run import RunNeeds

    symbols = list(dict.fromkeys(user_ticker(t, universe_file) for t in tickers))
    # The rules' history for everyone (peer and sector figures), every metric's history
    # only for the companies explained, no closes: quick on a whole-market store.
    needs = RunNeeds(all_history=False, closes=False, history_for=tuple(symbols))
    run = screen_run(state, source, rule_paths, universe_file, needs=needs)
    if len(symbols) > 1:
        from screener.output.compare import compare_json, render_compare

        if fmt == "json":
            echo(json_text(compare_json(run, symbols)), cut=False)
        else:
            console = stdout_console()
            console.print(render_compare(run, symbols, console.width))
        return
    symbol = symbols[0]
    if fmt == "json":
        echo(json_text(explanation_rows(run, symbol)), cut=False)
    else:
        console = stdout_console()
        console.print(render_explanation(run, symbol, width=console.width))


@cli.command()
@sector_option("The sector to draw.", multiple=False, required=True)
@source_option
@rules_option
@universe_option
@max_age_option
@where_option
@click.option(
    "--png",
    "png_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the chart as a PNG file (needs matplotlib).",
)
@click.pass_obj
def plot(
    state: AppState,
    sector: str,
    source: str,
    rule_paths: tuple[Path, ...],
    universe_file: Path | None,
    max_age: int | None,
    where: str | None,
    png_path: Path | None,
) -> None:
    """Draw forward P/E against revenue growth for one sector; flagged names labelled."""
    import os

    from screener.output.console import stdout_console
    from screener.output.plot import chart_title, check_png_path, plot_text, points_for, save_png
    from screener.select import Selection

    if png_path is not None:
        check_png_path(png_path)
    from screener.run import RunNeeds

    selection = Selection((sector,), max_age=max_age, where=where)
    needs = RunNeeds(all_history=False, closes=False)  # the chart reads the frame alone
    run = screen_run(state, source, rule_paths, universe_file, selection=selection, needs=needs)
    if where is not None and run.rows.empty:
        from screener.errors import InputError

        raise InputError(f"no company of sector '{sector}' matches --where {where!r}")
    # The selection's rows (its sector, its age filter), in the frame's order.
    if max_age is not None and run.rows.empty:
        from screener.errors import InputError

        raise InputError(
            f"no company of sector '{sector}' has data at most {max_age} days old"
            " (see the As of column of `screener screen`)"
        )
    points = points_for(run.frame[run.frame.index.isin(run.rows.index)], sector)
    title = chart_title(run, sector)
    console = stdout_console()
    color = console.is_terminal and not os.environ.get("NO_COLOR")
    height = min(30, max(15, (console.height or 30) - 6))
    # plot_text makes its data printable itself; the chart keeps plotext's colours
    # plot_text makes its data printable itself; the chart keeps plotext's colour codes
    click.echo(plot_text(run, points, title, width=console.width, height=height, color=color))
    if png_path is not None:
        save_png(points, png_path, title)
        echo(f"wrote {png_path}")
