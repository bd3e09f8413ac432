"""The curated universe: one :class:`Company` per listed name, read from ``companies.csv``.

The list ships as a UTF-8 CSV inside the package (so an installed copy has it, and a
reviewer can read every row and its public source in a diff). It is validated on
load with the same rules that apply to user override files, because a bad row in
shipped data should fail loudly in tests rather than quietly drop out of a screen.

A company listed twice (GDS on NASDAQ and 9698.HK; ZTE and YOFC as A and H shares)
has one row per ticker; the secondary line names its primary line in
``primary_listing`` (the A-share for A/H pairs, the original listing otherwise) and
stays out of sector statistics, so sector medians count each company once.

A listed company that another listed company consolidates (Ruijie in Star-net,
Broadex in YOFC, Time Interconnect in Luxshare) names its parent in
``consolidated_into``. The parent's consolidated figures contain the subsidiary's, so
counting both would weigh the subsidiary's business twice; the subsidiary's own
figures are that business alone, so it is the one that keeps counting. The parent
steps out of the statistics of the sector it shares with the subsidiary (its
``consolidates`` lists them; computed on load by :func:`link_consolidations`) and still
counts where it is placed in another sector. Both rows stay in the table and are
evaluated against the counted rows. The price: the parent's other business in that
sector (YOFC's own fibre, Luxshare's own connectors) leaves that sector's medians too.
"""

from __future__ import annotations

