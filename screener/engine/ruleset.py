"""Loading rule files: TOML in, checked `Rule`s out, or one clear `InputError`.

Everything is checked here, before any data is loaded: the TOML itself, the keys
and their types, sector names, duplicate ids, the `when` expression and the `why`
template. `tomllib` reports no positions for keys, so this module scans the
source text for the line of each `[[rule]]` header and each key, and maps an
offset inside a `when`/`why` string back to file line and column, so errors can
quote the line with a caret under the offending token, in the style of httpie.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from screener.engine.age import BASES, DEFAULT_AGE_LIMITS, MAX_LIMIT_DAYS, AgeLimits
from screener.engine.literals import check_literals
from screener.engine.nodes import Node
from screener.engine.parser import parse_condition, suggest
from screener.engine.template import Template, parse_template
from screener.engine.tokens import ExprError
from screener.errors import InputError
from screener.files import read_text_file
from screener.resources import shipped_rules_dir
from screener.universe.taxonomy import SECTORS as COMPANY_SECTORS  # the four + adjacent
from screener.utils import clip, unsafe_character

MAX_FILE_BYTES = 256 * 1024
MAX_RULES = 1000
MAX_SCORE = 100.0
MAX_TEXT = {"title": 200, "description": 4000, "why": 2000}
MAX_TAGS = 20
MAX_SHOWN_LINE = 100

ID_RE = re.compile(r"[a-z0-9][a-z0-9_.-]{0,63}")
TAG_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,39}")
KEYS = ("id", "title", "description", "sectors", "when", "score", "why", "tags", "flag")
FLAG_RE = re.compile(r"[A-Za-z0-9<>=/%+.-]{1,12}")
REQUIRED = ("id", "title", "when", "score")
#: the top-level keys of a rule file: its rules, and the age limits they read figures with
TOP_LEVEL_KEYS = ("rule", "max_age")
_HEADER_RE = re.compile(r"^\s*\[\[\s*(?:rule|\"rule\"|'rule')\s*\]\]")
_TABLE_RE = re.compile(r"^\s*\[\s*(?:max_age|\"max_age\"|'max_age')\s*\]")
_ANY_HEADER_RE = re.compile(r"^\s*\[")
_TOML_POS_RE = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")


@dataclass(frozen=True, slots=True)
class Rule:
    """One checked rule. `why` is the template text, `template` its parsed form."""

    id: str
    title: str
    description: str
    sectors: tuple[str, ...]  # empty: every sector
    when: Node
    when_text: str
    score: float
    why: str
    template: Template | None
    tags: tuple[str, ...]
    path: Path
    line: int
    flag: str | None = None  # short label for the table's Flags column (default: the id)
    max_age: AgeLimits = DEFAULT_AGE_LIMITS  # its file's `[max_age]` over the defaults


@dataclass(frozen=True, slots=True)
class RuleSet:
    """The rules of every file given, in file order then rule order."""

    rules: tuple[Rule, ...]
    paths: tuple[Path, ...]

    def __iter__(self) -> Iterator[Rule]:
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(r.id for r in self.rules)

    @property
    def age_limits(self) -> AgeLimits:
        """The age limits every rule of the set reads with, else (files differ) the defaults:
        what a view that marks old figures once per row should use."""
        found = {rule.max_age for rule in self.rules}
        return found.pop() if len(found) == 1 else DEFAULT_AGE_LIMITS

    def get(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise InputError(f"unknown rule '{quoted(rule_id)}'" + suggest(rule_id, self.ids))


def quoted(text: str, limit: int = 60) -> str:
    """User text quoted in a message: printable, and cut so a hostile file cannot flood."""
    return clip("".join(c if c.isprintable() else "?" for c in text[: limit + 1]), limit)


def _show_line(line: str, col: int) -> tuple[str, int]:
    """A printable excerpt of a source line and the caret column within it (0-based)."""
    shown = "".join(c if c.isprintable() else " " for c in line.replace("\t", " "))
    caret = max(0, col - 1)
    if len(shown) > MAX_SHOWN_LINE:
        start = max(0, min(caret - MAX_SHOWN_LINE // 2, len(shown) - MAX_SHOWN_LINE))
        shown = ("..." if start else "") + shown[start : start + MAX_SHOWN_LINE] + "..."
        caret = caret - start + (3 if start else 0)
    return shown, caret


def located_error(path: str, line: int, col: int, message: str, source: str | None) -> InputError:
    """`path:line:col: message`, then the source line with a caret under the column."""
    text = f"{path}:{line}:{col}: {message}"
    if source is not None:
        shown, caret = _show_line(source, col)
        text += f"\n  {shown}\n  {' ' * caret}^"
    return InputError(text)


class _Source:
    """A rule file's text, with the positions tomllib does not give us."""

    def __init__(self, display: str, text: str) -> None:
        self.display = display
        self.text = text
        self.lines = text.split("\n")
        self.headers = [i for i, line in enumerate(self.lines) if _HEADER_RE.match(line)]

    def section(self, index: int) -> range:
        if index >= len(self.headers):
            return range(0)
        end = self.headers[index + 1] if index + 1 < len(self.headers) else len(self.lines)
        return range(self.headers[index], end)

    def rule_line(self, index: int) -> int:
        return self.headers[index] + 1 if index < len(self.headers) else 1

    def key_line(self, index: int, key: str) -> int | None:
        """0-based line of `key = ...` inside the index-th [[rule]] section."""
        k = re.escape(key)
        pattern = re.compile(rf"^\s*(?:{k}|\"{k}\"|'{k}')\s*=")
        for i in self.section(index):
            if pattern.match(self.lines[i]):
                return i
        return None

    def table_key_line(self, table: str, key: str | None) -> int:
        """0-based line of `key = ...` in the top-level `[table]` (or of the table itself,
        written `[table]` or `table = {...}`); 0 when it cannot be found."""
        start = next((i for i, line in enumerate(self.lines) if _TABLE_RE.match(line)), None)
        if start is None:
            t = re.escape(table)
            inline = re.compile(rf"^\s*(?:{t}|\"{t}\"|'{t}')\s*=")
            return next((i for i, line in enumerate(self.lines) if inline.match(line)), 0)
        if key is None:
            return start
        k = re.escape(key)
        pattern = re.compile(rf"^\s*(?:{k}|\"{k}\"|'{k}')\s*=")
        for i in range(start + 1, len(self.lines)):
            if _ANY_HEADER_RE.match(self.lines[i]):
                break
            if pattern.match(self.lines[i]):
                return i
        return start

    def line_error(self, line: int, message: str) -> InputError:
        """`message` located at the start of a 0-based line, quoting it."""
        text = self.lines[line] if 0 <= line < len(self.lines) else ""
        col = len(text) - len(text.lstrip()) + 1
        return located_error(self.display, line + 1, col, message, text if self.lines else None)

    def error(self, index: int, key: str | None, message: str) -> InputError:
        line = self.key_line(index, key) if key else None
        if line is None:
            line = self.rule_line(index) - 1
        col = len(self.lines[line]) - len(self.lines[line].lstrip()) + 1 if self.lines else 1
        source = self.lines[line] if self.lines else None
        return located_error(self.display, line + 1, col, message, source)

    def value_error(self, index: int, key: str, value: str, err: ExprError) -> InputError:
        """An error inside a string value, mapped to file line and column when possible."""
        line = self.key_line(index, key)
        if line is not None:
            where = self._map_offset(line, value, err.pos)
            if where is not None:
                lno, col = where
                return located_error(self.display, lno + 1, col + 1, err.message, self.lines[lno])
        # The string used escapes (or could not be found): quote the value itself.
        value_lines = value.split("\n")
        offset = err.pos
        row = 0
        while row < len(value_lines) - 1 and offset > len(value_lines[row]):
            offset -= len(value_lines[row]) + 1
            row += 1
        lno = (line if line is not None else self.rule_line(index) - 1) + 1
        shown_line = value_lines[row] if value_lines else ""
        return located_error(
            self.display, lno, offset + 1, f"in '{key}': {err.message}", shown_line
        )

    def _map_offset(self, line: int, value: str, offset: int) -> tuple[int, int] | None:
        """(line, col) 0-based of `offset` in the string value starting on `line`."""
        text_line = self.lines[line]
        eq = text_line.find("=")
        start = eq + 1
        while start < len(text_line) and text_line[start] in " \t":
            start += 1
        rest = text_line[start:]
        for delim in ('"""', "'''", '"', "'"):
            if rest.startswith(delim):
                break
        else:
            return None
        # Absolute offset in the file text of the string's content.
        line_start = sum(len(s) + 1 for s in self.lines[:line])
        content = line_start + start + len(delim)
        if len(delim) == 3 and self.text[content : content + 1] == "\n":
            content += 1
        raw = self.text[content : content + len(value)]
        if raw == value and "\\" not in raw:
            absolute = content + offset
        elif delim == '"':
            found = _raw_offset(self.text, content, offset)
            if found is None:
                return None
            absolute = found
        else:
            return None
        lno = self.text.count("\n", 0, absolute)
        col = absolute - (self.text.rfind("\n", 0, absolute) + 1)
        return lno, col


