"""Watchlists in the files trading terminals import: TradingView, 通达信 (TDX), 同花顺 (THS).

Each format is built as bytes here (pure) and written by the one atomic writer; the
layouts and their sources are in docs/exports.md:

* TradingView: a text list of `EXCHANGE:SYMBOL`, comma-separated (SSE:600000,
  SZSE:300308, HKEX:700, NASDAQ:NVDA, TWSE:2345 ...), UTF-8.
* 通达信 block file (`T0002/blocknew/NAME.blk`): one code a line, the market digit
  before the six digits (1 Shanghai, 0 Shenzhen, 2 Beijing), GBK, CRLF line ends.
  Only A-shares have such codes.
* 同花顺 import CSV: a header `代码,名称`, then the six-digit code and the Chinese name,
  GBK, CRLF. Only A-shares.

A company a format cannot name is left out and reported, never guessed.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from screener.output.csvfile import csv_cell

#: Yahoo suffix -> TradingView exchange prefix
TRADINGVIEW_PREFIX: dict[str, str] = {
    "SS": "SSE",
    "SZ": "SZSE",
    "BJ": "BSE",
    "HK": "HKEX",
    "TW": "TWSE",
    "TWO": "TPEX",
    "T": "TSE",
    "AX": "ASX",
    "KS": "KRX",
    "KQ": "KRX",
    "TO": "TSX",
    "L": "LSE",
}
#: US exchanges as the universe spells them -> TradingView's prefix
US_EXCHANGES: dict[str, str] = {"NASDAQ": "NASDAQ", "NYSE": "NYSE", "AMEX": "AMEX"}
#: A-share suffix -> 通达信's market digit
TDX_MARKET: dict[str, str] = {"SS": "1", "SZ": "0", "BJ": "2"}
_SYMBOL = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,15}")
EXPORT_FORMATS: dict[str, str] = {  # format -> the file suffix it must have
    "csv": ".csv",
    "tradingview": ".txt",
    "tdx": ".blk",
    "ths": ".csv",
}


@dataclass(frozen=True)
class Export:
    """A file's bytes, and the tickers the format could not name (left out)."""

    data: bytes
    written: tuple[str, ...]
    skipped: tuple[str, ...]


def _split(ticker: str) -> tuple[str, str]:
    code, _, suffix = ticker.rpartition(".")
    return (code, suffix) if code else (ticker, "")


def tradingview_symbol(ticker: str, exchange: str | None = None) -> str | None:
    """'0700.HK' -> 'HKEX:700'; 'NVDA' + 'NASDAQ' -> 'NASDAQ:NVDA'; None if unknown."""
    code, suffix = _split(ticker)
    if not _SYMBOL.fullmatch(code):  # a damaged saved row: never a comma or a line break
        return None
    if not suffix:
        prefix = US_EXCHANGES.get((exchange or "").upper())
        return f"{prefix}:{code.replace('-', '.')}" if prefix else None
    prefix = TRADINGVIEW_PREFIX.get(suffix.upper())
    if prefix is None:
        return None
    if prefix == "HKEX":
        code = code.lstrip("0") or "0"
    return f"{prefix}:{code}"


def tradingview_list(tickers: Sequence[str], exchanges: Mapping[str, str]) -> Export:
    """The tickers as a TradingView import list: one line, comma-separated, UTF-8."""
    written: list[str] = []
    symbols: list[str] = []
    skipped: list[str] = []
    for ticker in tickers:
        symbol = tradingview_symbol(ticker, exchanges.get(ticker))
        if symbol is None:
            skipped.append(ticker)
        else:
            symbols.append(symbol)
            written.append(ticker)
    data = (",".join(symbols) + "\n").encode("utf-8") if symbols else b""
    return Export(data, tuple(written), tuple(skipped))


def tdx_code(ticker: str) -> str | None:
    """'600000.SS' -> '1600000', '300308.SZ' -> '0300308', '920098.BJ' -> '2920098'."""
    code, suffix = _split(ticker)
    market = TDX_MARKET.get(suffix.upper())
    if market is None or len(code) != 6 or not code.isdigit():
        return None
    return market + code


def tdx_block(tickers: Sequence[str]) -> Export:
    """A 通达信 block file: one market-prefixed code a line, GBK, CRLF after every line."""
    lines: list[str] = []
    written: list[str] = []
    skipped: list[str] = []
    for ticker in tickers:
        code = tdx_code(ticker)
        if code is None:
            skipped.append(ticker)
        else:
            lines.append(code)
            written.append(ticker)
    data = "".join(f"{line}\r\n" for line in lines).encode("gbk")
    return Export(data, tuple(written), tuple(skipped))


def _gbk_name(row: Mapping[str, Any]) -> str:
    """The Chinese name when GBK can write it, else the English one (then the ticker)."""
    for key in ("name_zh", "name"):
        value = row.get(key)
        if isinstance(value, str) and value.strip():
            text = csv_cell(value.strip())
            try:
                text.encode("gbk")
            except UnicodeEncodeError:
                continue
            return text
    return str(row.get("ticker", ""))


def ths_csv(rows: Sequence[Mapping[str, Any]]) -> Export:
    """A 同花顺 import file: header 代码,名称; six-digit code and name; GBK, CRLF."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(["代码", "名称"])
    written: list[str] = []
    skipped: list[str] = []
    for row in rows:
        ticker = str(row.get("ticker", ""))
        code = tdx_code(ticker)
        if code is None:
            skipped.append(ticker)
            continue
        writer.writerow([code[1:], _gbk_name(row)])
        written.append(ticker)
    return Export(buffer.getvalue().encode("gbk"), tuple(written), tuple(skipped))


def build_export(
    fmt: str, rows: Sequence[Mapping[str, Any]], exchanges: Mapping[str, str]
) -> Export:
    """The `watchlist export --to FORMAT` file of saved rows (not `csv`: see csvfile)."""
    tickers = [str(row.get("ticker", "")) for row in rows]
    if fmt == "tradingview":
        return tradingview_list(tickers, exchanges)
    if fmt == "tdx":
        return tdx_block(tickers)
    if fmt == "ths":
        return ths_csv(rows)
    raise ValueError(f"unknown export format {fmt!r}")
