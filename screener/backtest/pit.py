"""The screening frame as it could have been built on a past day, and nothing later.

On day D a name is in the frame when it has a close at most FRESH_DAYS old; its
price is that close, its returns, 200-day average and 52-week high come from closes
up to D, its multiples (and any other figure a source dates) from history points
published by D (`multiples`). Every other catalogue figure is unknown: nothing in
the store says what it was on D. The descriptive columns (names, sector, market)
are today's universe: the replay cannot know who was listed then and has since
gone (survivorship), and says so in its output.

The frame has the columns and dtypes of `frame.build_frame`, the derived metrics are
those of `derived.add_derived` (computed here a whole column at a time; a test holds
the two equal), and the engine is the same `evaluate`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from screener.backtest.calendar import Days, iso, iso_all
from screener.backtest.multiples import Known, MultipleTable
from screener.backtest.prices import PriceTable
from screener.data.provider import FxRate
from screener.derived import pick_fx
from screener.engine import Evaluation, RuleSet, evaluate, history_percentile
from screener.frame import DESCRIPTIVE_COLUMNS, NUMERIC_COLUMNS
from screener.universe import Company
from screener.universe.tickers import market_of


@dataclass(frozen=True, eq=False)
class PitState:
    """One rebalance day: the frame and own history known then (rows: names priced that day)."""

    day: int
    frame: pd.DataFrame
    history: pd.DataFrame
    rows: np.ndarray  # position of each frame row in the universe's tickers
    #: the period end each dated figure describes (ISO; None where unknown), by ticker
    vintages: pd.DataFrame

    @property
    def date(self) -> str:
        return iso(self.day)


def descriptive_frame(universe: Mapping[str, Company]) -> pd.DataFrame:
    """The universe's descriptive columns, indexed by ticker, as `build_frame` fills them."""
    records = []
    for ticker, company in universe.items():
        records.append(
            {
                "ticker": ticker,
                "name_en": company.name_en or ticker,
                "name_zh": company.name_zh or "",
                "sector": company.sector,
                "sub_segment": company.sub_segment,
                "market": company.market or market_of(ticker),
                "exchange": company.exchange,
                "currency": company.currency,
                "financial_currency": None,
                "as_of": None,
                "source": None,
                "source_url": None,
                "notes": None,
            }
        )
    columns = ["ticker", *DESCRIPTIVE_COLUMNS]
    return pd.DataFrame.from_records(records, columns=columns).set_index("ticker")


