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


def _stderr(message: str) -> None:
    click.echo(message, err=True)


def _screen_result(
    state: AppState,
    source: str,
    rule_paths: tuple[Path, ...],
    universe_file: Path | None,
    offline_reason: str | None = None,
) -> Any:
    """Open the store, run the pipeline, close the store."""
    from screener.pipeline import run_screen

    store = _open_store(state)
    try:
        return run_screen(
            store=store,
            source=source,  # type: ignore[arg-type]
            rule_paths=rule_paths or None,
            universe_file=universe_file,
            offline_reason=offline_reason,
        )
    finally:
        store.close()


def _finite(value: float | None, name: str) -> float | None:
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
    from screener import export

    if fmt == "csv":
        click.echo(export.csv_text(rows, columns), nl=False)
        return
    from rich.cells import cell_len
    from rich.table import Table

    console = _stdout_console()
    cells = [[_cell(column, row.get(column)) for column in columns] for row in rows]
    floors = [
        min(40, max([cell_len(column), *(cell_len(w) for line in cells for w in line[i].split())]))
        for i, column in enumerate(columns)
    ]
    if sum(floors) + 3 * len(floors) + 1 > console.width:
        floors = [None] * len(columns)  # too narrow for whole words: let rich fold
    from rich.text import Text

    table = Table(title=Text(title) if title else None, title_justify="left", header_style="bold")
    for column, floor in zip(columns, floors, strict=True):
        table.add_column(column, overflow="fold", min_width=floor)
    for line in cells:
        table.add_row(*(Text(cell) for cell in line))  # literal: never rich markup
    console.print(table)


def _cell(column: str, value: Any) -> str:
    from screener.catalog import NUMERIC_METRICS

    if value is None:
        return "–"
    if isinstance(value, list | tuple):
        return "\n".join(str(v) for v in value) if value else "–"
    if column in NUMERIC_METRICS and isinstance(value, int | float):
        from screener.table import format_value

        return format_value(column, float(value))
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

