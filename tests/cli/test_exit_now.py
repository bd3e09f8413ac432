"""`screener.__main__.exit_now`: the process ends with the status, its output whole and its
atexit work done, without the interpreter's teardown; a live worker thread is waited for."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path


def _run(body: str, tmp_path: Path) -> subprocess.CompletedProcess[bytes]:
    script = textwrap.dedent(
        f"""
        import atexit, sys, threading, time
        from pathlib import Path
        from screener.__main__ import exit_now
        out = Path({str(tmp_path)!r})
        {textwrap.indent(textwrap.dedent(body), "        ").strip()}
        """
    )
    return subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60)


def test_status_output_and_atexit_handlers_survive(tmp_path: Path) -> None:
    done = _run(
        """
        atexit.register(lambda: (out / "atexit").write_text("ran"))
        sys.stdout.write("x" * 3_000_000)  # more than any pipe buffer: flushed before the end
        sys.stderr.write("last words")
        exit_now(4)
        """,
        tmp_path,
    )
    assert done.returncode == 4
    assert done.stdout == b"x" * 3_000_000
    assert done.stderr == b"last words"
    assert (tmp_path / "atexit").read_text() == "ran"


def test_a_live_worker_thread_is_waited_for(tmp_path: Path) -> None:
    done = _run(
        """
        def work():
            time.sleep(0.3)
            (out / "worker").write_text("finished")
        threading.Thread(target=work).start()
        exit_now(3)
        """,
        tmp_path,
    )
    assert done.returncode == 3
    assert (tmp_path / "worker").read_text() == "finished"


def test_the_console_script_exits_with_the_commands_status(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "screener", "rules", "check", str(tmp_path / "missing.toml")],
        capture_output=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert done.stderr.decode().startswith("screener: error:")
    assert done.stderr.decode().count("\n") == 1


def test_a_profiler_still_gets_its_report(tmp_path: Path) -> None:
    stats = tmp_path / "run.prof"
    done = subprocess.run(
        [sys.executable, "-m", "cProfile", "-o", str(stats), "-m", "screener", "--help"],
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 0
    assert stats.stat().st_size > 0


def test_a_stream_closed_from_the_start_is_no_error() -> None:
    for closed in ("stdout", "stderr"):
        done = subprocess.run(
            [
                sys.executable,
                "-c",
                f"import sys; sys.{closed} = None\n"
                "from screener.__main__ import exit_now\nexit_now(5)",
            ],
            capture_output=True,
            timeout=60,
        )
        assert done.returncode == 5, (closed, done.stderr)
    done = subprocess.run(
        f"{sys.executable} -m screener --help >/dev/null 2>&-",
        shell=True,
        timeout=60,
    )
    assert done.returncode == 0
