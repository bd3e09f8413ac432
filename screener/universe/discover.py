"""Discovery: listed companies Yahoo's screener finds that the universe does not list yet.

``screener universe discover --region cn|hk|us|tw`` asks Yahoo's equity screener for
every company of the region in the handful of Yahoo industries where the note's four
sectors live (:data:`REGION_INDUSTRIES`), drops the tickers already in the universe,
runs the classifier over what is left and prints the result as *proposals*. Nothing
is added: the user reads the evidence and adds rows to an override file.

Two facts about Yahoo's screener shape what a proposal can honestly say:

* its rows are quote rows: symbol, names, exchange, market cap, currency, but no
  industry, sector or business summary. The industry is the one the query filtered
  on (hence one screen per industry), the sector follows from it;
* without a business summary the classifier (which decides on product phrases, see
  :mod:`screener.universe.classifier`) only has the company's name as free text.
  Names like "Yangtze Optical Fibre and Cable" carry a product line, most do not, so
  most proposals come out ``unclassified``. That is reported as such, with the way to
  a summary-based verdict (:data:`NEXT_STEP`), rather than guessed from the industry:
  "Communication Equipment" holds optical-module makers and walkie-talkie makers alike.

The module is pure: the provider (anything with ``screen_equities``, normally
:class:`screener.data.yahoo.YahooProvider`) is injected, so tests run it offline.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from screener.errors import InputError
from screener.universe.classifier import UNCLASSIFIED, Classification
from screener.universe.classifier import classify as classify_profile
from screener.universe.companies import Company
from screener.universe.tickers import normalize_ticker
from screener.utils import finite_float, is_currency_code, text_problem

REGIONS: tuple[str, ...] = ("cn", "hk", "us", "tw")
"""Yahoo screener region codes discovery supports (China A-shares, Hong Kong, US, Taiwan)."""

INDUSTRY_NOTES: dict[str, str] = {
    "Communication Equipment": (
        "optical modules and components (Zhongji Innolight 300308.SZ, Accelink 002281.SZ, "
        "Lumentum), fibre and cable makers (YOFC, Hengtong), switch vendors (Accton "
        "2345.TW, ZTE, Ruijie, Cisco)"
    ),
    "Electronic Components": (
        "connectors and cable assemblies (Amphenol, TE Connectivity, Luxshare, Lotes, "
        "BizLink), Corning's optical fibre, optical contract manufacturing (Fabrinet)"
    ),
    "Semiconductors": (
        "optical chips (Yuanjie 688498.SS), switch silicon (Centec 688702.SS, Broadcom, "
        "Marvell), high-speed interconnect chips (Credo)"
    ),
    "Computer Hardware": "data-centre switches and white-box network gear (Arista ANET)",
    "Information Technology Services": (
        "IDC and colocation operators (GDS, SUNeVision 1686.HK, VNET, Sinnet)"
    ),
    "Electrical Equipment & Parts": (
        "data-centre power (Vertiv, Kehua Data), magnet wire and heat-shrink cable "
        "materials (Tongling Jingda, Woer)"
    ),
    "Specialty Industrial Machinery": (
        "precision air-conditioning and liquid cooling for machine rooms (the Chinese "
        "thermal-management makers)"
    ),
    "REIT—Specialty": "data-centre REITs (Equinix, Digital Realty)",
}
"""Why each Yahoo industry is scanned: the sub-segments (and universe members) filed there.

The names are Yahoo's screener values exactly (note the em dash in ``REIT—Specialty``);
a test checks them against the list yfinance validates queries with. The examples are
companies of the curated universe; those with a ticker are confirmed by the recorded
profiles the fake Yahoo serves.
"""

_TECH_CORE: tuple[str, ...] = (
    "Communication Equipment",
    "Electronic Components",
    "Semiconductors",
    "Computer Hardware",
)

REGION_INDUSTRIES: dict[str, tuple[str, ...]] = {
    # A-shares: the deepest list; Chinese cooling makers sit in industrial machinery.
    "cn": (
        *_TECH_CORE,
        "Information Technology Services",
        "Electrical Equipment & Parts",
        "Specialty Industrial Machinery",
    ),
    # Hong Kong: IDC operators (SUNeVision, GDS's H shares) are IT services.
    "hk": (*_TECH_CORE, "Information Technology Services", "Electrical Equipment & Parts"),
    # US: the data-centre REITs are the one real-estate industry worth scanning.
    "us": (
        *_TECH_CORE,
        "Information Technology Services",
        "Electrical Equipment & Parts",
        "REIT—Specialty",
    ),
    # Taiwan: optics, connectors, switch ODMs; no listed IDC operators to speak of.
    "tw": (*_TECH_CORE, "Electrical Equipment & Parts"),
}
"""Yahoo industries scanned per region, most relevant first (see :data:`INDUSTRY_NOTES`)."""

NEXT_STEP = (
    "screener refresh {ticker} && screener universe classify {ticker}"
    "  (classifies from Yahoo's business summary)"
)
"""What to run for a summary-based verdict; the screener row alone rarely suffices."""

PROPOSAL_COLUMNS: tuple[str, ...] = (
    "ticker",
    "name",
    "exchange",
    "industry",
    "market_cap",
    "currency",
    "sector",
    "sub_segment",
    "confidence",
    "evidence",
)
"""Columns for a table of proposals (``Proposal.to_row`` has these and more)."""


class EquityScanLike(Protocol):
    """What a provider's screen returns (see :class:`screener.data.yahoo.EquityScan`)."""

    rows: list[dict[str, Any]]
    total: int | None
    pages: int


