"""`--where EXPR`: a row filter written in the rule language, checked and run as a rule.

The expression goes through the same scanner, parser, type checker and literal checks
as a rule's `when` (never `eval`, `DataFrame.query` or `pandas.eval`), so a typo gets
the same message and caret a rule file gets, located at `--where:1:COL`. It is
evaluated by the same vectorised Kleene evaluator, with the same age limits: a row
passes where the condition is true; where it is unknown (a missing or stale input) the
row is left out and counted, so the user is told how many rows could not be decided.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from screener.engine.evaluate import Evaluator
from screener.engine.history import HistoryInput
from screener.engine.literals import check_literals
from screener.engine.nodes import Node
from screener.engine.parser import parse_condition
from screener.engine.tokens import ExprError
from screener.errors import InputError

#: names people try in a filter that are the rules' outcome, not data: what to use instead
VERDICT_WORDS = {
    "score": "--min-score N (or --flagged: a score above 0)",
    "flags": "--flagged",
    "flag": "--flagged",
}
MAX_WHERE_CHARS = 2000  # a rule's `when` is bounded by its file; an option by this


@dataclass(frozen=True)
class Where:
    """A checked `--where` condition: its text and its tree (compared by structure)."""

    text: str
    node: Node

    def outcome(
        self,
        frame: pd.DataFrame,
        history: HistoryInput = None,
        stale: pd.DataFrame | None = None,
    ) -> pd.Series:
        """Per row of `frame`: 1.0 true, 0.0 false, NaN unknown (Kleene, as a rule)."""
        values = Evaluator(frame, history, stale=stale).value(self.node)
        return pd.Series(np.asarray(values, dtype=np.float64), index=frame.index)


def where_error(text: str, err: ExprError, option: str = "--where") -> InputError:
    """The rule files' located error, for an expression given on the command line."""
    from screener.engine.ruleset import located_error

    line_start = text.rfind("\n", 0, err.pos) + 1
    line_no = text.count("\n", 0, err.pos) + 1
    line_end = text.find("\n", err.pos)
    source = text[line_start : line_end if line_end >= 0 else len(text)]
    return located_error(option, line_no, err.pos - line_start + 1, err.message, source)


def parse_where(text: str, option: str = "--where") -> Where:
    """Check `text` as a rule condition; an `InputError` with a caret when it is not one."""
    if not text.strip():
        raise InputError(f"{option}: an empty expression; write a condition, e.g. pe_fwd < 20")
    if len(text) > MAX_WHERE_CHARS:
        raise InputError(f"{option}: the expression is too long (limit {MAX_WHERE_CHARS} chars)")
    try:
        node = parse_condition(text)
        check_literals(node)
    except ExprError as err:
        word = re.match(r"[A-Za-z_]\w*", text[err.pos :])
        if word is not None and word.group() in VERDICT_WORDS and "unknown" in err.message:
            err = ExprError(
                f"'{word.group()}' is the rules' verdict, not a metric: use"
                f" {VERDICT_WORDS[word.group()]}",
                err.pos,
            )
        raise where_error(text, err, option) from None
    return Where(text, node)
