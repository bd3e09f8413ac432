"""Synthetic markets for the replay's tests and benchmark: known prices, known multiples.

Every name has a fair P/E; its price is that P/E times its EPS, with noise. With a
planted re-rating, a name's EPS steps up at a quarter end (so its P/E drops to
`cheap` times the fair one once that quarter is published), and `rerate_days` after
the quarter end its price jumps back to the fair P/E: the return a replay should
find is 1 / cheap - 1, and the gap to the sector median should close fully.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from screener.data.provider import FetchBundle, HistoryPoint, PriceBar
from screener.data.store import Store
from screener.universe import Company
from screener.universe.taxonomy import CORE_SECTORS, sub_segments_of

SOURCE = "yahoo"
#: multiples stored per quarter as a fixed ratio of the trailing P/E
RATIOS: dict[str, float] = {
    "pe_fwd": 0.85,
    "ps_ttm": 0.2,
    "pb": 0.15,
    "ev_ebitda": 0.6,
    "ev_revenue": 0.18,
}
#: figures with no price in them, dated by quarter (for the look-ahead test): metric -> range
UNPRICED: dict[str, tuple[float, float]] = {
    "revenue_growth": (-0.1, 0.6),
    "earnings_growth": (-0.2, 0.8),
    "gross_margin": (0.2, 0.7),
    "net_margin": (-0.05, 0.4),
    "roe": (-0.05, 0.3),
    "debt_to_equity": (0.1, 2.5),
    "eps_revision_30d": (-0.05, 0.05),
    "peg": (0.3, 2.5),
}


@dataclass
class Market:
    """A universe with its bars (ticker, date, close, high) and history points."""

    universe: dict[str, Company]
    bars: list[tuple[str, str, float, float]]
    history: list[tuple[str, str, str, str, float]]
    episodes: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # (quarter, rerate)

    @property
    def last_date(self) -> str:
        return max(b[1] for b in self.bars)


def company(ticker: str, sector: str, market: str = "US") -> Company:
    return Company(
        ticker=ticker,
        name_en=f"Synthetic {ticker}",
        name_zh="",
        exchange="NYSE" if market == "US" else "SZSE",
        market=market,
        currency="USD" if market == "US" else "CNY",
        sector=sector,
        sub_segment=sub_segments_of(sector)[0].id,
        secondary_sector=None,
        rationale="synthetic",
        source="https://example.invalid",
    )


def market(
    names: int = 30,
    years: int = 6,
    *,
    seed: int = 1,
    sectors: Sequence[str] = CORE_SECTORS[:2],
    start: str = "2016-01-04",
    noise: float = 0.004,
    walk: bool = False,
    pe_spread: float = 0.0,
    plant: bool = True,
    cheap: float = 0.7,
    rerate_days: int = 120,
    every_quarters: int = 7,
    extra_metrics: bool = False,
    cn_every: int = 0,
    companies: Sequence[Company] = (),
) -> Market:
    """A synthetic market; `walk` makes the noise a random walk (else day-by-day noise).

    `extra_metrics` adds a dated market cap and figures without a price in them
    (growth, margins, leverage, revisions); `cn_every` makes every n-th name an A-share.
    """
    rng = np.random.default_rng(seed)
    days = pd.bdate_range(start, periods=years * 261)
    quarter_ends = pd.date_range(days[0], days[-1], freq="QE")
    universe: dict[str, Company] = {}
    bars: list[tuple[str, str, float, float]] = []
    history: list[tuple[str, str, str, str, float]] = []
    episodes: dict[str, list[tuple[str, str]]] = {}
    day_text = [d.date().isoformat() for d in days]
    for i in range(len(companies) or names):
        if companies:
            ticker = companies[i].ticker
            universe[ticker] = companies[i]
        else:
            ticker = f"S{i:03d}"
            cn = cn_every and i % cn_every == 0
            universe[ticker] = company(ticker, sectors[i % len(sectors)], "CN" if cn else "US")
        fair = 20.0 * float(np.exp(pe_spread * rng.standard_normal()))
        eps = np.ones(len(days))
        mine: list[tuple[str, str]] = []
        if plant:
            q = int(rng.integers(1, every_quarters + 1))
            while q < len(quarter_ends):
                qend = quarter_ends[q]
                rerate = qend + pd.Timedelta(days=rerate_days)
                eps[days >= days[days <= qend][-1]] /= cheap  # the quarter's own results
                mine.append((qend.date().isoformat(), rerate.date().isoformat()))
                q += every_quarters
        episodes[ticker] = mine
        shocks = rng.normal(0.0, noise, len(days))
        wiggle = np.exp(np.cumsum(shocks) if walk else shocks)
        # The price is set by the EPS in force before the step: it re-rates later.
        base_eps = np.ones(len(days))
        for _quarter, rerate in mine:
            base_eps[days >= pd.Timestamp(rerate)] /= cheap
        close = fair * base_eps * wiggle
        bars.extend(
            (ticker, day_text[k], float(close[k]), float(close[k] * 1.01))
            for k in range(len(days))
        )
        for qend in quarter_ends:
            k = int(np.searchsorted(days, qend, side="right")) - 1
            if k < 0:
                continue
            pe = float(close[k] / eps[k])
            date = qend.date().isoformat()
            history.append((ticker, SOURCE, "pe_ttm", date, pe))
            for metric, ratio in RATIOS.items():
                history.append((ticker, SOURCE, metric, date, pe * ratio))
            if extra_metrics:
                history.append((ticker, SOURCE, "market_cap", date, float(close[k] * 1e8)))
                for metric, (low, high) in UNPRICED.items():
                    history.append((ticker, SOURCE, metric, date, float(rng.uniform(low, high))))
    return Market(universe=universe, bars=bars, history=history, episodes=episodes)


def save(store: Store, data: Market, fetched_at: str = "2030-01-01T00:00:00+00:00") -> None:
    """Put a synthetic market through the store as a provider's bundles would go."""
    bars: dict[str, list[PriceBar]] = {}
    for ticker, date, close, high in data.bars:
        bars.setdefault(ticker, []).append(PriceBar(date, close, high, close, close, 1000.0))
    points: dict[str, list[HistoryPoint]] = {}
    for ticker, _source, metric, date, value in data.history:
        points.setdefault(ticker, []).append(HistoryPoint(metric, date, value))
    with store.transaction():
        for ticker, company_row in data.universe.items():
            own = bars.get(ticker, [])
            store.save_bundle(
                FetchBundle(
                    ticker=ticker,
                    source=SOURCE,
                    as_of=own[-1].date if own else "2030-01-01",
                    fetched_at=fetched_at,
                    currency=company_row.currency,
                    metrics={"price": own[-1].close} if own else {},
                    prices=tuple(own),
                    history=tuple(points.get(ticker, [])),
                )
            )


