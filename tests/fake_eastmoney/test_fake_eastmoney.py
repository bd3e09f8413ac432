"""akshare's real functions against the fake East Money: what they ask, parse and raise.

Each test runs an unpatched akshare 1.19.5 function over a real loopback connection
and checks the DataFrame against the figures the fake served, so these tests pin
the facts docs/akshare.md states (columns, units, paging, retries, failure types).
akshare is imported inside the tests (the `ak` fixture), never by the fake itself.
Some tests take a second or more: akshare sleeps between pages and between retries,
and the fake does not patch that away.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from dataclasses import replace
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import requests

from tests.fake_eastmoney import (
    END_DATE,
    FakeEastMoney,
    Fault,
    ForeignHostRefused,
    Market,
    default_market,
)
from tests.fake_eastmoney.builder import default_boards, default_companies
from tests.fake_eastmoney.testing import fake_eastmoney, serve_eastmoney

_FIXTURES = (fake_eastmoney, serve_eastmoney)  # pytest fixtures, used by name below

ROOT = Path(__file__).resolve().parents[2]

# akshare 1.19.5's own pandas calls (not ours) trip pandas 3's inplace deprecations
pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword:Warning")


@pytest.fixture(scope="session")
def ak() -> ModuleType:
    """akshare, imported on first use with its progress bars off."""
    os.environ.setdefault("TQDM_DISABLE", "1")
    return pytest.importorskip("akshare")


def _day(fake: FakeEastMoney, code: str, on: date) -> Any:
    series = fake.market.series(code)
    assert series is not None
    return next(d for d in series.days if d.date == on)


def _chain(exc: BaseException) -> str:
    """repr of an exception and everything it wraps (requests nests urllib3's)."""
    parts = []
    seen: BaseException | None = exc
    while seen is not None:
        parts.append(repr(seen))
        seen = seen.__cause__ or seen.__context__
    return " <- ".join(parts)


# -- stock_value_em ------------------------------------------------------------------------
def test_value_em_gives_the_served_daily_valuation_since_listing(
    ak: ModuleType, fake_eastmoney: FakeEastMoney
) -> None:
    df = ak.stock_value_em(symbol="300308")
    series = fake_eastmoney.market.series("300308")
    assert series is not None
    assert len(df) == len(series.days)  # 3,614 trading days: under the 5,000-row page
    assert df["数据日期"].iloc[0] == date(2012, 4, 10)  # the listing day
    assert df["数据日期"].iloc[-1] == END_DATE  # sorted oldest first
    assert list(df.columns) == [
        "数据日期", "当日收盘价", "当日涨跌幅", "总市值", "流通市值", "总股本", "流通股本",
        "PE(TTM)", "PE(静)", "市净率", "PEG值", "市现率", "市销率",
    ]
    on = date(2025, 6, 30)
    row = df[df["数据日期"] == on].iloc[0]
    day = _day(fake_eastmoney, "300308", on)
    assert row["PE(TTM)"] == day.pe_ttm
    assert row["PE(静)"] == day.pe_lar
    assert row["市净率"] == day.pb
    assert row["市销率"] == day.ps_ttm
    assert row["PEG值"] == day.peg
    assert row["市现率"] == day.pcf_ttm
    assert row["当日收盘价"] == day.close
    assert row["总市值"] == day.market_cap  # yuan, not 亿
    assert row["总股本"] == 1_118_000_000  # shares
    assert row["当日涨跌幅"] == pytest.approx((day.close / day.prev_close - 1) * 100, abs=1e-4)
    assert fake_eastmoney.counts == {"valuation": 1}
    assert fake_eastmoney.records[0].host == "datacenter-web.eastmoney.com"


def test_value_em_stops_at_5000_rows_for_older_listings(
    ak: ModuleType, fake_eastmoney: FakeEastMoney
) -> None:
    """pageSize=5000 and one page: a company listed in 2001 loses its first years."""
    df = ak.stock_value_em(symbol="600498")
    series = fake_eastmoney.market.series("600498")
    assert series is not None and len(series.days) > 6000
    assert len(df) == 5000
    assert df["数据日期"].iloc[0] == series.days[-5000].date
    assert df["数据日期"].iloc[0] > date(2001, 8, 23)
    assert fake_eastmoney.counts == {"valuation": 1}


def test_pe_ttm_is_market_cap_over_four_quarters_rebuilt_from_ytd_results(
    ak: ModuleType, fake_eastmoney: FakeEastMoney
) -> None:
    """The quarterly results are year-to-date: TTM = this YTD + last annual - last YTD."""
    value = ak.stock_value_em(symbol="300308")
    q3 = ak.stock_yjbb_em(date="20250930").set_index("股票代码")
    fy = ak.stock_yjbb_em(date="20241231").set_index("股票代码")
    q3_prior = ak.stock_yjbb_em(date="20240930").set_index("股票代码")
    ttm = (
        q3.loc["300308", "净利润-净利润"]
        + fy.loc["300308", "净利润-净利润"]
        - q3_prior.loc["300308", "净利润-净利润"]
    )
    last = value.iloc[-1]
    assert last["总市值"] / last["PE(TTM)"] == pytest.approx(ttm, rel=1e-6)


# -- stock_yjbb_em -------------------------------------------------------------------------
def test_yjbb_em_maps_the_served_keys_by_position(
    ak: ModuleType, fake_eastmoney: FakeEastMoney
) -> None:
    df = ak.stock_yjbb_em(date="20250930")
    served = {r["SECURITY_CODE"]: r for r in fake_eastmoney.market.results_rows(date(2025, 9, 30))}
    assert set(df["股票代码"]) == set(served)
    row = df.set_index("股票代码").loc["300308"]
    raw = served["300308"]
    pairs = {
        "股票简称": "SECURITY_NAME_ABBR",
        "每股收益": "BASIC_EPS",
        "营业总收入-营业总收入": "TOTAL_OPERATE_INCOME",
        "营业总收入-同比增长": "YSTZ",
        "营业总收入-季度环比增长": "YSHZ",
        "净利润-净利润": "PARENT_NETPROFIT",
        "净利润-同比增长": "SJLTZ",
        "净利润-季度环比增长": "SJLHZ",
        "每股净资产": "BPS",
        "净资产收益率": "WEIGHTAVG_ROE",
        "每股经营现金流量": "MGJYXJJE",
        "销售毛利率": "XSMLL",
        "所处行业": "PUBLISHNAME",
    }
    for column, key in pairs.items():
        assert row[column] == raw[key], column
    assert row["最新公告日期"] == date.fromisoformat(raw["UPDATE_DATE"][:10])
    # units: yuan and percent, year to date
    assert row["营业总收入-营业总收入"] > 1e10  # 23.6 bn yuan for nine months
    assert 30 < row["销售毛利率"] < 40  # percent
    # a whole-market report fits one 500-row page here; akshare asks for page 1 twice
    assert fake_eastmoney.counts == {"results": 2}


def test_yjbb_em_pages_by_500_and_asks_for_page_one_twice(
    ak: ModuleType, serve_eastmoney: Any
) -> None:
    fake = serve_eastmoney(default_market(extra_companies=1100))
    df = ak.stock_yjbb_em(date="20250930")
    assert len(df) == 1107 and df["股票代码"].is_unique
    assert fake.counts == {"results": 4}  # pages=3: one probe + pages 1, 2, 3
    assert [r.page for r in fake.records] == [1, 1, 2, 3]


# -- stock_profit_forecast_em --------------------------------------------------------------
def test_profit_forecast_em_gives_consensus_eps_by_year(
    ak: ModuleType, fake_eastmoney: FakeEastMoney
) -> None:
    df = ak.stock_profit_forecast_em()
    years = [c for c in df.columns if c.endswith("预测每股收益")]
    # YEAR1 is the last actual year (YEAR_MARK1 "A"), labelled 预测 like the others
    assert years == ["2024预测每股收益", "2025预测每股收益", "2026预测每股收益", "2027预测每股收益"]
    assert set(df["代码"]) == {"300308", "600498", "688498", "002837", "002130"}  # no coverage
    series = fake_eastmoney.market.series("300308")
    assert series is not None
    forecast = series.forecast()
    assert forecast is not None
    row = df.set_index("代码").loc["300308"]
    for year, mark, eps in forecast:
        assert row[f"{year}预测每股收益"] == pytest.approx(eps, rel=1e-12), (year, mark)
    assert row["研报数"] == 36
    assert df["研报数"].is_monotonic_decreasing
    assert fake_eastmoney.counts == {"forecast": 2}  # one probe + page 1


def test_profit_forecast_em_labels_every_row_with_the_most_common_years(
    ak: ModuleType, serve_eastmoney: Any
) -> None:
    """A company whose YEAR1 differs from the market's mode gets its EPS under the
    mode's year labels: akshare assigns columns by position, not by each row's YEAR."""
    companies = tuple(
        replace(c, forecast_year1=2025) if c.code == "002130" else c for c in default_companies()
    )
    serve_eastmoney(Market(companies, default_boards(companies)))
    df = ak.stock_profit_forecast_em().set_index("代码")
    assert "2028预测每股收益" not in df.columns
    served_2025_actual = next(
        r for r in default_market().forecast_rows() if r["SECURITY_CODE"] == "002130"
    )["EPS1"]
    assert df.loc["002130", "2024预测每股收益"] == pytest.approx(served_2025_actual)


# -- stock_individual_info_em --------------------------------------------------------------
def test_individual_info_em_gives_the_profile(
    ak: ModuleType, fake_eastmoney: FakeEastMoney
) -> None:
    df = ak.stock_individual_info_em(symbol="300308")
    info = dict(zip(df["item"], df["value"], strict=True))
    quote = fake_eastmoney.market.quote_fields("300308")
    assert quote is not None
    assert set(info) == {
        "最新", "股票代码", "股票简称", "总股本", "流通股", "总市值", "流通市值", "行业",
        "上市时间",
    }
    assert info["股票代码"] == "300308"
    assert info["股票简称"] == "中际旭创"
    assert info["行业"] == "通信设备"
    assert info["上市时间"] == 20120410  # an int, YYYYMMDD
    assert info["总市值"] == quote["f116"]  # yuan
    assert info["总股本"] == 1_118_000_000  # shares
    assert info["最新"] == 182.5
    assert fake_eastmoney.records[-1].host == "push2.eastmoney.com"
    assert fake_eastmoney.records[-1].subject == "0.300308"


@pytest.mark.parametrize(("code", "secid"), [("600498", "1.600498"), ("920808", "0.920808")])
def test_individual_info_em_market_number(
    ak: ModuleType, fake_eastmoney: FakeEastMoney, code: str, secid: str
) -> None:
    """secid is 1.<code> for codes starting with 6, else 0.<code> (Beijing too)."""
    df = ak.stock_individual_info_em(symbol=code)
    assert dict(zip(df["item"], df["value"], strict=True))["股票代码"] == code
    assert fake_eastmoney.records[-1].subject == secid


# -- stock_zh_a_hist -----------------------------------------------------------------------
def test_zh_a_hist_gives_the_served_bars(ak: ModuleType, fake_eastmoney: FakeEastMoney) -> None:
    df = ak.stock_zh_a_hist(symbol="600498", start_date="20250701", end_date="20250731")
    assert list(df.columns) == [
        "日期", "股票代码", "开盘", "收盘", "最高", "最低", "成交量", "成交额", "振幅", "涨跌幅",
        "涨跌额", "换手率",
    ]
    assert df["日期"].iloc[0] == date(2025, 7, 1) and df["日期"].iloc[-1] == date(2025, 7, 31)
    day = _day(fake_eastmoney, "600498", date(2025, 7, 15))
    row = df[df["日期"] == date(2025, 7, 15)].iloc[0]
    assert (row["开盘"], row["收盘"], row["最高"], row["最低"]) == (
        day.open, day.close, day.high, day.low,
    )
    assert row["成交量"] == day.volume_lots  # lots of 100 shares
    assert row["成交额"] == day.amount  # yuan
    assert row["换手率"] == day.turnover_pct  # percent
    assert row["涨跌幅"] == round((day.close / day.prev_close - 1) * 100, 2)  # percent
    assert fake_eastmoney.records[-1].host == "push2his.eastmoney.com"


def test_zh_a_hist_adjust_options(ak: ModuleType, fake_eastmoney: FakeEastMoney) -> None:
    """600498's fixture pays 0.12 yuan ex 2025-07-10: qfq moves earlier closes, hfq later."""
    window = {"symbol": "600498", "start_date": "20250708", "end_date": "20250711"}
    raw = ak.stock_zh_a_hist(**window).set_index("日期")["收盘"]
    qfq = ak.stock_zh_a_hist(adjust="qfq", **window).set_index("日期")["收盘"]
    hfq = ak.stock_zh_a_hist(adjust="hfq", **window).set_index("日期")["收盘"]
    before, after = date(2025, 7, 9), date(2025, 7, 10)
    assert qfq[before] < raw[before] and qfq[after] == raw[after]
    assert hfq[before] == raw[before] and hfq[after] > raw[after]


def test_zh_a_hist_weekly(ak: ModuleType, fake_eastmoney: FakeEastMoney) -> None:
    df = ak.stock_zh_a_hist(
        symbol="300308", period="weekly", start_date="20260101", end_date="20260213"
    )
    assert df["日期"].iloc[-1] == END_DATE
    assert len(df) == 7


# -- the USD/CNY central parity ------------------------------------------------------------
def test_forex_hist_em_reads_the_central_parity(
    ak: ModuleType, fake_eastmoney: FakeEastMoney
) -> None:
    df = ak.forex_hist_em(symbol="USDCNYC")
    days = fake_eastmoney.market.fx_days
    assert len(df) == len(days)
    assert df["日期"].iloc[-1] == days[-1][0] == END_DATE
    assert df["最新价"].iloc[-1] == days[-1][1] == fake_eastmoney.market.fx_parity
    assert set(df["代码"]) == {"USDCNYC"}
    assert fake_eastmoney.counts == {"fx": 1}
    assert fake_eastmoney.records[0].host == "push2his.eastmoney.com"


# -- concept boards ------------------------------------------------------------------------
def test_board_concept_name_em_lists_boards(ak: ModuleType, fake_eastmoney: FakeEastMoney) -> None:
    df = ak.stock_board_concept_name_em()
    names = dict(zip(df["板块名称"], df["板块代码"], strict=True))
    assert names["CPO概念"] == "BK1128"
    sector = {"光通信模块", "铜缆高速连接", "数据中心", "液冷服务器", "东数西算", "算力概念"}
    assert sector <= set(names)
    cpo = df.set_index("板块名称").loc["CPO概念"]
    board = fake_eastmoney.market.boards_by_code["BK1128"]
    assert cpo["总市值"] == fake_eastmoney.market.board_fields(board, 0)["f20"]
    assert cpo["领涨股票"] in {"中际旭创", "源杰科技"}
    assert fake_eastmoney.counts == {"boards": 1}
    assert fake_eastmoney.records[0].host == "79.push2.eastmoney.com"


def test_board_concept_cons_em_by_name_and_by_code(
    ak: ModuleType, fake_eastmoney: FakeEastMoney
) -> None:
    by_name = ak.stock_board_concept_cons_em(symbol="CPO概念")
    assert set(by_name["代码"]) == {"300308", "688498"}
    assert fake_eastmoney.counts == {"boards": 1, "members": 1}
    by_code = ak.stock_board_concept_cons_em(symbol="BK1150")
    assert set(by_code["代码"]) == {"002837", "920808"}
    # the board list is cached by akshare for the process: no second board-list request
    ak.stock_board_concept_cons_em(symbol="数据中心")
    assert fake_eastmoney.counts == {"boards": 1, "members": 3}
    assert {r.host for r in fake_eastmoney.records if r.endpoint == "members"} == {
        "29.push2.eastmoney.com"
    }


def test_board_members_dynamic_pe_is_not_pe_ttm(
    ak: ModuleType, fake_eastmoney: FakeEastMoney
) -> None:
    """市盈率-动态 (f9) annualises the latest quarter; PE(TTM) comes from stock_value_em."""
    members = ak.stock_board_concept_cons_em(symbol="BK1128").set_index("代码")
    ttm = ak.stock_value_em(symbol="300308").iloc[-1]["PE(TTM)"]
    dynamic = members.loc["300308", "市盈率-动态"]
    assert dynamic == fake_eastmoney.market.member_fields("300308")["f9"]
    assert dynamic != pytest.approx(ttm, rel=0.01)


def test_board_members_page_by_100_with_a_sleep_between_pages(
    ak: ModuleType, serve_eastmoney: Any
) -> None:
    fake = serve_eastmoney(default_market(extra_members={"算力概念": 150}))
    started = time.monotonic()
    df = ak.stock_board_concept_cons_em(symbol="BK1134")
    elapsed = time.monotonic() - started
    assert len(df) == 153 and df["代码"].is_unique
    assert fake.counts == {"members": 2}
    assert [r.page for r in fake.records] == [1, 2]
    assert elapsed >= 0.5  # akshare's random.uniform(0.5, 1.5) before page 2


def test_board_list_pages_too(ak: ModuleType, serve_eastmoney: Any) -> None:
    fake = serve_eastmoney(default_market(extra_boards=95))
    df = ak.stock_board_concept_name_em()
    assert len(df) == 104
    assert fake.counts == {"boards": 2}


# -- unknown codes -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("call", "outcome"),
    [
        (lambda ak: ak.stock_value_em(symbol="600999"), TypeError),
        (lambda ak: ak.stock_yjbb_em(date="20251231"), TypeError),  # no rows published yet
        (lambda ak: ak.stock_individual_info_em(symbol="600999"), ValueError),
        (lambda ak: ak.stock_zh_a_hist(symbol="600999"), "empty"),
        (lambda ak: ak.stock_board_concept_cons_em(symbol="不存在的概念"), IndexError),
        (lambda ak: ak.stock_board_concept_cons_em(symbol="BK9999"), TypeError),
    ],
    ids=["value_em", "yjbb_em", "individual_info_em", "zh_a_hist", "cons_by_name", "cons_by_code"],
)
def test_unknown_subjects(
    ak: ModuleType, fake_eastmoney: FakeEastMoney, call: Any, outcome: Any
) -> None:
    if outcome == "empty":
        assert call(ak).empty
    else:
        with pytest.raises(outcome):
            call(ak)


