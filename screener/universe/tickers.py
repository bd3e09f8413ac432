"""Ticker normalisation: the many ways investors write a code -> one Yahoo symbol.

Chinese brokers write ``SZ300308`` or ``sh688702``, HK investors ``00700`` or
``700.HK``, Yahoo wants ``300308.SZ``, ``688702.SS`` and ``0700.HK``. Every key in
the store, the universe and the watchlists is the Yahoo symbol, so everything a user
types goes through :func:`normalize_ticker` first; anything we cannot place with
certainty is rejected (``InputError``, exit 2) with the ticker named, rather than
guessed, because a wrong exchange suffix silently fetches another company or nothing.

Beijing retired its older codes in October 2025: every company listed on the Beijing
Stock Exchange moved from its 8xxxxx/4xxxxx code (carried over from NEEQ) to a 920xxx
code keeping the last three digits. An old code of a company we know the move of
(:data:`BEIJING_MOVES`) still resolves, to the new code, and :func:`ticker_note`
says so; any other old code is rejected with the rule's likely new code as a hint,
because the rule only held for companies listed on that exchange at the time (a
delisted or NEEQ-only code would map onto some other company).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from screener.errors import InputError
from screener.utils import clip

# Six-digit A-share stock codes -> Yahoo suffix, decided by the leading digits.
# Shanghai main board 60x and STAR 68x; Shenzhen main/SME 00x and ChiNext 30x;
# Beijing Stock Exchange 92x; 8x and 4x are its retired codes (see BEIJING_MOVES).
_A_SHARE_PREFIXES: tuple[tuple[str, str], ...] = (
    ("60", "SS"),
    ("68", "SS"),
    ("00", "SZ"),
    ("30", "SZ"),
    ("92", "BJ"),
    ("8", "BJ"),
    ("4", "BJ"),
)

BEIJING_MOVES: dict[str, str] = {
    "872808": "920808",  # Sugon DataEnergy 曙光数创
}
"""Retired Beijing code -> its 920 code, for the companies of the universe that moved.

