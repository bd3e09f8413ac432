"""The row grid: any list of plain rows as a boxed table (universe, rules, watchlists).

Cells are written by `format.cell_text` (metrics as the screening table writes
them, lists one item a line) and widths come from the one fitter. No column starts
narrower than its longest word (up to 40 cells), so a ticker, a date, a CJK name or
a metric expression is never split: when those floors do not fit the terminal, the
rows are stacked instead, one block per row (`key  value` lines under the row's
first cell), which every width can show without cutting a word.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rich.cells import cell_len
from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from screener.output.fit import ColumnFit, fit, stacked_value_width
from screener.output.format import cell_text
from screener.output.sanitize import printable

MAX_WORD_FLOOR = 40  # a longer word (a URL) may fold from the start


def render_grid(
    rows: Sequence[Mapping[str, Any]], columns: Sequence[str], *, width: int, title: str = ""
) -> RenderableType:
    """`rows` as a table of `columns` that fits `width`; every cell is literal text."""
    cells = [[Text(cell_text(column, row.get(column))) for column in columns] for row in rows]
    numeric = [_numeric(rows, column) for column in columns]
    return grid(list(columns), cells, width=width, title=title, numeric=numeric)


def grid(
    headers: Sequence[str],
    cells: Sequence[Sequence[Text]],
    *,
    width: int,
    title: str = "",
    numeric: Sequence[bool] | None = None,
    show_lines: bool = False,
) -> RenderableType:
    """Styled cells under `headers`, boxed when every column fits at its longest word,
    else stacked one block a row. The shared layout of every listing but `screen`."""
    numeric = list(numeric) if numeric is not None else [False] * len(headers)
    keys = [f"{i}:{header}" for i, header in enumerate(headers)]  # headers may repeat
    specs = [_fit_spec(i, key, headers[i], cells) for i, key in enumerate(keys)]
    fitted = fit(specs, width, narrow="stack")
    heading = Text(printable(title), style="bold") if title else None
    if fitted.stacked:
        return _stacked(headers, cells, width=width, heading=heading)
    table = Table(
        title=Text(printable(title)) if title else None,
        title_justify="left",
        header_style="bold",
        show_lines=show_lines,
    )
    for key, header, right in zip(keys, headers, numeric, strict=True):
        table.add_column(
            header,
            overflow="fold",
            width=fitted.widths[key],
            min_width=fitted.widths[key],
            max_width=fitted.widths[key],
            justify="right" if right else "left",
        )
    for line in cells:
        table.add_row(*line)
    return table


def _stacked(
    headers: Sequence[str], cells: Sequence[Sequence[Text]], *, width: int, heading: Text | None
) -> RenderableType:
    """Each row as its first cell, then `key  value` lines folded at words."""
    rest = list(headers[1:])
    value_width = stacked_value_width(rest, width)
    parts: list[RenderableType] = [heading] if heading is not None else []
    for line in cells:
        head = line[0].copy() if line else Text()
        head.stylize("bold")
        parts.append(head)
        if rest:
            body = Table.grid(padding=(0, 2))
            body.add_column(no_wrap=True, style="dim")
            body.add_column(overflow="fold", max_width=value_width)
            for header, cell in zip(rest, line[1:], strict=True):
                body.add_row(Text(header), cell)
            parts.append(Padding(body, (0, 0, 0, 2)))
    return Group(*parts)


def _fit_spec(index: int, key: str, header: str, cells: Sequence[Sequence[Text]]) -> ColumnFit:
    """A grid column: from its longest word up to its longest line, in column order."""
    texts = [line[index].plain for line in cells]
    natural = max([cell_len(header), *(cell_len(p) for text in texts for p in text.split("\n"))])
    word = max([cell_len(header), *(cell_len(w) for text in texts for w in text.split())])
    return ColumnFit(key, min(word, natural, MAX_WORD_FLOOR), natural, index)


def _numeric(rows: Sequence[Mapping[str, Any]], column: str) -> bool:
    """Right-aligned when every present value is a number (and some value is present)."""
    values = [row.get(column) for row in rows]
    return any(v is not None for v in values) and all(
        isinstance(v, int | float) or v is None for v in values
    )
