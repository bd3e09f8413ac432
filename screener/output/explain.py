"""`screener explain`: every rule for one company, with the numbers behind each verdict.

Renders the engine's per-rule explanations plus the company's provenance: where
each figure came from, which were derived and how, and the compiler's own doubts
about the source figures, so a flag can be checked by hand. Every input is shown
with its vintage (the date or period it describes); an input too old for the rule's
age limits is said to be stale, with its period, and the rule read it as unknown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.text import Text

from screener.catalog import METRICS, POSITIVE_MULTIPLES
from screener.engine import explain
from screener.errors import InputError
from screener.output.format import (
    change_text,
    is_missing,
    is_sample,
    number_text,
    percent_text,
    signed_text,
    source_label,
)
from screener.output.grid import grid
from screener.output.sanitize import printable
from screener.universe import sector_label, sub_segment_label, suggest_tickers, suggestion_text

if TYPE_CHECKING:
    from screener.run import ScreenRun


def rule_explanations(result: ScreenRun, ticker: str) -> list[Any]:
    """Every rule for one company, as `evaluate` decided it (the run's ages included)."""
    return explain(result.ruleset, result.frame, result.points, ticker, result.ages)


def _stale_list(item: Any) -> list[dict[str, Any]]:
    """A rule's stale inputs as plain data: which, from when, how much older than the quote."""
    labels, ages = dict(item.vintages), dict(item.ages)
    return [
        {"input": name, "from": labels.get(name), "days_before_quote": ages.get(name)}
        for name in item.stale
    ]


def stale_text(item: Any) -> str:
    """'stale input: revenue_growth from TTM to 2024-09' (every stale input of a rule)."""
    labels = dict(item.vintages)
    names = [f"{name} from {labels[name]}" if name in labels else name for name in item.stale]
    return "stale input: " + ", ".join(names)


def explanation_rows(result: ScreenRun, ticker: str) -> dict[str, Any]:
    """The explanation as plain data (for `--format json`)."""
    _require_data(result, ticker)
    explanations = rule_explanations(result, ticker)
    row = result.frame.loc[ticker]
    return {
        "ticker": ticker,
        "name": row["name_en"],
        "name_zh": row["name_zh"] or None,
        "sector": row["sector"],
        "source": result.source,
        "as_of": row["as_of"],
        "score": float(row["score"]),
        "provenance": result.provenance.get(ticker) or None,
        "vintages": result.ages.of_row(ticker) if result.ages is not None else {},
        "rules": [
            {
                "id": item.rule.id,
                "score": item.rule.score,
                "when": item.rule.when_text,
                "applicable": item.applicable,
                "result": item.result,
                "fired": item.fired,
                "inputs": {expr: _json_value(value) for expr, value in item.inputs},
                "conditions": [{"test": text, "result": ok} for text, ok in item.conditions],
                "missing": list(item.missing),
                "reason": item.reason,
                "stale": _stale_list(item),
                "input_vintages": dict(item.vintages),
                "deciding": list(item.deciding),
                "unneeded_missing": list(item.unneeded),
                "groups": {
                    expr: {"n": facts.n, "median": facts.median, "over": facts.over}
                    for expr, facts in item.groups
                },
            }
            for item in explanations
        ],
    }


def _json_value(value: Any) -> Any:
    return None if is_missing(value) else value


def _input_value(expr: str, value: Any) -> str:
    """Inputs as a reader checks them: percentiles and fractions as percentages."""
    if isinstance(value, float) and not is_missing(value):
        if expr.startswith(("hist_pct(", "sector_pct(")):
            return percent_text(value)
        if expr.startswith("peer_gap(") or (expr in METRICS and METRICS[expr].kind == "fraction"):
            return f"{change_text(value)} ({number_text(value)})"
    return number_text(value)


def _missing_inputs(item: Any) -> list[str]:
    """What made a rule undecidable, besides stale inputs: missing metrics, or statistics
    that could not be made."""

    missing = list(item.missing)
    values = dict(item.inputs)
    for expr, value in item.inputs:
        if not is_missing(value) or "(" not in expr or expr in item.unknown_inputs:
            continue
        argument = expr[expr.index("(") + 1 : -1]
        if argument in values and is_missing(values[argument]):
            continue  # its input is missing, already said
        if expr.startswith("hist_median("):
            missing.append(f"{expr} (fewer than 3 past points of the company's own history)")
        elif expr.startswith("hist_pct("):
            missing.append(f"{expr} (fewer than 3 usable past points, or a non-positive value)")
        else:
            missing.append(f"{expr} (not enough values in its group)")
    return missing or ([] if item.stale else ["an input"])


def _input_line(item: Any, expr: str, value: Any) -> str:
    """One input as `explain` lists it: its value, then the date or period it describes."""
    labels, ages = dict(item.vintages), dict(item.ages)
    if expr in item.unknown_inputs:
        return f"{expr} = unknown (stale input)"
    line = f"{expr} = {_input_value(expr, value)}"
    facts = dict(item.groups).get(expr)
    if facts is not None:
        line += " " + group_text(facts)
    if expr in labels:
        line += f" [{labels[expr]}"
        if expr in item.stale:
            age = ages.get(expr)
            line += ", STALE" + (f": {age:.0f} d before the quote" if age is not None else "")
        line += "]"
    return line


def group_text(facts: Any) -> str:
    """'vs peer median 49.2 (n=5 peers)': what a group function was computed over."""
    over = facts.over[:-1] if facts.n == 1 and facts.over.endswith("s") else facts.over
    count = f"(n={facts.n} {over})"
    if facts.median is not None:
        return f"vs peer median {number_text(facts.median)} {count}"
    return count


def _unneeded_text(item: Any) -> str:
    """'decided without net_margin (missing)', or '' when nothing missing was skipped."""
    if not item.unneeded:
        return ""
    return f"decided without {', '.join(item.unneeded)} (missing)"


def verdict_text(item: Any) -> str:
    """Why the rule came out as it did: the deciding tests, stale inputs named wherever
    it read one, and missing inputs only where they left the outcome open."""
    stale = stale_text(item) if item.stale else ""
    unneeded = _unneeded_text(item)
    if item.fired:
        text = item.reason or item.rule.title
        if unneeded:
            text += f"\n({unneeded})"
        return f"{text}\n(read as unknown: {stale})" if stale else text
    if item.result is None:
        parts = [stale] if stale else []
        missing = [m for m in _missing_inputs(item) if m.split(" ")[0] not in item.unneeded]
        if missing:
            parts.append("missing " + ", ".join(missing))
        return "cannot tell: " + "; ".join(parts or ["an input is unknown"])
    decided = set(item.deciding)
    failed = [f"`{text}`" for text, ok in item.conditions if ok is False and text in decided]
    failed = failed or [f"`{text}`" for text, ok in item.conditions if ok is False]
    if failed:
        verb = "does not hold" if len(failed) == 1 else "do not hold"
        text = f"false: {', '.join(failed)} {verb}"
    else:
        text = "false: the condition does not hold"
    if unneeded:
        text += f"; {unneeded}"
    if stale:
        unknown = [test for test, ok in item.conditions if ok is None]
        text += f"\nunknown for a {stale}"
        if unknown:
            text += f" ({'; '.join(unknown)})"
    return text


def _stale_figures(result: ScreenRun, ticker: str) -> list[tuple[str, str, float]]:
    """Every figure of the row too old for the rule set's limits: (metric, from, days)."""
    ages = result.ages
    if ages is None:
        return []
    stale = ages.stale(result.ruleset.age_limits)
    if ticker not in stale.index:
        return []
    out = []
    for metric in stale.columns[stale.loc[ticker].to_numpy(dtype=bool)]:
        age = ages.age(ticker, str(metric))
        out.append((str(metric), ages.label(ticker, str(metric)) or "", age or 0.0))
    return out


def _require_data(result: ScreenRun, ticker: str) -> None:
    """A clear error for a ticker with no data in this run (or not in the universe at all)."""
    if ticker in result.frame.index:
        return
    source = source_label(result.source, "holder")
    if ticker in result.universe_names:
        hint = (
            "the sample covers 63 companies; `screener screen --source sample` lists them"
            if is_sample(result.source)
            else f"run `screener refresh {ticker}`"
        )
        raise InputError(f"{ticker} is in the universe but {source} has no data for it ({hint})")
    names = {t: (c.name_en, c.name_zh) for t, c in result.universe.items()}
    raise InputError(
        f"{ticker} is not in the universe{suggestion_text(suggest_tickers(ticker, names), names)};"
        " see `screener universe list`, or add it with a universe override file"
    )


def render_explanation(result: ScreenRun, ticker: str, *, width: int = 100) -> RenderableType:
    """The explanation of every rule of the run's rule set for `ticker`."""
    _require_data(result, ticker)
    explanations = rule_explanations(result, ticker)
    row = result.frame.loc[ticker]
    parts: list[RenderableType] = []
    title = Text()
    # Every value from the data is made printable: one line each, no escape codes.
    name = printable(f"{ticker}  {row['name_en']} {row['name_zh'] or ''}".rstrip())
    title.append(name, style="bold")
    title.append(
        f"\n{sector_label(row['sector'], 'en')} {sector_label(row['sector'], 'zh')} · "
        + printable(
            f"{sub_segment_label(row['sub_segment'], 'en')} · {row['market']} · {row['currency']}"
        )
    )
    source = source_label(result.source, "explain")
    title.append("\n" + printable(f"source: {source}, as of {row['as_of']}"))
    if isinstance(row.get("source_url"), str):
        title.append("\n" + printable(row["source_url"]), style="dim")
    parts.append(title)
    if result.banner:
        parts.append(Panel(Text(result.banner), border_style="yellow", expand=False))
    notes = row.get("notes")
    if isinstance(notes, str) and notes:
        parts.append(Text(printable(f"Source notes: {notes}"), style="yellow"))
    window = own_history_window(result.history, ticker)
    if window:
        text = Text("Own history (hist_pct, hist_median):", style="bold")
        for metric, (points, first, last) in window.items():
            text.append(f"\n  {metric}: {points} points, {first} to {last}")
        parts.append(text)
    provenance = result.provenance.get(ticker, {})
    for key, heading in (
        ("derived", "Derived figures"),
        ("field_sources", "Figures from a second page"),
        ("disagreements", "Sources disagree (first value used)"),
        ("currency", "Currency of each figure (proven from the answer)"),
        ("history_currency", "Own history, currency checked"),
        ("dropped", "Dropped at the source (failed validation)"),
    ):
        items = provenance.get(key)
        if isinstance(items, dict) and items:
            text = Text(f"{heading}:", style="bold")
            for name, detail in items.items():
                text.append("\n  " + printable(f"{name}: {detail}"))
            parts.append(text)
    old = _stale_figures(result, ticker)
    if old:
        limits = result.ruleset.age_limits
        text = Text(
            f"Stale figures (older than the row's quote by more than {limits.text()};"
            " the rules read them as unknown):",
            style="bold",
        )
        for name, label, age in old:
            text.append(f"\n  {name}: {label} ({age:.0f} days before the quote of {row['as_of']})")
        parts.append(text)

    cells: list[list[Text]] = []
    total = 0.0
    for item in explanations:
        rule = item.rule
        if not item.applicable:
            mark, style = "n/a", "dim"
            verdict = printable(
                f"not applied to {row['sector']} (rule is for {', '.join(rule.sectors)})"
            )
        else:
            if item.fired:
                mark, style = "FIRED", "green" if rule.score >= 0 else "red"
                total += rule.score
            elif item.result is None:
                mark, style = "unknown", "yellow"
            else:
                mark, style = "no", "dim"
            verdict = printable(verdict_text(item), newlines=True)
        inputs = "\n".join(printable(_input_line(item, expr, value)) for expr, value in item.inputs)
        if item.missing:
            inputs += "\nmissing: " + ", ".join(item.missing)
        if item.stale:
            inputs += "\nstale: " + ", ".join(item.stale)
        cells.append(
            [
                Text(printable(rule.id), style="bold" if item.fired else ""),
                Text(mark, style=style),
                Text(signed_text(rule.score)),
                Text(printable(rule.when_text)),
                Text(inputs),
                Text(verdict),
            ]
        )
    table = grid(
        ["Rule", "Result", "Score", "When", "Inputs", "Verdict"],
        cells,
        width=width,
        title="Rules",
        numeric=[False, False, True, False, False, False],
        show_lines=True,
    )
    parts.append(table)
    parts.append(Text(f"Total score: {signed_text(total)}", style="bold"))
    return Group(*parts)


def own_history_window(history: Any, ticker: str) -> dict[str, tuple[int, str, str]]:
    """metric -> (usable points, first date, last date) of the company's own history.

    Multiples count only their positive values, as `hist_pct` does (a loss is not cheap).
    """
    if history is None or len(history) == 0:
        return {}
    own = history[history["ticker"] == ticker]
    out: dict[str, tuple[int, str, str]] = {}
    for metric, group in own.groupby("metric", sort=True):
        if metric in POSITIVE_MULTIPLES:
            group = group[group["value"] > 0]
        if len(group):
            dates = group["date"].astype(str)
            out[str(metric)] = (len(group), dates.min(), dates.max())
    return out
