"""CSV export: formula injection neutralised, numbers untouched, writes atomic."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import pytest

from screener.errors import DataError, InputError
from screener.output import csvfile as export


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
    text = export.csv_text(rows, fields)
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
    export.write_atomic(target, "a,b\n中,1\n", bom=bom)
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
        export.write_atomic(target, "new,content\n")
    assert target.read_text(encoding="utf-8") == "old,content\n"
    assert [p.name for p in tmp_path.iterdir()] == ["w.csv"]


def test_export_errors_are_clean(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="must end in .csv"):
        export.write_atomic(tmp_path / "x.txt", "a\n")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(DataError, match="cannot write"):
        export.write_atomic(blocker / "sub" / "x.csv", "a\n")
