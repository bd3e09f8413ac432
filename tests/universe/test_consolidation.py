"""Parent and consolidated subsidiary both listed: each business counts once in sector statistics.

The subsidiary names its parent in ``consolidated_into``; it keeps counting, and the parent
steps out of the statistics of the sector they share (it would repeat the subsidiary's
figures inside its own). Both rows stay in the universe and in the screen.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from screener.errors import DataError, InputError
from screener.universe import Company, load_universe
from screener.universe.companies import parse_companies_csv

# subsidiary -> parent, as the Feb 2026 review found them (issue 12)
CONSOLIDATED = {
    "300548.SZ": "601869.SS",  # Broadex in YOFC
    "301165.SZ": "002396.SZ",  # Ruijie in Star-net
    "1729.HK": "002475.SZ",  # Time Interconnect in Luxshare
}

HEADER = (
    "ticker,name_en,name_zh,exchange,market,currency,sector,sub_segment,"
    "secondary_sector,rationale,source,primary_listing,consolidated_into\n"
)


def _row(ticker: str, sector: str, sub: str, parent: str = "", primary: str = "") -> str:
    return (
        f"{ticker},Name {ticker},,,,,{sector},{sub},,why,https://x.example,{primary},{parent}\n"
    )


@pytest.fixture(scope="module")
def universe() -> dict[str, Company]:
    return {c.ticker: c for c in load_universe()}


def test_the_shipped_pairs(universe: dict[str, Company]) -> None:
    linked = {t: c.consolidated_into for t, c in universe.items() if c.consolidated_into}
    assert linked == CONSOLIDATED
    for subsidiary, parent in CONSOLIDATED.items():
        sub, par = universe[subsidiary], universe[parent]
        assert sub.sector == par.sector, subsidiary  # so the parent steps out
        assert sub.in_sector_stats and not par.in_sector_stats
        assert par.consolidates == (subsidiary,)
        note = f"not counted: consolidates {subsidiary}, which counts in {sub.sector}"
        assert par.stats_note == note
        assert sub.stats_note == f"counted in {sub.sector}; consolidated into {parent}"
        assert subsidiary in par.rationale and parent in sub.rationale
        assert par.to_dict()["consolidates"] == [subsidiary]
        assert par.to_dict()["in_sector_stats"] is False
        assert sub.to_dict()["consolidated_into"] == parent


def test_only_parents_of_a_shipped_pair_consolidate(universe: dict[str, Company]) -> None:
    parents = {t for t, c in universe.items() if c.consolidates}
    assert parents == set(CONSOLIDATED.values())


def test_a_parent_placed_in_another_sector_keeps_counting() -> None:
    companies = parse_companies_csv(
        HEADER
        + _row("002396.SZ", "data_center", "idc_operator")
        + _row("301165.SZ", "switching", "switch_system", parent="002396.SZ")
    )
    by_ticker = {c.ticker: c for c in companies}
    assert by_ticker["002396.SZ"].consolidates == ()
    assert by_ticker["002396.SZ"].in_sector_stats and by_ticker["301165.SZ"].in_sector_stats


def test_a_parent_of_two_subsidiaries_names_both() -> None:
    companies = parse_companies_csv(
        HEADER
        + _row("601869.SS", "optical_communication", "fiber_cable")
        + _row("300548.SZ", "optical_communication", "optical_component", parent="601869.SS")
        + _row("300394.SZ", "optical_communication", "optical_component", parent="601869.SS")
    )
    parent = companies[0]
    assert parent.consolidates == ("300548.SZ", "300394.SZ") and not parent.in_sector_stats


@pytest.mark.parametrize(
    ("rows", "line", "fragment"),
    [
        (
            _row("301165.SZ", "switching", "switch_system", parent="002396.SZ"),
            2,
            "consolidated_into 002396.SZ is not in the universe",
        ),
        (
            _row("301165.SZ", "switching", "switch_system", parent="301165.SZ"),
            2,
            "consolidated_into names the company itself",
        ),
        (
            _row("301165.SZ", "switching", "switch_system", parent="sz002396")
            + _row("002396.SZ", "switching", "switch_system"),
            2,
            "consolidated_into 'sz002396' is not in Yahoo form",
        ),
        (
            _row("601869.SS", "optical_communication", "fiber_cable", parent="6869.HK")
            + _row("6869.HK", "optical_communication", "fiber_cable", primary="601869.SS"),
            2,
            "consolidated_into 6869.HK is a line of the company itself",
        ),
        (
            _row("000063.SZ", "switching", "switch_system")
            + _row("0763.HK", "switching", "switch_system", "ANET", "000063.SZ")
            + _row("ANET", "switching", "switch_system"),
            3,
            "consolidated_into belongs on the primary line 000063.SZ",
        ),
        (
            _row("301165.SZ", "switching", "switch_system", parent="002396.SZ")
            + _row("002396.SZ", "switching", "switch_system", parent="301165.SZ"),
            2,
            "starts a loop of links",
        ),
    ],
)
def test_bad_links_in_the_shipped_csv(rows: str, line: int, fragment: str) -> None:
    with pytest.raises(DataError) as info:
        parse_companies_csv(HEADER + rows, "c.csv")
    assert str(info.value).startswith(f"c.csv:{line}: "), info.value
    assert fragment in str(info.value)


def test_a_parent_named_by_its_secondary_line_counts_against_the_primary() -> None:
    companies = parse_companies_csv(
        HEADER
        + _row("601869.SS", "optical_communication", "fiber_cable")
        + _row("6869.HK", "optical_communication", "fiber_cable", primary="601869.SS")
        + _row("300548.SZ", "optical_communication", "optical_component", parent="6869.HK")
    )
    by_ticker = {c.ticker: c for c in companies}
    assert by_ticker["601869.SS"].consolidates == ("300548.SZ",)
    assert [t for t, c in by_ticker.items() if c.in_sector_stats] == ["300548.SZ"]


# -- overrides ---------------------------------------------------------------------


def _merged(tmp_path: Path, text: str) -> dict[str, Company]:
    path = tmp_path / "u.toml"
    path.write_text(text, encoding="utf-8")
    return {c.ticker: c for c in load_universe(path)}


def test_clearing_a_link_counts_both_again(tmp_path: Path) -> None:
    merged = _merged(tmp_path, '[[set]]\nticker = "301165.SZ"\nconsolidated_into = "-"\n')
    assert merged["301165.SZ"].consolidated_into is None
    assert merged["002396.SZ"].consolidates == () and merged["002396.SZ"].in_sector_stats
    assert merged["301165.SZ"].in_sector_stats


def test_removing_a_parent_releases_its_subsidiary(tmp_path: Path) -> None:
    merged = _merged(tmp_path, 'remove = ["002396.SZ"]\n')
    assert "002396.SZ" not in merged
    assert merged["301165.SZ"].consolidated_into is None and merged["301165.SZ"].in_sector_stats
    assert merged["301165.SZ"].origin == "override"


def test_moving_the_parent_to_another_sector_lets_it_count_there(tmp_path: Path) -> None:
    merged = _merged(
        tmp_path,
        '[[set]]\nticker = "002475.SZ"\nsector = "adjacent"\nsub_segment = "adjacent_connector"\n',
    )
    assert merged["002475.SZ"].consolidates == ()
    assert merged["1729.HK"].in_sector_stats  # still counts; Luxshare is now adjacent


def test_an_added_subsidiary_takes_its_parent_out(tmp_path: Path) -> None:
    merged = _merged(
        tmp_path,
        '[[add]]\nticker = "688167"\nname_en = "Example Optics"\n'
        'sector = "optical_communication"\nsub_segment = "optical_chip"\n'
        'consolidated_into = "sz300308"\n',
    )
    assert merged["688167.SS"].consolidated_into == "300308.SZ"
    assert merged["300308.SZ"].consolidates == ("688167.SS",)
    assert not merged["300308.SZ"].in_sector_stats


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        (
            '\n[[set]]\nticker = "301165.SZ"\nconsolidated_into = "AAPL"\n',
            2,
            "consolidated_into AAPL is not in the universe",
        ),
        (
            '[[set]]\nticker = "002396.SZ"\nconsolidated_into = "301165.SZ"\n',
            1,
            "starts a loop of links",
        ),
        (
            '[[set]]\nticker = "301165.SZ"\nconsolidated_into = "xyz"\n',
            1,
            "301165.SZ: consolidated_into: unrecognised ticker 'xyz'",
        ),
    ],
)
def test_bad_links_in_an_override_file_name_the_line(
    tmp_path: Path, text: str, line: int, fragment: str
) -> None:
    path = tmp_path / "u.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_universe(path)
    assert str(info.value).startswith(f"{path}:{line}: "), info.value
    assert fragment in str(info.value)


def test_the_csv_override_form_takes_the_column(tmp_path: Path) -> None:
    path = tmp_path / "u.csv"
    path.write_text("action,ticker,consolidated_into\nset,1729.HK,-\n", encoding="utf-8")
    merged = {c.ticker: c for c in load_universe(path)}
    assert merged["002475.SZ"].in_sector_stats and merged["1729.HK"].in_sector_stats


# -- the point of it: a sector median computed with and without the pair -------------


def _sector_median(companies: list[Company], pe: dict[str, float]) -> dict[str, float]:
    from screener.engine import Evaluator, parse_expression

    frame = pd.DataFrame(
        {
            "sector": [c.sector for c in companies],
            "market": [c.market for c in companies],
            "pe_ttm": [pe[c.ticker] for c in companies],
            "in_stats": [c.in_sector_stats for c in companies],
        },
        index=[c.ticker for c in companies],
    )
    values = Evaluator(frame).value(parse_expression("sector_median(pe_ttm)"))
    return dict(zip(frame.index, values, strict=True))


def test_the_pair_counts_once_in_the_sector_median() -> None:
    rows = (
        _row("002396.SZ", "switching", "switch_system")
        + _row("301165.SZ", "switching", "switch_system", parent="002396.SZ")
        + _row("000063.SZ", "switching", "switch_system")
        + _row("ANET", "switching", "switch_system")
    )
    pe = {"002396.SZ": 30.0, "301165.SZ": 40.0, "000063.SZ": 20.0, "ANET": 60.0}
    linked = parse_companies_csv(HEADER + rows)
    unlinked = parse_companies_csv(HEADER + rows.replace(",002396.SZ\n", ",\n"))
    assert set(_sector_median(linked, pe).values()) == {40.0}  # median of 40, 20, 60
    assert set(_sector_median(unlinked, pe).values()) == {35.0}  # 30 and 40 both counted
    # every row still gets a value, the parent too: measured against the counted rows
    assert _sector_median(linked, pe)["002396.SZ"] == 40.0


def test_the_shipped_pair_changes_the_sample_switching_median(tmp_path: Path) -> None:
    """Star-net and Ruijie are both in the bundled sample: the median moves with the link."""
    from screener.data.store import Store
    from screener.engine import Evaluator, parse_expression
    from screener.run import load_inputs, run_screen

    clear = tmp_path / "u.toml"
    clear.write_text('[[set]]\nticker = "301165.SZ"\nconsolidated_into = "-"\n', encoding="utf-8")
    medians = []
    for universe_file in (None, clear):
        with Store(tmp_path / f"s{len(medians)}.db") as store:
            run = run_screen(store, load_inputs(None, universe_file), source="sample")
        frame = run.frame
        assert {"002396.SZ", "301165.SZ"} <= set(frame.index)  # both rows stay in the screen
        values = Evaluator(frame).value(parse_expression("sector_median(pe_ttm)"))
        switching = frame["sector"].to_numpy() == "switching"
        counted = frame.loc[switching & frame["in_stats"].to_numpy(), "pe_ttm"]
        assert np.allclose(values[switching], np.nanmedian(counted.to_numpy(dtype=float)))
        medians.append(values[switching][0])
        assert bool(frame.loc["002396.SZ", "in_stats"]) == (universe_file is not None)
        assert bool(frame.loc["301165.SZ", "in_stats"])
    assert medians[0] != medians[1]
