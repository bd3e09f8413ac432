"""`Ticker.info` and `Ticker.eps_trend` from one quoteSummary answer and one v7 quote row.

yfinance builds `info` from a quoteSummary call of five modules, a v7 quote call and a
timeseries call for the trailing PEG, and `eps_trend` from a second quoteSummary call
for `earningsTrend`. The refresh asks for all six modules at once, batches the v7
quotes across companies and takes the trailing PEG from the valuation timeseries
(`timeseries`); this module puts the answers back together exactly as yfinance 1.7
does (scrapers/quote.py `_fetch_info`, scrapers/analysis.py `_get_periodic_df`), so
the mapping onto the catalogue (`fields`) and the currency proof read what they read
before. Pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: the modules of `Ticker.info`, in yfinance's order, and the EPS trend's
INFO_MODULES: tuple[str, ...] = (
    "financialData",
    "quoteType",
    "defaultKeyStatistics",
    "assetProfile",
    "summaryDetail",
)
TREND_MODULE = "earningsTrend"
MODULES: tuple[str, ...] = (*INFO_MODULES, TREND_MODULE)


def _format(key: str | None, value: Any) -> Any:
    """yfinance's `_format`: {raw, fmt} pairs to raw (fmt for the two times), recursively."""
    if isinstance(value, dict) and "raw" in value and "fmt" in value:
        return value["fmt"] if key in {"regularMarketTime", "postMarketTime"} else value["raw"]
    if isinstance(value, list):
        return [_format(None, x) for x in value]
    if isinstance(value, dict):
        return {k: _format(k, x) for k, x in value.items()}
    if isinstance(value, str):
        return value.replace("\xa0", " ")
    return value


def build_info(
    summary: Mapping[str, Any] | None,
    quote: Mapping[str, Any] | None,
    symbol: str,
    trailing_peg: float | None,
) -> dict[str, Any]:
    """`Ticker.info`: the quoteSummary modules (earningsTrend left out) then the v7 row,
    flattened with later keys winning, None dropped, maxAge 1 read as a day in seconds;
    `trailingPegRatio` set (None when Yahoo had none)."""
    merged: dict[str, Any] = {}
    for part in (summary, quote):
        if part:
            merged.update({k: v for k, v in part.items() if k != TREND_MODULE or part is quote})
            merged["symbol"] = symbol
    flat: dict[str, Any] = {}
    for key, value in merged.items():
        if isinstance(value, dict):
            for k1, v1 in value.items():
                if v1 is not None:
                    flat[k1] = 86400 if k1 == "maxAge" and v1 == 1 else v1
        elif value is not None:
            flat[key] = value
    info = {k: _format(k, v) for k, v in flat.items()}
    info["trailingPegRatio"] = trailing_peg
    return info


class EpsTrend:
    """What `Ticker.eps_trend` gives the provider: `.loc["+1y"]` -> a row with `.get`.

    yfinance keeps the first four periods, each period's non-empty {raw} values, and the
    first `epsTrendCurrency` it meets as every row's `currency`.
    """

    def __init__(self, trend: list[Any]) -> None:
        rows: dict[str, dict[str, Any]] = {}
        currency = None
        for item in trend[:4]:
            section = item.get("epsTrend") or {}
            row: dict[str, Any] = {}
            for k, v in section.items():
                if isinstance(v, dict) and v:
                    row[k] = v.get("raw")
            rows.setdefault(item.get("period"), row)
            if currency is None:
                currency = section.get("epsTrendCurrency")
        if currency is not None:
            for row in rows.values():
                row["currency"] = currency
        self.loc: Mapping[str, Mapping[str, Any]] = rows
        self.empty = not rows


def eps_trend(summary: Mapping[str, Any] | None) -> EpsTrend | None:
    """The EPS trend of a quoteSummary answer; None when Yahoo sent no earningsTrend."""
    module = (summary or {}).get(TREND_MODULE)
    if not isinstance(module, Mapping) or not isinstance(module.get("trend"), list):
        return None
    return EpsTrend(module["trend"])
