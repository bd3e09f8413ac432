"""Yahoo-style A-share tickers <-> the codes East Money and akshare want.

The screener names A-shares as Yahoo does (`600498.SS`, `300308.SZ`, `920808.BJ`);
akshare's push2 and datacenter calls take the bare six-digit code, East Money's F10
pages want their own suffix (`600498.SH`). One place converts, so no call guesses.
"""

from __future__ import annotations

import re

#: Yahoo suffix -> East Money suffix, for the exchanges this provider serves
A_SHARE_SUFFIXES: dict[str, str] = {".SS": "SH", ".SZ": "SZ", ".BJ": "BJ"}

_TICKER = re.compile(r"^(\d{6})\.(SS|SZ|BJ)$")


def is_a_share(ticker: str) -> bool:
    """Whether the ticker is a Shanghai, Shenzhen or Beijing listing (six digits + suffix)."""
    return _TICKER.match(ticker.strip().upper()) is not None


def bare_code(ticker: str) -> str:
    """`600498.SS` -> `600498`; ValueError for anything that is not an A-share ticker."""
    match = _TICKER.match(ticker.strip().upper())
    if match is None:
        raise ValueError(f"{ticker!r} is not an A-share ticker (six digits and .SS/.SZ/.BJ)")
    return match.group(1)


def eastmoney_secucode(ticker: str) -> str:
    """`600498.SS` -> `600498.SH`: the suffix East Money's F10 pages expect."""
    code = bare_code(ticker)
    return f"{code}.{A_SHARE_SUFFIXES['.' + ticker.strip().upper().rsplit('.', 1)[1]]}"


def quote_url(ticker: str) -> str:
    """The East Money quote page a person can open for the ticker."""
    code = bare_code(ticker)
    prefix = eastmoney_secucode(ticker).rsplit(".", 1)[1].lower()
    return f"https://quote.eastmoney.com/{prefix}{code}.html"
