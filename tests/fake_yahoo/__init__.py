"""Fake Yahoo Finance for tests and benchmarks: a transport adapter answering from fixtures."""

from .builder import FIXTURES_DIR, CompanySpec, load_spec, spec_by_symbol, synthetic_spec
from .server import CRUMB, DATA_ENDPOINTS, FakeYahoo, FakeYahooAdapter, Fault, TokenBucket

__all__ = [
    "CRUMB",
    "DATA_ENDPOINTS",
    "FIXTURES_DIR",
    "CompanySpec",
    "FakeYahoo",
    "FakeYahooAdapter",
    "Fault",
    "TokenBucket",
    "load_spec",
    "spec_by_symbol",
    "synthetic_spec",
]
