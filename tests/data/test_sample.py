"""The bundled sample: every figure unaltered, through the same protocol and store as live data."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from importlib import resources
from pathlib import Path

import pytest

from screener.data.provider import NotFoundError, Provider, Vintage
from screener.data.sample import HISTORY_COLUMNS, SNAPSHOT_COLUMNS, SampleProvider, period_vintage
from screener.data.store import Store


def _csv(name: str) -> list[dict[str, str]]:
    text = resources.files("screener.data").joinpath("snapshot", name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def test_bundled_files_are_the_shared_snapshot_byte_for_byte() -> None:
    shared = Path(__file__).resolve().parents[3] / "shared" / "sample-snapshot"
    if not shared.is_dir():
        pytest.skip("../shared/sample-snapshot is absent")
    for name in ("snapshot.csv", "valuation_history.csv", "growth_margins.csv"):
        bundled = resources.files("screener.data").joinpath("snapshot", name).read_bytes()
        assert bundled == (shared / name).read_bytes(), name


def test_sample_bundles_keep_every_figure_and_its_provenance() -> None:
    rows = {row["ticker"]: row for row in _csv("snapshot.csv")}
    bundles = {b.ticker: b for b in SampleProvider().fetch()}
    assert set(bundles) == set(rows)
    for ticker, row in rows.items():
        bundle = bundles[ticker]
        assert bundle.as_of == row["as_of"] and bundle.source_url == row["source_url"]
        assert bundle.currency == row["currency"]
        for column, metric in SNAPSHOT_COLUMNS.items():
            if row[column]:
                assert bundle.metrics[metric] == float(row[column])
        assert (bundle.notes or "") == row["notes"]


def test_statement_figures_fill_gaps_with_their_source() -> None:
    statements = {row["ticker"]: row for row in _csv("growth_margins.csv")}
    snapshot = {row["ticker"]: row for row in _csv("snapshot.csv")}
    bundles = {b.ticker: b for b in SampleProvider().fetch()}
    filled = 0
    for ticker, statement in statements.items():
        if statement["revenue_growth_yoy"] and not snapshot[ticker]["revenue_growth_yoy"]:
            bundle = bundles[ticker]
            assert bundle.metrics["revenue_growth"] == float(statement["revenue_growth_yoy"])
            assert statement["source_url"] in bundle.extra["field_sources"]["revenue_growth"]
            filled += 1
    assert filled > 10


def test_history_points_are_fiscal_years_only() -> None:
    history = _csv("valuation_history.csv")
    bundles = {b.ticker: b for b in SampleProvider().fetch()}
    expected = sum(
        1
        for row in history
        if row["fiscal_year"] != "Current"
        for column in HISTORY_COLUMNS
        if row[column]
    )
    assert sum(len(b.history) for b in bundles.values()) == expected


def test_sample_runs_work_on_a_read_only_store(tmp_path: Path, run_cli, monkeypatch) -> None:
    import json

    db = tmp_path / "ro.db"
    monkeypatch.setenv("SCREENER_DB", str(db))
    rows = json.loads(run_cli("screen", "--source", "sample", "--format", "json").out)
    assert len(rows) == 63 and not db.exists()  # a reading command writes nothing
    assert run_cli("watchlist", "save", "w", "--source", "sample").status == 0  # a write
    first = db.stat().st_mtime_ns

    store = Store(db)
    before = store.db.execute("select count(*) from snapshots").fetchone()[0]
    store.close()
    rows = json.loads(run_cli("screen", "--source", "sample", "--format", "json").out)
    assert len(rows) == 63 and before == 63
    assert db.stat().st_mtime_ns == first  # nothing rewritten the second time


def test_the_sample_is_a_provider_like_any_other() -> None:
    sample = SampleProvider()
    assert isinstance(sample, Provider)
    declared: Provider = sample  # the static check
    one = declared.fetch_one("300308.SZ", kinds={"prices"})  # one file: every kind it has
    (same,) = sample.fetch(["300308.SZ"])
    assert replace(one, fetched_at="") == replace(same, fetched_at="")
    with pytest.raises(NotFoundError):
        declared.fetch_one("NOPE")
    assert declared.requests_made == declared.thread_requests() == 0


def test_every_sample_figure_has_a_vintage() -> None:
    for bundle in SampleProvider().fetch():
        assert set(bundle.vintages) == set(bundle.metrics), bundle.ticker
        for metric, vintage in bundle.vintages.items():
            assert vintage.basis in ("quote", "statement", "estimate")
            assert vintage.label, (bundle.ticker, metric)
            if vintage.basis != "statement":
                assert vintage.date in (bundle.as_of, _supplement_date(bundle.ticker))


def _supplement_date(ticker: str) -> str:
    return next(r["supplement_as_of"] for r in _csv("snapshot.csv") if r["ticker"] == ticker)


def test_vintages_say_what_each_figure_describes() -> None:
    bundles = {b.ticker: b for b in SampleProvider().fetch()}
    lite = bundles["LITE"].vintages
    assert lite["revenue_growth"] == Vintage("2024-09-30", "statement", "TTM to 2024-09")
    assert lite["price"] == Vintage("2026-02-20", "quote", "quote of 2026-02-20")
    assert lite["pe_fwd"] == Vintage("2026-02-20", "estimate", "estimate of 2026-02-20")
    assert lite["roe"].basis == "quote" and "period not stated" in lite["roe"].label
    # a second page whose notes state its period
    assert bundles["000988.SZ"].vintages["revenue_growth"].label == "TTM to 2025-09"
    assert bundles["000988.SZ"].vintages["revenue_growth"].date == "2025-09-30"
    # fiscal years end where the notes say, December otherwise
    assert bundles["NXT.AX"].vintages["revenue_growth"].date == "2025-06-30"
    assert bundles["VNET"].vintages["revenue_growth"].label == "FY2024 (to 2024-12)"


@pytest.mark.parametrize(
    ("period", "notes", "expected"),
    [
        ("TTM 2024-09", "", ("2024-09-30", "TTM to 2024-09")),
        ("TTM 2024-02", "", ("2024-02-29", "TTM to 2024-02")),
        ("FY2024", "FY2024 Dec '24", ("2024-12-31", "FY2024 (to 2024-12)")),
        ("FY2025", "FY ends Jun; no TTM", ("2025-06-30", "FY2025 (to 2025-06)")),
        ("FY2025", "FY 2025 (Mar 31, 2025)", ("2025-03-31", "FY2025 (to 2025-03)")),
        ("FY2025", "", ("2025-12-31", "FY2025 (to 2025-12)")),
        ("Q3 2024", "", None),
    ],
)
def test_period_vintage(period: str, notes: str, expected: tuple[str, str] | None) -> None:
    found = period_vintage(period, notes)
    if expected is None:
        assert found is None
    else:
        assert found == Vintage(expected[0], "statement", expected[1])


def test_the_sample_fingerprint_covers_how_bundles_are_made(monkeypatch) -> None:
    import screener.data.sample as sample

    before = SampleProvider.fingerprint()
    monkeypatch.setattr(sample, "BUNDLE_FORMAT", "older")
    assert SampleProvider.fingerprint() != before  # a store made before reloads the sample
