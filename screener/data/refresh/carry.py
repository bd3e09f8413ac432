"""Carrying figures forward: what a partial fetch did not ask for comes from the last snapshot.

A prices-only refresh must not leave a snapshot without fundamentals (the newest
snapshot is the one the screen reads), and a figure the source stopped sending must
not be carried as if it were still true. A carried figure keeps its vintage (the
date it describes: the previous snapshot's, or what that snapshot said), so it never
passes for a figure of the new date; only a multiple rescaled to the new price is of
the new quote.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from screener.catalog import NUMERIC_METRICS
from screener.data.provider import DataKind, FetchBundle, Vintage, decode_vintages

#: metrics computed from the daily price history; every other metric comes with the
#: fundamentals (the quote and summary modules)
PRICE_HISTORY_METRICS = frozenset(
    {"ret_1m", "ret_3m", "ret_6m", "ret_12m", "off_52w_high", "price_vs_ma200"}
)
# Multiples proportional to the price: carried forward, they are rescaled to the new price.
_PRICE_PROPORTIONAL = ("market_cap", "market_cap_usd", "pe_ttm", "pe_fwd", "peg", "ps_ttm", "pb")


def merge_with_previous(
    bundle: FetchBundle, previous: Mapping[str, Any] | None, kinds: set[DataKind]
) -> FetchBundle:
    """Fill the metrics this fetch did not ask for from the company's previous snapshot.

    Carried multiples that are proportional to the price are rescaled to the new
    price: P/E is price over an unchanged EPS.
    """
    if not previous:
        return bundle
    if not bundle.as_of and previous.get("as_of"):
        # The source gave no date for these figures (e.g. no quote time in its answer):
        # the previous snapshot's date, never today's.
        bundle = replace(bundle, as_of=str(previous["as_of"]))
    if not kinds & {DataKind.PRICES, DataKind.FUNDAMENTALS}:
        # Only history or the profile was fetched: the figures are still the previous
        # snapshot's, so they keep its date rather than pose as today's.
        bundle = replace(bundle, as_of=str(previous.get("as_of") or bundle.as_of))

    def answered(name: str) -> bool:
        """Did this fetch ask the source for this metric? Then its absence means missing."""
        if name in PRICE_HISTORY_METRICS:
            return DataKind.PRICES in kinds
        return DataKind.FUNDAMENTALS in kinds

    carried = {
        name: float(previous[name])
        for name in NUMERIC_METRICS
        if previous.get(name) is not None and name not in bundle.metrics and not answered(name)
    }
    if not carried:
        return bundle
    new_price, old_price = bundle.metrics.get("price"), previous.get("price")
    rescaled: set[str] = set()
    if DataKind.FUNDAMENTALS not in kinds and new_price and old_price:
        factor = float(new_price) / float(old_price)
        for name in _PRICE_PROPORTIONAL:
            if name in carried:
                carried[name] *= factor
                rescaled.add(name)
        if "target_upside" in carried:
            carried["target_upside"] = (1 + carried["target_upside"]) / factor - 1
    vintages = _carried_vintages(previous, carried, rescaled)
    extra = dict(bundle.extra)
    extra["carried_from"] = {
        "as_of": previous.get("as_of"),
        "fetched_at": previous.get("fetched_at"),
        "metrics": sorted(carried),
    }
    return replace(
        bundle,
        metrics={**carried, **bundle.metrics},
        currency=bundle.currency or previous.get("currency"),
        financial_currency=bundle.financial_currency or previous.get("financial_currency"),
        extra=extra,
        vintages={**vintages, **bundle.vintages},
    )


def _carried_vintages(
    previous: Mapping[str, Any], carried: Mapping[str, float], rescaled: set[str]
) -> dict[str, Vintage]:
    """The vintage of each carried figure: what the previous snapshot said, else its date.

    A multiple rescaled to the new price whose vintage was its quote is now of the new
    quote (no entry: the bundle's own date); one built on a statement or an estimate
    keeps that date (a P/E rescaled still divides by the old EPS estimate).
    """
    stored = decode_vintages(previous.get("vintages"))
    as_of = str(previous.get("as_of") or "")
    out: dict[str, Vintage] = {}
    undated = Vintage(as_of, "quote", f"quote of {as_of}") if as_of else None
    for name in carried:
        vintage = stored.get(name) or undated
        if vintage is None or (name in rescaled and vintage.basis == "quote"):
            continue
        out[name] = vintage
    return out
