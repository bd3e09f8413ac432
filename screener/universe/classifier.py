"""Place a ticker outside the curated list from its Yahoo profile, with the evidence used.

Yahoo's own sector/industry fields are too coarse for the note ("Communication
Equipment" covers optical modules, switches and walkie-talkies alike), so the
decision rests on phrases in ``longBusinessSummary``: a small, reviewable table of
weighted patterns per sub-segment, in English and (for Chinese text) Chinese.

Design choices, each to avoid a confident wrong answer:

* every pattern is specific to a product line ("optical transceiver", "switch
  chip", "colocation"), and generic words ("optical", "data center") only add a
  small sector-level weight that cannot classify on its own;
* a company is placed only when the winning sector's score passes a floor *and*
  dominates the runner-up; weak or conflicting evidence gives ``unclassified``;
* the result always carries the matched phrases, so a user can see why.

The module is pure: no I/O, no network; the caller passes a profile mapping.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from screener.universe.taxonomy import CORE_SECTORS, SUB_SEGMENTS

UNCLASSIFIED = "unclassified"

MIN_SCORE = 3.0
"""The winning sector needs at least one strong phrase (weight 3) or several weaker ones."""

MIN_DOMINANCE = 0.65
"""Winner's share of (winner + runner-up); below it the evidence is called conflicting."""

_TEXT_FIELDS: tuple[str, ...] = ("longBusinessSummary", "industry", "industryDisp", "sector")


@dataclass(frozen=True, slots=True)
class Classification:
    """Outcome of :func:`classify`.

    ``sector`` is a sector id (possibly ``adjacent``) or ``'unclassified'``;
    ``sub_segment`` is None when unclassified or when only sector-level words matched;
    ``evidence`` lists the phrases found in the profile, strongest first;
    ``reason`` says in one line why the result came out as it did.
    """

    sector: str
    sub_segment: str | None
    confidence: float
    evidence: tuple[str, ...]
    reason: str = ""

    @property
    def is_classified(self) -> bool:
        return self.sector != UNCLASSIFIED


@dataclass(frozen=True, slots=True)
class _Rule:
    sector: str
    sub_segment: str | None  # None: evidence for the sector only
    pattern: re.Pattern[str]
    weight: float


_C = "cent(?:er|re)s?"  # center / centre / centers / centres
_F = "fib(?:er|re)s?"


def _en(sub: str | None, weight: float, *patterns: str, sector: str | None = None) -> list[_Rule]:
    sec = sector if sector is not None else SUB_SEGMENTS[sub].sector  # type: ignore[index]
    return [
        _Rule(sec, sub, re.compile(rf"(?<![\w-]){p}(?![\w-])", re.IGNORECASE), weight)
        for p in patterns
    ]


def _zh(sub: str | None, weight: float, *phrases: str, sector: str | None = None) -> list[_Rule]:
    sec = sector if sector is not None else SUB_SEGMENTS[sub].sector  # type: ignore[index]
    return [_Rule(sec, sub, re.compile(re.escape(p)), weight) for p in phrases]