# -- the network stays off -----------------------------------------------------------------
def test_other_hosts_are_refused(fake_eastmoney: FakeEastMoney) -> None:
    for url in (
        "https://query1.finance.yahoo.com/v7/finance/quote?symbols=AAPL",
        "http://127.0.0.1:9/",
        "https://eastmoney.com.example.org/api",
    ):
        with pytest.raises(ForeignHostRefused):
            requests.get(url, timeout=1)
    assert len(fake_eastmoney.refused) == 3
    assert fake_eastmoney.total == 0


def test_interception_ends_with_the_context() -> None:
    from requests.adapters import HTTPAdapter

    original = HTTPAdapter.send
    with FakeEastMoney(default_market(as_of=END_DATE)) as fake, fake.intercept():
        assert HTTPAdapter.send is not original
        with pytest.raises(RuntimeError, match="already intercepting"), fake.intercept():
            pass
    assert HTTPAdapter.send is original


# -- faults --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("endpoint", "call"),
    [
        ("kline", lambda ak: ak.stock_zh_a_hist(symbol="600498")),
        ("quote", lambda ak: ak.stock_individual_info_em(symbol="600498")),
        ("results", lambda ak: ak.stock_yjbb_em(date="20250930")),
        ("forecast", lambda ak: ak.stock_profit_forecast_em()),
    ],
)
def test_a_dropped_connection_reaches_the_caller_at_once(
    ak: ModuleType, fake_eastmoney: FakeEastMoney, endpoint: str, call: Any
) -> None:
    """Plain requests.get, no retry: requests' ConnectionError around RemoteDisconnected."""
    fake_eastmoney.add_fault(Fault("drop", endpoint))
    with pytest.raises(requests.exceptions.ConnectionError) as caught:
        call(ak)
    assert "RemoteDisconnected" in _chain(caught.value)
    assert fake_eastmoney.counts == {endpoint: 1}


