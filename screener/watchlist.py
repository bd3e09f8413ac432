"""Watchlists: saved runs of a screen, and what changed between two of them.

Pure logic (names, fingerprints, diffs); the store keeps the runs. A run keeps
the rows as exported (the stable CSV schema), the rule set's fingerprint and the
data's as-of range, so a diff can say whether the rules changed as well as the data.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from screener.errors import InputError
from screener.utils import clip, finite_float, text_problem

#: `watchlist save --exit-code`: names entered or left since the list's previous run
#: (0: none did; 1 and 2 keep their meaning: a runtime failure, bad input)
NAMES_CHANGED_STATUS = 3

_NAME = re.compile(r"^[^\W_][\w.-]{0,63}$")


def validate_name(name: str) -> str:
    """A watchlist name: letters (any script), digits, `_ . -`; no paths, at most 64 chars.

    It passes the one check of accepted text first (`utils.text_problem`), then the
    shape; the name is quoted cut short and escaped, whatever it holds.
    """
    if text_problem(name, 64) or not _NAME.fullmatch(name) or ".." in name:
        raise InputError(
            f"invalid watchlist name {clip(repr(name), 70)}: use letters, digits, '_', '-'"
            " or '.', start with a letter or digit, at most 64 characters"
        )
    return name


def _own_limits(rule: Any) -> Any:
    """A rule's age limits (`engine.age.AgeLimits`) when its file set its own, else None.

    The limits' type built without arguments is the defaults: no import of the engine.
    """
    limits = getattr(rule, "max_age", None)
    return None if limits is None or limits == type(limits)() else limits


def rules_fingerprint(rules: Iterable[Any]) -> str:
    """A short hash of what the rules say (ids, conditions, scores, sectors), not of files."""
    canon = [
        [rule.id, rule.when_text, float(rule.score), sorted(rule.sectors)]
        # age limits other than the defaults change what a rule decides (issue 10); the
        # defaults add nothing, so fingerprints saved before them still match
        + ([limits.as_dict()] if (limits := _own_limits(rule)) is not None else [])
        for rule in sorted(rules, key=lambda r: r.id)
    ]
    digest = hashlib.sha256(json.dumps(canon, ensure_ascii=False).encode("utf-8"))
    return digest.hexdigest()[:12]


#: the figures a diff follows beside flags and score: what an analyst asks first
DIFF_METRICS: tuple[str, ...] = ("price", "pe_ttm", "pe_fwd")


@dataclass(frozen=True)
class MetricMove:
    """One followed figure of a company in both runs (None: missing in that run)."""

    metric: str
    old: float | None
    new: float | None

    @property
    def moved(self) -> bool:
        return self.old != self.new


def metric_moves(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[MetricMove, ...]:
    """The followed figures of one company in two saved rows (damaged values: missing)."""
    return tuple(
        MetricMove(m, finite_float(before.get(m)), finite_float(after.get(m)))
        for m in DIFF_METRICS
    )


@dataclass(frozen=True)
class RunChange:
    """A company in both runs whose flags, score or followed figures moved."""

    ticker: str
    name: str
    old_score: float
    new_score: float
    added_flags: tuple[str, ...]
    removed_flags: tuple[str, ...]
    moves: tuple[MetricMove, ...] = ()  # every followed figure, moved or not

    @property
    def moved(self) -> tuple[MetricMove, ...]:
        return tuple(m for m in self.moves if m.moved)


@dataclass(frozen=True)
class WatchlistDiff:
    entered: tuple[Mapping[str, Any], ...]
    left: tuple[Mapping[str, Any], ...]
    changed: tuple[RunChange, ...]
    unchanged: int
    rules_changed: bool

    @property
    def empty(self) -> bool:
        return not (self.entered or self.left or self.changed)


def diff_runs(
    old_rows: Sequence[Mapping[str, Any]],
    new_rows: Sequence[Mapping[str, Any]],
    *,
    old_rules: str | None = None,
    new_rules: str | None = None,
) -> WatchlistDiff:
    """Names that entered or left, and names whose flags or score changed."""
    old = {row["ticker"]: row for row in old_rows}
    new = {row["ticker"]: row for row in new_rows}
    changed: list[RunChange] = []
    unchanged = 0
    for ticker in new.keys() & old.keys():
        before, after = old[ticker], new[ticker]
        old_flags, new_flags = _flags(before), _flags(after)
        old_score, new_score = _score(before), _score(after)
        moves = metric_moves(before, after)
        if old_flags == new_flags and old_score == new_score and not any(m.moved for m in moves):
            unchanged += 1
            continue
        changed.append(
            RunChange(
                ticker=ticker,
                name=str(after.get("name") or ""),
                old_score=old_score,
                new_score=new_score,
                added_flags=tuple(f for f in new_flags if f not in old_flags),
                removed_flags=tuple(f for f in old_flags if f not in new_flags),
                moves=moves,
            )
        )
    return WatchlistDiff(
        entered=tuple(new[t] for t in new if t not in old),
        left=tuple(old[t] for t in old if t not in new),
        changed=tuple(sorted(changed, key=lambda c: c.new_score - c.old_score, reverse=True)),
        unchanged=unchanged,
        rules_changed=old_rules is not None and new_rules is not None and old_rules != new_rules,
    )


def _flags(row: Mapping[str, Any]) -> list[str]:
    """A saved row's flags: rule ids as text (anything else in a damaged row is ignored)."""
    flags = row.get("flags")
    return [f for f in flags if isinstance(f, str)] if isinstance(flags, list) else []


def _score(row: Mapping[str, Any]) -> float:
    """A saved row's score; 0 where a damaged row holds no usable number."""
    return finite_float(row.get("score")) or 0.0


DIFF_COLUMNS: tuple[str, ...] = (
    "change",
    "ticker",
    "name",
    "old_score",
    "new_score",
    "added_flags",
    "removed_flags",
    *(f"{side}_{m}" for m in DIFF_METRICS for side in ("old", "new")),
)


def _figures(old: Mapping[str, Any] | None, new: Mapping[str, Any] | None) -> dict[str, Any]:
    """old_/new_ columns of the followed figures (None where a side is absent)."""
    out: dict[str, Any] = {}
    for m in DIFF_METRICS:
        out[f"old_{m}"] = finite_float(old.get(m)) if old is not None else None
        out[f"new_{m}"] = finite_float(new.get(m)) if new is not None else None
    return out


def diff_rows(diff: WatchlistDiff) -> list[dict[str, Any]]:
    """The diff as rows (for JSON/CSV): one per company that entered, left or changed."""
    rows: list[dict[str, Any]] = [
        {
            "change": "entered",
            "ticker": r["ticker"],
            "name": r.get("name"),
            "old_score": None,
            "new_score": r.get("score"),
            "added_flags": list(r.get("flags") or ()),
            "removed_flags": [],
            **_figures(None, r),
        }
        for r in diff.entered
    ]
    rows += [
        {
            "change": "left",
            "ticker": r["ticker"],
            "name": r.get("name"),
            "old_score": r.get("score"),
            "new_score": None,
            "added_flags": [],
            "removed_flags": list(r.get("flags") or ()),
            **_figures(r, None),
        }
        for r in diff.left
    ]
    rows += [
        {
            "change": "changed",
            "ticker": c.ticker,
            "name": c.name,
            "old_score": c.old_score,
            "new_score": c.new_score,
            "added_flags": list(c.added_flags),
            "removed_flags": list(c.removed_flags),
            **{f"old_{m.metric}": m.old for m in c.moves},
            **{f"new_{m.metric}": m.new for m in c.moves},
        }
        for c in diff.changed
    ]
    return rows
