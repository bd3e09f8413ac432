"""`screener universe sync` through akshare's real code against the fake East Money.

The fake serves the board list and each board's members as push2 answers them (100
rows a page); the expected differences are worked out from the fake's own market,
not written down, so a change of fixture cannot make the tests pass by accident.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

import screener.data.akshare as akshare_pkg
from screener.data.akshare import probe
from screener.universe import load_universe
from screener.universe.boards import board_sectors
from screener.universe.tickers import normalize_ticker
from tests.data.akshare.helpers import quick_provider
from tests.fake_eastmoney import Fault, Market, default_market
from tests.fake_eastmoney.testing import serve_eastmoney

_FIXTURES = (serve_eastmoney,)

pytestmark = [
    pytest.mark.filterwarnings("ignore:The inplace keyword:Warning"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]

PAGED_BOARD = "CPO概念"


@pytest.fixture
def east_money(serve_eastmoney: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A factory: serve this market (default: one board of 150+ members) to the CLI."""
    pytest.importorskip("akshare")
    monkeypatch.delenv("SCREENER_OFFLINE", raising=False)
    monkeypatch.setattr(probe, "eastmoney_reachable", lambda timeout=2.0: (True, ""))
    monkeypatch.setattr(akshare_pkg, "AkshareProvider", lambda **k: quick_provider(**k))

    def serve(market: Market | None = None) -> Any:
        return serve_eastmoney(market or default_market(extra_members={PAGED_BOARD: 150}))

    return serve


def expected(market: Market) -> tuple[set[str], set[str]]:
    """(tickers to propose, universe A-shares on no mapped board), from the fake's data."""
    mapped = {b.name for b in board_sectors()}
    members = {
        normalize_ticker(code)
        for board in market.boards
        if board.name in mapped
        for code in board.members
    }
    universe = {c.ticker for c in load_universe(None) if c.market == "CN"}
    return members - universe, universe - members


