"""`universe sync`: the market's own concept boards against the curated universe.

Pure: the caller (the CLI) fetches the board list and the members of the mapped boards
(`screener.data.akshare.boards`) and hands them in; this module says what differs:

* **additions**: members of a mapped board that the universe does not list, each
  classified (:func:`classify_member`) with the boards and the evidence behind it;
* **absent**: A-shares of the universe that sit on none of the mapped boards (a hint
  to review, not proof: East Money's tagging lags and misses);
* **unresolved**: mapped board names East Money no longer lists (renamed or retired:
  the mapping in ``boards.csv`` needs a look).

:func:`overrides_toml` turns the proposals into an override file the existing loader
reads (``[[add]]`` tables for classified additions; the rest as comments), so
nothing changes until the user writes it (``--write FILE``) and points ``--universe``
or the config directory at it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from screener.errors import InputError
from screener.universe.boards import BoardSector
from screener.universe.classifier import (
    MIN_SCORE,
    UNCLASSIFIED,
    Classification,
    classify,
    rank_scores,
)
from screener.universe.companies import Company
from screener.universe.tickers import market_of, normalize_ticker

PROVENANCE = "East Money concept boards via akshare"


@dataclass(frozen=True, slots=True)
class BoardAnswer:
    """One resolved board as East Money lists it: name, its code today, its members."""

    name: str
    code: str
    members: tuple[tuple[str, str], ...]  # (six-digit code, name), as served


@dataclass(frozen=True, slots=True)
class Proposal:
    """A board member the universe does not list, with where it was seen and a verdict."""

    ticker: str
    name: str
    boards: tuple[str, ...]
    verdict: Classification

    def to_row(self) -> dict[str, Any]:
        return {
            "ticker": self.ticker,
            "name": self.name,
            "sector": self.verdict.sector,
            "sub_segment": self.verdict.sub_segment,
            "confidence": self.verdict.confidence,
            "boards": list(self.boards),
            "evidence": list(self.verdict.evidence),
            "reason": self.verdict.reason,
        }


@dataclass(frozen=True)
class SyncReport:
    """What `universe sync` found; `skipped` holds member codes no ticker could be made of."""

    boards: tuple[BoardAnswer, ...]
    unresolved: tuple[str, ...]
    additions: tuple[Proposal, ...]
    absent: tuple[Company, ...]
    known: int  # members already in the universe
    skipped: tuple[tuple[str, str], ...] = field(default=())  # (code, why)
    removed: tuple[str, ...] = ()  # members the user's overrides remove: not proposed again

    @property
    def classified(self) -> tuple[Proposal, ...]:
        return tuple(p for p in self.additions if p.verdict.is_classified)

    def to_json(self) -> dict[str, Any]:
        return {
            "source": PROVENANCE,
            "boards": [
                {"name": b.name, "code": b.code, "members": len(b.members)} for b in self.boards
            ],
            "unresolved_boards": list(self.unresolved),
            "additions": [p.to_row() for p in self.additions],
            "absent": [absent_row(c) for c in self.absent],
            "already_listed": self.known,
            "skipped": [{"code": c, "why": w} for c, w in self.skipped],
            "removed_by_overrides": list(self.removed),
        }


def absent_row(company: Company) -> dict[str, Any]:
    return {
        "ticker": company.ticker,
        "name": company.name_zh or company.name_en,
        "sector": company.sector,
        "sub_segment": company.sub_segment,
    }


def board_evidence(board: BoardSector) -> str:
    return f"board {board.name} -> {board.sector}/{board.sub_segment} (weight {board.weight:g})"


def classify_member(name: str, boards: Sequence[BoardSector]) -> Classification:
    """Place a board member: the classifier on its name first, else the boards' votes.

    A name rarely says the product ("长飞光纤" does); when the classifier cannot place
    it, the boards vote with their weights under the classifier's own thresholds
    (`MIN_SCORE`, `MIN_DOMINANCE`): one product board places a company, broad themes
    alone (数据中心 + 东数西算) do not, and boards of different sectors conflict.
    """
    votes = tuple(board_evidence(b) for b in boards)
    by_name = classify({"longBusinessSummary": name})
    same = [b for b in boards if b.sector == by_name.sector]
    if by_name.is_classified and (by_name.sub_segment or same):
        sub = by_name.sub_segment or max(same, key=lambda b: b.weight).sub_segment
        return replace(
            by_name,
            sub_segment=sub,
            evidence=by_name.evidence + votes,
            reason=f"name: {by_name.reason}",
        )
    scores: dict[str, float] = {}
    for board in boards:
        scores[board.sector] = scores.get(board.sector, 0.0) + board.weight
    if not scores:
        return Classification(UNCLASSIFIED, None, 0.0, votes, "on no mapped board")
    ranking = rank_scores(scores)
    best_sector, best = ranking.best_sector, ranking.best
    runner_sector, runner = ranking.runner_sector, ranking.runner
    if ranking.weak:
        return Classification(
            UNCLASSIFIED,
            None,
            0.0,
            votes,
            f"weak evidence: the boards give {best_sector} {best:g} < {MIN_SCORE:g}",
        )
    if ranking.conflicting:
        return Classification(
            UNCLASSIFIED,
            None,
            0.0,
            votes,
            f"boards disagree: {best_sector} {best:g} vs {runner_sector} {runner:g}",
        )
    heaviest = max((b for b in boards if b.sector == best_sector), key=lambda b: b.weight)
    confidence = ranking.confidence
    reason = f"boards: {best_sector} {best:g}" + (
        f", next {runner_sector} {runner:g}" if runner else ""
    )
    return Classification(best_sector, heaviest.sub_segment, confidence, votes, reason)


def _ticker(code: str) -> tuple[str | None, str]:
    try:
        ticker = normalize_ticker(code)
    except InputError as exc:
        return None, str(exc)
    if market_of(ticker) != "CN":
        return None, f"{code} is not an A-share code"
    return ticker, ""


def compare(
    answers: Iterable[BoardAnswer],
    mapping: Sequence[BoardSector],
    universe: Iterable[Company],
    unresolved: Iterable[str] = (),
    removed: Iterable[str] = (),
) -> SyncReport:
    """The differences between the boards' members and the universe (see the module doc).

    `removed`: tickers the user's override file removes; members among them are listed
    apart, not proposed again (the user took them out on purpose).
    """
    by_name = {b.name: b for b in mapping}
    answers = tuple(a for a in answers if a.name in by_name)
    companies = list(universe)
    listed = {c.ticker for c in companies}
    seen: dict[str, tuple[str, list[BoardSector]]] = {}
    skipped: dict[str, str] = {}
    for answer in answers:
        for code, name in answer.members:
            ticker, why = _ticker(code)
            if ticker is None:
                skipped.setdefault(code, why)
                continue
            entry = seen.setdefault(ticker, (name, []))
            if by_name[answer.name] not in entry[1]:
                entry[1].append(by_name[answer.name])
    taken_out = set(removed)
    additions = tuple(
        Proposal(ticker, name, tuple(b.name for b in boards), classify_member(name, boards))
        for ticker, (name, boards) in sorted(seen.items())
        if ticker not in listed and ticker not in taken_out
    )
    absent = tuple(
        c for c in companies if market_of(c.ticker) == "CN" and c.ticker not in seen
    )
    return SyncReport(
        boards=answers,
        unresolved=tuple(unresolved),
        additions=additions,
        absent=absent,
        known=sum(1 for t in seen if t in listed),
        skipped=tuple(sorted(skipped.items())),
        removed=tuple(sorted(t for t in seen if t in taken_out and t not in listed)),
    )


def _toml(value: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's; control characters are escaped)."""
    return json.dumps(value, ensure_ascii=False)


