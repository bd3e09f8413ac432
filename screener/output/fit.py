"""The one column fitter: widths for a boxed table that must fit the terminal.

Both the screening table and the row grids (`universe list`, `rules list` ...) ask
it. Every column starts at its floor (the narrowest it should be); when the floors
do not fit, the table either drops whole columns, least important first (so no
number is ever cut), narrows the widest columns (their words then fold), or says the
rows must be stacked (one record a block, `stacked`), so that no word is ever split. Room
left over goes, a character at a time and in priority order, to the columns that
would wrap, up to their target. Pure arithmetic over cell widths measured by the
caller, so it is tested without drawing anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

Narrow = Literal["drop", "fold", "stack"]

MIN_FOLDED = 3  # a folded column keeps at least this many cells
MIN_KEPT = 2  # dropping stops here: a table of one column says nothing


@dataclass(frozen=True, slots=True)
class ColumnFit:
    """What the fitter needs of one column: its floor, how wide it may grow, its rank."""

    key: str
    floor: int  # the narrowest it should be (whole numbers, whole words)
    target: int  # the widest it may grow to when there is room (at least `floor`)
    priority: int  # 1 = kept longest and grown first


@dataclass(frozen=True, slots=True)
class Fitted:
    """The outcome: a width for every kept column (in their order) and what was dropped."""

    widths: dict[str, int]
    dropped: tuple[str, ...]
    stacked: bool = False  # "stack": the floors do not fit, show one record a block


def table_overhead(columns: int) -> int:
    """Cells a boxed table spends on borders and padding: '│ a │ b │' (rich's default box)."""
    return 3 * columns + 1


def fit(columns: Sequence[ColumnFit], width: int, *, narrow: Narrow) -> Fitted:
    """Widths for `columns` so that the whole table is at most `width` cells wide.

    `narrow` says what gives way when even the floors do not fit: "drop" removes the
    lowest-priority columns whole (at least two stay), "fold" narrows the widest
    columns a cell at a time (down to three cells each), "stack" gives up the columns
    (`stacked`, no widths): the caller shows each row as a block of lines instead.
    """
    kept = list(columns)
    dropped: list[str] = []
    if narrow == "stack" and _floors(kept) > width - table_overhead(len(kept)):
        return Fitted({}, (), stacked=True)
    if narrow == "drop":
        while len(kept) > MIN_KEPT and _floors(kept) > width - table_overhead(len(kept)):
            victim = max(kept, key=lambda c: c.priority)
            kept.remove(victim)
            dropped.append(victim.key)
        widths = {c.key: c.floor for c in kept}
        budget = width - table_overhead(len(kept))
    elif narrow == "fold":
        widths = {c.key: c.floor for c in kept}
        budget = max(MIN_FOLDED * len(kept), width - table_overhead(len(kept)))
        while widths and sum(widths.values()) > budget:
            widest = max(widths, key=lambda key: widths[key])
            if widths[widest] <= MIN_FOLDED:
                break
            widths[widest] -= 1
    else:  # "stack", and the floors fit
        widths = {c.key: c.floor for c in kept}
        budget = width - table_overhead(len(kept))
    _grow(kept, widths, budget - sum(widths.values()))
    return Fitted(widths, tuple(dropped))


def _floors(columns: Sequence[ColumnFit]) -> int:
    return sum(c.floor for c in columns)


def _grow(columns: Sequence[ColumnFit], widths: dict[str, int], room: int) -> None:
    """Share `room` a cell at a time, in priority order, so every wrapping column gets some."""
    growing = [c for c in sorted(columns, key=lambda c: c.priority) if widths[c.key] < c.target]
    while room > 0 and growing:
        for column in list(growing):
            if room <= 0:
                break
            if widths[column.key] >= column.target:
                growing.remove(column)
                continue
            widths[column.key] += 1
            room -= 1


def stacked_value_width(keys: Sequence[str], width: int, indent: int = 2, gap: int = 2) -> int:
    """Cells left for a value in a stacked record: `  key  value` (at least 10)."""
    key_width = max((len(k) for k in keys), default=0)
    return max(10, width - indent - key_width - gap)
