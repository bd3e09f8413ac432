"""The curated universe: one :class:`Company` per listed name, read from ``companies.csv``.

The list ships as a UTF-8 CSV inside the package (so an installed copy has it, and a
reviewer can read every row and its public source in a diff). It is validated on
load with the same rules that apply to user override files, because a bad row in
shipped data should fail loudly in tests rather than quietly drop out of a screen.

A company listed twice (GDS on NASDAQ and 9698.HK; ZTE and YOFC as A and H shares)
has one row per ticker; the secondary line names its primary line in
``primary_listing`` (the A-share for A/H pairs, the original listing otherwise) and
stays out of sector statistics, so sector medians count each company once.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from screener.errors import DataError, InputError
from screener.universe.taxonomy import (
    SECTORS,
    SUB_SEGMENTS,
    in_sector_stats,
    sector_label,
    sub_segment_label,
)
from screener.universe.tickers import SUFFIX_MARKETS, market_of, normalize_ticker
from screener.utils import did_you_mean

CSV_FIELDS: tuple[str, ...] = (
    "ticker",
    "name_en",
    "name_zh",
    "exchange",
    "market",
    "currency",
    "sector",
    "sub_segment",
    "secondary_sector",
    "rationale",
    "source",
    "primary_listing",
)

# Listing facts derived from the Yahoo suffix, used to fill rows a user adds by ticker only.
_SUFFIX_FACTS: dict[str, tuple[str, str]] = {
    "SS": ("SSE", "CNY"),
    "SZ": ("SZSE", "CNY"),
    "BJ": ("BSE", "CNY"),
    "HK": ("HKEX", "HKD"),
    "TW": ("TWSE", "TWD"),
    "TWO": ("TPEx", "TWD"),
    "T": ("TSE", "JPY"),
    "AX": ("ASX", "AUD"),
    "KS": ("KRX", "KRW"),
    "KQ": ("KOSDAQ", "KRW"),
    "TO": ("TSX", "CAD"),
    "L": ("LSE", "GBP"),
}

# Exchange name (case-folded) -> the suffix it belongs to, to catch "SSE" on a US symbol.
_EXCHANGE_SUFFIX: dict[str, str] = {ex.casefold(): sfx for sfx, (ex, _) in _SUFFIX_FACTS.items()}


@dataclass(frozen=True, slots=True)
class Company:
    """One listed company placed in a sector, with the evidence for the placement.

    ``ticker`` is always the Yahoo symbol; ``source`` is a public URL where the
    business line in ``rationale`` can be checked; ``origin`` says whether the row
    is built in or came from the user's override file (shown by ``universe show``).
    ``primary_listing`` is None for a company's primary line; a secondary line of the
    same company (e.g. 9698.HK for GDS) holds the primary line's ticker.
    """

    ticker: str
    name_en: str
    name_zh: str
    exchange: str
    market: str
    currency: str
    sector: str
    sub_segment: str
    secondary_sector: str | None
    rationale: str
    source: str
    primary_listing: str | None = None
    origin: str = "builtin"

    @property
    def in_sector_stats(self) -> bool:
        """False for the adjacent group and for secondary listings (count each company once)."""
        return self.primary_listing is None and in_sector_stats(self.sector)

    @property
    def name(self) -> str:
        """Display name: English, with the Chinese name appended when there is one."""
        return f"{self.name_en} {self.name_zh}" if self.name_zh else self.name_en

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for JSON output, including the derived flag and the labels."""
        out = asdict(self)
        out["in_sector_stats"] = self.in_sector_stats
        out["sector_label"] = sector_label(self.sector)
        out["sub_segment_label"] = sub_segment_label(self.sub_segment)
        return out


def listing_facts(ticker: str) -> tuple[str, str, str]:
    """(exchange, market, currency) implied by a Yahoo symbol; exchange/currency '' if unknown.

    US symbols carry no suffix, so the exchange (NYSE/NASDAQ) cannot be derived and stays ''.
    """
    market = market_of(ticker)
    if "." not in ticker:
        return "", market, "USD"
    exchange, currency = _SUFFIX_FACTS.get(ticker.rsplit(".", 1)[1], ("", ""))
    return exchange, market, currency


