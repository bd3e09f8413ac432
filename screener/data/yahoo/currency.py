"""Yahoo's currencies: minor units, and figures that mix the listing and statement currency.

`currency` (price, market cap, targets) and `financialCurrency` (statements, EPS
estimates) differ for many Asian and ADR listings, and Yahoo mixes the two in some of
its derived figures, not the same way for every company. `prove_currencies` is the one
place that decides each such figure's currency: it hands the answer to
`screener.data.currency_proof`, which proves each figure from the answer itself (kept,
converted, rebuilt or dropped, with a reason). Some listings are quoted in 1/100 of a
currency (GBp): `minor_unit` and `scaled` deal with those.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from screener.data.currency_proof import (
    Proven,
    fx_from_units_per_usd,
    next_year_eps_from_trend,
    prove,
    rate_quote,
)
from screener.data.provider import FxRate

# Minor-unit listing currencies: Yahoo quotes these in 1/100 of the major unit.
_MINOR_UNITS: dict[str, tuple[str, float]] = {
    "GBp": ("GBP", 100.0),
    "GBX": ("GBP", 100.0),
    "ZAc": ("ZAR", 100.0),
    "ILA": ("ILS", 100.0),
}


def minor_unit(currency: str) -> tuple[str, float]:
    """(major currency, minor units per major unit): ("GBP", 100.0) for GBp, (c, 1.0) otherwise."""
    return _MINOR_UNITS.get(currency, (currency, 1.0))


def scaled(rate: FxRate | None, currency: str, factor: float) -> FxRate | None:
    """A major currency's rate restated for its minor unit (`factor` minor units per major)."""
    if rate is None or factor == 1.0:
        return rate
    return FxRate(
        currency,
        rate.date,
        rate.units_per_usd * factor,
        rate.source,
        note=f"{rate.note} x{factor:g} (minor unit)",
    )


def prove_currencies(
    info: Mapping[str, Any], eps_trend: Any, rate: Callable[[str], FxRate | None]
) -> dict[str, Proven]:
    """Each mixed-currency figure of one `Ticker.info`, proven (see `currency_proof.prove`).

    `rate(currency)` gives units per USD (the provider's FX cache: a rate is fetched only
    when the answer has two currencies). The "+1y" EPS estimate of `eps_trend` is the
    best evidence for the currency of forward EPS; without it the proof uses trailing EPS.
    """

    eps, eps_currency = next_year_eps_from_trend(eps_trend)
    fx = fx_from_units_per_usd(_units_per_usd(rate))
    return prove(info, fx, next_year_eps=eps, next_year_eps_currency=eps_currency)


def statement_rate(
    info: Mapping[str, Any], rate: Callable[[str], FxRate | None]
) -> tuple[float | None, str]:
    """(listing units per statement unit, that rate as a quote) of a two-currency answer.

    (None, "") when the answer has one currency (or lacks either), or a rate is missing.
    """
    listing, statement = info.get("currency"), info.get("financialCurrency")
    if not (isinstance(listing, str) and isinstance(statement, str)) or listing == statement:
        return None, ""
    value = fx_from_units_per_usd(_units_per_usd(rate))(statement, listing)
    if value is None:
        return None, ""
    return value, rate_quote(listing, statement, value)


def _units_per_usd(rate: Callable[[str], FxRate | None]) -> Callable[[str], float | None]:
    def units(currency: str) -> float | None:
        found = rate(currency)
        return found.units_per_usd if found is not None else None

    return units


def currency_reasons(proofs: Mapping[str, Proven]) -> dict[str, str]:
    """metric -> why its figure is in the currency it is in, for provenance.

    Empty for a single-currency answer: nothing was proven there, Yahoo's figures stand.
    """
    return {name: p.reason for name, p in proofs.items() if p.action != "same"}
