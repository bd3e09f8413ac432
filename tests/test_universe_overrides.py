"""User override files (TOML and CSV): merged over the built-in list, errors as file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from screener.errors import ExitStatus, InputError
from screener.universe import find_config_overrides, load_universe

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
    _write(tmp_path, "universe.csv", CSV_OK)
    assert find_config_overrides(tmp_path) == tmp_path / "universe.csv"
    _write(tmp_path, "universe.toml", TOML_OK)
    assert find_config_overrides(tmp_path) == tmp_path / "universe.toml"
