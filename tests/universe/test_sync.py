"""The pure part of `universe sync`: the mapping, the board vote, the override text."""

from __future__ import annotations

from pathlib import Path

import pytest

from screener.errors import DataError
from screener.universe import load_universe
from screener.universe.boards import BoardSector, board_sectors, parse_board_sectors
from screener.universe.sync import BoardAnswer, classify_member, compare, overrides_toml
from screener.universe.taxonomy import SUB_SEGMENTS

CPO = BoardSector("CPO概念", "optical_communication", "cpo_silicon_photonics", 3, "")
COPPER = BoardSector("铜缆高速连接", "high_speed_interconnect", "copper_cable", 3, "")
DC = BoardSector("数据中心", "data_center", "idc_operator", 1, "")


def test_the_shipped_mapping_names_the_issue_boards_with_evidence() -> None:
    names = [b.name for b in board_sectors()]
    for name in ("CPO概念", "光通信模块", "铜缆高速连接", "数据中心", "液冷服务器", "东数西算",
                 "算力概念"):
        assert name in names
    for board in board_sectors():
        assert SUB_SEGMENTS[board.sub_segment].sector == board.sector
        assert board.evidence


@pytest.mark.parametrize(
    "text, message",
    [
        ("board_name,sector,sub_segment,weight,evidence\nX,data_center,copper_cable,1,e\n",
         "not a sub-segment"),
        ("board_name,sector,sub_segment,weight,evidence\nX,data_center,idc_operator,0,e\n",
         "weight"),
        ("board_name,sector,sub_segment,weight,evidence\nX,data_center,idc_operator,1,e\n"
         "X,data_center,idc_operator,1,e\n", "twice"),
    ],
)
def test_a_bad_mapping_row_is_named(text: str, message: str) -> None:
    with pytest.raises(DataError, match=message):
        parse_board_sectors(text)


def test_one_product_board_places_broad_ones_do_not_and_sectors_conflict() -> None:
    placed = classify_member("示例", [CPO])
    assert (placed.sector, placed.sub_segment) == ("optical_communication", "cpo_silicon_photonics")
    assert classify_member("示例", [DC, DC]).sector == "unclassified"
    torn = classify_member("示例", [CPO, COPPER])
    assert torn.sector == "unclassified" and "disagree" in torn.reason
    leaning = classify_member("示例", [CPO, DC])
    assert leaning.sector == "optical_communication" and len(leaning.evidence) == 2


def test_compare_and_the_written_file_round_trip(tmp_path: Path) -> None:
    universe = load_universe(None)
    listed = next(c for c in universe if c.ticker == "300308.SZ")
    answers = [
        BoardAnswer("CPO概念", "BK1", (("300308", "中际旭创"), ("301777", "新公司"))),
        BoardAnswer("数据中心", "BK2", (("301778", "云\x1b[31m公司"), ("872808", "旧码"))),
        BoardAnswer("融资融券", "BK3", (("301779", "无关"),)),  # not mapped: ignored
    ]
    report = compare(answers, [CPO, DC], universe, ["光通信模块"])
    assert [p.ticker for p in report.additions] == ["301777.SZ", "301778.SZ"]
    assert report.known == 1 + ("920808.BJ" in {c.ticker for c in universe})
    assert listed not in report.absent
    assert report.unresolved == ("光通信模块",)
    path = tmp_path / "p.toml"
    path.write_text(overrides_toml(report, "2026-02-16"), encoding="utf-8")
    added = {c.ticker: c for c in load_universe(path)}["301777.SZ"]
    assert added.sub_segment == "cpo_silicon_photonics" and added.origin == "override"
    text = path.read_text("utf-8")
    assert "\x1b" not in text and "# Mapped boards East Money no longer lists" in text
