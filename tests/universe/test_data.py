"""Integrity of the shipped universe: the data other modules and the offline sample rely on."""

from __future__ import annotations

import csv
from collections import Counter

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
from tests.paths import ROOT

_ROOT = ROOT
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


#: companies the universe review re-sectored after the sample was compiled: the sample's
#: sector column is the compiler's and stays as shipped; the universe decides the sector
RESECTORED = {"600498.SS": ("switching", "optical_communication")}


def test_every_snapshot_company_is_present_in_the_same_sector(universe: list[Company]) -> None:
    by_ticker = {c.ticker: c for c in universe}
    for row in _snapshot_rows():
        company = by_ticker.get(row["ticker"])
        assert company is not None, f"{row['ticker']} missing from the universe"
        if row["ticker"] in RESECTORED:
            assert (row["sector"], company.sector) == RESECTORED[row["ticker"]]
            assert row["sector"] == company.secondary_sector, row["ticker"]
            continue
        assert company.sector == row["sector"], row["ticker"]


def test_adjacent_group_and_secondary_listings_are_kept_out_of_sector_stats(
    universe: list[Company],
) -> None:
    for c in universe:
        expected = c.sector != ADJACENT and c.primary_listing is None and not c.consolidates
        assert c.in_sector_stats == expected, c.ticker


# secondary line -> primary line (A-share first for A/H pairs; GDS's NASDAQ ADS since 2016)
DUAL_LISTINGS = {
    "9698.HK": "GDS",
    "0763.HK": "000063.SZ",
    "6869.HK": "601869.SS",
    # H shares listed since the note: CIG Shanghai (October 2025), Woer (February 2026)
    "6166.HK": "603083.SS",
    "9981.HK": "002130.SZ",
}


def test_dual_listings_point_at_their_primary_line(universe: list[Company]) -> None:
    by_ticker = {c.ticker: c for c in universe}
    assert {c.ticker: c.primary_listing for c in universe if c.primary_listing} == DUAL_LISTINGS
    for secondary, primary in DUAL_LISTINGS.items():
        assert by_ticker[primary].primary_listing is None
        # a primary line counts unless a subsidiary of its sector counts in its place
        assert by_ticker[primary].in_sector_stats == (not by_ticker[primary].consolidates)
        assert by_ticker[secondary].sector == by_ticker[primary].sector
        assert not by_ticker[secondary].in_sector_stats
        assert by_ticker[secondary].to_dict()["primary_listing"] == primary
        assert by_ticker[secondary].to_dict()["in_sector_stats"] is False
    assert by_ticker["GDS"].to_dict()["primary_listing"] is None


def test_each_company_is_counted_once(universe: list[Company]) -> None:
    # A second line of a listed company (same Chinese or English name) must be linked.
    counted = [c for c in universe if c.primary_listing is None]
    for key in ("name_zh", "name_en"):
        names = Counter(getattr(c, key) for c in counted if getattr(c, key))
        assert [n for n, k in names.items() if k > 1] == [], key


HEADER = (
    "ticker,name_en,name_zh,exchange,market,currency,sector,sub_segment,"
    "secondary_sector,rationale,source,primary_listing,consolidated_into\n"
)


def _row(
    ticker: str, sector: str, sub: str, primary: str = "", market: str = "", parent: str = ""
) -> str:
    return (
        f"{ticker},Name {ticker},,,{market},,{sector},{sub},,why,https://x.example,"
        f"{primary},{parent}\n"
    )


