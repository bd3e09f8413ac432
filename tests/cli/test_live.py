"""The live path through the CLI: refresh from (fake) Yahoo, then screen the stored data."""

from __future__ import annotations

import json

import pytest

import screener.data.yahoo as yahoo
from tests.fake_yahoo import FakeYahoo, Fault, load_spec
from tests.fake_yahoo.testing import fake_yahoo, no_network, wired, yf_cache_dir

_FIXTURES = (fake_yahoo, no_network, wired, yf_cache_dir)



def test_offline_auto_run_falls_back_to_the_sample_and_says_why(run_cli, monkeypatch) -> None:
    monkeypatch.setattr(yahoo, "yahoo_reachable", lambda timeout=2.0: (False, "no route to host"))
    result = run_cli("screen")
    assert result.status == 0, result.err
    text = " ".join(result.out.split())
    assert "SAMPLE DATA: Yahoo could not be reached (no route to host)" in text


def test_refresh_needs_a_target_and_a_network(run_cli) -> None:
    assert run_cli("refresh").status == 2
    offline = run_cli("refresh", "300308")  # SCREENER_OFFLINE is set for every test
    assert offline.status == 1 and "cannot be reached" in offline.err
    assert run_cli("refresh", "NOT A TICKER").status == 2


def test_refresh_then_screen_shows_live_numbers(run_cli, wired: FakeYahoo) -> None:
    result = run_cli("refresh", "sz300308", "ANET")
    assert result.status == 0, result.err
    assert "2 fetched" in result.out and "0 failed" in result.out
    rows = json.loads(run_cli("screen", "--offline", "--format", "json").out)
    by_ticker = {row["ticker"]: row for row in rows}
    assert set(by_ticker) == {"300308.SZ", "ANET"}
    for ticker, row in by_ticker.items():
        spec = load_spec(ticker)
        assert row["source"] == "yahoo"
        assert row["pe_fwd"] == pytest.approx(spec.forward_pe)
        assert row["name_zh"] or ticker == "ANET"
    table = run_cli("screen", "--offline")
    assert "source: Yahoo Finance" in " ".join(table.out.split())
    assert "SAMPLE" not in table.out
    assert any(ch in table.out for ch in "▁▂▃▄▅▆▇█")  # the one-year sparkline
    wired.reset_counts()
    again = run_cli("refresh", "300308.SZ", "ANET")
    assert again.status == 0 and "2 skipped as fresh" in again.out
    assert wired.total == 0


def test_a_failing_ticker_is_reported_and_exits_1(run_cli, wired: FakeYahoo) -> None:
    wired.add_fault(Fault("malformed", symbol="ANET"))
    result = run_cli("refresh", "300308.SZ", "ANET")
    assert result.status == 1
    assert "1 fetched" in result.out and "failed ANET:" in result.out


def test_offline_run_with_a_store_uses_it_and_says_so(
    run_cli, wired: FakeYahoo, monkeypatch
) -> None:
    assert run_cli("refresh", "ANET").status == 0
    monkeypatch.setattr(yahoo, "yahoo_reachable", lambda timeout=2.0: (False, "no route"))
    result = run_cli("screen")
    text = " ".join(result.out.split())
    assert result.status == 0 and "OFFLINE: Yahoo could not be reached (no route)" in text
    assert "ANET" in text and "SAMPLE" not in text


def test_universe_discover_through_the_cli(run_cli, wired: FakeYahoo) -> None:
    known = {"symbol": "300308.SZ", "shortName": "Zhongji Innolight", "marketCap": 4e11}
    new = [
        {
            "symbol": f"6880{i:02d}.SS",
            "shortName": f"Candidate Optical Transceiver {i}",
            "longName": f"Candidate Optical Transceiver Module Co {i}",
            "marketCap": 1e9 + i,
            "currency": "CNY",
            "exchange": "SHH",
            "quoteType": "EQUITY",
        }
        for i in range(30)
    ]
    wired.screener_quotes = [known, *new]
    result = run_cli("universe", "discover", "--region", "cn", "--format", "json", "--limit", "5")
    assert result.status == 0, result.err
    rows = json.loads(result.out)
    assert len(rows) == 5
    assert "300308.SZ" not in {row["ticker"] for row in rows}
    assert "already in the universe" in result.err
    offline = run_cli("universe", "discover", "--region", "xx")
    assert offline.status == 2


def test_unknown_symbols_are_reported_apart_and_consistently(run_cli, wired: FakeYahoo) -> None:
    first = run_cli("refresh", "ANET", "301999.SZ")
    assert first.status == 0, first.out
    assert "1 not found on Yahoo, 0 failed" in first.out
    assert "not found now" in first.out and "301999.SZ" in first.out
    second = run_cli("refresh", "ANET", "301999.SZ")
    assert second.status == 0
    assert "1 not found on Yahoo, 0 failed" in second.out
    assert "--force asks now" in second.out
