"""East Money concept boards that speak for the four sectors: which board votes for what.

`universe sync` compares the members of these boards with the curated list. The
mapping is data (``boards.csv``, read here and checked against the taxonomy): each
row names a board *by its name* (board codes differ between sources and have been
reissued), the sector and sub-segment it votes for, how much its membership weighs
(3 = a product board such as CPO概念; 1 = a broad theme such as 数据中心, which
alone cannot place a company) and the evidence for the mapping, shown to the user.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from screener.errors import DataError
from screener.universe.taxonomy import SUB_SEGMENTS

BOARDS_FILE = "boards.csv"


@dataclass(frozen=True, slots=True)
class BoardSector:
    """One concept board's vote: its name, the sector and sub-segment, weight and why."""

    name: str
    sector: str
    sub_segment: str
    weight: float
    evidence: str


def parse_board_sectors(text: str, filename: str = BOARDS_FILE) -> tuple[BoardSector, ...]:
    """Rows of the mapping, each checked: a known sub-segment of its sector, weight > 0."""
    out: list[BoardSector] = []
    seen: set[str] = set()
    for line, row in enumerate(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))), start=2):
        name = (row.get("board_name") or "").strip()
        sub = (row.get("sub_segment") or "").strip()
        sector = (row.get("sector") or "").strip()
        where = f"{filename}:{line}"
        if not name or name in seen:
            raise DataError(f"{where}: board name missing or listed twice ({name!r})")
        if sub not in SUB_SEGMENTS or SUB_SEGMENTS[sub].sector != sector:
            raise DataError(f"{where}: {sub!r} is not a sub-segment of sector {sector!r}")
        try:
            weight = float(row.get("weight") or "")
        except ValueError:
            weight = 0.0
        if not weight > 0:
            raise DataError(f"{where}: weight must be a positive number")
        seen.add(name)
        out.append(BoardSector(name, sector, sub, weight, (row.get("evidence") or "").strip()))
    return tuple(out)


@lru_cache(maxsize=1)
def board_sectors() -> tuple[BoardSector, ...]:
    """The shipped mapping (``screener/universe/boards.csv``), in file order."""
    text = resources.files("screener.universe").joinpath(BOARDS_FILE).read_text("utf-8")
    return parse_board_sectors(text)