_ESCAPE_LENGTHS = {"u": 6, "U": 10}


def _raw_offset(text: str, start: int, offset: int) -> int | None:
    """File offset of the `offset`-th decoded character of a one-line basic TOML string.

    Escapes (`\\"`, `\\\\`, `\\n`, `\\u00e9` ...) take several characters in the file and one
    in the value, so a caret must skip over them to land under the right token.
    """
    i, decoded = start, 0
    while decoded < offset:
        if i >= len(text) or text[i] in '"\n':
            return None
        if text[i] == "\\" and i + 1 < len(text):
            i += _ESCAPE_LENGTHS.get(text[i + 1], 2)
        else:
            i += 1
        decoded += 1
    return i


def _read(path: Path) -> str:
    """A rule file's text: a regular UTF-8 file of at most MAX_FILE_BYTES (`files`)."""
    return read_text_file(path, limit=MAX_FILE_BYTES)


def _parse_toml(source: _Source) -> dict[str, Any]:
    try:
        return tomllib.loads(source.text)
    except tomllib.TOMLDecodeError as err:
        message = str(err)
        match = _TOML_POS_RE.search(message)
        if match:
            line, col = int(match.group(1)), int(match.group(2))
            message = message[: match.start()]
            shown = source.lines[line - 1] if 0 < line <= len(source.lines) else None
            return _raise(
                located_error(source.display, line, col, f"invalid TOML: {message}", shown)
            )
        raise InputError(f"{source.display}: invalid TOML: {message}") from None
    except RecursionError:
        raise InputError(f"{source.display}: invalid TOML: nested too deeply") from None


