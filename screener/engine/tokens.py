"""Tokenizer of the rule language: a hand-written scanner that keeps positions.

It never hands user text to Python's own parser; anything outside the small
token set is an error pointing at the offending character, with a hint when the
character is a known attempt to reach Python (attribute access, subscripts, `**`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from screener.utils import unsafe_character

MAX_EXPRESSION_CHARS = 2000
MAX_NUMBER_MAGNITUDE = 1e15
MAX_NUMBER_CHARS = 32
MAX_STRING_CHARS = 100

TokenKind = Literal["num", "pct", "str", "name", "op", "eof"]

KEYWORDS = frozenset({"and", "or", "not", "between", "in", "is", "missing"})

# Words of Python (and of other expression languages) that people may try; they
# get a clear "not part of the rule language" rather than "unknown metric".
FOREIGN_WORDS = frozenset(
    {
        "lambda",
        "import",
        "from",
        "for",
        "while",
        "if",
        "else",
        "elif",
        "def",
        "class",
        "return",
        "yield",
        "await",
        "async",
        "with",
        "as",
        "global",
        "nonlocal",
        "del",
        "pass",
        "raise",
        "try",
        "except",
        "finally",
        "assert",
        "exec",
        "eval",
        "compile",
        "open",
        "getattr",
        "setattr",
        "globals",
        "locals",
        "vars",
        "dir",
        "type",
        "object",
        "print",
        "input",
        "breakpoint",
        "True",
        "False",
        "None",
        "true",
        "false",
        "null",
        "self",
        "os",
        "sys",
        "subprocess",
        "builtins",
    }
)

_DIGITS = frozenset("0123456789")  # ASCII only: str.isdigit() also takes '２' and '²'
_TWO_CHAR_OPS = ("<=", ">=", "==", "!=")
_ONE_CHAR_OPS = "+-*/<>()[],"

_HINTS = {
    ".": "attribute access ('.') is not part of the rule language",
    "{": "braces are not part of the rule language",
    "}": "braces are not part of the rule language",
    "=": "use '==' to compare",
    "!": "use 'not' for negation and '!=' for 'not equal'",
    "&": "use 'and'",
    "|": "use 'or'",
    "~": "use 'not'",
    "@": "'@' is not part of the rule language",
    "\\": "backslashes are not part of the rule language",
    ":": "':' is not part of the rule language",
    ";": "';' is not part of the rule language",
    "%": "'%' may only follow a number (30% means 0.30)",
    "^": "there is no power operator in the rule language",
    "`": "backquotes are not part of the rule language",
}


class ExprError(Exception):
    """A problem at `pos` (offset into the expression text) spanning `length` characters."""

    def __init__(self, message: str, pos: int, length: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos
        self.length = max(1, length)


@dataclass(frozen=True, slots=True)
class Token:
    kind: TokenKind
    text: str
    pos: int
    value: float | str | None = None


def _is_name_start(c: str) -> bool:
    return c == "_" or ("a" <= c <= "z") or ("A" <= c <= "Z")


def _is_name_char(c: str) -> bool:
    return _is_name_start(c) or ("0" <= c <= "9")


def _scan_number(text: str, i: int) -> int:
    """End offset of the number literal starting at i: digits[.digits][e[+-]digits]."""
    n = len(text)
    j = i
    while j < n and text[j].isascii() and text[j].isdigit():
        j += 1
    if j < n and text[j] == ".":
        j += 1
        while j < n and text[j].isascii() and text[j].isdigit():
            j += 1
    if j < n and text[j] in "eE":
        k = j + 1
        if k < n and text[k] in "+-":
            k += 1
        if k < n and text[k].isascii() and text[k].isdigit():
            while k < n and text[k].isascii() and text[k].isdigit():
                k += 1
            j = k
    return j


def tokenize(text: str) -> list[Token]:
    """Split an expression into tokens, or raise ExprError at the first bad character."""
    if len(text) > MAX_EXPRESSION_CHARS:
        raise ExprError(
            f"expression is too long ({len(text)} characters; the limit is {MAX_EXPRESSION_CHARS})",
            0,
        )
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in " \t\r\n":
            i += 1
            continue
        if (c.isascii() and c.isdigit()) or (c == "." and text[i + 1 : i + 2] in _DIGITS):
            j = _scan_number(text, i)
            literal = text[i:j]
            if len(literal) > MAX_NUMBER_CHARS:
                raise ExprError("number literal is too long", i, j - i)
            if j < n and _is_name_char(text[j]):
                if literal.endswith("."):
                    raise ExprError(_HINTS["."], j - 1)
                raise ExprError(f"malformed number '{literal}{text[j]}'", i, j - i + 1)
            value = float(literal)
            if not value <= MAX_NUMBER_MAGNITUDE:  # also catches inf
                raise ExprError(f"number {literal} is too large (the limit is 1e15)", i, j - i)
            if j < n and text[j] == "%":
                tokens.append(Token("pct", text[i : j + 1], i, value))
                j += 1
            else:
                tokens.append(Token("num", literal, i, value))
            i = j
            continue
        if _is_name_start(c):
            j = i + 1
            while j < n and _is_name_char(text[j]):
                j += 1
            tokens.append(Token("name", text[i:j], i, text[i:j]))
            i = j
            continue
        if c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                if text[j] in "\\\n\r":
                    raise ExprError("string literals may not contain backslashes or newlines", j)
                if (char := unsafe_character(text[j])) is not None:
                    # Shown by `rules list` and `explain`: no escape codes, no bidi tricks.
                    raise ExprError(
                        f"string literals may not contain control characters ({char})", j
                    )
                j += 1
            if j >= n:
                raise ExprError("unterminated string literal", i, n - i)
            if j - i - 1 > MAX_STRING_CHARS:
                raise ExprError(
                    f"string literal is too long (the limit is {MAX_STRING_CHARS})", i, j - i + 1
                )
            tokens.append(Token("str", text[i : j + 1], i, text[i + 1 : j]))
            i = j + 1
            continue
        two = text[i : i + 2]
        if two == "**":
            raise ExprError("there is no power operator ('**') in the rule language", i, 2)
        if two == "//":
            raise ExprError("there is no '//' operator; use '/'", i, 2)
        if two in _TWO_CHAR_OPS:
            tokens.append(Token("op", two, i))
            i += 2
            continue
        if c in _ONE_CHAR_OPS:
            tokens.append(Token("op", c, i))
            i += 1
            continue
        hint = _HINTS.get(c)
        shown = c if c.isprintable() else f"U+{ord(c):04X}"
        message = f"unexpected character '{shown}'" + (f": {hint}" if hint else "")
        raise ExprError(message, i)
    tokens.append(Token("eof", "", n))
    return tokens