def resolve_listing(
    ticker: str, exchange: str = "", market: str = "", currency: str = ""
) -> tuple[str, str, str]:
    """(exchange, market, currency) for a row: given values checked against the ticker.

    Empty values are derived from the suffix (:func:`listing_facts`). A given market or
    exchange must agree with the suffix (case-insensitive; stored in the canonical
    spelling); for a suffix whose exchange we do not know (US symbols, ``.MI`` ...) any
    exchange is accepted except one that belongs to another known suffix. A-shares
    (.SS/.SZ/.BJ) must trade in CNY; other lines may name another currency (HK lines
    trade in CNY or USD too). Raises ValueError with the reason.
    """
    d_exchange, d_market, d_currency = listing_facts(ticker)
    suffix = ticker.rsplit(".", 1)[1] if "." in ticker else ""
    where = f".{suffix}" if suffix else "a US symbol (no suffix)"
    if market:
        if not suffix or suffix in SUFFIX_MARKETS:
            if market.upper() != d_market:
                raise ValueError(
                    f"{ticker}: market {market!r} contradicts the ticker "
                    f"({where} is market {d_market!r})"
                )
            market = d_market
    else:
        market = d_market
    if exchange:
        if d_exchange:
            if exchange.casefold() != d_exchange.casefold():
                raise ValueError(
                    f"{ticker}: exchange {exchange!r} contradicts the ticker "
                    f"({where} trades on {d_exchange})"
                )
            exchange = d_exchange
        elif (owner := _EXCHANGE_SUFFIX.get(exchange.casefold())) is not None:
            raise ValueError(
                f"{ticker}: exchange {exchange!r} contradicts the ticker "
                f"({exchange} lists .{owner} symbols, not {where})"
            )
    else:
        exchange = d_exchange
    if currency:
        currency = currency.upper()
        if d_market == "CN" and currency != "CNY":
            raise ValueError(
                f"{ticker}: currency {currency!r} contradicts the ticker (A-shares trade in CNY)"
            )
    else:
        currency = d_currency
    return exchange, market, currency


def _unknown(
    kind: str, word: str, choices: tuple[str, ...] | list[str], known: str = "expected one of"
) -> str:
    """'unknown <kind> 'x' (did you mean 'y'?); expected one of: ...' for a bad id."""
    hint = did_you_mean(word, choices)
    if not hint:  # "optical" is too short for difflib next to "optical_communication"
        near = [c for c in choices if word and word.casefold() in c.casefold()]
        hint = f" (did you mean '{near[0]}'?)" if len(near) == 1 else ""
    return f"unknown {kind} {word!r}{hint}; {known}: {', '.join(choices)}"


def check_sector(sector: str) -> str | None:
    """Why ``sector`` is not a sector id (with a did-you-mean), or None when it is one."""
    return None if sector in SECTORS else _unknown("sector", sector, SECTORS)


def check_placement(sector: str, sub_segment: str, secondary: str | None) -> str | None:
    """Why a (sector, sub-segment, secondary) triple is invalid, or None when it is valid."""
    if sector not in SECTORS:
        return check_sector(sector)
    seg = SUB_SEGMENTS.get(sub_segment)
    if seg is None:
        known = [s.id for s in SUB_SEGMENTS.values() if s.sector == sector]
        return _unknown("sub_segment", sub_segment, known, f"for {sector}")
    if seg.sector != sector:
        return f"sub_segment {sub_segment!r} belongs to sector {seg.sector!r}, not {sector!r}"
    if secondary:
        if secondary not in SECTORS:
            return _unknown("secondary_sector", secondary, SECTORS)
        if secondary == sector:
            return f"secondary_sector {secondary!r} repeats the sector"
    return None


