"""Can Yahoo be reached at all? One TCP connect, so an offline run fails over in seconds."""

from __future__ import annotations

import os
import socket

OFFLINE_ENV_VAR = "SCREENER_OFFLINE"
PROBE_HOST = ("query2.finance.yahoo.com", 443)


def yahoo_reachable(timeout: float = 2.0) -> tuple[bool, str]:
    """(reachable, why not): one TCP connect to Yahoo's API host.

    `SCREENER_OFFLINE=1` answers no without touching the network (tests, air-gapped use).
    """
    if os.environ.get(OFFLINE_ENV_VAR, "").strip() not in ("", "0"):
        return False, f"{OFFLINE_ENV_VAR} is set"
    try:
        with socket.create_connection(PROBE_HOST, timeout=timeout):
            return True, ""
    except OSError as exc:
        return False, f"cannot connect to {PROBE_HOST[0]}: {exc.strerror or exc}"