def test_sync_lists_additions_and_departures_across_pages(
    run_cli: Any, east_money: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    fake = east_money()
    result = run_cli("universe", "sync", "--format", "json")
    assert result.status == 0, result.err
    report = json.loads(result.out)
    additions, absent = expected(fake.market)
    paged = fake.market.board_by_name(PAGED_BOARD)
    assert paged is not None and len(paged.members) > 100
    # the paged board's members all came back: a second page was asked and read
    assert {r.page for r in fake.records if r.endpoint == "members" and r.subject == paged.code} \
        == {1, 2}
    assert {a["ticker"] for a in report["additions"]} == additions
    assert {a["ticker"] for a in report["absent"]} == absent
    assert report["unresolved_boards"] == []
    sizes = {b["name"]: b["members"] for b in report["boards"]}
    assert sizes[PAGED_BOARD] == len(paged.members)
    # a member of the product board alone is placed by that board, with the evidence
    last = normalize_ticker(paged.members[-1])
    padded = next(a for a in report["additions"] if a["ticker"] == last)
    assert (padded["sector"], padded["sub_segment"]) == ("optical_communication",
                                                         "cpo_silicon_photonics")
    assert padded["boards"] == [PAGED_BOARD]
    assert any(PAGED_BOARD in e for e in padded["evidence"])
    assert list(tmp_path.iterdir()) == []  # nothing written without --write


def test_sync_table_names_each_board_and_the_counts(run_cli: Any, east_money: Any) -> None:
    fake = east_money(default_market())
    result = run_cli("universe", "sync")
    assert result.status == 0, result.err
    for name in (b.name for b in board_sectors()):
        board = fake.market.board_by_name(name)
        assert board is not None
        assert f"board {name} ({board.code}): {len(board.members)} members" in result.out
    additions, absent = expected(fake.market)
    assert f"{len(additions)} proposed additions" in result.err
    assert f"{len(absent)} universe A-shares on no board" in result.err


def test_write_makes_an_override_file_the_loader_reads(
    run_cli: Any, east_money: Any, tmp_path: Path
) -> None:
    fake = east_money()
    target = tmp_path / "proposals.toml"
    result = run_cli("universe", "sync", "--write", str(target), "--format", "json")
    assert result.status == 0, result.err
    report = json.loads(result.out)
    classified = {a["ticker"]: a for a in report["additions"] if a["sector"] != "unclassified"}
    assert classified, "the paged board's members should be classified"
    merged = {c.ticker: c for c in load_universe(target)}
    builtin = {c.ticker for c in load_universe(None)}
    assert set(merged) - builtin == set(classified)
    for ticker, row in classified.items():
        assert (merged[ticker].sector, merged[ticker].sub_segment) == (
            row["sector"], row["sub_segment"]
        )
        assert merged[ticker].origin == "override"
    assert run_cli("universe", "check", str(target)).status == 0
    # the unclassified and the absent are in the file as comments only
    text = target.read_text("utf-8")
    _, absent = expected(fake.market)
    for ticker in absent:
        assert f"#   {ticker} " in text
    assert [p.name for p in tmp_path.iterdir()] == ["proposals.toml"]  # no temp file left


def test_a_renamed_board_is_reported_and_its_members_go_absent(
    run_cli: Any, east_money: Any
) -> None:
    base = default_market()
    gone = "铜缆高速连接"
    boards = tuple(replace(b, name="高速铜缆") if b.name == gone else b for b in base.boards)
    fake = east_money(Market(base.companies, boards, base.as_of))
    result = run_cli("universe", "sync", "--format", "json")
    assert result.status == 0, result.err
    report = json.loads(result.out)
    assert report["unresolved_boards"] == [gone]
    assert gone not in {b["name"] for b in report["boards"]}
    _, absent = expected(fake.market)
    assert {a["ticker"] for a in report["absent"]} == absent
    table = run_cli("universe", "sync")
    assert f"board {gone}: no longer listed by East Money" in table.out


def test_a_malformed_board_list_is_one_clear_line(run_cli: Any, east_money: Any) -> None:
    fake = east_money(default_market())
    fake.add_fault(Fault("malformed", endpoint="boards"))
    result = run_cli("universe", "sync")
    assert result.status == 1
    assert "Traceback" not in result.err
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and "concept board list" in lines[0] and "malformed" in lines[0]
    assert result.out == ""


def test_a_malformed_member_list_is_one_clear_line(run_cli: Any, east_money: Any) -> None:
    fake = east_money(default_market())
    fake.add_fault(Fault("truncated", endpoint="members"))
    result = run_cli("universe", "sync")
    assert result.status == 1
    assert "members of" in result.err and "Traceback" not in result.err


def test_offline_sync_says_so_in_one_line(run_cli: Any, tmp_path: Path) -> None:
    target = tmp_path / "p.toml"
    result = run_cli("universe", "sync", "--write", str(target))
    assert result.status == 1
    lines = result.err.strip().splitlines()
    assert len(lines) == 1
    assert "East Money cannot be reached (SCREENER_OFFLINE is set)" in lines[0]
    assert not target.exists()


def test_write_wants_a_toml_path(run_cli: Any, tmp_path: Path) -> None:
    result = run_cli("universe", "sync", "--write", str(tmp_path / "p.csv"))
    assert result.status == 2 and "end it in .toml" in result.err


def test_broad_boards_alone_do_not_classify_and_stay_out_of_the_file(
    run_cli: Any, east_money: Any, tmp_path: Path
) -> None:
    from tests.fake_eastmoney import synthetic_company
    from tests.fake_eastmoney.builder import default_boards, default_companies

    extra = (
        synthetic_company("301990", name="示例云数", concepts=("数据中心", "东数西算")),
        synthetic_company("301991", name="示例光缆", concepts=("数据中心",)),
    )
    companies = default_companies() + extra
    fake = east_money(Market(companies, default_boards(companies)))
    target = tmp_path / "p.toml"
    result = run_cli("universe", "sync", "--format", "json", "--write", str(target))
    assert result.status == 0, result.err
    rows = {a["ticker"]: a for a in json.loads(result.out)["additions"]}
    assert set(rows) == expected(fake.market)[0] == {"301990.SZ", "301991.SZ"}
    weak = rows["301990.SZ"]
    assert weak["sector"] == "unclassified" and "weak evidence" in weak["reason"]
    assert weak["boards"] == ["数据中心", "东数西算"]
    named = rows["301991.SZ"]  # the classifier reads the product in the name
    assert (named["sector"], named["sub_segment"]) == ("optical_communication", "fiber_cable")
    assert "光缆" in named["evidence"]
    merged = {c.ticker for c in load_universe(target)} - {c.ticker for c in load_universe(None)}
    assert merged == {"301991.SZ"}
    assert "#   301990.SZ 示例云数: on 数据中心, 东数西算" in target.read_text("utf-8")


def test_members_the_overrides_remove_are_not_proposed_again(
    run_cli: Any, east_money: Any, tmp_path: Path
) -> None:
    fake = east_money()
    additions, absent = expected(fake.market)
    added, still_new = sorted(additions)[:2]
    # a builtin A-share that sits on a board, taken out by the user on purpose
    taken_out = next(
        c.ticker for c in load_universe(None) if c.market == "CN" and c.ticker not in absent
    )
    overrides = tmp_path / "mine.toml"
    overrides.write_text(
        f'remove = ["{taken_out}"]\n\n[[add]]\nticker = "{added}"\nname_en = "Mine"\n'
        'sector = "data_center"\nsub_segment = "idc_operator"\n',
        encoding="utf-8",
    )
    result = run_cli("universe", "sync", "--format", "json", "--universe", str(overrides))
    assert result.status == 0, result.err
    report = json.loads(result.out)
    proposed = {a["ticker"] for a in report["additions"]}
    assert added not in proposed and still_new in proposed  # the user's add is listed
    assert taken_out not in proposed
    assert report["removed_by_overrides"] == [taken_out]
    mapped = {b.name for b in board_sectors()}
    members = {normalize_ticker(m) for b in fake.market.boards if b.name in mapped
               for m in b.members}
    # listed: the builtin members but the one taken out, plus the user's own add
    assert report["already_listed"] == len(members - additions - {taken_out}) + 1