rules_option = click.option(
    "--rules",
    "rule_paths",
    type=click.Path(path_type=Path),
    multiple=True,
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

    Only `screen` (unless --offline) and `refresh` go to Yahoo; set SCREENER_OFFLINE=1
    to keep every command off the network. Other commands read the store, or the
    bundled sample when the store has no live data.
    """
    ctx.obj = AppState(db=db, debug=debug)


def _run_refresh(store: Any, tickers: list[str], *, force: bool) -> Any:
    """Refresh with a progress bar on stderr (only when it is a terminal)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from screener.data.refresh import refresh

    err = Console(stderr=True, highlight=False)
    if not err.is_terminal:
        return refresh(store, tickers, force=force)
    with Progress(
        TextColumn("refresh"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[last]}"),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task("refresh", total=len(tickers), last="")

        def on_event(event: Any) -> None:
            bar.update(
                task,
                completed=event.done,
                total=event.total,
                last=f"{event.ticker or ''} {event.outcome or ''}".strip(),
            )

        return refresh(store, tickers, force=force, progress=on_event)


def _summary_lines(summary: Any) -> list[str]:
    """The refresh summary: one line of counts, then what went wrong, ticker by ticker."""
    import re

    def short(reason: str) -> str:
        text = re.sub(r"https?://\S+", "<url>", " ".join(reason.split()))
        return text if len(text) <= 160 else text[:157] + "..."

    def listed(tickers: list[str]) -> str:
        return ", ".join(tickers[:12]) + (
            f" and {len(tickers) - 12} more" if len(tickers) > 12 else ""
        )

    lines = [
        f"refresh: {len(summary.fetched)} fetched, {len(summary.skipped_fresh)} skipped as fresh,"
        f" {len(summary.not_found) + len(summary.not_found_recently)} not found on Yahoo,"
        f" {len(summary.failed)} failed ({summary.requests} requests, {summary.elapsed:.1f}s"
        + (f", {summary.throttled} rate-limited answers" if summary.throttled else "")
        + ")"
    ]
    if summary.stopped:
        lines.append(f"  stopped early: {summary.stopped}")
    if summary.not_found:
        lines.append(
            "  not found now (asked again in a day, or with --force): "
            + listed(sorted(summary.not_found))
        )
    if summary.not_found_recently:
        lines.append(
            "  not found earlier today, not asked again (--force asks now): "
            + listed(sorted(summary.not_found_recently))
        )
    lines += [f"  failed {t}: {short(reason)}" for t, reason in sorted(summary.failed.items())]
    return lines


@cli.command("refresh")
@click.argument("tickers", nargs=-1)
@click.option(
    "--sector",
    "sectors",
    type=click.Choice([*SECTORS, "adjacent"]),
    multiple=True,
    help="Refresh every company of this sector (repeatable).",
)
@click.option("--all", "everything", is_flag=True, help="Refresh the whole universe.")
@click.option("--force", is_flag=True, help="Fetch even what is still fresh.")
@universe_option
@click.pass_obj
def refresh_command(
    state: AppState,
    tickers: tuple[str, ...],
    sectors: tuple[str, ...],
    everything: bool,
    force: bool,
    universe_file: Path | None,
) -> None:
    """Fetch prices, fundamentals and multiple history from Yahoo into the store.

    Only stale data is fetched (prices older than the last close, fundamentals and
    multiple history older than 7 days, profiles older than 30 days); --force fetches all.
    Exits 1 when any ticker failed; the others are kept.
    """
    from screener.data.yahoo import yahoo_reachable
    from screener.errors import DataError, InputError
    from screener.pipeline import load_companies
    from screener.universe import normalize_ticker

    wanted = [normalize_ticker(t) for t in tickers]
    if sectors or everything:
        companies = load_companies(universe_file)
        wanted += [c.ticker for c in companies if everything or c.sector in sectors]
    if not wanted:
        raise InputError("say what to refresh: TICKER..., --sector S or --all")
    wanted = list(dict.fromkeys(wanted))
    reachable, why = yahoo_reachable()
    if not reachable:
        raise DataError(f"Yahoo cannot be reached: {why}; nothing was changed")
    store = _open_store(state)
    try:
        summary = _run_refresh(store, wanted, force=force)
    finally:
        store.close()
    for line in _summary_lines(summary):
        click.echo(line)
    if summary.failed:
        raise click.exceptions.Exit(1)


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
@click.option(
    "--min-score",
    type=float,
    callback=lambda ctx, param, value: _finite(value, "--min-score"),
    help="Only companies scoring at least this.",
)
@click.option("--limit", type=click.IntRange(min=1), help="At most this many rows per sector.")
@click.option("--offline", is_flag=True, help="Do not refresh from Yahoo; use what is stored.")
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
    offline: bool,
) -> None:
    """Run the universe through the data and the rules and print the result.

    With --source auto (the default) stale data is refreshed from Yahoo first, unless
    --offline; when Yahoo cannot be reached and the store has no live data, the run uses
    the bundled sample snapshot and says so.

    Table columns (for --columns): ticker, name, segment, price, spark, market_cap_usd,
    pe_ttm, pe_fwd, peg, ev_ebitda, revenue_growth, net_margin, pe_hist_pct, flags,
    score, as_of. On a narrow terminal the least important columns are hidden whole.
    """
    from screener import export, report, table
    from screener.pipeline import run_screen
    from screener.select import parse_sort, select_rows

    column_keys = _parse_columns(columns, table.COLUMN_KEYS)
    parse_sort(sort_key)  # a bad --sort fails before any work
    if excel and export_path is None:
        raise click.UsageError("--excel applies to --export FILE.csv; add --export")
    store = _open_store(state)
    try:
        offline_reason = None
        if source == "auto" and not offline:
            offline_reason = _refresh_before_screen(store, rule_paths, universe_file)
        result = run_screen(
            store=store,
            source=source,  # type: ignore[arg-type]
            rule_paths=rule_paths or None,
            universe_file=universe_file,
            offline_reason=offline_reason,
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
    if fmt != "table" and result.banner:
        _stderr(result.banner)  # machine formats carry `source` per row; people get the why
    if fmt == "json":
        rows = report.json_rows(result, frame)
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    elif fmt == "csv":
        click.echo(export.csv_text(report.to_rows(result, frame), report.ROW_FIELDS), nl=False)
    else:
        console = _stdout_console()
        console.print(table.render_table(result, frame, width=console.width, columns=column_keys))


def _refresh_before_screen(
    store: Any, rule_paths: tuple[Path, ...], universe_file: Path | None
) -> str | None:
    """Refresh stale data of the universe; return why Yahoo could not be used, if it could not."""
    from screener.data.yahoo import yahoo_reachable
    from screener.pipeline import load_companies, load_rules

    load_rules(rule_paths or None)  # bad rule files fail before any network traffic
    tickers = [c.ticker for c in load_companies(universe_file)]
    reachable, why = yahoo_reachable()
    if not reachable:
        return why
    summary = _run_refresh(store, tickers, force=False)
    if summary.fetched or summary.failed or summary.not_found:
        lines = _summary_lines(summary)
        _stderr(lines[0])
        for line in lines[1:6]:
            _stderr(line)
        if len(lines) > 6:
            _stderr(f"  ... {len(lines) - 6} more lines: run `screener refresh --all` to see them")
    return None


def _parse_columns(text: str | None, known: tuple[str, ...]) -> list[str] | None:
    if text is None:
        return None
    parts = [part.strip() for part in text.split(",")]
    keys = list(dict.fromkeys(part for part in parts if part))
    unknown = [key for key in keys if key not in known]
    if "" in parts:
        raise click.BadParameter("empty column name in the list", param_hint="--columns")
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
    ticker: str,
    source: str,
    rule_paths: tuple[Path, ...],
    universe_file: Path | None,
    fmt: str,
) -> None:
    """Show every rule for one company: fired or not, each input, what was missing."""
    from screener.explain_view import explanation_rows, render_explanation
    from screener.universe import normalize_ticker

    symbol = normalize_ticker(ticker)
    result = _screen_result(state, source, rule_paths, universe_file)
    if fmt == "json":
        click.echo(json.dumps(explanation_rows(result, symbol), ensure_ascii=False, indent=2))
    else:
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

    if profile_file is not None and len(tickers) > 1:
        raise click.UsageError("--profile describes one company: give exactly one TICKER")
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


@universe.command("discover")
@click.option(
    "--region",
    type=click.Choice(["cn", "hk", "us", "tw"]),
    required=True,
    help="Which market to scan.",
)
@click.option("--limit", type=click.IntRange(min=1), help="Show at most this many proposals.")
@click.option(
    "--max-rows",
    type=click.IntRange(min=1),
    help="Read at most this many screener rows from Yahoo (bounds the requests).",
)
@output_format()
@universe_option
def universe_discover(
    region: str, limit: int | None, max_rows: int | None, fmt: str, universe_file: Path | None
) -> None:
    """Scan Yahoo's screener for candidates not yet in the universe and propose a sector.

    Nothing is added: copy what you agree with into your universe override file.
    """
    from screener.data.yahoo import YahooProvider, yahoo_reachable
    from screener.errors import DataError
    from screener.pipeline import load_companies
    from screener.universe.discover import PROPOSAL_COLUMNS, discover

    companies = load_companies(universe_file)
    reachable, why = yahoo_reachable()
    if not reachable:
        raise DataError(f"Yahoo cannot be reached: {why}")
    result = discover(region, provider=YahooProvider(), universe=companies, max_results=max_rows)
    rows = [p.to_row() for p in result.proposals][: limit or None]
    print_rows(rows, fmt, list(PROPOSAL_COLUMNS), f"Discovery proposals ({region})")
    _stderr(
        f"discover {region}: {result.scanned} rows scanned in {result.pages} pages over "
        f"{len(result.industries)} industries; {result.skipped_known} already in the universe; "
        f"{len(result.proposals)} proposals ({len(result.classified)} classified)"
        + ("; scan truncated" if result.truncated else "")
    )


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


@cli.command()
@click.option("--sector", type=click.Choice(SECTORS), required=True, help="The sector to draw.")
@source_option
@rules_option
@universe_option
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
    png_path: Path | None,
) -> None:
    """Draw forward P/E against revenue growth for one sector; flagged names labelled."""
    import os

    from screener.plot import chart_key, points_for, save_png, terminal_chart
    from screener.universe import sector_label

    result = _screen_result(state, source, rule_paths, universe_file)
    points = points_for(result.frame, sector)
    label = "SAMPLE data" if result.source == "sample" else "Yahoo data"
    dates = result.frame.loc[result.frame["sector"] == sector, "as_of"].dropna()
    span = f", as of {dates.min()} … {dates.max()}" if not dates.empty else ""
    title = f"{sector_label(sector, 'en')}: forward P/E vs revenue growth ({label}{span})"
    console = _stdout_console()
    color = console.is_terminal and not os.environ.get("NO_COLOR")
    height = min(30, max(15, (console.height or 30) - 6))
    click.echo(terminal_chart(points, width=console.width, height=height, color=color, title=title))
    names = {
        str(t): f"{r['name_en']} {r['name_zh'] or ''}".strip() for t, r in result.frame.iterrows()
    }
    for line in chart_key(points, names):
        click.echo(line)
    flagged = sum(points.flagged)
    summary = (
        f"{len(points.tickers)} plotted: flagged names are numbered ({flagged}, key above),"
        " • = not flagged"
    )
    if points.left_out:
        summary += f"; left out (no forward P/E or growth): {', '.join(points.left_out)}"
    click.echo(summary)
    if png_path is not None:
        save_png(points, png_path, title)
        click.echo(f"wrote {png_path}")


