"""Universe discovery through the fake Yahoo: yfinance's real `screen` code, paging, proposals."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from screener.data.yahoo import (
    SCREEN_PAGE_SIZE,
    BadResponseError,
    TransientError,
    YahooProvider,
    screener_industries,
    screener_regions,
)
from screener.errors import InputError
from screener.universe import load_universe
from screener.universe.discover import (
    INDUSTRY_NOTES,
    REGION_INDUSTRIES,
    REGIONS,
    discover,
    industries_for,
    propose,
)
from tests.fake_yahoo import FakeYahoo, Fault
from tests.fake_yahoo.server import RequestRecord
from tests.fake_yahoo.testing import fresh_yfinance, no_network, yf_cache_dir

_FIXTURES = (no_network, yf_cache_dir)  # pytest fixtures, used by name below

CE = "Communication Equipment"


def quote(symbol: str, name: str, market_cap: float = 1e9, **extra: Any) -> dict[str, Any]:
    """A screener row shaped like Yahoo's: a v7 quote, no industry, sector or summary."""
    return {
        "language": "en-US",
        "region": "US",
        "quoteType": "EQUITY",
        "symbol": symbol,
        "longName": name,
        "shortName": name[:20],
        "exchange": "SHZ" if symbol.endswith(".SZ") else "SHH",
        "fullExchangeName": "Shenzhen" if symbol.endswith(".SZ") else "Shanghai",
        "currency": "CNY",
        "marketCap": market_cap,
        "regularMarketPrice": 10.0,
        **extra,
    }


def synthetic(n: int, start: int = 600_000) -> list[dict[str, Any]]:
    """`n` made-up Shanghai listings, largest first (the order a market-cap sort gives)."""
    return [quote(f"{start + i:06d}.SS", f"Synthetic Co {i}", 1e10 - i * 1e6) for i in range(n)]


def industry_of(query: dict[str, Any]) -> str | None:
    """The industry an `and(region, industry)` query filters on."""
    for operand in query.get("operands", []):
        if isinstance(operand, dict) and operand.get("operands", [None])[0] == "industry":
            return operand["operands"][1]
    return None


def by_industry(table: dict[str, list[dict[str, Any]]]) -> Callable[[dict[str, Any]], list]:
    """Screener answers per queried industry, as Yahoo filters server-side."""
    return lambda query: table.get(industry_of(query) or "", [])


@pytest.fixture
def fresh(no_network: None, yf_cache_dir: Path) -> Iterator[Path]:
    """A clean yfinance singleton per test (no cookie or crumb leaks), caches in tmp."""
    fresh_yfinance()
    yield yf_cache_dir
    fresh_yfinance()


def provider_for(fake: FakeYahoo, cache: Path) -> YahooProvider:
    return YahooProvider(fake.session(), cache_dir=cache)


# -- paging ---------------------------------------------------------------------------------
def test_paging_past_250_reads_every_row(fresh: Path) -> None:
    rows = synthetic(600)
    fake = FakeYahoo(screener_quotes=by_industry({CE: rows}))
    result = discover("cn", provider=provider_for(fake, fresh), universe=[], industries=(CE,))

    seen = fake.screener_requests
    assert [r.offset for r in seen] == [0, 250, 500]
    assert {r.size for r in seen} == {SCREEN_PAGE_SIZE}
    assert fake.counts["screener"] == 3
    assert all(r.sort_field == "intradaymarketcap" and r.sort_type == "DESC" for r in seen)
    assert seen[0].query == {
        "operator": "AND",
        "operands": [
            {"operator": "EQ", "operands": ["region", "cn"]},
            {"operator": "EQ", "operands": ["industry", CE]},
        ],
    }
    assert result.scanned == 600 and result.pages == 3
    assert result.available == 600 and not result.truncated
    assert len(result.proposals) == 600
    assert {p.ticker for p in result.proposals} == {r["symbol"] for r in rows}
    # The row says nothing about its industry: it comes from the query, the sector from Yahoo's map.
    assert {(p.industry, p.yahoo_sector, p.region) for p in result.proposals} == {
        (CE, "Technology", "cn")
    }


