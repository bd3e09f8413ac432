"""Small helpers shared by modules that report user mistakes."""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable


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
