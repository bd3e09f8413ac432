"""The command line: parse, call the library, render, map errors to exit codes.

Thin on purpose. Heavy modules (pandas, yfinance, the engine) are imported inside
the commands, so `screener --help` and `--version` start in a blink. Every
error a user can cause ends as one line on stderr and a non-zero exit; only
`--debug` shows a traceback.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from screener import __version__
from screener.catalog import SECTORS
from screener.errors import ExitStatus, ScreenerError

PROG = "screener"


@dataclass
class AppState:
    db: Path | None
    debug: bool


def _open_store(state: AppState) -> Any:
    from screener.data.store import Store

    return Store(state.db)


PIPE_WIDTH = 160  # when piped without COLUMNS: wide enough for every column


def _stdout_console() -> Any:
    """A console that colours only a terminal (rich honours NO_COLOR) and is wide in a pipe."""
    import os

    from rich.console import Console

    width = None
    if not sys.stdout.isatty() and not os.environ.get("COLUMNS"):
        width = PIPE_WIDTH
    return Console(highlight=False, soft_wrap=False, width=width)


def _stderr(message: str) -> None:
    click.echo(message, err=True)


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
    """Render plain rows as a rich table, JSON or CSV, the same way for every command."""
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    from screener import export

    if fmt == "csv":
        click.echo(export.csv_text(rows, columns), nl=False)
        return
    from rich.table import Table

    table = Table(title=title or None, title_justify="left", header_style="bold")
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*(_cell(row.get(column)) for column in columns))
    _stdout_console().print(table)


def _cell(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


universe_option = click.option(
    "--universe",
    "universe_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Universe override file (TOML or CSV) merged over the built-in list "
    "(default: universe.toml/.csv in the config folder, if present).",
)

rules_option = click.option(
    "--rules",
    "rule_paths",
    type=click.Path(path_type=Path),
    multiple=True,
    help="Rule file or folder (repeatable); replaces the shipped rules.",
)

source_option = click.option(
    "--source",
    type=click.Choice(["auto", "sample", "store"]),
    default="auto",
    show_default=True,
    help="auto: live data from the store if any, else the bundled sample; "
    "sample: the bundled sample snapshot; store: only what the store holds.",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name=PROG)
@click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="SCREENER_DB",
    help="SQLite store to use (default: the user data folder; env SCREENER_DB).",
)
@click.option("--debug", is_flag=True, help="Show the full traceback when something fails.")
@click.pass_context
def cli(ctx: click.Context, db: Path | None, debug: bool) -> None:
    """Screen the companies that wire AI clusters together for valuation re-rating.

    Four sectors from the thesis: optical communication, high-speed interconnect,
    switching, and data centers. Run `screener screen` to see the table.
    """
    ctx.obj = AppState(db=db, debug=debug)


@cli.command()
@source_option
@rules_option
@click.option(
    "--sector",
    "sectors",
    type=click.Choice(SECTORS),
    multiple=True,
    help="Keep only this sector (repeatable).",
)
@output_format()
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
    default="score:desc",
    show_default=True,
    metavar="COLUMN[:asc|:desc]",
    help="Sort rows within each sector by a metric (e.g. pe_fwd, revenue_growth:desc).",
)
@click.option(
    "--columns",
    "columns",
    metavar="LIST",
    help="Comma-separated table columns to show, in order (see `screener screen --help`).",
)
@click.option("--flagged", is_flag=True, help="Only companies with a positive score.")
@click.option("--min-score", type=float, help="Only companies scoring at least this.")
@click.option("--limit", type=click.IntRange(min=1), help="At most this many rows per sector.")
@click.pass_obj
def screen(
    state: AppState,
    source: str,
    rule_paths: tuple[Path, ...],
    sectors: tuple[str, ...],
    fmt: str,
    export_path: Path | None,
    excel: bool,
    universe_file: Path | None,
    sort_key: str,
    columns: str | None,
    flagged: bool,
    min_score: float | None,
    limit: int | None,
) -> None:
    """Run the universe through the data and the rules and print the result.

    Table columns (for --columns): ticker, name, segment, price, spark, market_cap_usd,
    pe_ttm, pe_fwd, peg, ev_ebitda, revenue_growth, net_margin, pe_hist_pct, flags,
    score, as_of. On a narrow terminal the least important columns are hidden whole.
    """
    from screener import export, report, table
    from screener.pipeline import run_screen
    from screener.select import select_rows

    column_keys = _parse_columns(columns, table.COLUMN_KEYS)

    store = _open_store(state)
    try:
        result = run_screen(
            store=store,
            source=source,  # type: ignore[arg-type]
            rule_paths=rule_paths or None,
            universe_file=universe_file,
        )
    finally:
        store.close()
    frame = select_rows(
        result.frame,
        sectors=sectors,
        sort=sort_key,
        flagged=flagged,
        min_score=min_score,
        limit=limit,
    )
    if export_path is not None:
        rows = report.to_rows(result, frame)
        export.write_atomic(export_path, export.csv_text(rows, report.ROW_FIELDS), bom=excel)
        _stderr(f"exported {len(rows)} rows to {export_path}")
    if fmt == "json":
        rows = report.json_rows(result, frame)
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    elif fmt == "csv":
        click.echo(export.csv_text(report.to_rows(result, frame), report.ROW_FIELDS), nl=False)
    else:
        console = _stdout_console()
        console.print(
            table.render_table(
                result, frame, width=console.width, columns=column_keys, sparks=result.sparks
            )
        )


def _parse_columns(text: str | None, known: tuple[str, ...]) -> list[str] | None:
    if not text:
        return None
    keys = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [key for key in keys if key not in known]
    if unknown or not keys:
        raise click.BadParameter(
            f"unknown column {', '.join(map(repr, unknown)) or '(none)'}; "
            f"choose from {', '.join(known)}",
            param_hint="--columns",
        )
    return keys


@cli.group()
def rules() -> None:
    """List and check rule files."""


@rules.command("list")
@rules_option
@output_format()
def rules_list(rule_paths: tuple[Path, ...], fmt: str) -> None:
    """List the rules of a rule set (default: the shipped packs)."""
    from screener.pipeline import load_rules

    ruleset = load_rules(rule_paths or None)
    rows = [
        {
            "id": rule.id,
            "title": rule.title,
            "score": rule.score,
            "sectors": list(rule.sectors) or ["all"],
            "when": rule.when_text,
            "tags": list(rule.tags),
            "file": f"{rule.path.name}:{rule.line}",
        }
        for rule in ruleset.rules
    ]
    print_rows(rows, fmt, ["id", "title", "score", "sectors", "when", "file"], "Rules")


@rules.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
def rules_check(files: tuple[Path, ...]) -> None:
    """Check rule files without loading any data; exit 2 on the first error."""
    from screener.engine import load_ruleset

    ruleset = load_ruleset(list(files))
    click.echo(f"ok: {len(ruleset.rules)} rules in {len(ruleset.paths)} file(s)")


@cli.command()
@click.argument("ticker")
@source_option
@rules_option
@universe_option
@click.pass_obj
def explain(
    state: AppState,
    ticker: str,
    source: str,
    rule_paths: tuple[Path, ...],
    universe_file: Path | None,
) -> None:
    """Show every rule for one company: fired or not, each input, what was missing."""
    from screener.explain_view import render_explanation
    from screener.pipeline import run_screen
    from screener.universe import normalize_ticker

    symbol = normalize_ticker(ticker)
    store = _open_store(state)
    try:
        result = run_screen(
            store=store,
            source=source,  # type: ignore[arg-type]
            rule_paths=rule_paths or None,
            universe_file=universe_file,
        )
    finally:
        store.close()
    _stdout_console().print(render_explanation(result, symbol))


@cli.group()
def universe() -> None:
    """The companies of the four sectors: list, show, classify, check overrides."""


@universe.command("list")
@click.option(
    "--sector",
    "sectors",
    type=click.Choice([*SECTORS, "adjacent"]),
    multiple=True,
    help="Keep only this sector (repeatable).",
)
@output_format()
@universe_option
def universe_list(sectors: tuple[str, ...], fmt: str, universe_file: Path | None) -> None:
    """List the universe (built-in list merged with your overrides)."""
    from screener.pipeline import load_companies

    companies = load_companies(universe_file)
    if sectors:
        companies = [c for c in companies if c.sector in sectors]
    rows = [c.to_dict() for c in companies]
    columns = ["ticker", "name_en", "name_zh", "sector", "sub_segment", "market", "rationale"]
    if fmt != "table":
        columns = list(rows[0]) if rows else columns
    print_rows(rows, fmt, columns, f"Universe: {len(rows)} companies")


@universe.command("show")
@click.argument("ticker")
@universe_option
def universe_show(ticker: str, universe_file: Path | None) -> None:
    """Show one company of the universe and why it is there."""
    from screener.errors import InputError
    from screener.pipeline import load_companies
    from screener.universe import normalize_ticker, sector_label, sub_segment_label

    symbol = normalize_ticker(ticker)
    company = next((c for c in load_companies(universe_file) if c.ticker == symbol), None)
    if company is None:
        raise InputError(f"{symbol} is not in the universe (try `screener universe classify`)")
    lines = [
        f"{company.ticker}  {company.name_en} {company.name_zh}".rstrip(),
        f"sector:      {company.sector} ({sector_label(company.sector, 'en')} "
        f"{sector_label(company.sector, 'zh')})",
        f"sub-segment: {company.sub_segment} ({sub_segment_label(company.sub_segment, 'en')} "
        f"{sub_segment_label(company.sub_segment, 'zh')})",
        f"secondary:   {company.secondary_sector or '–'}",
        f"listing:     {company.exchange}, {company.market}, {company.currency}",
        f"why:         {company.rationale}",
        f"source:      {company.source}",
        f"origin:      {company.origin}",
    ]
    click.echo("\n".join(lines))


@universe.command("classify")
@click.argument("tickers", nargs=-1, required=True)
@click.option(
    "--profile",
    "profile_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Classify this Yahoo-shaped profile JSON instead of the stored one.",
)
@output_format()
@click.pass_obj
def universe_classify(
    state: AppState, tickers: tuple[str, ...], profile_file: Path | None, fmt: str
) -> None:
    """Place tickers in a sector from their Yahoo profile, with the evidence used."""
    from screener.errors import DataError, InputError
    from screener.universe import classify, normalize_ticker

    rows = []
    store = None
    try:
        for raw in tickers:
            symbol = normalize_ticker(raw)
            if profile_file is not None:
                try:
                    profile = json.loads(profile_file.read_text(encoding="utf-8"))
                except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
                    raise InputError(f"{profile_file}: cannot read profile: {exc}") from exc
                if not isinstance(profile, dict):
                    raise InputError(f"{profile_file}: a profile must be a JSON object")
            else:
                store = store or _open_store(state)
                profile = store.profile(symbol)
                if profile is None:
                    raise DataError(
                        f"{symbol}: no stored Yahoo profile; run `screener refresh {symbol}` "
                        "or pass --profile FILE"
                    )
            verdict = classify(profile)
            rows.append(
                {
                    "ticker": symbol,
                    "sector": verdict.sector,
                    "sub_segment": verdict.sub_segment,
                    "confidence": round(verdict.confidence, 2),
                    "evidence": list(verdict.evidence),
                    "reason": verdict.reason,
                }
            )
    finally:
        if store is not None:
            store.close()
    print_rows(rows, fmt, ["ticker", "sector", "sub_segment", "confidence", "evidence", "reason"])


@universe.command("check")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def universe_check(file: Path) -> None:
    """Validate an override file and show the merged universe's counts per sector."""
    from screener.universe import load_universe, summarize

    companies = load_universe(file)
    counts = summarize(companies)
    click.echo(f"ok: {file} merges into {len(companies)} companies")
    for sector, row in counts.items():
        click.echo(
            f"  {sector:<24} {row['total']:>4} ({row['cn']} A-share, {row['other']} other, "
            f"{row['override']} from overrides)"
        )


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return an exit status; never let a user's mistake become a traceback."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    try:
        outcome = cli.main(args=args, prog_name=PROG, standalone_mode=False)
    except click.exceptions.Abort:
        _stderr(f"{PROG}: interrupted")
        return ExitStatus.INTERRUPTED
    except click.ClickException as exc:
        where = f"{exc.ctx.command_path}" if getattr(exc, "ctx", None) else PROG
        message = " ".join(exc.format_message().split())
        _stderr(f"{where}: error: {message}")
        if isinstance(exc, click.UsageError):
            return ExitStatus.USAGE
        return exc.exit_code or ExitStatus.ERROR
    except ScreenerError as exc:
        if debug:
            raise
        _stderr(f"{PROG}: error: {exc}")
        return exc.exit_status
    except KeyboardInterrupt:
        _stderr(f"{PROG}: interrupted")
        return ExitStatus.INTERRUPTED
    except BrokenPipeError:
        return ExitStatus.OK
    except Exception as exc:  # a bug of ours: say so briefly, traceback on --debug
        if debug:
            raise
        _stderr(f"{PROG}: internal error: {type(exc).__name__}: {exc} (rerun with --debug)")
        return ExitStatus.ERROR
    if isinstance(outcome, int):
        return outcome
    return ExitStatus.OK