def test_each_region_industry_is_screened_once_and_rows_keep_their_industry(
    fresh: Path,
) -> None:
    table = {
        CE: [quote("300999.SZ", "Shenzhen Optical Transceiver Technology Co., Ltd.")],
        "Electrical Equipment & Parts": [quote("603999.SS", "Example Magnet Wire Co., Ltd.")],
    }
    fake = FakeYahoo(screener_quotes=by_industry(table))
    result = discover("CN", provider=provider_for(fake, fresh), universe=[])

    asked = [industry_of(r.query) for r in fake.screener_requests]
    assert asked == list(REGION_INDUSTRIES["cn"])  # one page each: every answer fits
    assert result.pages == len(REGION_INDUSTRIES["cn"]) and result.scanned == 2
    by_ticker = {p.ticker: p for p in result.proposals}
    assert by_ticker["603999.SS"].industry == "Electrical Equipment & Parts"
    assert by_ticker["603999.SS"].yahoo_sector == "Industrials"
    assert result.per_industry[CE] == 1 and result.per_industry["Semiconductors"] == 0


# -- the universe and the classifier --------------------------------------------------------
def test_known_tickers_are_skipped_in_any_spelling(fresh: Path) -> None:
    universe = load_universe()
    listed = {c.ticker for c in universe}
    assert {"300308.SZ", "002281.SZ"} <= listed
    rows = [
        quote("300308.SZ", "Zhongji Innolight Co., Ltd."),
        quote("002281.SZ", "Accelink Technologies Co., Ltd."),
        quote("300998.SZ", "Unlisted Newcomer Co., Ltd."),
        quote("200012.SZ", "A Shenzhen B Share"),  # B-share: normalize_ticker rejects it
    ]
    fake = FakeYahoo(screener_quotes=by_industry({CE: rows}))
    result = discover("cn", provider=provider_for(fake, fresh), universe=universe, industries=(CE,))
    assert [p.ticker for p in result.proposals] == ["300998.SZ"]
    assert result.skipped_known == 2
    assert result.skipped_invalid == ("200012.SZ",)
    assert result.scanned == 4

    # Universe tickers written the broker's way still match.
    proposals, skipped, _ = propose(rows[:3], ["sz300308", "002281"])
    assert skipped == 2 and [p.ticker for p in proposals] == ["300998.SZ"]


def test_clear_names_are_classified_the_rest_is_honestly_unclassified(fresh: Path) -> None:
    rows = [
        quote("300997.SZ", "Guangdong Walkie-Talkie Co., Ltd.", 9e10),
        quote("300996.SZ", "Shenzhen Optical Transceiver Technology Co., Ltd.", 2e9),
        quote("688996.SS", "Wuhan Silicon Photonics Inc.", 5e9),
        quote("300995.SZ", "Small Radio Co., Ltd.", 1e8),
    ]
    fake = FakeYahoo(screener_quotes=by_industry({CE: rows}))
    result = discover("cn", provider=provider_for(fake, fresh), universe=[], industries=(CE,))

    order = [p.ticker for p in result.proposals]
    # Classified first (by confidence, then market cap), then unclassified by market cap.
    assert order == ["688996.SS", "300996.SZ", "300997.SZ", "300995.SZ"]
    transceiver = result.proposals[1]
    assert (transceiver.sector, transceiver.sub_segment) == (
        "optical_communication",
        "optical_module",
    )
    assert transceiver.evidence == ("Optical Transceiver",)
    assert 0 < transceiver.confidence < 1
    assert result.proposals[0].sub_segment == "cpo_silicon_photonics"
    radio = result.proposals[2]
    assert radio.sector == "unclassified" and radio.confidence == 0.0 and not radio.is_classified
    assert "no business summary" in radio.reason
    assert radio.next_step.startswith("screener refresh 300997.SZ && screener universe classify")
    row = radio.to_row()
    assert row["basis"] == "name, industry" and row["evidence"] == []
    assert [p.ticker for p in result.classified] == ["688996.SS", "300996.SZ"]


def test_a_custom_classifier_sees_the_row_as_a_profile() -> None:
    from screener.universe.classifier import Classification

    seen: list[dict[str, Any]] = []

    def spy(profile: Any) -> Classification:
        seen.append(dict(profile))
        return Classification("switching", "switch_system", 0.9, ("x",), "spy")

    row = {**quote("300994.SZ", "Example Networks"), "industry": CE, "sector": "Technology"}
    proposals, _, _ = propose([row], [], classify=spy)
    assert proposals[0].sector == "switching"
    assert seen == [
        {
            "sector": "Technology",
            "industry": CE,
            "longName": "Example Networks",
            "shortName": "Example Networks",
            "longBusinessSummary": "Example Networks",
        }
    ]


