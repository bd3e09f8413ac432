"""`screener plot`: forward P/E against revenue growth for one sector.

The picture the thesis asks for: who is cheap for their growth. Flagged names
(positive score) are drawn with their own marker and labelled with the ticker;
the rest are dots. The terminal chart uses plotext; `--png` uses matplotlib,
an optional dependency imported only when asked for.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from rich.cells import cell_len

from screener.errors import DataError, InputError
from screener.output.csvfile import atomic_file
from screener.output.format import as_of_text, source_label
from screener.output.sanitize import printable
from screener.select import flagged_mask
from screener.universe.taxonomy import sector_label
from screener.utils import clip

if TYPE_CHECKING:
    from screener.run import ScreenRun


@dataclass(frozen=True)
class PlotPoints:
    """The points of one sector's chart, and the names left out for lack of data."""

    sector: str
    tickers: tuple[str, ...]
    growth_pct: tuple[float, ...]
    pe_fwd: tuple[float, ...]
    flagged: tuple[bool, ...]
    left_out: tuple[str, ...]


def points_for(frame: pd.DataFrame, sector: str) -> PlotPoints:
    """Companies of `sector` with a positive forward P/E and a revenue growth figure."""
    rows = frame[frame["sector"] == sector]
    if rows.empty:
        raise InputError(f"no company of sector '{sector}' in this run")
    usable = rows["pe_fwd"].gt(0) & rows["revenue_growth"].notna()
    shown = rows[usable]
    return PlotPoints(
        sector=sector,
        tickers=tuple(str(t) for t in shown.index),
        growth_pct=tuple(float(v) * 100 for v in shown["revenue_growth"]),
        pe_fwd=tuple(float(v) for v in shown["pe_fwd"]),
        flagged=tuple(bool(f) for f in flagged_mask(shown)),
        left_out=tuple(str(t) for t in rows.index[~usable]),
    )


def terminal_chart(points: PlotPoints, *, width: int, height: int, color: bool, title: str) -> str:
    """The scatter as text for the terminal."""
    import plotext as plt

    plt.clear_figure()
    plt.plotsize(max(40, width), max(15, height))
    plt.theme("pro" if color else "clear")
    plain = [i for i, f in enumerate(points.flagged) if not f]
    marked = [i for i, f in enumerate(points.flagged) if f]
    if plain:
        plt.scatter(
            [points.growth_pct[i] for i in plain],
            [points.pe_fwd[i] for i in plain],
            marker="dot",
        )
    if marked:
        plt.scatter(
            [points.growth_pct[i] for i in marked],
            [points.pe_fwd[i] for i in marked],
            marker="x",
            color="green" if color else "default",
        )
        # Numbers, not tickers, next to the marks: short labels rarely collide, and the
        # key printed under the chart names each one.
        for number, i in enumerate(marked, start=1):
            plt.text(str(number), points.growth_pct[i], points.pe_fwd[i])
    plt.title(title)
    plt.xlabel("revenue growth, % y/y")
    plt.ylabel("forward P/E")
    text = plt.build()
    return text if color else plt.uncolorize(text)


def chart_title(result: ScreenRun, sector: str) -> str:
    """The chart's title: the sector, the axes, whose data and as of when."""
    label = source_label(result.source, "chart")
    span = f", as of {as_of_text(result.as_of_range)}" if result.as_of_range else ""
    return f"{sector_label(sector, 'en')}: forward P/E vs revenue growth ({label}{span})"


def plot_text(
    result: ScreenRun,
    points: PlotPoints,
    title: str,
    *,
    width: int,
    height: int,
    color: bool,
) -> str:
    """What `screener plot` prints: title, chart, the key of numbered points, a summary.

    The title (and with it the source) is printed above the chart, because plotext
    drops a title that does not fit; key lines are cut to the terminal's width.
    """
    lines = [textwrap.fill(printable(title), width=max(40, width))]
    lines.append(terminal_chart(points, width=width, height=height, color=color, title=""))
    names = {  # names come from the data: made printable before they reach the key
        str(t): printable(f"{r['name_en']} {r['name_zh'] or ''}".strip())
        for t, r in result.frame.iterrows()
    }
    lines += [
        clip(printable(line), width, marker="…", width=cell_len)
        for line in chart_key(points, names)
    ]
    summary = (
        f"{len(points.tickers)} plotted: flagged names are numbered ({sum(points.flagged)},"
        " key above), • = not flagged"
    )
    if points.left_out:
        summary += printable(f"; left out (no forward P/E or growth): {', '.join(points.left_out)}")
    lines.append(summary)
    return "\n".join(lines)


def chart_key(points: PlotPoints, names: dict[str, str]) -> list[str]:
    """Lines naming each numbered (flagged) point of the terminal chart."""
    marked = [i for i, f in enumerate(points.flagged) if f]
    return [  # the numbers first: a narrow terminal cuts the name, not the figures
        f"{number:>3}  {points.tickers[i]:<10} growth {points.growth_pct[i]:+.0f}%"
        f"  fwd P/E {points.pe_fwd[i]:.1f}  {names.get(points.tickers[i], '')}"
        for number, i in enumerate(marked, start=1)
    ]


def check_png_path(path: Path) -> None:
    """A --png path must end in .png: checked before any work, so nothing is drawn in vain."""
    if path.suffix.lower() != ".png":
        raise InputError(f"{path}: the --png path must end in .png")


def load_pyplot() -> Any:
    """matplotlib's pyplot on the file-only Agg backend, or one clear error naming the
    `[png]` extra: the one loader of every `--png` writer."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as pyplot
    except ImportError as exc:
        raise DataError(
            "--png needs matplotlib: from a checkout, .venv/bin/pip install -e '.[png]'"
        ) from exc
    return pyplot


def save_png(points: PlotPoints, path: Path, title: str) -> None:
    """The same scatter as a PNG file (needs matplotlib, the `[png]` extra)."""
    check_png_path(path)
    pyplot = load_pyplot()
    figure, axes = pyplot.subplots(figsize=(9, 6), dpi=120)
    try:
        for flagged, style in (
            (False, {"c": "#999999", "marker": "o"}),
            (True, {"c": "#1a7f37", "marker": "X"}),
        ):
            idx = [i for i, f in enumerate(points.flagged) if f is flagged]
            if not idx:
                continue
            axes.scatter(
                [points.growth_pct[i] for i in idx],
                [points.pe_fwd[i] for i in idx],
                s=60 if flagged else 30,
                label="flagged" if flagged else "not flagged",
                **style,
            )
            if flagged:
                for i in idx:
                    axes.annotate(
                        points.tickers[i],
                        (points.growth_pct[i], points.pe_fwd[i]),
                        textcoords="offset points",
                        xytext=(4, 4),
                        fontsize=8,
                    )
        axes.set_xlabel("revenue growth, % y/y")
        axes.set_ylabel("forward P/E")
        axes.set_title(title)
        axes.grid(alpha=0.3)
        axes.legend()
        with atomic_file(path) as handle:
            figure.savefig(handle, format="png")
    finally:
        pyplot.close(figure)
