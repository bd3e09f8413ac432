"""A boxed table drawn line by line at widths decided beforehand (the screening table's).

`rich.table.Table` measures and lays out every cell through its general machinery
(padding, render_lines, shape), about 2 ms a row: 10 s for a 5,000-row screen. When
the column fitter has already decided every width, none of that is needed: each cell
is wrapped by rich's own `Text.wrap` (so words break exactly where rich breaks them),
identical cells are wrapped once, and the lines are joined with the box characters
rich would draw (its default heavy-headed box, one cell of padding each side). The
result is rich's table, character for character and style for style.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from rich import box
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

if TYPE_CHECKING:
    from rich.table import Table

BOX = box.HEAVY_HEAD  # rich.table.Table's default


#: rich's count for a text that is not printable ASCII, remembered for a whole table:
#: rich's own cache keeps 4,096 texts, fewer than the CJK names of a market's table,
#: which is measured more than once (fitting, folding, drawing)
_wide_width = lru_cache(maxsize=65_536)(cell_len)


def text_width(text: str) -> int:
    """Terminal cells `text` takes, as rich counts them: its length when it is printable
    ASCII (most cells of a screen: a C check, not rich's per-character lookup)."""
    return len(text) if text.isascii() and text.isprintable() else _wide_width(text)


@dataclass(frozen=True)
class BoxedColumn:
    """One column: header, width of its text (padding excluded), how its cells lay out."""

    header: str
    width: int
    justify: str = "left"  # "left" or "right"
    overflow: str = "ellipsis"  # "fold" for columns that wrap
    no_wrap: bool = True


#: a cell: rich Text, or a plain string shown literally (never parsed as markup)
Cell = Text | str


class BoxedTable:
    """Rows of cells in a box, each column at its given width (a rich renderable).

    A plain-string cell is literal text in the plain style, as `Text(cell)` would be:
    most of a screen's cells are, and they skip rich's Text machinery.
    """

    def __init__(
        self,
        columns: Sequence[BoxedColumn],
        rows: Sequence[Sequence[Cell]],
        header_style: str = "bold",
    ) -> None:
        self.columns = list(columns)
        self.rows = rows
        self.header_style = header_style

    def rich_table(self) -> Table:
        """The same table as rich's own `Table` (what a too narrow console gets); rich's
        table module is imported only then."""
        from rich.table import Table

        table = Table(header_style=self.header_style, expand=False, box=BOX)
        for c in self.columns:
            table.add_column(
                c.header,
                justify=c.justify,  # type: ignore[arg-type]
                no_wrap=c.no_wrap,
                overflow=c.overflow,  # type: ignore[arg-type]
                width=c.width,
                min_width=c.width,
                max_width=c.width,
            )
        for row in self.rows:
            table.add_row(*(Text(c) if isinstance(c, str) else c for c in row))
        return table

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        widths = [c.width + 2 for c in self.columns]  # with the padding
        if sum(widths) + len(widths) + 1 > options.max_width:
            yield self.rich_table()  # rich shrinks the columns to fit; never the case here
            return
        _box = BOX.substitute(options, safe=console.safe_box)
        line = Segment.line()
        yield Segment(_box.get_top(widths))
        yield line
        header = Style.parse(self.header_style) if self.header_style else Style.null()
        heads = [Text(c.header) for c in self.columns]
        yield from self._row(console, _box.head_left, _box.head_vertical, _box.head_right,
                             heads, header, [{} for _ in self.columns])
        yield Segment(_box.get_row(widths, "head", edge=True))
        yield line
        caches: list[dict[object, list[Pieces]]] = [{} for _ in self.columns]
        last = len(self.rows) - 1
        for i, row in enumerate(self.rows):
            if i == last:
                edges = (_box.foot_left, _box.foot_vertical, _box.foot_right)
            else:
                edges = (_box.mid_left, _box.mid_vertical, _box.mid_right)
            yield from self._row(console, *edges, row, Style.null(), caches)
        yield Segment(_box.get_bottom(widths))
        yield line

    def _row(
        self,
        console: Console,
        left: str,
        divider: str,
        right: str,
        cells: Sequence[Cell],
        style: Style,
        caches: Sequence[dict[object, list[Pieces]]],
    ) -> Iterator[Segment]:
        """One table row: every cell's lines side by side, short cells topped up with blanks.

        One line's text goes out in as few segments as styles allow: the console handles
        each segment, and most of a table's cells share the plain style.
        """
        laid = [
            self._cell(console, column, cell, style, caches[k])
            for k, (column, cell) in enumerate(zip(self.columns, cells, strict=True))
        ]
        height = max(len(lines) for lines in laid)
        if height == 1:  # the usual row: one line, no blanks to top up
            yield from _line(left, divider, right, [lines[0] for lines in laid])
            return
        padding = style or None
        blanks = [[(" " * (c.width + 2), padding)] for c in self.columns]
        for n in range(height):
            line = [
                lines[n] if n < len(lines) else blank
                for lines, blank in zip(laid, blanks, strict=True)
            ]
            yield from _line(left, divider, right, line)

    @staticmethod
    def _cell(
        console: Console,
        column: BoxedColumn,
        cell: Cell,
        style: Style,
        cache: dict[object, list[Pieces]],
    ) -> list[Pieces]:
        """A cell's lines as rich lays them out at its column's width (wrapped once each),
        each line as its (text, style) pieces with the cell's padding included. `cache`
        is the column's own: identical cells of one column are laid out once."""
        if isinstance(cell, str):
            found = cache.get(cell)
            if found is None:
                found = cache[cell] = _plain_line(column, cell, style) or BoxedTable._cell(
                    console, column, Text(cell), style, cache
                )
            return found
        spans = cell.spans
        key = (cell.plain, cell.style, tuple(spans) if spans else ())
        found = cache.get(key)
        if found is not None:
            return found
        lines = _one_line(console, column, cell)
        if lines is None:
            wrapped = cell.wrap(
                console,
                column.width,
                justify=column.justify,  # type: ignore[arg-type]
                overflow=column.overflow,  # type: ignore[arg-type]
                no_wrap=column.no_wrap,
            )
            lines = []
            for text in wrapped:
                segments = _segments(console, text)
                lines.append(list(Segment.adjust_line_length(segments, column.width, style)))
        if style:
            lines = [list(Segment.apply_style(line, style)) for line in lines]
        padding = style or None
        found = [
            _merged([(" ", padding), *((p.text, p.style) for p in line), (" ", padding)])
            for line in lines
        ]
        cache[key] = found
        return found


#: one line of one cell: (text, style) pieces, neighbours of one style merged
Pieces = list[tuple[str, "Style | None"]]


def _merged(pieces: Sequence[tuple[str, Style | None]]) -> Pieces:
    """Pieces with each run of one style joined (no style and a null style are one)."""
    texts: list[str] = []
    styles: list[Style | None] = []
    last: Style | None | bool = False  # nothing yet
    for text, piece_style in pieces:
        piece_style = piece_style or None
        if piece_style is last or (
            piece_style is not None and last and piece_style == last
        ):
            texts[-1] += text
        else:
            texts.append(text)
            styles.append(piece_style)
            last = piece_style
    return list(zip(texts, styles, strict=True))


def _line(left: str, divider: str, right: str, cells: Sequence[Pieces]) -> Iterator[Segment]:
    """One output line: the edges, the cells' pieces and the dividers, as segments."""
    pieces: Pieces = [(left, None)]
    for k, cell in enumerate(cells):
        if k:
            pieces.append((divider, None))
        pieces.extend(cell)
    pieces.append((right, None))
    for text, piece_style in _merged(pieces):
        yield Segment(text, piece_style)
    yield Segment.line()


def _plain_line(column: BoxedColumn, cell: str, style: Style) -> list[Pieces] | None:
    """A plain string that fits on one line as rich lays out `Text(cell)`: padded to the
    column's width on the side justification leaves; None when it needs rich's wrap (a
    break, a tab, too long, or trailing blanks that right-justification would strip)."""
    if "\n" in cell or "\t" in cell:
        return None
    room = column.width - text_width(cell)
    right = column.justify == "right"
    if room < 0 or (right and cell != cell.rstrip()):
        return None
    padded = " " * room + cell if right else cell + " " * room
    return [[(f" {padded} ", style or None)]]


def _one_line(console: Console, column: BoxedColumn, cell: Text) -> list[list[Segment]] | None:
    """A cell that fits on one line, laid out as `Text.wrap` would lay it out (a right-
    justified one loses its trailing blanks first), without dividing it; None otherwise."""
    plain = cell.plain
    if "\n" in plain or "\t" in plain:
        return None
    right = column.justify == "right"
    if right and plain != plain.rstrip():
        cell = cell.copy()
        cell.rstrip()
        plain = cell.plain
    room = column.width - text_width(plain)
    if room < 0:
        return None
    if not cell.spans:  # one style throughout: rich's render is one segment of it
        own = console.get_style(cell.style) if cell.style else None
        return [[Segment(" " * room + plain if right else plain + " " * room, own)]]
    segments = _segments(console, cell)
    if room:
        pad = Segment(" " * room, console.get_style(cell.style) if cell.style else None)
        segments = [pad, *segments] if right else [*segments, pad]
    return [segments]


def _segments(console: Console, text: Text) -> list[Segment]:
    """A line's segments as rich draws them in a table: its own style included (rich's
    `Text.render` leaves a text without spans unstyled; a table joins lines first)."""
    segments = list(text.render(console))
    if text.style and not text.spans:
        style = console.get_style(text.style)
        segments = [Segment(seg.text, style) for seg in segments]
    return segments