def _raise(err: InputError) -> Any:
    raise err


def _rule_from_table(source: _Source, index: int, table: Any, path: Path) -> Rule:
    if not isinstance(table, dict):
        raise source.error(index, None, "each [[rule]] must be a table")
    for key in table:
        if key not in KEYS:
            raise source.error(
                index,
                key,
                f"unknown key '{quoted(key)}' in [[rule]]"
                + suggest(key, KEYS)
                + f"; allowed keys: {', '.join(KEYS)}",
            )
    for key in REQUIRED:
        if key not in table:
            raise source.error(index, None, f"[[rule]] is missing the required key '{key}'")

    def text(key: str, limit: int | None = None, printable: bool = True) -> str:
        value = table.get(key, "")
        if not isinstance(value, str):
            raise source.error(index, key, f"'{key}' must be a string, not {_type_name(value)}")
        if limit is not None and len(value) > limit:
            raise source.error(index, key, f"'{key}' is too long (the limit is {limit} characters)")
        char = unsafe_character(value, multiline=True) if printable else None
        if char is not None:
            # Escape sequences in a title or reason could rewrite the user's terminal.
            raise source.error(index, key, f"'{key}' contains control characters ({char})")
        return value

    rule_id = text("id")
    if not ID_RE.fullmatch(rule_id):
        raise source.error(
            index,
            "id",
            f"invalid rule id {rule_id[:70]!r}: use lower-case letters, digits, '-', '_' or '.'"
            " (at most 64 characters)",
        )
    title = text("title", MAX_TEXT["title"]).strip()
    if not title:
        raise source.error(index, "title", "'title' must not be empty")
    description = text("description", MAX_TEXT["description"]).strip()

    sectors: tuple[str, ...] = ()
    if "sectors" in table:
        raw = table["sectors"]
        if not isinstance(raw, list) or not raw or not all(isinstance(s, str) for s in raw):
            raise source.error(index, "sectors", "'sectors' must be a non-empty list of sector ids")
        for sector in raw:
            if sector not in COMPANY_SECTORS:
                raise source.error(
                    index,
                    "sectors",
                    f"unknown sector '{quoted(sector)}'"
                    + suggest(sector, COMPANY_SECTORS)
                    + f"; sectors are {', '.join(COMPANY_SECTORS)}",
                )
        sectors = tuple(dict.fromkeys(raw))

    score = table["score"]
    if isinstance(score, bool) or not isinstance(score, int | float):
        raise source.error(index, "score", f"'score' must be a number, not {_type_name(score)}")
    if not math.isfinite(score) or abs(score) > MAX_SCORE:
        raise source.error(
            index, "score", f"'score' must be between -{MAX_SCORE:g} and {MAX_SCORE:g}"
        )

    tags: tuple[str, ...] = ()
    if "tags" in table:
        raw = table["tags"]
        if not isinstance(raw, list) or not all(isinstance(t, str) for t in raw):
            raise source.error(index, "tags", "'tags' must be a list of strings")
        if len(raw) > MAX_TAGS:
            raise source.error(index, "tags", f"too many tags (the limit is {MAX_TAGS})")
        for tag in raw:
            if not TAG_RE.fullmatch(tag):
                raise source.error(index, "tags", f"invalid tag {tag[:60]!r}")
        tags = tuple(raw)

    flag = text("flag").strip() if "flag" in table else ""
    if flag.startswith("-"):
        raise source.error(
            index,
            "flag",
            f"flag label {flag[:40]!r} must not start with '-': a leading '-' marks penalties"
            " in the table, and is added to them automatically",
        )
    if flag and not FLAG_RE.fullmatch(flag):
        raise source.error(
            index,
            "flag",
            f"invalid flag label {flag[:40]!r}: at most 12 letters, digits or < > = / % + . -",
        )

    when_text = text("when", printable=False)  # the tokenizer rejects such characters itself
    try:
        when = parse_condition(when_text)
        check_literals(when)
    except ExprError as err:
        raise source.value_error(index, "when", when_text, err) from None

    why = text("why")
    template: Template | None = None
    if why:
        if len(why) > MAX_TEXT["why"]:
            raise source.error(index, "why", f"'why' is too long (the limit is {MAX_TEXT['why']})")
        try:
            template = parse_template(why)
        except ExprError as err:
            raise source.value_error(index, "why", why, err) from None

    return Rule(
        id=rule_id,
        title=title,
        description=description,
        sectors=sectors,
        when=when,
        when_text=when_text,
        score=float(score),
        why=why,
        template=template,
        flag=flag or None,
        tags=tags,
        path=path,
        line=source.rule_line(index),
    )


