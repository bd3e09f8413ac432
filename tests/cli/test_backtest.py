"""`screener backtest`: formats, the picture, honest headers and clean failures."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from screener.data.store import Store
from screener.run import load_companies
from tests.backtest import synthetic


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A store holding three synthetic years for 40 companies of the built-in universe."""
    path = tmp_path_factory.mktemp("backtest") / "store.db"
    data = synthetic.market(companies=load_companies(None)[:40], years=3, seed=2, walk=True)
    with Store(path) as store:
        synthetic.save(store, data)
    return str(path)


def test_the_sample_is_not_enough_history(run_cli) -> None:
    result = run_cli("backtest", "--source", "sample")
    assert result.status == 1
    assert result.out == ""
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and "not enough history to backtest" in lines[0]
    assert "sample" in lines[0] and "Traceback" not in result.err


def test_an_empty_store_falls_back_to_the_sample_and_says_so(run_cli) -> None:
    result = run_cli("backtest")
    assert result.status == 1 and "no daily prices" in result.err


def test_the_table_states_its_limits_then_shows_every_rule(run_cli, db: str) -> None:
    result = run_cli("--db", db, "backtest", "--horizon", "3m,6m")
    assert result.status == 0, result.err
    out = result.out
    assert "Survivorship: the universe is today's list" in out
    assert "period end + 45 days" in out and "at least 5 names" in out
    assert "Never known in this replay" in out and "revenue_growth" in out
    assert out.count("all rules") == 2 and "momentum" in out
    assert "Cumulative excess return of the flagged names per sector" in out
    assert "counted periods" in out


def _no_nan(token: str) -> None:
    raise AssertionError(f"{token} in JSON output")


def test_json_holds_settings_summary_counts_and_curves(run_cli, db: str) -> None:
    result = run_cli("--db", db, "backtest", "--format", "json", "--every", "quarter")
    assert result.status == 0, result.err
    data = json.loads(result.out, parse_constant=_no_nan)
    assert data["settings"]["every"] == "quarter"
    assert data["settings"]["horizons"] == ["3m", "6m", "12m"]
    assert "today's list" in data["survivorship"]
    assert {row["horizon"] for row in data["summary"]} == {"3m", "6m", "12m"}
    assert all(d.endswith(("-03-31", "-06-30", "-09-30", "-12-31")) for d in data["dates"])
    assert {c["rule"] for c in data["counts"]} >= {"momentum-confirms", "all rules"}
    assert data["curves"] and len(data["curves"][0]["cumulative_excess"]) == len(data["dates"])


def test_csv_rows_and_per_day_counts(run_cli, db: str) -> None:
    quick = ("--horizon", "3m", "--every", "quarter")
    summary = run_cli("--db", db, "backtest", "--format", "csv", *quick)
    assert summary.status == 0, summary.err
    rows = list(csv.DictReader(io.StringIO(summary.out)))
    assert rows[0].keys() >= {"rule", "horizon", "hit_rate", "ic", "gap_closed"}
    assert rows[-1]["rule"] == "all rules"
    counts = run_cli("--db", db, "backtest", "--dates", "--format", "csv", *quick)
    head = counts.out.splitlines()[0]
    assert head == "date,rule,names,decided,flagged"
    table = run_cli("--db", db, "backtest", "--dates", *quick)
    assert table.status == 0 and "names per rebalance day" in table.out


def test_png_and_a_benchmark_ticker(run_cli, db: str, tmp_path: Path) -> None:
    ticker = load_companies(None)[0].ticker
    png = tmp_path / "curves.png"
    result = run_cli(
        "--db", db, "backtest", "--benchmark", ticker, "--png", str(png), "--no-chart",
        "--sector", "optical_communication", "--every", "quarter",
    )
    assert result.status == 0, result.err
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"against {ticker}" in result.out and "Cumulative" not in result.out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--horizon", "3x"), "--horizon"),
        (("--since", "yesterday"), "not a date"),
        (("--png", "chart.jpg"), "must end in .png"),
        (("--benchmark", "NOPE"), "no closes"),
        (("--benchmark", "NOPE.XX"), "unrecognised ticker"),
        (("--sector", "nope"), "nope"),
    ],
)
def test_bad_options_fail_with_one_line(run_cli, db: str, args: tuple[str, ...], message: str):
    result = run_cli("--db", db, "backtest", *args)
    assert result.status == 2
    assert message in result.err and "Traceback" not in result.err


def test_the_cli_offers_the_multiples_the_replay_measures() -> None:
    from screener.backtest.replay import MULTIPLES
    from screener.cli.backtest import MULTIPLES as OFFERED

    assert OFFERED == MULTIPLES


def test_where_measures_the_names_it_is_true_for_day_by_day(run_cli, db: str) -> None:
    """A condition on the sector measures what --sector measures; one on a price figure
    measures fewer names than none, and the rules still see every name."""
    quick = ("--horizon", "3m", "--every", "quarter", "--format", "csv")
    by_sector = run_cli("--db", db, "backtest", *quick, "--sector", "switching")
    by_where = run_cli("--db", db, "backtest", *quick, "--where", 'sector == "switching"')
    assert by_where.status == 0, by_where.err
    assert by_where.out == by_sector.out
    days = ("--dates", "--horizon", "3m", "--every", "quarter", "--format", "csv")
    everyone = list(csv.DictReader(io.StringIO(run_cli("--db", db, "backtest", *days).out)))
    rising = run_cli("--db", db, "backtest", *days, "--where", "ret_3m > 0")
    assert rising.status == 0, rising.err
    some = list(csv.DictReader(io.StringIO(rising.out)))
    assert [(r["date"], r["rule"]) for r in some] == [(r["date"], r["rule"]) for r in everyone]
    pairs = [(int(a["names"]), int(b["names"])) for a, b in zip(some, everyone, strict=True)]
    assert all(a <= b for a, b in pairs) and any(a < b for a, b in pairs)


def test_a_bad_where_fails_before_the_replay(run_cli, db: str) -> None:
    result = run_cli("--db", db, "backtest", "--where", "ret_3m >> 0")
    assert result.status == 2 and "--where:1:" in result.err and "^" in result.err


def test_where_gets_the_own_history_it_reads(run_cli, db: str) -> None:
    """No shipped rule reads P/B's own history: the replay loads it for the condition."""
    days = ("--dates", "--horizon", "3m", "--every", "quarter", "--format", "csv")
    result = run_cli("--db", db, "backtest", *days, "--where", "hist_pct(pb) < 50%")
    assert result.status == 0, result.err
    rows = [r for r in csv.DictReader(io.StringIO(result.out)) if r["rule"] == "all rules"]
    assert sum(int(r["names"]) for r in rows) > 0
