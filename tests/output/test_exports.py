"""Terminal exports: the exact bytes of each format, encoding and line ends included."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from screener.output.exports import (
    build_export,
    tdx_block,
    tdx_code,
    ths_csv,
    tradingview_list,
    tradingview_symbol,
)


@pytest.mark.parametrize(
    ("ticker", "exchange", "symbol"),
    [
        ("600000.SS", None, "SSE:600000"),
        ("300308.SZ", None, "SZSE:300308"),
        ("920098.BJ", None, "BSE:920098"),
        ("0700.HK", None, "HKEX:700"),
        ("9698.HK", None, "HKEX:9698"),
        ("2345.TW", None, "TWSE:2345"),
        ("3363.TWO", None, "TPEX:3363"),
        ("6857.T", None, "TSE:6857"),
        ("NVDA", "NASDAQ", "NASDAQ:NVDA"),
        ("GLW", "NYSE", "NYSE:GLW"),
        ("BRK-B", "NYSE", "NYSE:BRK.B"),
        ("NVDA", None, None),  # a US symbol without its exchange is not guessed
        ("ABC.XX", None, None),
        ("A,B.SS", None, None),  # a damaged saved ticker never splits the list
        ("X\nY", "NYSE", None),
    ],
)
def test_tradingview_symbols(ticker: str, exchange: str | None, symbol: str | None) -> None:
    assert tradingview_symbol(ticker, exchange) == symbol


def test_a_tradingview_list_is_one_comma_separated_utf8_line() -> None:
    export = tradingview_list(["600000.SS", "0700.HK", "NVDA", "XYZ"], {"NVDA": "NASDAQ"})
    assert export.data == b"SSE:600000,HKEX:700,NASDAQ:NVDA\n"
    assert export.written == ("600000.SS", "0700.HK", "NVDA")
    assert export.skipped == ("XYZ",)


@pytest.mark.parametrize(
    ("ticker", "code"),
    [
        ("600000.SS", "1600000"),
        ("688702.SS", "1688702"),
        ("300308.SZ", "0300308"),
        ("000988.SZ", "0000988"),
        ("920098.BJ", "2920098"),
        ("0700.HK", None),
        ("NVDA", None),
        ("60000.SS", None),
    ],
)
def test_tdx_codes_carry_the_market_digit(ticker: str, code: str | None) -> None:
    assert tdx_code(ticker) == code


def test_a_tdx_block_file_is_gbk_with_crlf_after_every_line() -> None:
    export = tdx_block(["600000.SS", "300308.SZ", "0700.HK", "920098.BJ"])
    assert export.data == b"1600000\r\n0300308\r\n2920098\r\n"
    assert export.data.decode("gbk").split("\r\n") == ["1600000", "0300308", "2920098", ""]
    assert export.skipped == ("0700.HK",)


def test_an_empty_tdx_block_is_an_empty_file() -> None:
    assert tdx_block(["NVDA"]).data == b""


def test_a_ths_csv_is_gbk_with_a_chinese_header_and_crlf() -> None:
    rows = [
        {"ticker": "300308.SZ", "name": "Zhongji Innolight", "name_zh": "中际旭创"},
        {"ticker": "601138.SS", "name": "Foxconn Industrial Internet", "name_zh": "工业富联"},
        {"ticker": "688000.SS", "name": "=HYPERLINK()", "name_zh": None},
        {"ticker": "NVDA", "name": "NVIDIA", "name_zh": None},
    ]
    export = ths_csv(rows)
    expected = "代码,名称\r\n300308,中际旭创\r\n601138,工业富联\r\n688000,'=HYPERLINK()\r\n"
    assert export.data == expected.encode("gbk")
    assert export.data.startswith("代码".encode("gbk"))  # GBK, no UTF-8 BOM
    assert export.skipped == ("NVDA",)


def test_a_name_gbk_cannot_write_falls_back_to_the_english_name() -> None:
    rows = [{"ticker": "300308.SZ", "name": "Zhongji", "name_zh": "中际旭创😀"}]
    assert ths_csv(rows).data == "代码,名称\r\n300308,Zhongji\r\n".encode("gbk")


def test_an_unknown_format_is_a_bug_not_a_file() -> None:
    with pytest.raises(ValueError):
        build_export("xls", [], {})


def _saved(run_cli) -> None:
    saved = run_cli("watchlist", "save", "core", "--source", "sample", "--flagged")
    assert saved.status == 0, saved.err


def test_the_cli_writes_each_format_atomically_where_asked(run_cli, tmp_path: Path) -> None:
    _saved(run_cli)
    rows = json.loads(run_cli("watchlist", "show", "core", "--format", "json").out)
    a_shares = [r["ticker"] for r in rows if r["ticker"].endswith((".SS", ".SZ", ".BJ"))]
    blk = tmp_path / "AI.blk"
    result = run_cli("watchlist", "export", "core", str(blk), "--to", "tdx")
    assert result.status == 0, result.err
    assert blk.read_bytes() == b"".join(
        f"{tdx_code(t)}\r\n".encode("gbk") for t in a_shares
    )
    assert f"exported {len(a_shares)} of {len(rows)}" in result.out
    assert "left out" in result.err
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp left
    txt = tmp_path / "ai.txt"
    assert run_cli("watchlist", "export", "core", str(txt), "--to", "tradingview").status == 0
    symbols = txt.read_text(encoding="utf-8").strip().split(",")
    assert len(symbols) == len(rows) and all(":" in s for s in symbols)
    ths = tmp_path / "ai.csv"
    assert run_cli("watchlist", "export", "core", str(ths), "--to", "ths").status == 0
    lines = ths.read_bytes().decode("gbk").split("\r\n")
    assert lines[0] == "代码,名称" and len(lines) == len(a_shares) + 2


@pytest.mark.parametrize(("fmt", "name"), [("tdx", "x.txt"), ("tradingview", "x.blk")])
def test_a_wrong_suffix_is_refused_before_anything_is_written(
    run_cli, tmp_path: Path, fmt: str, name: str
) -> None:
    _saved(run_cli)
    result = run_cli("watchlist", "export", "core", str(tmp_path / name), "--to", fmt)
    assert result.status == 2 and "must end in" in result.err
    assert not (tmp_path / name).exists()
