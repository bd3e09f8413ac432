"""Market-wide answers fetched once per refresh and shared by every company.

`stock_yjbb_em` (a report period's results for the whole market, about 13 requests)
and `stock_profit_forecast_em` (the whole market's consensus, about 10) answer for
every A-share at once; asking once per company would multiply the requests by the
universe. The first worker that needs a key fetches it; the others wait for that
answer (or that error) instead of asking again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any


class _Entry:
    def __init__(self) -> None:
        self.done = threading.Event()
        self.value: Any = None
        self.error: BaseException | None = None


class SharedAnswers:
    """A single-flight cache: `get(key, fetch)` runs `fetch` once per key until `clear()`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[Hashable, _Entry] = {}

    def get(self, key: Hashable, fetch: Callable[[], Any]) -> Any:
        """The answer for `key`, fetched now by this thread or earlier by another.

        A failure is remembered too: every company of the run sees the same error
        rather than each one asking a struggling server again.
        """
        with self._lock:
            entry = self._entries.get(key)
            owner = entry is None
            if entry is None:
                entry = self._entries[key] = _Entry()
        if owner:
            try:
                entry.value = fetch()
            except Exception as exc:  # handed to every waiter below
                entry.error = exc
            finally:
                entry.done.set()
        else:
            entry.done.wait()
        if entry.error is not None:
            raise entry.error
        return entry.value

    def clear(self) -> None:
        """Forget every answer (a new refresh run asks again)."""
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)
