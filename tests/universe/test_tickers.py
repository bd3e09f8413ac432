"""Ticker normalisation: every common way of writing a code maps to one Yahoo symbol."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from screener.errors import ExitStatus, InputError
from screener.universe import market_of, normalize_ticker


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("300308", "300308.SZ"),
        ("300308.SZ", "300308.SZ"),
        ("300308.sz", "300308.SZ"),
        ("SZ300308", "300308.SZ"),
        ("sz300308", "300308.SZ"),
        (" 300308 ", "300308.SZ"),
        ("000063", "000063.SZ"),
        ("002475", "002475.SZ"),
        ("301165", "301165.SZ"),
        ("sh688702", "688702.SS"),
        ("SH688702", "688702.SS"),
        ("688702.SH", "688702.SS"),
        ("688702.SS", "688702.SS"),
        ("600498", "600498.SS"),
        ("601138", "601138.SS"),
        ("603083", "603083.SS"),
        ("605277", "605277.SS"),
        ("920001", "920001.BJ"),
        ("bj920001", "920001.BJ"),
        ("920808.BJ", "920808.BJ"),
        ("872808.BJ", "920808.BJ"),  # retired Beijing code of a company we know moved
        ("872808", "920808.BJ"),
        ("bj872808", "920808.BJ"),
        ("0700.HK", "0700.HK"),
        ("700.HK", "0700.HK"),
        ("00700.HK", "0700.HK"),
        ("700.hk", "0700.HK"),
        ("HK00700", "0700.HK"),
        ("9698.HK", "9698.HK"),
        ("09698.HK", "9698.HK"),
        ("1686.HK", "1686.HK"),
        ("2345.TW", "2345.TW"),
        ("2345.tw", "2345.TW"),
        ("3081.TWO", "3081.TWO"),
        ("3081.two", "3081.TWO"),
        ("ANET", "ANET"),
        ("BRK-B", "BRK-B"),
        ("5803.T", "5803.T"),
        ("5803.t", "5803.T"),
        ("NXT.AX", "NXT.AX"),
        ("005930.KS", "005930.KS"),
    ],
)
def test_normalises_accepted_forms(raw: str, expected: str) -> None:
    assert normalize_ticker(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "xyz",  # lower-case letters only: not a Yahoo symbol as written
        "12345",  # bare five digits: ambiguous
        "0700",  # bare four digits: HK? TW? JP?
        "900901",  # Shanghai B share / not a stock code we place
        "510300",  # an ETF code
        "300308.SS",  # ChiNext code on the wrong exchange
        "688702.SZ",
        "SZ600498",
        "3003081",
        "0.HK",
        "ABC.XX",
        "TOOLONGSYMBOL",
        "300308.HK.SZ",
        "830799",  # retired Beijing code (October 2025) outside BEIJING_MOVES
        "430047.BJ",
        "872808.SZ",  # a known move, but on the wrong exchange
    ],
)
def test_rejects_with_the_ticker_named(raw: str) -> None:
    with pytest.raises(InputError) as info:
        normalize_ticker(raw)
    assert f"unrecognised ticker {raw!r}" in str(info.value)
    assert info.value.exit_status == ExitStatus.USAGE


def test_lower_case_us_symbol_gets_a_hint() -> None:
    with pytest.raises(InputError, match="did you mean 'ANET'"):
        normalize_ticker("anet")


@given(st.integers(min_value=1, max_value=9999))
def test_hk_codes_normalise_to_four_digits_whatever_the_padding(number: int) -> None:
    expected = f"{number:04d}.HK"
    for raw in (f"{number}.HK", f"{number:04d}.HK", f"{number:05d}.HK"):
        assert normalize_ticker(raw) == expected


@given(st.sampled_from(["60", "68", "00", "30"]), st.integers(min_value=0, max_value=9999))
def test_a_share_forms_agree(prefix: str, tail: int) -> None:
    code = f"{prefix}{tail:04d}"
    canonical = normalize_ticker(code)
    exchange = canonical.split(".")[1]
    prefix_form = {"SS": "sh", "SZ": "sz"}[exchange] + code
    assert normalize_ticker(prefix_form) == canonical
    assert normalize_ticker(canonical) == canonical  # idempotent


@pytest.mark.parametrize(
    ("ticker", "market"),
    [
        ("300308.SZ", "CN"),
        ("688702.SS", "CN"),
        ("920001.BJ", "CN"),
        ("0700.HK", "HK"),
        ("2345.TW", "TW"),
        ("3081.TWO", "TW"),
        ("5803.T", "JP"),
        ("NXT.AX", "AU"),
        ("ANET", "US"),
    ],
)
def test_market_of(ticker: str, market: str) -> None:
    assert market_of(ticker) == market


def test_a_retired_beijing_code_gets_the_rule_as_a_hint_not_a_guess() -> None:
    with pytest.raises(InputError) as info:
        normalize_ticker("830799.BJ")
    message = str(info.value)
    assert "retired its 8xxxxx/4xxxxx codes in October 2025" in message
    assert "920799.BJ" in message and "check the new code" in message


def test_only_a_moved_code_earns_a_note() -> None:
    from screener.universe.tickers import BEIJING_MOVES, ticker_note

    assert BEIJING_MOVES["872808"] == "920808"
    for raw in ("872808.BJ", "872808", "BJ872808"):
        note = ticker_note(raw)
        assert note is not None and note.startswith("872808.BJ is now 920808.BJ"), raw
        assert "October 2025" in note
    for raw in ("920808.BJ", "sz300308", "0700.HK", "ANET", "872808.SZ", "nonsense"):
        assert ticker_note(raw) is None, raw


def test_every_move_lands_on_a_current_beijing_code() -> None:
    from screener.universe.tickers import BEIJING_MOVES

    for old, new in BEIJING_MOVES.items():
        assert old[0] in "48" and new.startswith("920") and new[-3:] == old[-3:], old
        assert normalize_ticker(new) == f"{new}.BJ"


# -- issue 14: HKEX's five digits, a universe symbol in another case, suggestions --------

from screener.universe.tickers import resolve_ticker, suggest_tickers  # noqa: E402


@pytest.mark.parametrize(("raw", "symbol"), [("09698", "9698.HK"), ("00700", "0700.HK")])
def test_the_five_digit_hkex_form(raw: str, symbol: str) -> None:
    assert normalize_ticker(raw) == symbol


@pytest.mark.parametrize("raw", ["00000", "19698", "9698"])
def test_other_bare_numbers_stay_ambiguous(raw: str) -> None:
    with pytest.raises(InputError, match="ambiguous"):
        normalize_ticker(raw)


def test_a_universe_symbol_in_another_case_resolves() -> None:
    assert resolve_ticker("gds", ["GDS", "9698.HK"]) == "GDS"
    assert resolve_ticker("Anet", ["ANET"]) == "ANET"
    with pytest.raises(InputError, match="upper case"):
        resolve_ticker("xyz", ["GDS"])  # not in the universe: refused as before


NAMES = {
    "0763.HK": ("ZTE Corporation", "中兴通讯"),
    "300308.SZ": ("Zhongji Innolight", "中际旭创"),
    "GDS": ("GDS Holdings", "万国数据"),
    "ANET": ("Arista Networks", ""),
}


def test_suggestions_read_names_first_and_never_a_code_one_digit_off() -> None:
    assert suggest_tickers("0700.HK", NAMES) == []  # ZTE is not Tencent
    assert suggest_tickers("0763.HK", NAMES, known_name="ZTE Corp") == ["0763.HK"]
    assert suggest_tickers("innolight", NAMES) == ["300308.SZ"]
    assert suggest_tickers("中际旭创", NAMES) == ["300308.SZ"]
    assert suggest_tickers("ANTE", NAMES) == ["ANET"]
    assert suggest_tickers("0700.HK", NAMES, known_name="Tencent Holdings Ltd") == []
