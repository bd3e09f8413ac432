"""The `screener` command group and `main`: parse, dispatch, map errors to exit codes.

Every error a user can cause ends as one line on stderr and a non-zero exit; only
`--debug` shows a traceback. Commands live in the sibling modules, one per group, and
are imported when first asked for (`LazyGroup`): a screen does not pay for importing
the backtest, and `--help` still lists every command.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import click

from screener import __version__
from screener.cli.common import AppState, echo_err
from screener.errors import ExitStatus, ScreenerError

PROG = "screener"

#: each top-level command -> the module that defines it (on `cli`, by decorator)
COMMAND_MODULES: dict[str, str] = {
    "backtest": "screener.cli.backtest",
    "explain": "screener.cli.screen",
    "plot": "screener.cli.screen",
    "refresh": "screener.cli.refresh",
    "rules": "screener.cli.rules",
    "screen": "screener.cli.screen",
    "universe": "screener.cli.universe",
    "watchlist": "screener.cli.watchlist",
}


class LazyGroup(click.Group):
    """A group whose commands are imported on first use, from `COMMAND_MODULES`.

    Importing a command module registers its commands on the group; only the one asked
    for is imported (`--help` imports them all, for their short help). An unknown name
    loads them all first, so click's "did you mean" sees every command.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *COMMAND_MODULES})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands:
            wanted = COMMAND_MODULES.get(cmd_name)
            for module in [wanted] if wanted else dict.fromkeys(COMMAND_MODULES.values()):
                importlib.import_module(module)
        return self.commands.get(cmd_name)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
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


GLOBAL_VALUE_OPTIONS = ("--db",)  # the group's options, accepted after the subcommand too
GLOBAL_FLAGS = ("--debug",)


def hoist_global_options(args: list[str]) -> list[str]:
    """`screener watchlist list --db x.db --debug` as `screener --db x.db --debug ...`:
    the group's options are moved before the subcommand wherever they were written
    (never past `--`, and never a value of another option's)."""
    front: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            rest += args[i:]
            break
        if arg in GLOBAL_FLAGS:
            front.append(arg)
        elif arg in GLOBAL_VALUE_OPTIONS and i + 1 < len(args):
            front += [arg, args[i + 1]]
            i += 1
        elif arg.split("=", 1)[0] in GLOBAL_VALUE_OPTIONS and "=" in arg:
            front.append(arg)
        else:
            rest.append(arg)
        i += 1
    return front + rest


def repeated_option(args: list[str]) -> str | None:
    """The error for an option that takes one value and was given twice, else None.

    Click keeps the last silently (`--limit 2 --limit 3` would show 3); options that
    take several values (`--sector`, `--sort`'s keys) are declared repeatable.
    """
    command: click.Command = cli
    words = [a for a in args if a != "--"]
    for word in words:  # follow the subcommands: the options counted are the leaf's
        if isinstance(command, click.Group):
            ctx = click.Context(command)
            if word in command.list_commands(ctx):  # a lookup imports the command's module
                command = command.get_command(ctx, word) or command
    single = {
        name: param
        for param in command.params
        if isinstance(param, click.Option) and not param.multiple and not param.is_flag
        for name in param.opts
        if name.startswith("--")
    }
    seen: dict[str, int] = {}
    for word in args:
        if word == "--":
            break
        name = word.split("=", 1)[0]
        if name in single:
            seen[name] = seen.get(name, 0) + 1
    for name, count in seen.items():
        if count > 1:
            return f"{name} was given {count} times; give it once"
    return None


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return an exit status; never let a user's mistake become a traceback."""
    from screener import collector

    with collector.tuned():
        return _main(argv)


def _main(argv: list[str] | None) -> int:
    args = hoist_global_options(list(sys.argv[1:] if argv is None else argv))
    debug = "--debug" in args
    repeated = repeated_option(args)
    if repeated is not None:
        echo_err(f"{PROG}: error: {repeated}")
        return ExitStatus.USAGE
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
        # One prefix for every error; a usage error names its command's help.
        message = " ".join(exc.format_message().split())
        ctx = getattr(exc, "ctx", None)
        if isinstance(exc, click.UsageError) and ctx is not None and ctx.command_path != PROG:
            message += f" (see `{ctx.command_path} --help`)"
        echo_err(f"{PROG}: error: {message}")
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
    except OSError as exc:
        if not _is_output_failure(exc):
            if debug:
                raise
            echo_err(f"{PROG}: internal error: {type(exc).__name__}: {exc} (rerun with --debug)")
            return ExitStatus.ERROR
        _quiet_stdout()
        echo_err(f"{PROG}: error: cannot write the output: {exc.strerror or exc}")
        return ExitStatus.ERROR
    except Exception as exc:  # a bug of ours: say so briefly, traceback on --debug
        if debug:
            raise
        echo_err(f"{PROG}: internal error: {type(exc).__name__}: {exc} (rerun with --debug)")
        return ExitStatus.ERROR
    try:
        sys.stdout.flush()  # a full disk shows here when the output was buffered
    except OSError as exc:
        _quiet_stdout()
        echo_err(f"{PROG}: error: cannot write the output: {exc.strerror or exc}")
        return ExitStatus.ERROR
    if isinstance(outcome, int):
        return outcome
    return ExitStatus.OK


def _is_output_failure(exc: OSError) -> bool:
    """stdout could not take the output (ENOSPC on /dev/full, EIO, a closed stream)."""
    import errno

    return exc.errno in (errno.ENOSPC, errno.EIO, errno.EFBIG, errno.EDQUOT)


def _quiet_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's exit flush fails no more."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass
