"""Hostile data in, nothing bad out: issue 11's classes through the real CLI paths.

Network answers come from the fake Yahoo (poisoned field by field), files are written
to a temporary folder, damaged stores are made by hand. For every case: no traceback,
no "internal error", the right exit status, nothing healthy lost, no control character
on the terminal, and under a second for a bad file.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import math
import os
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest

from screener.utils import UNSAFE_CHARACTERS
from tests.fake_yahoo import FakeYahoo
from tests.fake_yahoo.testing import fake_yahoo, no_network, wired, yf_cache_dir
from tests.paths import HANG_SECONDS

_FIXTURES = (fake_yahoo, no_network, wired, yf_cache_dir)
ESCAPES = "\x1b]0;pwned\x07\x1b[2J\u202e"



def poison(fake: FakeYahoo, symbol: str, **fields: Any) -> None:
    """Yahoo answers `fields` for `symbol`, in the quote and in every summary module."""
    quote = copy.deepcopy(fake.body("quote", symbol))
    quote["quoteResponse"]["result"][0].update(fields)
    fake.set_body("quote", symbol, quote)
    summary = copy.deepcopy(fake.body("quoteSummary", symbol))
    result = summary["quoteSummary"]["result"][0]
    for module in result.values():
        if isinstance(module, dict):
            for key, value in fields.items():
                if key in module:
                    module[key] = value
    fake.set_body("quoteSummary", symbol, summary)


def clean_output(*results: Any) -> None:
    """No traceback, no internal error, no control character anywhere in what was printed."""
    for result in results:
        for text in (result.out, result.err):
            assert "internal error" not in text and "Traceback" not in text, text
            assert UNSAFE_CHARACTERS.search(text.replace("\n", "")) is None, repr(text[:300])


# -- one bad value stops no one ---------------------------------------------------------------

HOSTILE_QUOTES = [
    {"currency": 10**30},
    {"currency": ["USD"]},
    {"currency": {"code": "USD"}},
    {"currency": "US" + ESCAPES},
    {"marketCap": -5e9},
    {"marketCap": 10**400},
    {"trailingPE": 10**400, "forwardPE": math.inf, "priceToBook": math.nan},
    {"trailingPE": "51.3", "forwardPE": True, "beta": [1.0]},
    {"longName": "Evil" + ESCAPES + "\r=1+1", "shortName": {"a": 1}},
    {"regularMarketTime": 10**30},
    {"targetMeanPrice": 10**400, "numberOfAnalystOpinions": -(10**50)},
]


@pytest.mark.parametrize("fields", HOSTILE_QUOTES, ids=[str(sorted(f)) for f in HOSTILE_QUOTES])
def test_a_hostile_quote_costs_its_field_only(run_cli, wired: FakeYahoo, fields: dict) -> None:
    poison(wired, "ANET", **fields)
    refreshed = run_cli("refresh", "ANET", "300308.SZ")
    assert refreshed.status == 0, refreshed.out + refreshed.err
    assert "2 fetched" in refreshed.out and "0 failed" in refreshed.out
    screened = run_cli("screen", "--offline", "--format", "json")
    table = run_cli("screen", "--offline")
    explained = run_cli("explain", "ANET")
    clean_output(refreshed, screened, table, explained)
    assert screened.status == table.status == explained.status == 0
    rows = {row["ticker"]: row for row in json.loads(screened.out)}
    healthy = rows["300308.SZ"]
    assert healthy["pe_fwd"] is not None and healthy["currency"] == "CNY"
    anet = rows["ANET"]
    assert anet["price"] is not None  # the rest of the hostile company is kept
    assert anet["market_cap"] is None or anet["market_cap"] > 0
    assert anet["currency"] == "USD"  # a bad code falls back on the universe's
    for key in ("pe_ttm", "pe_fwd", "pb", "beta", "target_upside"):
        assert anet[key] is None or math.isfinite(anet[key])


def test_an_online_screen_with_a_hostile_answer_is_no_internal_error(
    run_cli, wired: FakeYahoo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SCREENER_OFFLINE")
    poison(wired, "ANET", currency=10**30, marketCap=10**400)
    result = run_cli("screen", "--rules", "rules", "--provider", "yahoo", "--format", "json")
    clean_output(result)
    assert result.status == 0 and json.loads(result.out)


@pytest.mark.parametrize("close", [0.0, -7.2, math.nan, math.inf])
def test_an_fx_close_that_is_no_rate_fails_no_company(
    run_cli, wired: FakeYahoo, close: float
) -> None:
    chart = copy.deepcopy(wired.body("chart", "CNY=X"))
    result = chart["chart"]["result"][0]
    quote = result["indicators"]["quote"][0]
    quote["close"] = [close] * len(quote["close"])
    adjusted = result["indicators"]["adjclose"][0]
    adjusted["adjclose"] = [close] * len(adjusted["adjclose"])  # history() adjusts by default
    result["meta"]["regularMarketPrice"] = close
    wired.set_body("chart", "CNY=X", chart)
    refreshed = run_cli("refresh", "300308.SZ", "002281.SZ", "ANET")
    assert refreshed.status == 0 and "3 fetched" in refreshed.out, refreshed.out
    screened = run_cli("screen", "--offline", "--format", "json")
    rows = {r["ticker"]: r for r in json.loads(screened.out)}
    assert rows["300308.SZ"]["market_cap"] and rows["300308.SZ"]["market_cap_usd"] is None
    assert rows["ANET"]["market_cap_usd"] == rows["ANET"]["market_cap"]


# -- discovery: screener names are text, or nothing ---------------------------------------------

def test_discover_takes_only_text_as_names(run_cli, wired: FakeYahoo) -> None:
    names: list[Any] = [
        {"a": 1},
        ["Optical", "Module"],
        10**30,
        "Evil Optical Transceiver" + ESCAPES,
        "=HYPERLINK(\"http://x\")\r@SUM(A1)",
        "@SUM(A1) Optical Transceiver",
        "Plain Optical Transceiver Co",
    ]
    wired.screener_quotes = [
        {
            "symbol": f"68800{i}.SS",
            "shortName": name,
            "longName": name,
            "marketCap": [-1e9, 10**400, math.nan, 1e9, 2e9, 3e9, 4e9][i],
            "currency": [["CNY"], "CNY\x1b", 10**30, "CNY", "CNY", "CNY", "CNY"][i],
            "exchange": {"x": 1} if i == 0 else "SHH",
            "industry": {"bad": 1} if i == 1 else None,
            "quoteType": "EQUITY",
        }
        for i, name in enumerate(names)
    ]
    as_json = run_cli("universe", "discover", "--region", "cn", "--format", "json")
    as_csv = run_cli("universe", "discover", "--region", "cn", "--format", "csv")
    as_table = run_cli("universe", "discover", "--region", "cn")
    clean_output(as_json, as_csv, as_table)
    assert as_json.status == as_csv.status == as_table.status == 0, as_json.err
    rows = json.loads(as_json.out)
    by_ticker = {row["ticker"]: row for row in rows}
    assert all(isinstance(r["name"], str | type(None)) for r in rows)
    assert by_ticker["688006.SS"]["name"] == "Plain Optical Transceiver Co"
    assert {by_ticker[f"68800{i}.SS"]["name"] for i in range(4)} == {None}
    assert all(r["currency"] in (None, "CNY") for r in rows)
    assert all(r["market_cap"] is None or r["market_cap"] > 0 for r in rows)
    parsed = list(csv.DictReader(io.StringIO(as_csv.out)))
    assert len(parsed) == len(rows) == len(as_csv.out.splitlines()) - 1
    assert not any(r["name"].startswith(("=", "+", "-", "@")) for r in parsed)
    assert any(r["name"] == "'@SUM(A1) Optical Transceiver" for r in parsed)


# -- text accepted: one validator, one file:line error -------------------------------------------

@pytest.mark.parametrize(
    ("name", "text", "fragment"),
    [
        ("u.toml", '[[add]]\nticker = "688167"\nname_en = "Evil\\u001b[2J"\n'
         'sector = "optical_communication"\nsub_segment = "optical_chip"\n',
         "u.toml:1: field 'name_en' contains control characters (U+001B)"),
        ("u.toml", '[[add]]\nticker = "688167"\nname_en = "Evil\\u202eCo"\n'
         'sector = "optical_communication"\nsub_segment = "optical_chip"\n',
         "contains control characters (U+202E)"),
        ("u.csv", "action,ticker,name_en,sector,sub_segment\n"
         'add,688167,"Evil\rCo",optical_communication,optical_chip\n',
         "u.csv:2: field 'name_en' contains control characters (U+000D)"),
        ("u.csv", "action,ticker,name_en\nset,ANET," + "x" * 300 + "\n", "is too long"),
        ("u.csv", "action,ticker,name_en,name_en\nset,ANET,a,b\n", "appears twice"),
        ("u.csv", "action,ticker,name_en\nset,ANET," + "x" * 140_000 + "\n", "u.csv:"),
        ("u.toml", "remove = [" + "[" * 5000 + "]" * 5000 + "]\n", "u.toml:"),
    ],
)
def test_a_hostile_override_file_is_one_located_error(
    run_cli, tmp_path: Path, name: str, text: str, fragment: str
) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8", newline="")
    started = time.monotonic()
    result = run_cli("universe", "list", "--universe", str(path))
    assert time.monotonic() - started < HANG_SECONDS
    clean_output(result)
    assert result.status == 2 and fragment in result.err, result.err
    assert len(result.err.strip().splitlines()) == 1


def test_override_names_that_look_like_formulas_export_as_text(run_cli, tmp_path: Path) -> None:
    path = tmp_path / "u.toml"
    path.write_text(
        '[[set]]\nticker = "ANET"\nname_en = "=HYPERLINK(\\"http://x\\")"\n'
        'name_zh = "@SUM(A1)"\nrationale = "-2+3"\n',
        encoding="utf-8",
    )
    listed = run_cli("universe", "list", "--universe", str(path), "--format", "csv")
    export = tmp_path / "out.csv"
    screened = run_cli(
        "screen", "--source", "sample", "--universe", str(path), "--export", str(export)
    )
    clean_output(listed, screened)
    assert listed.status == 0 and screened.status == 0, screened.err
    for text in (listed.out, export.read_text(encoding="utf-8")):
        rows = list(csv.DictReader(io.StringIO(text)))
        anet = next(r for r in rows if r["ticker"] == "ANET")
        assert anet.get("name_en", anet.get("name")).startswith("'=HYPERLINK")
        assert anet["name_zh"] == "'@SUM(A1)"


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("title", "Cheap\\u001b]8;;http://evil\\u0007", "'title' contains control characters"),
        ("why", "fired \\u202e", "'why' contains control characters"),
        ("when", "market == \\\"C\\u001bN\\\"", "string literals may not contain control"),
        ("when", "pe_fwd < .\\uff12", "attribute access"),
        ("why", "{pe_fwd} " * 33, "too many placeholders"),
    ],
)
def test_hostile_rule_text_is_one_located_error(
    run_cli, tmp_path: Path, field: str, value: str, fragment: str
) -> None:
    rule = {"id": "r", "title": "t", "when": "pe_fwd < 10", "score": 1, "why": ""}
    rule[field] = value
    body = "[[rule]]\n" + "".join(f'{k} = "{v}"\n' for k, v in rule.items() if k != "score")
    path = tmp_path / "r.toml"
    path.write_text(body + "score = 1\n", encoding="utf-8")
    for args in (("rules", "check", str(path)), ("rules", "list", "--rules", str(path))):
        result = run_cli(*args)
        clean_output(result)
        assert result.status == 2 and fragment in result.err, result.err
        assert result.err.startswith(f"screener: error: {path}:")


# -- reads without limits --------------------------------------------------------------------------

def test_an_override_that_is_no_regular_file_is_refused_at_once(
    run_cli, tmp_path: Path
) -> None:
    fifo = tmp_path / "fifo.toml"
    os.mkfifo(fifo)
    zero = tmp_path / "zero.toml"
    zero.symlink_to("/dev/zero")
    big = tmp_path / "big.csv"
    with big.open("wb") as handle:
        handle.truncate(6 * 1024 * 1024)  # sparse: 6 MiB that cost nothing to make
    for path, fragment in (
        (fifo, "not a regular file"),
        (zero, "not a regular file"),
        (big, "file is too large (6291456 bytes; the limit is 5 MiB)"),
        (tmp_path / "universe.yaml", "must end in .toml or .csv"),
    ):
        started = time.monotonic()
        result = run_cli("universe", "list", "--universe", str(path))
        assert time.monotonic() - started < HANG_SECONDS
        assert result.status == 2 and fragment in result.err, result.err


def test_a_huge_file_in_the_config_folder_is_a_clear_error(run_cli, tmp_path: Path) -> None:
    config = tmp_path / "config" / "screener"
    config.mkdir(parents=True)
    with (config / "universe.toml").open("wb") as handle:
        handle.truncate(3 * 1024**3)  # a 3 GiB file, sparse
    result = run_cli("universe", "list")
    assert result.status == 2 and "file is too large" in result.err


def test_a_long_remove_list_is_linear(run_cli, tmp_path: Path) -> None:
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    tickers = [a + b + c for a in letters for b in letters for c in letters][:10_000]
    path = tmp_path / "u.toml"
    path.write_text("remove = [\n" + "".join(f'  "{t}",\n' for t in tickers) + "]\n")
    started = time.monotonic()
    result = run_cli("universe", "list", "--universe", str(path))
    assert time.monotonic() - started < HANG_SECONDS
    assert result.status == 2 and "cannot remove AAA: not in the universe" in result.err


@pytest.mark.parametrize("ticker", ["X" * 100_000, "60٠٥١٩", "２３４５.TW", "AN\x1bE", "A\u202eB"])
def test_a_hostile_ticker_is_rejected_and_echoed_short(run_cli, ticker: str) -> None:
    result = run_cli("universe", "show", ticker)
    clean_output(result)
    assert result.status == 2 and "unrecognised ticker" in result.err
    assert len(result.err) < 400


def test_a_wrong_export_suffix_fails_before_any_refresh(
    run_cli, wired: FakeYahoo, monkeypatch
) -> None:
    monkeypatch.delenv("SCREENER_OFFLINE")
    started = time.monotonic()
    result = run_cli("screen", "--export", "out.txt")
    assert result.status == 2 and "must end in .csv" in result.err
    assert wired.total == 0 and time.monotonic() - started < HANG_SECONDS


# -- a damaged or foreign store -------------------------------------------------------------------

@pytest.fixture
def stored(run_cli, wired: FakeYahoo, _private_store: Path) -> Path:
    """A store with live data for two companies and two saved runs of watchlist w."""
    assert run_cli("refresh", "ANET", "300308.SZ").status == 0
    assert run_cli("watchlist", "save", "w").status == 0
    assert run_cli("watchlist", "save", "w").status == 0
    return _private_store


def _checkpoint(db: Path) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def test_a_damaged_page_is_one_clear_line_and_nothing_is_written(run_cli, stored: Path) -> None:
    _checkpoint(stored)
    pages = stored.stat().st_size // 4096
    with sqlite3.connect(stored) as conn:
        sql = "select rootpage from sqlite_master where name = 'snapshots'"
        root = conn.execute(sql).fetchone()
    conn.close()
    with stored.open("r+b") as handle:
        handle.seek((root[0] - 1) * 4096)
        handle.write(b"\xff" * 4096)
    before = stored.read_bytes()
    results = [
        run_cli("screen", "--offline"),
        run_cli("explain", "ANET"),
        run_cli("watchlist", "save", "w2"),
        run_cli("refresh", "--force", "ANET"),
    ]
    clean_output(*results)
    for result in results:
        assert result.status == 1, result.err
        assert "the store is damaged" in result.err and len(result.err.strip().splitlines()) == 1
    assert stored.read_bytes() == before and pages  # nothing written into the damaged file
    assert run_cli("watchlist", "list").status == 0  # what is readable stays readable


def test_a_damaged_watchlist_row_costs_that_row(run_cli, stored: Path) -> None:
    with sqlite3.connect(stored) as conn:
        conn.execute(
            "update watchlist_rows set data = '{not json' where ticker = 'ANET' and run_id = 2"
        )
        conn.execute(
            "update watchlist_rows set data = '[1, 2]' where ticker = '300308.SZ' and run_id = 1"
        )
    conn.close()
    shown = run_cli("watchlist", "show", "w")
    diffed = run_cli("watchlist", "diff", "w", "--format", "csv")
    exported = run_cli("watchlist", "export", "w", str(stored.parent / "w.csv"))
    clean_output(shown, diffed, exported)
    assert shown.status == diffed.status == exported.status == 0
    assert "300308.SZ" in shown.out and "1 of the 2 rows saved in run #2" in shown.err
    assert "exported 1 rows" in exported.out


def test_hostile_text_in_an_old_store_never_reaches_the_terminal(run_cli, stored: Path) -> None:
    with sqlite3.connect(stored) as conn:
        conn.execute(
            "update snapshots set currency = ?, notes = ?, source_url = ?, extra = ?"
            " where ticker = 'ANET'",
            ["US" + ESCAPES, "note" + ESCAPES, "https://x/" + ESCAPES, "{broken"],
        )
        rows = conn.execute("select rowid, data from watchlist_rows").fetchall()
        for rowid, data in rows:
            row = json.loads(data)
            row["name"] = "Evil\r=1+1\n@SUM(A1)" + ESCAPES
            conn.execute(
                "update watchlist_rows set data = ? where rowid = ?", [json.dumps(row), rowid]
            )
    conn.close()
    results = [
        run_cli("screen", "--offline"),
        run_cli("screen", "--offline", "--format", "csv"),
        run_cli("screen", "--offline", "--format", "json"),
        run_cli("explain", "ANET"),
        run_cli("watchlist", "show", "w"),
        run_cli("watchlist", "show", "w", "--format", "csv"),
        run_cli("watchlist", "diff", "w"),
    ]
    clean_output(*results)
    assert [r.status for r in results] == [0] * len(results), [r.err for r in results]
    exported = stored.parent / "w.csv"
    assert run_cli("watchlist", "export", "w", str(exported)).status == 0
    text = exported.read_text(encoding="utf-8")
    parsed = list(csv.DictReader(io.StringIO(text)))
    assert len(parsed) == 2 == len(text.splitlines()) - 1
    assert all(r["name"].startswith("Evil =1+1 @SUM(A1)") for r in parsed)  # one line


def test_a_foreign_sqlite_file_is_left_as_it_is(run_cli, tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("create table invoices (id integer primary key, total real)")
        conn.execute("insert into invoices values (1, 9.5)")
    conn.close()
    before = path.read_bytes()
    for args in (("watchlist", "list"), ("watchlist", "save", "w"), ("screen", "--offline")):
        result = run_cli("--db", str(path), *args)
        clean_output(result)
        assert result.status == 2 and "not a screener store" in result.err, result.err
    assert path.read_bytes() == before
