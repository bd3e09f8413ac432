"""User override files (TOML and CSV): merged over the built-in list, errors as file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from screener.errors import ExitStatus, InputError
from screener.universe import Company, find_config_overrides, load_universe

TOML_OK = """\
# my changes
remove = ["600845.SS", "VRT"]

[[add]]
ticker = "sz300001"
name_en = "Example Optics"
name_zh = "示例光学"
sector = "optical_communication"
sub_segment = "optical_component"
rationale = "makes optical filters"

[[set]]
ticker = "601138"
sector = "adjacent"
sub_segment = "adjacent_server"
"""

CSV_OK = """\
action,ticker,name_en,name_zh,sector,sub_segment,secondary_sector,rationale,source
remove,600845.SS,,,,,,,
add,sz300001,Example Optics,示例光学,optical_communication,optical_component,,makes filters,
set,601138,,,adjacent,adjacent_server,,,
remove,VRT,,,,,,,
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("name", "text"), [("u.toml", TOML_OK), ("u.csv", CSV_OK)])
def test_add_remove_and_resector(tmp_path: Path, name: str, text: str) -> None:
    base = {c.ticker: c for c in load_universe()}
    merged = {c.ticker: c for c in load_universe(_write(tmp_path, name, text))}

    assert "600845.SS" not in merged and "VRT" not in merged
    added = merged["300001.SZ"]
    assert (added.sector, added.sub_segment, added.origin) == (
        "optical_communication",
        "optical_component",
        "override",
    )
    assert (added.name_zh, added.market, added.currency, added.exchange) == (
        "示例光学",
        "CN",
        "CNY",
        "SZSE",
    )
    moved = merged["601138.SS"]
    assert (moved.sector, moved.sub_segment) == ("adjacent", "adjacent_server")
    assert moved.name_zh == base["601138.SS"].name_zh  # untouched fields kept
    assert not moved.in_sector_stats
    assert len(merged) == len(base) - 2 + 1


def test_builtin_list_is_unchanged_by_an_override(tmp_path: Path) -> None:
    load_universe(_write(tmp_path, "u.toml", TOML_OK))
    assert {c.ticker: c.sector for c in load_universe()}["601138.SS"] == "switching"


def _error(tmp_path: Path, name: str, text: str) -> str:
    path = _write(tmp_path, name, text)
    with pytest.raises(InputError) as info:
        load_universe(path)
    assert info.value.exit_status == ExitStatus.USAGE
    return str(info.value)


