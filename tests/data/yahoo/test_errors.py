"""yfinance's and the HTTP library's exceptions -> the protocol's errors; answers judged once."""

from __future__ import annotations

import json
from typing import Any

import pytest

from screener.data.provider import (
    BadResponseError,
    FetchError,
    NotFoundError,
    ThrottledError,
    TransientError,
    is_transient,
)
from screener.data.yahoo.errors import classify_error
from screener.data.yahoo.session import MeteredSession, raise_for_retryable, retry_after


class _Response:
    def __init__(self, status: int, headers: dict[str, str] | None = None, url: str = "") -> None:
        self.status_code = status
        self.headers = headers or {}
        self.url = url


class _HTTPError(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(f"HTTP {status}")
        self.response = _Response(status)


class ReadTimeout(Exception):
    """Named like requests' own: the name is what marks it as a network failure."""


class YFRateLimitError(Exception):
    """Named like yfinance's."""


@pytest.mark.parametrize(
    ("exc", "kind", "transient"),
    [
        (_HTTPError(429), ThrottledError, True),
        (YFRateLimitError("Too Many Requests"), ThrottledError, True),
        (_HTTPError(404), NotFoundError, False),
        (_HTTPError(503), TransientError, True),
        (_HTTPError(403), BadResponseError, False),
        (json.JSONDecodeError("Expecting value", "", 0), BadResponseError, False),
        (ReadTimeout("read timed out"), TransientError, True),
        (ConnectionResetError("reset"), TransientError, True),
        (RuntimeError("something odd"), BadResponseError, False),
    ],
)
def test_classification(exc: BaseException, kind: type[FetchError], transient: bool) -> None:
    error = classify_error(exc, "quote")
    assert type(error) is kind and error.transient is transient
    assert str(error).startswith("quote: ")
    # One decision: the classified error and the raw exception agree on "transient".
    assert is_transient(error) is transient
    if not isinstance(exc, (_HTTPError, YFRateLimitError)):
        assert is_transient(exc) is transient


def test_our_own_errors_pass_through_unchanged() -> None:
    original = NotFoundError("quote: gone")
    assert classify_error(original, "prices") is original


@pytest.mark.parametrize(
    ("status", "error"), [(200, None), (404, None), (429, ThrottledError), (502, TransientError)]
)
def test_retryable_answers_raise_with_their_retry_after(
    status: int, error: type[TransientError] | None
) -> None:
    response = _Response(status, {"Retry-After": "3"}, "https://x.test/v8/finance/chart/ANET?a=1")
    if error is None:
        raise_for_retryable(response, after_retries=False)
        return
    with pytest.raises(error) as caught:
        raise_for_retryable(response, after_retries=True)
    assert caught.value.retry_after == 3.0
    assert str(caught.value) == f"HTTP {status} from Yahoo (chart) after retries"


def test_retry_after_reads_seconds_and_dates() -> None:
    assert retry_after(_Response(429, {"Retry-After": "1.5"})) == 1.5
    assert retry_after(_Response(429, {"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})) == 0.0
    assert retry_after(_Response(429, {"Retry-After": "soon"})) is None
    assert retry_after(_Response(429)) is None


def test_the_metered_session_counts_and_gates_every_request() -> None:
    class Session:
        def request(self, *args: Any, **kwargs: Any) -> _Response:
            return _Response(200)

    class Gate:
        calls = 0

        def call(self, send: Any) -> Any:
            Gate.calls += 1
            return send()

    session = Session()
    meter = MeteredSession(session)
    session.request("GET", "u")
    meter.gate = Gate()
    session.request("GET", "u")
    assert meter.total == meter.thread_count() == 2 and Gate.calls == 1
    again = MeteredSession(session)  # wrapping twice replaces, never stacks
    session.request("GET", "u")
    assert again.total == 1 and meter.total == 2