def _comment(text: str) -> str:
    return "".join(ch if ch.isprintable() else " " for ch in text)


def quote_page(ticker: str) -> str:
    """East Money's quote page for an A-share ticker: the source a user can open."""
    code, suffix = ticker.split(".")
    prefix = {"SS": "sh", "SZ": "sz", "BJ": "bj"}[suffix]
    return f"https://quote.eastmoney.com/{prefix}{code}.html"


def overrides_toml(report: SyncReport, day: str, meta: Mapping[str, str] | None = None) -> str:
    """The proposals as a TOML override file `screener.universe.load_universe` reads."""
    lines = [
        f"# Proposed by `screener universe sync` on {day} from {PROVENANCE}.",
        "# Board membership is East Money's tagging, not a business breakdown: review each",
        "# entry (and give name_en an English name) before pointing --universe at this file.",
    ]
    lines += [f"# {_comment(k)}: {_comment(v)}" for k, v in (meta or {}).items()]
    for p in report.classified:
        lines += [
            "",
            "[[add]]",
            f"ticker = {_toml(p.ticker)}",
            f"name_en = {_toml(p.name)}",
            f"name_zh = {_toml(p.name)}",
            f"sector = {_toml(p.verdict.sector)}",
            f"sub_segment = {_toml(p.verdict.sub_segment or '')}",
            "rationale = "
            + _toml(
                f"universe sync: on {', '.join(p.boards)}; {p.verdict.reason}; evidence: "
                + "; ".join(p.verdict.evidence)
            ),
            f"source = {_toml(quote_page(p.ticker))}",
        ]
    rest = [p for p in report.additions if not p.verdict.is_classified]
    if rest:
        lines += ["", "# Not classified (add sector and sub_segment to use them):"]
        lines += [
            f"#   {p.ticker} {_comment(p.name)}: on {', '.join(p.boards)}; "
            f"{_comment(p.verdict.reason)}"
            for p in rest
        ]
    if report.absent:
        lines += ["", "# In the universe but on none of the boards (nothing removed; review):"]
        lines += [
            f"#   {c.ticker} {_comment(c.name_zh or c.name_en)} ({c.sector})"
            for c in report.absent
        ]
    if report.unresolved:
        lines += ["", "# Mapped boards East Money no longer lists (check boards.csv):"]
        lines += [f"#   {_comment(name)}" for name in report.unresolved]
    return "\n".join(lines) + "\n"
