"""Every real Yahoo answer in the recorded folder, found by its content, ready to serve.

The folder (`tests.paths.RECORDED`, ../shared/yahoo-recorded) holds answers that other
clients recorded: quoteSummary modules (one file per module, or all at once), v7
quotes (one or several symbols a file), charts and valuation timeseries. Nothing here
knows a ticker: each file is read, told apart by what its body holds, and grouped by
recorder folder and symbol, so an answer added later is run through the same checks.

A fundamentals answer is one quoteSummary (merged per-module files, or one
all-modules file) with or without one v7 quote of the same recorder, or a v7 quote
alone; a chart answer is one chart body. `yf_info` builds `Ticker.info` from an answer
the way yfinance 1.7 does.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from tests.paths import RECORDED

#: the modules yfinance asks for `Ticker.info`, in its order (scrapers/quote.py,
#: `_fetch_info`); the fake Yahoo answers in the order asked
REQUEST_ORDER = (
    "financialData",
    "quoteType",
    "defaultKeyStatistics",
    "assetProfile",
    "summaryDetail",
)

#: quoteType fields a v7 quote carries: what a quoteSummary answer for a symbol whose
#: recorder kept only the v7 quote is made of (Yahoo answers quoteSummary for every
#: listed symbol; yfinance will not build `info` without it). No figure is made up.
_QUOTE_TYPE_FROM_V7 = {
    "exchange": "exchange",
    "quoteType": "quoteType",
    "symbol": "symbol",
    "shortName": "shortName",
    "longName": "longName",
    "timeZoneFullName": "exchangeTimezoneName",
    "timeZoneShortName": "exchangeTimezoneShortName",
}


@dataclass(frozen=True)
class Answer:
    """One company's fundamentals answer: what the fake Yahoo serves for it."""

    name: str  # e.g. "node-yahoo-finance2 BABA modules + v7 quote-BABA.json"
    symbol: str
    modules: Mapping[str, Any]  # quoteSummary module name -> module
    quote: Mapping[str, Any] | None  # the v7 quote row, or None
    timeseries: Mapping[str, Any] | None = None  # a valuation timeseries body
    recorded_modules: bool = True  # False: only the quoteType that v7 implies

    def bodies(self) -> dict[tuple[str, str], Any]:
        """(endpoint, symbol) -> body, for `FakeYahoo(extra=...)`."""
        out: dict[tuple[str, str], Any] = {
            ("quoteSummary", self.symbol): {
                "quoteSummary": {"result": [dict(self.modules)], "error": None}
            }
        }
        if self.quote is not None:
            out[("quote", self.symbol)] = {
                "quoteResponse": {"result": [dict(self.quote)], "error": None}
            }
        if self.timeseries is not None:
            out[("timeseries", self.symbol)] = self.timeseries
        return out

    def info(self) -> dict[str, Any]:
        """`Ticker.info` for this answer, as yfinance builds it from what the fake serves."""
        return yf_info(self.modules, self.quote, REQUEST_ORDER)


@dataclass(frozen=True)
class Chart:
    """One recorded chart answer (daily bars, the chart's meta)."""

    name: str
    symbol: str
    body: Mapping[str, Any] = field(repr=False)

    @property
    def result(self) -> Mapping[str, Any]:
        return self.body["chart"]["result"][0]


def yf_info(
    modules: Mapping[str, Any], quote: Mapping[str, Any] | None, order: tuple[str, ...]
) -> dict[str, Any]:
    """`Ticker.info` as yfinance 1.7 builds it (scrapers/quote.py, `_fetch_info`).

    Modules in `order`, each flattened with later keys winning, the flat v7 quote last;
    None values skipped; {raw, fmt} dicts reduced to raw.
    """
    merged: dict[str, Any] = {m: modules[m] for m in order if m in modules}
    if quote:
        merged.update(quote)
    flat: dict[str, Any] = {}
    for key, value in merged.items():
        if isinstance(value, dict):
            for k1, v1 in value.items():
                if v1 is not None:
                    flat[k1] = 86400 if k1 == "maxAge" and v1 == 1 else v1
        elif value is not None:
            flat[key] = value
    return {
        k: v["raw"] if isinstance(v, dict) and "raw" in v and "fmt" in v else v
        for k, v in flat.items()
    }


def next_year_eps(modules: Mapping[str, Any]) -> tuple[float | None, str | None]:
    """The "+1y" consensus EPS and its currency from the earningsTrend module."""
    for row in (modules.get("earningsTrend") or {}).get("trend", []):
        if row.get("period") == "+1y":
            current = row.get("epsTrend", {}).get("current")
            value = current.get("raw") if isinstance(current, dict) else current
            return value, row.get("epsTrend", {}).get("epsTrendCurrency")
    return None, None


# -- reading the folder --------------------------------------------------------------------


