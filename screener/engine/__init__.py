"""The rule engine: a small, safe rule language compiled to vectorised pandas/numpy.

    ruleset = load_ruleset([Path("rules")])     # checks everything, loads no data
    ev = evaluate(ruleset, frame, history)      # pure: scores, fired rules, reasons
    explain(ruleset, frame, history, "300308.SZ")

See docs/rules.md for the language.
"""

from screener.engine.evaluate import Evaluation, Evaluator, evaluate, history_percentile
from screener.engine.explain import RuleExplanation, explain
from screener.engine.parser import parse_condition, parse_expression
from screener.engine.ruleset import Rule, RuleSet, load_ruleset
from screener.engine.tokens import ExprError

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
