"""Evaluation semantics on small hand-made frames, and the shape of the results."""

from __future__ import annotations

import importlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from screener.engine import Evaluator, evaluate, explain, load_ruleset, parse_expression
from screener.errors import InputError

evaluate_module = importlib.import_module("screener.engine.evaluate")
NAN = np.nan


def frame_of(**columns: list[object]) -> pd.DataFrame:
    tickers = [f"T{i}" for i in range(len(next(iter(columns.values()))))]
    frame = pd.DataFrame(columns, index=pd.Index(tickers, name="ticker"))
    for name in frame.columns:
        if name not in ("sector", "market", "currency", "sub_segment"):
            frame[name] = frame[name].astype("float64")
    return frame


def values(text: str, frame: pd.DataFrame, history: pd.DataFrame | None = None) -> list:
    out = Evaluator(frame, history).value(parse_expression(text))
    return [None if (isinstance(v, float) and np.isnan(v)) else v for v in out.tolist()]


def ruleset_of(tmp_path: Path, *rules: str) -> object:
    path = tmp_path / "rules.toml"
    path.write_text("\n".join(rules), encoding="utf-8")
    return load_ruleset([path])


def rule(rule_id: str, when: str, score: float = 1, extra: str = "") -> str:
    return (
        f'[[rule]]\nid = "{rule_id}"\ntitle = "{rule_id} title"\nwhen = \'{when}\'\n'
        f"score = {score}\n{extra}\n"
    )


def test_missing_input_never_fires_even_under_not() -> None:
    frame = frame_of(peg=[0.5, 2.0, NAN])
    assert values("peg < 1", frame) == [1.0, 0.0, None]
    assert values("not (peg < 1)", frame) == [0.0, 1.0, None]
    assert values("peg < 1 or peg is missing", frame) == [1.0, 0.0, 1.0]
    assert values("peg > 1 and peg is not missing", frame) == [0.0, 1.0, 0.0]


def test_arithmetic_edge_cases_are_missing() -> None:
    frame = frame_of(pe_ttm=[10.0, 0.0, -5.0], pe_fwd=[5.0, 0.0, 2.0])
    assert values("pe_ttm / pe_fwd", frame) == [2.0, None, -2.5]
    assert values("log(pe_ttm)", frame) == [pytest.approx(np.log(10)), None, None]
    overflow = "pe_ttm" + " * 1e15" * 25
    assert values(overflow, frame) == [None, 0.0, None]


def test_percent_between_and_chains() -> None:
    frame = frame_of(revenue_growth=[0.1, 0.3, 0.31, NAN])
    assert values("revenue_growth between 10% and 30%", frame) == [1.0, 1.0, 0.0, None]
    assert values("0 < revenue_growth < 0.3", frame) == [1.0, 0.0, 0.0, None]
    assert values("revenue_growth in [10%, 0.31]", frame) == [1.0, 0.0, 1.0, None]


def test_absent_column_is_all_missing() -> None:
    frame = frame_of(pe_fwd=[1.0, 2.0])
    assert values("ret_6m", frame) == [None, None]
    assert values("market", frame) == [None, None]
    assert values("market == 'CN'", frame) == [None, None]


def test_text_columns_of_any_string_dtype() -> None:
    frame = frame_of(pe_fwd=[1.0, 2.0, 3.0])
    frame["market"] = pd.array(["CN", None, "US"], dtype="string")
    assert values('market in ["CN", "HK"]', frame) == [1.0, None, 0.0]
    assert values('market != "CN"', frame) == [0.0, None, 1.0]
    assert values("market is missing", frame) == [0.0, 1.0, 0.0]


def test_peer_gap_compares_with_the_other_market_group() -> None:
    frame = frame_of(
        pe_fwd=[10.0, 30.0, 20.0, 40.0, 99.0],
        sector=["switching"] * 4 + ["data_center"],
        market=["CN", "CN", "US", "JP", "CN"],
    )
    # CN rows vs median(20, 40) = 30; non-CN rows vs median(10, 30) = 20; no peers: missing.
    assert values("peer_gap(pe_fwd)", frame) == [
        pytest.approx(-2 / 3),
        0.0,
        0.0,
        1.0,
        None,
    ]