@pytest.mark.parametrize(
    ("rows", "line", "fragment"),
    [
        (
            _row("GDS", "data_center", "idc_operator")
            + _row("9698.HK", "data_center", "idc_operator", "AAPL"),
            3,
            "primary_listing AAPL is not in the universe",
        ),
        (
            _row("GDS", "data_center", "idc_operator")
            + _row("9698.HK", "switching", "switch_system", "GDS"),
            3,
            "primary_listing GDS is in sector 'data_center', not 'switching'",
        ),
        (
            _row("000063.SZ", "switching", "switch_system", "0763.HK")
            + _row("0763.HK", "switching", "switch_system", "ANET")
            + _row("ANET", "switching", "switch_system"),
            2,
            "primary_listing 0763.HK is itself a secondary listing (of ANET)",
        ),
        (_row("ANET", "switching", "switch_system", "ANET"), 2, "names the company itself"),
        (
            _row("000063.SZ", "switching", "switch_system")
            + _row("0763.HK", "switching", "switch_system", "sz000063"),
            3,
            "primary_listing 'sz000063' is not in Yahoo form",
        ),
        (_row("000063.SZ", "switching", "switch_system", market="HK"), 2, "market 'HK'"),
    ],
)
def test_bad_primary_listing_in_the_shipped_csv(rows: str, line: int, fragment: str) -> None:
    from screener.errors import DataError
    from screener.universe.companies import parse_companies_csv

    with pytest.raises(DataError) as info:
        parse_companies_csv(HEADER + rows, "c.csv")
    assert str(info.value).startswith(f"c.csv:{line}: "), info.value
    assert fragment in str(info.value)


@pytest.mark.parametrize(
    ("ticker", "given", "expected"),
    [
        ("600941.SS", ("", "", ""), ("SSE", "CN", "CNY")),
        ("600941.SS", ("sse", "cn", "cny"), ("SSE", "CN", "CNY")),
        ("0941.HK", ("", "", "USD"), ("HKEX", "HK", "USD")),  # HK lines may trade in USD
        ("0941.HK", ("", "", "CNY"), ("HKEX", "HK", "CNY")),
        ("ANET", ("NYSE", "", ""), ("NYSE", "US", "USD")),
        ("ANET", ("NYSE American", "US", ""), ("NYSE American", "US", "USD")),
        ("ENI.MI", ("Borsa Italiana", "IT", "EUR"), ("Borsa Italiana", "IT", "EUR")),
    ],
)
def test_resolve_listing_accepts_facts_that_agree(
    ticker: str, given: tuple[str, str, str], expected: tuple[str, str, str]
) -> None:
    from screener.universe.companies import resolve_listing

    assert resolve_listing(ticker, *given) == expected


@pytest.mark.parametrize(
    ("ticker", "given", "fragment"),
    [
        ("600941.SS", ("", "US", ""), "market 'US' contradicts"),
        ("600941.SS", ("", "", "USD"), "currency 'USD' contradicts"),
        ("300308.SZ", ("SSE", "", ""), "exchange 'SSE' contradicts"),
        ("920045.BJ", ("", "", "HKD"), "A-shares trade in CNY"),
        ("2345.TW", ("TPEx", "", ""), "exchange 'TPEx' contradicts"),
        ("ANET", ("", "CN", ""), "market 'CN' contradicts"),
        ("ANET", ("SSE", "", ""), "SSE lists .SS symbols"),
        ("0700.HK", ("", "US", ""), "market 'US' contradicts"),
    ],
)
def test_resolve_listing_rejects_facts_that_contradict_the_ticker(
    ticker: str, given: tuple[str, str, str], fragment: str
) -> None:
    from screener.universe.companies import resolve_listing

    with pytest.raises(ValueError, match=fragment):
        resolve_listing(ticker, *given)


def test_unknown_sector_suggests_the_closest_id() -> None:
    from screener.universe.companies import check_placement

    problem = check_placement("optical", "optical_chip", None) or ""
    assert "unknown sector 'optical' (did you mean 'optical_communication'?)" in problem
    problem = check_placement("swiching", "switch_system", None) or ""
    assert "(did you mean 'switching'?)" in problem


def test_labels_exist_in_both_languages() -> None:
    for sector in SECTORS:
        assert sector_label(sector) != sector and sector_label(sector, "zh") != sector
    for seg in SUB_SEGMENTS:
        assert sub_segment_label(seg) != seg and sub_segment_label(seg, "zh") != seg


def test_to_dict_carries_the_flag_and_labels(universe: list[Company]) -> None:
    d = universe[0].to_dict()
    assert d["ticker"] == universe[0].ticker
    assert d["in_sector_stats"] is True and d["sector_label"] and d["sub_segment_label"]


