"""`screener refresh`: Yahoo into the store, with a progress bar and an honest summary."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from screener.cli.app import cli
from screener.cli.common import AppState, echo, open_store, sector_option, universe_option


def run_refresh(store: Any, tickers: list[str], *, force: bool) -> Any:
    """Refresh with a progress bar on stderr (only when it is a terminal)."""
    from screener.data.refresh import refresh
    from screener.output.console import progress_bar

    with progress_bar("refresh", len(tickers)) as on_event:
        return refresh(store, tickers, force=force, progress=on_event)


@cli.command("refresh")
@click.argument("tickers", nargs=-1)
@sector_option("Refresh every company of this sector (repeatable).")
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
    from screener.run import load_companies
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
    with open_store(state) as store:
        summary = run_refresh(store, wanted, force=force)
    from screener.output.text import summary_lines

    for line in summary_lines(summary):
        echo(line)
    if summary.failed:
        raise click.exceptions.Exit(1)
