"""One screening run as data flows: rules -> data -> frame -> evaluation.

The CLI calls `run_screen` and renders what it returns; nothing here prints.
Rules are loaded and checked first, so a bad rule file fails before any data is
read. The source decision is explicit and reported back as a banner, so the
user always knows whether they are looking at live or sample figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from screener.data.provider import SAMPLE_SOURCE, YAHOO_SOURCE
from screener.data.sample import SampleProvider
from screener.data.store import Store
from screener.engine import Evaluation, Evaluator, RuleSet, evaluate, load_ruleset
from screener.engine.parser import parse_expression
from screener.errors import InputError
from screener.frame import build_frame, history_frame
from screener.resources import shipped_rules_dir
from screener.universe import Company, find_config_overrides, load_universe

SourceChoice = Literal["auto", "sample", "store"]


@dataclass
class ScreenResult:
    """Everything a renderer needs: the evaluated frame and what it was made from."""

    frame: pd.DataFrame  # one row per company, metrics + flags, score, reasons
    history: pd.DataFrame
    ruleset: RuleSet
    evaluation: Evaluation
    source: str  # "sample" or "yahoo"
    banner: str | None
    provenance: dict[str, dict[str, Any]] = field(default_factory=dict)
    closes: dict[str, list[float]] = field(default_factory=dict)  # last year's daily closes
    universe_counts: dict[str, int] = field(default_factory=dict)  # companies per sector
    universe_names: dict[str, str] = field(default_factory=dict)  # every universe ticker

    @property
    def as_of_range(self) -> tuple[str, str] | None:
        dates = self.frame["as_of"].dropna()
        if dates.empty:
            return None
        return str(dates.min()), str(dates.max())


def load_companies(universe_file: Path | None) -> list[Company]:
    """The universe: built-in list merged with `universe_file`, else the config-folder file."""
    return load_universe(universe_file or find_config_overrides())


def load_rules(paths: Sequence[Path] | None) -> RuleSet:
    """The rule set: the given files/folders, or the shipped packs.

    A path written `+PATH` adds to the shipped packs instead of replacing them.
    """
    if not paths:
        return load_ruleset([shipped_rules_dir()])
    extra = [str(p)[1:].strip() for p in paths if str(p).startswith("+")]
    if not all(extra):
        raise InputError("--rules +PATH: a rule file or folder must follow the '+'")
    added = [Path(text) for text in extra]
    given = [p for p in paths if not str(p).startswith("+")]
    if added:
        return load_ruleset([shipped_rules_dir(), *given, *added])
    return load_ruleset(list(given))


def load_sample_into(store: Store, companies: dict[str, Company]) -> None:
    """Put the bundled sample through the store, as any provider's data would go.

    Done once per version of the bundled files (a fingerprint in the store says which),
    so later sample runs only read, and work on a read-only store.
    """
    fingerprint = SampleProvider.fingerprint()
    if store.get_meta("sample_fingerprint") == fingerprint:
        return
    provider = SampleProvider()
    with store.transaction():
        store.save_fx_rates(provider.fx_rates())
        for bundle in provider.fetch():
            company = companies.get(bundle.ticker)
            store.save_bundle(bundle, company=company_row(company) if company else None)
        store.set_meta("sample_fingerprint", fingerprint)


def company_row(company: Company) -> dict[str, Any]:
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


def with_history_percentile(frame: pd.DataFrame, history: pd.DataFrame) -> pd.DataFrame:
    """Add `pe_hist_pct`, computed by the rule engine's own `hist_pct(pe_ttm)`."""
    node = parse_expression("hist_pct(pe_ttm)")
    values = Evaluator(frame, history).value(node)
    return frame.assign(pe_hist_pct=pd.Series(values, index=frame.index, dtype="float64"))


def run_screen(
    *,
    store: Store,
    source: SourceChoice = "auto",
    rule_paths: Sequence[Path] | None = None,
    universe_file: Path | None = None,
    today: date | None = None,
    offline_reason: str | None = None,
) -> ScreenResult:
    """Run the universe through the data and the rules; return the evaluated frame."""
    ruleset = load_rules(rule_paths)
    universe = {c.ticker: c for c in load_companies(universe_file)}
    today = today or date.today()

    banner: str | None = None
    if source in ("auto", "store") and store.has_snapshots(YAHOO_SOURCE):
        chosen_source = YAHOO_SOURCE
        if offline_reason:
            banner = (
                f"OFFLINE: Yahoo could not be reached ({offline_reason}); showing the data "
                "already in the store, as of the dates shown."
            )
    elif source == "store":
        chosen_source = YAHOO_SOURCE  # empty: the run shows an empty table and says why
        banner = "The store holds no live data yet: run `screener refresh` first."
    else:
        chosen_source = SAMPLE_SOURCE
        load_sample_into(store, universe)
        if source == "auto":
            why = (
                f"Yahoo could not be reached ({offline_reason}) and the store holds no live data"
                if offline_reason
                else "no live data in the store"
            )
            banner = (
                f"SAMPLE DATA: {why}, so this run uses the bundled sample snapshot (real "
                "figures read from public pages, dated per row; not current market data and "
                "not Yahoo's numbers)."
            )
        else:
            banner = (
                "SAMPLE DATA (--source sample): the bundled snapshot of real figures read from "
                "public pages, dated per row; not current market data."
            )

    snapshots = store.latest_snapshots(chosen_source)
    known = {
        row["ticker"]: {k: v for k, v in row.items() if v is not None} for row in store.companies()
    }
    companies = {t: {**known.get(t, {}), **company_row(c)} for t, c in universe.items()}
    for ticker, row in known.items():
        companies.setdefault(ticker, row)
    frame, provenance = build_frame(snapshots, companies, store.fx_rates(), today)
    frame["source"] = chosen_source
    # Only companies of the universe are screened (a stored ticker the user removed drops out).
    frame = frame[frame.index.isin(list(universe))]
    # Each company counts once in sector statistics: secondary listings and the adjacent
    # group are evaluated but left out of medians, ranks and peer groups.
    frame = frame.assign(in_stats=[universe[t].in_sector_stats for t in frame.index])
    history = history_frame(store.valuation_history(chosen_source), frame["as_of"].to_dict())
    frame = with_history_percentile(frame, history)
    evaluation = evaluate(ruleset, frame, history)
    frame = frame.assign(
        flags=evaluation.fired.reindex(frame.index),
        score=evaluation.score.reindex(frame.index).astype("float64"),
        reasons=evaluation.reasons.reindex(frame.index),
    )
    closes: dict[str, list[float]] = {}
    if chosen_source == YAHOO_SOURCE:
        since = (pd.Timestamp(today) - pd.Timedelta(days=365)).date().isoformat()
        closes = {t: c for t, c in store.recent_closes(since).items() if t in universe}
    counts: dict[str, int] = {}
    for company in universe.values():
        counts[company.sector] = counts.get(company.sector, 0) + 1
    return ScreenResult(
        universe_counts=counts,
        universe_names={t: c.name_en for t, c in universe.items()},
        closes=closes,
        frame=frame,
        history=history,
        ruleset=ruleset,
        evaluation=evaluation,
        source=chosen_source,
        banner=banner,
        provenance=provenance,
    )
