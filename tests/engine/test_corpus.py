"""Hostile and malformed rule files: each one is one clear InputError, fast, and inert.

Every file in tests/engine/rule_corpus/ must be rejected by `load_ruleset` with exactly
one `InputError` (exit status 2) whose message names the file, contains the
fragment the file's `# expect:` comment promises, and carries no traceback. While
loading, `eval`, `exec`, `compile`, `pandas.eval` and `DataFrame.query` are
booby-trapped, so a file that reached any of them would fail the test.
"""

from __future__ import annotations

import builtins
import re
import time
from pathlib import Path

import pandas as pd
import pytest

from screener.engine import load_ruleset
from screener.errors import ExitStatus, InputError
from tests.paths import HANG_SECONDS

CORPUS = Path(__file__).resolve().parent / "rule_corpus"
FILES = sorted(CORPUS.glob("*.toml"))
# Files with no room for an "# expect:" comment.
EXPECT_BINARY = {
    "binary_garbage.toml": "binary file",
    "latin1_bytes.toml": "not UTF-8",
    "nul_byte.toml": "binary file",
}
CANARY = Path("/tmp/screener-corpus-pwned")


def expected_fragment(path: Path) -> str:
    if path.name in EXPECT_BINARY:
        return EXPECT_BINARY[path.name]
    first = path.read_text(encoding="utf-8").split("\n", 1)[0]
    match = re.fullmatch(r"# expect: (.+)", first)
    assert match, f"{path.name} lacks an '# expect:' first line"
    return match.group(1)


class Executed(AssertionError):
    pass


def load_trapped(path: Path) -> tuple[InputError | None, float, list[str]]:
    """Load with eval/exec/compile/pandas.eval/DataFrame.query replaced by recorders.

    The traps are removed before any assertion runs, so pytest's own reporting
    (which compiles source) still works.
    """
    calls: list[str] = []

    def trap(name: str):  # noqa: ANN202 - a tiny closure factory
        def record(*args: object, **kwargs: object) -> None:
            calls.append(name)
            raise Executed(f"user text reached {name}")

        return record

    error: InputError | None = None
    with pytest.MonkeyPatch.context() as patch:
        for name in ("eval", "exec", "compile"):
            patch.setattr(builtins, name, trap(name))
        patch.setattr(pd, "eval", trap("pandas.eval"))
        patch.setattr(pd.DataFrame, "query", trap("DataFrame.query"))
        patch.setattr(pd.DataFrame, "eval", trap("DataFrame.eval"))
        start = time.perf_counter()
        try:
            load_ruleset([path])
        except InputError as err:
            error = err
        elapsed = time.perf_counter() - start
    return error, elapsed, calls


def test_corpus_is_big_enough() -> None:
    assert len(FILES) >= 30


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_hostile_file_is_one_clear_error(path: Path) -> None:
    CANARY.unlink(missing_ok=True)
    error, elapsed, calls = load_trapped(path)
    assert not calls
    assert error is not None, f"{path.name} was accepted"
    assert elapsed < HANG_SECONDS, f"{path.name} took {elapsed:.2f}s"
    message = str(error)
    assert error.exit_status == ExitStatus.USAGE
    assert message.startswith(str(path)), message
    assert expected_fragment(path) in message, message
    assert "Traceback" not in message
    lines = message.split("\n")
    # One message: a headline, optionally the source line and its caret.
    assert len(lines) in (1, 3), message
    if len(lines) == 3:
        assert lines[2].strip() == "^", message
        assert len(lines[1]) <= 120
    assert not CANARY.exists()


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("name", "text", "fragment"),
    [
        (
            "megabyte_when.toml",
            '[[rule]]\nwhen = "' + "pe_fwd > 1 and " * 70000 + '"\n',
            "file is too large",
        ),
        (
            "just_under_limit.toml",
            '[[rule]]\nid = "x"\ntitle = "t"\nscore = 1\nwhen = "' + "(" * 200_000 + '"\n',
            "expression is too long",
        ),
        (
            "many_rules.toml",
            "".join(
                f'[[rule]]\nid = "r{i}"\ntitle = "t"\nscore = 1\nwhen = "pe_fwd > 1"\n'
                for i in range(1001)
            ),
            "too many rules",
        ),
    ],
)
def test_generated_huge_files(tmp_path: Path, name: str, text: str, fragment: str) -> None:
    path = _write(tmp_path, name, text)
    error, elapsed, calls = load_trapped(path)
    assert not calls and error is not None
    assert elapsed < HANG_SECONDS
    assert fragment in str(error), str(error)
    assert len(str(error).split("\n")) in (1, 3)


def test_unreadable_paths(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"missing\.toml: cannot read: no such file$"):
        load_ruleset([tmp_path / "missing.toml"])
    empty = tmp_path / "empty_dir"
    empty.mkdir()
    with pytest.raises(InputError, match="no rule files"):
        load_ruleset([empty])
