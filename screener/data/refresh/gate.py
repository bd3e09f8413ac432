"""The adaptive gate every HTTP request of a refresh passes: a pacer, AIMD concurrency, retries.

Sources limit requests per IP, so a throttle answer seen by any worker halves the
gate's concurrency limit for all of them at once and pauses new requests (for
Retry-After when the source sends it, otherwise an exponential backoff with
jitter); each success then grows the limit back by about one per round trip (AIMD,
as TCP does). Server errors and timeouts are retried per request with exponential
backoff and jitter. The gate never reads a response: the provider's `send` raises
`ThrottledError` / `TransientError` for answers worth retrying (see `RequestGate`).

A limit on concurrency alone keeps hitting a limit on requests per second: every time
it has grown back, a burst is answered 429. So the gate also paces sends (`Pacer`): no
pacing until the first throttle answer, then a request rate just under what the source
served, cut by 15 % at each further throttle and raised by 2.5 % a second while
answers come back; once it has settled only the rare probe above the limit is
answered 429.
"""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from screener.data.provider import ThrottledError, TransientError, is_transient

R = TypeVar("R")


@dataclass(frozen=True)
class RetryPolicy:
    """Per-request retries: how often, how long to wait, how long in all."""

    attempts: int = 6  # tries per HTTP request, the first included
    base_delay: float = 0.25  # first backoff, seconds; doubles each time
    max_delay: float = 8.0  # cap of one backoff (and of an honoured Retry-After)
    budget: float = 90.0  # seconds one request may spend retrying in all
    # Yahoo blocks an IP for minutes to hours: after this long with nothing but 429s,
    # the gate stops sending (the run ends with every remaining ticker failed, saying why)
    breaker_after: float = 60.0


class RateLimitedError(TransientError):
    """The gate stopped sending: only throttle answers for a long while, or the run was stopped."""


