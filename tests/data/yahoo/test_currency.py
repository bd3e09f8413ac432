"""Mixed listing/statement currencies and minor units."""

from __future__ import annotations

import pytest

from screener.data.provider import FxRate
from screener.data.yahoo.currency import align_currencies, minor_unit, scaled


def test_mixed_currency_ratios_are_converted_to_the_listing_currency() -> None:
    usd = FxRate("USD", "2026-02-13", 1.0, "identity")
    cny = FxRate("CNY", "2026-02-13", 7.2, "CNY=X")
    # BABA-like: $124.73 price over a 409.85 CNY book per share -> Yahoo's P/B 0.304
    metrics = {"pb": 124.73 / 409.85, "ps_ttm": 0.348, "enterprise_value": 2.57e12, "pe_ttm": 15.0}
    out, note = align_currencies(metrics, "USD", "CNY", usd, cny)
    assert out["pb"] == pytest.approx(124.73 / (409.85 / 7.2))
    assert out["ps_ttm"] == pytest.approx(0.348 * 7.2)
    assert out["enterprise_value"] == pytest.approx(2.57e12 / 7.2)
    assert out["pe_ttm"] == 15.0 and note["converted"] == ["pb", "ps_ttm", "enterprise_value"]
    dropped, why = align_currencies(metrics, "USD", "CNY", usd, None)
    assert set(dropped) == {"pe_ttm"} and why["dropped"] == ["pb", "ps_ttm", "enterprise_value"]


def test_minor_units_are_scaled_from_the_major_rate() -> None:
    assert minor_unit("GBp") == ("GBP", 100.0) and minor_unit("CNY") == ("CNY", 1.0)
    gbp = FxRate("GBP", "2026-02-13", 0.8, "yahoo", note="GBP=X")
    pence = scaled(gbp, "GBp", 100.0)
    assert pence == FxRate("GBp", "2026-02-13", 80.0, "yahoo", note="GBP=X x100 (minor unit)")
    assert scaled(gbp, "GBP", 1.0) is gbp and scaled(None, "GBp", 100.0) is None