def test_a_reset_connection_is_a_connection_error_too(
    ak: ModuleType, fake_eastmoney: FakeEastMoney
) -> None:
    fake_eastmoney.add_fault(Fault("reset", "kline"))
    with pytest.raises(requests.exceptions.ConnectionError) as caught:
        ak.stock_zh_a_hist(symbol="600498")
    assert "ConnectionResetError" in _chain(caught.value)


def test_value_em_retries_a_drop(ak: ModuleType, fake_eastmoney: FakeEastMoney) -> None:
    fake_eastmoney.add_fault(Fault("drop", "valuation", times=1))
    started = time.monotonic()
    df = ak.stock_value_em(symbol="688498")
    assert time.monotonic() - started >= 1.0  # its first retry waits 1 s
    assert not df.empty
    assert fake_eastmoney.counts == {"valuation": 2}


def test_value_em_gives_up_after_three_with_akshares_network_error(
    ak: ModuleType, fake_eastmoney: FakeEastMoney
) -> None:
    from akshare.exceptions import NetworkError

    fake_eastmoney.add_fault(Fault("drop", "valuation"))
    started = time.monotonic()
    with pytest.raises(NetworkError, match="after 3 attempts"):
        ak.stock_value_em(symbol="688498")
    assert time.monotonic() - started >= 3.0  # 1 s + 2 s between attempts
    assert fake_eastmoney.counts == {"valuation": 3}
    assert not isinstance(NetworkError("x"), requests.RequestException)


