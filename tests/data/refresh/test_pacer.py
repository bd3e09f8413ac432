"""The gate's pacer on a fake clock: it learns a source's request rate from its 429s.

A simulated source answers 429 above a token bucket's rate; requests go out as fast as
the pacer lets them (and, unpaced, as fast as many workers send). Once the pacer has
settled few requests are answered 429 and most of the limit is used.
"""

from __future__ import annotations

import pytest

from screener.data.provider import ThrottledError
from screener.data.refresh.gate import AdaptiveGate, Pacer, RetryPolicy


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Bucket:
    """The source's per-IP limit: `rate` tokens a second, a burst of `rate`."""

    def __init__(self, clock: Clock, rate: float) -> None:
        self.clock, self.rate = clock, rate
        self.tokens, self.stamp = rate, 0.0

    def take(self) -> bool:
        now = self.clock()
        self.tokens = min(self.rate, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


def simulate(limit: float, seconds: float, unpaced_gap: float = 0.003) -> list[tuple[float, bool]]:
    """(time, answered) of every request sent for `seconds` against a `limit` per second."""
    clock = Clock()
    pacer = Pacer(clock=clock)
    bucket = Bucket(clock, limit)
    sent: list[tuple[float, bool]] = []
    while clock.now < seconds:
        wait = pacer.reserve()
        clock.now += wait if pacer.rate is not None else unpaced_gap
        ok = bucket.take()
        sent.append((clock.now, ok))
        pacer.success() if ok else pacer.throttled()
    return sent


@pytest.mark.parametrize("limit", [5.0, 20.0, 60.0])
def test_once_settled_few_requests_are_throttled_and_most_of_the_limit_is_used(
    limit: float,
) -> None:
    sent = simulate(limit, seconds=120.0)
    settled = [(t, ok) for t, ok in sent if t >= 10.0]
    throttled = sum(1 for _, ok in settled if not ok)
    served = sum(1 for _, ok in settled if ok)
    assert throttled / len(settled) < 0.03
    assert served / (110.0 * limit) > 0.8
    # it started unpaced: the limit was found by being answered 429
    assert any(not ok for t, ok in sent if t < 3.0)


def test_unpaced_until_a_throttle_with_enough_answers_to_learn_from() -> None:
    clock = Clock()
    pacer = Pacer(clock=clock, min_sample=10)
    assert pacer.reserve() == 0.0 and pacer.rate is None
    for _ in range(3):
        pacer.success()
    pacer.throttled()  # a stray 429 after three answers: nothing to learn a rate from
    assert pacer.rate is None
    for _ in range(20):
        clock.now += 0.1
        pacer.success()
    pacer.throttled()
    # 23 answers in 2 s (at least `window`): the rate they came at, cut once
    assert 0 < pacer.decrease < 1
    assert pacer.rate == pytest.approx(23 / 2.0 * pacer.decrease)


def test_one_burst_of_throttles_is_one_cut_and_answers_raise_the_rate() -> None:
    clock = Clock()
    pacer = Pacer(clock=clock, min_sample=1)
    for _ in range(10):
        pacer.success()
    pacer.throttled()
    start = pacer.rate
    assert start is not None
    for _ in range(5):  # the rest of the burst, within the window
        clock.now += 0.1
        pacer.throttled()
    assert pacer.rate == start
    clock.now += 1.0
    pacer.throttled()
    assert pacer.rate == pytest.approx(start * pacer.decrease)
    cut = pacer.rate
    assert cut is not None
    # one second of answers at the rate raises it by `growth` (2.5 %) of itself
    for _ in range(round(cut)):
        pacer.success()
    assert pacer.rate == pytest.approx(cut * 1.025, rel=0.01)


def test_slots_are_spaced_at_the_rate() -> None:
    clock = Clock()
    pacer = Pacer(clock=clock, min_sample=1, decrease=0.8)  # 5 answers a second -> 4
    for _ in range(5):
        pacer.success()
    pacer.throttled()
    assert pacer.rate == pytest.approx(4.0)
    waits = [pacer.reserve() for _ in range(4)]  # four workers at once
    assert waits == pytest.approx([0.0, 0.25, 0.5, 0.75])


def test_the_gate_paces_its_sends_after_throttles() -> None:
    clock = Clock()
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock.now += seconds

    pacer = Pacer(clock=clock, min_sample=1)
    gate = AdaptiveGate(retry=RetryPolicy(attempts=3, max_delay=0.01), sleep=sleep, pacer=pacer)
    answers = iter([True] * 10 + [False] + [True] * 10)

    def send() -> str:
        clock.now += 0.05
        if not next(answers):
            raise ThrottledError("429", retry_after=0.0)
        return "ok"

    for _ in range(20):
        assert gate.call(send) == "ok"
    assert gate.throttled == 1 and pacer.rate is not None
    assert slept and all(s > 0 for s in slept)  # sends after the throttle waited for slots