_RULES: tuple[_Rule, ...] = tuple(
    # ------------------------------------------------------------ optical communication
    _en(
        "optical_module",
        3.0,
        r"optical (?:communication )?(?:transceiver|module)s?(?: modules?)?",
        r"(?:optical )?transceiver modules?",
        r"optical transceivers?",
        r"data ?com(?:munication)? (?:optical )?modules?",
        r"active optical cables?",
    )
    + _en("optical_module", 2.0, r"transceivers?", r"(?:400|800|1\.6)\s?(?:G|T)(?:b/s)? modules?")
    + _zh("optical_module", 3.0, "光模块", "光收发模块", "光收发器件")
    + _en(
        "optical_chip",
        3.0,
        r"(?:semiconductor )?laser chips?",
        r"optical chips?",
        r"optoelectronic chips?",
        r"(?:DFB|EML|VCSEL|CW) (?:laser )?(?:chips?|lasers?)",
        r"(?:PLC|AWG) (?:splitter )?chips?",
        r"photonic integrated circuits?",
    )
    + _en("optical_chip", 2.0, r"semiconductor lasers?", r"laser diodes?", r"photodetectors?")
    + _zh("optical_chip", 3.0, "光芯片", "激光器芯片", "激光芯片", "光电芯片")
    + _en(
        "optical_component",
        3.0,
        r"(?:passive )?optical (?:components?|devices?)",
        r"optical engines?",
        r"fiber[- ]optic (?:connectors?|components?|devices?|patch cords?)",
        r"fibre[- ]optic (?:connectors?|components?|devices?|patch cords?)",
        r"optoelectronic (?:components?|devices?)",
        r"MPO(?:/MTP)?(?: connectors?)?",
    )
    + _en(
        "optical_component",
        2.0,
        r"(?:PLC )?(?:optical )?splitters?",
        r"arrayed waveguide gratings?",
        r"AWGs?",
        r"optical isolators?",
        r"wavelength division multiplex\w*",
        r"optical filters?",
        r"lithium niobate modulators?",
        r"optical amplifiers?",
    )
    + _zh("optical_component", 3.0, "光器件", "无源器件", "光引擎", "光无源")
    + _en(
        "fiber_cable",
        3.0,
        rf"optical {_F}(?:,| and| &)? (?:optical )?cables?",
        rf"{_F}[- ]optic cables?",
        r"optical cables?",
        r"optical fib(?:er|re) preforms?",
        rf"{_F} preforms?",
    )
    + _en("fiber_cable", 2.0, rf"optical {_F}", r"submarine cables?")
    + _zh("fiber_cable", 3.0, "光纤光缆", "光缆", "光棒", "光纤预制棒")
    + _zh("fiber_cable", 2.0, "光纤")
    + _en(
        "cpo_silicon_photonics",
        3.0,
        r"silicon photonics?",
        r"co-packaged optics?",
        r"CPO",
        r"optical I/O",
    )
    + _zh("cpo_silicon_photonics", 3.0, "硅光", "共封装光学", "光电共封装")
    + _en(
        "optical_transport",
        3.0,
        r"optical (?:transport|transmission|networking) "
        r"(?:systems?|equipment|platforms?|products?)",
        r"coherent optic\w*",
        r"(?:D)?WDM (?:systems?|equipment)",
        r"packet-optical",
    )
    + _en("optical_transport", 2.0, r"optical networking", r"optical transport")
    + _zh("optical_transport", 3.0, "光传输设备", "光传送网")
    + _en(
        None,
        1.0,
        r"optical communications?",
        r"photonics?",
        r"optoelectronics?",
        sector="optical_communication",
    )
    + _zh(None, 1.0, "光通信", "光电子", sector="optical_communication")
    # ------------------------------------------------------------ high-speed interconnect
    + _en(
        "copper_cable",
        3.0,
        r"active electrical cables?",
        r"AECs?",
        r"direct[- ]attach(?:ed)? (?:copper )?cables?",
        r"DAC cables?",
        r"high[- ]speed (?:copper |data |communication |transmission )?cables?",
        r"(?:high[- ]speed )?copper (?:interconnect|cables?)",
    )
    + _en("copper_cable", 2.0, r"coaxial cables?", r"data cables?", r"cable assembl(?:y|ies)")
    + _zh("copper_cable", 3.0, "高速铜缆", "铜缆", "高速线缆", "高速通信线")
    + _zh("copper_cable", 2.0, "数据线缆", "同轴电缆")
    + _en(
        "connector_backplane",
        3.0,
        r"high[- ]speed (?:backplane |I/O )?connectors?",
        r"backplanes?(?: connectors?)?",
        r"I/O (?:connectors?|cages?)",
        r"interconnect (?:systems?|solutions?|products?)",
    )
    + _en("connector_backplane", 2.0, r"connectors?")
    + _zh("connector_backplane", 3.0, "高速连接器", "背板连接器", "背板")
    + _zh("connector_backplane", 2.0, "连接器")
    + _en(
        "cable_materials",
        2.0,
        r"(?:magnet|enam[ae]l+ed|winding) wires?",
        r"copper (?:conductors?|wires?|rods?)",
        r"heat[- ]shrink\w*",
        r"silver[- ]plated copper",
    )
    + _zh("cable_materials", 2.0, "漆包线", "热缩材料", "镀银铜线", "导体材料")
    + _en(
        "interconnect_chip",
        3.0,
        r"retimers?",
        r"SerDes",
        r"PCIe (?:switch(?:es)?|retimers?)",
        r"CXL (?:controllers?|memory expanders?)",
        r"connectivity (?:chips?|semiconductors?)",
    )
    + _zh("interconnect_chip", 3.0, "Retimer", "高速接口芯片")
    # ------------------------------------------------------------ switching
    + _en(
        "switch_silicon",
        3.0,
        r"(?:ethernet )?switch(?:ing)? (?:chips?|silicon|ASICs?|SoCs?)",
        r"ethernet (?:PHY|physical layer)(?: chips?| transceivers?)?",
        r"network processors?",
    )
    + _en("switch_silicon", 2.0, r"PHY chips?", r"networking (?:chips?|semiconductors?)")
    + _zh("switch_silicon", 3.0, "交换芯片", "以太网交换芯片", "以太网物理层芯片", "PHY芯片")
    + _en(
        "switch_system",
        3.0,
        rf"(?:ethernet|data {_C}|network(?:ing)?|campus|white[- ]box|cloud|enterprise)"
        r" switch(?:es)?",
        r"switches(?:,)? (?:and )?routers",
        r"routers(?:,)? (?:and )?switches",
        rf"data {_C} networking",
        r"network(?:ing)? equipment",
        r"switch(?:es)? and routers",
    )
    + _en(
        "switch_system",
        2.0,
        r"routers?",
        r"enterprise networking",
        r"wireless LAN",
        r"network (?:products|devices|communication equipment)",
    )
    + _en("switch_system", 1.0, r"switches")
    + _zh("switch_system", 3.0, "交换机", "数据中心网络", "网络设备")
    + _zh("switch_system", 2.0, "路由器")
    # ------------------------------------------------------------ data centers
    + _en(
        "idc_operator",
        3.0,
        rf"(?:internet )?data {_C} (?:services|operations?|operators?|business|"
        r"campus(?:es)?|facilities|capacity|REITs?)",
        r"colocation",
        r"IDC",
        rf"hyperscale (?:data {_C}|campus(?:es)?)",
        r"interconnection services",
        rf"(?:owns?|operates?|develops?)(?:,| and)? (?:owns? )?(?:and )?operat\w* data {_C}",
        rf"(?:carrier|cloud)[- ]neutral data {_C}",
    )
    + _en("idc_operator", 2.0, r"wholesale data", r"retail colocation", r"computing power leasing")
    + _zh("idc_operator", 3.0, "数据中心服务", "IDC", "互联网数据中心", "机柜", "算力租赁")
    + _zh("idc_operator", 2.0, "机房")
    + _en(
        "idc_power_cooling",
        3.0,
        r"(?:precision|computer room|data center|data centre) air[- ]condition\w*",
        r"liquid cooling",
        rf"data {_C} (?:cooling|thermal management|power|infrastructure)",
        r"uninterruptible power(?: supply| supplies| systems?)?",
        r"UPS(?: systems?)?",
        r"critical (?:digital )?infrastructure",
        r"thermal management",
        r"immersion cooling",
    )
    + _en("idc_power_cooling", 2.0, r"HVDC", r"power distribution units?", r"cooling systems?")
    + _zh(
        "idc_power_cooling",
        3.0,
        "液冷",
        "精密空调",
        "机房温控",
        "数据中心温控",
        "不间断电源",
        "UPS",
    )
    + _zh("idc_power_cooling", 2.0, "温控")
    + _en(None, 1.0, rf"data {_C}", sector="data_center")
    + _zh(None, 1.0, "数据中心", sector="data_center")
    # ------------------------------------------------------------ adjacent (outside the four)
    + _en("adjacent_server", 3.0, r"(?:AI|GPU|rack|x86) servers?", r"server (?:products|systems)")
    + _en("adjacent_server", 2.0, r"servers", r"storage (?:systems|products)")
    + _zh("adjacent_server", 3.0, "服务器")
    + _en("adjacent_power", 2.0, r"power supplies", r"power supply units?", r"switching power")
    + _zh("adjacent_power", 2.0, "电源")
    + _en("adjacent_pcb", 3.0, r"printed circuit boards?", r"PCBs?", r"copper[- ]clad laminates?")
    + _zh("adjacent_pcb", 3.0, "印制电路板", "覆铜板", "PCB")
)


