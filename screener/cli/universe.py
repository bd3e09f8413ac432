"""`screener universe`: the companies of the four sectors, and how to extend them."""

from __future__ import annotations

import json
from contextlib import ExitStack
from pathlib import Path

import click

from screener.cli.app import cli
from screener.cli.common import (
    AppState,
    echo,
    echo_err,
    open_store,
    output_format,
    print_rows,
    sector_option,
    universe_option,
    user_ticker,
)


@cli.group()
def universe() -> None:
    """The companies of the four sectors: list, show, classify, discover, sync, check."""


@universe.command("list")
@sector_option()
@output_format()
@universe_option
def universe_list(sectors: tuple[str, ...], fmt: str, universe_file: Path | None) -> None:
    """List the universe (built-in list merged with your overrides)."""
    from screener.run import load_companies

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
    from screener.output.text import company_lines
    from screener.run import load_companies
    from screener.universe import suggest_tickers, suggestion_text

    companies = load_companies(universe_file)
    symbol = user_ticker(ticker, universe_file)
    company = next((c for c in companies if c.ticker == symbol), None)
    if company is None:
        names = {c.ticker: (c.name_en, c.name_zh) for c in companies}
        hint = suggestion_text(
            suggest_tickers(ticker, names, known_name=_stored_name(symbol)), names
        )
        raise InputError(
            f"{symbol} is not in the universe{hint}; `screener universe classify {symbol}`"
            " says where it would fit"
        )
    echo("\n".join(company_lines(company, companies)))


def _stored_name(symbol: str) -> str | None:
    """The name the store knows for a ticker outside the universe (a refresh, a classify)."""
    from screener.cli.common import AppState
    from screener.errors import ScreenerError

    state = click.get_current_context().find_object(AppState)
    try:
        with open_store(state or AppState(None, False), read_only=True) as store:
            row = next((r for r in store.companies() if r["ticker"] == symbol), None)
    except ScreenerError:
        return None
    name = row.get("name_en") if row else None
    return str(name) if name else None


PROFILE_MAX_BYTES = 1024 * 1024  # a Yahoo profile is a few KiB


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
    from screener.files import read_text_file
    from screener.universe import classify

    if profile_file is not None and len(tickers) > 1:
        raise click.UsageError("--profile describes one company: give exactly one TICKER")
    rows = []
    store = None
    with ExitStack() as stack:
        for raw in tickers:
            symbol = user_ticker(raw)
            if profile_file is not None:
                text = read_text_file(profile_file, limit=PROFILE_MAX_BYTES)
                try:
                    profile = json.loads(text)
                except (json.JSONDecodeError, RecursionError) as exc:
                    raise InputError(f"{profile_file}: cannot read profile: {exc}") from exc
                if not isinstance(profile, dict):
                    raise InputError(f"{profile_file}: a profile must be a JSON object")
            else:
                if store is None:  # opened only when a stored profile is needed
                    store = stack.enter_context(open_store(state))
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
    from screener.run import load_companies
    from screener.universe.discover import PROPOSAL_COLUMNS, discover

    companies = load_companies(universe_file)
    reachable, why = yahoo_reachable()
    if not reachable:
        raise DataError(f"Yahoo cannot be reached: {why}")
    result = discover(region, provider=YahooProvider(), universe=companies, max_results=max_rows)
    rows = [p.to_row() for p in result.proposals][: limit or None]
    print_rows(rows, fmt, list(PROPOSAL_COLUMNS), f"Discovery proposals ({region})")
    echo_err(
        f"discover {region}: {result.scanned} rows scanned in {result.pages} pages over "
        f"{len(result.industries)} industries; {result.skipped_known} already in the universe; "
        f"{len(result.proposals)} proposals ({len(result.classified)} classified)"
        + ("; scan truncated" if result.truncated else "")
    )


@universe.command("sync")
@click.option(
    "--write",
    "write_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the proposals to this override file (.toml); without it nothing is written.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="Output format.",
)
@universe_option
def universe_sync(write_file: Path | None, fmt: str, universe_file: Path | None) -> None:
    """Compare East Money's concept boards for the four sectors with the universe.

    Lists board members the universe lacks (classified, with the boards and the
    evidence), universe A-shares on none of the boards, and mapped boards that no
    longer resolve. Nothing changes unless you pass --write FILE.
    """
    from datetime import date

    import screener.data.akshare as akshare_pkg
    from screener.data.akshare.boards import fetch_boards
    from screener.data.akshare.probe import eastmoney_offline
    from screener.errors import DataError, InputError
    from screener.output.csvfile import atomic_file
    from screener.output.rows import json_text
    from screener.output.sync import board_lines, sections, summary_line
    from screener.universe import find_config_overrides, load_universe
    from screener.universe.boards import board_sectors
    from screener.universe.overrides import read_overrides
    from screener.universe.sync import compare, overrides_toml

    if write_file is not None and write_file.suffix.lower() != ".toml":
        raise InputError(f"{write_file}: --write makes a TOML override file (end it in .toml)")
    overrides = universe_file or find_config_overrides()
    companies = load_universe(overrides)
    removed = [c.ticker for c in read_overrides(overrides) if c.action == "remove"] if (
        overrides
    ) else []
    why = eastmoney_offline()
    if why:
        raise DataError(f"East Money cannot be reached ({why}); universe sync needs it")
    mapping = board_sectors()
    answers, unresolved = fetch_boards(
        akshare_pkg.AkshareProvider(), [b.name for b in mapping]
    )
    report = compare(answers, mapping, companies, unresolved, removed)
    if fmt == "json":
        echo(json_text(report.to_json()), cut=False)
    else:
        for line in board_lines(report):
            echo(line)
        for section in sections(report):
            print_rows(section.rows, "table", section.columns, section.title)
    echo_err(summary_line(report))
    if write_file is not None:
        with atomic_file(write_file, encoding="utf-8") as handle:
            handle.write(overrides_toml(report, date.today().isoformat()))
        echo_err(
            f"wrote {len(report.classified)} proposed additions to {write_file} "
            f"(check it: screener universe check {write_file})"
        )


@universe.command("check")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def universe_check(file: Path) -> None:
    """Validate an override file and show the merged universe's counts per sector."""
    from screener.output.text import sector_count_lines
    from screener.universe import load_universe, summarize

    companies = load_universe(file)
    echo(f"ok: {file} merges into {len(companies)} companies")
    for line in sector_count_lines(summarize(companies)):
        echo(line)
