"""Governing akshare's HTTP from outside: count, pace and time out every request, and
give up on a call after a deadline.

akshare calls `requests.get` (or a fresh `requests.Session`) with no session, timeout
or headers of its own and no way to pass one (docs/akshare.md), so nothing can be
handed in. Instead a call runs in a worker thread that carries a `CallContext`; a
hook on `requests.adapters.HTTPAdapter.send` (the one place every requests call
passes, the same place the tests' fake East Money intercepts) reads that context:
it counts the request for the refresh worker that asked, waits for the host's pacer
(a minimum interval with jitter, so no host is hammered), and supplies a timeout
where akshare passed none. Threads without a context pass through untouched, so
nothing else in the process is affected. akshare itself is never patched.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

from screener.data.provider import TransientError

R = TypeVar("R")

_HOOK_FLAG = "_screener_akshare_hook"
_install_lock = threading.Lock()
_local = threading.local()


class Meter:
    """Requests made, in all and per refresh worker (the thread that asked for the call)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.total = 0
        self._per_caller: dict[int, int] = {}

    def count(self, caller: int) -> None:
        with self._lock:
            self.total += 1
            self._per_caller[caller] = self._per_caller.get(caller, 0) + 1

    def of(self, caller: int) -> int:
        with self._lock:
            return self._per_caller.get(caller, 0)


class HostPacer:
    """At most one request per `interval` (+ up to `jitter`) seconds to each host.

    East Money drops connections and bans IPs that hammer it; spacing requests per
    host, with jitter so parallel workers do not fire in step, keeps a refresh polite.
    """

    def __init__(
        self,
        interval: float = 0.25,
        jitter: float = 0.25,
        rng: random.Random | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = max(0.0, interval)
        self.jitter = max(0.0, jitter)
        self._rng = rng or random.Random()
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next: dict[str, float] = {}

    def wait(self, host: str) -> float:
        """Sleep until this host may be asked again; return the seconds slept."""
        if not self.interval and not self.jitter:
            return 0.0
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next.get(host, now))
            self._next[host] = slot + self.interval + self._rng.uniform(0, self.jitter)
        delay = slot - now
        if delay > 0:
            self._sleep(delay)
        return max(0.0, delay)


@dataclass(frozen=True)
class CallContext:
    """What the transport hook applies to the requests of one akshare call."""

    meter: Meter
    caller: int  # thread ident of the refresh worker the requests are counted for
    pacer: HostPacer | None
    timeout: float | tuple[float, float] | None  # used where akshare passed none


def install_hook() -> None:
    """Put the counting/pacing/timeout hook on HTTPAdapter.send, once (again if replaced).

    Idempotent: a hook already in place is left alone; if something restored the plain
    method since (a test fake leaving), the hook is put back on top of what is there.
    """
    from requests.adapters import HTTPAdapter

    with _install_lock:
        current = HTTPAdapter.send
        if getattr(current, _HOOK_FLAG, False):
            return

        def send(adapter: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
            ctx: CallContext | None = getattr(_local, "ctx", None)
            if ctx is None or getattr(_local, "inside", False):
                # not ours, or a second hook below this one (something wrapped the first
                # hook and a later install wrapped that): count and pace only once
                return current(adapter, request, *args, **kwargs)
            if kwargs.get("timeout") is None and not args:
                kwargs["timeout"] = ctx.timeout
            if ctx.pacer is not None:
                ctx.pacer.wait(urlsplit(request.url or "").hostname or "")
            ctx.meter.count(ctx.caller)
            _local.inside = True
            try:
                return current(adapter, request, *args, **kwargs)
            finally:
                _local.inside = False

        setattr(send, _HOOK_FLAG, True)
        HTTPAdapter.send = send  # type: ignore[method-assign]


def run_with_deadline(
    call: Callable[[], R], ctx: CallContext, deadline: float | None, what: str
) -> R:
    """Run `call` in a worker thread carrying `ctx`; TransientError after `deadline` s.

    Some akshare calls have no timeout at all; a stalled connection would hold the
    refresh forever. The worker is a daemon: abandoned, it ends when its socket times
    out (the hook gave it a timeout) and its result is dropped.
    """
    install_hook()
    outcome: dict[str, Any] = {}

    def work() -> None:
        _local.ctx = ctx
        try:
            outcome["value"] = call()
        except BaseException as exc:  # handed to the caller's thread below
            outcome["error"] = exc
        finally:
            _local.ctx = None

    worker = threading.Thread(target=work, name=f"akshare:{what}", daemon=True)
    worker.start()
    worker.join(deadline)
    if worker.is_alive():
        raise TransientError(f"{what}: no answer from East Money within {deadline:g} s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]
