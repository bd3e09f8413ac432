"""The store -> what a replay reads, in one pass: the only module of the package with I/O.

Live sources are replayed together (their history points merged by preference,
`multiples.SOURCE_PREFERENCE`); the bundled sample only on its own (`--source sample`).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from screener.backtest.calendar import day_numbers
from screener.backtest.multiples import MultipleTable
from screener.backtest.prices import PriceTable
from screener.backtest.replay import ReplayInputs
from screener.data.provider import SAMPLE_SOURCE, YAHOO_SOURCE
from screener.data.store import Store
from screener.errors import InputError
from screener.universe import Company


def load_replay(
    store: Store,
    universe: Mapping[str, Company],
    *,
    source: str = "auto",
    benchmark: str = "sector",
) -> ReplayInputs:
    """Read the closes, dated history and FX rates the replay needs for `universe`.

    `source`: auto (live data if the store has any, else the sample), store (live data
    only) or sample (the bundled snapshot, loaded into the store first).
    """
    from screener.run import decide_source, load_sample_into

    live = store.has_snapshots(YAHOO_SOURCE) or bool(store.stored_sources() - {SAMPLE_SOURCE})
    decision = decide_source(source, source != "sample" and live, None)  # type: ignore[arg-type]
    if decision.source == SAMPLE_SOURCE:
        load_sample_into(store)
        wanted = {SAMPLE_SOURCE}
    else:
        wanted = store.stored_sources() - {SAMPLE_SOURCE}
    tickers = tuple(universe)
    prices = _price_table(store, tickers, wanted)
    history = store.history_points(wanted)
    multiples = MultipleTable.build(tickers, history, prices)
    bench = None
    if benchmark != "sector":
        bench = _price_table(store, (benchmark,), wanted)
        if not bench.bar_counts()[0]:
            raise InputError(
                f"--benchmark {benchmark}: the store holds no closes for it "
                "(refresh it first, or use --benchmark sector)"
            )
    label = decision.source if decision.source == SAMPLE_SOURCE else YAHOO_SOURCE
    return ReplayInputs(
        universe=universe,
        prices=prices,
        multiples=multiples,
        fx=tuple(store.fx_rates()),
        source=label,
        benchmark_prices=bench,
    )


def live_prices(store: Store, tickers: tuple[str, ...]) -> PriceTable:
    """The closes of `tickers` from every live source (what `watchlist perf` prices with)."""
    return _price_table(store, tickers, store.stored_sources() - {SAMPLE_SOURCE})


def _price_table(store: Store, tickers: tuple[str, ...], sources: set[str]) -> PriceTable:
    rows = store.price_bars(sources)
    if not rows:
        return PriceTable.build(tickers, [], np.empty(0, np.int64), np.empty(0))
    table = np.array(rows, dtype=object)  # one conversion for every column
    return PriceTable.build(
        tickers,
        table[:, 0],
        day_numbers(table[:, 1]),
        table[:, 2].astype(np.float64),
        table[:, 3].astype(np.float64),  # None -> NaN
        table[:, 4].astype(np.float64),
    )