def _load(path: Path) -> tuple[Any, str]:
    """(the Yahoo body, the request URL or "") of one recorded file."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(data, dict) and isinstance(data.get("response"), dict):
        return data["response"].get("bodyJson"), str(data.get("request", {}).get("url", ""))
    return data, ""


def _summary_symbol(url: str, result: Mapping[str, Any]) -> str | None:
    if "/quoteSummary/" in url:
        return unquote(urlsplit(url).path.rsplit("/", 1)[-1])
    for module in ("quoteType", "price"):
        symbol = (result.get(module) or {}).get("symbol")
        if isinstance(symbol, str):
            return symbol
    return None


def _is_valuation(body: Mapping[str, Any]) -> bool:
    """A valuation-measures timeseries (PeRatio, EnterpriseValue ...), not a statement one."""
    types = [
        t
        for item in body["timeseries"].get("result") or []
        for t in (item.get("meta", {}).get("type") or [])
    ]
    return any(t.endswith(("PeRatio", "PbRatio", "EnterpriseValue")) for t in types)


@dataclass
class _Folder:
    summaries: dict[str, list[tuple[str, dict[str, Any]]]] = field(default_factory=dict)
    per_module: dict[str, dict[str, Any]] = field(default_factory=dict)
    quotes: dict[str, list[tuple[str, dict[str, Any]]]] = field(default_factory=dict)
    timeseries: dict[str, dict[str, Any]] = field(default_factory=dict)


def _scan(root: Path) -> tuple[dict[str, _Folder], list[Chart]]:
    folders: dict[str, _Folder] = {}
    charts: list[Chart] = []
    for path in sorted(root.rglob("*.json")):
        body, url = _load(path)
        if not isinstance(body, dict):
            continue
        folder = folders.setdefault(path.parent.name, _Folder())
        label = f"{path.parent.name}/{path.name}"
        if "quoteSummary" in body:
            for result in body["quoteSummary"].get("result") or []:
                symbol = _summary_symbol(url, result)
                if not symbol:
                    continue
                wanted = parse_qs(urlsplit(url).query).get("modules", [""])[0].split(",")
                if url and len(wanted) == 1:  # one module a file: merged per symbol below
                    folder.per_module.setdefault(symbol, {}).update(result)
                else:
                    folder.summaries.setdefault(symbol, []).append((label, dict(result)))
        elif "quoteResponse" in body:
            for row in body["quoteResponse"].get("result") or []:
                symbol = row.get("symbol")
                seen = folder.quotes.setdefault(symbol, [])
                if isinstance(symbol, str) and all(row != other for _, other in seen):
                    seen.append((label, row))
        elif "chart" in body:
            for result in body["chart"].get("result") or []:
                symbol = result.get("meta", {}).get("symbol")
                if isinstance(symbol, str) and result.get("timestamp"):
                    charts.append(
                        Chart(label, symbol, {"chart": {"result": [result], "error": None}})
                    )
        elif "timeseries" in body and _is_valuation(body):
            for item in body["timeseries"].get("result") or []:
                for symbol in item.get("meta", {}).get("symbol") or []:
                    folder.timeseries[symbol] = body
    return folders, charts


@cache
def _discovered(root: Path) -> tuple[tuple[Answer, ...], tuple[Chart, ...]]:
    if not root.is_dir():
        return (), ()
    folders, charts = _scan(root)
    answers: list[Answer] = []
    for name, folder in sorted(folders.items()):
        summaries = {s: list(v) for s, v in folder.summaries.items()}
        for symbol, merged in folder.per_module.items():
            summaries.setdefault(symbol, []).insert(0, ("modules", merged))
        for symbol in sorted(set(summaries) | set(folder.quotes)):
            quotes = folder.quotes.get(symbol, [])
            series = folder.timeseries.get(symbol)
            for label, modules in summaries.get(symbol, []):
                what = "modules" if label == "modules" else label.split("/", 1)[1]
                for quote_label, row in [*quotes, ("no v7 quote", None)]:
                    shown = quote_label.split("/", 1)[-1]
                    answers.append(
                        Answer(f"{name} {symbol} {what} + {shown}", symbol, modules, row, series)
                    )
            if symbol not in summaries:
                for quote_label, row in quotes:
                    implied = {
                        key: row[v7] for key, v7 in _QUOTE_TYPE_FROM_V7.items() if v7 in row
                    }
                    answers.append(
                        Answer(
                            f"{name} {symbol} v7 only {quote_label.split('/', 1)[-1]}",
                            symbol,
                            {"quoteType": implied},
                            row,
                            series,
                            recorded_modules=False,
                        )
                    )
    return tuple(answers), tuple(charts)


def answers(root: Path = RECORDED) -> tuple[Answer, ...]:
    """Every fundamentals answer in the recorded folder (none when it is absent)."""
    return _discovered(root)[0]


def charts(root: Path = RECORDED) -> tuple[Chart, ...]:
    """Every chart answer with daily bars in the recorded folder."""
    return _discovered(root)[1]


def iter_ids(items: tuple[Answer, ...] | tuple[Chart, ...]) -> Iterator[str]:
    """pytest ids: the answers' names."""
    return (item.name for item in items)