def test_hist_pct_counts_ties_as_at_or_below_and_needs_three_points() -> None:
    frame = frame_of(pe_ttm=[20.0, 20.0, NAN])
    history = pd.DataFrame(
        {
            "ticker": ["T0"] * 4 + ["T1"] * 2 + ["T2"] * 3,
            "metric": "pe_ttm",
            "date": "2024-12",
            "value": [10.0, 20.0, 30.0, 40.0, 5.0, 6.0, 1.0, 2.0, 3.0],
        }
    )
    assert values("hist_pct(pe_ttm)", frame, history) == [0.5, None, None]
    assert values("hist_median(pe_ttm)", frame, history) == [25.0, None, 2.0]
    assert values("hist_pct(pe_ttm)", frame, None) == [None, None, None]


def test_evaluators_sharing_points_share_a_history_figure_only_for_the_same_inputs() -> None:
    from screener.engine.history import HistoryPoints

    history = pd.DataFrame(
        {
            "ticker": ["T0"] * 4 + ["T1"] * 3,
            "metric": "pe_ttm",
            "date": "2024-12",
            "value": [10.0, 20.0, 30.0, 40.0, 1.0, 2.0, 3.0],
        }
    )
    points = HistoryPoints(history)
    node = parse_expression("hist_pct(pe_ttm)")
    first = Evaluator(frame_of(pe_ttm=[20.0, 2.0]), points).value(node)
    first[:] = -1.0  # a caller's copy: changing it changes nothing shared
    assert Evaluator(frame_of(pe_ttm=[20.0, 2.0]), points).value(node).tolist() == [0.5, 2 / 3]
    # other current values (a stale figure hidden, another day): computed for them
    assert Evaluator(frame_of(pe_ttm=[35.0, NAN]), points).value(node)[0] == 0.75
    assert np.isnan(Evaluator(frame_of(pe_ttm=[35.0, NAN]), points).value(node)[1])


def test_sector_statistics_ignore_the_rule_sector_filter(tmp_path: Path) -> None:
    frame = frame_of(
        pe_fwd=[10.0, 20.0, 30.0, 5.0],
        sector=["switching", "switching", "switching", "data_center"],
    )
    ruleset = ruleset_of(
        tmp_path,
        rule(
            "below-median",
            "pe_fwd < sector_median(pe_fwd)",
            2,
            'sectors = ["switching"]\nwhy = "{pe_fwd} vs {sector_median(pe_fwd):.1f}"',
        ),
        rule("no-why", "pe_fwd > 25", -1),
    )
    ev = evaluate(ruleset, frame)
    assert ev.fired.tolist() == [("below-median",), (), ("no-why",), ()]
    assert ev.score.tolist() == [2.0, 0.0, -1.0, 0.0]
    assert ev.reasons.tolist() == [
        ("below-median: 10 vs 20.0",),
        (),
        ("no-why: no-why title",),
        (),
    ]
    assert list(ev.matrix.columns) == ["below-median", "no-why"]
    assert ev.matrix.dtypes.eq(bool).all()


def test_shared_subexpressions_are_computed_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []
    original = evaluate_module.group_median

    def counting(*args: object) -> np.ndarray:
        calls.append(1)
        return original(*args)

    monkeypatch.setattr(evaluate_module, "group_median", counting)
    ruleset = ruleset_of(
        tmp_path,
        rule("a", "pe_fwd < sector_median(pe_fwd)", extra='why = "{sector_median(pe_fwd)}"'),
        rule("b", "pe_fwd < sector_median( pe_fwd ) * 0.8"),
    )
    frame = frame_of(pe_fwd=[1.0, 2.0, 3.0], sector=["switching"] * 3)
    evaluate(ruleset, frame)
    assert len(calls) == 1


def test_evaluate_is_pure(tmp_path: Path) -> None:
    frame = frame_of(pe_fwd=[1.0, NAN], sector=["switching", None])
    before = frame.copy()
    ruleset = ruleset_of(tmp_path, rule("a", "sector_pct(pe_fwd) >= 0"))
    evaluate(ruleset, frame)
    pd.testing.assert_frame_equal(frame, before)


def test_empty_frame(tmp_path: Path) -> None:
    frame = frame_of(pe_fwd=[])
    ev = evaluate(load_ruleset(), frame)
    assert len(ev.score) == 0 and list(ev.matrix.columns) == list(load_ruleset().ids)


