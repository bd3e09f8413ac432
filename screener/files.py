"""Reading the small text files people hand screener (rule files, universe overrides).

Such a file may come from a stranger, so it is checked before it is read: it must be
a regular file (a FIFO would block forever, `/dev/zero` never ends), no larger than
the caller's limit (checked on the open file, then again while reading, so a file
that grows cannot slip past), free of NUL bytes and valid UTF-8. Every problem is one
`InputError` (exit 2) naming the file; nothing here reads more than `limit` + 1 bytes.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from screener.errors import InputError


def size_text(limit: int) -> str:
    """A byte limit as people write it: '256 KiB', '5 MiB'."""
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if limit >= size and limit % size == 0:
            return f"{limit // size} {unit}"
    return f"{limit} bytes"


def read_text_file(path: Path, *, limit: int, missing: str = "no such file") -> str:
    """The UTF-8 text of a regular file of at most `limit` bytes (a leading BOM dropped).

    Errors read `PATH: cannot read: WHY`; `missing` is the WHY for a file that is not there.
    """
    display = str(path)

    def fail(why: str) -> InputError:
        return InputError(f"{display}: cannot read: {why}")

    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused just below).
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise fail(missing) from None
    except OSError as err:
        raise fail(err.strerror or str(err)) from None
    with os.fdopen(fd, "rb") as handle:
        try:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise fail("not a regular file")
            if info.st_size > limit:
                raise fail(
                    f"file is too large ({info.st_size} bytes; the limit is {size_text(limit)})"
                )
            data = handle.read(limit + 1)
        except OSError as err:
            raise fail(err.strerror or str(err)) from None
    if len(data) > limit:
        raise fail(f"file is too large (the limit is {size_text(limit)})")
    if b"\x00" in data:
        raise fail("binary file (contains NUL bytes)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise fail(f"not UTF-8 text (invalid byte at offset {err.start})") from None
    return text.removeprefix("\ufeff")
