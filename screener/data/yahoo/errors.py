"""Whatever yfinance or the HTTP library raised -> one of the provider protocol's errors.

yfinance and requests/curl_cffi raise many types; the refresh only needs to know
"unknown symbol", "bad answer" or "try again later". The HTTP status is read off
the exception's response here, so nothing past the provider inspects responses.
Whether a network error is worth a retry is decided by `provider.is_transient`.
"""

from __future__ import annotations

import json

from screener.data.provider import (
    BadResponseError,
    FetchError,
    NotFoundError,
    ThrottledError,
    TransientError,
    is_transient,
)


def classify_error(exc: BaseException, what: str) -> FetchError:
    """Whatever yfinance/requests raised as one of our failure kinds; `what` names the call."""
    if isinstance(exc, FetchError):
        return exc
    name = type(exc).__name__
    text = str(exc).splitlines()[0][:200] if str(exc) else name
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    if name == "YFRateLimitError" or status == 429:
        return ThrottledError(f"{what}: rate limited by Yahoo (HTTP 429)")
    if status == 404 or name == "YFTzMissingError":
        return NotFoundError(f"{what}: not found on Yahoo ({text})")
    if name == "YFPricesMissingError":  # an empty answer is a failure, not "no such company"
        return BadResponseError(f"{what}: Yahoo sent no price data ({text})")
    if status is not None and status >= 500:
        return TransientError(f"{what}: Yahoo server error (HTTP {status})")
    if status is not None and status >= 400:
        return BadResponseError(f"{what}: HTTP {status} from Yahoo")
    if isinstance(exc, json.JSONDecodeError) or "JSONDecodeError" in name or "Expecting" in text:
        return BadResponseError(f"{what}: malformed JSON from Yahoo ({text})")
    if is_transient(exc):
        return TransientError(f"{what}: network error ({name}: {text})")
    return BadResponseError(f"{what}: unusable answer from Yahoo ({name}: {text})")