The Beijing Stock Exchange switched every listed company to a 920 code in October
2025 (920 + the old code's last three digits). Add a row here when a company of the
universe (or a code users are known to type) moved; other old codes are rejected.
"""

BEIJING_MOVE_MONTH = "October 2025"
"""When Beijing retired its 8xxxxx/4xxxxx codes (named in notes and errors)."""

_RETIRED_BEIJING_PREFIXES: tuple[str, ...] = ("8", "4")

# Exchange spellings users give for A-shares -> Yahoo's suffix.
_A_SHARE_EXCHANGES: dict[str, str] = {"SS": "SS", "SH": "SS", "SZ": "SZ", "BJ": "BJ"}

# Other Yahoo suffixes accepted as given (upper-cased); the symbol body is checked loosely.
_OTHER_SUFFIXES: frozenset[str] = frozenset(
    {
        "T",
        "AX",
        "KS",
        "KQ",
        "TO",
        "V",
        "L",
        "DE",
        "F",
        "PA",
        "AS",
        "SW",
        "MI",
        "MC",
        "SI",
        "JK",
        "NS",
        "BO",
        "TA",
        "ST",
        "HE",
        "CO",
        "OL",
        "IR",
        "NZ",
        "SA",
        "MX",
    }
)

# re.ASCII everywhere: `\d` must not take '٠' or '２', or `60٠٥١٩` and `600519` would be
# two spellings of one company (int() reads both). `\Z`, not `$`: no trailing newline.
_A = re.ASCII
_RE_A_PLAIN = re.compile(r"^(\d{6})\Z", _A)
_RE_A_SUFFIX = re.compile(r"^(\d{6})\.(SS|SH|SZ|BJ)\Z", re.IGNORECASE | _A)
_RE_A_PREFIX = re.compile(r"^(SS|SH|SZ|BJ)(\d{6})\Z", re.IGNORECASE | _A)
_RE_HK_SUFFIX = re.compile(r"^(\d{1,5})\.HK\Z", re.IGNORECASE | _A)
_RE_HK_PREFIX = re.compile(r"^HK(\d{1,5})\Z", re.IGNORECASE | _A)
_RE_HK_BARE = re.compile(r"^(0\d{4})\Z", _A)  # HKEX's own five-digit form: 09698, 00700
_RE_TW = re.compile(r"^(\d{4,6}[A-Z]?)\.(TW|TWO)\Z", re.IGNORECASE | _A)
_RE_US = re.compile(r"^[A-Z]{1,5}(?:-[A-Z]{1,2})?\Z", _A)
_RE_OTHER = re.compile(r"^([A-Z0-9][A-Z0-9&-]{0,11})\.([A-Z]{1,2})\Z", re.IGNORECASE | _A)
MAX_TICKER_CHARS = 24  # longer than any form above: rejected before any pattern runs

CANONICAL_TICKER = re.compile(
    r"(?:[A-Z]{1,5}(?:-[A-Z]{1,2})?"
    r"|6[08]\d{4}\.SS|(?:00|30)\d{4}\.SZ|92\d{4}\.BJ"
    r"|(?!0000)(?:\d{4}|[1-9]\d{4})\.HK)\Z",
    _A,
)
"""The Yahoo forms most tickers are already written in (a universe file of 5,000 names
is): US symbols, A-shares with the suffix their code implies (not a retired Beijing
code), HK codes in Yahoo's four digits (five when needed). A string it matches
(``.match``) is its own :func:`normalize_ticker`: one match stands for the whole walk
(tests check they agree on many forms)."""


def _a_share_suffix(code: str) -> str | None:
    """Exchange suffix implied by a six-digit A-share code, or None if it is not a stock code."""
    for prefix, suffix in _A_SHARE_PREFIXES:
        if code.startswith(prefix):
            return suffix
    return None


def _reject(raw: str, why: str) -> InputError:
    """The error for a ticker we cannot place, quoting it cut short (repr escapes controls)."""
    return InputError(f"unrecognised ticker {clip(repr(raw), 40)}: {why}")


def _a_share(raw: str, code: str, exchange: str | None) -> str:
    implied = _a_share_suffix(code)
    if implied is None:
        raise _reject(
            raw,
            "six-digit codes must be A-share stocks (60/68 Shanghai, 00/30 Shenzhen, "
            "92 Beijing)",
        )
    if exchange is not None and _A_SHARE_EXCHANGES[exchange.upper()] != implied:
        raise _reject(raw, f"code {code} is listed on .{implied}, not .{exchange.upper()}")
    if code.startswith(_RETIRED_BEIJING_PREFIXES):
        moved = BEIJING_MOVES.get(code)
        if moved is None:
            raise _reject(
                raw,
                f"Beijing retired its 8xxxxx/4xxxxx codes in {BEIJING_MOVE_MONTH}; a company "
                f"listed then now trades as 920 + the last three digits "
                f"(here 920{code[-3:]}.BJ): check the new code and give it",
            )
        return f"{moved}.{implied}"
    return f"{code}.{implied}"


def ticker_note(raw: str) -> str | None:
    """Why :func:`normalize_ticker` gave ``raw`` another code, or None when it did not.

    Only a retired Beijing code earns a note (``872808.BJ is now 920808.BJ ...``);
    spelling changes such as ``sz300308`` -> ``300308.SZ`` go unmentioned.
    """
    text = raw.strip() if isinstance(raw, str) else ""
    m = _RE_A_PLAIN.match(text) or _RE_A_SUFFIX.match(text) or _RE_A_PREFIX.match(text)
    if m is None:
        return None
    code = next(g for g in m.groups() if g and g.isdigit())
    moved = BEIJING_MOVES.get(code)
    if moved is None:
        return None
    try:
        normalize_ticker(text)
    except InputError:
        return None  # e.g. 872808.SZ: rejected, so nothing was renamed
    return (
        f"{code}.BJ is now {moved}.BJ (Beijing moved its listed companies to 920 codes "
        f"in {BEIJING_MOVE_MONTH})"
    )


def _hong_kong(code: str) -> str:
    # Yahoo writes HK codes with four digits (leading zeros kept), five when needed.
    number = int(code)
    return f"{number:04d}.HK"


def normalize_ticker(raw: str) -> str:
    """Return the Yahoo symbol for a ticker written in any common form.

    Accepted: ``300308``, ``300308.SZ``, ``SZ300308``, ``sz300308``, ``sh688702``,
    ``688702.SH``, ``920808.BJ``, ``0700.HK``, ``700.HK``, ``00700.HK``, ``HK0700``,
    ``09698`` (HKEX's five digits), ``2345.TW``, ``3081.TWO``, US symbols in upper case
    (``ANET``, ``BRK-B``) and other Yahoo suffixes (``5803.T``, ``NXT.AX``); a retired
    Beijing code of :data:`BEIJING_MOVES` gives its new code (``872808`` -> ``920808.BJ``). Raises
    ``InputError`` naming the ticker otherwise.
    """
    if type(raw) is str and CANONICAL_TICKER.match(raw):  # already a Yahoo symbol: the usual
        return raw
    return _normalize(raw)


def _normalize(raw: str) -> str:
    """:func:`normalize_ticker` for any input, without the shortcut for Yahoo forms."""
    if not isinstance(raw, str):
        raise InputError(f"a ticker must be text, not {type(raw).__name__}")
    text = raw.strip()
    if not text:
        raise _reject(raw, "empty ticker")
    if len(text) > MAX_TICKER_CHARS:
        raise _reject(raw, f"too long ({len(text)} characters; tickers have at most 24)")
    if not text.isascii():
        raise _reject(raw, "tickers are written in ASCII letters and digits (not '２' or '٠')")

    if _RE_US.match(text):  # letters only: no other form below can match it
        return text
    if m := _RE_A_PLAIN.match(text):
        return _a_share(raw, m.group(1), None)
    if m := _RE_A_SUFFIX.match(text):
        return _a_share(raw, m.group(1), m.group(2))
    if m := _RE_A_PREFIX.match(text):
        return _a_share(raw, m.group(2), m.group(1))
    if m := (_RE_HK_SUFFIX.match(text) or _RE_HK_PREFIX.match(text)):
        if int(m.group(1)) == 0:
            raise _reject(raw, "a Hong Kong code cannot be zero")
        return _hong_kong(m.group(1))
    if (m := _RE_HK_BARE.match(text)) and int(m.group(1)):
        return _hong_kong(m.group(1))
    if m := _RE_TW.match(text):
        return f"{m.group(1).upper()}.{m.group(2).upper()}"
    if text.isalpha() and _RE_US.match(text.upper()):
        raise _reject(raw, f"US symbols are written in upper case (did you mean {text.upper()!r}?)")
    if (m := _RE_OTHER.match(text)) and m.group(2).upper() in _OTHER_SUFFIXES:
        return f"{m.group(1).upper()}.{m.group(2).upper()}"
    if text.isdecimal():
        raise _reject(
            raw,
            "a bare number is ambiguous unless it is a six-digit A-share code or HKEX's "
            "five-digit form (09698); add the exchange, e.g. 0700.HK, 2345.TW, 3081.TWO, 5803.T",
        )
    raise _reject(
        raw,
        "expected an A-share code (300308, SZ300308, 688702.SS), a HK code (0700.HK), "
        "a Taiwan code (2345.TW, 3081.TWO) or a Yahoo symbol (ANET, 5803.T)",
    )


def resolve_ticker(raw: str, known: Sequence[str]) -> str:
    """:func:`normalize_ticker`, and a symbol of `known` (the universe) written in another
    case: ``gds`` is GDS when the universe has GDS. Anything else fails as it would."""
    try:
        return normalize_ticker(raw)
    except InputError:
        text = raw.strip() if isinstance(raw, str) else ""
        folded = {symbol.casefold(): symbol for symbol in known}
        if text and text.casefold() in folded:
            return folded[text.casefold()]
        raise


def suggest_tickers(
    raw: str,
    names: Mapping[str, Sequence[str]],
    *,
    known_name: str | None = None,
    limit: int = 3,
) -> list[str]:
    """Universe tickers a mistyped ticker may have meant, best first.

    `names` maps each universe ticker to its names (English, Chinese). Names come
    first: what was typed read as a name (``innolight``, ``中际旭创``), and the name the
    store knows for the ticker (`known_name`, 0700.HK -> Tencent); then, for symbols
    with letters only, a close spelling (ANTE -> ANET). A numeric code one digit off is
    another company (0700.HK is not 0763.HK), so codes are never matched by spelling.
    """
    import difflib

    found: list[str] = []
    queries = [q for q in (raw.strip(), known_name or "") if _name_like(q)]
    for query in queries:
        needle = query.casefold()
        first = _first_word(needle)
        for ticker, labels in names.items():
            for label in (label.casefold() for label in labels if label):
                if needle in label or label in needle or (
                    len(first) >= 3 and _first_word(label) == first
                ):
                    found.append(ticker)
                    break
    letters = raw.strip().upper()
    if letters.isalpha() and letters.isascii():
        alpha = [t for t in names if t.isalpha()]
        found += difflib.get_close_matches(letters, alpha, n=limit, cutoff=0.6)
    return list(dict.fromkeys(found))[:limit]


def _name_like(text: str) -> bool:
    """Worth matching against names: three letters or more, or any CJK character."""
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 3 or any("\u4e00" <= c <= "\u9fff" for c in text)


def _first_word(text: str) -> str:
    words = text.casefold().replace(",", " ").split()
    return words[0] if words else ""


def suggestion_text(suggestions: Sequence[str], names: Mapping[str, Sequence[str]]) -> str:
    """' (did you mean GDS (GDS Holdings)?)' or '' when there is nothing to suggest."""
    if not suggestions:
        return ""
    shown = [f"{t} ({names[t][0]})" if names.get(t) else t for t in suggestions]
    return f" (did you mean {' or '.join(shown)}?)"


# Yahoo suffix -> listing market (ISO-like country code) for the suffixes we know.
SUFFIX_MARKETS: dict[str, str] = {
    "SS": "CN",
    "SZ": "CN",
    "BJ": "CN",
    "HK": "HK",
    "TW": "TW",
    "TWO": "TW",
    "T": "JP",
    "AX": "AU",
    "KS": "KR",
    "KQ": "KR",
    "TO": "CA",
    "V": "CA",
    "L": "GB",
    "SI": "SG",
    "DE": "DE",
    "F": "DE",
    "PA": "FR",
    "AS": "NL",
    "SW": "CH",
}


def market_of(ticker: str) -> str:
    """Listing market of a normalised Yahoo symbol: 'CN', 'HK', 'TW', 'JP', 'AU', 'KR', 'US' ...

    An unknown suffix is returned as is (see :data:`SUFFIX_MARKETS` for the known ones).
    """
    if "." not in ticker:
        return "US"
    suffix = ticker.rsplit(".", 1)[1]
    return SUFFIX_MARKETS.get(suffix, suffix)
