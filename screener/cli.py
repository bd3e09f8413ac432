"""The command line: parse, call the library, render, map errors to exit codes.

Thin on purpose. Heavy modules (pandas, yfinance, the engine) are imported inside
the commands, so `screener --help` and `--version` start in a blink. Every
error a user can cause ends as one line on stderr and a non-zero exit; only
`--debug` shows a traceback.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from screener import __version__
from screener.catalog import SECTORS
from screener.errors import ExitStatus, ScreenerError

PROG = "screener"


@dataclass
class AppState:
    db: Path | None
    debug: bool


def _open_store(state: AppState) -> Any:
    from screener.data.store import Store

    return Store(state.db)


def _stdout_console() -> Any:
    from rich.console import Console

    return Console(highlight=False, soft_wrap=False)


def _stderr(message: str) -> None:
    click.echo(message, err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name=PROG)
@click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="SCREENER_DB",
    help="SQLite store to use (default: the user data folder; env SCREENER_DB).",
)
@click.option("--debug", is_flag=True, help="Show the full traceback when something fails.")
@click.pass_context
def cli(ctx: click.Context, db: Path | None, debug: bool) -> None:
    """Screen the companies that wire AI clusters together for valuation re-rating.

    Four sectors from the thesis: optical communication, high-speed interconnect,
    switching, and data centers. Run `screener screen` to see the table.
    """
    ctx.obj = AppState(db=db, debug=debug)


@cli.command()
@click.option(
    "--source",
    type=click.Choice(["auto", "sample", "store"]),
    default="auto",
    show_default=True,
    help="auto: live data from the store if any, else the bundled sample; "
    "sample: the bundled sample snapshot; store: only what the store holds.",
)
@click.option(
    "--rules",
    "rule_paths",
    type=click.Path(path_type=Path),
    multiple=True,
    help="Rule file or folder (repeatable); replaces the shipped rules.",
)
@click.option(
    "--sector",
    "sectors",
    type=click.Choice(SECTORS),
    multiple=True,
    help="Keep only this sector (repeatable).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--export",
    "export_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the rows to this CSV file (UTF-8).",
)
@click.option("--excel", is_flag=True, help="Write the CSV with a BOM so Excel reads UTF-8.")
@click.option(
    "--universe",
    "universe_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A universe override file (TOML or CSV) merged over the built-in list.",
)
@click.pass_obj
def screen(
    state: AppState,
    source: str,
    rule_paths: tuple[Path, ...],
    sectors: tuple[str, ...],
    fmt: str,
    export_path: Path | None,
    excel: bool,
    universe_file: Path | None,
) -> None:
    """Run the universe through the data and the rules and print the result."""
    from screener import export, report
    from screener.pipeline import run_screen

    store = _open_store(state)
    try:
        result = run_screen(
            store=store,
            source=source,  # type: ignore[arg-type]
            rule_paths=rule_paths or None,
            universe_file=universe_file,
        )
    finally:
        store.close()
    frame = result.frame
    if sectors:
        frame = frame[frame["sector"].isin(sectors)]
    if export_path is not None:
        rows = report.to_rows(result, frame)
        export.write_atomic(export_path, export.csv_text(rows, report.ROW_FIELDS), bom=excel)
        _stderr(f"exported {len(rows)} rows to {export_path}")
    if fmt == "json":
        rows = report.json_rows(result, frame)
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    elif fmt == "csv":
        click.echo(export.csv_text(report.to_rows(result, frame), report.ROW_FIELDS), nl=False)
    else:
        _stdout_console().print(report.render_table(result, frame))


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return an exit status; never let a user's mistake become a traceback."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    try:
        outcome = cli.main(args=args, prog_name=PROG, standalone_mode=False)
    except click.exceptions.Abort:
        _stderr(f"{PROG}: interrupted")
        return ExitStatus.INTERRUPTED
    except click.ClickException as exc:
        where = f"{exc.ctx.command_path}" if getattr(exc, "ctx", None) else PROG
        message = " ".join(exc.format_message().split())
        _stderr(f"{where}: error: {message}")
        if isinstance(exc, click.UsageError):
            return ExitStatus.USAGE
        return exc.exit_code or ExitStatus.ERROR
    except ScreenerError as exc:
        if debug:
            raise
        _stderr(f"{PROG}: error: {exc}")
        return exc.exit_status
    except KeyboardInterrupt:
        _stderr(f"{PROG}: interrupted")
        return ExitStatus.INTERRUPTED
    except BrokenPipeError:
        return ExitStatus.OK
    except Exception as exc:  # a bug of ours: say so briefly, traceback on --debug
        if debug:
            raise
        _stderr(f"{PROG}: internal error: {type(exc).__name__}: {exc} (rerun with --debug)")
        return ExitStatus.ERROR
    if isinstance(outcome, int):
        return outcome
    return ExitStatus.OK