def test_paged_lists_retry_with_a_fresh_session_then_raise_requests_error(
    ak: ModuleType, fake_eastmoney: FakeEastMoney
) -> None:
    fake_eastmoney.add_fault(Fault("drop", "members"))
    with pytest.raises(requests.exceptions.ConnectionError):
        ak.stock_board_concept_cons_em(symbol="BK1128")
    assert fake_eastmoney.counts == {"members": 3}


def test_one_malformed_answer(ak: ModuleType, fake_eastmoney: FakeEastMoney) -> None:
    """Plain calls raise requests' JSONDecodeError; stock_value_em retries it away."""
    fake_eastmoney.add_fault(Fault("malformed", "kline", times=1))
    with pytest.raises(requests.exceptions.JSONDecodeError):
        ak.stock_zh_a_hist(symbol="600498")
    assert not ak.stock_zh_a_hist(symbol="600498").empty  # the next answer is fine
    fake_eastmoney.add_fault(Fault("malformed", "valuation", times=1))
    assert not ak.stock_value_em(symbol="688498").empty
    assert fake_eastmoney.counts["valuation"] == 2


def test_a_malformed_page_is_not_retried_by_the_paged_lists(
    ak: ModuleType, serve_eastmoney: Any
) -> None:
    """request_with_retry only retries the transport; r.json() runs after it."""
    fake = serve_eastmoney(default_market())
    fake.add_fault(Fault("truncated", "members", times=1))
    with pytest.raises(requests.exceptions.JSONDecodeError):
        ak.stock_board_concept_cons_em(symbol="BK1128")
    assert fake.counts == {"members": 1}


