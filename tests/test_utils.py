"""The small text helpers: one truncation, one fuzzy matcher, one number gate."""

from __future__ import annotations

from rich.cells import cell_len

from screener.utils import clip


def test_clip_keeps_short_text_and_marks_a_cut() -> None:
    assert clip("short", 10) == "short"
    assert clip("x" * 10, 10) == "x" * 10
    assert clip("abcdefghijk", 10) == "abcdefg..."
    assert len(clip("y" * 500, 160)) == 160


def test_clip_by_display_cells() -> None:
    line = "  1  300308.SZ  Zhongji Innolight 中际旭创"
    cut = clip(line, 38, marker="…", width=cell_len)
    assert cell_len(cut) <= 38 and cut.endswith("…") and cut.startswith("  1  300308.SZ")
    assert clip(line, 100, marker="…", width=cell_len) == line
