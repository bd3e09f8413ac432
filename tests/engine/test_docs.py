"""docs/rules.md stays true: its example frame, expressions and templates are run here.

The frame and the history are read from the document itself, so changing an
example, the table or the engine without the other fails this test.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

from screener.catalog import TEXT_METRICS
from screener.engine import load_ruleset
from screener.engine.evaluate import Evaluator, render
from screener.engine.functions import FUNCTIONS
from screener.engine.parser import infer_type, parse_expression
from screener.engine.template import parse_template
from tests.paths import ROOT

DOC = ROOT / "docs" / "rules.md"
TEXT = DOC.read_text(encoding="utf-8")


def doc_frame() -> pd.DataFrame:
    lines = [line for line in TEXT.split("\n") if line.startswith("| ticker |")]
    assert len(lines) == 1
    start = TEXT.split("\n").index(lines[0])
    table = TEXT.split("\n")[start:]
    header = [c.strip() for c in table[0].strip("|").split("|")]
    rows = []
    for line in table[2:]:
        if not line.startswith("|"):
            break
        rows.append([c.strip() for c in line.strip().strip("|").split("|")])
    frame = pd.DataFrame(rows, columns=header).set_index("ticker")
    for column in frame.columns:
        if column in TEXT_METRICS:
            frame[column] = frame[column].astype(object)
        elif column == "in_stats":
            assert set(frame[column]) <= {"true", "false"}
            frame[column] = frame[column] == "true"
        else:
            frame[column] = pd.to_numeric(frame[column].replace("", np.nan)).astype("float64")
    return frame


def doc_history() -> pd.DataFrame:
    match = re.search(r"history of `pe_ttm`: A has ([\d, ]+); B has ([\d, ]+)", TEXT)
    assert match
    rows = []
    for ticker, points in zip("AB", match.groups(), strict=True):
        rows += [(ticker, "pe_ttm", "2020-12", float(p)) for p in points.split(",")]
    return pd.DataFrame(rows, columns=["ticker", "metric", "date", "value"])


def blocks(kind: str) -> list[str]:
    return [
        line
        for block in re.findall(rf"```{kind}\n(.*?)```", TEXT, flags=re.S)
        for line in block.strip().split("\n")
    ]


EXAMPLES = blocks("example")
TEMPLATES = blocks("example-template")


def test_every_function_has_an_example() -> None:
    used = {m for line in EXAMPLES for m in re.findall(r"([a-z_]+)\(", line.split("=>")[0])}
    assert set(FUNCTIONS) <= used, set(FUNCTIONS) - used


def test_every_shipped_rule_is_listed() -> None:
    for rule in load_ruleset():
        assert f"`{rule.id}`" in TEXT, rule.id


@pytest.mark.parametrize("line", EXAMPLES)
def test_example(line: str) -> None:
    expression, expected_text = (part.strip() for part in line.split("=>"))
    node = parse_expression(expression)
    frame = doc_frame()
    values = Evaluator(frame, doc_history()).value(node)
    expected = [e.strip() for e in expected_text.split("|")]
    assert len(expected) == len(frame)
    for ticker, got, want in zip(frame.index, values, expected, strict=True):
        where = f"{expression} for {ticker}: got {got!r}, the doc says {want}"
        if infer_type(node) == "bool":
            shown = "unknown" if np.isnan(got) else ("true" if got == 1.0 else "false")
            assert shown == want, where
        elif want == "n/a":
            assert np.isnan(got), where
        else:
            decimals = len(want.split(".")[1]) if "." in want else 0
            assert math.isclose(got, float(want), abs_tol=0.5 * 10**-decimals), where


@pytest.mark.parametrize("line", TEMPLATES)
def test_template_example(line: str) -> None:
    template_text, expected = (part.strip() for part in line.split("=>"))
    ticker, rendered = expected.split(": ", 1)
    frame = doc_frame()
    evaluator = Evaluator(frame, doc_history())
    row = np.array([frame.index.get_loc(ticker)])
    assert render(evaluator, parse_template(template_text), row) == [rendered]