@cli.group()
def watchlist() -> None:
    """Saved runs: save, list, show, diff, export, rm."""


@watchlist.command("save")
@click.argument("name")
@source_option
@rules_option
@click.option(
    "--sector",
    "sectors",
    type=click.Choice(SECTORS),
    multiple=True,
    help="Keep only this sector (repeatable).",
)
@click.option("--flagged", is_flag=True, help="Only companies with a positive score.")
@click.option(
    "--min-score",
    type=float,
    callback=lambda ctx, param, value: _finite(value, "--min-score"),
    help="Only companies scoring at least this.",
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
    universe_file: Path | None,
) -> None:
    """Run the screen and save its rows as a new run of watchlist NAME."""
    from screener import report
    from screener.pipeline import run_screen
    from screener.select import select_rows
    from screener.watchlist import rules_fingerprint, validate_name

    validate_name(name)
    store = _open_store(state)
    try:
        result = run_screen(
            store=store,
            source=source,  # type: ignore[arg-type]
            rule_paths=rule_paths or None,
            universe_file=universe_file,
        )
        frame = select_rows(result.frame, sectors=sectors, flagged=flagged, min_score=min_score)
        rows = report.to_rows(result, frame)
        dates = frame["as_of"].dropna()
        run_id = store.save_watchlist_run(
            name,
            {
                "source": result.source,
                "as_of_min": str(dates.min()) if not dates.empty else None,
                "as_of_max": str(dates.max()) if not dates.empty else None,
                "rules_hash": rules_fingerprint(result.ruleset.rules),
                "rules": [rule.id for rule in result.ruleset.rules],
                "filters": {
                    "source": source,
                    "sectors": sorted(sectors),
                    "flagged": flagged,
                    "min_score": min_score,
                },
            },
            rows,
        )
    finally:
        store.close()
    label = " (SAMPLE data)" if result.source == "sample" else ""
    click.echo(f"saved run #{run_id} of watchlist '{name}': {len(rows)} companies{label}")


