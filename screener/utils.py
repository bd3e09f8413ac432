"""Small text helpers shared by modules that report user mistakes or take outside data.

Two gates live here because every layer needs them and they need nothing else:
`finite_float` for numbers and `text_problem` for text, the one check every piece of
text accepted from a file or the network passes (rule titles, override names,
watchlist names, Yahoo's company names). `UNSAFE_CHARACTERS` is the character class
both it and the output sanitiser (`screener.output.sanitize`) use.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable

UNSAFE_CHARACTERS = re.compile(
    "[\x00-\x1f\x7f-\x9f"  # C0 and C1 controls, DEL (ESC starts CSI/OSC sequences)
    "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"  # bidi marks, overrides, isolates
    "\u2028\u2029"  # line and paragraph separators: line breaks to many readers
    "\ud800-\udfff]"  # lone surrogates: cannot even be written out as UTF-8
)
"""Characters no accepted text may hold and no shown text keeps: they can rewrite a
terminal (escape sequences, carriage returns), reorder what is read (bidi overrides) or
start a new line where none was meant. Ordinary Unicode (CJK, accents, emoji, the
ideographic space) is not in it."""

_MULTILINE_OK = frozenset("\n\t")

CURRENCY_CODE = re.compile(r"[A-Z]{3}|GBp|GBX|ZAc|ILA", re.ASCII)
"""A currency code as data sources write it: ISO 4217's three capitals, or one of
Yahoo's minor units (GBp pence, ZAc cents, ILA agorot)."""


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """' (did you mean 'x'?)' for the closest choice, or '' when nothing is close."""
    import difflib  # only when a name is not known

    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def finite_float(value: object) -> float | None:
    """A finite float, or None for missing, text, booleans, NaN and infinities.

    Data from the network and from files is untyped; every number that enters the
    store or the frame passes through here, so a stray "N/A" or NaN is missing, never 0.
    """
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):  # OverflowError: a 400-digit integer
        return None
    return number if math.isfinite(number) else None


def is_currency_code(value: object) -> bool:
    """Whether `value` is a currency code (see `CURRENCY_CODE`): text, right shape."""
    return isinstance(value, str) and CURRENCY_CODE.fullmatch(value) is not None


def unsafe_character(text: str, *, multiline: bool = False) -> str | None:
    """The first character of `text` that no accepted text may hold, as 'U+001B'; or None.

    `multiline` text may hold newlines and tabs (a rule's description, say).
    """
    for match in UNSAFE_CHARACTERS.finditer(text):
        char = match.group()
        if not (multiline and char in _MULTILINE_OK):
            return f"U+{ord(char):04X}"
    return None


def text_problem(value: object, limit: int, *, multiline: bool = False) -> str | None:
    """What is wrong with a piece of accepted text, or None when it is fine.

    The one validator for text from files and the network: a string of at most `limit`
    characters without control, bidi or line-separator characters (`unsafe_character`).
    The answer is a short phrase ("contains control characters (U+001B)"): each caller
    puts it after the name of the field, its file and its line.
    """
    if not isinstance(value, str):
        return f"must be text, not {type(value).__name__}"
    if len(value) > limit:
        return f"is too long ({len(value)} characters; the limit is {limit})"
    char = unsafe_character(value, multiline=multiline)
    if char is not None:
        return f"contains control characters ({char})"
    return None


def clip(
    text: str, limit: int, *, marker: str = "...", width: Callable[[str], int] = len
) -> str:
    """`text` cut to at most `limit` (as `width` measures it), ending in `marker` when cut.

    The one truncation helper: error messages quote user text with it (so a hostile
    file cannot flood the terminal), and terminal lines pass `width=cell_len`, so a
    Chinese name counts two cells a character. It lives here, not in `output/`,
    because the rule engine's error messages need it and need nothing else of output.
    """
    if width(text) <= limit:
        return text
    room = limit - width(marker)
    kept: list[str] = []
    used = 0
    for char in text:
        used += width(char)
        if used > room:
            break
        kept.append(char)
    return "".join(kept) + marker