class ScreenProvider(Protocol):
    """Anything that can run a paged Yahoo equity screen for one region and industry."""

    def screen_equities(
        self, region: str, industry: str | None = None, *, max_results: int | None = None
    ) -> EquityScanLike:
        """Rows of the screen as plain dicts; raises the provider's errors on failure."""
        ...


@dataclass(frozen=True, slots=True)
class Proposal:
    """One company the universe does not list yet, with the classifier's verdict.

    ``yahoo_sector`` / ``industry`` are Yahoo's coarse labels; ``sector`` and
    ``sub_segment`` are the note's (or ``unclassified``), decided from ``basis``:
    the text the classifier actually saw, so nobody mistakes a name-based guess for
    a reading of the business summary.
    """

    ticker: str
    name: str | None
    region: str
    exchange: str | None
    industry: str | None
    yahoo_sector: str | None
    market_cap: float | None
    currency: str | None
    sector: str
    sub_segment: str | None
    confidence: float
    evidence: tuple[str, ...]
    reason: str
    basis: str = "name, industry"

    @property
    def is_classified(self) -> bool:
        return self.sector != UNCLASSIFIED

    @property
    def next_step(self) -> str:
        """The commands that give a summary-based verdict for this ticker."""
        return NEXT_STEP.format(ticker=self.ticker)

    def to_row(self) -> dict[str, Any]:
        """Plain dict for table/JSON/CSV output (evidence as a list)."""
        return {
            "ticker": self.ticker,
            "name": self.name,
            "region": self.region,
            "exchange": self.exchange,
            "industry": self.industry,
            "yahoo_sector": self.yahoo_sector,
            "market_cap": self.market_cap,
            "currency": self.currency,
            "sector": self.sector,
            "sub_segment": self.sub_segment,
            "confidence": round(self.confidence, 2),
            "evidence": list(self.evidence),
            "reason": self.reason,
            "basis": self.basis,
            "next_step": self.next_step,
        }


@dataclass(frozen=True, slots=True)
class DiscoveryResult:
    """Proposals plus what the scan covered, so a capped or partial scan is visible.

    ``scanned`` counts screener rows read (duplicates across industries included once),
    ``pages`` screener requests, ``skipped_known`` rows already in the universe,
    ``skipped_invalid`` symbols :func:`normalize_ticker` rejects (e.g. B-shares);
    ``available`` is Yahoo's total over the scanned industries (None if never given),
    ``truncated`` says ``max_results`` stopped the scan before that total.
    """

    proposals: list[Proposal]
    scanned: int
    pages: int
    skipped_known: int
    skipped_invalid: tuple[str, ...] = ()
    region: str = ""
    industries: tuple[str, ...] = ()
    available: int | None = None
    truncated: bool = False
    per_industry: dict[str, int] = field(default_factory=dict)

    @property
    def classified(self) -> list[Proposal]:
        return [p for p in self.proposals if p.is_classified]


def industries_for(region: str) -> tuple[str, ...]:
    """The Yahoo industries scanned for ``region``; InputError for an unsupported one."""
    key = region.strip().lower()
    if key not in REGION_INDUSTRIES:
        raise InputError(f"unknown region {region!r} (expected one of: {', '.join(REGIONS)})")
    return REGION_INDUSTRIES[key]


MAX_NAME_CHARS = 200


def _text(value: Any) -> str | None:
    """A screener row's text field, or None: one short line of text, or nothing at all.

    Screener rows come from the network: a name may be a dict, a list, 10**30 or hold
    escape codes. Such a value is no name (the one check of accepted text decides).
    """
    if isinstance(value, str) and text_problem(value, MAX_NAME_CHARS) is None and value.strip():
        return value.strip()
    return None


def _market_cap(value: Any) -> float | None:
    number = finite_float(value)
    return number if number is not None and number > 0 else None


def row_profile(row: Mapping[str, Any]) -> dict[str, Any]:
    """A Yahoo-profile-shaped mapping for the classifier, built from one screener row.

    The classifier reads ``sector``, ``industry`` and ``longBusinessSummary``. A screener
    row has no summary, so the company's names are offered as the only free text in its
    place: the one honest source of product words in the row. ``longName`` and
    ``shortName`` are kept too for a classifier that reads names directly.
    """
    names = [_text(row.get("longName")), _text(row.get("shortName")), _text(row.get("name"))]
    text: list[str] = []
    for name in names:
        if name and name not in text:
            text.append(name)
    profile: dict[str, Any] = {
        "sector": _text(row.get("sector")),
        "industry": _text(row.get("industry")),
        "longName": names[0] or names[2],
        "shortName": names[1],
    }
    if text:
        profile["longBusinessSummary"] = ". ".join(text)
    return {k: v for k, v in profile.items() if v not in (None, "")}


