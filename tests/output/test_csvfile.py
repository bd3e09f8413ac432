"""CSV export: formula injection neutralised, numbers untouched, writes atomic."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from screener.errors import DataError, InputError
from screener.output import csvfile


def test_formula_cells_are_neutralised_but_numbers_are_not() -> None:
    rows = [
        {
            "ticker": "EVIL",
            "name": '=HYPERLINK("http://x")',
            "name_zh": "@SUM(A1)",
            "pe_ttm": -3.5,
            "flags": ["+cmd"],
            "reasons": ["-1 reason"],
            "score": -2.0,
        },
        {
            "ticker": "OK",
            "name": "Plain Co",
            "name_zh": "中际旭创",
            "pe_ttm": 12.0,
            "flags": [],
            "reasons": [],
            "score": 0.0,
        },
    ]
    fields = ("ticker", "name", "name_zh", "pe_ttm", "flags", "reasons", "score")
    text = csvfile.csv_text(rows, fields)
    parsed = list(csv.DictReader(io.StringIO(text)))
    assert parsed[0]["name"] == '\'=HYPERLINK("http://x")'
    assert parsed[0]["name_zh"] == "'@SUM(A1)"
    assert parsed[0]["flags"] == "'+cmd"
    assert parsed[0]["reasons"] == "'-1 reason"
    assert parsed[0]["pe_ttm"] == "-3.5" and parsed[0]["score"] == "-2.0"
    assert parsed[1]["name_zh"] == "中际旭创" and parsed[1]["flags"] == ""


@pytest.mark.parametrize("bom", [False, True])
def test_write_atomic_encodings(tmp_path: Path, bom: bool) -> None:
    target = tmp_path / "out" / "w.csv"
    csvfile.write_atomic(target, "a,b\n中,1\n", bom=bom)
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") is bom
    assert raw.decode("utf-8-sig") == "a,b\n中,1\n"


def test_an_interrupted_export_keeps_the_old_file(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "w.csv"
    target.write_text("old,content\n", encoding="utf-8")

    def boom(src: str, dst: str) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(KeyboardInterrupt):
        csvfile.write_atomic(target, "new,content\n")
    assert target.read_text(encoding="utf-8") == "old,content\n"
    assert [p.name for p in tmp_path.iterdir()] == ["w.csv"]


def test_export_errors_are_clean(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="must end in .csv"):
        csvfile.write_atomic(tmp_path / "x.txt", "a\n")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(DataError, match="cannot write"):
        csvfile.write_atomic(blocker / "sub" / "x.csv", "a\n")


def test_the_data_is_synced_before_the_rename(tmp_path: Path, monkeypatch) -> None:
    events: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: (events.append("fsync"), real_fsync(fd)))
    monkeypatch.setattr(
        os, "replace", lambda src, dst: (events.append("replace"), real_replace(src, dst))
    )
    csvfile.write_atomic(tmp_path / "w.csv", "a\n")
    assert events == ["fsync", "replace"]


def test_atomic_file_writes_bytes_too(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "x.bin"
    with csvfile.atomic_file(target) as handle:
        handle.write(b"\x00\x01")
    assert target.read_bytes() == b"\x00\x01"
    with pytest.raises(DataError, match="cannot write"), csvfile.atomic_file(target) as handle:
        raise OSError(28, "No space left on device")
    assert target.read_bytes() == b"\x00\x01" and [p.name for p in target.parent.iterdir()] == [
        "x.bin"
    ]


# -- hostile text: one row per row, no live formula, for any reader ----------------------------

_CELL_TEXT = st.lists(
    st.one_of(
        st.sampled_from(["\r", "\n", "\r\n", "=1+1", "+cmd", "-2", "@SUM(A1)", "\t", '"', ",",
                         "\x1b[2J", "\x00", "\u2028", "\x85", "\x1c", "中际旭创", " "]),
        st.text(max_size=6),
    ),
    max_size=10,
).map("".join)
_CELL = st.one_of(
    _CELL_TEXT,
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.none(),
    st.lists(_CELL_TEXT, max_size=3),
)
_FIELDS = ("ticker", "name", "score", "flags")


def _formula(cell: str) -> bool:
    return cell.startswith(csvfile.FORMULA_STARTS)


@given(st.lists(st.fixed_dictionaries({field: _CELL for field in _FIELDS}), max_size=6))
def test_any_rows_read_back_as_as_many_rows_with_no_formula(rows: list[dict]) -> None:
    text = csvfile.csv_text(rows, _FIELDS)
    parsed = list(csv.reader(io.StringIO(text, newline="")))
    assert len(parsed) == len(rows) + 1  # Python's csv module: the header and every row
    lines = text.splitlines()  # a line-based reader (splitlines breaks on CR, U+2028, ...)
    assert len(lines) == len(rows) + 1
    for row in parsed[1:]:
        assert len(row) == len(_FIELDS)
        assert not any(_formula(cell) for cell in row if not _is_number(cell))
    # Line by line, each line is one whole record: no record spans two lines.
    assert [next(csv.reader([line])) for line in lines] == parsed


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def test_numbers_stay_numbers_and_text_loses_its_line_breaks() -> None:
    rows = [{"name": "Evil\r=HYPERLINK(\"x\")\n@SUM(A1)", "score": -2.5, "n": 10**400}]
    text = csvfile.csv_text(rows, ("name", "score", "n"))
    (row,) = list(csv.DictReader(io.StringIO(text)))
    # a 400-digit integer is no figure: an empty cell, like a missing one
    assert row == {"name": 'Evil =HYPERLINK("x") @SUM(A1)', "score": "-2.5", "n": ""}
    assert text.count("\n") == 2 and "\r" not in text


def test_exporting_over_a_private_file_keeps_it_private(tmp_path: Path) -> None:
    target = tmp_path / "w.csv"
    target.write_text("old\n", encoding="utf-8")
    target.chmod(0o600)
    csvfile.write_atomic(target, "new\n")
    assert target.stat().st_mode & 0o777 == 0o600
    fresh = tmp_path / "new.csv"
    csvfile.write_atomic(fresh, "a\n")
    assert fresh.stat().st_mode & 0o777 == 0o666 & ~_umask()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