def test_latency_is_paid_per_request(ak: ModuleType, serve_eastmoney: Any) -> None:
    fake = serve_eastmoney(latency=0.2)
    started = time.monotonic()
    ak.stock_yjbb_em(date="20250930")
    assert time.monotonic() - started >= 0.4  # two requests
    assert fake.counts == {"results": 2}


def test_a_stall_times_out_only_where_a_timeout_can_be_passed(
    ak: ModuleType, fake_eastmoney: FakeEastMoney
) -> None:
    fake_eastmoney.add_fault(Fault("stall", "kline", times=1, stall=1.0))
    started = time.monotonic()
    with pytest.raises(requests.exceptions.ReadTimeout):
        ak.stock_zh_a_hist(symbol="600498", timeout=0.3)
    assert time.monotonic() - started < 0.9
    # stock_yjbb_em takes no timeout: it waits as long as the server holds the answer
    fake_eastmoney.add_fault(Fault("stall", "results", times=1, stall=1.0))
    started = time.monotonic()
    with pytest.raises(TypeError):  # the stalled answer here is East Money's "no data"
        ak.stock_yjbb_em(date="20250930")
    assert time.monotonic() - started >= 1.0


def test_rate_limit_drops_connections(ak: ModuleType, serve_eastmoney: Any) -> None:
    fake = serve_eastmoney(rate_limit=0.2, rate_burst=2)
    ak.stock_zh_a_hist(symbol="600498", start_date="20260201")
    ak.stock_zh_a_hist(symbol="300308", start_date="20260201")
    with pytest.raises(requests.exceptions.ConnectionError):
        ak.stock_zh_a_hist(symbol="002837", start_date="20260201")
    assert [r.outcome for r in fake.records] == ["200", "200", "drop"]


