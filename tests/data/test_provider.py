"""The provider protocol: what every source must offer, and the one decision of "transient"."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from screener.data.provider import (
    ALL_KINDS,
    EXTRA_EMPTY,
    EXTRA_FAILED,
    BadResponseError,
    DataKind,
    FetchBundle,
    NotFoundError,
    Provider,
    ThrottledError,
    TransientError,
    is_transient,
)
from screener.data.sample import SampleProvider

SCREENER = Path(__file__).resolve().parents[2] / "screener"


def test_both_providers_satisfy_the_protocol_structurally() -> None:
    from screener.data.yahoo import YahooProvider

    assert isinstance(SampleProvider(), Provider)
    members = {"name", "gate", "fetch_one", "fetch", "fx_rates", "requests_made", "thread_requests"}
    members |= {"prefetch", "sources_asked"}
    for provider in (SampleProvider(), YahooProvider):  # Yahoo's class: an instance needs a session
        assert members <= set(dir(provider)), provider

    class Incomplete:
        name = "x"

        def fetch(self, tickers: object) -> list[FetchBundle]:
            return []

    assert not isinstance(Incomplete(), Provider)


def test_data_kinds_are_one_type_that_reads_and_stores_as_text() -> None:
    assert set(ALL_KINDS) == set(DataKind) == {"prices", "fundamentals", "history", "profile"}
    assert DataKind("prices") is DataKind.PRICES and "prices" in {DataKind.PRICES}
    assert json.dumps(sorted(ALL_KINDS)) == '["fundamentals", "history", "prices", "profile"]'


def test_a_bundle_reports_kinds_it_did_not_get() -> None:
    bundle = FetchBundle(
        ticker="X",
        source="s",
        as_of="2026-02-13",
        fetched_at="t",
        currency="USD",
        extra={EXTRA_EMPTY: ["history"], EXTRA_FAILED: {"prices": "timed out"}},
    )
    assert bundle.empty_kinds == {DataKind.HISTORY}
    assert bundle.failed_kinds == {DataKind.PRICES: "timed out"}
    plain = FetchBundle(ticker="X", source="s", as_of="d", fetched_at="t", currency=None)
    assert plain.empty_kinds == frozenset() and plain.failed_kinds == {}


class ReadTimeout(Exception):
    """Named like requests' own."""


@pytest.mark.parametrize(
    ("exc", "transient"),
    [
        (TransientError("HTTP 503"), True),
        (ThrottledError("HTTP 429", retry_after=1.0), True),
        (NotFoundError("gone"), False),
        (BadResponseError("malformed"), False),
        (ReadTimeout("slow"), True),
        (TimeoutError(), True),
        (ConnectionResetError(), True),
        (ValueError("bad"), False),
    ],
)
def test_is_transient(exc: BaseException, transient: bool) -> None:
    assert is_transient(exc) is transient


def test_transient_is_decided_in_one_place() -> None:
    """No module but the protocol consults the transient exception names."""
    users = []
    for path in SCREENER.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        names |= {a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names}
        if "TRANSIENT_ERROR_NAMES" in names:
            users.append(path.relative_to(SCREENER).as_posix())
    assert users == ["data/provider.py"]


def test_the_refresh_probes_no_provider() -> None:
    """Everything the refresh asks of a provider is declared: no hasattr/getattr probing."""
    for path in (SCREENER / "data" / "refresh").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "hasattr" not in text and "getattr" not in text, path.name


def test_only_the_yahoo_package_imports_yfinance() -> None:
    importers = set()
    for path in SCREENER.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                modules = [node.module or ""]
            else:
                continue
            if any(m == "yfinance" or m.startswith("yfinance.") for m in modules):
                importers.add(path.relative_to(SCREENER).parts[:3])
    assert importers and all(parts[:2] == ("data", "yahoo") for parts in importers)
