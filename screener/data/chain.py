"""Which provider serves which market: an ordered chain per market, with per-ticker fallback.

Default (documented in docs/akshare.md and `screener refresh --help`):

* CN (`.SS`/`.SZ`/`.BJ`): akshare (East Money) first, then Yahoo. East Money has
  daily PE(TTM)/PB/PS history for years, PEG and Beijing listings, and it answers
  from mainland China, where Yahoo has been blocked since November 2021: a user
  there gets live A-shares with no configuration at all.
* every other market: Yahoo.

The config file (`config.toml` in the config folder) overrides a market's chain:

    [providers]
    CN = ["yahoo", "akshare"]
    default = ["yahoo"]

and `--provider` on `refresh`/`screen` overrides both: `--provider akshare` (every
market, providers that do not serve a market are skipped) or `--provider CN=yahoo`.

`ProviderChain` is itself a Provider: per ticker it tries the chain in order and
falls back to the next provider when one cannot be reached or fails. Nothing here
imports yfinance or akshare: a provider is built the first time a ticker needs it.
"""

from __future__ import annotations

import threading
import tomllib
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from screener.data.provider import (
    ALL_KINDS,
    EASTMONEY_SOURCE,
    YAHOO_SOURCE,
    DataKind,
    FetchBundle,
    FetchError,
    FxRate,
    NotFoundError,
    Provider,
    RequestGate,
    TransientError,
)
from screener.errors import InputError

YAHOO = "yahoo"
AKSHARE = "akshare"
#: provider name -> the source its snapshots are stored under
SOURCE_OF: dict[str, str] = {YAHOO: YAHOO_SOURCE, AKSHARE: EASTMONEY_SOURCE}
PROVIDERS: tuple[str, ...] = tuple(SOURCE_OF)
DEFAULT_MARKET = "default"
DEFAULT_CHAINS: dict[str, tuple[str, ...]] = {"CN": (AKSHARE, YAHOO), DEFAULT_MARKET: (YAHOO,)}
CONFIG_FILENAME = "config.toml"


def serves(name: str, ticker: str) -> bool:
    """Whether provider `name` can fetch `ticker` at all (akshare: A-shares only)."""
    if name == AKSHARE:
        from screener.data.akshare.codes import is_a_share

        return is_a_share(ticker)
    return True


def market_of_ticker(ticker: str) -> str:
    from screener.universe.tickers import market_of

    return market_of(ticker)


@dataclass(frozen=True)
class ProviderRoutes:
    """Market -> ordered provider names; `default` for markets without their own chain."""

    chains: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: dict(DEFAULT_CHAINS))

    def chain_for(self, ticker: str) -> tuple[str, ...]:
        """The providers to try for `ticker`, in order, keeping only those that serve it."""
        market = market_of_ticker(ticker)
        chain = self.chains.get(market) or self.chains.get(DEFAULT_MARKET) or (YAHOO,)
        return tuple(name for name in chain if serves(name, ticker))

    def sources_for(self, ticker: str) -> tuple[str, ...]:
        """The stored sources to read for `ticker`, preferred first."""
        return tuple(SOURCE_OF[name] for name in self.chain_for(ticker))

    def overridden(self, specs: Iterable[str]) -> ProviderRoutes:
        """These routes with `--provider` values applied (see `parse_spec`)."""
        chains = dict(self.chains)
        for spec in specs:
            market, names = parse_spec(spec)
            if market is None:
                chains = {m: names for m in {*chains, DEFAULT_MARKET}}
            else:
                chains[market] = names
        return replace(self, chains=chains)


def _names(values: Iterable[str], where: str) -> tuple[str, ...]:
    names = tuple(dict.fromkeys(v.strip().lower() for v in values if v.strip()))
    unknown = [n for n in names if n not in SOURCE_OF]
    if unknown or not names:
        raise InputError(
            f"{where}: unknown provider {', '.join(map(repr, unknown)) or '(none)'}; "
            f"choose from {', '.join(PROVIDERS)}"
        )
    return names


def parse_spec(spec: str) -> tuple[str | None, tuple[str, ...]]:
    """`akshare,yahoo` -> (None, chain for every market); `CN=akshare` -> ("CN", chain)."""
    market: str | None = None
    text = spec
    if "=" in spec:
        market, text = (part.strip() for part in spec.split("=", 1))
        market = market.upper() if market.lower() != DEFAULT_MARKET else DEFAULT_MARKET
        if not market:
            raise InputError(f"--provider {spec!r}: a market must come before '='")
    return market, _names(text.split(","), f"--provider {spec!r}")


def config_section(
    path: Path | None, section: str, shape: str
) -> tuple[Path, Mapping[str, Any]] | None:
    """The config file (default: the config folder's `config.toml`) and its `[section]`
    table ({} when it has none); None when there is no such file. A file that is no TOML,
    or a `section` that is no table (`shape` says what it should be), is one error line."""
    if path is None:
        from screener.universe import default_config_dir

        path = default_config_dir() / CONFIG_FILENAME
    if not path.is_file():
        return None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"{path}: not a readable TOML file ({exc})") from exc
    table = data.get(section, {})
    if not isinstance(table, Mapping):
        raise InputError(f"{path}: [{section}] must be {shape}")
    return path, table


