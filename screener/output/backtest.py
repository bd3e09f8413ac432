"""A replay shown: the honest header, the summary per rule and horizon, day counts, the picture.

Rows are plain dicts (one schema for the table, JSON and CSV); the table cells are
written here with the one formatter's helpers, and the grid fitter lays them out.
The picture is the cumulative excess return of the set's flagged names per sector,
period by period: plotext in the terminal, matplotlib for `--png`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.table import Table

from screener.output.csvfile import atomic_file
from screener.output.format import MISSING, change_text, percent_text
from screener.output.grid import render_grid
from screener.output.plot import check_png_path, load_pyplot
from screener.universe.taxonomy import sector_label

if TYPE_CHECKING:
    from screener.backtest import BacktestResult
    from screener.backtest.ledger import Ledger

#: the JSON/CSV schema of the summary, one row per rule (and the whole set) and horizon
SUMMARY_FIELDS: tuple[str, ...] = (
    "rule",
    "label",
    "score",
    "horizon",
    "days",
    "days_total",
    "flags",
    "hit_rate",
    "mean_return",
    "mean_excess",
    "median_excess",
    "ic",
    "ic_days",
    "gap_closed",
    "gap_flags",
    "decided_median",
)
COUNT_FIELDS: tuple[str, ...] = ("date", "rule", "names", "decided", "flagged")

TABLE_COLUMNS: tuple[str, ...] = (
    "rule",
    "horizon",
    "days",
    "flags",
    "hit rate",
    "mean excess",
    "median excess",
    "mean return",
    "IC",
    "gap closed",
    "decided/day",
)


def summary_rows(result: BacktestResult) -> list[dict[str, Any]]:
    """One plain row per rule and horizon (None where a figure could not be shown)."""
    rows = []
    for s in result.stats:
        row = {name: getattr(s, name) for name in SUMMARY_FIELDS}
        row["score"] = None if s.score != s.score else s.score  # NaN for the whole set
        rows.append(row)
    return rows


def count_rows(result: BacktestResult) -> list[dict[str, Any]]:
    """Per rebalance day and rule: names priced, names it could decide, names flagged."""
    return [{name: getattr(c, name) for name in COUNT_FIELDS} for c in result.counts]


def _pct(value: float | None, signed: bool = False) -> str:
    if value is None:
        return MISSING
    return change_text(value) if signed else percent_text(value)


def table_rows(result: BacktestResult) -> list[dict[str, str]]:
    """The summary as the table writes it: percentages, a signed IC, dashes when hidden."""
    out = []
    for s in result.stats:
        shown = s.days > 0
        out.append(
            {
                "rule": s.label,
                "horizon": s.horizon,
                "days": f"{s.days}/{s.days_total}",
                "flags": str(s.flags) if shown else MISSING,
                "hit rate": _pct(s.hit_rate),
                "mean excess": _pct(s.mean_excess, signed=True),
                "median excess": _pct(s.median_excess, signed=True),
                "mean return": _pct(s.mean_return, signed=True),
                "IC": MISSING if s.ic is None else f"{s.ic:+.2f}",
                "gap closed": _pct(s.gap_closed),
                "decided/day": MISSING if s.decided_median is None else f"{s.decided_median:g}",
            }
        )
    return out


def benchmark_text(result: BacktestResult) -> str:
    if result.benchmark == "sector":
        return "each name's sector basket (equal weight, names priced that day)"
    return f"{result.benchmark} (its adjusted closes)"


def header_lines(result: BacktestResult) -> list[str]:
    """What the reader must know before reading a figure: period, benchmark, what is unknown."""
    config = result.config
    first, last = (result.dates[0], result.dates[-1]) if result.dates else ("n/a", "n/a")
    horizons = ", ".join(h.label for h in config.horizons)
    lines = [
        f"Backtest: {len(result.rule_ids)} rules replayed on {len(result.dates)} "
        f"{config.every}-end days, {first} … {last} (closes {result.first_close} … "
        f"{result.last_close}); horizons {horizons}; excess return against "
        f"{benchmark_text(result)}.",
        f"Survivorship: the universe is today's list ({result.universe_size} companies, "
        f"{result.priced_names} with stored closes); companies that left the market since "
        "are not in it, so the figures lean optimistic.",
        "Point in time: prices from closes up to each day; multiples only once published "
        "(period end + 45 days for quarterly points, 90 for annual, 1 for daily), carried to "
        "the day's close; every other figure is unknown unless a source dated it.",
        f"A rule shows figures only for days on which it could decide at least "
        f"{config.min_names} names with a forward return; '{MISSING}' where none qualify. "
        f"Gap closed: the share of a flagged name's gap to its sector median "
        f"{config.multiple} closed within the horizon.",
    ]
    blind = {rid: names for rid, names in result.never_known.items() if names}
    if blind:
        parts = [
            f"{result.labels.get(rid, rid)} ({', '.join(names)})" for rid, names in blind.items()
        ]
        lines.append(
            "Never known in this replay (no dated history in the store), so these rules can "
            "only decide where other inputs settle them: " + "; ".join(parts) + "."
        )
    if config.sectors:
        lines.append(
            "Measured in: " + ", ".join(sector_label(s) for s in config.sectors)
            + " (the rules still saw every sector)."
        )
    return lines


def render_summary(result: BacktestResult, *, width: int) -> Table:
    return render_grid(
        table_rows(result), TABLE_COLUMNS, width=width, title="Backtest: per rule and horizon"
    )


def backtest_json(result: BacktestResult) -> dict[str, Any]:
    """Everything a replay found, for `--format json`."""
    config = result.config
    return {
        "settings": {
            "every": config.every,
            "horizons": [h.label for h in config.horizons],
            "since": result.dates[0] if result.dates else None,
            "sectors": list(config.sectors),
            "benchmark": result.benchmark,
            "multiple": config.multiple,
            "min_names": config.min_names,
            "source": result.source,
        },
        "dates": list(result.dates),
        "closes": {"first": result.first_close, "last": result.last_close},
        "survivorship": (
            f"universe is today's list ({result.universe_size} companies, "
            f"{result.priced_names} with stored closes)"
        ),
        "known_metrics": list(result.known_metrics),
        "never_known": {k: list(v) for k, v in result.never_known.items()},
        "summary": summary_rows(result),
        "counts": count_rows(result),
        "curves": [
            {
                "sector": c.sector,
                "dates": list(c.dates),
                "cumulative_excess": list(c.cumulative),
                "counted": list(c.counted),
                "flagged": list(c.flagged),
            }
            for c in result.curves
        ],
    }


# -- the picture ----------------------------------------------------------------------


def chart_title(result: BacktestResult) -> str:
    return (
        f"Cumulative excess return of the flagged names per sector ({result.config.every}ly, "
        f"against {'the sector basket' if result.benchmark == 'sector' else result.benchmark})"
    )


MARKERS = ("•", "x", "+", "o", "*", "#")  # told apart without colour


def _series(result: BacktestResult) -> list[tuple[str, list[str], list[float]]]:
    """(label, dates, cumulative excess in %) of every sector with a counted period."""
    return [
        (sector_label(c.sector), list(c.dates), [v * 100 for v in c.cumulative])
        for c in result.curves
        if any(c.counted)
    ]


def curve_chart(result: BacktestResult, *, width: int, height: int, color: bool) -> str:
    """The cumulative excess curves as text for the terminal (plotext)."""
    import plotext as plt

    plt.clear_figure()
    plt.plotsize(max(40, width), max(12, height))
    plt.theme("pro" if color else "clear")
    dates = list(result.curves[0].dates) if result.curves else []
    x = list(range(len(dates)))
    for k, (label, _, values) in enumerate(_series(result)):
        marker = "braille" if color else MARKERS[k % len(MARKERS)]
        plt.plot(x, values, label=label, marker=marker)
    if dates:
        step = max(1, len(dates) // 6)
        ticks = x[::step]
        plt.xticks(ticks, [dates[i][:7] for i in ticks])
    plt.ylabel("cumulative excess, %")
    text = plt.build()
    return text if color else plt.uncolorize(text)


def chart_lines(result: BacktestResult, *, width: int, height: int, color: bool) -> list[str]:
    """Title, chart and a line per sector with where its curve ended (or why it has none)."""
    if not result.curves:
        return []
    lines = [chart_title(result)]
    if _series(result):
        lines.append(curve_chart(result, width=width, height=height, color=color))
    for curve in result.curves:
        periods = sum(curve.counted)
        held = sum(1 for n in curve.flagged if n)
        if not periods:
            lines.append(
                f"  {sector_label(curve.sector)}: no period with {result.config.min_names} "
                "priced names: no curve"
            )
            continue
        lines.append(
            f"  {sector_label(curve.sector)}: {change_text(curve.cumulative[-1])} over "
            f"{periods} counted periods ({held} with flagged names)"
        )
    return lines


def save_curve_png(result: BacktestResult, path: Path) -> None:
    """The same curves as a PNG file (needs matplotlib, the `[png]` extra)."""
    check_png_path(path)
    pyplot = load_pyplot()
    import pandas as pd

    figure, axes = pyplot.subplots(figsize=(10, 6), dpi=120)
    try:
        series = _series(result)
        for label, dates, values in series:
            axes.plot(pd.to_datetime(dates), values, label=label)
        axes.axhline(0, color="#999999", linewidth=0.8)
        axes.set_ylabel("cumulative excess return, %")
        axes.set_title(chart_title(result), fontsize=10)
        axes.grid(alpha=0.3)
        if series:
            axes.legend()
        with atomic_file(path) as handle:
            figure.savefig(handle, format="png")
    finally:
        pyplot.close(figure)


# -- the forward-test ledger (`watchlist perf`) ----------------------------------------

LEDGER_FIELDS: tuple[str, ...] = (
    "run",
    "saved",
    "ticker",
    "name",
    "sector",
    "flags",
    "score",
    "start",
    "end",
    "return",
    "basket",
    "excess",
)


def ledger_rows(ledger: Ledger) -> list[dict[str, Any]]:
    """One plain row per flagged name of each run (returns as fractions, None if unknown)."""
    return [
        {
            "run": r.run_id,
            "saved": r.saved,
            "ticker": r.ticker,
            "name": r.name,
            "sector": r.sector,
            "flags": list(r.flags),
            "score": r.score,
            "start": r.start,
            "end": r.end,
            "return": r.ret,
            "basket": r.basket,
            "excess": r.excess,
        }
        for r in ledger.rows
    ]


def ledger_table_rows(ledger: Ledger, labels: dict[str, str]) -> list[dict[str, Any]]:
    """`ledger_rows` as the table writes them: flag labels, signed percentages."""
    rows = ledger_rows(ledger)
    for row in rows:
        row["flags"] = [labels.get(f, f) for f in row["flags"]]
        for key in ("return", "basket", "excess"):
            row[key] = _pct(row[key], signed=True)
    return rows


def ledger_lines(ledger: Ledger) -> list[str]:
    """Per run: its flagged names against their baskets; per flag: did it pay."""
    lines = [
        f"watchlist '{ledger.name}': {len(ledger.runs)} saved runs, priced up to the latest "
        f"stored close ({ledger.last_close or 'none'}) against each name's sector basket"
    ]
    for run in ledger.runs:
        if run.mean_excess is None:
            lines.append(
                f"  run #{run.run_id} saved {run.saved}: {run.flagged} flagged, none priced "
                "since (no closes on both days)"
            )
            continue
        lines.append(
            f"  run #{run.run_id} saved {run.saved}: {run.priced} of {run.flagged} flagged priced,"
            f" return {change_text(run.mean_return or 0.0)} vs basket "
            f"{change_text(run.mean_basket or 0.0)}: excess {change_text(run.mean_excess)}"
        )
    if ledger.flags:
        lines.append("which flags paid (excess of the rule's sign; a penalty pays when it lags):")
    for flag in ledger.flags:
        if not flag.names:
            lines.append(f"  {flag.label}: no priced names")
            continue
        lines.append(
            f"  {flag.label}: paid {flag.paid} of {flag.names}, mean excess "
            f"{change_text(flag.mean_excess or 0.0)}, median "
            f"{change_text(flag.median_excess or 0.0)}"
        )
    return lines


def ledger_json(ledger: Ledger) -> dict[str, Any]:
    from dataclasses import asdict

    return {
        "name": ledger.name,
        "last_close": ledger.last_close,
        "runs": [asdict(r) for r in ledger.runs],
        "rows": ledger_rows(ledger),
        "flags": [asdict(f) for f in ledger.flags],
    }
