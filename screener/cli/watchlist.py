"""`screener watchlist`: saved runs, their diffs and exports."""

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
    open_store,
    output_format,
    print_rows,
    rules_option,
    sector_option,
    source_option,
    universe_option,
)
from screener.watchlist import NAMES_CHANGED_STATUS


@cli.group()
def watchlist() -> None:
    """Saved runs: save, list, show, diff, export, perf, rm."""


@watchlist.command("save")
@click.argument("name")
@source_option
@rules_option
@sector_option()
@flagged_option
@min_score_option
@max_age_option
@click.option(
    "--where",
    "where",
    metavar="EXPR",
    help="Keep rows where this rule-language condition is true (as `screen --where`).",
)
@click.option(
    "--exit-code",
    "exit_code",
    is_flag=True,
    help=f"Exit with status {NAMES_CHANGED_STATUS} when names entered or left the list since "
    "its previous run (0 when none did), so cron or CI can alert.",
)
@universe_option
@click.pass_obj
def watchlist_save(
    state: AppState,
    name: str,
    source: str,
    rule_paths: tuple[Path, ...],
    sectors: tuple[str, ...],
    flagged: bool,
    min_score: float | None,
    max_age: int | None,
    where: str | None,
    exit_code: bool,
    universe_file: Path | None,
) -> int:
    """Run the screen and save its rows as a new run of watchlist NAME.

    Says which names entered or left since the list's previous run; with --exit-code the
    exit status says it too (see README, "Scheduled use").
    """
    from screener.output.format import source_label
    from screener.output.rows import to_rows
    from screener.run import RunNeeds, load_inputs, run_screen
    from screener.select import Selection
    from screener.watchlist import diff_runs, rules_fingerprint, validate_name

    validate_name(name)
    selection = Selection(
        sectors=sectors, flagged=flagged, min_score=min_score, max_age=max_age, where=where
    )
    inputs = load_inputs(rule_paths, universe_file)
    with open_store(state) as store:
        needs = RunNeeds(all_history=False, closes=False)  # a saved row is the CSV row
        run = run_screen(
            store, inputs, source=source, selection=selection, needs=needs  # type: ignore[arg-type]
        )
        rows = to_rows(run)
        earlier = store.watchlist_runs(name)
        previous = _run_rows(store, earlier[-1]) if earlier else None
        as_of_min, as_of_max = run.as_of_range or (None, None)
        run_id = store.save_watchlist_run(
            name,
            {
                "source": run.source,
                "as_of_min": as_of_min,
                "as_of_max": as_of_max,
                "rules_hash": rules_fingerprint(run.ruleset.rules),
                "rules": [rule.id for rule in run.ruleset.rules],
                "filters": {
                    "source": run.requested_source,
                    "sectors": sorted(run.selection.sectors),
                    "flagged": run.selection.flagged,
                    "min_score": run.selection.min_score,
                    **(
                        {"max_age": run.selection.max_age}
                        if run.selection.max_age is not None
                        else {}
                    ),
                    **({"where": where} if where is not None else {}),
                },
            },
            rows,
        )
    label = source_label(run.source, "saved")
    echo(f"saved run #{run_id} of watchlist '{name}': {len(rows)} companies{label}")
    if where is not None and run.selected.where_unknown:
        echo_err(
            f"--where: {run.selected.where_unknown} rows left out because the condition is"
            " unknown for them (missing or stale inputs)"
        )
    if previous is None:
        return 0
    diff = diff_runs(previous, rows)
    for verb, entries in (("entered", diff.entered), ("left", diff.left)):
        if entries:
            echo(f"{verb}: " + ", ".join(str(row["ticker"]) for row in entries))
    return NAMES_CHANGED_STATUS if exit_code and (diff.entered or diff.left) else 0


@watchlist.command("list")
@output_format()
@click.pass_obj
def watchlist_list(state: AppState, fmt: str) -> None:
    """List saved watchlists with their number of runs."""
    with open_store(state, read_only=True) as store:
        runs = store.watchlist_runs()
    by_name: dict[str, dict[str, Any]] = {}
    for run in runs:
        entry = by_name.setdefault(run["name"], {"name": run["name"], "runs": 0})
        entry.update(
            runs=entry["runs"] + 1,
            last_run=run["number"],
            saved_at=run["saved_at"],
            companies=run["row_count"],
            source=run["source"],
        )
    rows = list(by_name.values())
    print_rows(
        rows, fmt, ["name", "runs", "last_run", "saved_at", "companies", "source"], "Watchlists"
    )


def _watchlist_run(store: Any, name: str, run_id: int | None) -> dict[str, Any]:
    from screener.errors import InputError
    from screener.watchlist import validate_name

    validate_name(name)
    runs = store.watchlist_runs(name)
    if not runs:
        raise InputError(f"no watchlist named '{name}' (see `screener watchlist list`)")
    if run_id is None:
        return runs[-1]
    for run in runs:
        if run["number"] == run_id:
            return run
    raise InputError(
        f"watchlist '{name}' has no run #{run_id} (runs: "
        + ", ".join(f"#{r['number']}" for r in runs)
        + ")"
    )


