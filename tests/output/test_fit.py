"""The one column fitter, used by the screening table (drop) and the row grids (fold)."""

from __future__ import annotations

import io

import pytest
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table

from screener.output.fit import ColumnFit, fit, table_overhead


def _drawn_width(widths: list[int]) -> int:
    """How wide rich draws a table whose columns have these fixed widths."""
    console = Console(width=100_000, file=io.StringIO(), color_system=None)
    table = Table(header_style="bold", expand=False)
    for i, width in enumerate(widths):
        table.add_column(f"c{i}", width=width, min_width=width, max_width=width)
    lines = console.render_lines(table, console.options, pad=False)
    return max(sum(cell_len(seg.text) for seg in line) for line in lines)


@pytest.mark.parametrize("widths", [[3], [5, 7], [10, 1, 4, 30], [2] * 16])
def test_the_overhead_is_what_rich_draws(widths: list[int]) -> None:
    assert _drawn_width(widths) == sum(widths) + table_overhead(len(widths))


COLUMNS = [
    ColumnFit("ticker", 9, 9, 1),
    ColumnFit("name", 14, 30, 2),
    ColumnFit("score", 5, 5, 3),
    ColumnFit("flags", 12, 40, 5),
    ColumnFit("as_of", 10, 10, 14),
]


def _total(widths: dict[str, int]) -> int:
    return sum(widths.values()) + table_overhead(len(widths))


def test_drop_keeps_every_column_when_there_is_room_and_shares_the_rest() -> None:
    fitted = fit(COLUMNS, 200, narrow="drop")
    assert fitted.dropped == ()
    assert fitted.widths == {"ticker": 9, "name": 30, "score": 5, "flags": 40, "as_of": 10}


def test_room_goes_a_cell_at_a_time_in_priority_order() -> None:
    floors = sum(c.floor for c in COLUMNS) + table_overhead(len(COLUMNS))
    fitted = fit(COLUMNS, floors + 5, narrow="drop")
    assert fitted.widths["name"] == 14 + 3 and fitted.widths["flags"] == 12 + 2
    assert _total(fitted.widths) == floors + 5


def test_drop_removes_whole_columns_least_important_first() -> None:
    fitted = fit(COLUMNS, 50, narrow="drop")
    assert fitted.dropped == ("as_of", "flags")
    assert list(fitted.widths) == ["ticker", "name", "score"]
    assert _total(fitted.widths) <= 50
    assert all(fitted.widths[c.key] >= c.floor for c in COLUMNS if c.key in fitted.widths)
    tiny = fit(COLUMNS, 5, narrow="drop")
    assert list(tiny.widths) == ["ticker", "name"]  # two always stay


def test_fold_narrows_the_widest_and_never_drops() -> None:
    columns = [ColumnFit("a", 20, 30, 0), ColumnFit("b", 6, 6, 1), ColumnFit("c", 12, 50, 2)]
    fitted = fit(columns, 40, narrow="fold")
    assert fitted.dropped == () and _total(fitted.widths) <= 40
    assert fitted.widths == {"a": 12, "b": 6, "c": 12}  # the widest gave way first
    tiny = fit(columns, 4, narrow="fold")
    assert all(width >= 3 for width in tiny.widths.values())


def test_fold_grows_up_to_the_natural_width_in_column_order() -> None:
    columns = [ColumnFit("a", 4, 8, 0), ColumnFit("b", 4, 5, 1)]
    assert fit(columns, 4 + 4 + 7 + 3, narrow="fold").widths == {"a": 6, "b": 5}
    assert fit(columns, 200, narrow="fold").widths == {"a": 8, "b": 5}