def load_routes(path: Path | None = None) -> ProviderRoutes:
    """The default routes with the config file's `[providers]` table applied, if any."""
    found = config_section(path, "providers", "a table of market = [names]")
    if found is None:
        return ProviderRoutes()
    path, table = found
    chains = dict(DEFAULT_CHAINS)
    for market, names in table.items():
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise InputError(f"{path}: providers.{market} must be a list of provider names")
        key = DEFAULT_MARKET if market.lower() == DEFAULT_MARKET else market.upper()
        chains[key] = _names(names, f"{path}: providers.{market}")
    return ProviderRoutes(chains)


class ProviderChain:
    """A Provider that routes each ticker through its market's chain, falling back in order.

    `factories` builds each named provider on first use (so a Yahoo-only refresh never
    imports akshare); `unavailable` names providers known to be unreachable (skipped,
    and their reason kept for the error); `known` holds the (ticker, source) pairs the
    store already has a snapshot of: a provider that has none for a ticker is asked
    for every kind, so its first snapshot is whole rather than prices alone.
    """

    name = "chain"

    def __init__(
        self,
        routes: ProviderRoutes,
        factories: Mapping[str, Callable[[], Provider]],
        *,
        unavailable: Mapping[str, str] | None = None,
        known: Iterable[tuple[str, str]] = (),
    ) -> None:
        self.routes = routes
        self._factories = dict(factories)
        self.unavailable = dict(unavailable or {})
        self._known = set(known)
        self._providers: dict[str, Provider] = {}
        self._lock = threading.Lock()
        self._gate: RequestGate | None = None
        self.used: Counter[str] = Counter()  # source -> bundles it delivered

    # -- the providers, built on first use -------------------------------------------------
    def provider(self, name: str) -> Provider:
        with self._lock:
            built = self._providers.get(name)
            if built is None:
                built = self._providers[name] = self._factories[name]()
                built.gate = self._gate
            return built

    def can_serve(self, ticker: str) -> bool:
        """Whether some provider of the ticker's chain is not known to be unreachable."""
        return any(n not in self.unavailable for n in self.routes.chain_for(ticker))

    @property
    def gate(self) -> RequestGate | None:
        return self._gate

    @gate.setter
    def gate(self, gate: RequestGate | None) -> None:
        with self._lock:
            self._gate = gate
            for built in self._providers.values():
                built.gate = gate

    @property
    def requests_made(self) -> int:
        with self._lock:
            providers = list(self._providers.values())
        return sum(p.requests_made for p in providers)

    def thread_requests(self) -> int:
        with self._lock:
            providers = list(self._providers.values())
        return sum(p.thread_requests() for p in providers)

    def fx_rates(self) -> list[FxRate]:
        with self._lock:
            providers = list(self._providers.values())
        return [rate for p in providers for rate in p.fx_rates()]

    def fetch(self, tickers: Iterable[str]) -> Iterator[FetchBundle]:
        for ticker in tickers:
            try:
                yield self.fetch_one(ticker)
            except NotFoundError:
                continue

    def prefetch(self, todo: Mapping[str, Collection[DataKind]]) -> None:
        """Each ticker's batchable part, prefetched by the first provider its chain will ask
        (with the kinds `fetch_one` will ask it for); a fallback asks for itself."""
        groups: dict[str, dict[str, Collection[DataKind]]] = {}
        for ticker, kinds in todo.items():
            usable = [n for n in self.routes.chain_for(ticker) if n not in self.unavailable]
            name = usable[0] if usable else None
            if name is not None:
                known = (ticker, SOURCE_OF[name]) in self._known
                groups.setdefault(name, {})[ticker] = kinds if known else ALL_KINDS
        for name, part in groups.items():
            self.provider(name).prefetch(part)

    def sources_asked(self, ticker: str) -> tuple[str, ...]:
        """The sources this chain would ask for `ticker` (the reachable ones), in order."""
        return tuple(
            SOURCE_OF[n] for n in self.routes.chain_for(ticker) if n not in self.unavailable
        )

    def fetch_one(
        self,
        ticker: str,
        kinds: Iterable[DataKind] = ALL_KINDS,
        *,
        price_start: date | None = None,
    ) -> FetchBundle:
        """The first provider of the chain that delivers; the errors of all when none does.

        `price_start` goes to whichever provider answers; if that is not the source of the
        stored bars, the refresh sees it (the bundle's source) and asks again in full.
        """
        wanted = set(kinds)
        errors: list[tuple[str, FetchError]] = []
        for name in self.routes.chain_for(ticker):
            if name in self.unavailable:
                errors.append((name, TransientError(self.unavailable[name])))
                continue
            source = SOURCE_OF[name]
            ask = wanted if (ticker, source) in self._known else set(ALL_KINDS)
            try:
                bundle = self.provider(name).fetch_one(
                    ticker, kinds=ask, price_start=price_start
                )
            except FetchError as error:
                errors.append((name, error))
                continue
            with self._lock:
                self.used[bundle.source] += 1
            if errors:
                extra: dict[str, Any] = dict(bundle.extra)
                extra["fallback_from"] = {n: str(e) for n, e in errors}
                bundle = replace(bundle, extra=extra)
            return bundle
        if not errors:
            raise NotFoundError(f"{ticker}: no provider serves this market")
        message = "; ".join(f"{n}: {e}" for n, e in errors)
        asked = [e for n, e in errors if n not in self.unavailable]
        if not asked:
            raise TransientError(message)
        if all(isinstance(e, NotFoundError) for e in asked):
            not_found = NotFoundError(message)
            asked_names = [n for n, _ in errors if n not in self.unavailable]
            not_found.sources = tuple(SOURCE_OF[n] for n in asked_names)
            raise not_found
        if any(e.transient for e in asked):
            raise TransientError(message)
        raise type(asked[-1])(message)
