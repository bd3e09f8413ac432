"""One query's rows kept as tuples beside their column names, read as dicts on demand.

A whole-market store answers the snapshot query with thousands of rows of dozens of
columns: one dict per row costs more CPU than the query, and the frame is built a
column at a time anyway. `QueryRows` keeps the cursor's tuples; `column` reads one
column in a single pass, and a row becomes a dict only when one is asked for
(indexing, iterating), so code that takes rows as mappings reads it as a list of
dicts. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, overload


class QueryRows(Sequence[dict[str, Any]]):
    """Rows of one query: `names` are the columns, each row a tuple in their order."""

    __slots__ = ("_columns", "names", "rows")

    def __init__(self, names: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
        self.names = tuple(names)
        self.rows = list(rows)
        self._columns: dict[str, list[Any]] | None = None

    def __len__(self) -> int:
        return len(self.rows)

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...
    @overload
    def __getitem__(self, index: slice) -> QueryRows: ...
    def __getitem__(self, index: int | slice) -> dict[str, Any] | QueryRows:
        if isinstance(index, slice):
            return QueryRows(self.names, self.rows[index])
        return dict(zip(self.names, self.rows[index], strict=True))

    def __iter__(self) -> Iterator[dict[str, Any]]:
        names = self.names
        return (dict(zip(names, row, strict=True)) for row in self.rows)

    def __eq__(self, other: object) -> bool:
        """Equal to a sequence of the same rows as dicts (a list of them, as before)."""
        if isinstance(other, QueryRows):
            return self.names == other.names and self.rows == other.rows
        if isinstance(other, Sequence) and not isinstance(other, str | bytes):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # a list of dicts is not hashable either

    def __repr__(self) -> str:
        return f"QueryRows({list(self)!r})"

    def column(self, name: str) -> list[Any]:
        """One column's values in row order (None in every row when there is no such
        column); all columns are split out in one pass the first time one is asked for."""
        if self._columns is None:
            split = zip(*self.rows, strict=True) if self.rows else ((),) * len(self.names)
            self._columns = dict(zip(self.names, map(list, split), strict=True))
        found = self._columns.get(name)
        return list(found) if found is not None else [None] * len(self.rows)


def column(rows: Iterable[Mapping[str, Any]], name: str) -> list[Any]:
    """One column of any rows taken as mappings (None where a row has no such key)."""
    if isinstance(rows, QueryRows):
        return rows.column(name)
    return [row.get(name) for row in rows]


def gather(picks: Sequence[tuple[Sequence[Mapping[str, Any]], int]]) -> Sequence[Any]:
    """The rows picked as (rows, position) pairs, in order: one `QueryRows` when they all
    come from queries with the same columns, else a list of the rows as given."""
    parts = [rows for rows, _ in picks]
    if parts and all(isinstance(p, QueryRows) for p in parts):
        names = {p.names for p in parts}  # type: ignore[union-attr]
        if len(names) == 1:
            return QueryRows(
                next(iter(names)),
                [p.rows[i] for p, i in picks],  # type: ignore[union-attr]
            )
    return [rows[i] for rows, i in picks]
