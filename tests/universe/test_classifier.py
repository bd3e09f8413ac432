"""The phrase classifier on Yahoo-shaped profiles: right when clear, unclassified when not."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from screener.universe import SUB_SEGMENTS, UNCLASSIFIED, classify
from tests.paths import RECORDED

FIXTURES = Path(__file__).parent / "fixtures" / "profiles"
RECORDED = RECORDED


def _fixture_names() -> list[str]:
    return sorted(p.stem for p in FIXTURES.glob("*.json"))


def _load(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", _fixture_names())
def test_fixture_profiles(name: str) -> None:
    doc = _load(name)
    result = classify(doc["assetProfile"])
    assert (result.sector, result.sub_segment) == (
        doc["expected"]["sector"],
        doc["expected"]["sub_segment"],
    ), result
    if result.sector == UNCLASSIFIED:
        assert result.confidence == 0.0
        assert result.reason
    else:
        assert 0.0 < result.confidence <= 1.0
        assert result.evidence, "a placement must carry its evidence"
        assert SUB_SEGMENTS[result.sub_segment].sector == result.sector


def test_evidence_quotes_the_profile_text() -> None:
    profile = _load("optical_module_maker")["assetProfile"]
    result = classify(profile)
    text = profile["longBusinessSummary"].lower()
    assert all(phrase.lower() in text for phrase in result.evidence)
    assert "optical communication transceiver modules" in result.evidence


def test_conflicting_evidence_is_reported_not_guessed() -> None:
    result = classify(_load("conflicting_optical_and_idc")["assetProfile"])
    assert result.sector == UNCLASSIFIED
    assert "conflicting" in result.reason
    assert {"optical transceivers", "colocation"} <= set(result.evidence)


def test_accepts_flat_info_dict_and_nested_asset_profile() -> None:
    profile = _load("switch_vendor")["assetProfile"]
    assert classify(profile) == classify({"assetProfile": profile})


def test_more_evidence_means_more_confidence() -> None:
    one = classify({"longBusinessSummary": "The company makes optical transceivers."})
    many = classify(
        {
            "longBusinessSummary": (
                "The company makes optical transceivers, "
                "optical transceiver modules for data centers, "
                "optical engines and laser chips for optical communication."
            )
        }
    )
    assert one.sector == many.sector == "optical_communication"
    assert many.confidence > one.confidence


@pytest.mark.parametrize(
    "summary",
    [
        "",
        "The company operates supermarkets.",
        "The company sells smartphones, personal computers and cloud services.",
        "It designs power switches and circuit breakers.",  # 'switches' alone is weak
        "Its products are sold through optical retail stores.",
    ],
)
def test_weak_text_stays_unclassified(summary: str) -> None:
    assert classify({"longBusinessSummary": summary}).sector == UNCLASSIFIED


def test_is_pure_and_deterministic() -> None:
    profile = _load("data_center_reit")["assetProfile"]
    before = dict(profile)
    assert classify(profile) == classify(profile)
    assert profile == before


# --------------------------------------------------------------- real recorded Yahoo answers


def _recorded_profiles() -> list[tuple[str, dict[str, Any]]]:
    if not RECORDED.is_dir():
        return []
    found: list[tuple[str, dict[str, Any]]] = []
    for path in sorted(RECORDED.rglob("*.json")):
        if path.stat().st_size > 2_000_000:
            continue
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            continue
        body = doc.get("response", {}).get("bodyJson", doc) if isinstance(doc, dict) else None
        results = (body or {}).get("quoteSummary", {}).get("result") or []
        for result in results:
            profile = result.get("assetProfile") or result.get("summaryProfile")
            if profile and profile.get("longBusinessSummary"):
                found.append((str(path.relative_to(RECORDED)), profile))
    return found


RECORDED_PROFILES = _recorded_profiles()


@pytest.mark.skipif(not RECORDED_PROFILES, reason="../shared/yahoo-recorded/ not available")
@pytest.mark.parametrize(
    ("name", "profile"), RECORDED_PROFILES, ids=[n for n, _ in RECORDED_PROFILES]
)
def test_recorded_profiles_outside_the_theme_stay_unclassified(
    name: str, profile: dict[str, Any]
) -> None:
    # Apple, Alibaba, KE Holdings, Toyota, Tesco, AIA: none wires AI clusters together.
    result = classify(profile)
    assert result.sector == UNCLASSIFIED, (name, result)
