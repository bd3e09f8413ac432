"""A-share data from East Money through akshare: the only package that imports akshare.

One module per job: `codes` (Yahoo-style tickers <-> East Money codes), `transport`
(count, pace and time out akshare's requests; a deadline per call), `errors`
(akshare's failures -> the protocol's errors), `validate` (every figure checked at
the boundary), `frames` (akshare's frames -> catalogue figures, units converted),
`shared` (market-wide answers fetched once per run) and `provider`
(`AkshareProvider`, tying them together). akshare itself is imported inside the
first fetch (`provider.load_akshare`), never by importing this package, and the names
below are loaded on first use: `codes` alone (the chain's `is_a_share`) pulls in neither
the provider nor Yahoo's package.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from screener.lazy import lazy_exports

if TYPE_CHECKING:
    from screener.data.akshare.codes import bare_code, eastmoney_secucode, is_a_share, quote_url
    from screener.data.akshare.errors import classify_error
    from screener.data.akshare.provider import PROVENANCE, AkshareProvider, load_akshare
    from screener.data.akshare.transport import HostPacer
    from screener.data.provider import EASTMONEY_SOURCE

#: exported name -> the module that defines it
_HOMES: dict[str, str] = {
    "EASTMONEY_SOURCE": "screener.data.provider",
    "PROVENANCE": "screener.data.akshare.provider",
    "AkshareProvider": "screener.data.akshare.provider",
    "load_akshare": "screener.data.akshare.provider",
    "HostPacer": "screener.data.akshare.transport",
    "classify_error": "screener.data.akshare.errors",
    "bare_code": "screener.data.akshare.codes",
    "eastmoney_secucode": "screener.data.akshare.codes",
    "is_a_share": "screener.data.akshare.codes",
    "quote_url": "screener.data.akshare.codes",
}

__all__ = [
    "EASTMONEY_SOURCE",
    "PROVENANCE",
    "AkshareProvider",
    "HostPacer",
    "bare_code",
    "classify_error",
    "eastmoney_secucode",
    "is_a_share",
    "load_akshare",
    "quote_url",
]


__getattr__ = lazy_exports(__name__, _HOMES)
