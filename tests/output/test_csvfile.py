"""CSV export: formula injection neutralised, numbers untouched, writes atomic."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import pytest

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