# -- the cap ---------------------------------------------------------------------------------
def test_max_results_caps_rows_and_requests(fresh: Path) -> None:
    fake = FakeYahoo(screener_quotes=by_industry({CE: synthetic(600)}))
    result = discover(
        "cn", provider=provider_for(fake, fresh), universe=[], industries=(CE,), max_results=300
    )
    assert [(r.offset, r.size) for r in fake.screener_requests] == [(0, 250), (250, 50)]
    assert result.scanned == 300 and len(result.proposals) == 300
    assert result.truncated and result.available == 600


def test_max_results_spans_industries_in_order(fresh: Path) -> None:
    table = {CE: synthetic(200), "Semiconductors": synthetic(200, start=688_000)}
    fake = FakeYahoo(screener_quotes=by_industry(table))
    result = discover(
        "cn",
        provider=provider_for(fake, fresh),
        universe=[],
        industries=(CE, "Semiconductors", "Computer Hardware"),
        max_results=300,
    )
    asked = [(industry_of(r.query), r.offset, r.size) for r in fake.screener_requests]
    assert asked == [(CE, 0, 250), ("Semiconductors", 0, 100)]  # hardware never asked
    assert result.scanned == 300 and result.truncated
    assert result.per_industry == {CE: 200, "Semiconductors": 100}


def test_no_cap_and_a_short_last_page_is_not_truncated(fresh: Path) -> None:
    fake = FakeYahoo(screener_quotes=by_industry({CE: synthetic(250)}))
    result = discover(
        "cn", provider=provider_for(fake, fresh), universe=[], industries=(CE,), max_results=250
    )
    assert [r.offset for r in fake.screener_requests] == [0]
    assert result.scanned == 250 and not result.truncated


# -- failures ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kind", "error", "text"),
    [
        ("500", TransientError, "HTTP 500"),
        ("malformed", BadResponseError, "malformed JSON"),
        ("empty", BadResponseError, "no screener result"),
    ],
)
def test_a_bad_first_page_is_a_clean_provider_error(
    fresh: Path, kind: str, error: type[Exception], text: str
) -> None:
    fake = FakeYahoo(screener_quotes=synthetic(10))
    fake.add_fault(Fault(kind, endpoint="screener"))  # type: ignore[arg-type]
    with pytest.raises(error, match=text):
        discover("cn", provider=provider_for(fake, fresh), universe=[], industries=(CE,))


def test_a_failure_mid_paging_is_not_a_short_answer(fresh: Path) -> None:
    fake = FakeYahoo(screener_quotes=synthetic(600))

    def break_after_first_page(record: RequestRecord) -> None:
        if record.endpoint == "screener" and fake.counts["screener"] == 1:
            fake.add_fault(Fault("500", endpoint="screener"))

    fake.on_request = break_after_first_page
    with pytest.raises(TransientError, match=r"offset 250"):
        discover("cn", provider=provider_for(fake, fresh), universe=[], industries=(CE,))
    assert [r.offset for r in fake.screener_requests] == [0]  # the faulted one is not recorded
    assert fake.counts["screener"] == 2


def test_unknown_region_or_industry_is_an_input_error(fresh: Path) -> None:
    with pytest.raises(InputError, match="unknown region 'jp'"):
        industries_for("jp")
    fake = FakeYahoo(screener_quotes=[])
    with pytest.raises(InputError, match="does not accept"):
        discover(
            "cn", provider=provider_for(fake, fresh), universe=[], industries=("Optical Stuff",)
        )
    assert fake.counts["screener"] == 0


# -- the constants are Yahoo's own names ---------------------------------------------------------
def test_scanned_industries_and_regions_are_yahoo_screener_values() -> None:
    valid = screener_industries()
    assert set(REGIONS) == set(REGION_INDUSTRIES) and set(REGIONS) <= screener_regions()
    for region, industries in REGION_INDUSTRIES.items():
        assert industries and len(set(industries)) == len(industries), region
        assert set(industries) <= set(valid), set(industries) - set(valid)
        assert set(industries) <= set(INDUSTRY_NOTES), region
    assert set(INDUSTRY_NOTES) <= set(valid)
    assert valid["REIT—Specialty"] == "Real Estate"  # em dash, as Yahoo spells it


def test_the_fake_screener_still_serves_the_fixtures_by_default(fresh: Path) -> None:
    import yfinance as yf

    fake = FakeYahoo()
    session = fake.session()
    YahooProvider(session, cache_dir=fresh)
    result = yf.screen("day_gainers", session=session)
    assert result["total"] == result["count"] == len(result["quotes"]) == 7
