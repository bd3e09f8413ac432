"""The one sanitiser for text shown: data never reaches a terminal as a control sequence.

Company names and currencies come from the network, names and rule texts from other
people's files. Accepted text is checked (`screener.utils.text_problem`), but a store
written by an older screener, or a field no check covers, must still not be able to
clear the screen, retitle the window, plant an OSC 8 link or reverse a line with a
bidi override. So everything shown passes here: the cells of grids and tables, text
lines, `explain`, plot keys, error messages, and (as a last net) every segment the
console writes. Pure and cheap (no rich): the character class is `UNSAFE_CHARACTERS`.
"""

from __future__ import annotations

import re

from screener.utils import UNSAFE_CHARACTERS

_SPACED = frozenset("\t\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")  # tabs and line breaks


def _replacement(char: str, newlines: bool) -> str:
    if char == "\n":
        return "\n" if newlines else " "
    if char in _SPACED:
        return " "
    if "\ud800" <= char <= "\udfff":
        return "\ufffd"  # a lone surrogate cannot be written as UTF-8
    return ""  # ESC, NUL, DEL, C1, bidi marks: gone


#: every unsafe character but LF: a text of many lines is safe when none of these is in it
_UNSAFE_BUT_LF = re.compile(UNSAFE_CHARACTERS.pattern.replace("\x00-\x1f", "\x00-\x09\x0b-\x1f"))
#: the unsafe ASCII characters (C0 controls and DEL), looked for one at a time in long text
_ASCII_UNSAFE = (*(chr(code) for code in range(32)), "\x7f")
_ASCII_UNSAFE_BUT_LF = tuple(char for char in _ASCII_UNSAFE if char != "\n")
_LONG_TEXT = 4096


class Sanitised(str):
    """A document joined from pieces each of which already passed this module (the JSON
    and CSV of a screen, written a column at a time: every text through `json_safe` or
    `printable`, numbers and fixed keys otherwise), separated by commas and line feeds.
    `printable` hands it on without scanning its megabytes a second time; only the
    writers of those documents make one (`joined_safe`)."""

    __slots__ = ()


def joined_safe(text: str) -> Sanitised:
    """`text`, a document whose every piece passed this module, marked as such."""
    return Sanitised(text)


def is_printable(text: str, *, newlines: bool = False) -> bool:
    """Whether `printable` would leave `text` as it is (no unsafe character; LF allowed
    with `newlines`).

    Long ASCII text (a JSON or CSV document) is searched for its 33 unsafe characters one
    at a time, each a memchr: 0.05 s for 16 MB, where the regex, a character at a time,
    takes 0.15 s. Anything else goes through the one character class.
    """
    if type(text) is Sanitised:
        return newlines or "\n" not in text
    if len(text) > _LONG_TEXT and text.isascii():
        unsafe = _ASCII_UNSAFE_BUT_LF if newlines else _ASCII_UNSAFE
        return not any(char in text for char in unsafe)
    return not (_UNSAFE_BUT_LF if newlines else UNSAFE_CHARACTERS).search(text)


def printable(text: str, *, newlines: bool = False) -> str:
    """`text` fit for a terminal: controls and bidi characters removed, breaks as spaces.

    Tabs and line breaks (CR, LF, VT, FF, U+2028 ...) become one space each, so a name
    cannot start a line of its own; `newlines` keeps LF (for text that is several
    lines on purpose). CJK and every other ordinary character are kept as they are.
    """
    if is_printable(text, newlines=newlines):
        return text
    return UNSAFE_CHARACTERS.sub(lambda m: _replacement(m.group(), newlines), text)


def strip_unsafe(text: str) -> str:
    """`text` with every unsafe character but LF removed (lone surrogates: U+FFFD).

    For text already laid out (a console segment): removal keeps the layout, because
    the terminal width of each removed character is zero.
    """
    if not _UNSAFE_BUT_LF.search(text):  # LF is kept: a line's end is no reason to copy
        return text
    return UNSAFE_CHARACTERS.sub(lambda m: _kept_in_layout(m.group()), text)


def _kept_in_layout(char: str) -> str:
    if char == "\n":
        return char
    return "\ufffd" if "\ud800" <= char <= "\udfff" else ""


#: the unsafe characters `json.dumps` leaves raw (it escapes the C0 controls itself)
_JSON_UNSAFE = re.compile(
    "[\\x7f-\\x9f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069\\u2028\\u2029\\ud800-\\udfff]"
)


def json_safe(document: str) -> str:
    """A JSON document with every unsafe character of its strings written as `\\uXXXX`.

    `json.dumps` escapes C0 controls already; DEL, C1, bidi characters, line separators
    and lone surrogates it leaves raw. Escaped, they still decode to the same data, but
    can no longer act on a terminal the JSON is printed to.
    """
    if document.isascii() and "\x7f" not in document:  # every unsafe one is DEL or above
        return document
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", document)
