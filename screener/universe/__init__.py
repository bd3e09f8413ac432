"""The universe: the note's four sectors, the curated company list, and how to extend it.

Public interface (the CLI and the run import only these names)::

    load_universe(overrides=None)  -> list[Company]   built-in list merged with a user file
    normalize_ticker("sz300308")   -> "300308.SZ"     InputError (exit 2) when unrecognised
    ticker_note("872808.BJ")       -> "872808.BJ is now 920808.BJ ..."  (None: no move)
    classify(profile)              -> Classification  for tickers outside the list
    SECTORS, SUB_SEGMENTS, sector_label(id), sub_segment_label(id)
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from screener.lazy import lazy_exports
from screener.universe.companies import Company, builtin_companies
from screener.universe.overrides import (
    apply_overrides,
    default_config_dir,
    find_config_overrides,
    read_overrides,
)
from screener.universe.taxonomy import (
    ADJACENT,
    CORE_SECTORS,
    SECTOR_INFO,
    SECTORS,
    SUB_SEGMENTS,
    Sector,
    SubSegment,
    in_sector_stats,
    sector_label,
    sub_segment_label,
    sub_segments_of,
)
from screener.universe.tickers import (
    market_of,
    normalize_ticker,
    resolve_ticker,
    suggest_tickers,
    suggestion_text,
    ticker_note,
)

if TYPE_CHECKING:
    from screener.universe.classifier import UNCLASSIFIED, Classification, classify

#: names of the classifier, imported on first use: its patterns take a while to
#: compile, and a screen never classifies
_LAZY = {
    name: "screener.universe.classifier" for name in ("UNCLASSIFIED", "Classification", "classify")
}


__getattr__ = lazy_exports(__name__, _LAZY)


__all__ = [
    "ADJACENT",
    "CORE_SECTORS",
    "SECTORS",
    "SECTOR_INFO",
    "SUB_SEGMENTS",
    "UNCLASSIFIED",
    "Classification",
    "Company",
    "Sector",
    "SubSegment",
    "classify",
    "default_config_dir",
    "filter_companies",
    "find_company",
    "find_config_overrides",
    "in_sector_stats",
    "load_universe",
    "market_of",
    "normalize_ticker",
    "sector_label",
    "sub_segment_label",
    "sub_segments_of",
    "summarize",
    "ticker_note",
    "resolve_ticker",
    "suggest_tickers",
    "suggestion_text",
]


def load_universe(overrides: Path | None = None) -> list[Company]:
    """The built-in list, merged with the user's override file when one is given.

    The caller decides which file applies (``--universe FILE``, else
    :func:`find_config_overrides`), so library calls and tests never read the
    user's config implicitly. Raises ``InputError('file:line: message')`` on a bad file.
    """
    companies = list(builtin_companies())
    if overrides is None:
        return companies
    path = Path(overrides)
    return apply_overrides(companies, read_overrides(path), path)


def find_company(companies: list[Company], ticker: str) -> Company | None:
    """The company with this ticker (any accepted form), or None if it is not listed."""
    symbol = normalize_ticker(ticker)
    return next((c for c in companies if c.ticker == symbol), None)


def filter_companies(
    companies: list[Company],
    sectors: list[str] | tuple[str, ...] | None = None,
    *,
    include_secondary: bool = False,
) -> list[Company]:
    """Companies in any of ``sectors`` (all when None); unknown sector ids are an InputError.

    With ``include_secondary`` a company also matches through its secondary sector,
    e.g. Fiberhome (optical_communication) shows up under switching.
    """
    if not sectors:
        return list(companies)
    from screener.errors import InputError

    bad = [s for s in sectors if s not in SECTORS]
    if bad:
        raise InputError(f"unknown sector {bad[0]!r} (expected one of: {', '.join(SECTORS)})")
    wanted = set(sectors)
    return [
        c
        for c in companies
        if c.sector in wanted or (include_secondary and c.secondary_sector in wanted)
    ]


def summarize(companies: list[Company]) -> dict[str, dict[str, int]]:
    """Counts per sector: total, A-shares (market CN), others, and rows from overrides.

    Meant for ``universe check``: a quick view that the merged list still covers
    every sector on both sides of the border after a user's overrides.
    """
    out: dict[str, dict[str, int]] = {
        s: {"total": 0, "cn": 0, "other": 0, "override": 0} for s in SECTORS
    }
    for c in companies:
        row = out[c.sector]
        row["total"] += 1
        row["cn" if c.market == "CN" else "other"] += 1
        row["override"] += c.origin == "override"
    return out