def test_rate_limit_can_answer_429(serve_eastmoney: Any) -> None:
    fake = serve_eastmoney(rate_limit=0.2, rate_burst=1, rate_limit_reply="429")
    url = "https://push2his.eastmoney.com/api/qt/stock/kline/get?secid=1.600498&beg=20260213"
    assert requests.get(url, timeout=5).status_code == 200
    assert requests.get(url, timeout=5).status_code == 429
    assert fake.counts == {"kline": 2}


# -- import and output hygiene -------------------------------------------------------------
def _run(script: str, **env: str) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if k != "TQDM_DISABLE"}
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_fake_does_not_import_akshare_or_pandas() -> None:
    done = _run(
        """
        import sys
        import tests.fake_eastmoney, tests.fake_eastmoney.testing
        from tests.fake_eastmoney import FakeEastMoney
        with FakeEastMoney() as fake, fake.intercept():
            pass
        print(sorted(m for m in ("akshare", "pandas", "tqdm") if m in sys.modules))
        """
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize("disable", [True, False], ids=["TQDM_DISABLE=1", "unset"])
def test_tqdm_disable_keeps_akshares_progress_bars_off_stderr(disable: bool) -> None:
    pytest.importorskip("akshare")
    done = _run(
        """
        from tests.fake_eastmoney import FakeEastMoney, default_market
        with FakeEastMoney(default_market(extra_companies=600)) as fake, fake.intercept():
            import akshare as ak
            print(len(ak.stock_yjbb_em(date="20250930")))
        """,
        **({"TQDM_DISABLE": "1"} if disable else {}),
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "607"
    bar = "it/s" in done.stderr or "%|" in done.stderr
    assert bar is not disable