def test_explain_lists_inputs_conditions_and_missing(tmp_path: Path) -> None:
    frame = frame_of(
        pe_fwd=[10.0, 11.0, 30.0, 40.0],
        revenue_growth=[0.5, NAN, 0.1, 0.2],
        sector=["switching"] * 4,
    )
    ruleset = ruleset_of(
        tmp_path,
        rule(
            "disc",
            "pe_fwd < sector_median(pe_fwd) * 0.8 and revenue_growth > 30%",
            2,
            'why = "{pe_fwd:.1f} vs {sector_median(pe_fwd):.1f}"',
        ),
    )
    (first,) = explain(ruleset, frame, None, "T0")
    assert first.fired and first.applicable and first.result is True
    assert first.inputs == (
        ("pe_fwd", 10.0),
        ("sector_median(pe_fwd)", 20.5),
        ("revenue_growth", 0.5),
    )
    assert first.conditions == (
        ("pe_fwd < sector_median(pe_fwd) * 0.8", True),
        ("revenue_growth > 30%", True),
    )
    assert first.missing == () and first.reason == "10.0 vs 20.5"
    (second,) = explain(ruleset, frame, None, "T1")
    assert not second.fired and second.result is None and second.missing == ("revenue_growth",)
    assert second.reason is None
    with pytest.raises(InputError, match="unknown ticker 'T9'"):
        explain(ruleset, frame, None, "T9")


def test_unknown_matrix_marks_undecided_rules(tmp_path: Path) -> None:
    frame = frame_of(peg=[0.5, NAN, 2.0], sector=["switching", "switching", "data_center"])
    ruleset = ruleset_of(
        tmp_path, rule("peg", "peg < 1"), rule("dc", "peg < 1", extra='sectors = ["data_center"]')
    )
    ev = evaluate(ruleset, frame)
    assert ev.unknown["peg"].tolist() == [False, True, False]
    assert ev.unknown["dc"].tolist() == [False, False, False]  # not applicable is not unknown


def test_evaluation_never_reaches_a_string_evaluator(monkeypatch: pytest.MonkeyPatch) -> None:
    """Like zipline's loader that raises if called: pandas' own evaluators are off limits."""

    def trap(*args: object, **kwargs: object) -> None:
        raise AssertionError("pandas string evaluation used")

    monkeypatch.setattr(pd, "eval", trap)
    monkeypatch.setattr(pd.DataFrame, "query", trap)
    monkeypatch.setattr(pd.DataFrame, "eval", trap)
    frame = frame_of(
        pe_fwd=[10.0, 20.0, NAN],
        pe_ttm=[30.0, 20.0, 5.0],
        peg=[0.5, 2.0, NAN],
        sector=["switching"] * 3,
        market=["CN", "US", "US"],
    )
    ev = evaluate(load_ruleset(), frame)
    assert "peg-below-one" in ev.fired["T0"]


def dual_listing_frame(in_stats: bool = True) -> pd.DataFrame:
    """GDS counts in statistics, its HK line 9698.HK (a wild P/E) and 0763.HK do not."""
    frame = pd.DataFrame(
        {
            "pe_fwd": [30.0, 900.0, 20.0, 40.0, 60.0, 40.0, 10.0],
            "sector": ["data_center"] * 6 + ["switching"],
            "market": ["US", "HK", "US", "CN", "CN", "HK", "US"],
            "in_stats": [True, False, True, True, True, False, False],
        },
        index=pd.Index(
            ["GDS", "9698.HK", "VNET", "A1.SZ", "A2.SZ", "0763.HK", "LONE"], name="ticker"
        ),
    )
    return frame if in_stats else frame.drop(columns="in_stats")


def test_a_duplicate_listing_with_a_wild_pe_does_not_move_the_sector_median() -> None:
    frame = dual_listing_frame()
    # Counted data-centre values: 30, 20, 40, 60 => 35 for every row of the sector,
    # the excluded rows included; switching counts no row => missing.
    assert values("sector_median(pe_fwd)", frame) == [35.0] * 6 + [None]
    # Without the column every row counts: the 900 and the second 40 move it.
    assert values("sector_median(pe_fwd)", dual_listing_frame(in_stats=False)) == [40.0] * 6 + [
        10.0
    ]


def test_excluded_rows_still_get_sector_pct_zscore_and_peer_gap() -> None:
    frame = dual_listing_frame()
    # Counted rows: rank among the other counted values; excluded rows: among all 4
    # counted values, ties counting half (0763.HK at 40: 2 below, 1 equal => 2.5 / 4).
    assert values("sector_pct(pe_fwd)", frame) == [
        pytest.approx(1 / 3),
        1.0,
        0.0,
        pytest.approx(2 / 3),
        1.0,
        0.625,
        None,
    ]
    mean, std = 37.5, float(np.std([30.0, 20.0, 40.0, 60.0], ddof=1))
    zscores = values("sector_zscore(pe_fwd)", frame)
    assert zscores[:6] == [pytest.approx((x - mean) / std) for x in frame["pe_fwd"][:6]]
    assert zscores[6] is None
    # Non-CN rows vs the counted A-shares, median(40, 60) = 50; CN rows vs the counted
    # non-CN rows, median(30, 20) = 25 (the HK lines do not count).
    assert values("peer_gap(pe_fwd)", frame) == [
        pytest.approx(-0.4),
        pytest.approx(17.0),
        pytest.approx(-0.6),
        pytest.approx(0.6),
        pytest.approx(1.4),
        pytest.approx(-0.2),
        None,
    ]


