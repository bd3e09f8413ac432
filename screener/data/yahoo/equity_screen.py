"""Yahoo's equity screener, paged: every listing of a region (and industry), for discovery.

Runs yfinance's own `yf.screen` (a POST of the query) through the provider's
session, so requests are counted and pass the gate like any other.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from screener.data.provider import BadResponseError, FetchError
from screener.data.yahoo.errors import classify_error
from screener.errors import InputError
from screener.utils import finite_float

SCREEN_PAGE_SIZE = 250
"""Yahoo's largest screener page: yfinance refuses `size` > 250 and so does Yahoo."""

SCREEN_MAX_OFFSET = 10_000
"""Yahoo stops paging a screen at offset 10 000 (it repeats rows past it), so neither do we."""


@dataclass(frozen=True, slots=True)
class EquityScan:
    """The rows of one paged `yf.screen` run, plus what the paging saw.

    `rows` are plain dicts (see `screen_equities`); `total` is Yahoo's own count of
    matches (None when it did not say), so a caller can tell a capped or cut scan
    (`len(rows) < total`) from a complete one; `pages` counts screener requests.
    """

    rows: list[dict[str, Any]]
    total: int | None
    pages: int
    query: dict[str, Any]


@lru_cache(maxsize=1)
def screener_industries() -> dict[str, str]:
    """Yahoo's screener industry names -> their Yahoo sector, as yfinance validates them.

    Exposed so code that keeps its own lists of industries (universe discovery) can
    check them against the names Yahoo accepts without importing yfinance itself.
    """
    from yfinance.const import EQUITY_SCREENER_EQ_MAP

    return {
        industry: sector
        for sector, industries in EQUITY_SCREENER_EQ_MAP["industry"].items()
        for industry in industries
    }


def screener_regions() -> frozenset[str]:
    """Region codes (`cn`, `hk`, `us`, `tw` ...) that Yahoo's equity screener accepts."""
    from yfinance.const import EQUITY_SCREENER_EQ_MAP

    return frozenset(EQUITY_SCREENER_EQ_MAP["region"])


def _screen_row(quote: Mapping[str, Any], region: str, industry: str | None) -> dict[str, Any]:
    """One screener quote as a plain dict with the fields discovery needs.

    Yahoo's screener rows are v7-quote-shaped: they carry no industry or sector, and
    their `region` is the request's language region ('US'), not the listing's. So the
    industry is the one the query filtered on (a row's own value wins if it has one),
    the sector comes from Yahoo's industry -> sector table, and `region` is the
    screened region code.
    """
    own_industry, own_sector = quote.get("industry"), quote.get("sector")
    # A row's own value wins only if it is text: a dict here would be unhashable below.
    industry = own_industry if isinstance(own_industry, str) and own_industry else industry
    sector = own_sector if isinstance(own_sector, str) and own_sector else None
    sector = sector or (screener_industries().get(industry) if industry else None)
    long_name = quote.get("longName")
    short_name = quote.get("shortName")
    return {
        "symbol": quote.get("symbol"),
        "name": long_name or short_name or quote.get("displayName"),
        "longName": long_name,
        "shortName": short_name,
        "exchange": quote.get("exchange"),
        "fullExchangeName": quote.get("fullExchangeName"),
        "quoteType": quote.get("quoteType"),
        "industry": industry,
        "sector": sector,
        "marketCap": finite_float(quote.get("marketCap")),
        "currency": quote.get("currency"),
        "region": region,
    }


def screen_equities(
    session: Any,
    region: str,
    industry: str | None = None,
    *,
    max_results: int | None = None,
    page_size: int = SCREEN_PAGE_SIZE,
    sort_field: str = "intradaymarketcap",
    sort_asc: bool = False,
) -> EquityScan:
    """Every equity Yahoo's screener lists for `region` (and `industry`), page by page.

    Follows `offset` in pages of `page_size` (at most 250, Yahoo's limit) until
    Yahoo's `total` is reached, a page comes back empty, `max_results` rows are
    collected or offset 10 000 is hit. One industry per call, because the rows do not
    say which industry they belong to (see `_screen_row`). Largest market cap first by
    default, so a capped scan keeps the companies that matter most; a row that moves
    between pages while paging is kept once.

    Raises InputError for a region or industry Yahoo's screener does not know, and
    TransientError / BadResponseError / NotFoundError when Yahoo fails.
    """
    import yfinance as yf
    from yfinance import EquityQuery

    if not 1 <= page_size <= SCREEN_PAGE_SIZE:
        raise ValueError(f"page_size must be 1..{SCREEN_PAGE_SIZE}, not {page_size}")
    if max_results is not None and max_results < 0:
        raise ValueError(f"max_results must be >= 0, not {max_results}")
    region = region.lower()
    try:
        parts = [EquityQuery("eq", ["region", region])]
        if industry is not None:
            parts.append(EquityQuery("eq", ["industry", industry]))
        query = parts[0] if len(parts) == 1 else EquityQuery("and", parts)
    except ValueError as exc:  # yfinance validates names against Yahoo's own lists
        raise InputError(
            f"Yahoo's screener does not accept region {region!r} / industry {industry!r}"
            f" ({exc})"
        ) from exc

    what = f"screener {region}" + (f" / {industry}" if industry else "")
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    total: int | None = None
    pages = 0
    offset = 0
    while offset < SCREEN_MAX_OFFSET:
        size = page_size
        if max_results is not None:
            size = min(size, max_results - len(rows))
            if size <= 0:
                break
        try:
            result = yf.screen(
                query,
                offset=offset,
                size=size,
                sortField=sort_field,
                sortAsc=sort_asc,
                session=session,
            )
        except (IndexError, KeyError, TypeError) as exc:  # finance.result[0] missing
            raise BadResponseError(
                f"{what} (offset {offset}): Yahoo's answer holds no screener result"
            ) from exc
        except FetchError as exc:  # from the session wrapper: add where it happened
            raise type(exc)(f"{what} (offset {offset}): {exc}") from exc
        except Exception as exc:  # yfinance and requests raise many types
            raise classify_error(exc, f"{what} (offset {offset})") from exc
        finally:
            pages += 1
        if not isinstance(result, Mapping):
            raise BadResponseError(f"{what} (offset {offset}): no result in Yahoo's answer")
        quotes = result.get("quotes") or []
        reported = result.get("total")
        if isinstance(reported, int) and not isinstance(reported, bool):
            total = reported
        for quote in quotes:
            symbol = quote.get("symbol") if isinstance(quote, Mapping) else None
            if not isinstance(symbol, str) or not symbol or symbol in seen:
                continue
            seen.add(symbol)
            rows.append(_screen_row(quote, region, industry))
            if max_results is not None and len(rows) >= max_results:
                break
        offset += len(quotes)
        if not quotes or (total is not None and offset >= total):
            break
    return EquityScan(rows=rows, total=total, pages=pages, query=query.to_dict())
