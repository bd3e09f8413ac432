"""Which currency each of Yahoo's price-relative figures is really in, proven from the answer.

A listing may trade in one currency (`currency`: price, market cap) and report in another
(`financialCurrency`: statements, revenue, EBITDA, debt, cash, net income). Yahoo then mixes
the two in some of its derived figures, and not the same way for every company: AIA (1299.HK)
has its book value per share already in HKD while BABA's is in CNY; Yahoo's enterprise value
for 1299.HK adds an HKD market cap to USD net debt; `defaultKeyStatistics.forwardPE` divides
the listing-currency price by statement-currency EPS. No fixed rule per field is right, so
each figure is checked against the other numbers of the same answer, and each plausible
currency reading is tried:

* P/B: book value x shares against the equity the statements imply (total debt over
  debt/equity, net income over ROE), in the statement currency or converted; then Yahoo's
  P/B against price / book value in that currency.
* P/S: market cap (checked against price x shares) over revenue, converted or not.
* Forward P/E: forward EPS against the next-year estimate (and trailing EPS against net
  income per share), converted or not; then Yahoo's figure against price / forward EPS.
* EV: Yahoo's figure against market cap + total debt - total cash in the listing currency,
  the statement currency, and the raw mixed sum. When it is none of them (Yahoo's EV for
  ADRs counts ordinary shares at the ADS price) but the market cap is proven and debt and
  cash are in the answer, the EV is rebuilt from those pieces; EV/EBITDA and EV/revenue
  follow the EV.

A reading counts only when it fits within a tolerance that is also small next to the FX
rate (at most 40 % of its log), so two readings a rate apart can never both fit. A figure
whose reading is found is kept, converted or rebuilt, in the listing currency; one with no
reading is dropped, and every outcome carries a one-line reason for provenance. Pure: no
yfinance, no network, no pandas. Figures of single-currency answers pass through unchanged.

In the Yahoo provider, after `metrics_from_info` (and in place of `align_currencies`):

    eps, eps_ccy = next_year_eps_from_trend(eps_trend)
    fx = fx_from_units_per_usd(lambda c: (r := self.fx_rate(c)) and r.units_per_usd)
    proofs = prove(info, fx, next_year_eps=eps, next_year_eps_currency=eps_ccy)
    metrics = apply_proofs(metrics, proofs)  # reasons: {n: p.reason for n, p in proofs.items()}

(`screener.data.yahoo.currency.prove_currencies` does exactly that.)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

from screener.utils import finite_float

FxLookup = Callable[[str, str], float | None]
"""`fx(from_ccy, to_ccy)`: units of `to_ccy` per one unit of `from_ccy`, or None if unknown."""

#: catalogue name -> Yahoo `info` key of the figures this module proves
YAHOO_KEYS: dict[str, str] = {
    "pb": "priceToBook",
    "ps_ttm": "priceToSalesTrailing12Months",
    "pe_fwd": "forwardPE",
    "enterprise_value": "enterpriseValue",
    "ev_ebitda": "enterpriseToEbitda",
    "ev_revenue": "enterpriseToRevenue",
}
PROVEN_FIGURES: tuple[str, ...] = tuple(YAHOO_KEYS)

LABELS: dict[str, str] = {
    "pb": "P/B",
    "ps_ttm": "P/S",
    "pe_fwd": "forward P/E",
    "enterprise_value": "EV",
    "ev_ebitda": "EV/EBITDA",
    "ev_revenue": "EV/revenue",
}

# Tolerances (natural-log distances unless said otherwise). Each is capped further at
# _SEPARATION x |ln rate| so that two readings one FX rate apart cannot both fit.
_SEPARATION = 0.4
_TOL_BOOK_EQUITY = 0.30  # book x shares vs implied equity: ROE uses average equity, minorities
_TOL_MARKET_CAP = 0.25  # market cap vs price x shares: share classes, float vs issued
_TOL_FIGURE = 0.15  # Yahoo's ratio vs its readings: FX vintage, v7/quoteSummary timing
_TOL_EPS_ESTIMATE = 0.15  # forward EPS vs the next-year consensus estimate
_TOL_EPS_GROWTH = math.log(3.0)  # forward vs trailing EPS: beyond this, no evidence
_TOL_EV = 0.03  # relative to the market cap: EV = market cap + debt - cash is exact at Yahoo
_TOL_EV_RATIO = 0.03  # Yahoo's EV/EBITDA vs the one recomputed from the proven EV
_PAR = 0.005  # |ln rate| below this: the two currencies are one for our purposes


#: what the proof did with Yahoo's figure: "same" (one currency, nothing to prove),
#: "unchecked" (a currency missing from the answer: passed through), "kept" (proven
#: consistent), "converted" (proven in another currency, converted at the rate),
#: "rebuilt" (rebuilt from proven pieces), "recomputed" (an EV ratio from the proven
#: EV), "dropped" (not provable)
Action = Literal["same", "unchecked", "kept", "converted", "rebuilt", "recomputed", "dropped"]
#: actions after which the figure is no longer Yahoo's own number
CHANGED: frozenset[str] = frozenset({"converted", "rebuilt", "recomputed", "dropped"})


@dataclass(frozen=True, slots=True)
class Proven:
    """One figure after the proof: its value (None when dropped), currency and why.

    `currency` is the currency the value is in: the listing currency for money figures
    (EV) and the currency both sides of a ratio are in for multiples. `reason` is one line
    for provenance, e.g. "P/B: Yahoo's figure consistent in HKD". `yahoo` is Yahoo's own
    figure. `factor` is set when Yahoo's figure and the proven one differ by a currency
    alone: the rate factor that turns anything on Yahoo's basis (its history, say) into
    the proven basis (1 / rate for a listing price over a statement-currency book value).
    Rebuilt EVs and recomputed EV ratios have none: no single factor converts them.
    """

    value: float | None
    currency: str | None
    reason: str
    action: Action = "kept"
    yahoo: float | None = None
    factor: float | None = None

    @property
    def dropped(self) -> bool:
        """True when the figure could not be proven and must not be shown or ranked."""
        return self.value is None


def prove(
    info: Mapping[str, Any],
    fx: FxLookup,
    *,
    next_year_eps: float | None = None,
    next_year_eps_currency: str | None = None,
) -> dict[str, Proven]:
    """The proven figures of one company, from yfinance's flat `Ticker.info` dict.

    Returns one `Proven` for each of `PROVEN_FIGURES` that Yahoo's answer carries (keys
    are catalogue names). `fx(from, to)` gives units of `to` per unit of `from`;
    `next_year_eps` is the "+1y" consensus EPS (yfinance's `eps_trend.loc["+1y",
    "current"]`, see `next_year_eps_from_trend`), in `next_year_eps_currency` (the frame's
    `currency` column; None means the statement currency): the best evidence for the
    currency of forward EPS.
    """
    present = {
        name: value
        for name, key in YAHOO_KEYS.items()
        if (value := finite_float(info.get(key))) is not None
    }
    if not present:
        return {}
    listing = _text(info.get("currency"))
    statement = _text(info.get("financialCurrency"))
    if listing is None:
        why = "currency of the listing not in the answer: Yahoo's figure"
        return _all(present, None, why, "unchecked")
    if statement is None or statement == listing:
        if statement:
            return _all(present, listing, f"single currency ({listing}): Yahoo's figure", "same")
        why = f"no statement currency in the answer, taken as {listing}: Yahoo's figure"
        return _all(present, listing, why, "unchecked")
    rate = finite_float(fx(statement, listing))
    if rate is None or rate <= 0:
        return {
            name: _drop(LABELS[name], f"no {statement}/{listing} rate", value)
            for name, value in present.items()
        }
    pair = _Pair(listing, statement, rate)
    if abs(math.log(rate)) < _PAR:
        return _all(present, listing, f"{pair.quote} at par: Yahoo's figure", "kept")

    estimate = finite_float(next_year_eps)
    if estimate is not None and next_year_eps_currency not in (None, statement):
        # an estimate in the listing currency is one in the statement currency divided by
        # the rate; one in a third currency is no evidence here
        estimate = estimate / rate if next_year_eps_currency == listing else None
    facts = _Facts.from_info(info, estimate)
    out: dict[str, Proven] = {}
    if "pb" in present:
        out["pb"] = _prove_pb(present["pb"], facts, pair)
    market_cap_why = _market_cap_problem(facts, pair)
    if "ps_ttm" in present:
        out["ps_ttm"] = _prove_ps(present["ps_ttm"], facts, pair, market_cap_why)
    if "pe_fwd" in present:
        out["pe_fwd"] = _prove_pe_fwd(present["pe_fwd"], facts, pair)
    ev = None
    if "enterprise_value" in present:
        ev = _prove_ev(present["enterprise_value"], facts, pair, market_cap_why)
        out["enterprise_value"] = ev
    for name, denominator, label in (
        ("ev_ebitda", facts.ebitda, "EBITDA"),
        ("ev_revenue", facts.revenue, "revenue"),
    ):
        if name in present:
            out[name] = _prove_ev_ratio(name, present[name], ev, denominator, label, pair)
    return {name: _with_yahoo(proof, present[name]) for name, proof in out.items()}


def apply_proofs(metrics: Mapping[str, float], proofs: Mapping[str, Proven]) -> dict[str, float]:
    """`metrics` with each proven figure set to its proven value and each dropped one removed."""
    out = dict(metrics)
    for name, proof in proofs.items():
        if proof.value is None:
            out.pop(name, None)
        else:
            out[name] = proof.value
    return out


def fx_from_units_per_usd(units: Mapping[str, float] | Callable[[str], float | None]) -> FxLookup:
    """An `FxLookup` from units of each currency per USD (a mapping or a lookup function).

    Minor units (GBp) are the lookup's business: give their units per USD (x100).
    """

    def per_usd(currency: str) -> float | None:
        if currency == "USD":
            return 1.0
        value = units.get(currency) if isinstance(units, Mapping) else units(currency)
        number = finite_float(value)
        return number if number is not None and number > 0 else None

    def rate(from_ccy: str, to_ccy: str) -> float | None:
        a, b = per_usd(from_ccy), per_usd(to_ccy)
        return None if a is None or b is None else b / a

    return rate


def next_year_eps_from_trend(eps_trend: Any) -> tuple[float | None, str | None]:
    """The "+1y" current EPS estimate and its currency from yfinance's `eps_trend` frame.

    Duck-typed (no pandas here). yfinance 1.7 puts `epsTrendCurrency` in a `currency`
    column (scrapers/analysis.py, `_get_periodic_df`); (None, None) when either is missing.
    """
    try:
        row = eps_trend.loc["+1y"]
        value = finite_float(row["current"])
    except (KeyError, AttributeError, TypeError, IndexError):
        return None, None
    try:
        currency = row["currency"]
    except (KeyError, TypeError, IndexError):
        currency = None
    return value, currency if isinstance(currency, str) and currency else None


def rate_quote(listing: str, statement: str, rate: float) -> str:
    """`rate` (listing units per statement unit) as a market quote: "USD/HKD 7.84"."""
    return _Pair(listing, statement, rate).quote


# -- the pieces ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Pair:
    """Listing and statement currency with the rate between them (listing per statement)."""

    listing: str
    statement: str
    rate: float  # listing units per statement unit

    @property
    def quote(self) -> str:
        """The rate as a market quote, stronger currency first: "USD/HKD 7.78"."""
        if self.rate >= 1:
            return f"{self.statement}/{self.listing} {_num(self.rate)}"
        return f"{self.listing}/{self.statement} {_num(1 / self.rate)}"

    def tol(self, cap: float) -> float:
        """`cap`, shrunk so that readings one rate apart cannot both fit."""
        return min(cap, _SEPARATION * abs(math.log(self.rate)))


@dataclass(frozen=True, slots=True)
class _Facts:
    """The raw numbers of one answer that the proofs read (None when absent)."""

    price: float | None
    shares: float | None
    market_cap: float | None
    book_per_share: float | None
    debt: float | None
    cash: float | None
    debt_to_equity_pct: float | None
    net_income: float | None
    roe: float | None
    revenue: float | None
    ebitda: float | None
    forward_eps: float | None
    trailing_eps: float | None
    next_year_eps: float | None  # in the statement currency

    @classmethod
    def from_info(cls, info: Mapping[str, Any], next_year_eps: float | None) -> _Facts:
        def first(*keys: str) -> float | None:
            for key in keys:
                value = finite_float(info.get(key))
                if value is not None:
                    return value
            return None

        return cls(
            # the price metrics_from_info uses, so a kept figure sits beside the same price
            price=first("regularMarketPrice", "currentPrice"),
            shares=first("sharesOutstanding", "impliedSharesOutstanding"),
            market_cap=first("marketCap"),
            book_per_share=first("bookValue"),
            debt=first("totalDebt"),
            cash=first("totalCash"),
            debt_to_equity_pct=first("debtToEquity"),
            net_income=first("netIncomeToCommon"),
            roe=first("returnOnEquity"),
            revenue=first("totalRevenue"),
            ebitda=first("ebitda"),
            forward_eps=first("forwardEps", "epsForward"),
            trailing_eps=first("trailingEps"),
            next_year_eps=finite_float(next_year_eps),
        )


def _fits(observed: float, readings: Mapping[str, float], tol: float) -> list[str]:
    """Names of the readings within `tol` (log distance) of `observed`, best first."""
    scored = []
    for name, expected in readings.items():
        if expected == 0 or observed == 0 or (expected > 0) != (observed > 0):
            continue
        distance = abs(math.log(observed / expected))
        if distance <= tol:
            scored.append((distance, name))
    return [name for _, name in sorted(scored)]


def _vote(observed: float, in_statement: float, pair: _Pair, cap: float) -> str | None:
    """'listing' or 'statement': which currency `observed` is in, judged against a
    statement-currency figure `in_statement` that should match it; None when neither fits."""
    fits = _fits(
        observed, {"listing": in_statement * pair.rate, "statement": in_statement}, pair.tol(cap)
    )
    return fits[0] if len(fits) == 1 else None


def _verdict(votes: Iterable[str | None]) -> tuple[str | None, str]:
    """One currency from several pieces of evidence: all that spoke must agree."""
    spoken = {v for v in votes if v is not None}
    if len(spoken) == 1:
        return spoken.pop(), ""
    return None, "checks disagree" if spoken else "no check fits"


def _equity_estimates(f: _Facts) -> list[float]:
    """Total equity in the statement currency, as the statements imply it."""
    out = []
    if f.debt and f.debt > 0 and f.debt_to_equity_pct and f.debt_to_equity_pct > 0:
        out.append(f.debt / (f.debt_to_equity_pct / 100))
    if f.net_income and f.roe and (f.net_income > 0) == (f.roe > 0):
        out.append(f.net_income / f.roe)
    return out


def _prove_pb(observed: float, f: _Facts, pair: _Pair) -> Proven:
    label = LABELS["pb"]
    if not (f.book_per_share and f.book_per_share > 0 and f.shares and f.price):
        return _drop(label, "currency not provable (no book value, shares or price)")
    book = f.book_per_share * f.shares
    estimates = _equity_estimates(f)
    if not estimates:
        return _drop(label, "currency not provable (no equity to check book value against)")
    side, why = _verdict(_vote(book, e, pair, _TOL_BOOK_EQUITY) for e in estimates)
    if side is None:
        return _drop(
            label,
            f"currency not provable (book value x shares against equity in "
            f"{pair.statement} or {pair.listing}: {why})",
        )
    book_ccy = pair.listing if side == "listing" else pair.statement
    book_listing = f.book_per_share if side == "listing" else f.book_per_share * pair.rate
    readings = {"consistent": f.price / book_listing}
    if side == "statement":
        readings["mixed"] = f.price / f.book_per_share
    fits = _fits(observed, readings, pair.tol(_TOL_FIGURE))
    if fits == ["consistent"]:
        return Proven(
            observed,
            pair.listing,
            f"{label}: Yahoo's figure consistent in {pair.listing} (book value per share is in "
            f"{book_ccy}, checked against equity)",
            "kept",
        )
    if fits == ["mixed"]:
        return Proven(
            observed / pair.rate,
            pair.listing,
            f"{label} converted: Yahoo divides a {pair.listing} price by a {pair.statement} "
            f"book value per share; at {pair.quote}",
            "converted",
            factor=1 / pair.rate,
        )
    return _drop(
        label,
        f"Yahoo's {_num(observed)} is not price / book value ({_num(readings['consistent'])})",
    )


def _market_cap_problem(f: _Facts, pair: _Pair) -> str:
    """Empty when the market cap is shown to be in the listing currency, else why not."""
    if not (f.market_cap and f.market_cap > 0):
        return "no market cap"
    if not (f.price and f.shares):
        return "no price or shares to check the market cap against"
    side = _vote(f.market_cap, f.price * f.shares / pair.rate, pair, _TOL_MARKET_CAP)
    if side != "listing":
        return f"market cap is not price x shares in {pair.listing}"
    return ""


def _prove_ps(observed: float, f: _Facts, pair: _Pair, market_cap_problem: str) -> Proven:
    label = LABELS["ps_ttm"]
    if market_cap_problem:
        return _drop(label, f"currency not provable ({market_cap_problem})")
    if not f.revenue:
        return _drop(label, "currency not provable (no revenue)")
    assert f.market_cap is not None  # checked by _market_cap_problem
    readings = {
        "consistent": f.market_cap / (f.revenue * pair.rate),
        "mixed": f.market_cap / f.revenue,
    }
    fits = _fits(observed, readings, pair.tol(_TOL_FIGURE))
    if fits == ["consistent"]:
        return _kept(label, observed, pair)
    if fits == ["mixed"]:
        return Proven(
            observed / pair.rate,
            pair.listing,
            f"{label} converted: Yahoo divides a {pair.listing} market cap by {pair.statement} "
            f"revenue; at {pair.quote}",
            "converted",
            factor=1 / pair.rate,
        )
    return _drop(
        label,
        f"currency not provable (Yahoo's {_num(observed)} is neither market cap / revenue "
        f"({_num(readings['consistent'])}) nor its mixed-currency reading "
        f"({_num(readings['mixed'])}))",
    )


def _forward_eps_votes(f: _Facts, pair: _Pair) -> list[str | None]:
    """Evidence for the currency of forward EPS.

    The next-year estimate is the same period in the statement currency, so it decides on
    its own. Trailing EPS (checked against net income per share, no growth involved) speaks
    for forward EPS only when the two are within a factor 3 of each other: Yahoo treats
    both EPS fields of a company alike in every answer seen, and growth must not pass for FX.
    """
    votes: list[str | None] = []
    assert f.forward_eps is not None
    if f.next_year_eps:
        votes.append(_vote(f.forward_eps, f.next_year_eps, pair, _TOL_EPS_ESTIMATE))
    t = f.trailing_eps
    growth = f.forward_eps / t if t else 0.0
    if t and f.net_income and f.shares and growth > 0 and abs(math.log(growth)) <= _TOL_EPS_GROWTH:
        votes.append(_vote(t, f.net_income / f.shares, pair, _TOL_EPS_ESTIMATE))
    return votes


def _prove_pe_fwd(observed: float, f: _Facts, pair: _Pair) -> Proven:
    label = LABELS["pe_fwd"]
    if not (f.forward_eps and f.price):
        return _drop(label, "currency not provable (no forward EPS or price)")
    side, why = _verdict(_forward_eps_votes(f, pair))
    if side is None:
        return _drop(
            label,
            f"currency not provable (forward EPS against the next-year estimate and trailing "
            f"EPS: {why})",
        )
    eps_listing = f.forward_eps if side == "listing" else f.forward_eps * pair.rate
    consistent = f.price / eps_listing
    readings = {"consistent": consistent, "mixed": consistent * pair.rate}
    fits = _fits(observed, readings, pair.tol(_TOL_FIGURE))
    if fits == ["consistent"]:
        return _kept(label, observed, pair)
    if fits == ["mixed"]:
        return Proven(
            consistent,
            pair.listing,
            f"{label} rebuilt as price / forward EPS in {pair.listing}: Yahoo's {_num(observed)} "
            f"divides a {pair.listing} price by {pair.statement} EPS",
            "rebuilt",
            factor=1 / pair.rate,
        )
    return _drop(
        label,
        f"Yahoo's {_num(observed)} is not price / forward EPS ({_num(consistent)}) in any "
        f"currency reading",
    )


def _prove_ev(observed: float, f: _Facts, pair: _Pair, market_cap_problem: str) -> Proven:
    """Yahoo's EV as it is, converted, or rebuilt as market cap + net debt at the rate.

    The rebuild needs only proven pieces: the market cap checked against price x shares
    in the listing currency, and debt and cash, which are statement figures. It is the
    answer both when Yahoo's figure is the mixed sum (1299.HK: HKD market cap + USD net
    debt) and when it fits no reading at all (BABA, BEKE: ordinary shares at the ADS price).
    """
    label = LABELS["enterprise_value"]
    if market_cap_problem:
        return _drop(label, f"currency not provable ({market_cap_problem})")
    if f.debt is None and f.cash is None:
        return _drop(label, "currency not provable (no debt or cash)")
    assert f.market_cap is not None  # checked by _market_cap_problem
    m, net_debt = f.market_cap, (f.debt or 0.0) - (f.cash or 0.0)
    rebuilt = m + net_debt * pair.rate
    # reading -> (what Yahoo's figure would be, its scale, the EV in the listing currency)
    readings = {
        "listing": (m + net_debt * pair.rate, m, observed),
        "statement": (m / pair.rate + net_debt, m / pair.rate, observed * pair.rate),
        "mixed": (m + net_debt, m, rebuilt),
    }
    scored = sorted(
        (abs(observed - expected) / scale, name)
        for name, (expected, scale, _) in readings.items()
        if abs(observed - expected) / scale <= _TOL_EV
    )
    values = [readings[name][2] for _, name in scored]
    names = [name for _, name in scored]
    # readings that agree on the value: the least intervention (Yahoo's figure as is) wins
    agreed = bool(scored) and max(values) - min(values) <= 2 * _TOL_EV * m  # each fit: _TOL_EV
    best = ("listing" if "listing" in names else names[0]) if agreed else None
    if best == "listing":
        return _kept(label, observed, pair)
    if best == "statement":
        return Proven(
            observed * pair.rate,
            pair.listing,
            f"{label} converted from {pair.statement} at {pair.quote}",
            "converted",
            factor=pair.rate,
        )
    if best == "mixed":
        why = (
            f"Yahoo's {_num(observed)} adds {pair.listing} market cap to {pair.statement} "
            f"net debt"
        )
    else:
        if f.debt is None or f.cash is None:
            missing = "cash" if f.cash is None else "debt"
            return _drop(
                label,
                f"currency not provable (Yahoo's {_num(observed)} is no reading of market cap + "
                f"debt - cash, and the answer has no {missing} to rebuild it)",
            )
        why = (
            f"Yahoo's {_num(observed)} matches no currency reading of market cap + debt - cash"
            if not scored
            else f"Yahoo's {_num(observed)} fits several currency readings"
        )
    return Proven(
        rebuilt,
        pair.listing,
        f"{label} rebuilt from market cap + net debt at {pair.quote} ({why})",
        "rebuilt",
    )


def _prove_ev_ratio(
    name: str,
    observed: float,
    ev: Proven | None,
    denominator: float | None,
    what: str,
    pair: _Pair,
) -> Proven:
    label = LABELS[name]
    if ev is None or ev.value is None:
        return _drop(label, "its EV is not provable")
    if not denominator:
        return _drop(label, f"currency not provable (no {what} to check it against)")
    recomputed = ev.value / (denominator * pair.rate)
    if _fits(observed, {"same": recomputed}, _TOL_EV_RATIO):
        return _kept(label, observed, pair)
    return Proven(
        recomputed,
        pair.listing,
        f"{label} recomputed from the {_EV_HOW.get(ev.action, 'proven')} EV and {what} at "
        f"{pair.quote} (Yahoo's {_num(observed)} does not match it)",
        "recomputed",
    )


# -- small helpers -------------------------------------------------------------------------


_EV_HOW = {"rebuilt": "rebuilt", "converted": "converted", "kept": "proven"}


def _all(
    present: Mapping[str, float], currency: str | None, why: str, action: Action
) -> dict[str, Proven]:
    return {
        name: Proven(v, currency, f"{LABELS[name]}: {why}", action, yahoo=v)
        for name, v in present.items()
    }


def _kept(label: str, observed: float, pair: _Pair) -> Proven:
    why = f"{label}: Yahoo's figure consistent in {pair.listing}"
    return Proven(observed, pair.listing, why, "kept")


def _drop(label: str, why: str, yahoo: float | None = None) -> Proven:
    return Proven(None, None, f"{label} dropped: {why}", "dropped", yahoo=yahoo)


def _with_yahoo(proof: Proven, observed: float) -> Proven:
    """`proof` with Yahoo's own figure beside it (every proof of `prove` carries it)."""
    return replace(proof, yahoo=observed)


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _num(value: float) -> str:
    """A short number for a reason line: 7.844, 12.6, 7.73e11."""
    if value != 0 and (abs(value) >= 1e6 or abs(value) < 1e-3):
        mantissa, exponent = f"{value:.2e}".split("e")
        return f"{mantissa.rstrip('0').rstrip('.')}e{int(exponent)}"
    if abs(value) >= 1000:
        return f"{value:.0f}"
    return f"{value:.4g}" if abs(value) < 10 else f"{value:.3g}"