@watchlist.command("list")
@output_format()
@click.pass_obj
def watchlist_list(state: AppState, fmt: str) -> None:
    """List saved watchlists with their number of runs."""
    store = _open_store(state)
    try:
        runs = store.watchlist_runs()
    finally:
        store.close()
    by_name: dict[str, dict[str, Any]] = {}
    for run in runs:
        entry = by_name.setdefault(run["name"], {"name": run["name"], "runs": 0})
        entry.update(
            runs=entry["runs"] + 1,
            last_run=run["id"],
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
        if run["id"] == run_id:
            return run
    raise InputError(
        f"watchlist '{name}' has no run #{run_id} (runs: "
        + ", ".join(f"#{r['id']}" for r in runs)
        + ")"
    )


@watchlist.command("show")
@click.argument("name")
@click.option("--run", "run_id", type=int, help="Show this run instead of the latest.")
@output_format()
@click.pass_obj
def watchlist_show(state: AppState, name: str, run_id: int | None, fmt: str) -> None:
    """Show the rows of a watchlist's latest run (or --run ID)."""
    from screener import report

    store = _open_store(state)
    try:
        run = _watchlist_run(store, name, run_id)
        rows = store.watchlist_rows(run["id"])
    finally:
        store.close()
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
            f"Watchlist '{name}' run #{run['id']} saved {run['saved_at']} "
            f"(source: {run['source']}, data as of {run['as_of_min']} … {run['as_of_max']})"
        )
        print_rows(rows, fmt, columns, title)
    else:
        print_rows(rows, fmt, list(report.ROW_FIELDS))


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
    from screener.watchlist import DIFF_COLUMNS, diff_lines, diff_rows, diff_runs

    store = _open_store(state)
    try:
        latest = _watchlist_run(store, name, None)
        if against is None:
            runs = store.watchlist_runs(name)
            if len(runs) < 2:
                raise InputError(f"watchlist '{name}' has one run; save another to diff")
            base = runs[-2]
        else:
            base = _watchlist_run(store, name, against)
        diff = diff_runs(
            store.watchlist_rows(base["id"]),
            store.watchlist_rows(latest["id"]),
            old_rules=base["rules_hash"],
            new_rules=latest["rules_hash"],
        )
    finally:
        store.close()
    if fmt != "table":
        print_rows(diff_rows(diff), fmt, list(DIFF_COLUMNS))
        return
    title = (
        f"watchlist '{name}': run #{latest['id']} ({latest['saved_at']}) "
        f"vs run #{base['id']} ({base['saved_at']})"
    )
    filters = (base.get("filters") or "{}", latest.get("filters") or "{}")
    click.echo("\n".join(diff_lines(diff, title, filters)))


