"""User overrides of the built-in universe: add, remove or re-sector companies.

An investor disagrees with a placement, follows a name we do not ship, or wants a
company out of a screen. They write a small TOML or CSV file (in the config
directory as ``universe.toml`` / ``universe.csv``, or passed with ``--universe``)
and it is merged over the built-in list. Every problem is reported as
``file:line: message`` (``InputError``, exit 2) so the user can jump to the line.

TOML::

    remove = ["600845.SS", "VRT"]

    [[add]]                       # a company we do not ship
    ticker = "688167"             # any accepted ticker form; stored as the Yahoo symbol
    name_en = "Focuslight Technologies"
    sector = "optical_communication"
    sub_segment = "optical_chip"
    rationale = "laser chips"     # optional: name_zh, secondary_sector, source, exchange,
                                  # market, currency, primary_listing, consolidated_into

    [[set]]                       # change fields of a shipped company
    ticker = "601138.SS"
    sector = "adjacent"
    sub_segment = "adjacent_server"

Listing facts (exchange, market, currency) default to what the ticker implies; a
given market or exchange must agree with the ticker's suffix, and A-shares
(.SS/.SZ/.BJ) must be in CNY (an HK line may name CNY or USD).

``primary_listing`` marks a second listing of a company that is already listed
(e.g. ``9698.HK`` -> ``GDS``): it must name another company of the merged list, in
the same sector, that is itself a primary line. Secondary lines stay out of sector
statistics. In a ``set``, ``primary_listing = "-"`` clears the link. Removing a
primary line promotes its first remaining secondary line (in list order) to primary
and re-points any others to it, so the company stays in the statistics exactly once.
Moving a primary line to another sector while its secondary stays behind is an error
(move both, or clear the link).

``consolidated_into`` names the listed parent that consolidates a company (e.g.
``301165.SZ`` -> ``002396.SZ``): the subsidiary keeps counting in its sector's
statistics and the parent steps out of that sector's (see ``companies.py``). It must
name the parent's primary line; ``consolidated_into = "-"`` in a ``set`` clears it, so
both count again. Removing a parent clears the links that named it.

CSV (header required; empty cells mean "unchanged" for ``set``)::

    action,ticker,name_en,name_zh,sector,sub_segment,secondary_sector,rationale,source
    add,688167,Focuslight Technologies,,optical_communication,optical_chip,,laser chips,
    remove,600845.SS,,,,,,,
    set,601138.SS,,,adjacent,adjacent_server,,,

Any field above may be a CSV column (``exchange``, ``market``, ``currency``,
``primary_listing``, ``consolidated_into`` ...); changes apply in file order.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from functools import partial
from itertools import groupby, repeat
from operator import attrgetter, itemgetter
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple

from screener.errors import InputError
from screener.files import read_text_file
from screener.universe.companies import (
    CSV_FIELDS,
    Company,
    check_consolidated_into,
    check_placement,
    check_primary_listing,
    check_sector,
    companies_from_columns,
    link_consolidations,
    listing_facts,
    resolve_listing,
)
from screener.universe.tickers import CANONICAL_TICKER, normalize_ticker
from screener.utils import UNSAFE_CHARACTERS, clip, text_problem

CONFIG_FILENAMES: tuple[str, ...] = ("universe.toml", "universe.csv")
ACTIONS: tuple[str, ...] = ("add", "set", "remove")
CLEAR = "-"  # in a set: ``primary_listing``/``consolidated_into`` = "-" clears the link

# Fields a user may give for add/set; listing facts are derived from the ticker if absent.
EDITABLE_FIELDS: tuple[str, ...] = tuple(f for f in CSV_FIELDS if f != "ticker")

MAX_FILE_BYTES = 5 * 1024 * 1024  # an override file is a few hundred lines; 5 MiB is plenty
MAX_FIELD_CHARS = 200  # names, sectors, listing facts
MAX_LONG_FIELD_CHARS = 2000  # rationale and source
LONG_FIELDS = frozenset({"rationale", "source"})


_NO_FIELDS: Mapping[str, str] = MappingProxyType({})


class Change(NamedTuple):
    """One validated instruction from an override file, with the line it came from.

    A named tuple, not a dataclass: a universe file of thousands of added names makes
    thousands of these, and a tuple is built in a fraction of a frozen dataclass's time.
    """

    action: str
    ticker: str
    line: int
    fields: Mapping[str, str] = _NO_FIELDS


def default_config_dir() -> Path:
    """The per-user config directory (platformdirs), where ``universe.toml`` may live."""
    from platformdirs import user_config_dir

    return Path(user_config_dir("screener"))


def find_config_overrides(config_dir: Path | None = None) -> Path | None:
    """The override file in the config directory, if the user has one.

    Both ``universe.toml`` and ``universe.csv`` present is an InputError: merging
    both or silently picking one would hide half of the user's changes.
    """
    folder = config_dir if config_dir is not None else default_config_dir()
    found = [folder / name for name in CONFIG_FILENAMES if (folder / name).is_file()]
    if len(found) > 1:
        raise InputError(f"both {found[0]} and {found[1]} exist; use one (move the other one away)")
    return found[0] if found else None


def _fail(path: Path, line: int, message: str) -> InputError:
    return InputError(f"{path}:{line}: {message}")


def _clean_fields(
    path: Path, line: int, raw: Mapping[str, Any], *, allowed: Iterable[str]
) -> dict[str, str]:
    allowed_set = set(allowed)
    out: dict[str, str] = {}
    for key, value in raw.items():
        if key not in allowed_set:
            allowed_text = ", ".join(sorted(allowed_set))
            raise _fail(path, line, f"unknown field {key!r} (allowed: {allowed_text})")
        if value is None:
            continue
        if not isinstance(value, str):
            raise _fail(path, line, f"field {key!r} must be text, got {type(value).__name__}")
        limit = MAX_LONG_FIELD_CHARS if key in LONG_FIELDS else MAX_FIELD_CHARS
        problem = text_problem(value, limit)  # the one check of accepted text
        if problem:
            # Names are shown in tables and written to CSV: no escape codes, no line breaks.
            raise _fail(path, line, f"field {key!r} {problem}")
        value = value.strip()
        if value:
            out[key] = value
    return out


def _primary(
    path: Path, line: int, ticker: str, raw: str | None, key: str = "primary_listing"
) -> str | None:
    """The normalised ticker of a link field of an add/set (None for ``-``); file:line errors."""
    if raw is None or raw == CLEAR:
        return None
    try:
        primary = normalize_ticker(raw)
    except InputError as exc:
        raise _fail(path, line, f"{ticker}: {key}: {exc}") from None
    if primary == ticker:
        raise _fail(path, line, f"{ticker}: {key} names the company itself")
    return primary


def _ticker(path: Path, line: int, raw: Any) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise _fail(path, line, "missing ticker")
    try:
        return normalize_ticker(raw)
    except InputError as exc:
        raise _fail(path, line, str(exc)) from None


# --------------------------------------------------------------------------- TOML


def _toml_lines(text: str) -> tuple[dict[str, list[int]], list[str]]:
    """Line numbers of each ``[[add]]``/``[[set]]`` header, in order, and the raw lines.

    tomllib does not report positions, so we locate tables by scanning the text; the
    n-th parsed ``add`` entry is the n-th ``[[add]]`` header.
    """
    headers: dict[str, list[int]] = {"add": [], "set": []}
    lines = text.splitlines()
    for number, content in enumerate(lines, start=1):
        m = re.match(r"^\s*\[\[\s*(\w+)\s*\]\]", content)
        if m and m.group(1) in headers:
            headers[m.group(1)].append(number)
    return headers, lines


def _key_line(lines: list[str], start: int, key: str) -> int:
    """Line of ``key = ...`` in the table starting at ``start`` (the header line if not found)."""
    for number in range(start + 1, len(lines) + 1):
        content = lines[number - 1]
        if re.match(r"^\s*\[", content):
            break
        if re.match(rf"^\s*{re.escape(key)}\s*=", content):
            return number
    return start


_QUOTED = re.compile(r"\"([^\"\\\n]*)\"|'([^'\n]*)'")


def _value_lines(lines: list[str], key: str) -> tuple[dict[str, list[int]], int]:
    """Where each quoted value after ``key =`` appears (for entries of an inline array).

    One pass over the file, so a remove list of 10,000 tickers costs what reading it
    costs: value -> the lines it is written on, in order, and the line of ``key =``.
    """
    key_re = re.compile(rf"^\s*{re.escape(key)}\s*=")
    start = next((i for i, content in enumerate(lines, 1) if key_re.match(content)), 1)
    where: dict[str, list[int]] = {}
    for number in range(start, len(lines) + 1):
        for match in _QUOTED.finditer(lines[number - 1]):
            value = match.group(1) if match.group(1) is not None else match.group(2)
            where.setdefault(value, []).append(number)
    return where, start


def parse_toml(path: Path, text: str) -> list[Change]:
    """Validate a TOML override file into changes (no merge yet)."""
    import tomllib  # only a TOML file needs it

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        line = int(m.group(1)) if m else 1
        raise _fail(path, line, f"invalid TOML: {clip(str(exc), 200)}") from None
    except RecursionError:
        raise _fail(path, 1, "invalid TOML: nested too deeply") from None
    headers, lines = _toml_lines(text)
    unknown = [k for k in data if k not in ACTIONS]
    if unknown:
        key = unknown[0]
        line = 1
        for number, content in enumerate(lines, 1):
            if re.match(rf"^\s*(\[\[?\s*)?{re.escape(key)}\b", content):
                line = number
                break
        raise _fail(path, line, f"unknown section {key!r} (expected add, set or remove)")

    changes: list[Change] = []
    removals = data.get("remove", [])
    if not isinstance(removals, list) or not all(isinstance(t, str) for t in removals):
        raise _fail(path, _key_line(lines, 0, "remove") or 1, "remove must be a list of tickers")
    where, start = _value_lines(lines, "remove") if removals else ({}, 1)
    taken: dict[str, int] = {}  # the same value twice: its second line for its second entry
    for raw in removals:
        found = where.get(raw, [])
        nth = taken.get(raw, 0)
        taken[raw] = nth + 1
        line = found[min(nth, len(found) - 1)] if found else start
        changes.append(Change("remove", _ticker(path, line, raw), line))

    for action in ("add", "set"):
        entries = data.get(action, [])
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise _fail(path, 1, f"{action} must be written as [[{action}]] tables")
        for index, entry in enumerate(entries):
            header = headers[action][index] if index < len(headers[action]) else 1
            ticker_line = _key_line(lines, header, "ticker")
            ticker = _ticker(path, ticker_line, entry.get("ticker"))
            rest = {k: v for k, v in entry.items() if k != "ticker"}
            fields = _clean_fields(path, header, rest, allowed=EDITABLE_FIELDS)
            changes.append(Change(action, ticker, header, fields))
    return changes


# --------------------------------------------------------------------------- CSV


def parse_csv(path: Path, text: str) -> list[Change]:
    """Validate a CSV override file (header row with an ``action`` and a ``ticker`` column).

    Rows are read first, then checked a column at a time where that is cheaper (a
    universe of thousands of added names): a column whose every cell is acceptable text
    is not checked cell by cell, each distinct action is read once. The first problem in
    file order is reported, as a row-by-row reading would find it.
    """
    text = text.lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text))
    try:
        header = [h.strip() for h in next(reader, None) or []]
    except csv.Error as exc:  # a cell over csv's field limit, a NUL, a stray quote
        raise _fail(path, 1, f"invalid CSV: {clip(str(exc), 200)}") from None
    _check_csv_header(path, header)
    read = _one_record_a_line(text, reader)
    if read is not None:
        rows, lines = read
        return _csv_changes(path, header, rows, lines)
    reader = csv.reader(io.StringIO(text))
    next(reader)
    rows = []
    lines = []
    broken: InputError | None = None
    # A broken record is reported where csv.DictReader (which this reading replaced)
    # stood: the end of the last row read, or of the first blank line after it.
    last, after_blank = reader.line_num, False
    try:
        for row in reader:
            if row:
                rows.append(row)
                lines.append(reader.line_num)
            elif after_blank:
                continue  # blank lines are skipped
            last, after_blank = reader.line_num, not row
    except csv.Error as exc:  # reported after any problem in the rows above it
        broken = _fail(path, max(last, 1), f"invalid CSV: {clip(str(exc), 200)}")
    changes = _csv_changes(path, header, rows, lines)
    if broken is not None:
        raise broken
    return changes


def _one_record_a_line(
    text: str, reader: Iterator[list[str]]
) -> tuple[list[list[str]], list[int]] | None:
    """The rest of `reader`'s rows (blank lines dropped) and their line numbers, read at
    once: in a file without a quote each record is one line (``\r\n`` counted as one
    line break), so the numbers follow. None when a cell is quoted, a ``\r`` stands
    alone, or the CSV is broken: then `parse_csv` reads a row at a time, and reports
    the breakage after any problem above it."""
    if '"' in text or text.count("\r") != text.count("\r\n"):
        return None
    start = 2  # the header, unquoted, is line 1
    try:
        records = list(reader)
    except csv.Error:
        return None
    if all(records):
        return records, list(range(start, start + len(records)))
    numbered = [(row, line) for line, row in enumerate(records, start) if row]
    return [row for row, _ in numbered], [line for _, line in numbered]


def _check_csv_header(path: Path, header: list[str]) -> None:
    if "action" not in header or "ticker" not in header:
        raise _fail(path, 1, "the header must name at least the columns 'action' and 'ticker'")
    unknown = [h for h in header if h not in ("action", "ticker", *EDITABLE_FIELDS)]
    if unknown:
        raise _fail(path, 1, f"unknown column {clip(unknown[0], 60)!r}")
    twice = next((h for i, h in enumerate(header) if h in header[:i]), None)
    if twice is not None:  # a dict by column name would keep the last one silently
        raise _fail(path, 1, f"column {twice!r} appears twice in the header")


def _csv_changes(
    path: Path, header: list[str], rows: list[list[str]], lines: list[int]
) -> list[Change]:
    """The rows' changes; the first row with a problem raises it (``file:line: ...``).

    Work that does not depend on the row is done once per column (strip, the text
    check) or once per distinct value (the action), so a row costs a dict and a tuple.
    """
    width = len(header)
    if set(map(len, rows)) <= {width}:
        padded = rows
    else:
        padded = [row if len(row) == width else [*row, *[""] * width][:width] for row in rows]
    columns = list(zip(*padded, strict=True)) if padded else []
    action_at, ticker_at = header.index("action"), header.index("ticker")
    fields = [(k, name) for k, name in enumerate(header) if k not in (action_at, ticker_at)]
    names = tuple(name for _, name in fields)
    # A column of acceptable text (the usual) needs no check per cell.
    suspect = [
        (k, name) for k, name in fields if columns and _any_text_problem(name, columns[k])
    ]
    actions = {raw: raw.strip().lower() for raw in set(columns[action_at])} if columns else {}
    stripped_columns = [list(map(str.strip, columns[k])) for k, _ in fields] if columns else []
    if padded is rows and not suspect and columns:
        clean = _clean_csv_changes(
            columns[action_at], columns[ticker_at], lines, actions, names, stripped_columns
        )
        if clean is not None:
            return clean
    stripped = zip(*stripped_columns, strict=True) if stripped_columns else None
    changes: list[Change] = []
    for i, row in enumerate(rows):
        values = next(stripped) if stripped is not None else ()
        line = lines[i]
        if len(row) > width:
            raise _fail(path, line, "more cells than header columns")
        cells = padded[i]
        action = actions[cells[action_at]]
        if not action and not "".join(cells).strip():
            continue  # a row of empty cells
        if action not in ACTIONS:
            raise _fail(path, line, f"unknown action {action!r} (expected add, set or remove)")
        ticker = _ticker(path, line, cells[ticker_at] if ticker_at < len(row) else None)
        for k, name in suspect:
            if k < len(row):
                limit = MAX_LONG_FIELD_CHARS if name in LONG_FIELDS else MAX_FIELD_CHARS
                problem = text_problem(cells[k], limit)
                if problem:
                    raise _fail(path, line, f"field {name!r} {problem}")
        found = {name: value for name, value in zip(names, values, strict=True) if value}
        if action == "remove" and found:
            raise _fail(path, line, "remove takes only a ticker")
        changes.append(Change(action, ticker, line, found))
    return changes


def _clean_csv_changes(
    raw_actions: Sequence[str],
    raw_tickers: Sequence[str],
    lines: list[int],
    actions: Mapping[str, str],
    names: Sequence[str],
    stripped_columns: list[list[str]],
) -> list[Change] | None:
    """The changes of rows that are all well formed, built a column at a time; None
    when any row may have a problem (or is blank): the row-by-row reading then finds
    the first one. Called only when every row has the header's width and no cell holds
    unacceptable text."""
    if not all(action in ACTIONS for action in actions.values()):
        return None  # an unknown action, or a blank row (its action is '')
    if all(map(CANONICAL_TICKER.match, raw_tickers)):  # already Yahoo symbols (the usual)
        tickers = list(raw_tickers)
    else:
        try:
            tickers = list(map(normalize_ticker, raw_tickers))
        except InputError:
            return None
    kinds = list(map(actions.__getitem__, raw_actions))
    # Each row's given fields: (name, value) pairs of its non-empty cells, in column order.
    pairs = map(zip, repeat(names), zip(*stripped_columns, strict=True))
    found = list(map(dict, map(filter, repeat(itemgetter(1)), pairs)))
    if not found:  # no column besides action and ticker
        found = [{} for _ in kinds]
    if "remove" in actions.values() and any(
        found[i] for i, kind in enumerate(kinds) if kind == "remove"
    ):
        return None  # a remove with more than a ticker
    return list(map(_new_change, zip(kinds, tickers, lines, found, strict=True)))


_new_change = partial(tuple.__new__, Change)
"""``Change(*values)`` from a 4-tuple, without a Python call per change."""


def _any_text_problem(name: str, cells: list[str]) -> bool:
    """Whether any cell of a column might fail `text_problem` (one scan of the column)."""
    limit = MAX_LONG_FIELD_CHARS if name in LONG_FIELDS else MAX_FIELD_CHARS
    if max(map(len, cells), default=0) > limit:
        return True
    joined = " ".join(cells)
    # Every unsafe character is unprintable to str.isprintable, which scans far faster
    # than the pattern; some acceptable ones are too (U+3000), and only then it runs.
    return not joined.isprintable() and UNSAFE_CHARACTERS.search(joined) is not None


# --------------------------------------------------------------------------- merge


def read_overrides(path: Path) -> list[Change]:
    """Read and validate an override file; the format follows the suffix (.toml or .csv).

    At most MAX_FILE_BYTES of a regular file are read (`files.read_text_file`).
    """
    suffix = path.suffix.lower()  # suffix, type and size before a byte is read
    if suffix not in (".toml", ".csv"):
        raise InputError(f"{path}: override files must end in .toml or .csv")
    text = read_text_file(path, limit=MAX_FILE_BYTES, missing="override file not found")
    changes = parse_toml(path, text) if suffix == ".toml" else parse_csv(path, text)
    changes.sort(key=attrgetter("line"))  # report a duplicate at its later occurrence
    if len({change.ticker for change in changes}) == len(changes):
        return changes  # no ticker twice (the usual): nothing to find
    seen: dict[str, int] = {}
    for change in changes:
        if change.ticker in seen:
            raise _fail(
                path,
                change.line,
                f"duplicate ticker {change.ticker} (first at line {seen[change.ticker]})",
            )
        seen[change.ticker] = change.line
    return changes


def apply_overrides(
    companies: Iterable[Company], changes: Iterable[Change], path: Path
) -> list[Company]:
    """Merge validated changes over a company list, keeping the built-in order.

    Rules: ``add`` needs a ticker not already listed plus name_en, sector and
    sub_segment; ``set`` and ``remove`` need a listed ticker; a ``set`` that moves a
    company to another sector must name the new sub_segment, since the old one
    cannot belong to the new sector. Listing facts must agree with the ticker
    (:func:`resolve_listing`). Removing a primary line promotes its first secondary
    line; ``primary_listing`` links are checked on the merged list
    (:func:`check_primary_listing`) and reported at the line that broke them.
    """
    # A dict keeps the built-in order (adds go last) and removes in O(1): the merge is
    # linear in the size of the file, however long its remove list.
    by_ticker: dict[str, Company] = {c.ticker: c for c in companies}
    primaries = {c.primary_listing for c in by_ticker.values() if c.primary_listing}
    parents = {c.consolidated_into for c in by_ticker.values() if c.consolidated_into}
    changed: dict[str, int] = {}  # ticker -> line of the change that touched it
    source = str(path)
    for action, run in groupby(changes, key=attrgetter("action")):
        if action == "add":  # a run of adds (a file of thousands of adds is the usual)
            _add_run(by_ticker, changed, primaries, list(run), path, source)
            continue
        for change in run:
            _set_or_remove(by_ticker, changed, primaries, parents, change, path)
    order = list(by_ticker)
    _check_primary_links(by_ticker, order, changed, path)
    _check_consolidation_links(by_ticker, order, changed, path)
    return link_consolidations(by_ticker.values(), by_ticker)


def _set_or_remove(
    by_ticker: dict[str, Company],
    changed: dict[str, int],
    primaries: set[str],
    parents: set[str],
    change: Change,
    path: Path,
) -> None:
    """Apply one ``remove`` or ``set`` (any action but add) to the merged list."""
    f = change.fields
    current = by_ticker.get(change.ticker)
    if change.action == "remove":
        if current is None:
            raise _fail(
                path, change.line, f"cannot remove {change.ticker}: not in the universe"
            )
        del by_ticker[change.ticker]
        changed[change.ticker] = change.line
        if change.ticker in primaries:  # only then can a secondary line need promoting
            promoted = _promote_secondaries(by_ticker, change.ticker)
            if promoted is not None:
                primaries.add(promoted)
        if change.ticker in parents:  # only then can a subsidiary name it
            _release_subsidiaries(by_ticker, change.ticker)
        return
    # set
    if current is None:
        raise _fail(
            path,
            change.line,
            f"cannot set {change.ticker}: not in the universe; use add",
        )
    if "sector" in f and (problem := check_sector(f["sector"])):
        raise _fail(path, change.line, f"set {change.ticker}: {problem}")
    if "sector" in f and f["sector"] != current.sector and "sub_segment" not in f:
        raise _fail(
            path,
            change.line,
            f"set {change.ticker}: moving to sector {f['sector']!r} needs a sub_segment",
        )
    updates: dict[str, str | None] = dict(f)
    if updates.get("sector") == current.secondary_sector and "secondary_sector" not in f:
        updates["secondary_sector"] = None  # the old secondary is now the sector
    if "primary_listing" in f:
        updates["primary_listing"] = _primary(
            path, change.line, change.ticker, f["primary_listing"]
        )
    if "consolidated_into" in f:
        updates["consolidated_into"] = _primary(
            path, change.line, change.ticker, f["consolidated_into"], "consolidated_into"
        )
    if {"exchange", "market", "currency"} & f.keys():
        try:
            updates["exchange"], updates["market"], updates["currency"] = resolve_listing(
                change.ticker,
                f.get("exchange", current.exchange),
                f.get("market", current.market),
                f.get("currency", current.currency),
            )
        except ValueError as exc:
            raise _fail(path, change.line, str(exc)) from None
    new = replace(current, **updates, origin="override")
    problem = check_placement(new.sector, new.sub_segment, new.secondary_sector)
    if problem:
        raise _fail(path, change.line, problem)
    by_ticker[change.ticker] = new
    changed[change.ticker] = change.line
    if new.primary_listing:
        primaries.add(new.primary_listing)


_LISTING_FIELDS = ("exchange", "market", "currency")
_LINK_FIELDS = ("primary_listing", "consolidated_into")
_DEFAULT_RATIONALE = "added by user override"


def _add_run(
    by_ticker: dict[str, Company],
    changed: dict[str, int],
    primaries: set[str],
    run: list[Change],
    path: Path,
    source: str,
) -> None:
    """Apply consecutive ``add`` changes: all at once when every one is well formed
    (:func:`_added_all`), else one at a time, which raises the first problem."""
    made = _added_all(by_ticker, run, source)
    if made is not None:
        by_ticker.update(zip(map(attrgetter("ticker"), run), made, strict=True))
        changed.update(map(attrgetter("ticker", "line"), run))
        return
    for change in run:
        if change.ticker in by_ticker:
            raise _fail(
                path,
                change.line,
                f"{change.ticker} is already in the universe; use set to change it",
            )
        new = _added(change, path, source)
        by_ticker[change.ticker] = new
        changed[change.ticker] = change.line
        if new.primary_listing:
            primaries.add(new.primary_listing)


def _added_all(
    by_ticker: Mapping[str, Company], run: list[Change], source: str
) -> list[Company] | None:
    """The companies a run of adds makes, checked and built a column at a time; None
    when any add may be refused, or names a link or listing facts (then :func:`_added`
    decides, one add at a time). Every check is the one :func:`_added` makes."""
    tickers = list(map(attrgetter("ticker"), run))
    fs = list(map(attrgetter("fields"), run))
    if set(map(type, fs)) - {dict} or not by_ticker.keys().isdisjoint(tickers):
        return None
    if len(set(tickers)) != len(tickers):
        return None  # a ticker added twice

    given = set().union(*fs)  # every field any of them names
    if not given.isdisjoint(_LISTING_FIELDS + _LINK_FIELDS):
        return None  # resolve_listing and _primary decide those, one add at a time
    n = len(run)

    def column(key: str, default: str | None = None) -> Iterable[Any]:
        if key not in given:
            return repeat(default, n)
        return list(map(dict.get, fs, repeat(key), repeat(default)))

    name_en, sector, sub_segment = column("name_en"), column("sector"), column("sub_segment")
    if not (all(name_en) and all(sector) and all(sub_segment)):
        return None
    secondary = list(column("secondary_sector"))
    placements = set(zip(sector, sub_segment, secondary, strict=True))  # a few, for thousands
    if any(check_placement(*placement) for placement in placements):
        return None
    exchange, market, currency = zip(*map(listing_facts, tickers), strict=True)
    return companies_from_columns(
        n,
        {
            "ticker": tickers,
            "name_en": name_en,
            "name_zh": column("name_zh", ""),
            "exchange": exchange,
            "market": market,
            "currency": currency,
            "sector": sector,
            "sub_segment": sub_segment,
            "secondary_sector": secondary,
            "rationale": column("rationale", _DEFAULT_RATIONALE),
            "source": column("source", source),
            "primary_listing": repeat(None, n),
            "consolidated_into": repeat(None, n),
            "consolidates": repeat((), n),
            "origin": repeat("override", n),
        },
    )


def _added(change: Change, path: Path, source: str) -> Company:
    """The company one ``add`` makes, every field checked (``file:line`` errors)."""
    f = change.fields
    ticker, line = change.ticker, change.line
    missing = [k for k in ("name_en", "sector", "sub_segment") if not f.get(k)]
    if missing:
        raise _fail(path, line, f"add {ticker}: missing {', '.join(missing)}")
    try:
        exchange, market, currency = resolve_listing(
            ticker, f.get("exchange", ""), f.get("market", ""), f.get("currency", "")
        )
    except ValueError as exc:
        raise _fail(path, line, str(exc)) from None
    new = Company(
        ticker=ticker,
        name_en=f["name_en"],
        name_zh=f.get("name_zh", ""),
        exchange=exchange,
        market=market,
        currency=currency,
        sector=f["sector"],
        sub_segment=f["sub_segment"],
        secondary_sector=f.get("secondary_sector"),
        rationale=f.get("rationale", _DEFAULT_RATIONALE),
        source=f.get("source", source),
        primary_listing=_primary(path, line, ticker, f.get("primary_listing")),
        consolidated_into=_primary(
            path, line, ticker, f.get("consolidated_into"), "consolidated_into"
        ),
        origin="override",
    )
    problem = check_placement(new.sector, new.sub_segment, new.secondary_sector)
    if problem:
        raise _fail(path, line, problem)
    return new


def _promote_secondaries(by_ticker: dict[str, Company], removed: str) -> str | None:
    """After ``removed`` left the list: its first secondary line becomes the primary line.

    Any further secondary lines of the same company are re-pointed to the promoted one,
    so the company is still counted once in sector statistics and no link dangles.
    """
    secondaries = [t for t, c in by_ticker.items() if c.primary_listing == removed]
    if not secondaries:
        return None
    promoted, *others = secondaries
    by_ticker[promoted] = replace(by_ticker[promoted], primary_listing=None, origin="override")
    for ticker in others:
        by_ticker[ticker] = replace(by_ticker[ticker], primary_listing=promoted, origin="override")
    return promoted


def _release_subsidiaries(by_ticker: dict[str, Company], removed: str) -> None:
    """After a parent left the list: its subsidiaries name no parent (they count as before)."""
    for ticker, company in list(by_ticker.items()):
        if company.consolidated_into == removed:
            by_ticker[ticker] = replace(company, consolidated_into=None, origin="override")


def _check_consolidation_links(
    by_ticker: Mapping[str, Company], order: list[str], changed: Mapping[str, int], path: Path
) -> None:
    """Validate every consolidated_into of the merged list; report the earliest breaking line.

    Reported at the subsidiary's change when the file touched it, else at the change of
    the parent it names (a shipped link breaks only when the file changed its parent).
    """
    _check_links(
        by_ticker,
        order,
        changed,
        path,
        check=check_consolidated_into,
        target_of=attrgetter("consolidated_into"),
        broken=lambda target, ticker, problem: (
            f"{target}: the consolidation link of {ticker} would break ({problem}); "
            f"change {ticker} too, or clear it with consolidated_into = {CLEAR!r}"
        ),
    )


def _check_primary_links(
    by_ticker: Mapping[str, Company], order: list[str], changed: Mapping[str, int], path: Path
) -> None:
    """Validate every primary_listing of the merged list; report the earliest breaking line.

    A problem is reported at the change of the secondary line itself when the file
    touched it, else at the change of its primary line (a shipped link can only break
    because the file moved or re-linked the primary line).
    """
    _check_links(
        by_ticker,
        order,
        changed,
        path,
        check=check_primary_listing,
        target_of=attrgetter("primary_listing"),
        broken=lambda target, ticker, problem: (
            f"{target}: its secondary listing {ticker} would break ({problem}); "
            f"change {ticker} too, or clear its link with primary_listing = {CLEAR!r}"
        ),
    )


def _check_links(
    by_ticker: Mapping[str, Company],
    order: list[str],
    changed: Mapping[str, int],
    path: Path,
    *,
    check: Callable[[Company, Mapping[str, Company]], str | None],
    target_of: Callable[[Company], str | None],
    broken: Callable[[str, str, str], str],
) -> None:
    """One link check for the merged list: each company's link by `check`; the earliest
    breaking line is reported, at the company's own change when the file touched it,
    else at the change of the company it links to."""
    problems: list[tuple[int, str]] = []
    linked = [t for t in order if target_of(by_ticker[t]) is not None]  # a handful
    for ticker in linked:
        company = by_ticker[ticker]
        problem = check(company, by_ticker)
        if problem is None:
            continue
        if ticker in changed:
            problems.append((changed[ticker], problem))
            continue
        target = target_of(company) or ""
        line = changed.get(target, min(changed.values(), default=1))
        problems.append((line, broken(target, ticker, problem)))
    if problems:
        line, message = min(problems)
        raise _fail(path, line, message)
