"""`screener screen` end to end, offline, on the bundled sample."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pandas as pd
import pytest

from screener.data.sample import SNAPSHOT_COLUMNS
from screener.universe.taxonomy import CORE_SECTORS
from tests.universe.test_data import RESECTORED

SNAPSHOT = pd.read_csv(
    resources.files("screener.data").joinpath("snapshot", "snapshot.csv"), dtype={"ticker": str}
)


def _json(run_cli, *args: str) -> list[dict]:
    result = run_cli("screen", "--source", "sample", "--format", "json", *args)
    assert result.status == 0, result.err
    return json.loads(result.out)


def test_table_lists_every_sample_company_with_banner(run_cli) -> None:
    result = run_cli("screen")
    assert result.status == 0, result.err
    assert "SAMPLE DATA" in result.out
    for ticker in SNAPSHOT["ticker"]:
        assert ticker in result.out
    assert "as of 2025-" in result.out
    for title in ("Optical communication", "Data center"):
        assert title.lower() in result.out.lower()


def test_json_rows_carry_the_fields_and_the_snapshot_figures(run_cli) -> None:
    rows = _json(run_cli)
    assert len(rows) == len(SNAPSHOT) >= 40
    assert {row["sector"] for row in rows} == set(CORE_SECTORS)
    by_ticker = {row["ticker"]: row for row in rows}
    for _, expected in SNAPSHOT.iterrows():
        row = by_ticker[expected["ticker"]]
        for field in (
            "ticker",
            "name",
            "sector",
            "sub_segment",
            "flags",
            "score",
            "as_of",
            "source",
        ):
            assert field in row
        assert row["source"] == "sample"
        assert row["as_of"] == expected["as_of"]
        assert row["sector"] == RESECTORED.get(row["ticker"], (None, expected["sector"]))[1]
        assert row["sub_segment"]
        for column, metric in SNAPSHOT_COLUMNS.items():
            value = expected[column]
            if pd.isna(value):
                continue  # a figure the snapshot lacks may come from the statement page
            assert row[metric] == pytest.approx(float(value), rel=0, abs=0), (
                expected["ticker"],
                metric,
            )


def test_missing_figures_stay_missing(run_cli) -> None:
    rows = {row["ticker"]: row for row in _json(run_cli)}
    # AAOI's trailing P/E is blank in the snapshot (loss-making): null, never 0.
    assert pd.isna(SNAPSHOT.set_index("ticker").at["AAOI", "pe_ttm"])
    assert rows["AAOI"]["pe_ttm"] is None


def test_market_cap_usd_uses_the_listing_currency(run_cli) -> None:
    rows = {row["ticker"]: row for row in _json(run_cli)}
    innolight = rows["300308.SZ"]
    assert innolight["currency"] == "CNY"
    fx = pd.read_csv(resources.files("screener.data").joinpath("snapshot", "fx_rates.csv"))
    cny = fx[fx["currency"] == "CNY"]["units_per_usd"]
    ratio = innolight["market_cap"] / innolight["market_cap_usd"]
    assert any(math.isclose(ratio, rate) for rate in cny)
    assert "market_cap_usd" in innolight["provenance"]["derived"]
    assert rows["ANET"]["market_cap_usd"] == rows["ANET"]["market_cap"]


def test_sector_filter_keeps_one_sector(run_cli) -> None:
    rows = _json(run_cli, "--sector", "data_center")
    assert rows and {row["sector"] for row in rows} == {"data_center"}


def test_export_round_trips_through_pandas(run_cli, tmp_path: Path) -> None:
    target = tmp_path / "watchlists" / "demo.csv"
    result = run_cli("screen", "--source", "sample", "--export", str(target))
    assert result.status == 0, result.err
    back = pd.read_csv(target, encoding="utf-8", dtype={"ticker": str})
    rows = _json(run_cli)
    assert list(back["ticker"]) == [row["ticker"] for row in rows]
    zh = dict(zip(back["ticker"], back["name_zh"], strict=True))
    assert zh["300308.SZ"] == "中际旭创"
    for row in rows:
        line = back[back["ticker"] == row["ticker"]].iloc[0]
        for metric in ("pe_ttm", "pe_fwd", "market_cap", "revenue_growth", "score"):
            if row[metric] is None:
                assert pd.isna(line[metric])
            else:
                assert line[metric] == pytest.approx(row[metric])
    assert not list(target.parent.glob(".*.tmp"))
    # The file is what `--format csv` prints, byte for byte (with --excel: a BOM first).
    printed = run_cli("screen", "--source", "sample", "--format", "csv").out
    assert target.read_bytes() == printed.encode("utf-8")
    excel = tmp_path / "excel.csv"
    assert run_cli("screen", "--source", "sample", "--export", str(excel), "--excel").status == 0
    assert excel.read_bytes() == b"\xef\xbb\xbf" + printed.encode("utf-8")


@pytest.mark.parametrize(
    "args, needle",
    [
        (["screen", "--bogus"], "--bogus"),
        (["screen", "--sector", "semiconductors"], "semiconductors"),
        (["screen", "--format", "xml"], "xml"),
        (["nosuchcommand"], "nosuchcommand"),
    ],
)
def test_usage_errors_exit_2_with_one_line(run_cli, args: list[str], needle: str) -> None:
    result = run_cli(*args)
    assert result.status == 2
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0]
    assert "Traceback" not in result.err


def test_unreadable_rule_files_exit_2(run_cli, tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    binary = tmp_path / "garbage.toml"
    binary.write_bytes(b"\x00\xff\xfe\x89PNG\r\n\x1a\n" * 10)
    for path in (missing, binary):
        result = run_cli("screen", "--source", "sample", "--rules", str(path))
        assert result.status == 2, result.err
        assert str(path.name) in result.err
        assert "Traceback" not in result.err


def test_user_rules_replace_the_shipped_ones(run_cli, tmp_path: Path) -> None:
    rules = tmp_path / "mine.toml"
    rules.write_text(
        '[[rule]]\nid = "cheap-fwd"\ntitle = "Cheap on forward earnings"\n'
        'description = "Forward P/E under 20."\nwhen = "pe_fwd < 20"\nscore = 1\n'
        'why = "forward P/E {pe_fwd:.1f}"\ntags = []\n',
        encoding="utf-8",
    )
    rows = _json(run_cli, "--rules", str(rules))
    for row in rows:
        cheap = row["pe_fwd"] is not None and row["pe_fwd"] < 20
        assert row["flags"] == (["cheap-fwd"] if cheap else [])
        assert row["score"] == (1.0 if cheap else 0.0)
        if cheap:
            assert row["reasons"] and f"{row['pe_fwd']:.1f}" in row["reasons"][0]


def test_help_and_version_do_not_import_pandas_or_yfinance() -> None:
    code = (
        "import sys\n"
        "from screener.cli import main\n"
        "for args in (['--help'], ['--version'], ['screen', '--help']):\n"
        "    assert main(args) == 0\n"
        "heavy = [m for m in ('pandas', 'yfinance', 'numpy') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "HEAVY []" in out.stdout


def test_option_mistakes_are_usage_errors(run_cli, tmp_path: Path) -> None:
    for args in (
        ["--excel"],
        ["--min-score", "nan"],
        ["--columns", ""],
        ["--columns", "ticker,,name"],
        ["--columns", "ticker,price_x"],
        ["--limit", "-1"],
    ):
        result = run_cli("screen", "--source", "sample", *args)
        assert result.status == 2, (args, result.err)
        assert len(result.err.strip().splitlines()) == 1


def test_machine_formats_say_where_the_data_comes_from_on_stderr(run_cli) -> None:
    result = run_cli("screen", "--format", "csv")
    assert result.status == 0 and "SAMPLE DATA" in result.err
    assert "SAMPLE" not in result.out.splitlines()[0]


def test_exports_get_ordinary_permissions(run_cli, tmp_path: Path) -> None:
    import os
    import stat

    old = os.umask(0o022)
    try:
        target = tmp_path / "w.csv"
        assert run_cli("screen", "--source", "sample", "--export", str(target)).status == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE(target.stat().st_mode) == 0o644


def test_an_empty_store_does_not_claim_yahoo(run_cli) -> None:
    result = run_cli("screen", "--source", "store")
    text = " ".join(result.out.split())
    assert result.status == 0 and "source: the store (no live data yet)" in text
    assert "run `screener refresh` first" in text


def test_no_color_means_no_escape_codes_even_on_a_terminal(monkeypatch, run_cli) -> None:
    import sys

    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    result = run_cli("screen", "--source", "sample")
    assert result.status == 0 and "\x1b[" not in result.out


def test_explain_shows_why_each_figure_is_in_its_currency(run_cli, _private_store) -> None:
    """The currency proof's reasons (issue 10) reach `explain`, beside the figures."""
    from screener.data.provider import YAHOO_SOURCE, FetchBundle
    from screener.data.store import Store

    reasons = {
        "pb": "P/B: Yahoo's figure consistent in HKD",
        "enterprise_value": "EV rebuilt from market cap + net debt at USD/HKD 7.78",
    }
    bundle = FetchBundle(
        ticker="0763.HK",
        source=YAHOO_SOURCE,
        as_of="2026-09-30",
        fetched_at="2026-09-30T10:00:00+00:00",
        currency="HKD",
        financial_currency="CNY",
        metrics={"price": 500.0, "pb": 4.1, "enterprise_value": 4.6e12},
        extra={"currency": reasons, "history_currency": {"pb": "P/B history dropped: no basis"}},
    )
    with Store(_private_store) as store:
        store.save_bundle(bundle)
    result = run_cli("explain", "0763.HK", "--source", "store")
    assert result.status == 0, result.err
    text = " ".join(result.out.split())
    assert "Currency of each figure (proven from the answer):" in text
    for reason in reasons.values():
        assert reason in text
    assert "P/B history dropped: no basis" in text
