"""Small text helpers shared by modules that report user mistakes."""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Iterable


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """' (did you mean 'x'?)' for the closest choice, or '' when nothing is close."""
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
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


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
