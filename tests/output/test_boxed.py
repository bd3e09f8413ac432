"""The line-by-line table is rich's own table, character for character and style for style."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.console import Console, Group
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

from screener.data.store import Store
from screener.output import table
from screener.output.boxed import BoxedColumn, BoxedTable, text_width
from screener.run import load_inputs, run_screen

TODAY = date(2026, 3, 1)


def _as_rich(renderable: Any) -> Any:
    """The same renderable with every BoxedTable drawn by rich's Table instead."""
    if isinstance(renderable, BoxedTable):
        return renderable.rich_table()
    if isinstance(renderable, Group):
        return Group(*(_as_rich(part) for part in renderable.renderables))
    return renderable


def _chars(renderable: Any, width: int) -> list[list[tuple[str, Style | None]]]:
    """Each output line as (character, style) pairs; blanks carry no style (unseen)."""
    with open(os.devnull, "w") as sink:
        console = Console(width=width, file=sink, color_system="truecolor", force_terminal=True)
        lines = Segment.split_lines(console.render(renderable, console.options))
        out = []
        for line in lines:
            chars: list[tuple[str, Style | None]] = []
            for seg in line:
                for ch in seg.text:
                    chars.append((ch, None if ch.isspace() else (seg.style or None)))
            while chars and chars[-1][0] == " ":
                chars.pop()
            out.append(chars)
        return out


@pytest.mark.parametrize("width", [60, 80, 103, 120, 160, 200])
def test_the_screening_table_is_richs_table(tmp_path: Path, width: int) -> None:
    inputs = load_inputs(None, None)
    run = run_screen(Store(tmp_path / "s.db"), inputs, source="sample", today=TODAY)
    shown = table.render_table(run, width=width)
    assert any(isinstance(p, Group) for p in shown.renderables)
    assert _chars(shown, width) == _chars(_as_rich(shown), width)


def test_wrapping_folding_marks_and_styles_are_richs() -> None:
    columns = [
        BoxedColumn("Name", 8, overflow="fold", no_wrap=False),
        BoxedColumn("Value", 7, justify="right"),
        BoxedColumn("Flags", 6, overflow="fold", no_wrap=False),
    ]
    flags = Text("A<peers")
    flags.append(" -lev", style="red")
    rows = [
        [Text("Zhongji Innolight 中际旭创"), Text("12.5 "), flags],
        [Text("Averyveryverylongword"), Text("–", style="dim"), Text("")],
        [Text("x\ty"), Text(" 3.0* "), Text("a\nb")],
    ]
    boxed = BoxedTable(columns, rows)
    for width in (40, 30):
        assert _chars(boxed, width) == _chars(boxed.rich_table(), width)
    # Too narrow for the widths decided: rich's own table takes over, and fits.
    assert _chars(boxed, 20) == _chars(boxed.rich_table(), 20)


def test_plain_string_cells_are_literal_text_as_rich_draws_them() -> None:
    columns = [
        BoxedColumn("Name", 8, overflow="fold", no_wrap=False),
        BoxedColumn("Value", 7, justify="right"),
    ]
    rows = [
        ["[red]markup[/red] stays", "12.5 "],  # wraps; trailing blank right-justified
        ["中际旭创", "[b]"],
        ["short", "3.0"],
        ["short", "3.0"],  # the same cells again: laid out once, drawn the same
    ]
    as_text = [[Text(c) for c in row] for row in rows]
    for width in (40, 24, 14):
        drawn = _chars(BoxedTable(columns, rows), width)
        assert drawn == _chars(BoxedTable(columns, as_text), width)
        assert drawn == _chars(BoxedTable(columns, as_text).rich_table(), width)
    text = "".join(ch for line in _chars(BoxedTable(columns, rows), 40) for ch, _ in line)
    assert "[red]mar" in text and "kup[/red" in text and "[b]" in text  # folded, not styled


@given(st.text())
def test_text_width_is_richs_cell_length(text: str) -> None:
    assert text_width(text) == cell_len(text)