def _type_name(value: object) -> str:
    names = {
        bool: "a boolean",
        int: "a number",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "a table",
    }
    return names.get(type(value), type(value).__name__)


def _max_age(source: _Source, data: dict[str, Any]) -> AgeLimits:
    """The file's `[max_age]` table over the default limits, every key and value checked."""
    if "max_age" not in data:
        return DEFAULT_AGE_LIMITS
    table = data["max_age"]
    if not isinstance(table, dict):
        raise source.line_error(
            source.table_key_line("max_age", None),
            f"'max_age' must be a table of days per kind of figure, not {_type_name(table)}"
            f" (write [max_age] with keys {', '.join(BASES)})",
        )
    limits = DEFAULT_AGE_LIMITS.as_dict()
    for key, value in table.items():
        line = source.table_key_line("max_age", key)
        if key not in BASES:
            raise source.line_error(
                line,
                f"unknown key '{quoted(key)}' in [max_age]"
                + suggest(key, BASES)
                + f"; allowed keys: {', '.join(BASES)}",
            )
        if isinstance(value, bool) or not isinstance(value, int):
            raise source.line_error(
                line, f"max_age.{key} must be a whole number of days, not {_type_name(value)}"
            )
        if not 0 <= value <= MAX_LIMIT_DAYS:
            raise source.line_error(
                line, f"max_age.{key} must be between 0 and {MAX_LIMIT_DAYS} days, not {value}"
            )
        limits[key] = value
    return AgeLimits(**limits)


