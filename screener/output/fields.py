"""`--columns` for every format: table columns, or the fields of JSON, JSONL and CSV rows.

The table takes its own column keys and any catalogue metric; machine formats take the
fields of the row schema (`rows.ROW_FIELDS`, and for JSON the provenance fields), with
the table's names accepted where they differ (`segment` is `sub_segment`). An unknown
name is one line with a did-you-mean and the list to choose from.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from screener.errors import InputError
from screener.utils import did_you_mean

#: table column keys -> the row field that holds the same thing
FIELD_ALIASES: dict[str, str] = {"segment": "sub_segment", "name_en": "name"}
#: fields only JSON rows have
JSON_ONLY_FIELDS: tuple[str, ...] = (
    "flag_details",
    "stale_figures",
    "notes",
    "provenance",
    "vintages",
)


def parse_column_list(text: str) -> list[str]:
    """'a, b,a' -> ['a', 'b']; an empty name is a mistake."""
    parts = [part.strip() for part in text.split(",")]
    if not any(parts):
        raise InputError("--columns: no column named; write e.g. ticker,name,pe_fwd,score")
    if "" in parts:
        raise InputError(f"--columns: an empty column name in '{text}'")
    return list(dict.fromkeys(parts))


def check_columns(keys: Sequence[str], known: Sequence[str], what: str) -> list[str]:
    """`keys` when each is `known`, else one line naming the first that is not."""
    for key in keys:
        if key not in known:
            raise InputError(
                f"--columns: unknown {what} '{key[:60]}'{did_you_mean(key, known)};"
                f" choose from {', '.join(known)}"
            )
    return list(keys)


def row_fields(keys: Sequence[str], available: Sequence[str]) -> list[str]:
    """The row fields `keys` name (table aliases resolved), checked against `available`."""
    resolved = [FIELD_ALIASES.get(key, key) for key in keys]
    return check_columns(list(dict.fromkeys(resolved)), available, "field")


def pick(rows: Sequence[Mapping[str, Any]], fields: Sequence[str]) -> list[dict[str, Any]]:
    """Each row with only `fields`, in that order."""
    return [{field: row.get(field) for field in fields} for row in rows]
