"""`screener plot`: offline, flagged names numbered, PNG written atomically."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from screener.output.plot import chart_key, points_for, save_png, terminal_chart

FRAME = pd.DataFrame(
    {
        "sector": ["switching"] * 4,
        "pe_fwd": [20.0, np.nan, -5.0, 30.0],
        "revenue_growth": [0.5, 0.2, 0.1, np.nan],
        "score": [2.0, 1.0, 0.0, 0.0],
    },
    index=["A", "B", "C", "D"],
)


def test_points_leave_out_what_cannot_be_placed() -> None:
    points = points_for(FRAME, "switching")
    assert points.tickers == ("A",)
    assert points.growth_pct == (50.0,) and points.flagged == (True,)
    assert set(points.left_out) == {"B", "C", "D"}
    assert chart_key(points, {"A": "Alpha"})[0].split() == [
        "1",
        "A",
        "growth",
        "+50%",
        "fwd",
        "P/E",
        "20.0",
        "Alpha",
    ]
    text = terminal_chart(points, width=60, height=15, color=False, title="t")
    assert "\x1b[" not in text and "forward P/E" in text


def test_plot_command_offline(run_cli, tmp_path: Path) -> None:
    png = tmp_path / "chart.png"
    result = run_cli(
        "plot", "--sector", "optical_communication", "--source", "sample", "--png", str(png)
    )
    assert result.status == 0, result.err
    assert "forward P/E" in result.out and "SAMPLE" in result.out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    rows = json.loads(
        run_cli(
            "screen", "--source", "sample", "--format", "json", "--sector", "optical_communication"
        ).out
    )
    flagged = [
        r["ticker"]
        for r in rows
        if r["score"] > 0 and r["pe_fwd"] and r["pe_fwd"] > 0 and r["revenue_growth"] is not None
    ]
    for ticker in flagged:
        assert ticker in result.out


def test_narrow_plots_still_say_sample_and_fit(run_cli, monkeypatch) -> None:
    from rich.cells import cell_len

    monkeypatch.setenv("COLUMNS", "60")
    result = run_cli("plot", "--sector", "data_center", "--source", "sample")
    assert result.status == 0 and "SAMPLE" in result.out
    assert all(cell_len(line) <= 60 for line in result.out.splitlines()[:-1])


def test_plot_errors(run_cli, tmp_path: Path) -> None:
    assert run_cli("plot", "--sector", "nope", "--source", "sample").status == 2
    bad = run_cli(
        "plot", "--sector", "switching", "--source", "sample", "--png", str(tmp_path / "x.jpg")
    )
    assert bad.status == 2 and "x.jpg" in bad.err and bad.out == ""  # rejected before drawing


def test_plot_takes_the_adjacent_group_like_every_command(run_cli, tmp_path: Path) -> None:
    """`plot --sector adjacent` was rejected by the option; it is the shared --sector now."""
    override = tmp_path / "u.toml"
    override.write_text(
        '[[set]]\nticker = "300308.SZ"\nsector = "adjacent"\nsub_segment = "adjacent_server"\n',
        encoding="utf-8",
    )
    result = run_cli(
        "plot", "--sector", "adjacent", "--source", "sample", "--universe", str(override)
    )
    assert result.status == 0, result.err
    assert "Adjacent" in result.out and "300308.SZ" in result.out and "SAMPLE" in result.out
    empty = run_cli("plot", "--sector", "adjacent", "--source", "sample")
    assert empty.status == 2 and "no company of sector 'adjacent'" in empty.err  # not the option
    assert "Invalid value" not in empty.err


def test_the_png_is_written_through_the_one_atomic_writer(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "chart.png"
    target.write_bytes(b"old")
    synced: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd)))
    save_png(points_for(FRAME, "switching"), target, "t")
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and synced
    assert [p.name for p in tmp_path.iterdir()] == ["chart.png"]

    def boom(src: str, dst: str) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", boom)
    before = target.read_bytes()
    with pytest.raises(KeyboardInterrupt):
        save_png(points_for(FRAME, "switching"), target, "t")
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["chart.png"]
