"""The curated universe: one :class:`Company` per listed name, read from ``companies.csv``.

The list ships as a UTF-8 CSV inside the package (so an installed copy has it, and a
reviewer can read every row and its public source in a diff). It is validated on
load with the same rules that apply to user override files, because a bad row in
shipped data should fail loudly in tests rather than quietly drop out of a screen.
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
from screener.universe.tickers import market_of, normalize_ticker

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


@dataclass(frozen=True, slots=True)
class Company:
    """One listed company placed in a sector, with the evidence for the placement.

    ``ticker`` is always the Yahoo symbol; ``source`` is a public URL where the
    business line in ``rationale`` can be checked; ``origin`` says whether the row
    is built in or came from the user's override file (shown by ``universe show``).
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
    origin: str = "builtin"

    @property
    def in_sector_stats(self) -> bool:
        """False for the adjacent group, which must never enter sector medians."""
        return in_sector_stats(self.sector)

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


def check_placement(sector: str, sub_segment: str, secondary: str | None) -> str | None:
    """Why a (sector, sub-segment, secondary) triple is invalid, or None when it is valid."""
    if sector not in SECTORS:
        return f"unknown sector {sector!r} (expected one of: {', '.join(SECTORS)})"
    seg = SUB_SEGMENTS.get(sub_segment)
    if seg is None:
        known = ", ".join(s.id for s in SUB_SEGMENTS.values() if s.sector == sector)
        return f"unknown sub_segment {sub_segment!r} (for {sector}: {known})"
    if seg.sector != sector:
        return f"sub_segment {sub_segment!r} belongs to sector {seg.sector!r}, not {sector!r}"
    if secondary:
        if secondary not in SECTORS:
            return f"unknown secondary_sector {secondary!r} (expected one of: {', '.join(SECTORS)})"
        if secondary == sector:
            return f"secondary_sector {secondary!r} repeats the sector"
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
    exchange, market, currency = listing_facts(ticker)
    return Company(
        ticker=ticker,
        name_en=name_en,
        name_zh=(row.get("name_zh") or "").strip(),
        exchange=(row.get("exchange") or "").strip() or exchange,
        market=(row.get("market") or "").strip() or market,
        currency=(row.get("currency") or "").strip() or currency,
        sector=sector,
        sub_segment=sub_segment,
        secondary_sector=secondary,
        rationale=(row.get("rationale") or "").strip(),
        source=(row.get("source") or "").strip(),
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
    return out


@lru_cache(maxsize=1)
def builtin_companies() -> tuple[Company, ...]:
    """The shipped list, parsed once per process (it never changes at run time)."""
    text = resources.files("screener.universe").joinpath("companies.csv").read_text("utf-8")
    return tuple(parse_companies_csv(text))