@watchlist.command("export")
@click.argument("name")
@click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--run", "run_id", type=int, help="Export this run instead of the latest.")
@click.option("--excel", is_flag=True, help="Write the CSV with a BOM so Excel reads UTF-8.")
@click.pass_obj
def watchlist_export(
    state: AppState, name: str, path: Path | None, run_id: int | None, excel: bool
) -> None:
    """Write a watchlist's latest run as CSV (default: watchlists/NAME.csv)."""
    from screener import export, report
    from screener.resources import default_watchlist_dir

    store = _open_store(state)
    try:
        run = _watchlist_run(store, name, run_id)
        rows = store.watchlist_rows(run["id"])
    finally:
        store.close()
    target = path or default_watchlist_dir() / f"{name}.csv"
    export.write_atomic(target, export.csv_text(rows, report.ROW_FIELDS), bom=excel)
    click.echo(f"exported {len(rows)} rows of '{name}' run #{run['id']} to {target}")


@watchlist.command("rm")
@click.argument("name")
@click.pass_obj
def watchlist_rm(state: AppState, name: str) -> None:
    """Delete a watchlist and all its saved runs."""
    from screener.errors import InputError
    from screener.watchlist import validate_name

    validate_name(name)
    store = _open_store(state)
    try:
        removed = store.delete_watchlist(name)
    finally:
        store.close()
    if not removed:
        raise InputError(f"no watchlist named '{name}'")
    click.echo(f"removed watchlist '{name}' ({removed} runs)")


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return an exit status; never let a user's mistake become a traceback."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    try:
        outcome = cli.main(args=args, prog_name=PROG, standalone_mode=False)
    except click.exceptions.Abort:
        _stderr(f"{PROG}: interrupted")
        return ExitStatus.INTERRUPTED
    except click.exceptions.NoArgsIsHelpError as exc:
        # `screener` or `screener rules` alone: the help, as --help shows it.
        click.echo(exc.ctx.get_help() if exc.ctx else exc.format_message())
        return ExitStatus.OK
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