def check_primary_listing(company: Company, by_ticker: Mapping[str, Company]) -> str | None:
    """Why ``company.primary_listing`` is invalid within ``by_ticker``, or None when it is valid.

    The primary line must be another listed company, in the same sector, that is itself
    a primary line (one level only, so "count each company once" needs no chasing).
    """
    target = company.primary_listing
    if target is None:
        return None
    if target == company.ticker:
        return f"{company.ticker}: primary_listing names the company itself"
    primary = by_ticker.get(target)
    if primary is None:
        return f"{company.ticker}: primary_listing {target} is not in the universe"
    if primary.sector != company.sector:
        return (
            f"{company.ticker}: primary_listing {target} is in sector {primary.sector!r}, "
            f"not {company.sector!r} (both lines of a company share one sector)"
        )
    if primary.primary_listing is not None:
        return (
            f"{company.ticker}: primary_listing {target} is itself a secondary listing "
            f"(of {primary.primary_listing}); name the primary line"
        )
    return None


def company_from_row(row: Mapping[str, str], *, origin: str = "builtin") -> Company:
    """Build a validated Company from a CSV-shaped mapping; raises ValueError with the reason."""
    raw = (row.get("ticker") or "").strip()
    try:
        ticker = normalize_ticker(raw)
    except InputError as exc:
        raise ValueError(str(exc)) from None
    if origin == "builtin" and ticker != raw:
        raise ValueError(f"ticker {raw!r} is not in Yahoo form (expected {ticker!r})")
    name_en = (row.get("name_en") or "").strip()
    if not name_en:
        raise ValueError(f"{ticker}: name_en is empty")
    sector = (row.get("sector") or "").strip()
    sub_segment = (row.get("sub_segment") or "").strip()
    secondary = (row.get("secondary_sector") or "").strip() or None
    problem = check_placement(sector, sub_segment, secondary)
    if problem:
        raise ValueError(f"{ticker}: {problem}")
    exchange, market, currency = resolve_listing(
        ticker,
        (row.get("exchange") or "").strip(),
        (row.get("market") or "").strip(),
        (row.get("currency") or "").strip(),
    )
    primary_raw = (row.get("primary_listing") or "").strip()
    primary: str | None = None
    if primary_raw:
        try:
            primary = normalize_ticker(primary_raw)
        except InputError as exc:
            raise ValueError(f"{ticker}: primary_listing: {exc}") from None
        if origin == "builtin" and primary != primary_raw:
            raise ValueError(
                f"{ticker}: primary_listing {primary_raw!r} is not in Yahoo form "
                f"(expected {primary!r})"
            )
        if primary == ticker:
            raise ValueError(f"{ticker}: primary_listing names the company itself")
    return Company(
        ticker=ticker,
        name_en=name_en,
        name_zh=(row.get("name_zh") or "").strip(),
        exchange=exchange,
        market=market,
        currency=currency,
        sector=sector,
        sub_segment=sub_segment,
        secondary_sector=secondary,
        rationale=(row.get("rationale") or "").strip(),
        source=(row.get("source") or "").strip(),
        primary_listing=primary,
        origin=origin,
    )


def parse_companies_csv(text: str, filename: str = "companies.csv") -> list[Company]:
    """Parse and validate the built-in CSV; a bad row is a packaging bug, so DataError."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [f for f in CSV_FIELDS if f not in (reader.fieldnames or [])]
    if missing:
        raise DataError(f"{filename}: missing columns {', '.join(missing)}")
    seen: dict[str, int] = {}
    out: list[Company] = []
    for row in reader:
        line = reader.line_num
        try:
            company = company_from_row(row)
        except ValueError as exc:
            raise DataError(f"{filename}:{line}: {exc}") from None
        if not company.rationale or not company.source:
            raise DataError(
                f"{filename}:{line}: {company.ticker}: rationale and source are required"
            )
        if company.ticker in seen:
            raise DataError(
                f"{filename}:{line}: duplicate ticker {company.ticker} "
                f"(first at line {seen[company.ticker]})"
            )
        seen[company.ticker] = line
        out.append(company)
    by_ticker = {c.ticker: c for c in out}
    for company in out:
        problem = check_primary_listing(company, by_ticker)
        if problem:
            raise DataError(f"{filename}:{seen[company.ticker]}: {problem}")
    return out


@lru_cache(maxsize=1)
def builtin_companies() -> tuple[Company, ...]:
    """The shipped list, parsed once per process (it never changes at run time)."""
    text = resources.files("screener.universe").joinpath("companies.csv").read_text("utf-8")
    return tuple(parse_companies_csv(text))
