"""Where shipped files live, in a wheel or in a source checkout.

The wheel carries the top-level `rules/` folder as `screener/_shipped_rules`
(see pyproject's force-include); an editable install or a bare checkout reads
`rules/` beside the package. One function hides the difference.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from screener.errors import DataError, InputError

_PACKAGE_DIR = Path(__file__).resolve().parent


def shipped_rules_dir() -> Path:
    """The folder of the rule packs that ship with screener."""
    for candidate in (_PACKAGE_DIR / "_shipped_rules", _PACKAGE_DIR.parent / "rules"):
        if candidate.is_dir() and any(candidate.glob("*.toml")):
            return candidate
    raise DataError("the shipped rules are missing from this installation; reinstall screener")


def rule_sources(paths: Sequence[Path] | None) -> list[Path]:
    """The rule files and folders a `--rules` list names: the given ones, or the shipped
    packs when none is given; a path written `+PATH` adds to the shipped packs instead
    of replacing them. Light (no data library): `rules check` reads its files with it.
    """
    if not paths:
        return [shipped_rules_dir()]
    extra = [str(p)[1:].strip() for p in paths if str(p).startswith("+")]
    if not all(extra):
        raise InputError("--rules +PATH: a rule file or folder must follow the '+'")
    added = [Path(text) for text in extra]
    given = [p for p in paths if not str(p).startswith("+")]
    if added:
        return [shipped_rules_dir(), *given, *added]
    return list(given)


def default_watchlist_dir() -> Path:
    """`watchlists/` in the current folder: where exported CSV watchlists go by default."""
    return Path.cwd() / "watchlists"
