"""Minor units (the proof of mixed-currency figures: tests/data/test_currency_proof.py)."""

from __future__ import annotations

from screener.data.provider import FxRate
from screener.data.yahoo.currency import minor_unit, scaled


def test_minor_units_are_scaled_from_the_major_rate() -> None:
    assert minor_unit("GBp") == ("GBP", 100.0) and minor_unit("CNY") == ("CNY", 1.0)
    gbp = FxRate("GBP", "2026-02-13", 0.8, "yahoo", note="GBP=X")
    pence = scaled(gbp, "GBp", 100.0)
    assert pence == FxRate("GBp", "2026-02-13", 80.0, "yahoo", note="GBP=X x100 (minor unit)")
    assert scaled(gbp, "GBP", 1.0) is gbp and scaled(None, "GBp", 100.0) is None
