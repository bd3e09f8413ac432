"""The rule engine: a small, safe rule language compiled to vectorised pandas/numpy.

    ruleset = load_ruleset([Path("rules")])     # checks everything, loads no data
    ev = evaluate(ruleset, frame, history)      # pure: scores, fired rules, reasons
    explain(ruleset, frame, history, "300308.SZ")

See docs/rules.md for the language. The evaluator and `explain` (pandas) are imported
on first use, so checking rule files (`rules check`) loads no data library.
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any

from screener.engine.parser import parse_condition, parse_expression
from screener.engine.ruleset import Rule, RuleSet, load_ruleset
from screener.engine.tokens import ExprError
from screener.lazy import lazy_exports

if TYPE_CHECKING:
    from screener.engine.evaluate import Evaluation, Evaluator, evaluate, history_percentile
    from screener.engine.explain import RuleExplanation, explain

#: names imported when first asked for (PEP 562), by module
_LAZY: dict[str, str] = {
    "Evaluation": "screener.engine.evaluate",
    "Evaluator": "screener.engine.evaluate",
    "evaluate": "screener.engine.evaluate",
    "history_percentile": "screener.engine.evaluate",
    "RuleExplanation": "screener.engine.explain",
    "explain": "screener.engine.explain",
}


__getattr__ = lazy_exports(__name__, _LAZY)


class _Engine(types.ModuleType):
    """This package: loading the submodule `evaluate` (or `explain`) must not put the
    module where the function of the same name is read (`from screener.engine import
    evaluate` is the function, whoever imported `screener.engine.evaluate` first)."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _LAZY and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Engine


__all__ = [
    "Evaluation",
    "Evaluator",
    "ExprError",
    "Rule",
    "RuleExplanation",
    "RuleSet",
    "evaluate",
    "explain",
    "history_percentile",
    "load_ruleset",
    "parse_condition",
    "parse_expression",
]
