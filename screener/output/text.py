"""Plain lines for people: the refresh summary, a watchlist diff, one company.

Each function returns lines and prints nothing, so the CLI decides where they go
(stdout, or stderr before a screen) and tests compare them as they are. Every value
from the data is made printable (`sanitize.printable`), so a name cannot add a line
of its own to a diff or send an escape code.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from screener.output.format import MISSING, metric_text, signed_text
from screener.output.sanitize import printable
from screener.universe.taxonomy import sector_label, sub_segment_label
from screener.utils import clip, finite_float

MAX_REASON = 160  # a failure reason longer than this is cut (a whole HTML page, say)
MAX_LISTED = 12  # tickers named on one summary line before "and N more"


def _reason(reason: str) -> str:
    """A failure reason on one line, URLs shortened, cut to a readable length."""
    return clip(re.sub(r"https?://\S+", "<url>", " ".join(printable(reason).split())), MAX_REASON)


def _listed(tickers: list[str]) -> str:
    more = len(tickers) - MAX_LISTED
    shown = ", ".join(printable(t) for t in tickers[:MAX_LISTED])
    return shown + (f" and {more} more" if more > 0 else "")


SOURCE_LABELS = {"yahoo": "Yahoo", "eastmoney": "East Money"}


def _source_label(sources: tuple[str, ...]) -> str:
    return " or ".join(SOURCE_LABELS.get(s, s) for s in sources) or "any provider"


def not_found_text(summary: Any) -> str:
    """'N not found on Yahoo': named after the provider(s) that did not know the tickers."""
    source = getattr(summary, "source", "yahoo")
    by = getattr(summary, "not_found_by", {})
    default = () if source == "chain" else (source,)
    counts: dict[str, int] = {}
    for ticker in summary.not_found:
        where = "on " + _source_label(by.get(ticker, default))
        counts[where] = counts.get(where, 0) + 1
    for ticker in summary.not_found_recently:  # from the fetch log: who, if the run knows
        sources = by.get(ticker, default)
        where = "on " + _source_label(sources) if sources else "earlier today"
        counts[where] = counts.get(where, 0) + 1
    if not counts:
        return f"0 not found on {_source_label(default)}" if default else "0 not found"
    total = sum(counts.values())
    if len(counts) == 1:
        return f"{total} not found {next(iter(counts))}"
    return f"{total} not found (" + ", ".join(f"{n} {w}" for w, n in counts.items()) + ")"


def summary_lines(summary: Any) -> list[str]:
    """The refresh summary: one line of counts, then what went wrong, ticker by ticker."""
    lines = [
        f"refresh: {len(summary.fetched)} fetched, {len(summary.skipped_fresh)} skipped as fresh,"
        f" {not_found_text(summary)},"
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
        f"  partly {printable(t)}: saved, but {_reason(reason)} (asked again next run)"
        for t, reason in sorted(summary.partial.items())
    ]
    lines += [f"  failed {printable(t)}: {_reason(r)}" for t, r in sorted(summary.failed.items())]
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
        f"  + {_text(r['ticker']):<10} {_text(r.get('name'))}  score {_score(r)}"
        for r in diff.entered
    ]
    lines.append(f"left ({len(diff.left)}):")
    lines += [
        f"  - {_text(r['ticker']):<10} {_text(r.get('name'))}  score was {_score(r)}"
        for r in diff.left
    ]
    lines.append(f"changed ({len(diff.changed)}):")
    for c in diff.changed:
        flags = [f"+{f}" for f in c.added_flags] + [f"-{f}" for f in c.removed_flags]
        lines.append(
            f"  ~ {_text(c.ticker):<10} {_text(c.name)}  score {signed_text(c.old_score)}"
            f" -> {signed_text(c.new_score)}" + (f"  ({', '.join(flags)})" if flags else "")
        )
        moved = move_text(getattr(c, "moved", ()))
        if moved:
            lines.append(f"      {moved}")
    lines.append(f"unchanged: {diff.unchanged}")
    return lines


def move_text(moves: Any) -> str:
    """'P/E 30.1 -> 28.4 · Price 120.00 -> 131.00 (+9.2%)': the followed figures that moved
    (the price with its change in percent)."""
    from screener.catalog import METRICS

    parts: list[str] = []
    for move in moves:
        label = METRICS[move.metric].label if move.metric in METRICS else move.metric
        old, new = metric_text(move.metric, move.old), metric_text(move.metric, move.new)
        text = f"{label} {old} -> {new}"
        if move.metric == "price" and move.old and move.new is not None and move.old > 0:
            text += f" ({move.new / move.old - 1:+.1%})"
        parts.append(text)
    return " · ".join(parts)


def _text(value: Any) -> str:
    """A saved value as one printable piece of a line ('' when absent)."""
    return printable(str(value)) if value not in (None, "") else ""


def _score(row: Mapping[str, Any]) -> str:
    score = row.get("score", 0)
    return signed_text(score) if isinstance(score, int | float) else "?"


def filters_text(raw: str | None) -> str:
    """A saved run's filters (as stored, JSON) in words: 'source sample; flagged only'."""
    try:
        filters = json.loads(raw or "{}")
    except (json.JSONDecodeError, RecursionError):
        filters = None
    if not isinstance(filters, dict):  # written by someone else: shown as it is, cut short
        return clip(printable(raw), 80) if raw else "none"
    parts = [f"source {_text(filters.get('source')) or 'auto'}"]
    sectors = filters.get("sectors")
    if sectors and isinstance(sectors, list):
        parts.append("sectors " + ", ".join(_text(s) for s in sectors))
    if filters.get("flagged"):
        parts.append("flagged only")
    min_score = finite_float(filters.get("min_score"))
    if min_score is not None:
        parts.append(f"min score {min_score:g}")
    max_age = finite_float(filters.get("max_age"))
    if max_age is not None:
        parts.append(f"data at most {max_age:g} days old")
    where = filters.get("where")
    if isinstance(where, str) and where:
        parts.append(f"where {clip(_text(where), 80)}")
    return "; ".join(parts)


def company_lines(company: Any, companies: Any = ()) -> list[str]:
    """One universe company and why it is there (`universe show`); a dual listing says
    which line it is, and names the other lines of `companies` (the universe)."""
    others = [c.ticker for c in companies if getattr(c, "primary_listing", None) == company.ticker]
    listing = f"{company.exchange}, {company.market}, {company.currency}"
    if getattr(company, "primary_listing", None):
        listing += f"; secondary line of {company.primary_listing} (the same company)"
    elif others:
        listing += f"; primary line, also listed as {', '.join(others)}"
    lines = [
        f"{company.ticker}  {company.name_en} {company.name_zh}".rstrip(),
        f"sector:      {company.sector} ({sector_label(company.sector, 'en')} "
        f"{sector_label(company.sector, 'zh')})",
        f"sub-segment: {company.sub_segment} ({sub_segment_label(company.sub_segment, 'en')} "
        f"{sub_segment_label(company.sub_segment, 'zh')})",
        f"secondary:   {company.secondary_sector or MISSING}",
        f"listing:     {listing}",
        f"statistics:  {company.stats_note}",
        f"why:         {company.rationale}",
        f"source:      {company.source}",
        f"origin:      {company.origin}",
    ]
    return [printable(line) for line in lines]


def sector_count_lines(counts: Mapping[str, Mapping[str, int]]) -> list[str]:
    """Companies per sector of a merged universe (`universe check`)."""
    return [
        f"  {sector:<24} {row['total']:>4} ({row['cn']} A-share, {row['other']} other, "
        f"{row['override']} from overrides)"
        for sector, row in counts.items()
    ]
