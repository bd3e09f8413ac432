"""The fast paths of a screen give what the plain ones gave: rows, ages, history, limits.

A small live store (universe companies with missing figures, partial vintages, history
for several multiples including a later fiscal year, a year of closes) is screened, and
each column-wise path is compared with a straightforward row-by-row reference.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import screener.engine.history as history_module
from screener.data.provider import FetchBundle, FxRate, HistoryPoint, PriceBar, Vintage
from screener.data.store import Store
from screener.engine.age import FigureAges
from screener.frame import NUMERIC_COLUMNS, build_frame, history_frame, history_frame_by_metric
from screener.output import table
from screener.output.csvfile import csv_cell, csv_text
from screener.output.rows import ROW_FIELDS, json_rows, to_rows
from screener.run import RunNeeds, ScreenRun, load_inputs, needed_history, run_screen
from screener.select import Selection
from screener.vintages import figure_ages, parse_vintages, row_vintages
from tests.output.test_table import render

TODAY = date(2026, 3, 1)
AS_OF = "2026-02-20"
MULTIPLES = ("pe_ttm", "pe_fwd", "ps_ttm", "pb", "ev_ebitda")


def _bundle(ticker: str, currency: str, i: int, rng: np.random.Generator) -> FetchBundle:
    metrics: dict[str, float] = {
        "price": 10.0 + i,
        "market_cap": 1e9 * (i + 1),
        "pe_ttm": float(rng.uniform(5, 80)),
        "pe_fwd": float(rng.uniform(5, 60)),
        "peg": float(rng.uniform(0.3, 3)),
        "ev_ebitda": float(rng.uniform(3, 50)),
        "revenue_growth": float(rng.uniform(-0.2, 0.6)),
        "net_margin": float(rng.uniform(-0.1, 0.3)),
        "eps_revision_30d": float(rng.normal(0, 0.03)),
        "debt_to_equity": float(rng.uniform(0, 2)),
        "pb": float(rng.uniform(1, 10)),
    }
    for name in list(metrics)[2:]:  # every company misses a few figures
        if rng.random() < 0.25:
            del metrics[name]
    vintages = {}
    if i % 3 == 0 and "revenue_growth" in metrics:
        vintages["revenue_growth"] = Vintage("2025-03-31", "statement", "TTM to 2025-03")
    if i % 4 == 1 and "pe_fwd" in metrics:
        vintages["pe_fwd"] = Vintage("2025-06-01", "estimate", "")
    days = pd.bdate_range(end=AS_OF, periods=260 if i % 5 else 30)
    closes = 10.0 * np.exp(np.cumsum(rng.normal(0, 0.02, len(days))))
    bars = tuple(
        PriceBar(d.date().isoformat(), c, c, c, c, 1e5, c)
        for d, c in zip(days, closes.tolist(), strict=True)
    )
    ends = pd.date_range(end="2026-06-30", periods=12, freq="QE")  # two after AS_OF
    quarters = [q.date().isoformat() for q in ends]
    history = tuple(
        HistoryPoint(metric, when, float(rng.uniform(-5, 90)))
        for metric in MULTIPLES[: 2 + i % 4]
        for when in quarters
    ) + (HistoryPoint("pe_ttm", "2026-01", 30.0), HistoryPoint("pe_ttm", "2026-02", 31.0))
    return FetchBundle(
        ticker=ticker,
        source="yahoo",
        as_of=AS_OF,
        fetched_at="2026-02-21T00:00:00+00:00",
        currency=currency,
        financial_currency=None if i % 2 else currency,
        metrics=metrics,
        source_url=None if i % 3 else f"https://example.invalid/{ticker}",
        prices=bars,
        history=history,
        vintages=vintages,
    )


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("paths") / "s.db"
    inputs = load_inputs(None, None)
    rng = np.random.default_rng(5)
    companies = list(inputs.universe.values())[:40]
    with Store(path) as store, store.transaction():
        store.save_fx_rates([FxRate("CNY", AS_OF, 7.2, "test"), FxRate("HKD", AS_OF, 7.8, "t")])
        for i, company in enumerate(companies):
            store.save_bundle(_bundle(company.ticker, company.currency, i, rng))
    return path


def _run(path: Path, needs: RunNeeds | None = None, **kwargs: Any) -> ScreenRun:
    with Store(path) as store:
        return run_screen(
            store, load_inputs(None, None), source="store", today=TODAY, needs=needs, **kwargs
        )


# -- references: the row-by-row code the column-wise paths replaced ---------------------


def reference_rows(result: ScreenRun) -> list[dict[str, Any]]:
    rows = []
    for ticker, row in result.rows.iterrows():
        out: dict[str, Any] = {
            "ticker": ticker,
            "name": row["name_en"],
            "name_zh": row["name_zh"] or None,
            "sector": row["sector"],
            "sub_segment": row["sub_segment"],
            "market": row["market"],
            "currency": row["currency"],
            "financial_currency": row["financial_currency"]
            if isinstance(row["financial_currency"], str)
            else None,
        }
        for metric in NUMERIC_COLUMNS:
            value = row[metric]
            out[metric] = None if pd.isna(value) else float(value)
        out["flags"] = list(row["flags"] or ())
        out["score"] = float(row["score"])
        out["reasons"] = list(row["reasons"] or ())
        out["as_of"] = row["as_of"]
        out["source"] = row["source"]
        out["source_url"] = row["source_url"]
        rows.append(out)
    return rows


def _same(a: Any, b: Any) -> bool:
    """Equal, NaN equal to NaN (a missing URL is NaN in both)."""
    if isinstance(a, float) and isinstance(b, float) and np.isnan(a) and np.isnan(b):
        return True
    return type(a) is type(b) and a == b


def test_column_wise_rows_are_the_row_by_row_rows(store_path: Path) -> None:
    run = _run(store_path, selection=Selection(sort="pe_fwd"))
    fast, slow = to_rows(run), reference_rows(run)
    assert len(fast) == len(slow) == len(run.rows) > 30
    assert any(row["pe_fwd"] is None for row in fast)  # missing values are covered
    for got, want in zip(fast, slow, strict=True):
        assert list(got) == list(want) == list(ROW_FIELDS)
        assert all(_same(got[k], want[k]) for k in ROW_FIELDS), got["ticker"]


def test_json_rows_carry_each_rows_own_vintages_and_notes(store_path: Path) -> None:
    run = _run(store_path)
    assert run.ages is not None
    rows = json_rows(run)
    for row in rows:
        assert row["vintages"] == run.ages.of_row(row["ticker"])
        assert row["provenance"] == (run.provenance.get(row["ticker"]) or None)
    assert any(v["basis"] == "statement" for row in rows for v in row["vintages"].values())


def test_csv_text_is_the_dict_writers(store_path: Path) -> None:
    rows = to_rows(_run(store_path))
    rows[0] = {**rows[0], "name": "=cmd|' /C calc'!A0", "pe_ttm": float("inf"), "score": 3}
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(ROW_FIELDS), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: csv_cell(row.get(key)) for key in ROW_FIELDS})
    assert csv_text(rows, ROW_FIELDS) == buffer.getvalue()


def test_figure_ages_are_those_of_the_row_by_row_vintages(store_path: Path) -> None:
    with Store(store_path) as store:
        snapshots = store.latest_snapshots("yahoo")
    run = _run(store_path)
    frame = run.frame.drop(columns=["flags", "score", "reasons"])
    frame.loc[frame.index[0], "as_of"] = None  # a row without a date: no default vintage
    stored = {str(s["ticker"]): parse_vintages(s.get("vintages")) for s in snapshots}
    vintages = {str(t): row_vintages(stored.get(str(t), {}), row) for t, row in frame.iterrows()}
    want = FigureAges.build(vintages, frame["as_of"], NUMERIC_COLUMNS)
    got = figure_ages(snapshots, frame)
    for part in ("dates", "basis", "labels", "days"):
        pd.testing.assert_frame_equal(getattr(got, part), getattr(want, part))
    assert got.days.notna().to_numpy().sum() > 100


def test_the_history_cut_is_the_point_by_point_one() -> None:
    rows = [
        ("A", "pe_ttm", "2025-12-31", 1.0),
        ("A", "pe_ttm", "2026-02", 2.0),  # ends 2026-02-28: after A's figures
        ("A", "pe_ttm", "2026-01", 3.0),
        ("B", "pe_ttm", "2026-06-30", 4.0),  # B has no date: kept
        ("C", "pb", "not a date", 5.0),  # unreadable: dropped, as before
        ("C", "pb", "2026-02-20", 6.0),
    ]
    as_of = {"A": "2026-02-20", "B": None, "C": "2026-02-20"}
    cut = history_frame(rows, as_of)
    assert cut["value"].tolist() == [1.0, 3.0, 4.0, 6.0]
    as_dicts = [dict(zip(("ticker", "metric", "date", "value"), r, strict=True)) for r in rows]
    pd.testing.assert_frame_equal(history_frame(as_dicts, as_of), cut)


def test_the_per_metric_history_read_is_the_row_wise_one(store_path: Path) -> None:
    store = Store(store_path)
    for metrics in (["pe_ttm"], ["pe_ttm", "ev_ebitda", "pb"], []):
        want = history_frame(store.history_rows("yahoo", metrics))
        got = history_frame_by_metric(store.history_by_metric("yahoo", metrics))
        pd.testing.assert_frame_equal(got, want)
    assert len(want := history_frame(store.history_rows("yahoo", ["pe_ttm", "pb"]))) > 100
    assert want["ticker"].nunique() > 1  # the order across tickers and metrics is checked


def test_a_screen_loads_only_the_history_its_rules_read(store_path: Path) -> None:
    lean = _run(store_path, RunNeeds(all_history=False))
    full = _run(store_path)
    needed = needed_history(lean.ruleset)
    assert "pe_ttm" in needed and needed < set(MULTIPLES)
    assert set(lean.history["metric"]) == needed
    assert set(full.history["metric"]) == set(MULTIPLES)  # explain shows every window
    # ...and the verdicts are the same.
    for column in ("flags", "score", "reasons", "pe_hist_pct"):
        assert lean.frame[column].equals(full.frame[column]), column
    assert lean.frame["pe_hist_pct"].notna().sum() > 10


def test_the_history_is_grouped_once_per_run(
    store_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    splits: list[int] = []
    real = pd.DataFrame.groupby

    def counting(self: pd.DataFrame, *args: Any, **kwargs: Any) -> Any:
        if {"ticker", "metric", "date", "value"} <= set(self.columns):
            splits.append(1)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "groupby", counting)
    made: list[int] = []
    real_init = history_module.HistoryPoints.__init__

    def counted(self: Any, *args: Any, **kwargs: Any) -> None:
        made.append(1)
        real_init(self, *args, **kwargs)

    monkeypatch.setattr(history_module.HistoryPoints, "__init__", counted)
    run = _run(store_path, RunNeeds(all_history=False, closes=False))
    assert run.frame["pe_hist_pct"].notna().any()
    # A screen reads the packed series: no long frame is made, none is split.
    assert run.points.series is not None
    assert len(made) == 1 and len(splits) == 0
    # Every metric's history (explain) is the long frame, split once.
    run = _run(store_path, RunNeeds(closes=False))
    assert run.points.series is None and run.frame["pe_hist_pct"].notna().any()
    assert len(made) == 2 and len(splits) == 1


def test_closes_are_read_only_for_a_sparkline_that_is_shown(store_path: Path) -> None:
    assert _run(store_path, RunNeeds(closes=False)).closes == {}
    every = _run(store_path)
    assert len(every.closes) == len(every.frame)
    few = _run(store_path, RunNeeds(closes_per_sector=2))
    first = every.rows.groupby("sector", sort=False).head(2)
    assert set(few.closes) == set(first.index)
    assert all(few.closes[t] == every.closes[t] for t in few.closes)


def test_the_table_limit_hides_rows_and_says_how_many(store_path: Path) -> None:
    run = _run(store_path)
    counts = run.rows["sector"].value_counts()
    big = str(counts.index[0])
    assert counts.iloc[0] > 2
    text = render(run, 200, limit=2)
    assert f"… {counts.iloc[0] - 2:,} more in {big} — --limit 0 shows all" in text
    shown = run.rows.groupby("sector", sort=False).head(2)
    assert f"  {len(shown)} shown" in text
    hidden = run.rows.index.difference(shown.index)
    assert not any(f"│ {t} " in text for t in hidden)
    assert all(f"│ {t} " in text for t in shown.index)
    everything = render(run, 200, limit=None)
    assert "shows all" not in everything and f"  {len(run.rows)} shown" in everything
    assert all(f"│ {t} " in everything for t in run.rows.index)
    assert render(run, 200) == everything  # 50 a sector: this store is below it


def test_build_frame_reads_stored_numbers_as_one_number_each() -> None:
    snaps = [
        {"ticker": "A", "pe_ttm": 12.5, "pb": None},
        {"ticker": "B", "pe_ttm": "13.5", "pb": float("inf")},
        {"ticker": "C", "pe_ttm": True, "pb": "N/A"},
    ]
    frame, _ = build_frame(snaps, {}, [], TODAY)
    assert frame["pe_ttm"].tolist()[:2] == [12.5, 13.5] and np.isnan(frame.at["C", "pe_ttm"])
    assert frame["pb"].isna().all() and frame["pb"].dtype == "float64"
    assert all(frame[name].dtype == "float64" for name in NUMERIC_COLUMNS)


def test_limit_zero_shows_every_row_and_a_negative_one_is_refused(run_cli) -> None:
    every = run_cli("screen", "--source", "sample", "--limit", "0", "--format", "json")
    assert every.status == 0
    default = run_cli("screen", "--source", "sample", "--format", "json")
    assert every.out == default.out  # machine formats have no default limit
    one = run_cli("screen", "--source", "sample", "--limit", "1", "--format", "csv")
    sectors = [line.split(",")[3] for line in one.out.splitlines()[1:]]
    assert len(sectors) == len(set(sectors)) > 1
    assert table.DEFAULT_LIMIT == 50  # the number `screen --help` states


@pytest.mark.parametrize("width", [90, 160, 230])
def test_the_live_table_is_drawn_as_richs_table(store_path: Path, width: int) -> None:
    from tests.output.test_boxed import _as_rich, _chars

    run = _run(store_path)
    assert run.closes and run.ages is not None
    shown = table.render_table(run, width=width, limit=None)
    assert _chars(shown, width) == _chars(_as_rich(shown), width)


def test_a_where_condition_loads_the_history_it_reads(store_path: Path) -> None:
    selection = Selection(where="hist_pct(pb) < 0.5")
    lean = _run(store_path, RunNeeds(all_history=False), selection=selection)
    full = _run(store_path, selection=selection)
    assert "pb" in set(lean.history["metric"]) and "pb" not in needed_history(lean.ruleset)
    assert list(lean.rows.index) == list(full.rows.index) and len(lean.rows) > 0


def test_one_ranking_reads_closes_for_its_first_rows(store_path: Path) -> None:
    ranked = _run(store_path, RunNeeds(closes_per_sector=3), selection=Selection(group=False))
    assert set(ranked.closes) == set(ranked.rows.index[:3])


def test_json_text_is_one_array_with_an_item_per_line(store_path: Path) -> None:
    import json

    from screener.output.rows import json_text
    from screener.output.sanitize import json_safe

    rows = json_rows(_run(store_path))
    odd = [[], {}, [[]], [{}], {"a": [1, {"b": "x\ny\u2028\u202e"}]}, "s", None, 1.5, [[1, []]]]
    odd += [{"del": "a\x7fb"}, "\x9b"]  # unsafe in an all-ASCII line too
    for data in (rows, odd):
        text = json_text(data)
        assert json.loads(text) == json.loads(json.dumps(data))  # the same array to a parser
        lines = text.split("\n")
        assert lines[0] == "[" and lines[-1] == "]" and len(lines) == len(data) + 2
        items = [json.loads(line.rstrip(",")) for line in lines[1:-1]]
        assert items == json.loads(json.dumps(data))
        assert not {"\u2028", "\u202e", "\x7f", "\x9b"} & set(text)  # unsafe: escaped
    for data in ([], {"a": rows[:2]}, "text"):  # anything but a list of items: indented
        assert json_text(data) == json_safe(json.dumps(data, ensure_ascii=False, indent=2))


def test_an_offline_store_screen_imports_no_provider(store_path: Path, tmp_path: Path) -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from screener.cli import main\n"
        "for fmt in ('table', 'json', 'csv'):\n"
        f"    args = ['--db', {str(store_path)!r}, 'screen', '--source', 'store', '--offline']\n"
        "    assert main([*args, '--format', fmt]) == 0\n"
        "bad = ('screener.data.yahoo', 'screener.data.akshare.provider', 'yfinance', 'akshare',"
        " 'requests', 'curl_cffi')\n"
        "print('PROVIDERS', sorted(m for m in sys.modules if m.startswith(bad)))\n"
    )
    env = {"SCREENER_OFFLINE": "1", "XDG_CONFIG_HOME": str(tmp_path), "COLUMNS": "160"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert "PROVIDERS []" in out.stdout
    assert len(out.stdout.splitlines()) > 40  # the screens printed their rows


def test_a_machine_format_screen_imports_only_what_a_screen_needs(
    store_path: Path, tmp_path: Path
) -> None:
    """A CSV or JSON screen loads no other command, no chart library, no provider, no
    backtest and no classifier (each costs start-up time a screen of thousands has not)."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from screener.cli import main\n"
        "for fmt in ('json', 'csv'):\n"
        f"    args = ['--db', {str(store_path)!r}, 'screen', '--source', 'store', '--offline']\n"
        "    assert main([*args, '--format', fmt]) == 0\n"
        "bad = ('plotext', 'matplotlib', 'yfinance', 'akshare', 'requests', 'curl_cffi',"
        " 'screener.backtest', 'screener.universe.classifier', 'screener.universe.discover',"
        " 'screener.universe.sync', 'screener.data.yahoo', 'screener.data.akshare',"
        " 'screener.output.plot', 'screener.cli.backtest', 'screener.cli.watchlist',"
        " 'screener.cli.universe', 'screener.cli.rules')\n"
        "print('LOADED', sorted(m for m in sys.modules if m.startswith(bad)))\n"
    )
    env = {"SCREENER_OFFLINE": "1", "XDG_CONFIG_HOME": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert "LOADED []" in out.stdout
    assert out.stdout.count("\n") > 20  # the screens printed their rows


def test_explain_reads_every_metric_of_its_companies_only_and_says_the_same(
    store_path: Path,
) -> None:
    from rich.console import Console

    from screener.output.explain import explanation_rows, render_explanation

    full = _run(store_path)
    tickers = [str(t) for t in full.frame.index[:3]]
    lean = _run(store_path, RunNeeds(all_history=False, closes=False, history_for=tuple(tickers)))
    assert lean.closes == {} and lean.points.series is not None
    frame = lean.history
    others = frame[~frame["ticker"].isin(tickers)]
    assert set(others["metric"]) <= needed_history(lean.ruleset)  # the rules' alone
    assert set(frame.loc[frame["ticker"] == tickers[0], "metric"]) == set(
        full.history.loc[full.history["ticker"] == tickers[0], "metric"]
    )

    def shown(run: ScreenRun, ticker: str) -> str:
        console = Console(width=100, file=io.StringIO(), color_system=None)
        console.print(render_explanation(run, ticker, width=100))
        return console.file.getvalue()  # type: ignore[attr-defined]

    for ticker in tickers:
        assert explanation_rows(lean, ticker) == explanation_rows(full, ticker)
        assert shown(lean, ticker) == shown(full, ticker)
        assert "Own history" in shown(lean, ticker)