def load_file(path: Path) -> list[Rule]:
    """The rules of one file, or an InputError naming file and line."""
    source = _Source(str(path), _read(path))
    data = _parse_toml(source)
    for key in data:
        if key not in TOP_LEVEL_KEYS:
            line = next(
                (
                    i
                    for i, text in enumerate(source.lines)
                    if re.match(rf"^\s*\[*\s*[\"']?{re.escape(key)}\b", text)
                ),
                0,
            )
            raise located_error(
                source.display,
                line + 1,
                1,
                f"unknown top-level key '{quoted(key)}'"
                + suggest(key, TOP_LEVEL_KEYS)
                + "; a rule file holds [[rule]] tables and an optional [max_age] table",
                source.lines[line] if source.lines else None,
            )
    rules = data.get("rule")
    if rules is None or rules == []:
        raise InputError(f"{source.display}: no rules: add at least one [[rule]] table")
    if not isinstance(rules, list):
        raise located_error(
            source.display, 1, 1, "write rules as [[rule]] (an array of tables)", None
        )
    if len(rules) > MAX_RULES:
        raise InputError(f"{source.display}: too many rules (the limit is {MAX_RULES})")
    limits = _max_age(source, data)
    return [
        replace(_rule_from_table(source, i, table, path), max_age=limits)
        for i, table in enumerate(rules)
    ]


def _expand(paths: Sequence[Path | str]) -> list[Path]:
    files: list[Path] = []
    for entry in paths:
        path = Path(entry)
        if path.is_dir():
            found = sorted(p for p in path.glob("*.toml") if p.is_file())
            if not found:
                raise InputError(f"{path}: no rule files (*.toml) in this folder")
            files.extend(found)
        else:
            files.append(path)
    # The same file named twice (or through a folder and by name) is read once.
    unique: dict[Path, Path] = {}
    for file in files:
        try:
            key = file.resolve()
        except (OSError, RuntimeError):  # a symlink loop: let the reader report it
            key = file
        unique.setdefault(key, file)
    return list(unique.values())


def load_ruleset(paths: Sequence[Path | str] | None = None) -> RuleSet:
    """Load and check every rule of the files (or folders: all *.toml, sorted) given.

    With no paths, loads the shipped packs. Raises InputError (exit status 2)
    with one message naming file, line and column for any problem; never runs
    anything written in the files.
    """
    if paths is None or len(paths) == 0:
        paths = [shipped_rules_dir()]
    files = _expand(paths)
    rules: list[Rule] = []
    first_seen: dict[str, Rule] = {}
    for path in files:
        try:
            loaded = load_file(path)
        except InputError:
            raise
        except RecursionError:
            raise InputError(f"{path}: rule file is nested too deeply") from None
        except Exception as err:  # a last guard: a rule file must never cause a traceback
            message = f"{type(err).__name__}: {err}"
            raise InputError(f"{path}: cannot load rule file: {message}") from None
        for index, rule in enumerate(loaded):
            if rule.id in first_seen:
                first = first_seen[rule.id]
                source = _Source(str(path), _read(path))
                raise source.error(
                    index,
                    "id",
                    f"duplicate rule id '{rule.id}' (first defined at {first.path}:{first.line})",
                )
            first_seen[rule.id] = rule
            rules.append(rule)
        if len(rules) > MAX_RULES:
            raise InputError(f"too many rules in the rule set (the limit is {MAX_RULES})")
    return RuleSet(tuple(rules), tuple(files))
