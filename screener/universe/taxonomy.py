"""The note's four sectors, their sub-segments, and the separate ``adjacent`` group.

The broker note's thesis is about the companies that *wire AI clusters together*;
the four sector ids are the unit of every sector median and ranking the screener
computes. Companies that ride the same capex wave without wiring anything (general
servers and GPU clouds, generic power supplies, PCBs, industrial cooling, connectors
mostly sold to other markets, network security) or whose line in a sector is a
minority of their business are kept in an explicit ``adjacent`` group so a user can
still see them (their ``secondary_sector`` names the sector they touch), while sector
statistics never mix them in. Ids are stable snake_case strings because rule files
and CSV exports name them; labels come in English and Chinese because most of the
universe is A-shares.
"""

from __future__ import annotations

from dataclasses import dataclass

ADJACENT = "adjacent"
"""Id of the group kept outside the four sectors (never part of sector medians)."""


@dataclass(frozen=True, slots=True)
class Sector:
    """One sector id with its English and Chinese labels."""

    id: str
    label_en: str
    label_zh: str

    @property
    def in_sector_stats(self) -> bool:
        """True for the four sectors of the note; the adjacent group never enters medians."""
        return self.id != ADJACENT


@dataclass(frozen=True, slots=True)
class SubSegment:
    """A sub-segment belongs to exactly one sector, so a sub-segment id implies its sector."""

    id: str
    sector: str
    label_en: str
    label_zh: str


_SECTOR_LIST: tuple[Sector, ...] = (
    Sector("optical_communication", "Optical communication", "光通信"),
    Sector("high_speed_interconnect", "High-speed interconnect", "高速互连/铜连接"),
    Sector("switching", "Switching chips and switches", "交换芯片与交换机"),
    Sector("data_center", "Data centers (IDC)", "数据中心(IDC)"),
    Sector(ADJACENT, "Adjacent (outside the four sectors)", "相关产业(不计入板块统计)"),
)

SECTOR_INFO: dict[str, Sector] = {s.id: s for s in _SECTOR_LIST}

CORE_SECTORS: tuple[str, ...] = tuple(s.id for s in _SECTOR_LIST if s.in_sector_stats)
"""The four sector ids of the note, in the note's order: the unit of every sector statistic."""

SECTORS: tuple[str, ...] = tuple(s.id for s in _SECTOR_LIST)
"""Every id a company's ``sector`` may take: the four, then ``adjacent``."""

_SUB_SEGMENT_LIST: tuple[SubSegment, ...] = (
    # optical communication
    SubSegment(
        "optical_module", "optical_communication", "Optical modules / transceivers", "光模块"
    ),
    SubSegment(
        "optical_chip", "optical_communication", "Optical chips and lasers", "光芯片/激光器"
    ),
    SubSegment(
        "optical_component",
        "optical_communication",
        "Passive optical components / optical engines",
        "光器件/无源器件/光引擎",
    ),
    SubSegment(
        "fiber_cable", "optical_communication", "Optical fibre, cable and connectivity", "光纤光缆"
    ),
    SubSegment(
        "cpo_silicon_photonics", "optical_communication", "CPO / silicon photonics", "CPO/硅光"
    ),
    SubSegment(
        "optical_transport", "optical_communication", "Optical transport systems", "光传输设备"
    ),
    # high-speed interconnect
    SubSegment(
        "copper_cable",
        "high_speed_interconnect",
        "DAC/AEC high-speed copper cable",
        "高速铜缆(DAC/AEC)",
    ),
    SubSegment(
        "connector_backplane",
        "high_speed_interconnect",
        "High-speed connectors and backplanes",
        "高速连接器/背板",
    ),
    SubSegment(
        "cable_materials", "high_speed_interconnect", "Cable and connector materials", "线缆材料"
    ),
    SubSegment(
        "interconnect_chip",
        "high_speed_interconnect",
        "SerDes / retimer / connectivity chips",
        "高速互连芯片",
    ),
    # switching
    SubSegment(
        "switch_silicon", "switching", "Switch silicon and network chips", "交换芯片/网络芯片"
    ),
    SubSegment(
        "switch_system",
        "switching",
        "Switch systems, network equipment and ODM",
        "交换机/网络设备及ODM",
    ),
    # data centers
    SubSegment("idc_operator", "data_center", "IDC operators and developers", "IDC运营商"),
    SubSegment(
        "idc_power_cooling", "data_center", "IDC power and cooling infrastructure", "IDC电源与温控"
    ),
    # adjacent group (outside the four)
    SubSegment("adjacent_server", ADJACENT, "Servers and AI compute", "服务器/算力"),
    SubSegment("adjacent_power", ADJACENT, "Power supplies and power equipment", "电源"),
    SubSegment("adjacent_cooling", ADJACENT, "General cooling and thermal", "温控/散热"),
    SubSegment("adjacent_pcb", ADJACENT, "PCBs and laminates", "PCB/覆铜板"),
    SubSegment(
        "adjacent_connector",
        ADJACENT,
        "Connectors mainly for other markets (phones, vehicles, energy)",
        "其他连接器(消费电子/汽车/能源为主)",
    ),
    SubSegment(
        "adjacent_network", ADJACENT, "Network security and visibility", "网络安全/网络可视化"
    ),
    SubSegment(
        "adjacent_other",
        ADJACENT,
        "Other businesses with a minor line in the four sectors",
        "其他(相关业务占比小)",
    ),
)

SUB_SEGMENTS: dict[str, SubSegment] = {s.id: s for s in _SUB_SEGMENT_LIST}


def sub_segments_of(sector: str) -> tuple[SubSegment, ...]:
    """The sub-segments of one sector, in taxonomy order."""
    return tuple(s for s in _SUB_SEGMENT_LIST if s.sector == sector)


def sector_label(sector: str, lang: str = "en") -> str:
    """Human label of a sector id (``lang`` 'en' or 'zh'); unknown ids come back unchanged.

    Returning the id rather than raising keeps renderers robust against a stale
    id in an old saved watchlist; validation happens where data enters.
    """
    info = SECTOR_INFO.get(sector)
    if info is None:
        return sector
    return info.label_zh if lang == "zh" else info.label_en


def sub_segment_label(sub_segment: str, lang: str = "en") -> str:
    """Human label of a sub-segment id (``lang`` 'en' or 'zh'); unknown ids come back unchanged."""
    info = SUB_SEGMENTS.get(sub_segment)
    if info is None:
        return sub_segment
    return info.label_zh if lang == "zh" else info.label_en


def in_sector_stats(sector: str) -> bool:
    """Whether a company in ``sector`` may enter sector medians and percentiles."""
    return sector in CORE_SECTORS
