"""`screener backtest`: replay the rules point in time and say what followed their flags."""

from __future__ import annotations

from pathlib import Path

import click

from screener.cli.app import cli
from screener.cli.common import (
    AppState,
    echo,
    echo_err,
    open_store,
    output_format,
    print_rows,
    rules_option,
    sector_option,
    source_option,
    universe_option,
)

MULTIPLES = ("pe_ttm", "pe_fwd", "ps_ttm", "pb", "ev_ebitda", "ev_revenue")


@cli.command()
@rules_option
@source_option
@universe_option
@click.option("--since", metavar="DATE", help="First rebalance day on or after DATE (YYYY-MM-DD).")
@click.option(
    "--every",
    type=click.Choice(["month", "quarter"]),
    default="month",
    show_default=True,
    help="Rebalance at each month or quarter end.",
)
@click.option(
    "--horizon",
    "horizons",
    default="3m,6m,12m",
    show_default=True,
    metavar="LIST",
    help="Forward horizons, comma-separated (3m, 6m, 1y ...).",
)
@sector_option("Measure only this sector (repeatable); the rules still see every sector.")
@click.option(
    "--benchmark",
    default="sector",
    show_default=True,
    metavar="sector|TICKER",
    help="Excess return against the name's sector basket (equal weight) or a ticker's closes.",
)
@click.option(
    "--multiple",
    type=click.Choice(MULTIPLES),
    default="pe_ttm",
    show_default=True,
    help="The multiple whose move toward the sector median is measured (gap closed).",
)
@click.option(
    "--dates",
    "per_date",
    is_flag=True,
    help="Per rebalance day: names each rule could decide and flagged (not the summary).",
)
@output_format()
@click.option(
    "--png",
    "png_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the cumulative excess chart as a PNG file (needs matplotlib).",
)
@click.option("--no-chart", is_flag=True, help="Leave the terminal chart out of the table view.")
@click.option(
    "--where",
    "where",
    metavar="EXPR",
    help="Measure only names this rule-language condition is true for on each rebalance "
    "day (as `screen --where`; unknown counts as not); the rules still see every name.",
)
@click.pass_obj
def backtest(
    state: AppState,
    rule_paths: tuple[Path, ...],
    source: str,
    universe_file: Path | None,
    since: str | None,
    every: str,
    horizons: str,
    sectors: tuple[str, ...],
    benchmark: str,
    multiple: str,
    per_date: bool,
    fmt: str,
    png_path: Path | None,
    no_chart: bool,
    where: str | None,
) -> None:
    """Replay the rules on past month (or quarter) ends, from what was known each day.

    Each day's frame holds closes up to that day and multiples once published (a
    reporting lag after the period end); other figures are unknown unless a source
    dated them. The same engine decides; then the forward return of the flagged names
    is measured against their sector basket (or --benchmark TICKER) per horizon: hit
    rate, mean and median excess, IC (rank correlation of score with excess return)
    and how much of the gap to the sector median multiple closed. The universe is
    today's (survivorship). See docs/backtest.md.
    """
    import os

    from screener.backtest import BacktestConfig, load_replay, parse_horizons, run_backtest
    from screener.backtest.calendar import to_day
    from screener.engine.where import parse_where
    from screener.output.plot import check_png_path
    from screener.run import load_inputs
    from screener.universe import normalize_ticker

    sector_basket = benchmark.strip().lower() == "sector"
    config = BacktestConfig(  # bad options fail here, before the store is opened
        every=every,  # type: ignore[arg-type]
        horizons=parse_horizons(horizons),
        since=to_day(since) if since else None,
        sectors=sectors,
        benchmark="sector" if sector_basket else normalize_ticker(benchmark),
        multiple=multiple,
        where=parse_where(where).text if where is not None else None,
    )
    if png_path is not None:
        check_png_path(png_path)
    inputs = load_inputs(rule_paths, universe_file)
    with open_store(state) as store:
        replay = load_replay(store, inputs.universe, source=source, benchmark=config.benchmark)
    result = run_backtest(replay, inputs.ruleset, config)

    from screener.output import backtest as view

    if fmt == "json":
        from screener.output.rows import json_text

        echo(json_text(view.backtest_json(result)), cut=False)
    elif fmt == "csv" or per_date:
        rows = view.count_rows(result) if per_date else view.summary_rows(result)
        fields = view.COUNT_FIELDS if per_date else view.SUMMARY_FIELDS
        if fmt == "table":
            echo("\n".join(view.header_lines(result)))
        print_rows(rows, fmt, list(fields), "Backtest: names per rebalance day")
    else:
        from screener.output.console import stdout_console

        console = stdout_console()
        echo("\n".join(view.header_lines(result)))
        console.print(view.render_summary(result, width=console.width))
        if not no_chart:
            color = console.is_terminal and not os.environ.get("NO_COLOR")
            height = min(24, max(12, (console.height or 24) - 8))
            lines = view.chart_lines(result, width=console.width, height=height, color=color)
            click.echo("\n".join(lines))  # our own chart: colour codes kept on a terminal
    if png_path is not None:
        view.save_curve_png(result, png_path)
        echo_err(f"wrote {png_path}")