def _sort_key(p: Proposal) -> tuple[int, float, float, str]:
    """Classified first (core sectors before the adjacent group), then confidence and size."""
    rank = 0 if p.is_classified and p.sector != "adjacent" else 1 if p.is_classified else 2
    return (rank, -p.confidence, -(p.market_cap or 0.0), p.ticker)


def propose(
    candidates: Iterable[Mapping[str, Any]],
    universe: Iterable[Company] | Iterable[str],
    *,
    region: str = "",
    classify: Callable[[Mapping[str, Any]], Classification] = classify_profile,
) -> tuple[list[Proposal], int, tuple[str, ...]]:
    """Proposals for the candidates not in ``universe``, best first.

    ``candidates`` are screener rows (``symbol``, names, ``exchange``, ``industry``,
    ``sector``, ``marketCap``, ``currency``, ``region``); ``universe`` holds Companies
    or tickers. Symbols are compared after :func:`normalize_ticker`, so Yahoo's
    ``0700.HK`` meets the universe's ``0700.HK`` however either was written; a symbol
    it rejects is skipped (returned, so the caller can say so) rather than guessed.
    Returns (proposals, rows skipped as known, rejected symbols).
    """
    known: set[str] = set()
    for item in universe:
        ticker = item.ticker if isinstance(item, Company) else str(item)
        try:
            known.add(normalize_ticker(ticker))
        except InputError:
            known.add(ticker)
    proposals: list[Proposal] = []
    seen: set[str] = set()
    skipped_known = 0
    invalid: list[str] = []
    for row in candidates:
        raw = row.get("symbol")
        if not isinstance(raw, str) or not raw.strip():
            continue
        try:
            ticker = normalize_ticker(raw)
        except InputError:
            invalid.append(raw)
            continue
        if ticker in known:
            skipped_known += 1
            continue
        if ticker in seen:
            continue
        seen.add(ticker)
        verdict = classify(row_profile(row))
        proposals.append(
            Proposal(
                ticker=ticker,
                name=next(
                    (n for key in ("name", "longName", "shortName") if (n := _text(row.get(key)))),
                    None,
                ),
                region=_text(row.get("region")) or region,
                exchange=_text(row.get("exchange")),
                industry=_text(row.get("industry")),
                yahoo_sector=_text(row.get("sector")),
                market_cap=_market_cap(row.get("marketCap")),
                currency=currency if is_currency_code(currency := row.get("currency")) else None,
                sector=verdict.sector,
                sub_segment=verdict.sub_segment,
                confidence=float(verdict.confidence),
                evidence=tuple(verdict.evidence),
                reason=verdict.reason
                if verdict.is_classified
                else f"{verdict.reason} (screener rows carry no business summary)",
            )
        )
    proposals.sort(key=_sort_key)
    return proposals, skipped_known, tuple(invalid)


def discover(
    region: str,
    *,
    provider: ScreenProvider,
    universe: Iterable[Company] | Iterable[str],
    max_results: int | None = None,
    industries: Sequence[str] | None = None,
    classify: Callable[[Mapping[str, Any]], Classification] = classify_profile,
) -> DiscoveryResult:
    """Screen ``region`` industry by industry and propose the companies not yet listed.

    ``max_results`` caps the screener rows read over all industries (industries are
    scanned in :data:`REGION_INDUSTRIES` order, largest market cap first within each),
    which bounds the number of requests; ``industries`` overrides the region's list.
    Provider errors (``FetchError`` and subclasses) propagate unchanged: a discovery
    that silently lost an industry would look complete when it is not.
    """
    key = region.strip().lower()
    scan = tuple(industries) if industries is not None else industries_for(key)
    if max_results is not None and max_results < 0:
        raise InputError(f"--limit must be zero or more, not {max_results}")
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    pages = 0
    available: int | None = None
    per_industry: dict[str, int] = {}
    truncated = False
    for industry in scan:
        remaining = None if max_results is None else max_results - len(rows)
        if remaining is not None and remaining <= 0:
            truncated = True
            break
        result = provider.screen_equities(key, industry, max_results=remaining)
        pages += result.pages
        if result.total is not None:
            available = (available or 0) + result.total
            cut = remaining is not None and len(result.rows) >= remaining
            truncated = truncated or (cut and len(result.rows) < result.total)
        per_industry[industry] = len(result.rows)
        for row in result.rows:
            symbol = row.get("symbol")
            if isinstance(symbol, str) and symbol not in seen:
                seen.add(symbol)
                rows.append(row)
    proposals, skipped_known, invalid = propose(rows, universe, region=key, classify=classify)
    return DiscoveryResult(
        proposals=proposals,
        scanned=len(rows),
        pages=pages,
        skipped_known=skipped_known,
        skipped_invalid=invalid,
        region=key,
        industries=scan,
        available=available,
        truncated=truncated,
        per_industry=per_industry,
    )
