"""The one HTTP session every Yahoo request goes through: counted, gated, its answers judged.

`MeteredSession` wraps a requests or curl_cffi session's `request` method. Each
request is counted (in all, and per thread, so a refresh can log requests per
ticker) and handed to the attached `RequestGate`, which is where the refresh puts
its adaptive concurrency limit and its retries. Answers are judged here, not in the
gate: a 429 raises `ThrottledError` and a 5xx `TransientError`, each with the
Retry-After Yahoo sent, so the gate never reads a response and yfinance only sees
an error after the gate has given up.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from screener.data.provider import RequestGate, ThrottledError, TransientError


def retry_after(response: Any) -> float | None:
    """Seconds the answer asks us to wait (Retry-After as seconds or as an HTTP date), if any."""
    headers = getattr(response, "headers", None) or {}
    value = headers.get("Retry-After") if hasattr(headers, "get") else None
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def raise_for_retryable(response: Any, after_retries: bool) -> None:
    """Raise ThrottledError for a 429 and TransientError for a 5xx; other answers pass.

    yfinance would read a 5xx chart body as "possibly delisted" and answer a 429 by
    switching cookie strategy; neither helps, so it never sees those answers.
    """
    status = getattr(response, "status_code", 200)
    if status != 429 and status < 500:
        return
    url = str(getattr(response, "url", "") or "").split("?")[0]
    endpoint = url.rsplit("/", 2)[-2] if url else "?"
    message = f"HTTP {status} from Yahoo ({endpoint})" + (" after retries" if after_retries else "")
    error = ThrottledError if status == 429 else TransientError
    raise error(message, retry_after=retry_after(response))


class MeteredSession:
    """Counts and gates every request of `session` by wrapping its `request` method.

    Wrapping a session twice (a second provider on the same session) replaces the
    first wrapper rather than stacking on it, so requests are counted once.
    """

    def __init__(self, session: Any) -> None:
        self.session = session
        self.gate: RequestGate | None = None
        self._lock = threading.Lock()
        self._total = 0
        self._local = threading.local()
        self._wrap()

    @property
    def total(self) -> int:
        """HTTP requests (retries included) made through this session so far."""
        return self._total

    def thread_count(self) -> int:
        """Requests made by the calling thread so far."""
        return getattr(self._local, "count", 0)

    def _wrap(self) -> None:
        original = self.session.request
        if getattr(original, "_screener_wrapped", False):
            original = original._screener_original  # type: ignore[attr-defined]

        def request(*args: Any, **kwargs: Any) -> Any:
            gate = self.gate

            def send() -> Any:
                with self._lock:
                    self._total += 1
                self._local.count = self.thread_count() + 1
                response = original(*args, **kwargs)
                raise_for_retryable(response, after_retries=gate is not None)
                return response

            return gate.call(send) if gate is not None else send()

        request._screener_wrapped = True  # type: ignore[attr-defined]
        request._screener_original = original  # type: ignore[attr-defined]
        self.session.request = request
