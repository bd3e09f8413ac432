"""The table people read: golden output at fixed widths, and what must never happen."""

from __future__ import annotations

import dataclasses
import os
import re
from datetime import date
from pathlib import Path

import pytest
from rich.cells import cell_len
from rich.console import Console

from screener.data.store import Store
from screener.output import table
from screener.output.format import metric_text
from screener.run import load_inputs, run_screen
from screener.select import Selection

WIDTHS = (80, 160)
GOLDEN = Path(__file__).parents[1] / "golden"
TODAY = date(2026, 3, 1)  # fixed, so data ages (and stale flags) do not move with the clock


def _result(tmp: Path):
    inputs = load_inputs(None, None)
    return run_screen(Store(tmp / "golden.db"), inputs, source="sample", today=TODAY)


def render(result, width: int, selection: Selection | None = None, **kwargs) -> str:
    """The run's table at `width`; with `selection`, the same run selected otherwise."""
    if selection is not None:
        result = dataclasses.replace(result, selection=selection)
    with open(os.devnull, "w") as sink:
        console = Console(width=width, color_system=None, record=True, file=sink)
        console.print(table.render_table(result, width=width, **kwargs))
        return console.export_text()


def render_golden(width: int) -> str:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        result = _result(Path(tmp))
        return render(result, width)


@pytest.mark.parametrize("width", WIDTHS)
def test_golden_table(width: int) -> None:
    expected = (GOLDEN / f"table_{width}.txt").read_text(encoding="utf-8")
    assert render_golden(width) == expected, "run `python -m tests.golden.regenerate` if intended"


@pytest.mark.parametrize("width", [60, 67, 80, 87, 100, 103, 120, 142, 160, 163, 181, 200])
def test_no_number_is_cut_and_header_states_the_source(tmp_path: Path, width: int) -> None:
    result = _result(tmp_path)
    frame = result.rows
    text = render(result, width)
    lines = text.splitlines()
    assert all(cell_len(line) <= width for line in lines)
    # rich crops what does not fit: every table must close on its right border
    for line in lines:
        if line[:1] in "┏┃┡│└":
            assert line.rstrip()[-1] in "┓┃┩│┘", line
    assert "source: bundled SAMPLE snapshot" in " ".join(text.split())
    assert "SAMPLE DATA" in text
    for sector in ("Optical communication", "Switching"):
        assert sector.lower() in text.lower()
    assert "median fwd P/E" in " ".join(text.split())
    # every forward P/E shown appears whole on one line
    shown = "\n".join(lines)
    if any("Fwd P/E" in line for line in lines if line.startswith("┃")):  # a column, not hidden
        for value in frame["pe_fwd"].dropna():
            assert metric_text("pe_fwd", value) in shown


def test_narrow_terminals_drop_whole_columns_by_priority(tmp_path: Path) -> None:
    result = _result(tmp_path)
    narrow = render(result, 80)
    assert "hidden columns" in narrow
    assert "Segment" not in narrow.split("hidden columns", 1)[1].split("\n", 2)[-1]
    assert "Score" in narrow and "Ticker" in narrow
    wide = render(result, 200)
    assert "hidden columns" not in wide


def test_missing_is_a_dash_never_zero(tmp_path: Path) -> None:
    result = _result(tmp_path)
    optical = Selection(sectors=("optical_communication",))
    text = render(result, 200, optical, columns=["ticker", "pe_ttm", "score"])
    aaoi = next(line for line in text.splitlines() if "AAOI" in line)
    assert "–" in aaoi and not re.search(r"\b0\.0\b", aaoi)


def test_sparkline() -> None:
    assert table.sparkline([1, 2, 3, 4, 5, 6, 7, 8]) == "▁▂▃▄▅▆▇█"
    assert len(table.sparkline(list(range(300)), width=12)) == 12
    assert table.sparkline([5.0]) == ""
    assert table.sparkline([2.0, 2.0, 2.0]) == "▄▄▄"


def test_peg_shows_two_decimals_so_it_agrees_with_its_flag() -> None:
    assert metric_text("peg", 0.98) == "0.98"
    assert metric_text("pe_fwd", 30.69) == "30.7"
