"""The row grid: any list of plain rows as a boxed table (universe, rules, watchlists).

Cells are written by `format.cell_text` (metrics as the screening table writes
them, lists one item a line) and widths come from the one fitter, narrowing rather
than dropping columns: no column starts narrower than its longest word (up to 40
cells), so identifiers are never split unless the terminal leaves no choice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rich.cells import cell_len
from rich.table import Table
from rich.text import Text

from screener.output.fit import ColumnFit, fit
from screener.output.format import cell_text
from screener.output.sanitize import printable

MAX_WORD_FLOOR = 40  # a longer word (a URL) may fold from the start


def render_grid(
    rows: Sequence[Mapping[str, Any]], columns: Sequence[str], *, width: int, title: str = ""
) -> Table:
    """`rows` as a table of `columns` that fits `width`; every cell is literal text."""
    cells = [[cell_text(column, row.get(column)) for column in columns] for row in rows]
    specs = [_fit_spec(i, column, cells) for i, column in enumerate(columns)]
    widths = fit(specs, width, narrow="fold").widths
    table = Table(
        title=Text(printable(title)) if title else None, title_justify="left", header_style="bold"
    )
    for column in columns:
        table.add_column(
            column,
            overflow="fold",
            width=widths[column],
            min_width=widths[column],
            max_width=widths[column],
            justify="right" if _numeric(rows, column) else "left",
        )
    for line in cells:
        table.add_row(*(Text(cell) for cell in line))  # literal: never rich markup
    return table


def _fit_spec(index: int, column: str, cells: Sequence[Sequence[str]]) -> ColumnFit:
    """A grid column: from its longest word up to its longest line, in column order."""
    texts = [line[index] for line in cells]
    natural = max([cell_len(column), *(cell_len(p) for text in texts for p in text.split("\n"))])
    word = max([cell_len(column), *(cell_len(w) for text in texts for w in text.split())])
    return ColumnFit(column, min(word, natural, MAX_WORD_FLOOR), natural, index)


def _numeric(rows: Sequence[Mapping[str, Any]], column: str) -> bool:
    """Right-aligned when every present value is a number (and some value is present)."""
    values = [row.get(column) for row in rows]
    return any(v is not None for v in values) and all(
        isinstance(v, int | float) or v is None for v in values
    )
