"""`screener refresh`: Yahoo into the store, with a progress bar and an honest summary."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from screener.cli.app import cli
from screener.cli.common import (
    AppState,
    echo,
    open_store,
    provider_option,
    sector_option,
    universe_option,
    user_ticker,
)


def build_chain(store: Any, routes: Any = None, yahoo_offline: str | None = None) -> Any:
    """The provider chain of a refresh: each market's providers in order, built on first use.

    `yahoo_offline` says why Yahoo cannot be reached (it is skipped); East Money is
    skipped only when the run is offline. Providers are looked up at call time, so a
    Yahoo-only refresh never imports akshare (and tests can swap either).
    """
    import screener.data.akshare as akshare_pkg
    import screener.data.yahoo as yahoo_pkg
    from screener.data.akshare.probe import eastmoney_offline
    from screener.data.chain import AKSHARE, YAHOO, ProviderChain, load_routes
    from screener.data.provider import LIVE_SOURCES

    unavailable: dict[str, str] = {}
    if yahoo_offline:
        unavailable[YAHOO] = f"Yahoo cannot be reached ({yahoo_offline})"
    why = eastmoney_offline()
    if why:
        unavailable[AKSHARE] = f"East Money is not asked ({why})"
    known = {(str(r["ticker"]), src) for src in LIVE_SOURCES for r in store.latest_snapshots(src)}
    return ProviderChain(
        routes if routes is not None else load_routes(),
        {YAHOO: lambda: yahoo_pkg.YahooProvider(), AKSHARE: lambda: akshare_pkg.AkshareProvider()},
        unavailable=unavailable,
        known=known,
    )


def run_refresh(
    store: Any,
    tickers: list[str],
    *,
    force: bool,
    chain: Any = None,
    price_years: int | None = None,
) -> Any:
    """Refresh with a progress bar on stderr (only when it is a terminal).

    `chain` is the provider (a `ProviderChain`); None builds the default one.
    `price_years` is the depth of daily bars (None: config.toml's, else the default).
    """
    from screener.data.refresh import RefreshPolicy, refresh
    from screener.data.refresh.depth import load_price_years
    from screener.output.console import progress_bar

    policy = RefreshPolicy(price_years=price_years or load_price_years())
    provider = chain if chain is not None else build_chain(store)
    with progress_bar("refresh", len(tickers)) as on_event:
        return refresh(
            store, tickers, force=force, progress=on_event, provider=provider, policy=policy
        )


def sources_line(chain: Any) -> str | None:
    """Which sources delivered, e.g. "sources: eastmoney (via akshare) 7, yahoo 3"."""
    if not getattr(chain, "used", None):
        return None
    names = {"eastmoney": "eastmoney (via akshare)"}
    parts = [f"{names.get(s, s)} {n}" for s, n in sorted(chain.used.items())]
    return "  sources: " + ", ".join(parts)


@cli.command("refresh")
@click.argument("tickers", nargs=-1)
@sector_option("Refresh every company of this sector (repeatable).")
@click.option("--all", "everything", is_flag=True, help="Refresh the whole universe.")
@click.option("--force", is_flag=True, help="Fetch even what is still fresh.")
@click.option(
    "--price-years",
    type=click.IntRange(1, 50),
    default=None,
    metavar="N",
    help="Years of daily prices to keep (default 10, or config.toml's [refresh] price_years).",
)
@universe_option
@provider_option
@click.pass_obj
def refresh_command(
    state: AppState,
    tickers: tuple[str, ...],
    sectors: tuple[str, ...],
    everything: bool,
    force: bool,
    price_years: int | None,
    universe_file: Path | None,
    provider_specs: tuple[str, ...],
) -> None:
    """Fetch prices, fundamentals and multiple history into the store.

    A-shares come from East Money (through akshare) and then Yahoo, every other
    market from Yahoo (change with --provider or config.toml's [providers]); a ticker
    falls back to the next provider when one cannot be reached or fails. Only stale
    data is fetched (prices older than the last close, fundamentals and multiple
    history older than 7 days, profiles older than 30 days); --force fetches all.
    Daily prices reach back --price-years (10 by default): the first fetch of a
    company asks for all of them, later ones only for the days since the last
    stored bar (all again when a dividend or split changed the adjusted closes).
    Exits 1 when any ticker failed or could not be asked; the others are kept.
    """
    from screener.data.yahoo import yahoo_reachable
    from screener.errors import DataError, InputError
    from screener.run import load_companies

    wanted = [user_ticker(t) for t in tickers]
    if sectors or everything:
        companies = load_companies(universe_file)
        wanted += [c.ticker for c in companies if everything or c.sector in sectors]
    if not wanted:
        raise InputError("say what to refresh: TICKER..., --sector S or --all")
    wanted = list(dict.fromkeys(wanted))
    from screener.data.chain import load_routes

    routes = load_routes().overridden(provider_specs)
    reachable, why = yahoo_reachable()
    with open_store(state) as store:
        chain = build_chain(store, routes, None if reachable else why)
        askable = [t for t in wanted if chain.can_serve(t)]
        unaskable = [t for t in wanted if t not in askable]
        if not askable:
            reason = f"Yahoo cannot be reached: {why}" if not reachable else "no provider"
            raise DataError(f"{reason}; nothing was changed")
        summary = run_refresh(
            store, askable, force=force, chain=chain, price_years=price_years
        )
    from screener.output.text import summary_lines

    for line in summary_lines(summary):
        echo(line)
    line = sources_line(chain)
    if line:
        echo(line)
    if unaskable:
        echo(
            f"  not asked ({len(unaskable)}): Yahoo cannot be reached ({why}) and no other "
            "provider serves them: " + ", ".join(unaskable[:10])
            + (f" ... {len(unaskable) - 10} more" if len(unaskable) > 10 else "")
        )
    if summary.failed or unaskable:
        raise click.exceptions.Exit(1)
