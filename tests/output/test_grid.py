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
    # too narrow for every column at its longest word: each row stacked, nothing dropped
    assert not any(line.startswith("┏") for line in text.splitlines())
    for column in COLUMNS[1:]:
        assert sum(line.split() [:1] == [column] for line in text.splitlines()) == len(ROWS)
    assert "peg-below-one" in text.split()  # the row's first cell heads its block whole


def test_a_grid_that_fits_at_its_words_stays_boxed() -> None:
    text = _text(60)
    top = next(line for line in text.splitlines() if line.startswith("┏"))
    assert top.count("┳") == len(COLUMNS) - 1
    assert "data_center" in text.split() and "peg-below-one" in text.split()


def _words(text: str) -> set[str]:
    return {word.strip("│┃") for line in text.splitlines() for word in line.split()}


def test_no_word_is_split_at_any_width() -> None:
    """Every word of every cell appears whole, boxed or stacked, from 30 to 200 cells."""
    from screener.output.format import cell_text

    words = {
        w for row in ROWS for column in COLUMNS for w in cell_text(column, row.get(column)).split()
    }
    for width in (30, 36, 44, 52, 60, 80, 100, 200):
        seen = _words(_text(width))
        assert words <= seen, (width, words - seen)
