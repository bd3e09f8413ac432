"""The akshare provider's pure parts: codes, error classes, validation, frames, pacing,
routes and the fallback chain. None of these imports akshare."""

from __future__ import annotations

import threading
import time
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from screener.data.akshare.codes import bare_code, eastmoney_secucode, is_a_share, quote_url
from screener.data.akshare.errors import classify_error, is_no_rows
from screener.data.akshare.frames import (
    forecast_for,
    last_annual_year,
    profile_from_info,
    report_periods,
    results_row,
)
from screener.data.akshare.shared import SharedAnswers
from screener.data.akshare.transport import CallContext, HostPacer, Meter, run_with_deadline
from screener.data.akshare.validate import clean_metrics, clean_text
from screener.data.chain import ProviderChain, ProviderRoutes, load_routes, parse_spec
from screener.data.provider import (
    ALL_KINDS,
    BadResponseError,
    DataKind,
    FetchBundle,
    NotFoundError,
    ThrottledError,
    TransientError,
)
from screener.errors import InputError


def test_codes() -> None:
    assert is_a_share("600498.SS") and is_a_share("920808.bj") and not is_a_share("0700.HK")
    assert bare_code("300308.SZ") == "300308"
    assert eastmoney_secucode("600498.SS") == "600498.SH"  # F10 wants SH, not SS
    assert eastmoney_secucode("920808.BJ") == "920808.BJ"
    assert quote_url("600498.SS") == "https://quote.eastmoney.com/sh600498.html"
    with pytest.raises(ValueError):
        bare_code("ANET")


class NetworkError(Exception):
    """Named like akshare's own."""


class RateLimitError(Exception):
    pass


class DataParsingError(Exception):
    pass


class ConnectionError(Exception):  # noqa: A001 (requests' name, on purpose)
    pass


class JSONDecodeError(ValueError):
    pass


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (NetworkError("Failed to connect after 3 attempts"), TransientError),
        (RateLimitError("429"), ThrottledError),
        (DataParsingError("Failed to parse JSON response"), BadResponseError),
        (JSONDecodeError("Expecting value"), BadResponseError),
        (ConnectionError("RemoteDisconnected"), TransientError),
        (TimeoutError(), TransientError),
        (TypeError("'NoneType' object is not subscriptable"), NotFoundError),
        (ValueError("If using all scalar values, you must pass an index"), NotFoundError),
        (IndexError("index 0 is out of bounds"), NotFoundError),
        (ValueError("Length mismatch: Expected axis has 38 elements"), BadResponseError),
        (KeyError("PE_TTM"), BadResponseError),
        (RuntimeError("odd"), BadResponseError),
    ],
)
def test_classify_error(exc: BaseException, kind: type) -> None:
    error = classify_error(exc, "valuation 600498")
    assert type(error) is kind
    assert str(error).startswith("valuation 600498: ")


def test_no_rows_is_a_null_result_not_an_error() -> None:
    assert is_no_rows(TypeError("'NoneType' object is not subscriptable"))
    assert not is_no_rows(ValueError("x")) and not is_no_rows(TypeError("other"))


def test_validation_drops_what_is_not_a_sane_number() -> None:
    clean, refused = clean_metrics(
        {
            "pe_ttm": 25.0,
            "pb": float("inf"),
            "price": "12.5",
            "gross_margin": 40.0,  # a percent that escaped conversion
            "market_cap": True,
            "ps_ttm": "n/a",
            "peg": None,
            "roe": float("nan"),
        }
    )
    assert clean == {"pe_ttm": 25.0, "price": 12.5}
    assert set(refused) == {"pb", "gross_margin", "market_cap", "ps_ttm"}
    assert "out of range" in refused["gross_margin"] and "not finite" in refused["pb"]
    assert clean_text("烽火\x1b[31m通信") == "烽火[31m通信"
    assert clean_text("-") is None and clean_text(None) is None


def test_report_periods_and_the_annual_year() -> None:
    assert report_periods(date(2026, 2, 16), 3) == [
        date(2025, 12, 31), date(2025, 9, 30), date(2025, 6, 30),
    ]
    assert report_periods(date(2025, 9, 30), 1) == [date(2025, 9, 30)]
    assert last_annual_year(date(2025, 9, 30)) == 2024
    assert last_annual_year(date(2025, 12, 31)) == 2025
    assert last_annual_year(date(2026, 3, 31)) == 2025


def test_results_row_converts_percent_and_annualises_roe() -> None:
    frame = pd.DataFrame(
        {
            "股票代码": ["300308"],
            "股票简称": ["中际旭创"],
            "营业总收入-营业总收入": [2.0e10],
            "营业总收入-同比增长": [55.0],
            "净利润-净利润": [5.0e9],
            "净利润-同比增长": [40.0],
            "净资产收益率": [18.0],
            "销售毛利率": [34.0],
            "所处行业": ["通信设备"],
        }
    )
    row = results_row(frame, "300308", date(2025, 9, 30))
    assert row is not None
    assert row.raw["revenue_growth"] == pytest.approx(0.55)
    assert row.raw["gross_margin"] == pytest.approx(0.34)
    assert row.raw["net_margin"] == pytest.approx(0.25)
    assert row.raw["roe"] == pytest.approx(0.18 * 4 / 3)
    assert results_row(frame, "600498", date(2025, 9, 30)) is None


