"""Rule-engine edges an attack round found: huge values, Unicode digits, limits kept."""

from __future__ import annotations

import numpy as np
import pytest

from screener.engine.template import MAX_PLACEHOLDERS, parse_template
from screener.engine.tokens import ExprError, tokenize
from screener.output.format import MISSING_IN_TEXT, template_text
from tests.engine.test_evaluate import frame_of, values


def test_medians_of_huge_finite_values_stay_finite() -> None:
    frame = frame_of(
        pe_fwd=[1e308, 1e308, 1e308, 1e308],
        sector=["switching"] * 4,
        in_stats=[1.0] * 4,
    )
    assert values("sector_median(pe_fwd)", frame) == [1e308] * 4
    # "non-finite is missing": nothing fires against an overflowed statistic
    assert values("pe_fwd <= sector_median(pe_fwd)", frame) == [1.0] * 4
    mixed = frame_of(pe_fwd=[-1e308, 1e308], sector=["switching"] * 2, in_stats=[1.0, 1.0])
    assert values("sector_zscore(pe_fwd)", mixed) == [None, None]


@pytest.mark.parametrize("value", [float("inf"), -float("inf"), 1e308 * 10])
def test_a_template_without_a_format_takes_infinity_as_missing(value: float) -> None:
    assert template_text(value) == MISSING_IN_TEXT
    assert template_text(np.float64(value), ".1f") == MISSING_IN_TEXT


@pytest.mark.parametrize("text", ["pe_fwd < .２", "pe_fwd < .²", "pe_fwd < 1.２", "pe_fwd < ٣"])
def test_unicode_digits_are_an_error_with_a_position(text: str) -> None:
    with pytest.raises(ExprError) as info:
        tokenize(text)
    assert 0 <= info.value.pos < len(text)


def test_the_placeholder_limit_is_kept_with_or_without_text_between() -> None:
    parse_template(" ".join(["{pe_fwd}"] * MAX_PLACEHOLDERS))
    for joiner in (" ", "", " and "):
        with pytest.raises(ExprError, match="too many placeholders"):
            parse_template(joiner.join(["{pe_fwd}"] * (MAX_PLACEHOLDERS + 1)))


@pytest.mark.parametrize("char", ["\x1b", "\x00", "\x7f", "\x9b", "\u202e", "\u2066", "\u2028"])
def test_text_literals_hold_no_control_characters(char: str) -> None:
    text = f'market == "C{char}N"'
    with pytest.raises(ExprError, match="control characters") as info:
        tokenize(text)
    assert info.value.pos == text.index(char)