# (toml text, csv text, expected line in toml, expected line in csv, message fragment)
CASES = {
    "unknown sector": (
        '[[add]]\nticker = "300001"\nname_en = "X"\nsector = "optics"\n'
        'sub_segment = "optical_chip"\n',
        "action,ticker,name_en,sector,sub_segment\nadd,300001,X,optics,optical_chip\n",
        1,
        2,
        "unknown sector 'optics'",
    ),
    "malformed ticker": (
        'remove = [\n  "300308.SZ",\n  "30030X",\n]\n',
        "action,ticker\nremove,300308.SZ\nremove,30030X\n",
        3,
        3,
        "unrecognised ticker '30030X'",
    ),
    "duplicate ticker": (
        'remove = ["300308.SZ"]\n\n[[set]]\nticker = "sz300308"\nsub_segment = "optical_chip"\n',
        "action,ticker,sub_segment\nremove,300308.SZ,\nset,sz300308,optical_chip\n",
        3,
        3,
        "duplicate ticker 300308.SZ (first at line",
    ),
    "sub-segment of another sector": (
        '[[set]]\nticker = "300308.SZ"\nsub_segment = "switch_silicon"\n',
        "action,ticker,sub_segment\nset,300308.SZ,switch_silicon\n",
        1,
        2,
        "belongs to sector 'switching'",
    ),
    "re-sector without sub-segment": (
        '\n[[set]]\nticker = "300308.SZ"\nsector = "switching"\n',
        "action,ticker,sector\nset,300308.SZ,switching\n",
        2,
        2,
        "needs a sub_segment",
    ),
    "add an existing company": (
        '[[add]]\nticker = "300308"\nname_en = "X"\nsector = "switching"\n'
        'sub_segment = "switch_system"\n',
        "action,ticker,name_en,sector,sub_segment\nadd,300308,X,switching,switch_system\n",
        1,
        2,
        "already in the universe",
    ),
    "set an unknown sector": (
        '[[set]]\nticker = "300308.SZ"\nsector = "optical"\n',
        "action,ticker,sector\nset,300308.SZ,optical\n",
        1,
        2,
        "unknown sector 'optical' (did you mean 'optical_communication'?)",
    ),
    "market contradicts the ticker": (
        '[[add]]\nticker = "600941"\nname_en = "China Mobile"\nsector = "data_center"\n'
        'sub_segment = "idc_operator"\nmarket = "US"\ncurrency = "USD"\n',
        "action,ticker,name_en,sector,sub_segment,market,currency\n"
        "add,600941,China Mobile,data_center,idc_operator,US,USD\n",
        1,
        2,
        "600941.SS: market 'US' contradicts the ticker (.SS is market 'CN')",
    ),
    "A-share in another currency": (
        '[[add]]\nticker = "600941"\nname_en = "China Mobile"\nsector = "data_center"\n'
        'sub_segment = "idc_operator"\ncurrency = "USD"\n',
        "action,ticker,name_en,sector,sub_segment,currency\n"
        "add,600941,China Mobile,data_center,idc_operator,USD\n",
        1,
        2,
        "currency 'USD' contradicts the ticker (A-shares trade in CNY)",
    ),
    "exchange contradicts the ticker": (
        '[[set]]\nticker = "300308.SZ"\nexchange = "SSE"\n',
        "action,ticker,exchange\nset,300308.SZ,SSE\n",
        1,
        2,
        "exchange 'SSE' contradicts the ticker (.SZ trades on SZSE)",
    ),
    "primary listing not in the universe": (
        '[[add]]\nticker = "0941.HK"\nname_en = "China Mobile"\nsector = "data_center"\n'
        'sub_segment = "idc_operator"\nprimary_listing = "600941"\n',
        "action,ticker,name_en,sector,sub_segment,primary_listing\n"
        "add,0941.HK,China Mobile,data_center,idc_operator,600941\n",
        1,
        2,
        "0941.HK: primary_listing 600941.SS is not in the universe",
    ),
    "primary listing in another sector": (
        '[[set]]\nticker = "6088.HK"\nprimary_listing = "sz300308"\n',
        "action,ticker,primary_listing\nset,6088.HK,sz300308\n",
        1,
        2,
        "primary_listing 300308.SZ is in sector 'optical_communication', "
        "not 'high_speed_interconnect'",
    ),
    "primary listing that is itself secondary": (
        '[[set]]\nticker = "1686.HK"\nprimary_listing = "9698.HK"\n',
        "action,ticker,primary_listing\nset,1686.HK,9698.HK\n",
        1,
        2,
        "primary_listing 9698.HK is itself a secondary listing (of GDS)",
    ),
    "primary listing of itself": (
        '[[set]]\nticker = "GDS"\nprimary_listing = "GDS"\n',
        "action,ticker,primary_listing\nset,GDS,GDS\n",
        1,
        2,
        "GDS: primary_listing names the company itself",
    ),
    "primary line moved away from its secondary": (
        '[[set]]\nticker = "601869.SS"\nsector = "high_speed_interconnect"\n'
        'sub_segment = "copper_cable"\n',
        "action,ticker,sector,sub_segment\nset,601869.SS,high_speed_interconnect,copper_cable\n",
        1,
        2,
        "601869.SS: its secondary listing 6869.HK would break",
    ),
    "remove an unknown company": (
        'remove = ["AAPL"]\n',
        "action,ticker\nremove,AAPL\n",
        1,
        2,
        "cannot remove AAPL",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_errors_name_file_and_line_in_toml(tmp_path: Path, case: str) -> None:
    toml_text, _, toml_line, _, fragment = CASES[case]
    message = _error(tmp_path, "u.toml", toml_text)
    assert message.startswith(f"{tmp_path / 'u.toml'}:{toml_line}: "), message
    assert fragment in message


@pytest.mark.parametrize("case", sorted(CASES))
def test_errors_name_file_and_line_in_csv(tmp_path: Path, case: str) -> None:
    _, csv_text, _, csv_line, fragment = CASES[case]
    message = _error(tmp_path, "u.csv", csv_text)
    assert message.startswith(f"{tmp_path / 'u.csv'}:{csv_line}: "), message
    assert fragment in message


@pytest.mark.parametrize(
    ("name", "text", "fragment"),
    [
        ("u.toml", "remove = [\n", "invalid TOML"),
        ("u.toml", "[[replace]]\nticker = 'ANET'\n", "unknown section 'replace'"),
        ("u.toml", "[[add]]\nticker = 'ANET'\ncolour = 'red'\n", "unknown field 'colour'"),
        ("u.csv", "ticker,sector\nANET,switching\n", "'action' and 'ticker'"),
        ("u.csv", "action,ticker\nmove,ANET\n", "unknown action 'move'"),
        ("u.yaml", "remove: [ANET]\n", "must end in .toml or .csv"),
    ],
)
def test_other_malformed_files(tmp_path: Path, name: str, text: str, fragment: str) -> None:
    assert fragment in _error(tmp_path, name, text)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        load_universe(tmp_path / "nope.toml")


def test_config_dir_lookup(tmp_path: Path) -> None:
    assert find_config_overrides(tmp_path) is None
    csv_path = _write(tmp_path, "universe.csv", CSV_OK)
    assert find_config_overrides(tmp_path) == csv_path
    csv_path.unlink()
    toml_path = _write(tmp_path, "universe.toml", TOML_OK)
    assert find_config_overrides(tmp_path) == toml_path


def test_both_config_files_are_an_error(tmp_path: Path) -> None:
    _write(tmp_path, "universe.toml", TOML_OK)
    _write(tmp_path, "universe.csv", CSV_OK)
    with pytest.raises(InputError) as info:
        find_config_overrides(tmp_path)
    message = str(info.value)
    assert info.value.exit_status == ExitStatus.USAGE
    assert str(tmp_path / "universe.toml") in message and str(tmp_path / "universe.csv") in message
    assert "use one" in message


def _merged(tmp_path: Path, text: str, name: str = "u.toml") -> dict[str, Company]:
    return {c.ticker: c for c in load_universe(_write(tmp_path, name, text))}


def test_add_a_secondary_listing(tmp_path: Path) -> None:
    merged = _merged(
        tmp_path,
        TOML_OK + '\n[[add]]\nticker = "hk1"\nname_en = "Example Optics (H)"\n'
        'sector = "optical_communication"\nsub_segment = "optical_component"\n'
        'primary_listing = "300001"\ncurrency = "USD"\n',
    )
    line = merged["0001.HK"]
    assert line.primary_listing == "300001.SZ"
    assert not line.in_sector_stats and merged["300001.SZ"].in_sector_stats
    assert (line.exchange, line.market, line.currency) == ("HKEX", "HK", "USD")


def test_hk_line_keeps_the_derived_currency_unless_given(tmp_path: Path) -> None:
    text = (
        '[[add]]\nticker = "0941.HK"\nname_en = "China Mobile"\nsector = "data_center"\n'
        'sub_segment = "idc_operator"\nexchange = "hkex"\nmarket = "hk"\n'
        '\n[[add]]\nticker = "600941"\nname_en = "China Mobile"\nsector = "data_center"\n'
        'sub_segment = "idc_operator"\ncurrency = "cny"\n'
    )
    merged = _merged(tmp_path, text)
    hk, a = merged["0941.HK"], merged["600941.SS"]
    assert (hk.exchange, hk.market, hk.currency) == ("HKEX", "HK", "HKD")
    assert (a.exchange, a.market, a.currency) == ("SSE", "CN", "CNY")


def test_removing_a_primary_promotes_its_secondary(tmp_path: Path) -> None:
    merged = _merged(tmp_path, 'remove = ["GDS", "000063.SZ"]\n')
    assert merged["9698.HK"].primary_listing is None and merged["9698.HK"].in_sector_stats
    assert merged["9698.HK"].origin == "override"  # changed by the file, if indirectly
    assert merged["0763.HK"].primary_listing is None and merged["0763.HK"].in_sector_stats
    assert merged["6869.HK"].primary_listing == "601869.SS"  # untouched pair stays linked


def test_removing_a_primary_with_two_secondaries_keeps_one_counted(tmp_path: Path) -> None:
    # Changes apply in file order: an add naming an already removed line is an error ...
    text = (
        'remove = ["GDS"]\n\n[[add]]\nticker = "9999.HK"\nname_en = "GDS (another line)"\n'
        'sector = "data_center"\nsub_segment = "idc_operator"\nprimary_listing = "GDS"\n'
    )
    with pytest.raises(InputError, match="u.toml:3: 9999.HK: primary_listing GDS is not in"):
        load_universe(_write(tmp_path, "u.toml", text))
    # ... while removing a primary after its lines were added re-links them all.
    csv_text = (
        "action,ticker,name_en,sector,sub_segment,primary_listing\n"
        "add,9999.HK,GDS (another line),data_center,idc_operator,GDS\n"
        "remove,GDS,,,,\n"
    )
    merged = _merged(tmp_path, csv_text, "u.csv")
    counted = [t for t in ("9698.HK", "9999.HK") if merged[t].in_sector_stats]
    assert counted == ["9698.HK"]  # first in list order is promoted
    assert merged["9999.HK"].primary_listing == "9698.HK"


def test_swap_primary_and_secondary(tmp_path: Path) -> None:
    text = (
        '[[set]]\nticker = "0763.HK"\nprimary_listing = "-"\n'
        '\n[[set]]\nticker = "000063.SZ"\nprimary_listing = "0763.HK"\n'
    )
    merged = _merged(tmp_path, text)
    assert merged["0763.HK"].primary_listing is None and merged["0763.HK"].in_sector_stats
    assert merged["000063.SZ"].primary_listing == "0763.HK"
    assert not merged["000063.SZ"].in_sector_stats


def test_swapping_a_parents_lines_keeps_its_subsidiary_counted_in_its_place(
    tmp_path: Path,
) -> None:
    text = (
        '[[set]]\nticker = "6869.HK"\nprimary_listing = "-"\n'
        '\n[[set]]\nticker = "601869.SS"\nprimary_listing = "6869.HK"\n'
    )
    merged = _merged(tmp_path, text)
    assert merged["6869.HK"].primary_listing is None
    assert merged["601869.SS"].primary_listing == "6869.HK"
    # Broadex still names 601869.SS; the link counts against YOFC's primary line, now 6869.HK
    assert merged["300548.SZ"].consolidated_into == "601869.SS"
    assert merged["6869.HK"].consolidates == ("300548.SZ",)
    assert [t for t in ("601869.SS", "6869.HK", "300548.SZ") if merged[t].in_sector_stats] == [
        "300548.SZ"
    ]


def test_moving_both_lines_together(tmp_path: Path) -> None:
    csv_text = (
        "action,ticker,sector,sub_segment\n"
        "set,GDS,adjacent,adjacent_server\n"
        "set,9698.HK,adjacent,adjacent_server\n"
    )
    merged = _merged(tmp_path, csv_text, "u.csv")
    assert merged["9698.HK"].sector == merged["GDS"].sector == "adjacent"
    assert merged["9698.HK"].primary_listing == "GDS"
