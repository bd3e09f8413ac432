"""Where output goes: the stdout console, and the refresh progress bar on stderr.

NO_COLOR (any value) turns off every escape code, bold and dim included: the
output is then exactly what a pipe gets. The only escape codes ever written are
rich's own styles: every text segment passes `sanitize.strip_unsafe` on its way out.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console, ConsoleOptions, RenderableType
from rich.segment import Segment

from screener.output.sanitize import strip_unsafe

PIPE_WIDTH = 160  # piped with no terminal anywhere (cron, a file): every column fits


def output_width() -> int | None:
    """The width to lay out for: None (rich asks the terminal) when stdout is one.

    Piped (`screener screen | less`), COLUMNS wins when set, else the width of the
    terminal the command was typed in (stderr's or stdin's), else PIPE_WIDTH.
    """
    if sys.stdout.isatty():
        return None
    columns = os.environ.get("COLUMNS", "")
    if columns.strip().isdigit() and int(columns) > 0:
        return int(columns)
    for stream in (sys.stderr, sys.stdin):
        try:
            if stream is not None and stream.isatty():
                return os.get_terminal_size(stream.fileno()).columns
        except (OSError, ValueError):
            continue
    return PIPE_WIDTH


class SafeConsole(Console):
    """A rich console whose text segments can hold no control or bidi character.

    The renderers sanitise the data they lay out (`sanitize.printable`); this is the
    net under them, for any text a renderer forgot: a segment's unsafe characters are
    removed after layout, which keeps the layout, since their width is zero.
    """

    _depth = threading.local()  # rich renders nested renderables through render() again

    def render(
        self, renderable: RenderableType, options: ConsoleOptions | None = None
    ) -> Iterable[Segment]:
        if getattr(self._depth, "inside", False):  # an outer call cleans these segments
            yield from super().render(renderable, options)
            return
        self._depth.inside = True
        try:
            for segment in super().render(renderable, options):
                if segment.control is None and segment.text:
                    clean = strip_unsafe(segment.text)
                    if clean is not segment.text:
                        segment = Segment(clean, segment.style)
                yield segment
        finally:
            self._depth.inside = False


def stdout_console() -> Console:
    """A console that styles only a terminal; in a pipe as wide as `output_width` says."""
    width = output_width()
    plain = "NO_COLOR" in os.environ
    return SafeConsole(
        highlight=False,
        soft_wrap=False,
        width=width,
        color_system=None if plain else "auto",
    )


@contextmanager
def progress_bar(label: str, total: int) -> Iterator[Callable[[Any], None] | None]:
    """A transient bar on stderr fed by progress events; None when stderr is no terminal.

    An event says how many of how many are `done`, and the `ticker` and `outcome`
    of the last one (the refresh's `ProgressEvent`).
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    err = SafeConsole(stderr=True, highlight=False)
    if not err.is_terminal:
        yield None
        return
    with Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[last]}"),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=total, last="")

        def on_event(event: Any) -> None:
            bar.update(
                task,
                completed=event.done,
                total=event.total,
                last=f"{event.ticker or ''} {event.outcome or ''}".strip(),
            )

        yield on_event
