"""East Money's concept boards through akshare: the board list and a board's members.

`stock_board_concept_name_em()` pages through every concept board (push2
`/api/qt/clist/get`, `fs=m:90 t:3 f:!50`, 100 rows a page, a 0.5-1.5 s sleep before
each later page, three tries per page with a fresh session, three hosts) and maps the
answer to columns by position; akshare caches it for the process.
`stock_board_concept_cons_em(symbol)` pages through one board's members the same way
(`fs=b:BKxxxx f:!50`, host 29.push2). Boards are resolved by *name* against the list,
then asked by code (codes differ between sources and get reissued). Everything that
comes back is checked here: a board code is `BK` + digits, a member code six digits,
names printable and short; a list without those columns is a malformed answer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from screener.data.akshare.validate import clean_text
from screener.data.provider import BadResponseError, NotFoundError

_BOARD_CODE = re.compile(r"^BK\d{3,6}$")
_STOCK_CODE = re.compile(r"^\d{6}$")
MAX_NAME = 60


def _columns(frame: Any, what: str, *names: str) -> None:
    columns = list(getattr(frame, "columns", []))
    missing = [n for n in names if n not in columns]
    if missing:
        raise BadResponseError(f"{what}: East Money's answer lacks {', '.join(missing)}")


def boards_from_frame(frame: Any) -> dict[str, str]:
    """Board name -> board code, from `stock_board_concept_name_em`'s frame."""
    what = "concept board list"
    if frame is None or len(frame) == 0:
        raise BadResponseError(f"{what}: East Money sent no boards")
    _columns(frame, what, "板块名称", "板块代码")
    boards: dict[str, str] = {}
    for raw_name, raw_code in zip(frame["板块名称"], frame["板块代码"], strict=True):
        name, code = clean_text(raw_name, MAX_NAME), clean_text(raw_code, 12)
        if name is None or code is None or not _BOARD_CODE.match(code):
            raise BadResponseError(
                f"{what}: malformed row from East Money (name {str(raw_name)[:40]!r}, "
                f"code {str(raw_code)[:20]!r})"
            )
        boards.setdefault(name, code)
    return boards


def members_from_frame(frame: Any, board: str) -> tuple[tuple[str, str], ...]:
    """(six-digit code, name) of each member, from `stock_board_concept_cons_em`'s frame."""
    what = f"members of {board}"
    if frame is None or len(frame) == 0:
        return ()
    _columns(frame, what, "代码", "名称")
    members: dict[str, str] = {}
    for raw_code, raw_name in zip(frame["代码"], frame["名称"], strict=True):
        code, name = clean_text(raw_code, 12), clean_text(raw_name, MAX_NAME)
        if code is None or not _STOCK_CODE.match(code):
            raise BadResponseError(f"{what}: malformed member code {str(raw_code)[:20]!r}")
        members.setdefault(code, name or code)
    return tuple(members.items())


def fetch_boards(provider: Any, names: Iterable[str]) -> tuple[list[Any], list[str]]:
    """(a `BoardAnswer` per board found by name, names East Money no longer lists).

    `provider` is an `AkshareProvider` (its gate, deadline, pacer and error mapping
    govern every call). One request series for the list, one per mapped board found.
    """
    from screener.universe.sync import BoardAnswer

    try:
        listed = boards_from_frame(
            provider.call("stock_board_concept_name_em", "concept board list")
        )
    except NotFoundError as exc:  # `data: null` for the whole list: not an unknown code
        raise BadResponseError(f"concept board list: East Money sent no boards ({exc})") from exc
    answers: list[Any] = []
    unresolved: list[str] = []
    for name in names:
        code = listed.get(name)
        if code is None:
            unresolved.append(name)
            continue
        try:
            frame = provider.call(
                "stock_board_concept_cons_em", f"members of {name} ({code})", symbol=code
            )
        except NotFoundError:
            frame = None  # listed, but its member list is empty today
        answers.append(BoardAnswer(name, code, members_from_frame(frame, name)))
    return answers, unresolved