def test_forecast_reads_the_second_eps_by_position_whatever_the_labels() -> None:
    frame = pd.DataFrame(
        {
            "代码": ["300308", "002130"],
            "研报数": [36, 8],
            "2025预测每股收益": [5.0, 1.0],
            "2026预测每股收益": [7.0, 1.3],
            "2027预测每股收益": [9.0, 1.6],
            "2028预测每股收益": [11.0, 1.9],
        }
    )
    # labels agree with the company's last annual report (2025): FY2026 is the 2nd column
    same = forecast_for(frame, "300308", 2025)
    assert same is not None and (same.year, same.eps, same.note) == (2026, 7.0, "")
    # a company still on FY2024 (January-April): its row starts at 2024, so the second
    # value is FY2025 although akshare labels it 2026
    shifted = forecast_for(frame, "002130", 2024)
    assert shifted is not None and (shifted.year, shifted.eps) == (2025, 1.3)
    assert "labels this EPS 2026" in shifted.note
    assert forecast_for(frame, "600498", 2024) is None


def test_profile_from_info() -> None:
    frame = pd.DataFrame(
        {
            "item": ["股票简称", "行业", "上市时间", "总股本", "流通股"],
            "value": ["烽火通信", "通信设备", 20010823, 1184000000.0, "-"],
        }
    )
    assert profile_from_info(frame) == {
        "name_zh": "烽火通信",
        "industry_eastmoney": "通信设备",
        "listing_date": "2001-08-23",
        "shares_outstanding": 1184000000.0,
    }


def test_pacer_spaces_requests_per_host() -> None:
    slept: list[float] = []
    pacer = HostPacer(0.2, 0.0, sleep=slept.append)
    pacer.wait("a")
    pacer.wait("b")  # another host: no wait
    pacer.wait("a")
    assert slept and slept[0] == pytest.approx(0.2, abs=0.05) and len(slept) == 1


def test_deadline_gives_up_and_counts_for_the_caller() -> None:
    meter = Meter()
    ctx = CallContext(meter, threading.get_ident(), None, 1.0)
    assert run_with_deadline(lambda: 42, ctx, 1.0, "quick") == 42
    started = time.monotonic()
    with pytest.raises(TransientError, match="within 0.2 s"):
        run_with_deadline(lambda: time.sleep(2), ctx, 0.2, "slow")
    assert time.monotonic() - started < 1.5
    with pytest.raises(KeyError):
        run_with_deadline(lambda: {}["x"], ctx, 1.0, "broken")