def _profile_text(profile: Mapping[str, Any]) -> str:
    """Join the text fields of a Yahoo profile, accepting the flat ``info`` dict or the
    raw quoteSummary ``assetProfile`` module (nested one level)."""
    if "assetProfile" in profile and isinstance(profile["assetProfile"], Mapping):
        profile = profile["assetProfile"]
    parts = [str(profile.get(k) or "") for k in _TEXT_FIELDS]
    return "\n".join(p for p in parts if p)


_Evidence = dict[str, list[tuple[float, str]]]


def _score(text: str) -> tuple[dict[str, float], dict[str, float], _Evidence]:
    """Per-sector and per-sub-segment scores, and the matched phrases per sector."""
    sector_scores: dict[str, float] = {}
    sub_scores: dict[str, float] = {}
    evidence: dict[str, list[tuple[float, str]]] = {}
    claimed: list[tuple[int, int]] = []  # spans already used by a longer/stronger phrase
    # Longest and strongest patterns first, so "optical transceiver modules" is not
    # counted again as "transceiver" or "optical module".
    for rule in sorted(_RULES, key=lambda r: (-r.weight, -len(r.pattern.pattern))):
        hits = [
            m
            for m in rule.pattern.finditer(text)
            if not any(m.start() < e and s < m.end() for s, e in claimed)
        ]
        if not hits:
            continue
        claimed.extend((m.start(), m.end()) for m in hits)
        # a phrase counts once, repeats add a little (the main business is repeated)
        gain = rule.weight + min(len(hits) - 1, 2) * 0.25 * rule.weight
        sector_scores[rule.sector] = sector_scores.get(rule.sector, 0.0) + gain
        if rule.sub_segment:
            sub_scores[rule.sub_segment] = sub_scores.get(rule.sub_segment, 0.0) + gain
        phrase = re.sub(r"\s+", " ", hits[0].group(0)).strip()
        evidence.setdefault(rule.sector, []).append((rule.weight, phrase))
    return sector_scores, sub_scores, evidence


