"""The adaptive gate on its own: AIMD on throttles, retries of transient errors, the stop."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from screener.data.provider import BadResponseError, ThrottledError, TransientError
from screener.data.refresh import AdaptiveGate, RateLimitedError, RetryPolicy

FAST = RetryPolicy(attempts=3, base_delay=0.001, max_delay=0.001)


class _Resp:
    status_code = 200


def answers(*outcomes: BaseException | _Resp) -> Callable[[], _Resp]:
    """A `send` that raises or returns the outcomes in turn, as the provider's send does."""
    it: Iterator[BaseException | _Resp] = iter(outcomes)

    def send() -> _Resp:
        outcome = next(it)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    return send


def test_gate_shrinks_at_once_and_grows_back_gradually() -> None:
    gate = AdaptiveGate(max_limit=16, initial=8, retry=FAST)
    assert gate.call(answers(ThrottledError("HTTP 429"), _Resp())).status_code == 200
    assert gate.limit == pytest.approx(4 + 1 / 4)  # halved by the 429, then one success
    assert gate.throttled == 1 and gate.retries == 1
    for _ in range(40):
        gate.call(_Resp)
    assert 8 < gate.limit <= 16  # about +1 per round of `limit` successes


def test_gate_gives_up_after_its_attempts() -> None:
    gate = AdaptiveGate(retry=FAST)
    calls: list[int] = []

    def send() -> _Resp:
        calls.append(1)
        raise TransientError("HTTP 503 from Yahoo (chart) after retries")

    with pytest.raises(TransientError, match="503"):
        gate.call(send)
    assert len(calls) == 3 and gate.retries == 2


def test_network_errors_are_retried_and_bad_answers_are_not() -> None:
    gate = AdaptiveGate(retry=FAST)
    assert gate.call(answers(ConnectionResetError("reset"), _Resp())).status_code == 200
    with pytest.raises(BadResponseError):
        gate.call(answers(BadResponseError("malformed"), _Resp()))
    assert gate.retries == 1 and gate.throttled == 0


def test_a_server_error_waits_its_retry_after() -> None:
    slept: list[float] = []
    gate = AdaptiveGate(retry=RetryPolicy(attempts=3, max_delay=5.0), sleep=slept.append)
    gate.call(answers(TransientError("HTTP 503", retry_after=2.0), _Resp()))
    gate.call(answers(TransientError("HTTP 503", retry_after=60.0), _Resp()))
    assert slept == [2.0, 5.0]  # honoured, and capped at max_delay


def test_a_stopped_gate_refuses_every_further_request() -> None:
    gate = AdaptiveGate(retry=FAST)
    sent: list[int] = []
    assert gate.call(lambda: sent.append(1) or _Resp()) is not None
    gate.stop("the refresh was interrupted")
    with pytest.raises(RateLimitedError, match="interrupted"):
        gate.call(lambda: sent.append(2))
    assert sent == [1]  # nothing was sent after the stop
    assert RateLimitedError("x").transient  # the ticker is failed as "try again later"
