"""Can East Money be reached at all? One TCP connect, as for Yahoo, before any A-share is asked.

Without it, a machine with no route to East Money spent a minute on retries (every
A-share failing until the provider's breaker tripped) before falling back. A blocked
or banned IP that still accepts connections shows on the first requests instead, and
the provider's breaker turns that into "stopped asking" within a few calls.
"""

from __future__ import annotations

import os
import socket

from screener.data.yahoo.probe import OFFLINE_ENV_VAR

#: the host behind the per-company valuation and results calls (stock_value_em, stock_yjbb_em)
PROBE_HOST = ("datacenter-web.eastmoney.com", 443)


def eastmoney_reachable(timeout: float = 2.0) -> tuple[bool, str]:
    """(reachable, why not): one TCP connect to East Money's data host."""
    try:
        with socket.create_connection(PROBE_HOST, timeout=timeout):
            return True, ""
    except OSError as exc:
        return False, f"cannot connect to {PROBE_HOST[0]}: {exc.strerror or exc}"


def eastmoney_offline() -> str | None:
    """Why East Money must not be asked (None: ask it).

    `SCREENER_OFFLINE=1` answers without touching the network (tests, air-gapped use).
    """
    if os.environ.get(OFFLINE_ENV_VAR, "").strip() not in ("", "0"):
        return f"{OFFLINE_ENV_VAR} is set"
    reachable, why = eastmoney_reachable()
    return None if reachable else why
