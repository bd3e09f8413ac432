"""One screening run -> one `ScreenRun`, the object every view of a screen takes as it is.

Two steps, so the CLI can refresh in between without loading anything twice:

    inputs = load_inputs(rule_paths, universe_file)   # a bad rule file fails here, before any I/O
    ...refresh the store for inputs.tickers, learn why Yahoo could not be used, if it could not...
    run = run_screen(store, inputs, source="auto", selection=Selection(...), offline_reason=why)

The source and the banner are decided in one place (`decide_source`, pure), the company
table is built once from the universe, and the run carries the user's selection and the
as-of range of the rows it shows. Nothing here prints.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from screener import collector
from screener.data.chain import ProviderRoutes
from screener.data.provider import EASTMONEY_SOURCE, LIVE_SOURCES, SAMPLE_SOURCE, YAHOO_SOURCE
from screener.data.rows import column, gather
from screener.data.sample import SampleProvider
from screener.data.store import Store
from screener.engine import Evaluation, RuleSet, evaluate, history_percentile, load_ruleset
from screener.engine.age import FigureAges
from screener.engine.history import HistoryPoints, history_metrics
from screener.frame import (
    build_frame,
    history_frame,
    history_frame_by_metric,
    own_past,
    own_past_series,
)
from screener.resources import rule_sources
from screener.select import Selected, Selection, shown_rows
from screener.series import MetricSeries, concat, from_points
from screener.universe import Company, find_config_overrides, load_universe
from screener.vintages import figure_ages

SourceChoice = Literal["auto", "sample", "store"]

CLOSES_DAYS = 365  # the sparkline's year of daily closes
#: what the sample's banner says about age: its rows are old, only relative age counts
SAMPLE_AGE_NOTE = (
    "Its rows are months old by construction: a figure counts as stale only against its "
    "own row's date."
)


# -- the inputs: loaded once -------------------------------------------------------


def load_companies(universe_file: Path | None) -> list[Company]:
    """The universe: built-in list merged with `universe_file`, else the config-folder file."""
    return load_universe(universe_file or find_config_overrides())


def load_rules(paths: Sequence[Path] | None) -> RuleSet:
    """The rule set: the given files/folders, or the shipped packs.

    A path written `+PATH` adds to the shipped packs instead of replacing them
    (`resources.rule_sources`).
    """
    return load_ruleset(rule_sources(paths))


@dataclass(frozen=True)
class RunInputs:
    """What a run is made from besides the store: the checked rules and the universe."""

    ruleset: RuleSet
    universe: Mapping[str, Company]  # by ticker, in the universe's order

    @property
    def tickers(self) -> list[str]:
        return list(self.universe)


def load_inputs(rule_paths: Sequence[Path] | None, universe_file: Path | None) -> RunInputs:
    """Load and check the rules, then the universe; touches neither the store nor the network."""
    ruleset = load_rules(rule_paths or None)
    universe = {c.ticker: c for c in load_companies(universe_file)}
    return RunInputs(ruleset=ruleset, universe=universe)


# -- where the figures come from, and what the banner says about it ------------------


@dataclass(frozen=True)
class SourceDecision:
    """The source a run reads (YAHOO_SOURCE or SAMPLE_SOURCE) and the banner that says why."""

    source: str
    banner: str | None


def decide_source(
    requested: SourceChoice,
    has_live_data: bool,
    offline_reason: str | None,
    live_sources: Sequence[str] = (),
) -> SourceDecision:
    """Pick the source and write its banner, from what was asked and what the store holds.

    `offline_reason` says why Yahoo could not be used for a refresh (None: it was, or
    nobody tried); `live_sources` are the other sources that did refresh meanwhile
    (East Money for A-shares). Pure, so every combination is tested in one table.
    A live run's `source` is YAHOO_SOURCE here; `run_screen` names the sources it read.
    """
    if requested != "sample" and has_live_data:
        if not offline_reason:
            return SourceDecision(YAHOO_SOURCE, None)
        if EASTMONEY_SOURCE in live_sources:
            return SourceDecision(
                YAHOO_SOURCE,
                f"OFFLINE: Yahoo could not be reached ({offline_reason}); A-shares are live "
                "from East Money (eastmoney via akshare), the other companies are shown from "
                "the store (or missing), as of the dates shown.",
            )
        return SourceDecision(
            YAHOO_SOURCE,
            f"OFFLINE: Yahoo could not be reached ({offline_reason}); showing the data "
            "already in the store, as of the dates shown.",
        )
    if requested == "store":  # empty: the run shows an empty table and says why
        return SourceDecision(
            YAHOO_SOURCE, "The store holds no live data yet: run `screener refresh` first."
        )
    if requested == "sample":
        return SourceDecision(
            SAMPLE_SOURCE,
            "SAMPLE DATA (--source sample): the bundled snapshot of real figures read from "
            f"public pages, dated per row; not current market data. {SAMPLE_AGE_NOTE}",
        )
    why = (
        f"Yahoo could not be reached ({offline_reason}) and the store holds no live data"
        if offline_reason
        else "no live data in the store"
    )
    return SourceDecision(
        SAMPLE_SOURCE,
        f"SAMPLE DATA: {why}, so this run uses the bundled sample snapshot (real "
        "figures read from public pages, dated per row; not current market data and "
        f"not Yahoo's numbers). {SAMPLE_AGE_NOTE}",
    )


def load_sample_into(store: Store) -> None:
    """Put the bundled sample through the store, as any provider's data would go.

    Done once per version of the bundled files (a fingerprint in the store says which),
    so later sample runs only read, and work on a read-only store. Only the figures go
    in: company descriptions come from the universe at run time.
    """
    fingerprint = SampleProvider.fingerprint()
    if store.get_meta("sample_fingerprint") == fingerprint:
        return
    provider = SampleProvider()
    with store.transaction():
        store.save_fx_rates(provider.fx_rates())
        for bundle in provider.fetch():
            store.save_bundle(bundle)
        store.set_meta("sample_fingerprint", fingerprint)


def sample_reader(store: Store) -> Store:
    """The store to read the sample from: `store`, loaded with it unless it already is;
    a store that may not be written (a reading command, a read-only file) and lacks the
    current sample gets a store in memory holding it, so nothing is written."""
    if store.read_only and store.get_meta("sample_fingerprint") != SampleProvider.fingerprint():
        store = Store(":memory:")
    load_sample_into(store)
    return store


# -- the run ------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ScreenRun:
    """One evaluated screening run: what `screen`, `explain`, `plot` and `watchlist save` show.

    `frame` holds every universe company with data (metrics, flags, score, reasons);
    `rows` is the part the selection keeps, in its order; `as_of_range` is that of `rows`.
    `ages` is each figure's vintage beside the frame (same rows, one column per metric):
    the rules read figures too old for their row as unknown, the views show the dates.
    """

    frame: pd.DataFrame
    points: HistoryPoints  # the own history the rules read, grouped once for every view
    ruleset: RuleSet
    evaluation: Evaluation
    universe: Mapping[str, Company]
    source: str  # the source read: SAMPLE_SOURCE, or the live sources used joined by "+"
    banner: str | None
    requested_source: SourceChoice = "auto"
    selection: Selection = field(default_factory=Selection)
    provenance: dict[str, dict[str, Any]] = field(default_factory=dict)
    closes: dict[str, list[float]] = field(default_factory=dict)  # last year's daily closes
    ages: FigureAges | None = None

    @cached_property
    def selected(self) -> Selected:
        """The selection over the frame: its rows, and what `--where` could not decide.

        `--where` reads figures as the rules do (the history; stale ones as unknown).
        """
        return self.selection.apply_counted(self.frame, self.points, self.stale_cells)

    @cached_property
    def stale_cells(self) -> pd.DataFrame | None:
        """Bool per (company, figure): older than the rule set's age limits allow (None
        without ages); made once for the selection and every view that marks them."""
        return self.ages.stale(self.ruleset.age_limits) if self.ages is not None else None

    @property
    def history(self) -> pd.DataFrame:
        """The own history as the long frame (ticker, metric, date, value), for the views
        that list it (explain's windows); a screen's compact series are made into it
        only when asked."""
        frame = self.points.frame
        return frame if frame is not None else history_frame([])

    @cached_property
    def rows(self) -> pd.DataFrame:
        """The selected rows, in the selection's order."""
        return self.selected.rows

    @property
    def as_of_range(self) -> tuple[str, str] | None:
        """Oldest and newest as-of date of the rows shown; None when none has a date."""
        dates = self.rows["as_of"].dropna()
        if dates.empty:
            return None
        return str(dates.min()), str(dates.max())

    @cached_property
    def universe_counts(self) -> dict[str, int]:
        """Companies per sector in the universe (with data or not)."""
        counts: dict[str, int] = {}
        for company in self.universe.values():
            counts[company.sector] = counts.get(company.sector, 0) + 1
        return counts

    @property
    def universe_names(self) -> dict[str, str]:
        """Every universe ticker -> its English name."""
        return {t: c.name_en for t, c in self.universe.items()}


def preferred_snapshots(
    store: Store, routes: ProviderRoutes
) -> tuple[Sequence[Mapping[str, Any]], dict[str, str]]:
    """Per company the newest snapshot of its preferred live source: (rows, ticker -> source).

    Preference follows the market's provider chain; a source outside the chain is used
    only when none of the chain's has a snapshot (data fetched under other settings).
    """
    held: dict[str, Sequence[Mapping[str, Any]]] = {}
    for src in LIVE_SOURCES:
        found = store.latest_snapshots(src)
        if found:
            held[src] = found
    position = {  # source -> ticker -> its row (the last one, should a ticker repeat)
        src: {str(t): i for i, t in enumerate(column(rows, "ticker"))} for src, rows in held.items()
    }
    if len(held) == 1:  # one source (the usual): its rows as they are, if no ticker repeats
        ((src, rows),) = held.items()
        if len(position[src]) == len(rows):
            return rows, dict.fromkeys(position[src], src)
    tickers = dict.fromkeys(t for found in position.values() for t in found)
    picks: list[tuple[Sequence[Mapping[str, Any]], int]] = []
    chosen: dict[str, str] = {}
    for ticker in tickers:
        sources = [src for src, found in position.items() if ticker in found]
        if len(sources) > 1:  # only then does the chain decide (routes cost per ticker)
            order = dict.fromkeys([*routes.sources_for(ticker), *LIVE_SOURCES])
            sources = [src for src in order if src in sources]
        picks.append((held[sources[0]], position[sources[0]][ticker]))
        chosen[ticker] = sources[0]
    rows = gather(picks)
    return rows, chosen


@dataclass(frozen=True)
class RunNeeds:
    """What the views of a run read beyond the frame; the default is everything.

    Each view says what it shows: the history its rules and the `P/E pct` column read
    (`all_history=False`), plus every stored metric's history of a few companies
    (`history_for`: the ones `explain` lists the windows of), the sparkline's closes only
    when that column is shown (`closes`), and then only for the rows the table shows
    (`closes_per_sector`: the first N selected rows of each sector, or of the one
    ranking; None: all). A whole-market store stays quick for a view of one company.
    """

    all_history: bool = True
    closes: bool = True
    closes_per_sector: int | None = None
    history_for: tuple[str, ...] = ()


def needed_history(ruleset: RuleSet, selection: Selection | None = None) -> frozenset[str]:
    """The metrics whose history a run reads: those its rules' conditions and `why`
    templates (and its `--where`) pass to hist_pct / hist_median, and pe_ttm for the
    `P/E pct` column."""
    condition = selection.condition if selection is not None else None
    nodes = [rule.when for rule in ruleset.rules] + ([condition.node] if condition else [])
    nodes += [
        part.node for rule in ruleset.rules if rule.template for part in rule.template.placeholders
    ]
    return history_metrics(nodes) | {"pe_ttm"}


def load_history(
    store: Store, chosen: Mapping[str, str], metrics: frozenset[str] | None
) -> pd.DataFrame:
    """Each company's history points from its chosen source (only `metrics` when given),
    as the long frame `history_frame` makes (before the as-of cut)."""
    parts: list[pd.DataFrame] = []
    for src in dict.fromkeys(chosen.values()):
        part = (
            history_frame(store.history_rows(src))
            if metrics is None
            else history_frame_by_metric(store.history_by_metric(src, metrics))
        )
        mine = [t for t, s in chosen.items() if s == src]
        parts.append(part[part["ticker"].isin(mine).to_numpy()])
    if len(parts) == 1:
        return parts[0].reset_index(drop=True)
    return pd.concat(parts, ignore_index=True) if parts else history_frame([])


def load_points(
    store: Store,
    chosen: Mapping[str, str],
    metrics: frozenset[str] | None,
    as_of: Mapping[str, Any],
    every_metric_of: Sequence[str] = (),
) -> HistoryPoints:
    """The run's own history, cut at each company's as-of date (`own_past`), grouped once.

    With `metrics` (a screen, explain), the store's packed series of those metrics, a row
    per company and metric, plus every other metric's points of the `every_metric_of`
    companies only; every metric of every company (None), or an older store opened
    read-only, reads the point rows.
    """
    if metrics is not None:
        series = _load_series(store, chosen, metrics)
        if series is not None:
            for metric, part in _every_metric(store, chosen, every_metric_of).items():
                if metric not in metrics:
                    series[metric] = part
            return HistoryPoints(
                series={m: own_past_series(s, as_of) for m, s in series.items()}
            )
        if every_metric_of:
            metrics = None
    return HistoryPoints(own_past(load_history(store, chosen, metrics), as_of))


def _every_metric(
    store: Store, chosen: Mapping[str, str], tickers: Sequence[str]
) -> dict[str, MetricSeries]:
    """metric -> the series of a few companies (each from its chosen source), every metric."""
    parts: dict[str, list[MetricSeries]] = {}
    wanted = [t for t in dict.fromkeys(tickers) if t in chosen]
    for src in dict.fromkeys(chosen[t] for t in wanted):
        mine = [t for t in wanted if chosen[t] == src]
        for metric, points in store.history_of(src, mine).items():
            parts.setdefault(metric, []).append(from_points(points))
    return {metric: concat(found) for metric, found in parts.items()}


def _load_series(
    store: Store, chosen: Mapping[str, str], metrics: frozenset[str]
) -> dict[str, MetricSeries] | None:
    """metric -> the series of each company from its chosen source; None when the store
    keeps no packed series."""
    parts: dict[str, list[MetricSeries]] = {m: [] for m in sorted(metrics)}
    for src in dict.fromkeys(chosen.values()):
        got = store.history_series(src, metrics)
        if got is None:
            return None
        mine = [t for t, s in chosen.items() if s == src]
        for metric, series in got.items():
            parts[metric].append(series.only(mine))
    return {metric: concat(found) for metric, found in parts.items()}


@dataclass(frozen=True)
class RefreshNote:
    """What the refresh before a screen tells the run: why Yahoo was not used, and which
    other sources refreshed live meanwhile (East Money for A-shares)."""

    offline_reason: str | None = None
    live_sources: tuple[str, ...] = ()


def describe(company: Company) -> dict[str, Any]:
    """The universe's description of a company, as the frame's descriptive columns take it."""
    return {
        "ticker": company.ticker,
        "name_en": company.name_en,
        "name_zh": company.name_zh,
        "exchange": company.exchange,
        "market": company.market,
        "currency": company.currency,
        "sector": company.sector,
        "sub_segment": company.sub_segment,
    }


def run_screen(
    store: Store,
    inputs: RunInputs,
    *,
    source: SourceChoice = "auto",
    selection: Selection | None = None,
    offline_reason: str | None = None,
    today: date | None = None,
    routes: ProviderRoutes | None = None,
    live_sources: Sequence[str] = (),
    needs: RunNeeds | None = None,
) -> ScreenRun:
    """Run the universe through the stored data and the rules; nothing is loaded twice.

    A live run takes, per company, the newest snapshot of the first source of its
    market's chain (`routes`) that has one, and that source's own history with it:
    one company never mixes two sources' figures. `needs` says what the views will
    read (default: everything), so a screen of thousands loads only that.
    """
    with collector.paused():
        return _run_screen(
            store,
            inputs,
            source=source,
            selection=selection,
            offline_reason=offline_reason,
            today=today,
            routes=routes,
            live_sources=live_sources,
            needs=needs,
        )


def _run_screen(
    store: Store,
    inputs: RunInputs,
    *,
    source: SourceChoice,
    selection: Selection | None,
    offline_reason: str | None,
    today: date | None,
    routes: ProviderRoutes | None,
    live_sources: Sequence[str],
    needs: RunNeeds | None,
) -> ScreenRun:
    today = today or date.today()
    needs = needs or RunNeeds()
    selection = selection or Selection()
    universe = inputs.universe
    has_live = source != "sample" and any(store.has_snapshots(s) for s in LIVE_SOURCES)
    decision = decide_source(source, has_live, offline_reason, live_sources)
    if decision.source == SAMPLE_SOURCE:
        store = sample_reader(store)
        snapshots = store.latest_snapshots(SAMPLE_SOURCE)
        chosen = {str(t): SAMPLE_SOURCE for t in column(snapshots, "ticker")}
    else:
        snapshots, chosen = preferred_snapshots(store, routes or ProviderRoutes())
    companies = {ticker: describe(company) for ticker, company in universe.items()}
    frame, provenance = build_frame(snapshots, companies, store.fx_rates(), today)
    tickers = [str(t) for t in frame.index.tolist()]  # an Index of text iterates slowly
    frame["source"] = [chosen.get(t, decision.source) for t in tickers]
    # Only companies of the universe are screened (a stored ticker the user removed drops out).
    screened = [t in universe for t in tickers]
    if not all(screened):
        frame = frame[screened]
        tickers = [t for t, keep in zip(tickers, screened, strict=True) if keep]
    # Each company counts once in sector statistics: secondary listings and the adjacent
    # group are evaluated but left out of medians, ranks and peer groups.
    frame["in_stats"] = [universe[t].in_sector_stats for t in tickers]
    metrics = None if needs.all_history else needed_history(inputs.ruleset, selection)
    as_of = dict(zip(tickers, frame["as_of"].tolist(), strict=True))
    points = load_points(store, chosen, metrics, as_of, needs.history_for)
    # The frame is this run's own: its columns are set in place, not copied whole each time.
    frame["pe_hist_pct"] = history_percentile(frame, points, "pe_ttm")
    ages = figure_ages(snapshots, frame)
    evaluation = evaluate(inputs.ruleset, frame, points, ages)
    frame["flags"] = evaluation.fired.reindex(frame.index)
    frame["score"] = evaluation.score.reindex(frame.index).astype("float64")
    frame["reasons"] = evaluation.reasons.reindex(frame.index)
    present = set(frame["source"].tolist())
    used = [s for s in LIVE_SOURCES if s in present]
    run_source = decision.source if decision.source == SAMPLE_SOURCE or not used else "+".join(used)
    run = ScreenRun(
        frame=frame,
        points=points,
        ruleset=inputs.ruleset,
        evaluation=evaluation,
        universe=universe,
        source=run_source,
        banner=decision.banner,
        requested_source=source,
        selection=selection,
        provenance=provenance,
        ages=ages,
    )
    if decision.source == SAMPLE_SOURCE or not needs.closes:
        return run
    since = (pd.Timestamp(today) - pd.Timedelta(days=CLOSES_DAYS)).date().isoformat()
    tickers = None
    if needs.closes_per_sector is not None:  # the rows the table will show, as it picks them
        shown = shown_rows(run.rows, needs.closes_per_sector, selection.group)
        tickers = [str(t) for t in shown.index]
    closes = {t: c for t, c in store.recent_closes(since, tickers).items() if t in universe}
    return replace(run, closes=closes)
