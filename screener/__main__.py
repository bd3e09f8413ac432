"""`python -m screener` and the `screener` console script."""

from __future__ import annotations

import os
import sys


def main() -> None:
    # No command does linear algebra: OpenBLAS's thread pool (started when numpy is
    # imported) only costs start-up CPU, a tenth of a second on two cores.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from screener.cli import main as run

    status = run()
    exit_now(status)


def exit_now(status: int) -> None:
    """End the process with `status` without tearing down every object one by one.

    A screen of thousands of companies holds millions of objects; the interpreter's
    own teardown frees them one at a time (0.1-0.2 s) though the process is ending.
    The output is flushed, atexit handlers run (loggers, temporary files), and the
    store was closed by its command. When a flush fails, a non-daemon thread is still
    alive, or a profiler or tracer watches (it reports after the program returns), the
    ordinary exit handles it.
    """
    import threading

    if sys.getprofile() is not None or sys.gettrace() is not None:
        sys.exit(status)
    if not _flushed():
        sys.exit(status)
    others = [t for t in threading.enumerate() if t is not threading.main_thread()]
    if any(not t.daemon for t in others):
        sys.exit(status)
    import atexit

    atexit._run_exitfuncs()  # noqa: SLF001 (public in effect: what sys.exit would run)
    if not _flushed():
        sys.exit(status)
    os._exit(status)


def _flushed() -> bool:
    """Whether stdout and stderr took everything written to them (a stream closed before
    the start is None: nothing to flush)."""
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    except (OSError, ValueError):
        return False
    return True


if __name__ == "__main__":
    main()
