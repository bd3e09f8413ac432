"""The row grid behind `universe list`, `rules list`, `watchlist show` and friends."""

from __future__ import annotations

import io

from rich.cells import cell_len
from rich.console import Console

from screener.output.grid import render_grid

ROWS = [
    {"id": "peg-below-one", "score": 1.0, "sectors": ["switching", "data_center"], "pe_fwd": 30.7},
    {"id": "[bold]x[/bold]", "score": -0.5, "sectors": [], "pe_fwd": None},
]
COLUMNS = ["id", "score", "sectors", "pe_fwd"]


def _text(width: int, title: str = "") -> str:
    console = Console(width=width, file=io.StringIO(), color_system=None, record=True)
    console.print(render_grid(ROWS, COLUMNS, width=width, title=title))
    return console.export_text()


def test_cells_are_formatted_once_and_shown_literally() -> None:
    text = _text(120, "Rules")
    assert text.startswith("Rules")
    assert "30.7" in text and "+1" in text and "-0.5" in text
    assert "[bold]x[/bold]" in text  # never rich markup
    lines = text.splitlines()
    assert any("switching" in line for line in lines)
    assert any("data_center" in line for line in lines)  # a list: one item a line
    assert next(line for line in lines if "[bold]" in line).count("–") == 2  # no sectors, no P/E


def test_numbers_are_right_aligned() -> None:
    line = next(line for line in _text(120).splitlines() if "-0.5" in line)
    score_cell = line.split("│")[2]
    assert score_cell.endswith("-0.5 ")


def test_a_narrow_grid_fits_and_keeps_every_column() -> None:
    text = _text(36)
    assert all(cell_len(line) <= 36 for line in text.splitlines())
    top = next(line for line in text.splitlines() if line.startswith("┏"))
    assert top.count("┳") == len(COLUMNS) - 1  # narrowed, never dropped