import csv
import io
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, fields, replace
from functools import lru_cache
from itertools import repeat
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
    "consolidated_into",
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
    ``consolidated_into`` names the listed parent that consolidates this company;
    ``consolidates`` (derived, never read from a file) lists the subsidiaries in this
    company's sector that count in its place.
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
    consolidated_into: str | None = None
    consolidates: tuple[str, ...] = ()
    origin: str = "builtin"

    @property
    def in_sector_stats(self) -> bool:
        """False for the adjacent group, secondary listings and parents counted through a
        subsidiary of their sector (each business counts once)."""
        return (
            self.primary_listing is None
            and not self.consolidates
            and in_sector_stats(self.sector)
        )

    @property
    def stats_note(self) -> str:
        """Whether and why this row counts in its sector's statistics, in a few words."""
        if not in_sector_stats(self.sector):
            return "not counted: the adjacent group is outside the four sectors"
        if self.primary_listing is not None:
            return f"not counted: secondary listing of {self.primary_listing}"
        if self.consolidates:
            return (
                f"not counted: consolidates {', '.join(self.consolidates)}, "
                f"which counts in {self.sector}"
            )
        if self.consolidated_into is not None:
            return f"counted in {self.sector}; consolidated into {self.consolidated_into}"
        return f"counted in {self.sector}"

    @property
    def name(self) -> str:
        """Display name: English, with the Chinese name appended when there is one."""
        return f"{self.name_en} {self.name_zh}" if self.name_zh else self.name_en

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for JSON output, including the derived flag and the labels."""
        out = asdict(self)
        out["consolidates"] = list(self.consolidates)
        out["in_sector_stats"] = self.in_sector_stats
        out["sector_label"] = sector_label(self.sector)
        out["sub_segment_label"] = sub_segment_label(self.sub_segment)
        return out


COMPANY_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Company))
"""Every field of :class:`Company`, in order."""

_SETTERS: dict[str, Any] = {name: getattr(Company, name).__set__ for name in COMPANY_FIELDS}


def companies_from_columns(count: int, columns: Mapping[str, Iterable[Any]]) -> list[Company]:
    """`count` companies from one column of values per field: for thousands of rows.

    The same objects as ``Company(**row)`` for each row, built a field at a time: a
    frozen dataclass sets each field through ``object.__setattr__`` from Python (about
    4 us a company), where the slot's own descriptor, mapped over a column from C, takes
    a fraction of that. Company has no ``__post_init__`` to skip. Every field must have
    a column of exactly `count` values (else ValueError), as the constructor needs all.
    """
    if columns.keys() != _SETTERS.keys():
        wrong = sorted(columns.keys() ^ _SETTERS.keys())
        raise ValueError(f"company columns do not match the fields: {', '.join(wrong)}")
    made = list(map(object.__new__, repeat(Company, count)))
    for name, values in columns.items():
        values = list(values)
        if len(values) != count:
            raise ValueError(f"column {name} has {len(values)} values, not {count}")
        deque(map(_SETTERS[name], made, values), maxlen=0)
    return made


@lru_cache(maxsize=256)  # a few suffixes for thousands of rows
def _suffix_listing(suffix: str) -> tuple[str, str, str]:
    exchange, currency = _SUFFIX_FACTS.get(suffix, ("", ""))
    return exchange, SUFFIX_MARKETS.get(suffix, suffix), currency


def listing_facts(ticker: str) -> tuple[str, str, str]:
    """(exchange, market, currency) implied by a Yahoo symbol; exchange/currency '' if unknown.

    US symbols carry no suffix, so the exchange (NYSE/NASDAQ) cannot be derived and stays ''.
    """
    dot = ticker.rfind(".")
    if dot < 0:
        return "", market_of(ticker), "USD"
    return _suffix_listing(ticker[dot + 1 :])


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
    if not (exchange or market or currency):  # the usual added row: all from the suffix
        return listing_facts(ticker)
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


@lru_cache(maxsize=1024)  # thousands of rows share a few placements
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


def check_consolidated_into(company: Company, by_ticker: Mapping[str, Company]) -> str | None:
    """Why ``company.consolidated_into`` is invalid within ``by_ticker``, or None when valid.

    The parent must be another listed company (any of its lines: the link counts against
    its primary line, so swapping a parent's lines breaks nothing); the link sits on the
    subsidiary's primary line (its other lines follow it); no company is its own parent
    through a chain.
    """
    target = company.consolidated_into
    if target is None:
        return None
    if target == company.ticker:
        return f"{company.ticker}: consolidated_into names the company itself"
    if company.primary_listing is not None:
        return (
            f"{company.ticker}: consolidated_into belongs on the primary line "
            f"{company.primary_listing}, not on a secondary listing"
        )
    parent = _primary_line(target, by_ticker)
    if parent is None:
        return f"{company.ticker}: consolidated_into {target} is not in the universe"
    if parent.ticker == company.ticker:
        return f"{company.ticker}: consolidated_into {target} is a line of the company itself"
    seen = {company.ticker}
    step: Company | None = parent
    while step is not None:
        if step.ticker in seen:
            return (
                f"{company.ticker}: consolidated_into {target} starts a loop of links "
                "(a parent cannot be consolidated into its own subsidiary)"
            )
        seen.add(step.ticker)
        if step.consolidated_into is None:
            break
        step = _primary_line(step.consolidated_into, by_ticker)
    return None


def _primary_line(ticker: str, by_ticker: Mapping[str, Company]) -> Company | None:
    """The company row counted for ``ticker``: itself, or the primary line it names."""
    company = by_ticker.get(ticker)
    if company is not None and company.primary_listing is not None:
        return by_ticker.get(company.primary_listing, company)
    return company


def link_consolidations(
    companies: Iterable[Company], by_ticker: Mapping[str, Company] | None = None
) -> list[Company]:
    """The companies with ``consolidates`` recomputed from every ``consolidated_into``.

    A parent consolidates the subsidiaries that name it and share its sector; those
    count in its place in that sector's statistics. Call after every change to the list
    (load, overrides), on a list whose links :func:`check_consolidated_into` accepted.
    `by_ticker` is the same list by ticker, when the caller has it. Only rows with a
    link are looked at twice: a list of thousands has a handful.
    """
    rows = list(companies)
    linked = [c for c in rows if c.consolidated_into is not None]
    if by_ticker is None:
        by_ticker = {c.ticker: c for c in rows}
    subsidiaries: dict[str, list[str]] = {}
    for c in linked:
        parent = _primary_line(c.consolidated_into or "", by_ticker)
        if parent is not None and parent.sector == c.sector:
            subsidiaries.setdefault(parent.ticker, []).append(c.ticker)
    stale = {c.ticker for c in rows if c.consolidates}  # may have lost a subsidiary
    touched = stale | subsidiaries.keys()
    if not touched:
        return rows
    out = []
    for c in rows:
        if c.ticker in touched:
            consolidates = tuple(subsidiaries.get(c.ticker, ()))
            if c.consolidates != consolidates:
                c = replace(c, consolidates=consolidates)
        out.append(c)
    return out


def _linked_ticker(row: Mapping[str, str], key: str, ticker: str, origin: str) -> str | None:
    """A ticker-valued column (primary_listing, consolidated_into), normalised; None if empty."""
    raw = (row.get(key) or "").strip()
    if not raw:
        return None
    try:
        linked = normalize_ticker(raw)
    except InputError as exc:
        raise ValueError(f"{ticker}: {key}: {exc}") from None
    if origin == "builtin" and linked != raw:
        raise ValueError(f"{ticker}: {key} {raw!r} is not in Yahoo form (expected {linked!r})")
    if linked == ticker:
        raise ValueError(f"{ticker}: {key} names the company itself")
    return linked


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
    primary = _linked_ticker(row, "primary_listing", ticker, origin)
    parent = _linked_ticker(row, "consolidated_into", ticker, origin)
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
        consolidated_into=parent,
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
        problem = check_primary_listing(company, by_ticker) or check_consolidated_into(
            company, by_ticker
        )
        if problem:
            raise DataError(f"{filename}:{seen[company.ticker]}: {problem}")
    return link_consolidations(out)


@lru_cache(maxsize=1)
def builtin_companies() -> tuple[Company, ...]:
    """The shipped list, parsed once per process (it never changes at run time)."""
    from importlib import resources  # its imports (tempfile, zipfile ...) cost a screen ~10 ms

    text = resources.files("screener.universe").joinpath("companies.csv").read_text("utf-8")
    return tuple(parse_companies_csv(text))
