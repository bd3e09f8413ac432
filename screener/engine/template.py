"""The `why` formatter: explanation templates rendered without `str.format`.

A template is text with placeholders `{expr}` or `{expr:spec}`. `expr` is an
expression of the rule language, parsed by our own parser (so it can name
metrics and call functions such as `sector_median(pe_fwd)`, and nothing else);
`spec` must match a small allow-list (`.1f`, `.0%`, `,.0f`, `+.1%` ...) and is
applied with `format(float, spec)`, so only to numbers: a format on a text
expression (`{market:+.2f}`) is an error when the rule is loaded. `str.format`
on user text is never used: format strings can reach attributes
(`{0.__class__}`). `{{` and `}}` are literal braces. Missing values render as
"n/a".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from screener.engine.nodes import Node
from screener.engine.parser import infer_type, parse_expression
from screener.engine.tokens import ExprError

MAX_TEMPLATE_CHARS = 2000
MAX_PLACEHOLDERS = 32
SPEC_RE = re.compile(r"[+]?,?(?:\.\d)?[fe%g]?")
MISSING_TEXT = "n/a"


@dataclass(frozen=True, slots=True)
class Placeholder:
    node: Node
    spec: str

    def to_source(self) -> str:
        return "{" + self.node.to_source() + (":" + self.spec if self.spec else "") + "}"


@dataclass(frozen=True, slots=True)
class Template:
    """A parsed `why` template: literal text and placeholders, in order."""

    parts: tuple[str | Placeholder, ...]
    text: str

    @property
    def placeholders(self) -> tuple[Placeholder, ...]:
        return tuple(p for p in self.parts if isinstance(p, Placeholder))


def parse_template(text: str) -> Template:
    """Parse a template; ExprError offsets are into `text`."""
    if len(text) > MAX_TEMPLATE_CHARS:
        raise ExprError(f"template is too long (the limit is {MAX_TEMPLATE_CHARS} characters)", 0)
    parts: list[str | Placeholder] = []
    literal: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "}":
            if text[i : i + 2] == "}}":
                literal.append("}")
                i += 2
                continue
            raise ExprError("single '}' in template: write '}}' for a literal brace", i)
        if c != "{":
            literal.append(c)
            i += 1
            continue
        if text[i : i + 2] == "{{":
            literal.append("{")
            i += 2
            continue
        end = text.find("}", i + 1)
        nested = text.find("{", i + 1)
        if end < 0:
            raise ExprError("unclosed '{' in template", i)
        if 0 <= nested < end:
            raise ExprError("'{' inside a placeholder", nested)
        body = text[i + 1 : end]
        expr_text, _, spec = body.partition(":")
        if not expr_text.strip():
            raise ExprError("empty placeholder: write an expression such as {pe_fwd:.1f}", i)
        if not SPEC_RE.fullmatch(spec):
            raise ExprError(
                f"unsupported format '{spec[:20]}{'...' if len(spec) > 20 else ''}': "
                "use e.g. .1f, .0%, ,.0f or +.1%",
                i + 1 + len(expr_text) + 1,
            )
        try:
            node = parse_expression(expr_text)
        except ExprError as err:
            raise ExprError(err.message, i + 1 + err.pos, err.length) from None
        kind = infer_type(node)
        if kind == "bool":
            raise ExprError("a placeholder must be a number or text, not a condition", i + 1)
        if kind == "text" and spec:
            shown = node.to_source()
            shown = shown if len(shown) <= 40 else shown[:37] + "..."
            raise ExprError(
                f"format '{spec}' needs a number, but {shown} is text: "
                f"write {{{shown}}} without a format",
                i + 1 + len(expr_text) + 1,
                len(spec),
            )
        if len(parts) >= 2 * MAX_PLACEHOLDERS:
            raise ExprError(f"too many placeholders (the limit is {MAX_PLACEHOLDERS})", i)
        if literal:
            parts.append("".join(literal))
            literal = []
        parts.append(Placeholder(node, spec))
        i = end + 1
    if literal:
        parts.append("".join(literal))
    return Template(tuple(parts), text)


def format_value(value: object, spec: str = "") -> str:
    """Format one value: missing as n/a, text as is, numbers with the allowed spec."""
    if value is None:
        return MISSING_TEXT
    if isinstance(value, str):
        return value
    x = float(value)  # type: ignore[arg-type]
    if np.isnan(x):
        return MISSING_TEXT
    if spec:
        return format(x, spec)
    if x == int(x) and abs(x) < 1e15:
        return format(int(x), ",d") if abs(x) >= 10000 else str(int(x))
    return format(x, ".4g") if abs(x) < 10000 else format(x, ",.0f")


def format_column(values: np.ndarray, spec: str = "") -> list[str]:
    """format_value over a whole column; the fast path for rendering many reasons."""
    if values.dtype == object:
        return [format_value(v, spec) for v in values.tolist()]
    floats: list[float] = values.astype(np.float64).tolist()
    if spec:
        return [MISSING_TEXT if x != x else format(x, spec) for x in floats]
    return [format_value(x) for x in floats]