def shuffled(data: Market, seed: int = 3) -> Market:
    """The same market with its day-to-day price moves dealt out again at random.

    Every daily return of every name goes into one pool, is shuffled, and each name's
    closes are rebuilt from its first close with the moves it is dealt; the history
    points (the multiples the rules read) stay as they were. So the flags still fire
    as before, but what follows a flag is unrelated to it: a replay should find an
    information coefficient near 0.
    """
    rng = np.random.default_rng(seed)
    by_name: dict[str, list[tuple[str, float]]] = {}
    for ticker, date, close, _high in data.bars:
        by_name.setdefault(ticker, []).append((date, close))
    moves = np.concatenate(
        [np.diff(np.log([c for _, c in rows])) for rows in by_name.values()]
    )
    moves = rng.permutation(moves)
    bars: list[tuple[str, str, float, float]] = []
    used = 0
    for ticker, rows in by_name.items():
        steps = moves[used : used + len(rows) - 1]
        used += len(rows) - 1
        closes = rows[0][1] * np.exp(np.concatenate(([0.0], np.cumsum(steps))))
        bars.extend(
            (ticker, date, float(c), float(c * 1.01))
            for (date, _), c in zip(rows, closes, strict=True)
        )
    return Market(universe=data.universe, bars=bars, history=data.history, episodes={})