def _phrases(found: list[tuple[float, str]]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for _, phrase in sorted(found, key=lambda x: -x[0]):
        seen.setdefault(phrase, None)
    return tuple(seen)


@dataclass(frozen=True)
class Ranking:
    """Sector scores ranked, and the one rule that decides on them (the profile
    classifier's and `universe sync`'s board votes alike): a winner needs `MIN_SCORE`
    and a `MIN_DOMINANCE` share of it and the runner-up together."""

    best_sector: str
    best: float
    runner_sector: str  # "" when only one sector scored
    runner: float

    @property
    def dominance(self) -> float:
        return self.best / (self.best + self.runner)

    @property
    def weak(self) -> bool:
        return self.best < MIN_SCORE

    @property
    def conflicting(self) -> bool:
        return self.dominance < MIN_DOMINANCE

    @property
    def confidence(self) -> float:
        """In [0, 1]: grows with the amount of evidence and with how clearly it dominates."""
        strength = 1.0 - math.exp(-self.best / 6.0)
        return round(strength * (self.dominance - 0.5) / 0.5, 2)


def rank_scores(scores: Mapping[str, float]) -> Ranking:
    """The best and second-best sector of non-empty `scores`."""
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])
    best_sector, best = ranked[0]
    runner_sector, runner = ranked[1] if len(ranked) > 1 else ("", 0.0)
    return Ranking(best_sector, best, runner_sector, runner)


def classify(profile: Mapping[str, Any]) -> Classification:
    """Classify a Yahoo-shaped profile (``sector``, ``industry``, ``longBusinessSummary``).

    Returns the winning sector and sub-segment with a confidence in [0, 1] and the
    evidence phrases, or ``unclassified`` (with whatever was found) when the evidence
    is too weak or two sectors compete.
    """
    text = _profile_text(profile)
    if not text.strip():
        return Classification(UNCLASSIFIED, None, 0.0, (), "no business description")
    sector_scores, sub_scores, evidence = _score(text)
    if not sector_scores:
        return Classification(UNCLASSIFIED, None, 0.0, (), "no sector phrase found")

    ranking = rank_scores(sector_scores)
    best_sector, best = ranking.best_sector, ranking.best
    runner_sector, runner = ranking.runner_sector, ranking.runner
    all_evidence = _phrases([e for found in evidence.values() for e in found])

    if ranking.weak:
        return Classification(
            UNCLASSIFIED,
            None,
            0.0,
            all_evidence,
            f"weak evidence: best {best_sector} scored {best:.1f} < {MIN_SCORE:.1f}",
        )
    if ranking.conflicting:
        return Classification(
            UNCLASSIFIED,
            None,
            0.0,
            all_evidence,
            f"conflicting evidence: {best_sector} {best:.1f} vs {runner_sector} {runner:.1f}",
        )

    subs = {s: v for s, v in sub_scores.items() if SUB_SEGMENTS[s].sector == best_sector}
    sub_segment = max(subs, key=lambda s: subs[s]) if subs else None
    confidence = ranking.confidence
    kind = "core" if best_sector in CORE_SECTORS else "adjacent group"
    reason = f"{best_sector} ({kind}) scored {best:.1f}"
    if runner:
        reason += f", next {runner_sector} {runner:.1f}"
    return Classification(
        best_sector, sub_segment, confidence, _phrases(evidence[best_sector]), reason
    )
