"""The one sanitiser for text shown: no control, bidi or separator character survives it."""

from __future__ import annotations

import io
import json

from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.table import Table
from rich.text import Text

from screener.output.console import SafeConsole
from screener.output.rows import json_text
from screener.output.sanitize import json_safe, printable, strip_unsafe
from screener.utils import UNSAFE_CHARACTERS

#: what an attacker puts in a name: escape sequences, NUL, DEL, C1, bidi, separators
HOSTILE = (
    "\x1b[2J",  # clear screen
    "\x1b]0;pwned\x07",  # window title
    "\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\",  # OSC 8 hyperlink
    "\x00",
    "\x7f",
    "\x9b31m",  # 8-bit CSI
    "\u202e",  # right-to-left override
    "\u2066\u2069",  # isolates
    "\u200e\u200f\u061c",  # marks
    "\r",
    "\n",
    "\u2028\u2029",
    "\ud800",  # a lone surrogate
)
hostile_text = st.lists(
    st.one_of(st.sampled_from(HOSTILE), st.text(max_size=8)), max_size=12
).map("".join)


@given(hostile_text)
def test_printable_leaves_no_unsafe_character(text: str) -> None:
    shown = printable(text)
    assert UNSAFE_CHARACTERS.search(shown) is None
    assert "\n" not in shown and "\t" not in shown
    shown.encode("utf-8")  # never a lone surrogate: writing it out cannot fail


@given(hostile_text)
def test_newlines_are_kept_only_when_asked(text: str) -> None:
    shown = printable(text, newlines=True)
    assert UNSAFE_CHARACTERS.search(shown.replace("\n", "")) is None
    assert shown.count("\n") == text.count("\n")


@given(hostile_text)
def test_strip_unsafe_keeps_the_layout(text: str) -> None:
    kept = strip_unsafe(text)
    assert UNSAFE_CHARACTERS.search(kept.replace("\n", "")) is None
    lines, new_lines = text.split("\n"), kept.split("\n")
    assert len(lines) == len(new_lines)
    for line, new in zip(lines, new_lines, strict=True):
        assert cell_len(new) == cell_len(line)  # removed characters are zero-width


def test_ordinary_unicode_is_kept() -> None:
    kept = ("中际旭创", "Zhongji Innolight 中际旭创", "Société Générale", "東京\u3000エレクトロン")
    for text in kept:
        assert printable(text) == text


@given(st.recursive(st.one_of(st.none(), st.floats(allow_nan=False), hostile_text),
                    lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(hostile_text, inner, max_size=4), max_leaves=12))
def test_json_is_escaped_but_the_same_data(data: object) -> None:
    text = json_text(data)
    assert UNSAFE_CHARACTERS.search(text.replace("\n", "")) is None
    assert json.loads(text) == data
    assert json_safe(text) == text


def test_the_console_net_removes_what_a_renderer_forgot() -> None:
    buffer = io.StringIO()
    console = SafeConsole(file=buffer, width=60, color_system=None)
    table = Table("name")
    table.add_row(Text("Evil\x1b]0;pwned\x07 Co\u202e"))
    console.print(table)
    console.print(Text("title \x1b[2J\x9b"))
    out = buffer.getvalue()
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out and "\x9b" not in out
    assert "Evil]0;pwned Co" in out
