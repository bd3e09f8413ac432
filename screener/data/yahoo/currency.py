"""Yahoo's currencies: minor units, and figures that mix the listing and statement currency.

`currency` (price, market cap, targets) and `financialCurrency` (statements, EPS
estimates) differ for many Asian and ADR listings. Yahoo's own P/B and P/S then
divide a listing-currency price by a statement-currency book or revenue, and its
enterprise value is in the statement currency: `align_currencies` converts those
three with FX rates (or drops them when a rate is missing). Some listings are
quoted in 1/100 of a currency (GBp): `minor_unit` and `scaled` deal with those.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from screener.data.provider import FxRate

# Minor-unit listing currencies: Yahoo quotes these in 1/100 of the major unit.
_MINOR_UNITS: dict[str, tuple[str, float]] = {
    "GBp": ("GBP", 100.0),
    "GBX": ("GBP", 100.0),
    "ZAc": ("ZAR", 100.0),
    "ILA": ("ILS", 100.0),
}

#: Yahoo ratios whose numerator is in the listing currency and denominator in the
#: statement currency, and Yahoo figures given in the statement currency
_MIXED_RATIOS = ("pb", "ps_ttm")
_STATEMENT_MONEY = ("enterprise_value",)


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


def align_currencies(
    metrics: Mapping[str, float],
    currency: str,
    financial_currency: str,
    listing_rate: FxRate | None,
    statement_rate: FxRate | None,
) -> tuple[dict[str, float], dict[str, Any]]:
    """Put Yahoo's mixed-currency figures into the listing currency, or drop them.

    P/B and P/S: listing-currency price over statement-currency book or revenue, so
    multiply by (statement units per USD) / (listing units per USD). Enterprise value:
    statement currency, so multiply by (listing units per USD) / (statement units per
    USD). Without both rates the figures are dropped: missing beats wrong.
    """
    out = dict(metrics)
    present = [m for m in (*_MIXED_RATIOS, *_STATEMENT_MONEY) if m in out]
    if listing_rate is None or statement_rate is None:
        for name in present:
            del out[name]
        return out, {
            "from": financial_currency,
            "to": currency,
            "dropped": present,
            "why": "no FX rate to convert statement-currency figures",
        }
    factor = statement_rate.units_per_usd / listing_rate.units_per_usd
    for name in _MIXED_RATIOS:
        if name in out:
            out[name] *= factor
    for name in _STATEMENT_MONEY:
        if name in out:
            out[name] /= factor
    return out, {
        "from": financial_currency,
        "to": currency,
        "converted": present,
        "statement_units_per_listing_unit": factor,
    }
