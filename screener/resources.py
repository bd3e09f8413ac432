"""Where shipped files live, in a wheel or in a source checkout.

The wheel carries the top-level `rules/` folder as `screener/_shipped_rules`
(see pyproject's force-include); an editable install or a bare checkout reads
`rules/` beside the package. One function hides the difference.
"""

from __future__ import annotations

from pathlib import Path

from screener.errors import DataError

_PACKAGE_DIR = Path(__file__).resolve().parent


def shipped_rules_dir() -> Path:
    """The folder of the rule packs that ship with screener."""
    for candidate in (_PACKAGE_DIR / "_shipped_rules", _PACKAGE_DIR.parent / "rules"):
        if candidate.is_dir() and any(candidate.glob("*.toml")):
            return candidate
    raise DataError("the shipped rules are missing from this installation; reinstall screener")


def default_watchlist_dir() -> Path:
    """`watchlists/` in the current folder: where exported CSV watchlists go by default."""
    return Path.cwd() / "watchlists"
