"""Yahoo unreachable, East Money up: the CLI serves A-shares from akshare and says so.

The fake East Money holds every A-share of the universe (the seven default companies
plus short-listed padding for the rest), so `refresh --all` can fill them all.
"""

from __future__ import annotations

import json
import subprocess
import sys
from functools import lru_cache
from typing import Any

import pytest

import screener.data.akshare as akshare_pkg
import screener.data.yahoo as yahoo
from screener.data.akshare import probe
from screener.data.akshare.codes import bare_code, is_a_share
from tests.data.akshare.helpers import quick_provider
from tests.fake_eastmoney import FakeEastMoney, Market, default_market
from tests.fake_eastmoney.builder import default_boards, default_companies, padding_company
from tests.fake_eastmoney.testing import serve_eastmoney

_FIXTURES = (serve_eastmoney,)

pytestmark = [
    pytest.mark.filterwarnings("ignore:The inplace keyword:Warning"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]


@lru_cache(maxsize=1)
def universe_a_shares() -> list[str]:
    from screener.universe import load_universe

    return [c.ticker for c in load_universe(None) if is_a_share(c.ticker)]


@lru_cache(maxsize=1)
def universe_market() -> Market:
    companies = list(default_companies())
    known = {c.code for c in companies}
    companies += [
        padding_company(bare_code(t)) for t in universe_a_shares() if bare_code(t) not in known
    ]
    return Market(tuple(companies), default_boards(default_companies()))


@pytest.fixture
def east_money_only(serve_eastmoney: Any, monkeypatch: pytest.MonkeyPatch) -> FakeEastMoney:
    """Yahoo cannot be reached, East Money (the fake) can; the CLI's provider is quick."""
    pytest.importorskip("akshare")
    monkeypatch.delenv("SCREENER_OFFLINE", raising=False)
    monkeypatch.setattr(probe, "eastmoney_reachable", lambda timeout=2.0: (True, ""))
    monkeypatch.setattr(yahoo, "yahoo_reachable", lambda timeout=2.0: (False, "no route to host"))
    monkeypatch.setattr(
        yahoo, "YahooProvider", lambda *a, **k: pytest.fail("Yahoo is unreachable: not built")
    )
    monkeypatch.setattr(akshare_pkg, "AkshareProvider", lambda **k: quick_provider(**k))
    return serve_eastmoney(universe_market())


def test_refresh_all_fills_every_a_share_from_east_money(
    run_cli: Any, east_money_only: FakeEastMoney
) -> None:
    a_shares = universe_a_shares()
    result = run_cli("refresh", "--all")
    assert result.status == 1  # the other markets could not be asked, and it says so
    assert f"refresh: {len(a_shares)} fetched" in result.out and " 0 failed" in result.out
    assert f"sources: eastmoney (via akshare) {len(a_shares)}" in result.out
    assert "not asked" in result.out and "Yahoo cannot be reached (no route to host)" in result.out
    rows = json.loads(run_cli("screen", "--offline", "--format", "json").out)
    by_ticker = {row["ticker"]: row for row in rows}
    assert set(by_ticker) == set(a_shares)
    for ticker in ("300308.SZ", "600498.SS", "002837.SZ"):
        row = by_ticker[ticker]
        last = east_money_only.market.series(bare_code(ticker)).last  # type: ignore[union-attr]
        assert row["source"] == "eastmoney"
        assert row["price"] == last.close
        assert row["pe_ttm"] == pytest.approx(last.pe_ttm)
        assert row["currency"] == "CNY"
    table = " ".join(run_cli("screen", "--offline").out.split())
    assert "source: East Money (akshare)" in table and "SAMPLE" not in table
    east_money_only.reset_counts()
    again = run_cli("refresh", "--all")
    assert f"{len(a_shares)} skipped as fresh" in again.out
    assert east_money_only.total == 0


def test_screen_refreshes_a_shares_live_and_the_banner_says_so(
    run_cli: Any, east_money_only: FakeEastMoney
) -> None:
    east_money_only.market = default_market()  # seven companies: the rest are not found
    result = run_cli("screen", "--format", "json")
    assert result.status == 0, result.err
    assert "A-shares are live from East Money" in result.err
    assert "Yahoo could not be reached (no route to host)" in result.err
    rows = json.loads(result.out)
    assert rows and {row["source"] for row in rows} == {"eastmoney"}
    table = run_cli("screen")  # everything fresh now: still live, still said
    text = " ".join(table.out.split())
    assert "A-shares are live from East Money" in text


def test_the_summary_names_east_money_as_the_source_that_did_not_know_a_ticker(
    run_cli: Any, east_money_only: FakeEastMoney
) -> None:
    east_money_only.market = default_market()  # 301999 is not listed there
    result = run_cli("refresh", "301999.SZ", "300308.SZ")
    assert "1 fetched" in result.out, result.out + result.err
    assert "1 not found on East Money," in result.out
    assert "on Yahoo" not in result.out


def test_provider_option_picks_the_chain(run_cli: Any, east_money_only: FakeEastMoney) -> None:
    only_yahoo = run_cli("refresh", "300308.SZ", "--provider", "CN=yahoo")
    assert only_yahoo.status == 1 and "cannot be reached" in only_yahoo.err
    assert east_money_only.total == 0
    assert run_cli("refresh", "300308.SZ", "--provider", "bloomberg").status == 2


def test_help_offline_screens_and_yahoo_only_refreshes_do_not_import_akshare(
    tmp_path: Any,
) -> None:
    code = (
        "import sys\n"
        "from screener.cli import main\n"
        "for args in (['--help'], ['refresh', '--help'], ['screen', '--help'],\n"
        "             ['screen', '--offline', '--format', 'json'], ['refresh', 'ANET']):\n"
        "    main(args)\n"
        "print('LOADED', 'akshare' in sys.modules)\n"
    )
    env = {
        "SCREENER_DB": str(tmp_path / "s.db"),
        "XDG_CONFIG_HOME": str(tmp_path / "c"),
        "XDG_DATA_HOME": str(tmp_path / "d"),
        "XDG_CACHE_HOME": str(tmp_path / "k"),
        "SCREENER_OFFLINE": "1",
        "PATH": "/usr/bin:/bin",
    }
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert "LOADED False" in out.stdout, out.stdout[-500:] + out.stderr[-2000:]


def test_east_money_unreachable_is_learnt_by_one_connect_not_by_retries(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No route to East Money (the test guard refuses the socket): one probe says why."""
    monkeypatch.delenv("SCREENER_OFFLINE", raising=False)
    why = probe.eastmoney_offline()
    assert why is not None and probe.PROBE_HOST[0] in why
    monkeypatch.setenv("SCREENER_OFFLINE", "1")
    assert probe.eastmoney_offline() == "SCREENER_OFFLINE is set"
