"""One screening run: the source/banner matrix, inputs loaded once, its selection and dates."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import screener.run as run_module
from screener.data.provider import SAMPLE_SOURCE, YAHOO_SOURCE
from screener.data.store import Store
from screener.engine import Evaluator, parse_expression
from screener.run import ScreenRun, decide_source, load_inputs, run_screen
from screener.select import Selection, select_rows

TODAY = date(2026, 3, 1)
OFFLINE = "no route to host"

# requested, store has live data, why Yahoo was not used -> source read, banner (None or
# phrases it must hold; the offline reason is quoted whenever the banner mentions it)
MATRIX: list[tuple[str, bool, str | None, str, tuple[str, ...] | None]] = [
    ("auto", True, None, YAHOO_SOURCE, None),
    ("auto", True, OFFLINE, YAHOO_SOURCE, ("OFFLINE: Yahoo could not be reached", OFFLINE)),
    ("auto", False, None, SAMPLE_SOURCE, ("SAMPLE DATA: no live data in the store",)),
    (
        "auto",
        False,
        OFFLINE,
        SAMPLE_SOURCE,
        ("SAMPLE DATA: Yahoo could not be reached", OFFLINE, "store holds no live data"),
    ),
    ("sample", True, None, SAMPLE_SOURCE, ("SAMPLE DATA (--source sample)",)),
    ("sample", True, OFFLINE, SAMPLE_SOURCE, ("SAMPLE DATA (--source sample)",)),
    ("sample", False, None, SAMPLE_SOURCE, ("SAMPLE DATA (--source sample)",)),
    ("sample", False, OFFLINE, SAMPLE_SOURCE, ("SAMPLE DATA (--source sample)",)),
    ("store", True, None, YAHOO_SOURCE, None),
    ("store", True, OFFLINE, YAHOO_SOURCE, ("OFFLINE: Yahoo could not be reached", OFFLINE)),
    ("store", False, None, YAHOO_SOURCE, ("store holds no live data yet", "screener refresh")),
    ("store", False, OFFLINE, YAHOO_SOURCE, ("store holds no live data yet", "screener refresh")),
]


@pytest.mark.parametrize(("requested", "live", "reason", "source", "phrases"), MATRIX)
def test_the_source_and_banner_matrix(
    requested: Any, live: bool, reason: str | None, source: str, phrases: tuple[str, ...] | None
) -> None:
    decision = decide_source(requested, live, reason)
    assert decision.source == source
    if phrases is None:
        assert decision.banner is None
        return
    assert decision.banner is not None
    for phrase in phrases:
        assert phrase in decision.banner
    if OFFLINE not in phrases:
        assert OFFLINE not in decision.banner  # said only where it explains the choice


def test_the_matrix_is_complete() -> None:
    cases = {(r, live, reason) for r, live, reason, _, _ in MATRIX}
    assert cases == {
        (r, live, reason)
        for r in ("auto", "sample", "store")
        for live in (True, False)
        for reason in (None, OFFLINE)
    }


def _run(tmp_path: Path, **kwargs: Any) -> ScreenRun:
    with Store(tmp_path / "s.db") as store:
        return run_screen(store, load_inputs(None, None), today=TODAY, **kwargs)


def test_a_sample_run_carries_its_source_banner_and_request(tmp_path: Path) -> None:
    run = _run(tmp_path, source="sample")
    assert run.source == SAMPLE_SOURCE and run.requested_source == "sample"
    assert run.banner == decide_source("sample", False, None).banner
    assert set(run.frame["source"]) == {SAMPLE_SOURCE}
    assert run.closes == {}  # sparklines only from live prices


def test_an_empty_store_run_reads_the_store_and_shows_nothing(tmp_path: Path) -> None:
    run = _run(tmp_path, source="store")
    assert run.source == YAHOO_SOURCE and run.frame.empty and run.rows.empty
    assert run.as_of_range is None
    assert "no live data yet" in (run.banner or "")


def test_the_run_carries_its_selection_and_the_rows_it_keeps(tmp_path: Path) -> None:
    selection = Selection(sectors=("data_center",), sort="pe_fwd", limit=3)
    run = _run(tmp_path, source="sample", selection=selection)
    assert run.selection is selection
    expected = select_rows(run.frame, sectors=("data_center",), sort="pe_fwd", limit=3)
    assert list(run.rows.index) == list(expected.index) and len(run.rows) == 3
    assert len(run.frame) > len(run.rows)  # the whole evaluated universe stays available


def test_the_as_of_range_is_that_of_the_rows_shown(tmp_path: Path) -> None:
    everything = _run(tmp_path, source="sample")
    dates = everything.frame["as_of"]
    assert everything.as_of_range == (dates.min(), dates.max())
    one = _run(tmp_path, source="sample", selection=Selection(sectors=("switching",)))
    shown = one.frame.loc[one.frame["sector"] == "switching", "as_of"]
    assert one.as_of_range == (shown.min(), shown.max())
    assert one.as_of_range != everything.as_of_range
    nothing = _run(tmp_path, source="sample", selection=Selection(min_score=1e9))
    assert nothing.rows.empty and nothing.as_of_range is None


def test_pe_hist_pct_is_the_rules_own_hist_pct(tmp_path: Path) -> None:
    run = _run(tmp_path, source="sample")
    by_rule = Evaluator(run.frame, run.history).value(parse_expression("hist_pct(pe_ttm)"))
    assert run.frame["pe_hist_pct"].notna().sum() > 10
    np.testing.assert_array_equal(run.frame["pe_hist_pct"].to_numpy(), by_rule)


def test_companies_come_from_the_universe_not_back_from_the_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(self: Store) -> None:
        raise AssertionError("the run read company rows back from the store")

    monkeypatch.setattr(Store, "companies", refuse)
    run = _run(tmp_path, source="sample")
    assert run.frame.loc["300308.SZ", "name_zh"] == run.universe["300308.SZ"].name_zh
    monkeypatch.undo()
    with Store(tmp_path / "s.db") as store:
        assert store.companies() == []  # the sample put figures in, not the universe
    assert run.universe_counts["data_center"] == sum(
        c.sector == "data_center" for c in run.universe.values()
    )
    assert run.universe_names["300308.SZ"] == run.universe["300308.SZ"].name_en


def _count(monkeypatch: pytest.MonkeyPatch, name: str) -> list[int]:
    calls: list[int] = []
    real = getattr(run_module, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(run_module, name, counted)
    return calls


def test_screen_loads_the_rules_and_the_universe_once(run_cli, monkeypatch) -> None:
    rules = _count(monkeypatch, "load_ruleset")
    universe = _count(monkeypatch, "load_universe")
    refreshed: list[list[str]] = []

    class Summary:
        fetched: list[str] = []
        failed: dict[str, str] = {}
        not_found: list[str] = []

    def fake_refresh(store: Store, tickers: list[str], *, force: bool, **options: Any) -> Summary:
        refreshed.append(tickers)
        return Summary()

    import screener.cli.screen as screen_cli
    import screener.data.yahoo as yahoo

    monkeypatch.setattr(yahoo, "yahoo_reachable", lambda timeout=2.0: (True, ""))
    monkeypatch.setattr(screen_cli, "run_refresh", fake_refresh)
    result = run_cli("screen", "--format", "json")
    assert result.status == 0, result.err
    assert len(refreshed) == 1 and len(refreshed[0]) > 100  # the refresh ran, on the universe
    assert (len(rules), len(universe)) == (1, 1)


@pytest.mark.parametrize(
    "args",
    [
        ("screen",),  # auto: the refresh step runs (and finds Yahoo unreachable: offline tests)
        ("screen", "--offline"),
        ("explain", "LITE", "--source", "sample"),
        ("plot", "--sector", "switching", "--source", "sample"),
        ("watchlist", "save", "w", "--source", "sample"),
    ],
)
def test_every_view_of_a_run_loads_its_inputs_once(run_cli, monkeypatch, args) -> None:
    rules = _count(monkeypatch, "load_ruleset")
    universe = _count(monkeypatch, "load_universe")
    result = run_cli(*args)
    assert result.status == 0, result.err
    assert (len(rules), len(universe)) == (1, 1)


def test_a_bad_rule_file_fails_before_the_store_is_opened(
    run_cli, monkeypatch, tmp_path: Path
) -> None:
    import screener.data.store as store_module

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the store was opened before the rules were checked")

    monkeypatch.setattr(store_module, "Store", refuse)
    bad = tmp_path / "bad.toml"
    bad.write_text('[[rule]]\nid = "x"\nwhen = "pe_ttm <"\nscore = 1\n', encoding="utf-8")
    for args in (("screen",), ("watchlist", "save", "w")):
        result = run_cli(*args, "--rules", str(bad))
        assert result.status == 2 and "bad.toml" in result.err, result.err


def test_preferred_snapshots_follow_the_chain_only_where_sources_compete() -> None:
    from screener.data.chain import ProviderRoutes
    from screener.data.provider import EASTMONEY_SOURCE
    from screener.run import preferred_snapshots

    held = {
        YAHOO_SOURCE: ["300308.SZ", "600519.SS", "LITE"],
        EASTMONEY_SOURCE: ["300308.SZ", "688001.SS"],
    }

    class Snapshots:
        def latest_snapshots(self, source: str) -> list[dict[str, Any]]:
            return [{"ticker": t, "source": source} for t in held.get(source, [])]

    rows, chosen = preferred_snapshots(Snapshots(), ProviderRoutes())  # type: ignore[arg-type]
    assert chosen == {
        "300308.SZ": EASTMONEY_SOURCE,  # in both: A-shares read East Money first
        "600519.SS": YAHOO_SOURCE,
        "LITE": YAHOO_SOURCE,
        "688001.SS": EASTMONEY_SOURCE,
    }
    assert [(r["ticker"], r["source"]) for r in rows] == list(chosen.items())
    yahoo_first = ProviderRoutes({"CN": ("yahoo", "akshare"), "default": ("yahoo",)})
    _, chosen = preferred_snapshots(Snapshots(), yahoo_first)  # type: ignore[arg-type]
    assert chosen["300308.SZ"] == YAHOO_SOURCE and chosen["688001.SS"] == EASTMONEY_SOURCE