def _saved_rows(
    state: AppState, name: str, run_id: int | None
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """One saved run of a watchlist (the latest unless `run_id`) and its rows."""
    with open_store(state, read_only=True) as store:
        run = _watchlist_run(store, name, run_id)
        return run, _run_rows(store, run)


def _run_rows(store: Any, run: dict[str, Any]) -> list[dict[str, Any]]:
    """A run's readable rows; a warning on stderr when damaged ones were left out."""
    rows: list[dict[str, Any]] = store.watchlist_rows(run["id"])
    saved = run.get("row_count")
    if isinstance(saved, int) and len(rows) < saved:
        echo_err(
            f"warning: {saved - len(rows)} of the {saved} rows saved in run #{run['number']}"
            " are damaged and were left out"
        )
    return rows


@watchlist.command("show")
@click.argument("name")
@click.option("--run", "run_id", type=int, help="Show this run instead of the latest.")
@output_format()
@click.pass_obj
def watchlist_show(state: AppState, name: str, run_id: int | None, fmt: str) -> None:
    """Show the rows of a watchlist's latest run (or --run ID)."""
    from screener.output.rows import ROW_FIELDS

    run, rows = _saved_rows(state, name, run_id)
    if fmt == "table":
        columns = [
            "ticker",
            "name",
            "name_zh",
            "pe_fwd",
            "revenue_growth",
            "flags",
            "score",
            "as_of",
        ]
        title = (
            f"Watchlist '{name}' run #{run['number']} saved {run['saved_at']} "
            f"(source: {run['source']}, data as of {_span(run)})"
        )
        print_rows(rows, fmt, columns, title)
    else:
        print_rows(rows, fmt, list(ROW_FIELDS))


def _span(run: dict[str, Any]) -> str:
    """A saved run's as-of range: one date when its rows share it."""
    from screener.output.format import as_of_text

    first, last = run.get("as_of_min"), run.get("as_of_max")
    return as_of_text((str(first), str(last))) if first and last else "n/a"


@watchlist.command("diff")
@click.argument("name")
@click.option(
    "--against",
    "against",
    type=int,
    help="Compare the latest run with this run id (default: the previous run).",
)
@output_format()
@click.pass_obj
def watchlist_diff(state: AppState, name: str, against: int | None, fmt: str) -> None:
    """What changed in a watchlist: names that entered, left, or changed flags or score."""
    from screener.errors import InputError
    from screener.output.text import diff_lines, filters_text
    from screener.watchlist import DIFF_COLUMNS, diff_rows, diff_runs

    with open_store(state, read_only=True) as store:
        latest = _watchlist_run(store, name, None)
        if against is None:
            runs = store.watchlist_runs(name)
            if len(runs) < 2:
                raise InputError(f"watchlist '{name}' has one run; save another to diff")
            base = runs[-2]
        else:
            base = _watchlist_run(store, name, against)
        diff = diff_runs(
            _run_rows(store, base),
            _run_rows(store, latest),
            old_rules=base["rules_hash"],
            new_rules=latest["rules_hash"],
        )
    if fmt != "table":
        print_rows(diff_rows(diff), fmt, list(DIFF_COLUMNS))
        return
    title = (
        f"watchlist '{name}': run #{latest['number']} ({latest['saved_at']}) "
        f"vs run #{base['number']} ({base['saved_at']})"
    )
    filters = (filters_text(base.get("filters")), filters_text(latest.get("filters")))
    echo("\n".join(diff_lines(diff, title, filters)))


@watchlist.command("export")
@click.argument("name")
@click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--run", "run_id", type=int, help="Export this run instead of the latest.")
@click.option(
    "--to",
    "target_format",
    type=click.Choice(["csv", "tradingview", "tdx", "ths"]),
    default="csv",
    show_default=True,
    help="csv: screener's row schema; tradingview: EXCHANGE:SYMBOL list (.txt); "
    "tdx: 通达信 block file (.blk, GBK); ths: 同花顺 import CSV (GBK). See docs/exports.md.",
)
@click.option("--excel", is_flag=True, help="Write the CSV with a BOM so Excel reads UTF-8.")
@click.pass_obj
def watchlist_export(
    state: AppState,
    name: str,
    path: Path | None,
    run_id: int | None,
    target_format: str,
    excel: bool,
) -> None:
    """Write a watchlist's latest run as CSV (default: watchlists/NAME.csv), or as a file
    a trading terminal imports (--to tradingview|tdx|ths)."""
    from screener.errors import InputError
    from screener.output.csvfile import atomic_file, check_csv_path, csv_text, write_atomic
    from screener.output.exports import EXPORT_FORMATS, build_export
    from screener.output.rows import ROW_FIELDS
    from screener.resources import default_watchlist_dir

    suffix = EXPORT_FORMATS[target_format]
    if excel and target_format != "csv":
        raise InputError("--excel applies to --to csv (the other formats have their own encoding)")
    if path is not None and path.suffix.lower() != suffix:
        raise InputError(f"{path}: a --to {target_format} file must end in {suffix}")
    if path is not None and target_format == "csv":
        check_csv_path(path)
    run, rows = _saved_rows(state, name, run_id)
    stem = name if target_format in ("csv", "tradingview", "tdx") else f"{name}_ths"
    target = path or default_watchlist_dir() / f"{stem}{suffix}"
    if target_format == "csv":
        write_atomic(target, csv_text(rows, ROW_FIELDS), bom=excel)
        echo(f"exported {len(rows)} rows of '{name}' run #{run['number']} to {target}")
        return
    export = build_export(target_format, rows, _exchanges())
    with atomic_file(target) as handle:
        handle.write(export.data)
    echo(
        f"exported {len(export.written)} of {len(rows)} companies of '{name}' run #{run['number']}"
        f" to {target} ({target_format})"
    )
    if export.skipped:
        echo_err(
            f"note: left out {len(export.skipped)} the format cannot name: "
            + ", ".join(export.skipped[:20])
            + (" ..." if len(export.skipped) > 20 else "")
        )


def _exchanges() -> dict[str, str]:
    """Ticker -> exchange, from the universe (saved rows do not keep it; US symbols need it)."""
    from screener.run import load_companies

    return {c.ticker: c.exchange for c in load_companies(None)}


@watchlist.command("rm")
@click.argument("name")
@click.option("--yes", "-y", is_flag=True, help="Delete without asking.")
@click.pass_obj
def watchlist_rm(state: AppState, name: str, yes: bool) -> None:
    """Delete a watchlist and all its saved runs (asks first, unless --yes)."""
    import sys

    from screener.errors import InputError
    from screener.output.format import plural
    from screener.watchlist import validate_name

    validate_name(name)
    with open_store(state, read_only=True) as store:
        runs = len(store.watchlist_runs(name))
    if not runs:
        raise InputError(f"no watchlist named '{name}' (see `screener watchlist list`)")
    what = f"watchlist '{name}' and its {plural(runs, 'saved run')}"
    if not yes:
        if not sys.stdin.isatty():
            raise InputError(f"this deletes {what}; add --yes to confirm")
        click.confirm(f"Delete {what}?", abort=True, err=True)
    with open_store(state) as store:
        removed = store.delete_watchlist(name)
    echo(f"removed watchlist '{name}' ({plural(removed, 'run')})")


@watchlist.command("perf")
@click.argument("name")
@rules_option
@universe_option
@output_format()
@click.pass_obj
def watchlist_perf(
    state: AppState, name: str, rule_paths: tuple[Path, ...], universe_file: Path | None, fmt: str
) -> None:
    """Score every saved run of NAME: its flagged names since the run against their sector.

    Each run is priced at the last close on or before the day it was saved and at the
    latest stored close; a flag paid when its name beat the sector basket (a penalty
    when its name lagged). Rule labels come from the current rules (--rules).
    """
    from screener.backtest.ledger import score_runs
    from screener.backtest.load import live_prices
    from screener.output.backtest import (
        LEDGER_FIELDS,
        ledger_lines,
        ledger_rows,
        ledger_table_rows,
    )
    from screener.run import load_inputs

    inputs = load_inputs(rule_paths, universe_file)
    with open_store(state, read_only=True) as store:
        _watchlist_run(store, name, None)  # an unknown name fails here, with the list
        stored = store.watchlist_runs(name)
        rows_of = {int(r["number"]): store.watchlist_rows(int(r["id"])) for r in stored}
        runs = [{**r, "id": r["number"]} for r in stored]  # the ledger names runs as people do
        saved = {str(row["ticker"]) for rows in rows_of.values() for row in rows}
        tickers = tuple(dict.fromkeys([*inputs.universe, *sorted(saved)]))
        prices = live_prices(store, tickers)
    ledger = score_runs(name, runs, rows_of, prices, inputs.universe, inputs.ruleset)
    if fmt == "table":
        labels = {r.id: r.flag or r.id for r in inputs.ruleset.rules}
        echo("\n".join(ledger_lines(ledger)))
        rows = ledger_table_rows(ledger, labels)
        print_rows(rows, fmt, list(LEDGER_FIELDS), f"Watchlist '{name}': flagged names")
    elif fmt == "json":
        from screener.output.backtest import ledger_json
        from screener.output.rows import json_text

        echo(json_text(ledger_json(ledger)))
    else:
        print_rows(ledger_rows(ledger), fmt, list(LEDGER_FIELDS))
