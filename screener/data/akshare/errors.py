"""Whatever akshare or requests raised -> one of the provider protocol's errors.

akshare has no error type for "unknown code": its parsing simply fails on East
Money's empty answer (`TypeError` on a null `result`, `ValueError` from a frame of
nulls, `IndexError` for an unknown board) or returns an empty frame. Dropped
connections reach us as requests' `ConnectionError` (or, after `stock_value_em`'s
own three tries, akshare's `NetworkError`); malformed bodies as `JSONDecodeError`
or akshare's `DataParsingError`. The one `classify_error` below sorts them, by type
name, so this module needs neither akshare nor requests imported.
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

#: akshare's "the answer had no rows" symptoms, for a call naming one stock
_UNKNOWN_SUBJECT = (TypeError, ValueError, IndexError)


def _status(exc: BaseException) -> int | None:
    status = getattr(exc, "status_code", None)
    if status is None:
        status = getattr(getattr(exc, "response", None), "status_code", None)
    return status if isinstance(status, int) else None


def _chain_names(exc: BaseException) -> set[str]:
    names: set[str] = set()
    seen: BaseException | None = exc
    while seen is not None and len(names) < 20:
        names.add(type(seen).__name__)
        seen = seen.__cause__ or seen.__context__
    return names


def classify_error(exc: BaseException, what: str) -> FetchError:
    """One protocol error for a failed akshare call; `what` names the call (and subject).

    NotFoundError: East Money has nothing for the code; TransientError: the network
    or the server failed (worth a later try); ThrottledError: asked to slow down;
    BadResponseError: it answered with something unusable.
    """
    if isinstance(exc, FetchError):
        return exc
    name = type(exc).__name__
    text = (str(exc).splitlines() or [name])[0][:200] or name
    status = _status(exc)
    if name == "RateLimitError" or status == 429:
        return ThrottledError(f"{what}: East Money is rate-limiting (HTTP 429)")
    if name == "NetworkError":
        return TransientError(f"{what}: East Money dropped the connection ({text})")
    if status is not None and status >= 500:
        return TransientError(f"{what}: East Money server error (HTTP {status})")
    if name == "APIError" or (status is not None and status >= 400):
        return BadResponseError(f"{what}: East Money answered HTTP {status} ({text})")
    if (
        name in ("DataParsingError", "JSONDecodeError")
        or isinstance(exc, json.JSONDecodeError)
        or "JSONDecodeError" in _chain_names(exc)
    ):
        return BadResponseError(f"{what}: malformed answer from East Money ({name}: {text})")
    if is_transient(exc):
        return TransientError(f"{what}: network error talking to East Money ({name}: {text})")
    if isinstance(exc, ValueError) and "Length mismatch" in text:
        return BadResponseError(f"{what}: East Money's answer has an unexpected layout ({text})")
    if isinstance(exc, KeyError):
        return BadResponseError(f"{what}: East Money's answer lacks a field ({text})")
    if isinstance(exc, _UNKNOWN_SUBJECT):
        return NotFoundError(f"{what}: East Money has no data for this code ({name}: {text})")
    return BadResponseError(f"{what}: unusable answer from East Money ({name}: {text})")


def is_no_rows(exc: BaseException) -> bool:
    """Whether a market-wide call failed only because the period has no rows (yet).

    `stock_yjbb_em` and `stock_profit_forecast_em` raise TypeError on East Money's
    empty answer (`result: null`): a period nobody has reported for is not an error.
    """
    return isinstance(exc, TypeError) and "NoneType" in str(exc)
