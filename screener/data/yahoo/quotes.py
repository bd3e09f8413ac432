"""v7 quotes asked for in batches before a refresh's per-ticker fetches, handed out once.

yfinance asks for one v7 quote per `Ticker.info`; Yahoo answers up to `QUOTE_BATCH`
symbols in one request, so a refresh asks for all its tickers' quotes (and then the
FX pairs their currencies need) first, a few batches at once, and each fetch takes its
row from here. A symbol whose batch was answered but holds no row has no quote (as
Yahoo answers for a symbol it does not know); one whose batch failed is asked for alone.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from screener.data.yahoo.api import QUOTE_BATCH, YahooApi
from screener.data.yahoo.currency import minor_unit
from screener.utils import is_currency_code

#: batches sent at once (the gate still decides how many requests are in flight)
PARALLEL_BATCHES = 4


class QuoteBook:
    """Prefetched v7 quote rows by symbol, shared by the refresh's worker threads."""

    def __init__(self, api: YahooApi) -> None:
        self._api = api
        self._lock = threading.Lock()
        self._rows: dict[str, Mapping[str, Any]] = {}
        self._asked: set[str] = set()

    def prefetch(self, symbols: Iterable[str]) -> None:
        """Ask for the quotes of `symbols` in batches; a failed batch is left unasked."""
        todo = list(dict.fromkeys(symbols))
        batches = [todo[i : i + QUOTE_BATCH] for i in range(0, len(todo), QUOTE_BATCH)]
        if not batches:
            return
        if len(batches) == 1:
            self._ask(batches[0])
            return
        with ThreadPoolExecutor(min(PARALLEL_BATCHES, len(batches)), "quotes") as pool:
            list(pool.map(self._ask, batches))

    def prefetch_fx(self, currencies: Iterable[str]) -> None:
        """Ask for the `XXX=X` pairs of `currencies` (majors, not USD) in one batch."""
        self.prefetch(f"{c}=X" for c in sorted(set(currencies)))

    def _ask(self, batch: list[str]) -> None:
        try:
            rows = self._api.quotes(batch)
        except Exception:  # each ticker then asks for its own quote, and sees the error
            return
        with self._lock:
            self._rows.update({s: rows[s] for s in batch if s in rows})
            self._asked.update(batch)

    def currencies(self) -> set[str]:
        """The major currencies (not USD) the prefetched rows are listed or reported in."""
        out: set[str] = set()
        with self._lock:
            rows = list(self._rows.values())
        for row in rows:
            for key in ("currency", "financialCurrency"):
                code = row.get(key)
                if is_currency_code(code):
                    major = minor_unit(code)[0]
                    if major != "USD":
                        out.add(major)
        return out

    def row(
        self, symbol: str, *, ask: bool = True, strict: bool = False
    ) -> Mapping[str, Any] | None:
        """`symbol`'s row, once: prefetched, else (with `ask`) asked for alone.

        None when Yahoo has no row for it; with `strict` a failed request raises.
        """
        with self._lock:
            if symbol in self._asked:
                self._asked.discard(symbol)
                return self._rows.pop(symbol, None)
        if not ask:
            return None
        try:
            return self._api.quotes([symbol]).get(symbol)
        except Exception:
            if strict:
                raise
            return None
