"""Years of daily bars without re-fetching them: where each price fetch starts, and when not.

A company's first price fetch asks for the full depth (`price_years`, 10 by default;
config.toml `[refresh] price_years`, `refresh --price-years`). Later fetches ask only
from `OVERLAP_DAYS` before the last stored bar, and the store upserts by date, so it
grows by the new days alone. The overlap is the check: adjusted closes change after a
dividend or a split (East Money's forward-adjusted closes, Yahoo's adjusted close), so
when an overlap bar that was already final disagrees with the new answer, or the answer
comes from another source than the stored bars, the company is fetched again in full
and its bars replaced. The newest stored bar may have been a live one (fetched before
the close), so it is overwritten without counting as a disagreement.

Price-history figures (returns, the 200-day average, the 52-week high) that the
provider computed from the few bars it fetched are computed again over the stored
series plus the new bars (`with_stored_bars`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

from screener.data.provider import (
    DEFAULT_PRICE_YEARS,
    DataKind,
    FetchBundle,
    PriceBar,
    years_before,
)
from screener.data.refresh.carry import PRICE_HISTORY_METRICS
from screener.data.store import Store
from screener.errors import InputError

#: calendar days asked again before the last stored bar: about a week of trading days,
#: more than the longest exchange holiday, so the answer always overlaps the store
OVERLAP_DAYS = 10
#: relative difference of two closes that counts as a changed adjustment (a dividend
#: of 0.01 % is below it; float noise of a re-serialised answer is far below)
TOLERANCE = 1e-5
#: calendar days of stored bars the price-history figures need (a year and a margin)
METRIC_DAYS = 400
#: how far short of the depth a past full fetch may stop and still count as full: a few
#: weeks of the oldest bars are not worth fetching ten years again
DEPTH_SLACK = timedelta(days=31)
#: the fetch-log detail of a full price fetch: "full from 2016-02-16" (how deep it asked)
FULL_FROM = "full from "
PARTIAL_FROM = "from "
MAX_PRICE_YEARS = 50


@dataclass(frozen=True)
class PricePlan:
    """How one company's prices are asked for: from `start`; `full` replaces the stored
    bars, otherwise `overlap` (stored bars from `start`) is what the answer is checked
    against, and `source` the source of the stored bars. `deepest` is where a full
    fetch starts."""

    start: date
    full: bool
    deepest: date
    overlap: tuple[PriceBar, ...] = ()
    source: str | None = None

    def in_full(self) -> PricePlan:
        """The plan of fetching this company again at the full depth."""
        return PricePlan(self.deepest, full=True, deepest=self.deepest)

    @property
    def detail(self) -> str:
        """What the fetch log says of a fetch made by this plan."""
        return f"{FULL_FROM if self.full else PARTIAL_FROM}{self.start.isoformat()}"


def depth_start(today: date, years: int) -> date:
    """The first day a full fetch asks for: the same day `years` earlier."""
    return years_before(today, years)


def plan_prices(
    store: Store, tickers: Iterable[str], today: date, years: int
) -> dict[str, PricePlan]:
    """Each ticker's price plan, from the store's last bars and its last full fetch.

    Full depth when the company has no stored bar, or its last full fetch did not reach
    as far back as `years` asks now, give or take `DEPTH_SLACK` (a store from before
    this setting, a depth raised).
    """
    wanted = list(tickers)
    if not wanted:
        return {}
    ends = store.price_ends(wanted)
    reached = store.latest_log_details(wanted, DataKind.PRICES, "ok", FULL_FROM)
    deepest = depth_start(today, years)
    plans: dict[str, PricePlan] = {}
    for ticker in wanted:
        end = ends.get(ticker)
        covered = _date(reached.get(ticker, "")[len(FULL_FROM) :])
        if end is None or covered is None or covered > deepest + DEPTH_SLACK:
            plans[ticker] = PricePlan(deepest, full=True, deepest=deepest)
            continue
        last, source = end
        start = date.fromisoformat(last[:10]) - timedelta(days=OVERLAP_DAYS)
        overlap = store.stored_bars(ticker, start.isoformat())
        plans[ticker] = PricePlan(start, False, deepest, overlap, source)
    return plans


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _differs(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return False  # nothing to compare (a source without adjusted closes)
    return not math.isclose(a, b, rel_tol=TOLERANCE, abs_tol=0.0)


def disagreement(plan: PricePlan, bundle: FetchBundle) -> str | None:
    """Why the stored bars must be replaced after this partial answer, or None.

    Another source than the stored bars', or a final overlap bar whose close or
    adjusted close changed (a dividend, a split, a correction).
    """
    if plan.full or not bundle.prices:
        return None
    if plan.source and bundle.source != plan.source:
        return f"the stored bars are from {plan.source}, this answer from {bundle.source}"
    new = {bar.date[:10]: bar for bar in bundle.prices}
    final = plan.overlap[:-1]  # the newest stored bar may have been a live one
    for old in final:
        bar = new.get(old.date[:10])
        if bar is None:
            continue
        if _differs(old.close, bar.close) or _differs(old.adj_close, bar.adj_close):
            return (
                f"the bar of {old.date[:10]} changed (close {old.close:g} -> {bar.close:g}, "
                f"adjusted {old.adj_close} -> {bar.adj_close}): adjusted again"
            )
    return None


def with_stored_bars(bundle: FetchBundle, stored: tuple[PriceBar, ...]) -> FetchBundle:
    """The bundle with its price-history figures computed over `stored` plus its new bars.

    Only the figures the provider derived from the bars it fetched are recomputed (those
    it would compute again from them); one the quote itself gave (Yahoo's 52-week high)
    stays. The bundle's bars stay the new ones: the store already has the rest.
    """
    from screener.data.yahoo.prices import with_price_metrics

    if not bundle.prices or not stored:
        return bundle
    base = {k: v for k, v in bundle.metrics.items() if k not in PRICE_HISTORY_METRICS}
    from_fetched = with_price_metrics(base, bundle.prices)
    derived = {
        name
        for name in PRICE_HISTORY_METRICS
        if name not in bundle.metrics or bundle.metrics[name] == from_fetched.get(name)
    }
    merged = {bar.date[:10]: bar for bar in stored}
    merged.update({bar.date[:10]: bar for bar in bundle.prices})
    series = tuple(merged[d] for d in sorted(merged))
    keep = {k: v for k, v in bundle.metrics.items() if k not in derived}
    recomputed = with_price_metrics(keep, series)
    metrics = {
        **keep,
        **{k: v for k, v in recomputed.items() if k in derived and k not in keep},
    }
    return replace(bundle, metrics=metrics)


def metric_window(bundle: FetchBundle) -> str:
    """The first date of stored bars the price-history figures of `bundle` need."""
    last = date.fromisoformat(bundle.prices[-1].date[:10])
    return (last - timedelta(days=METRIC_DAYS)).isoformat()


def load_price_years(path: Path | None = None) -> int:
    """`[refresh] price_years` from the config file, else `DEFAULT_PRICE_YEARS`."""
    from screener.data.chain import config_section

    found = config_section(path, "refresh", "a table (price_years = 10)")
    if found is None:
        return DEFAULT_PRICE_YEARS
    path, table = found
    if "price_years" not in table:
        return DEFAULT_PRICE_YEARS
    return check_price_years(table["price_years"], f"{path}: refresh.price_years")


def check_price_years(value: object, where: str) -> int:
    """A whole number of years from 1 to MAX_PRICE_YEARS, or one clear InputError."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_PRICE_YEARS:
        raise InputError(
            f"{where}: {value!r} is not a number of years from 1 to {MAX_PRICE_YEARS}"
        )
    return value
