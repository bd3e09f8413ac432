"""The `screener` command group and `main`: parse, dispatch, map errors to exit codes.

Every error a user can cause ends as one line on stderr and a non-zero exit; only
`--debug` shows a traceback. Commands live in the sibling modules, one per group.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from screener import __version__
from screener.cli.common import AppState, echo_err
from screener.errors import ExitStatus, ScreenerError

PROG = "screener"


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

    Only `screen` (unless --offline), `refresh` and `universe discover` go to Yahoo;
    set SCREENER_OFFLINE=1 to keep every command off the network. Other commands read
    the store, or the bundled sample when the store has no live data.
    """
    ctx.obj = AppState(db=db, debug=debug)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return an exit status; never let a user's mistake become a traceback."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    try:
        outcome = cli.main(args=args, prog_name=PROG, standalone_mode=False)
    except click.exceptions.Abort:
        echo_err(f"{PROG}: interrupted")
        return ExitStatus.INTERRUPTED
    except click.exceptions.NoArgsIsHelpError as exc:
        # `screener` or `screener rules` alone: the help, as --help shows it.
        click.echo(exc.ctx.get_help() if exc.ctx else exc.format_message())
        return ExitStatus.OK
    except click.ClickException as exc:
        where = f"{exc.ctx.command_path}" if getattr(exc, "ctx", None) else PROG
        message = " ".join(exc.format_message().split())
        echo_err(f"{where}: error: {message}")
        if isinstance(exc, click.UsageError):
            return ExitStatus.USAGE
        return exc.exit_code or ExitStatus.ERROR
    except ScreenerError as exc:
        if debug:
            raise
        echo_err(f"{PROG}: error: {exc}")
        return exc.exit_status
    except KeyboardInterrupt:
        echo_err(f"{PROG}: interrupted")
        return ExitStatus.INTERRUPTED
    except BrokenPipeError:
        return ExitStatus.OK
    except Exception as exc:  # a bug of ours: say so briefly, traceback on --debug
        if debug:
            raise
        echo_err(f"{PROG}: internal error: {type(exc).__name__}: {exc} (rerun with --debug)")
        return ExitStatus.ERROR
    if isinstance(outcome, int):
        return outcome
    return ExitStatus.OK
