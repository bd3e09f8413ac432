"""Is East Money ruled out before asking? Only by `SCREENER_OFFLINE` (air-gapped runs).

There is no cheap probe worth making: East Money's hosts answer plain HTTPS, and a
blocked or banned IP shows on the first request, which the provider's breaker turns
into "stopped asking" within a few calls. So reachability is learnt by asking.
"""

from __future__ import annotations

import os

from screener.data.yahoo.probe import OFFLINE_ENV_VAR


def eastmoney_offline() -> str | None:
    """Why East Money must not be asked (None: ask it)."""
    if os.environ.get(OFFLINE_ENV_VAR, "").strip() not in ("", "0"):
        return f"{OFFLINE_ENV_VAR} is set"
    return None
