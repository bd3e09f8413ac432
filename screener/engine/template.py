"""The `why` formatter: explanation templates rendered without `str.format`.

A template is text with placeholders `{expr}` or `{expr:spec}`. `expr` is an
expression of the rule language, parsed by our own parser (so it can name
metrics and call functions such as `sector_median(pe_fwd)`, and nothing else);
`spec` must match a small allow-list (`.1f`, `.0%`, `,.0f`, `+.1%` ...) and is
applied with `format(float, spec)`, so only to numbers: a format on a text
expression (`{market:+.2f}`) is an error when the rule is loaded. `str.format`
on user text is never used: format strings can reach attributes
(`{0.__class__}`). `{{` and `}}` are literal braces. Values are rendered by
`screener.output.format.template_text` (missing ones as "n/a").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from screener.engine.nodes import Node
from screener.engine.parser import infer_type, parse_expression
from screener.engine.tokens import ExprError
from screener.utils import clip

MAX_TEMPLATE_CHARS = 2000
MAX_PLACEHOLDERS = 32
SPEC_RE = re.compile(r"[+]?,?(?:\.\d)?[fe%g]?")


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
    placeholders = 0
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
                f"unsupported format '{clip(spec, 23)}': "
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
            shown = clip(node.to_source(), 40)
            raise ExprError(
                f"format '{spec}' needs a number, but {shown} is text: "
                f"write {{{shown}}} without a format",
                i + 1 + len(expr_text) + 1,
                len(spec),
            )
        placeholders += 1
        if placeholders > MAX_PLACEHOLDERS:
            raise ExprError(f"too many placeholders (the limit is {MAX_PLACEHOLDERS})", i)
        if literal:
            parts.append("".join(literal))
            literal = []
        parts.append(Placeholder(node, spec))
        i = end + 1
    if literal:
        parts.append("".join(literal))
    return Template(tuple(parts), text)
