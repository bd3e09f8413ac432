"""Integrity of the shipped universe: the data other modules and the offline sample rely on."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from screener.universe import (
    ADJACENT,
    CORE_SECTORS,
    SECTORS,
    SUB_SEGMENTS,
    Company,
    load_universe,
    normalize_ticker,
    sector_label,
    sub_segment_label,
)

_ROOT = Path(__file__).resolve().parents[1]
SNAPSHOT_CANDIDATES = (
    _ROOT / "screener" / "data" / "snapshot" / "snapshot.csv",
    _ROOT / "screener" / "data" / "sample" / "snapshot.csv",
    _ROOT.parent / "shared" / "sample-snapshot" / "snapshot.csv",
)


@pytest.fixture(scope="module")
def universe() -> list[Company]:
    return load_universe()


def _snapshot_rows() -> list[dict[str, str]]:
    path = next((p for p in SNAPSHOT_CANDIDATES if p.exists()), None)
    if path is None:
        pytest.skip("no sample snapshot available")
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_no_duplicate_tickers(universe: list[Company]) -> None:
    counts = Counter(c.ticker for c in universe)
    assert [t for t, n in counts.items() if n > 1] == []


def test_every_ticker_normalises_to_itself(universe: list[Company]) -> None:
    assert [c.ticker for c in universe if normalize_ticker(c.ticker) != c.ticker] == []


def test_sectors_and_sub_segments_are_valid(universe: list[Company]) -> None:
    for c in universe:
        assert c.sector in SECTORS, c
        assert SUB_SEGMENTS[c.sub_segment].sector == c.sector, c
        assert c.secondary_sector is None or (
            c.secondary_sector in SECTORS and c.secondary_sector != c.sector
        ), c


def test_every_row_has_evidence(universe: list[Company]) -> None:
    for c in universe:
        assert c.rationale and c.source.startswith("http"), c
        assert c.name_en and c.exchange and c.market and c.currency, c


def test_a_shares_have_chinese_names(universe: list[Company]) -> None:
    assert [c.ticker for c in universe if c.market == "CN" and not c.name_zh] == []


def test_listing_facts_match_suffix(universe: list[Company]) -> None:
    for c in universe:
        if c.ticker.endswith((".SS", ".SZ", ".BJ")):
            assert (c.market, c.currency) == ("CN", "CNY"), c
        elif c.ticker.endswith(".HK"):
            assert (c.market, c.currency) == ("HK", "HKD"), c
        elif c.ticker.endswith((".TW", ".TWO")):
            assert (c.market, c.currency) == ("TW", "TWD"), c
        elif "." not in c.ticker:
            assert (c.market, c.currency) == ("US", "USD"), c
            assert c.exchange in {"NYSE", "NASDAQ"}, c


def test_every_snapshot_company_is_present_in_the_same_sector(universe: list[Company]) -> None:
    by_ticker = {c.ticker: c for c in universe}
    for row in _snapshot_rows():
        company = by_ticker.get(row["ticker"])
        assert company is not None, f"{row['ticker']} missing from the universe"
        assert company.sector == row["sector"], row["ticker"]


def test_adjacent_group_is_kept_out_of_sector_stats(universe: list[Company]) -> None:
    for c in universe:
        assert c.in_sector_stats == (c.sector != ADJACENT)


def test_labels_exist_in_both_languages() -> None:
    for sector in SECTORS:
        assert sector_label(sector) != sector and sector_label(sector, "zh") != sector
    for seg in SUB_SEGMENTS:
        assert sub_segment_label(seg) != seg and sub_segment_label(seg, "zh") != seg


def test_to_dict_carries_the_flag_and_labels(universe: list[Company]) -> None:
    d = universe[0].to_dict()
    assert d["ticker"] == universe[0].ticker
    assert d["in_sector_stats"] is True and d["sector_label"] and d["sub_segment_label"]


def test_core_sector_ids_match_the_catalogue() -> None:
    from screener.catalog import SECTORS as CATALOG

    assert tuple(CATALOG) == CORE_SECTORS


def test_size_and_balance_of_the_list(universe: list[Company]) -> None:
    core = [c for c in universe if c.in_sector_stats]
    assert len(core) >= 120, "at least 120 companies in the four sectors"
    for sector in CORE_SECTORS:
        members = [c for c in core if c.sector == sector]
        a_shares = [c for c in members if c.market == "CN"]
        others = [c for c in members if c.market != "CN"]
        assert len(a_shares) >= 15, (sector, len(a_shares))
        assert len(others) >= 5, (sector, len(others))


def test_servers_and_pure_power_names_stay_adjacent(universe: list[Company]) -> None:
    by_ticker = {c.ticker: c for c in universe}
    for ticker in ("000977.SZ", "603019.SS", "SMCI"):  # Inspur, Sugon, Supermicro
        assert by_ticker[ticker].sector == ADJACENT


def test_known_names_and_codes(universe: list[Company]) -> None:
    names = {c.ticker: c.name_zh for c in universe}
    assert names["300308.SZ"] == "中际旭创"
    assert names["688702.SS"] == "盛科通信"
    assert names["300548.SZ"] == "长芯博创"  # renamed from 博创科技 in 2025
    assert names["AVGO"] == "博通" and names["APH"] == "安费诺"
    assert "603068.SS" not in names  # 博通集成 (Beken) makes wireless chips, not switching


def test_summarize_counts(universe: list[Company]) -> None:
    from screener.universe import summarize

    counts = summarize(universe)
    assert sum(row["total"] for row in counts.values()) == len(universe)
    assert all(row["total"] == row["cn"] + row["other"] for row in counts.values())
    assert all(row["override"] == 0 for row in counts.values())


def test_filter_and_find(universe: list[Company]) -> None:
    import json

    from screener.errors import InputError
    from screener.universe import filter_companies, find_company

    switching = filter_companies(universe, ["switching"])
    assert switching and all(c.sector == "switching" for c in switching)
    with_secondary = filter_companies(universe, ["switching"], include_secondary=True)
    assert find_company(with_secondary, "603083") is not None  # CIG: optical, secondary switching
    assert find_company(universe, "sh688702").name_zh == "盛科通信"  # type: ignore[union-attr]
    assert find_company(universe, "AAPL") is None
    with pytest.raises(InputError, match="unknown sector 'optics'"):
        filter_companies(universe, ["optics"])
    json.dumps([c.to_dict() for c in universe], ensure_ascii=False)  # JSON-ready
