"""A-share data from East Money through akshare: the only package that imports akshare.

One module per job: `codes` (Yahoo-style tickers <-> East Money codes), `transport`
(count, pace and time out akshare's requests; a deadline per call), `errors`
(akshare's failures -> the protocol's errors), `validate` (every figure checked at
the boundary), `frames` (akshare's frames -> catalogue figures, units converted),
`shared` (market-wide answers fetched once per run) and `provider`
(`AkshareProvider`, tying them together). akshare itself is imported inside the
first fetch (`provider.load_akshare`), never by importing this package.
"""

from __future__ import annotations

from screener.data.akshare.codes import bare_code, eastmoney_secucode, is_a_share, quote_url
from screener.data.akshare.errors import classify_error
from screener.data.akshare.provider import PROVENANCE, AkshareProvider, load_akshare
from screener.data.akshare.transport import HostPacer
from screener.data.provider import EASTMONEY_SOURCE

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