class PointInTime:
    """Builds the frame known on any past day from the store's prices and dated history."""

    def __init__(
        self,
        universe: Mapping[str, Company],
        prices: PriceTable,
        multiples: MultipleTable,
        fx: Sequence[FxRate] = (),
        source: str = "yahoo",
        *,
        history_metrics: frozenset[str] | None = None,
        hist_pct_column: bool = True,
    ) -> None:
        """`history_metrics`: the metrics whose own history the rules read (None: all);
        `hist_pct_column`: fill `pe_hist_pct` (only worth it when a rule reads it)."""
        self.universe = universe
        self.tickers = tuple(universe)
        assert prices.tickers == self.tickers and multiples.tickers == self.tickers
        self.prices = prices
        self.multiples = multiples
        self.fx = sorted(fx, key=lambda r: r.date)
        self.source = source
        self.history_metrics = history_metrics
        self.hist_pct_column = hist_pct_column
        self.describe = descriptive_frame(universe)
        self.in_stats = np.array([universe[t].in_sector_stats for t in self.tickers], dtype=bool)

    @property
    def known_metrics(self) -> frozenset[str]:
        """Catalogue figures the replay can know at some day (from closes or dated history)."""
        from screener.backtest.prices import RETURN_WINDOWS

        price_based = {"price", "price_vs_ma200", "off_52w_high", *(m for m, _ in RETURN_WINDOWS)}
        derived = {"data_age_days"}
        return frozenset(price_based | derived | set(self.multiples.metrics))

    def states(self, days: Days) -> Iterator[PitState]:
        """The state of every day, computed for all days at once, handed out one by one."""
        days = np.asarray(days, dtype=np.int64)
        price = self.prices.metrics_at(days)
        known = self.multiples.values_at(days, price["price"])
        for j, day in enumerate(days.tolist()):
            yield self._state(j, day, price, known)

    def state_at(self, day: int) -> PitState:
        return next(self.states(np.array([day], dtype=np.int64)))

    def _state(
        self,
        j: int,
        day: int,
        price: dict[str, np.ndarray],
        known: Known,
    ) -> PitState:
        rows = np.flatnonzero(np.isfinite(price["price"][j]))
        block = np.full((len(rows), len(NUMERIC_COLUMNS)), np.nan)
        for k, name in enumerate(NUMERIC_COLUMNS):
            source = price.get(name)
            if source is None or name == "price_day":
                source = known.values.get(name)
            if source is not None:
                block[:, k] = source[j, rows]
        index = pd.Index([self.tickers[i] for i in rows], name="ticker")
        numbers = pd.DataFrame(block, index=index, columns=list(NUMERIC_COLUMNS))
        frame = pd.concat([self.describe.iloc[rows], numbers], axis=1)
        frame["as_of"] = iso_all(price["price_day"][j, rows])
        frame["source"] = self.source
        known_fx = [r for r in self.fx if r.date <= iso(day)]
        add_derived_columns(frame, known_fx, day, price["price_day"][j, rows])
        frame["in_stats"] = self.in_stats[rows]
        history = self.multiples.history_at(day, known.source, j, self.history_metrics)
        if self.hist_pct_column:
            frame["pe_hist_pct"] = history_percentile(frame, history, "pe_ttm")
        vintages = pd.DataFrame(
            {
                metric: [None if d < 0 else iso(int(d)) for d in ends[j, rows].tolist()]
                for metric, ends in known.period_end.items()
            },
            index=index,
            dtype=object,
        )
        return PitState(day=day, frame=frame, history=history, rows=rows, vintages=vintages)


def add_derived_columns(
    frame: pd.DataFrame, fx: Sequence[FxRate], day: int, as_of_days: np.ndarray
) -> None:
    """`derived.add_derived`'s figures, a column at a time (in place, no provenance notes).

    implied_eps_growth = pe_ttm / pe_fwd - 1 where both are positive (a dated figure
    wins); market_cap_usd = market_cap / the listing currency's rate dated nearest the
    row's as-of (only rates known on the day are passed in); data_age_days.
    """
    pe_ttm = frame["pe_ttm"].to_numpy(dtype=np.float64)
    pe_fwd = frame["pe_fwd"].to_numpy(dtype=np.float64)
    with np.errstate(all="ignore"):
        implied = np.where((pe_ttm > 0) & (pe_fwd > 0), pe_ttm / pe_fwd - 1, np.nan)
    given = frame["implied_eps_growth"].to_numpy(dtype=np.float64)
    frame["implied_eps_growth"] = np.where(np.isnan(given), implied, given)
    cap = frame["market_cap"].to_numpy(dtype=np.float64)
    usd = frame["market_cap_usd"].to_numpy(dtype=np.float64).copy()
    todo = np.flatnonzero(np.isnan(usd) & ~np.isnan(cap))
    if len(todo):
        currency = frame["currency"].to_numpy(dtype=object)
        as_of = frame["as_of"].to_numpy(dtype=object)
        rates: dict[tuple[object, object], float | None] = {}
        for i in todo.tolist():
            key = (currency[i], as_of[i])
            if key not in rates:
                rate = pick_fx(fx, currency[i] or None, as_of[i] or None)
                rates[key] = rate.units_per_usd if rate is not None else None
            if rates[key]:
                usd[i] = cap[i] / rates[key]
    frame["market_cap_usd"] = usd
    frame["data_age_days"] = (day - np.asarray(as_of_days, dtype=np.int64)).astype(np.float64)


def evaluate_state(ruleset: RuleSet, state: PitState) -> Evaluation:
    """The rules over one day's frame: the same engine as a screening run."""
    return evaluate(ruleset, state.frame, state.history)
