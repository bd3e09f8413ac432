"""`screener refresh`: Yahoo into the store, with a progress bar and an honest summary."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from screener.cli.app import cli
from screener.cli.common import AppState, open_store, sector_option, universe_option


def run_refresh(store: Any, tickers: list[str], *, force: bool) -> Any:
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


def summary_lines(summary: Any) -> list[str]:
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
    lines += [
        f"  partly {t}: saved, but {short(reason)} (asked again next run)"
        for t, reason in sorted(summary.partial.items())
    ]
    lines += [f"  failed {t}: {short(reason)}" for t, reason in sorted(summary.failed.items())]
    return lines


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
    store = open_store(state)
    try:
        summary = run_refresh(store, wanted, force=force)
    finally:
        store.close()
    for line in summary_lines(summary):
        click.echo(line)
    if summary.failed:
        raise click.exceptions.Exit(1)