def test_in_stats_flags_true_only_counts_and_any_dtype_works() -> None:
    base = dual_listing_frame()
    expected = values("sector_pct(pe_fwd)", base)
    for flags in (
        [1.0, 0.0, 1.0, 1.0, 1.0, NAN, 0.0],
        pd.array([True, None, True, True, True, False, None], dtype="boolean"),
        [True, None, True, True, True, False, False],
    ):
        frame = base.assign(in_stats=flags)
        assert values("sector_pct(pe_fwd)", frame) == expected


def test_in_stats_is_not_a_metric_rules_can_name(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unknown metric 'in_stats'"):
        ruleset_of(tmp_path, rule("a", "in_stats == 1"))


def test_rules_and_explain_use_the_counted_statistics(tmp_path: Path) -> None:
    frame = dual_listing_frame()
    ruleset = ruleset_of(
        tmp_path,
        rule(
            "cheap",
            "pe_fwd < sector_median(pe_fwd)",
            extra='why = "{pe_fwd:.0f} vs {sector_median(pe_fwd):.0f}"',
        ),
    )
    ev = evaluate(ruleset, frame)
    assert ev.reasons["GDS"] == ("cheap: 30 vs 35",)
    assert ev.fired["0763.HK"] == ()  # 40 is above the counted median
    (explained,) = explain(ruleset, frame, None, "9698.HK")
    assert dict(explained.inputs)["sector_median(pe_fwd)"] == 35.0


def test_loss_makers_do_not_drag_multiples_medians() -> None:
    frame = pd.DataFrame(
        {
            "sector": ["switching"] * 4,
            "market": ["CN", "US", "US", "US"],
            "pe_fwd": [10.0, -50.0, -40.0, 30.0],
            "revenue_growth": [0.1, -0.5, -0.4, 0.3],
        },
        index=["A", "B", "C", "D"],
    )
    ev = Evaluator(frame)
    assert list(ev.value(parse_expression("sector_median(pe_fwd)"))) == [20.0] * 4
    gap = ev.value(parse_expression("peer_gap(pe_fwd)"))
    assert gap[0] == pytest.approx(10 / 30 - 1) and np.isnan(gap[1])
    pct = ev.value(parse_expression("sector_pct(pe_fwd)"))
    assert np.isnan(pct[1]) and pct[0] == 0.0 and pct[3] == 1.0
    # not a multiple: every value counts
    assert ev.value(parse_expression("sector_median(revenue_growth)"))[0] == pytest.approx(-0.15)
    # a plain comparison still sees the negative value
    assert list(ev.value(parse_expression("pe_fwd < 0"))) == [0.0, 1.0, 1.0, 0.0]


@pytest.mark.parametrize("shuffled", [False, True], ids=["rows in order", "rows shuffled"])
@pytest.mark.parametrize("skewed", [False, True], ids=["even groups", "one wide group"])
def test_group_median_is_each_groups_median(skewed: bool, shuffled: bool) -> None:
    rng = np.random.default_rng(7)
    ngroups = 50
    sizes = rng.integers(0, 12, ngroups)
    if skewed:  # one group far wider than the rest: the sort of every point
        sizes[3] = 2000
    codes = np.repeat(np.arange(ngroups), sizes)
    if shuffled:  # rows of one group need not be next to each other
        rng.shuffle(codes)
    values = rng.choice([1.0, 2.0, 2.5, 1e308, -np.inf, np.inf, 7.0], len(codes))
    values[rng.random(len(codes)) < 0.1] = np.nan
    codes[rng.random(len(codes)) < 0.1] = -1  # rows in no group
    got = evaluate_module.group_median(values, codes, ngroups)
    assert len(got) == ngroups + 1 and np.isnan(got[-1])
    for group in range(ngroups):
        mine = np.sort(values[(codes == group) & ~np.isnan(values)])
        if len(mine) == 0:
            assert np.isnan(got[group])
            continue
        lo, hi = mine[(len(mine) - 1) // 2], mine[len(mine) // 2]
        want = lo / 2.0 + hi / 2.0
        assert got[group] == want or (np.isnan(got[group]) and np.isnan(want)), group