def test_the_sector_lists_are_defined_once_in_the_note_order() -> None:
    import screener.catalog

    assert CORE_SECTORS == (
        "optical_communication",
        "high_speed_interconnect",
        "switching",
        "data_center",
    )
    assert (*CORE_SECTORS, "adjacent") == SECTORS
    assert not hasattr(screener.catalog, "SECTORS")  # the taxonomy owns the sector lists


# Counted A-shares per sector at least; switching lost four names to the Feb 2026 review
# (Fiberhome re-sectored, Embedway and DPtech adjacent, Star-net counted through Ruijie)
# and gets new ones only from verified sources, so its floor is lower.
MIN_COUNTED_A_SHARES = {
    "optical_communication": 15,
    "high_speed_interconnect": 15,
    "switching": 10,
    "data_center": 15,
}


def test_size_and_balance_of_the_list(universe: list[Company]) -> None:
    core = [c for c in universe if c.in_sector_stats]
    assert len(core) >= 110, "at least 110 companies counted in the four sectors"
    for sector in CORE_SECTORS:
        members = [c for c in core if c.sector == sector]
        a_shares = [c for c in members if c.market == "CN"]
        others = [c for c in members if c.market != "CN"]
        assert len(a_shares) >= MIN_COUNTED_A_SHARES[sector], (sector, len(a_shares))
        assert len(others) >= 5, (sector, len(others))


# The review of Feb 2026 (issue 12): ticker -> (sector, sub_segment, secondary_sector).
REVIEWED_PLACEMENTS = {
    "600498.SS": ("optical_communication", "optical_transport", "switching"),  # Fiberhome
    "002384.SZ": (ADJACENT, "adjacent_pcb", "optical_communication"),  # Dongshan
    "300679.SZ": (ADJACENT, "adjacent_connector", "high_speed_interconnect"),
    "688800.SS": (ADJACENT, "adjacent_connector", "high_speed_interconnect"),
    "603496.SS": (ADJACENT, "adjacent_network", "switching"),  # Embedway
    "300768.SZ": (ADJACENT, "adjacent_network", "switching"),  # DPtech
    "IRM": (ADJACENT, "adjacent_other", "data_center"),
    "CRWV": (ADJACENT, "adjacent_server", "data_center"),
}


@pytest.mark.parametrize("ticker", sorted(REVIEWED_PLACEMENTS))
def test_the_reviewed_placements(universe: list[Company], ticker: str) -> None:
    company = {c.ticker: c for c in universe}[ticker]
    placement = (company.sector, company.sub_segment, company.secondary_sector)
    assert placement == REVIEWED_PLACEMENTS[ticker]
    assert "per review (Feb 2026 note follow-up), not re-verified offline" in company.rationale
    assert company.in_sector_stats == (company.sector != ADJACENT)


def test_reviewed_names_stay_visible_through_their_secondary_sector(
    universe: list[Company],
) -> None:
    from screener.universe import filter_companies

    for ticker, (_, _, secondary) in REVIEWED_PLACEMENTS.items():
        shown = filter_companies(universe, [secondary], include_secondary=True)
        assert ticker in {c.ticker for c in shown}, ticker


def test_dongshan_says_its_optical_modules_are_a_minority(universe: list[Company]) -> None:
    dongshan = {c.ticker: c for c in universe}["002384.SZ"]
    assert "Source Photonics" in dongshan.rationale and "minority" in dongshan.rationale


def test_sugon_dataenergy_trades_under_its_920_code(universe: list[Company]) -> None:
    by_ticker = {c.ticker: c for c in universe}
    assert "872808.BJ" not in by_ticker
    sugon = by_ticker["920808.BJ"]
    assert (sugon.name_zh, sugon.sector, sugon.exchange) == ("曙光数创", "data_center", "BSE")
    assert "872808" in sugon.rationale
    from screener.universe import find_company

    assert find_company(universe, "872808.BJ") is sugon  # the old code still finds it


def test_no_retired_beijing_code_is_shipped(universe: list[Company]) -> None:
    beijing = [c.ticker for c in universe if c.ticker.endswith(".BJ")]
    assert beijing and all(t.startswith("920") for t in beijing), beijing


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
