"""Fake East Money for tests and benchmarks: a local server behind requests' transport.

akshare's real code runs unchanged against it; see server.py for the interception
and docs/akshare.md for what each akshare function asks and parses.
"""

from .builder import (
    END_DATE,
    SECTOR_BOARDS,
    Board,
    Company,
    Market,
    default_market,
    exchange_of,
    market_id,
    synthetic_company,
)
from .server import ENDPOINTS, FakeEastMoney, Fault, ForeignHostRefused, is_eastmoney_host

__all__ = [
    "END_DATE",
    "ENDPOINTS",
    "SECTOR_BOARDS",
    "Board",
    "Company",
    "FakeEastMoney",
    "Fault",
    "ForeignHostRefused",
    "Market",
    "default_market",
    "exchange_of",
    "is_eastmoney_host",
    "market_id",
    "synthetic_company",
]
