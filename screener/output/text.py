"""Plain lines for people: the refresh summary, a watchlist diff, one company.

Each function returns lines and prints nothing, so the CLI decides where they go
(stdout, or stderr before a screen) and tests compare them as they are.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from screener.output.format import MISSING, signed_text
from screener.universe.taxonomy import sector_label, sub_segment_label
from screener.utils import clip

MAX_REASON = 160  # a failure reason longer than this is cut (a whole HTML page, say)
MAX_LISTED = 12  # tickers named on one summary line before "and N more"


def _reason(reason: str) -> str:
    """A failure reason on one line, URLs shortened, cut to a readable length."""
    return clip(re.sub(r"https?://\S+", "<url>", " ".join(reason.split())), MAX_REASON)


def _listed(tickers: list[str]) -> str:
    more = len(tickers) - MAX_LISTED
    return ", ".join(tickers[:MAX_LISTED]) + (f" and {more} more" if more > 0 else "")


def summary_lines(summary: Any) -> list[str]:
    """The refresh summary: one line of counts, then what went wrong, ticker by ticker."""
    lines = [
        f"refresh: {len(summary.fetched)} fetched, {len(summary.skipped_fresh)} skipped as fresh,"
        f" {len(summary.not_found) + len(summary.not_found_recently)} not found on Yahoo,"
        f" {len(summary.failed)} failed ({summary.requests} requests, {summary.elapsed:.1f}s"
        + (f", {summary.throttled} rate-limited answers" if summary.throttled else "")
        + ")"
    ]
    if summary.stopped:
        lines.append(f"  stopped early: {summary.stopped}")
    if summary.not_found:
        lines.append(
            "  not found now (asked again in a day, or with --force): "
            + _listed(sorted(summary.not_found))
        )
    if summary.not_found_recently:
        lines.append(
            "  not found earlier today, not asked again (--force asks now): "
            + _listed(sorted(summary.not_found_recently))
        )
    lines += [
        f"  partly {t}: saved, but {_reason(reason)} (asked again next run)"
        for t, reason in sorted(summary.partial.items())
    ]
    lines += [f"  failed {t}: {_reason(reason)}" for t, reason in sorted(summary.failed.items())]
    return lines


def diff_lines(diff: Any, title: str, filters: tuple[str, str]) -> list[str]:
    """A watchlist diff as text: what entered, left and changed, and whether rules or
    filters moved between the two runs (`filters` in words, old then new)."""
    lines = [title]
    if diff.rules_changed:
        lines.append("note: the rule set changed between the two runs")
    if filters[0] != filters[1]:
        lines.append(
            f"note: the filters changed between the two runs ({filters[0]} -> {filters[1]}),"
            " so some names may have left or entered because of them"
        )
    lines.append(f"entered ({len(diff.entered)}):")
    lines += [
        f"  + {r['ticker']:<10} {r.get('name') or ''}  score {signed_text(r.get('score', 0))}"
        for r in diff.entered
    ]
    lines.append(f"left ({len(diff.left)}):")
    lines += [
        f"  - {r['ticker']:<10} {r.get('name') or ''}  score was {signed_text(r.get('score', 0))}"
        for r in diff.left
    ]
    lines.append(f"changed ({len(diff.changed)}):")
    for c in diff.changed:
        flags = [f"+{f}" for f in c.added_flags] + [f"-{f}" for f in c.removed_flags]
        lines.append(
            f"  ~ {c.ticker:<10} {c.name}  score {signed_text(c.old_score)}"
            f" -> {signed_text(c.new_score)}" + (f"  ({', '.join(flags)})" if flags else "")
        )
    lines.append(f"unchanged: {diff.unchanged}")
    return lines


def filters_text(raw: str | None) -> str:
    """A saved run's filters (as stored, JSON) in words: 'source sample; flagged only'."""
    try:
        filters = json.loads(raw or "{}")
    except json.JSONDecodeError:
        return raw or "none"
    parts = [f"source {filters.get('source') or 'auto'}"]
    if filters.get("sectors"):
        parts.append("sectors " + ", ".join(filters["sectors"]))
    if filters.get("flagged"):
        parts.append("flagged only")
    if filters.get("min_score") is not None:
        parts.append(f"min score {filters['min_score']:g}")
    if filters.get("max_age") is not None:
        parts.append(f"data at most {filters['max_age']} days old")
    return "; ".join(parts)


def company_lines(company: Any) -> list[str]:
    """One universe company and why it is there (`universe show`)."""
    return [
        f"{company.ticker}  {company.name_en} {company.name_zh}".rstrip(),
        f"sector:      {company.sector} ({sector_label(company.sector, 'en')} "
        f"{sector_label(company.sector, 'zh')})",
        f"sub-segment: {company.sub_segment} ({sub_segment_label(company.sub_segment, 'en')} "
        f"{sub_segment_label(company.sub_segment, 'zh')})",
        f"secondary:   {company.secondary_sector or MISSING}",
        f"listing:     {company.exchange}, {company.market}, {company.currency}",
        f"why:         {company.rationale}",
        f"source:      {company.source}",
        f"origin:      {company.origin}",
    ]


def sector_count_lines(counts: Mapping[str, Mapping[str, int]]) -> list[str]:
    """Companies per sector of a merged universe (`universe check`)."""
    return [
        f"  {sector:<24} {row['total']:>4} ({row['cn']} A-share, {row['other']} other, "
        f"{row['override']} from overrides)"
        for sector, row in counts.items()
    ]