class Pacer:
    """A send-rate limit learnt from throttle answers (a token bucket with an adaptive rate).

    `reserve()` claims the next send slot and says how long to wait for it. The rate is
    None (no pacing) until `throttled()` is called with at least `min_sample` successes
    in the last `learn` seconds (fewer say nothing about a rate: a stray 429, a storm at
    the start); it then starts at `decrease` times the rate they came at (what the
    source let through, over at least `window` seconds), is cut by `decrease` at each
    later throttle (at most once a `window`: one burst of 429s is one signal) and, per
    second of successes, grows by `growth` of itself (at least `min_growth` requests a
    second): a slow probe, so that a settled run meets the limit rarely. `clock` is
    injectable so tests run it on a fake clock.
    """

    def __init__(
        self,
        *,
        growth: float = 0.025,
        min_growth: float = 0.1,
        decrease: float = 0.85,  # 0.8 left a tenth of a 20 req/s budget unused; 0.9 met 429s
        window: float = 1.0,
        min_rate: float = 0.5,
        min_sample: int = 10,
        learn: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.growth = growth
        self.min_growth = min_growth
        self.min_sample = min_sample
        self.learn = learn
        self.decrease = decrease
        self.window = window
        self.min_rate = min_rate
        self.rate: float | None = None  # requests a second; None: not paced
        self._clock = clock
        self._lock = threading.Lock()
        self._next = 0.0  # the earliest time the next slot may be given out
        self._sent: deque[float] = deque()
        self._served: deque[float] = deque()
        self._hold_until = 0.0  # no further cut before this (one cut per burst)

    def _trim(self, times: deque[float], now: float, window: float | None = None) -> int:
        while times and times[0] < now - (window or self.window):
            times.popleft()
        return len(times)

    def reserve(self) -> float:
        """Claim the next send slot: seconds to wait before sending (0 when unpaced)."""
        with self._lock:
            now = self._clock()
            if self.rate is None:
                slot = now
            else:
                slot = max(now, self._next)
                self._next = slot + 1.0 / self.rate
            self._sent.append(slot)
            self._trim(self._sent, now)
            return slot - now

    def success(self) -> None:
        """An answer came back: the rate grows (by `growth` of itself per second of answers)."""
        with self._lock:
            now = self._clock()
            self._served.append(now)
            self._trim(self._served, now, self.learn)
            if self.rate is not None:
                self.rate += max(self.min_growth, self.growth * self.rate) / self.rate

    def throttled(self) -> None:
        """A throttle answer: start pacing, or cut the rate (once per `window`)."""
        with self._lock:
            now = self._clock()
            if now < self._hold_until:
                return
            if self.rate is None:
                served = self._trim(self._served, now, self.learn)
                if served < self.min_sample:  # a stray 429, or too little traffic to learn from
                    return
                span = max(self.window, now - self._served[0])
                self.rate = max(self.min_rate, served / span * self.decrease)
            else:
                self.rate = max(self.min_rate, self.rate * self.decrease)
            self._hold_until = now + self.window
            self._next = max(self._next, now)


class AdaptiveGate:
    """A concurrency limit shared by every worker, AIMD-tuned by the source's answers.

    `call(send)` waits for a slot and for any global pause, runs `send()` (one HTTP
    request) and looks at how it ended: `ThrottledError` halves the limit (once per
    round of in-flight requests, so one burst does not collapse it to 1), pauses
    everyone for its Retry-After or a jittered backoff, and retries; other transient
    errors back off this request alone and retry; success grows the limit by 1/limit.
    When the retries or the budget run out the last error is raised and the caller
    decides what it means.
    """

    def __init__(
        self,
        max_limit: int = 32,
        initial: int = 8,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        pacer: Pacer | None = None,
    ) -> None:
        self.max_limit = max(1, max_limit)
        self.pacer = pacer or Pacer()
        self.limit = float(min(max(1, initial), self.max_limit))
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._cond = threading.Condition()
        self._in_flight = 0
        self._paused_until = 0.0
        self._epoch = 0
        self._throttle_streak = 0
        self._throttled_since: float | None = None  # first throttle since the last success
        self.blocked: str | None = None  # why the gate stopped sending, once it has
        self.throttled = 0
        self.retries = 0

    def stop(self, why: str) -> None:
        """Refuse every further request (each raises at once), e.g. after Ctrl-C."""
        with self._cond:
            self.blocked = self.blocked or why
            self._cond.notify_all()

    # slots ---------------------------------------------------------------------------------
    def _acquire(self) -> int:
        with self._cond:
            while True:
                if self.blocked:
                    raise RateLimitedError(self.blocked)
                now = time.monotonic()
                if now < self._paused_until:
                    self._cond.wait(self._paused_until - now)
                    continue
                if self._in_flight < max(1, int(self.limit)):
                    self._in_flight += 1
                    return self._epoch
                self._cond.wait(0.5)

    def _release(self) -> None:
        with self._cond:
            self._in_flight -= 1
            self._cond.notify_all()

    # feedback ------------------------------------------------------------------------------
    def _on_success(self) -> None:
        with self._cond:
            self._throttle_streak = 0
            self._throttled_since = None
            if self.limit < self.max_limit:
                self.limit = min(float(self.max_limit), self.limit + 1.0 / self.limit)
            self._cond.notify_all()

    def _on_throttle(self, epoch: int, retry_after: float | None) -> float:
        """Shrink at once (first throttle of this round only), pause everyone; return the pause."""
        with self._cond:
            self.throttled += 1
            now = time.monotonic()
            if self._throttled_since is None:
                self._throttled_since = now
            elif now - self._throttled_since >= self.retry.breaker_after and not self.blocked:
                self.blocked = (
                    f"Yahoo is rate-limiting this IP (only 429 answers for "
                    f"{now - self._throttled_since:.0f} s); stopped asking, try again later"
                )
                self._cond.notify_all()
            if epoch == self._epoch:
                self._epoch += 1
                self.limit = max(1.0, self.limit / 2)
                self._throttle_streak += 1
            if retry_after is not None:
                pause = min(retry_after, self.retry.max_delay)
            else:
                pause = self._backoff(self._throttle_streak)
            self._paused_until = max(self._paused_until, time.monotonic() + pause)
            self._cond.notify_all()
            return pause

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with 'equal jitter': half fixed, half random."""
        ceiling = min(self.retry.max_delay, self.retry.base_delay * (2 ** max(0, attempt - 1)))
        return ceiling / 2 + self._rng.uniform(0, ceiling / 2)

    # the call ------------------------------------------------------------------------------
    def call(self, send: Callable[[], R]) -> R:
        """Run `send` (one request) under the limit, retrying what is worth it; see the class."""
        started = time.monotonic()
        attempt = 0
        while True:
            attempt += 1
            wait = self.pacer.reserve()
            if wait > 0:
                self._sleep(wait)
            epoch = self._acquire()
            try:
                response = send()
            except ThrottledError as exc:
                self._release()
                self.pacer.throttled()
                pause = self._on_throttle(epoch, exc.retry_after)
                if not self._may_retry(attempt, started, pause):
                    raise
                self._count_retry()
                continue  # _acquire() waits out the global pause
            except Exception as exc:
                self._release()
                if not is_transient(exc) or not self._may_retry(attempt, started):
                    raise
                self._count_retry()
                delay = exc.retry_after if isinstance(exc, TransientError) else None
                if delay is None:
                    delay = self._backoff(attempt)
                self._sleep(min(delay, self.retry.max_delay))
                continue
            self._release()
            self.pacer.success()
            self._on_success()
            return response

    def _may_retry(self, attempt: int, started: float, wait: float = 0.0) -> bool:
        spent = time.monotonic() - started + wait
        return attempt < self.retry.attempts and spent < self.retry.budget

    def _count_retry(self) -> None:
        with self._cond:
            self.retries += 1