def test_shared_answers_fetch_once_and_remember_errors() -> None:
    shared = SharedAnswers()
    calls: list[int] = []

    def fetch() -> int:
        calls.append(1)
        time.sleep(0.05)
        return 7

    threads = [threading.Thread(target=lambda: shared.get("k", fetch)) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert calls == [1] and shared.get("k", fetch) == 7

    def fail() -> int:
        raise TransientError("down")

    for _ in range(2):
        with pytest.raises(TransientError):
            shared.get("bad", fail)
    shared.clear()
    assert len(shared) == 0


# -- routes and the chain ------------------------------------------------------------------


def test_default_routes_put_east_money_first_for_a_shares() -> None:
    routes = ProviderRoutes()
    assert routes.chain_for("600498.SS") == ("akshare", "yahoo")
    assert routes.chain_for("920808.BJ") == ("akshare", "yahoo")
    assert routes.chain_for("0700.HK") == ("yahoo",)
    assert routes.chain_for("ANET") == ("yahoo",)
    assert routes.sources_for("300308.SZ") == ("eastmoney", "yahoo")


def test_provider_option_and_config_file(tmp_path: Path) -> None:
    assert parse_spec("akshare, yahoo") == (None, ("akshare", "yahoo"))
    assert parse_spec("cn=yahoo") == ("CN", ("yahoo",))
    routes = ProviderRoutes().overridden(["yahoo"])
    assert routes.chain_for("600498.SS") == ("yahoo",)
    only_ak = ProviderRoutes().overridden(["akshare"])
    assert only_ak.chain_for("ANET") == ()  # akshare does not serve the US
    for bad in ("bloomberg", "CN=", "=yahoo"):
        with pytest.raises(InputError):
            parse_spec(bad)
    config = tmp_path / "config.toml"
    config.write_text('[providers]\nCN = ["yahoo", "akshare"]\nHK = ["yahoo"]\n', "utf-8")
    assert load_routes(config).chain_for("600498.SS") == ("yahoo", "akshare")
    assert load_routes(tmp_path / "absent.toml") == ProviderRoutes()
    config.write_text('[providers]\nCN = "akshare"\n', "utf-8")
    with pytest.raises(InputError, match="list of provider names"):
        load_routes(config)


class StubProvider:
    """A provider that answers or raises as told, recording what it was asked."""

    def __init__(self, source: str, error: Exception | None = None) -> None:
        self.name = source
        self.source = source
        self.error = error
        self.gate: Any = None
        self.asked: list[tuple[str, frozenset[DataKind]]] = []

    def fetch_one(
        self, ticker: str, kinds: Any = ALL_KINDS, *, price_start: Any = None
    ) -> FetchBundle:
        self.asked.append((ticker, frozenset(kinds)))
        if self.error is not None:
            raise self.error
        return FetchBundle(ticker, self.source, "2026-02-13", "t", "CNY")

    def fetch(self, tickers: Any) -> Any:
        return [self.fetch_one(t) for t in tickers]

    def fx_rates(self) -> list[Any]:
        return []

    requests_made = 0

    def thread_requests(self) -> int:
        return 0

    def sources_asked(self, ticker: str) -> tuple[str, ...]:
        return (self.name,)


def test_the_chain_falls_back_per_ticker_and_says_so() -> None:
    ak = StubProvider("eastmoney", TransientError("dropped"))
    yahoo = StubProvider("yahoo")
    chain = ProviderChain(ProviderRoutes(), {"akshare": lambda: ak, "yahoo": lambda: yahoo})
    bundle = chain.fetch_one("600498.SS", kinds=[DataKind.PRICES])
    assert bundle.source == "yahoo" and "dropped" in bundle.extra["fallback_from"]["akshare"]
    # Yahoo had no snapshot of this company yet: it is asked for everything
    assert yahoo.asked == [("600498.SS", frozenset(ALL_KINDS))]
    assert chain.fetch_one("ANET").source == "yahoo" and ak.asked[-1][0] == "600498.SS"
    assert chain.used == {"yahoo": 2}


def test_the_chain_skips_what_cannot_be_reached_and_combines_errors() -> None:
    ak = StubProvider("eastmoney", NotFoundError("no such code"))
    chain = ProviderChain(
        ProviderRoutes(),
        {"akshare": lambda: ak, "yahoo": lambda: pytest.fail("Yahoo must not be built")},
        unavailable={"yahoo": "Yahoo cannot be reached (no route)"},
        known={("600498.SS", "eastmoney")},
    )
    assert chain.can_serve("600498.SS") and not chain.can_serve("ANET")
    with pytest.raises(NotFoundError, match="no such code.*no route"):
        chain.fetch_one("600498.SS", kinds=[DataKind.PRICES])
    assert ak.asked == [("600498.SS", frozenset({DataKind.PRICES}))]  # known: only what is stale
    with pytest.raises(TransientError, match="no route"):
        chain.fetch_one("ANET")


def test_importing_the_provider_package_does_not_import_akshare() -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "import screener.data.akshare, screener.data.chain, screener.run\n"
        "print('LOADED', [m for m in ('akshare', 'yfinance', 'tqdm') if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "LOADED []" in out.stdout, out.stdout + out.stderr


def test_the_refresh_summary_names_the_provider_that_did_not_know_the_ticker() -> None:
    from screener.data.refresh.loop import RefreshSummary
    from screener.output.text import summary_lines

    def first(**fields: object) -> str:
        return summary_lines(RefreshSummary(**fields))[0]  # type: ignore[arg-type]

    assert "1 not found on East Money," in first(source="eastmoney", not_found={"1.SZ": "x"})
    assert "0 not found on Yahoo," in first()
    assert "0 not found," in first(source="chain")
    mixed = first(
        source="chain",
        not_found={"A.SZ": "x", "B": "y"},
        not_found_by={"A.SZ": ("eastmoney", "yahoo"), "B": ("yahoo",)},
    )
    assert "2 not found (1 on East Money or Yahoo, 1 on Yahoo)," in mixed


def test_board_frames_are_checked_at_the_boundary() -> None:
    import pandas as pd

    from screener.data.akshare.boards import boards_from_frame, members_from_frame
    from screener.data.provider import BadResponseError

    good = pd.DataFrame({"板块名称": ["CPO概念", "数据中心"], "板块代码": ["BK1128", "BK0634"]})
    assert boards_from_frame(good) == {"CPO概念": "BK1128", "数据中心": "BK0634"}
    with pytest.raises(BadResponseError, match="malformed row"):
        boards_from_frame(pd.DataFrame({"板块名称": ["x"], "板块代码": ["1128"]}))
    with pytest.raises(BadResponseError, match="lacks 板块代码"):
        boards_from_frame(pd.DataFrame({"板块名称": ["x"]}))
    with pytest.raises(BadResponseError, match="no boards"):
        boards_from_frame(pd.DataFrame())
    members = pd.DataFrame({"代码": ["300308", "300308"], "名称": ["中际\x1b[2J旭创", "dup"]})
    assert members_from_frame(members, "CPO概念") == (("300308", "中际[2J旭创"),)
    with pytest.raises(BadResponseError, match="malformed member code"):
        members_from_frame(pd.DataFrame({"代码": ["30030"], "名称": ["x"]}), "CPO概念")
