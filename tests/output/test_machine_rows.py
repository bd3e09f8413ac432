"""The column-wise writers of `screen --format csv|json|jsonl` equal the plain ones.

The reference is the straightforward path: one dict per row (`to_rows`, `json_rows`,
`json_extras`), each row through csv.writer or `json_line`. The fast path must give
the same text for the sample run and for runs whose values are made hostile: quotes,
commas, line breaks, controls, bidi marks, lone surrogates, NaN and infinities.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from screener.data.store import Store
from screener.engine.age import FigureAges
from screener.output import csvfile
from screener.output.jsonrows import JSON_FIELDS, json_array_text, run_json_lines
from screener.output.rows import ROW_FIELDS, json_line, json_rows, json_text, to_rows
from screener.output.runmeta import json_extras, jsonl_lines_text, jsonl_text
from screener.output.sanitize import Sanitised, _replacement, is_printable, printable
from screener.run import ScreenRun, load_inputs, run_screen
from screener.utils import UNSAFE_CHARACTERS

HOSTILE = st.text(
    st.sampled_from(
        list('ab ,"\'=+-@\t\r\n\x00\x1b\x7f\x85\u200e\u202e\u2028\ud800中€')
    ),
    max_size=12,
)
FIXTURE_OK = [HealthCheck.function_scoped_fixture]  # the module run is only read
LARGE_OK = [*FIXTURE_OK, HealthCheck.large_base_example]  # a run's columns, six rows
NUMBER = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 1e16, 1e-7, 123456789012345.0, float("nan")]),
)


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory: pytest.TempPathFactory) -> ScreenRun:
    with Store(tmp_path_factory.mktemp("machine") / "store.db") as store:
        return run_screen(store, load_inputs(None, None), source="sample")


def _reference_csv(run: ScreenRun, fields: list[str]) -> str:
    """csv.writer over `csv_cell` of every value of `to_rows`: no shortcut at all."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(fields)
    for row in to_rows(run):
        writer.writerow([csvfile.csv_cell(row.get(field)) for field in fields])
    return buffer.getvalue()


def _reference_lines(run: ScreenRun, fields: list[str] | None = None) -> list[str]:
    rows = json_extras(json_rows(run), run)
    if fields is not None:
        rows = [{field: row[field] for field in fields} for row in rows]
    return [json_line(row) for row in rows]


def _assert_same(run: ScreenRun, fields: list[str] | None = None) -> None:
    csv_fields = [f for f in (fields or ROW_FIELDS) if f in ROW_FIELDS] or ["ticker"]
    assert csvfile.run_csv_text(run, csv_fields) == _reference_csv(run, csv_fields)
    assert csvfile.csv_text(to_rows(run), csv_fields) == _reference_csv(run, csv_fields)
    lines = run_json_lines(run, fields)
    assert lines == _reference_lines(run, fields)
    rows = json_extras(json_rows(run), run)
    if fields is None:
        assert json_array_text(lines) == json_text(rows)
        metadata = {"source": "x\u202e"}
        assert jsonl_lines_text(metadata, lines) == jsonl_text(metadata, rows)


def test_the_sample_run_is_written_as_the_plain_path_writes_it(sample_run: ScreenRun) -> None:
    _assert_same(sample_run)
    assert len(run_json_lines(sample_run)) == len(sample_run.rows) > 10


def test_an_empty_run_is_an_empty_array(sample_run: ScreenRun) -> None:
    empty = _with(sample_run, rows=sample_run.rows.iloc[:0])
    assert run_json_lines(empty) == []
    assert json_array_text([]) == json_text([]) == "[]"
    _assert_same(empty)


def test_no_field_asked_for_writes_no_lines(sample_run: ScreenRun) -> None:
    from screener.output.jsonrows import run_json_chunks

    assert run_json_lines(sample_run, []) == []
    assert list(run_json_chunks(sample_run, [])) == ["[]"]


@settings(max_examples=40, deadline=None, suppress_health_check=FIXTURE_OK)
@given(fields=st.lists(st.sampled_from(JSON_FIELDS), min_size=1, unique=True))
def test_any_choice_of_fields_in_any_order(sample_run: ScreenRun, fields: list[str]) -> None:
    _assert_same(sample_run, fields)


@settings(max_examples=30, deadline=None, suppress_health_check=LARGE_OK)
@given(data=st.data())
def test_hostile_values_are_written_as_the_plain_path_writes_them(
    sample_run: ScreenRun, data: st.DataObject
) -> None:
    _assert_same(_hostile(sample_run, data))


def _hostile(run: ScreenRun, data: st.DataObject) -> ScreenRun:
    """The sample run with hostile texts, numbers, flags, notes and vintages."""
    rows = run.rows.iloc[:6].copy()  # six rows: small enough for hypothesis to shrink
    n = len(rows)
    for column in ("name_en", "name_zh", "sector", "market", "as_of", "source_url", "notes"):
        rows[column] = data.draw(st.lists(st.one_of(HOSTILE, st.none()), min_size=n, max_size=n))
    rows["financial_currency"] = data.draw(
        st.lists(st.one_of(HOSTILE, st.none(), st.just(float("nan"))), min_size=n, max_size=n)
    )
    for column in ("pe_fwd", "price", "market_cap", "pe_hist_pct"):
        rows[column] = data.draw(st.lists(NUMBER, min_size=n, max_size=n))
    rows["score"] = data.draw(st.lists(NUMBER, min_size=n, max_size=n))
    ids = [rule.id for rule in run.ruleset.rules] + ["no-such-rule", 'q"uote,']
    rows["flags"] = data.draw(
        st.lists(st.lists(st.sampled_from(ids), max_size=3), min_size=n, max_size=n)
    )
    rows["reasons"] = data.draw(st.lists(st.lists(HOSTILE, max_size=3), min_size=n, max_size=n))
    provenance = {
        str(t): data.draw(st.dictionaries(HOSTILE, st.one_of(HOSTILE, NUMBER), max_size=2))
        for t in rows.index
    }
    assert run.ages is not None
    ages = run.ages.reindex(rows.index)
    labels = ages.labels.copy().astype(object)
    basis = ages.basis.copy().astype(object)
    for column in labels.columns[:4]:
        labels[column] = data.draw(
            st.lists(
                st.one_of(HOSTILE, st.none(), st.just(float("nan"))),
                min_size=len(labels),
                max_size=len(labels),
            )
        )
        basis[column] = data.draw(
            st.lists(
                st.sampled_from(["quote", "statement", "estimate", None]),
                min_size=len(basis),
                max_size=len(basis),
            )
        )
    hostile_ages = FigureAges(dates=ages.dates, basis=basis, labels=labels, days=ages.days)
    return _with(run, rows=rows, provenance=provenance, ages=hostile_ages)


def _with(run: ScreenRun, rows: pd.DataFrame | None = None, **changes: Any) -> ScreenRun:
    """`run` with other fields, and other rows (its selection's, cached, set here)."""
    new = dataclasses.replace(run, **changes)
    if rows is not None:
        new.__dict__["rows"] = rows
    return new


def test_a_run_without_vintages(sample_run: ScreenRun) -> None:
    _assert_same(_with(sample_run, ages=None))


def test_a_vintage_table_of_other_rows(sample_run: ScreenRun) -> None:
    """Rows the vintage table does not know get `{}`, as `of_rows` gives them."""
    ages = sample_run.ages
    assert ages is not None
    some = ages.dates.index[::2]
    _assert_same(_with(sample_run, ages=ages.reindex(some)))


# -- CSV cells against csv.writer ---------------------------------------------------


def _writer_text(rows: list[list[Any]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_MINIMAL).writerows(rows)
    return buffer.getvalue()


CELL = st.one_of(
    st.text(st.sampled_from(list('a ,"\r\n\t中€\x00')), max_size=8),
    st.text(max_size=8),
    st.floats(),
    st.floats().map(np.float64),  # a float subclass whose repr is not float's
    st.integers(),
    st.integers(-(2**62), 2**62).map(np.int64),
    st.booleans(),
    st.none(),
)


@given(
    header=st.lists(st.text(st.sampled_from(list('ab,"\r\n')), min_size=1), min_size=1, max_size=4),
    data=st.data(),
)
def test_written_cells_are_what_csv_writer_writes(header: list[str], data: st.DataObject) -> None:
    width = len(header)
    rows = data.draw(st.lists(st.lists(CELL, min_size=width, max_size=width), max_size=5))
    columns = [[csvfile.written_cell(row[j]) for row in rows] for j in range(width)]
    assert csvfile.csv_columns_text(header, columns) == _writer_text([header, *rows])


@given(st.lists(st.one_of(NUMBER, st.none()), max_size=20))
def test_number_cells_are_csv_cell_of_each_number(values: list[float | None]) -> None:
    array = np.array([math.nan if v is None else v for v in values], dtype="float64")
    expected = [csvfile.written_cell(csvfile.csv_cell(v)) for v in array.tolist()]
    assert csvfile.number_cells(array) == expected


# -- the sanitiser's fast scan -------------------------------------------------------


@pytest.mark.parametrize("newlines", [False, True])
def test_is_printable_agrees_with_the_character_class_for_every_character(
    newlines: bool,
) -> None:
    for code in range(0x10000):
        char = chr(code)
        unsafe = bool(UNSAFE_CHARACTERS.search(char)) and not (newlines and char == "\n")
        for text in (char, "a" * 5000 + char + ("\n" if newlines else "")):
            assert is_printable(text, newlines=newlines) is not unsafe, hex(code)


@given(st.text(), st.booleans(), st.integers(0, 6000))
def test_printable_is_unchanged_by_the_fast_scan(text: str, newlines: bool, pad: int) -> None:
    long = "x" * pad + text
    by_class = UNSAFE_CHARACTERS.sub(lambda m: _replacement(m.group(), newlines), long)
    assert printable(long, newlines=newlines) == by_class


def test_the_cli_writes_the_plain_path_bytes(run_cli: Any, sample_run: ScreenRun) -> None:
    """`screen --format csv|json` prints what the reference writes for the same run."""
    result = run_cli("screen", "--source", "sample", "--format", "csv")
    assert result.status == 0
    assert result.out == _reference_csv(sample_run, list(ROW_FIELDS))
    result = run_cli("screen", "--source", "sample", "--format", "json")
    assert result.status == 0
    assert result.out == json_text(json_extras(json_rows(sample_run), sample_run)) + "\n"


@given(
    st.lists(
        st.lists(st.one_of(CELL, st.lists(HOSTILE, max_size=2)), min_size=3, max_size=3),
        max_size=6,
    )
)
def test_csv_text_of_any_rows_is_csv_writer_over_csv_cell(values: list[list[Any]]) -> None:
    fields = ["a", "b,", 'c"']
    rows = [dict(zip(fields, row, strict=True)) for row in values]
    cells = [[csvfile.csv_cell(value) for value in row] for row in values]
    assert csvfile.csv_text(rows, fields) == _writer_text([fields, *cells])
    assert csvfile.csv_text(rows, fields[:1]) == _writer_text([fields[:1], *(c[:1] for c in cells)])


@settings(max_examples=30, deadline=None, suppress_health_check=LARGE_OK)
@given(data=st.data())
def test_documents_marked_safe_hold_no_unsafe_character(
    sample_run: ScreenRun, data: st.DataObject
) -> None:
    """What `Sanitised` promises `printable` (which then skips its scan) is true: the
    JSON, JSONL and CSV of a hostile run hold no unsafe character but line feeds."""
    from screener.output.csvfile import run_csv_text
    from screener.output.jsonrows import json_array_text, run_json_lines
    from screener.output.runmeta import jsonl_lines_text, run_metadata
    from screener.output.sanitize import Sanitised
    from screener.utils import UNSAFE_CHARACTERS

    run = _hostile(sample_run, data)
    lines = run_json_lines(run)
    documents = [
        json_array_text(lines),
        jsonl_lines_text(run_metadata(run), lines),
        run_csv_text(run, list(ROW_FIELDS)),
    ]
    for document in documents:
        assert type(document) is Sanitised
        assert not UNSAFE_CHARACTERS.search(document.replace("\n", ""))
    assert type(printable("x\x1b[2J" + documents[0])) is str  # joined with more: scanned
    assert printable(documents[2], newlines=True) is documents[2]


@pytest.mark.parametrize("count", [0, 1, 2, 499, 500, 501, 1001])
def test_the_array_written_in_chunks_is_the_whole_array(count: int) -> None:
    from screener.output.jsonrows import json_array_chunks

    lines = [f'{{"n":{i}}}' for i in range(count)]
    whole = json_text([{"n": i} for i in range(count)])
    for size in (1, 2, 500):
        assert "".join(json_array_chunks(lines, size)) == whole


# -- many rows: the shortcuts that only pay from dozens of rows on ------------------


def _tiled(run: ScreenRun, times: int) -> ScreenRun:
    """`run` with its rows repeated `times` times under new tickers (the vintages and
    provenance with them): columns of repeated values, as a whole market has."""
    rows = pd.concat([run.rows] * times)
    tickers = [f"T{i:05d}" for i in range(len(rows))]
    old = [str(t) for t in rows.index]
    rows.index = pd.Index(tickers)
    provenance = {new: run.provenance.get(was, {}) for new, was in zip(tickers, old, strict=True)}
    ages = None
    if run.ages is not None:
        known = run.ages.reindex(pd.Index(old))
        tables = [
            frame.set_axis(pd.Index(tickers), axis=0)
            for frame in (known.dates, known.basis, known.labels, known.days)
        ]
        ages = FigureAges(*tables)
    return _with(run, rows=rows, provenance=provenance, ages=ages)


@settings(max_examples=10, deadline=None, suppress_health_check=LARGE_OK)
@given(data=st.data(), times=st.integers(12, 40))
def test_many_hostile_rows_are_written_as_the_plain_path_writes_them(
    sample_run: ScreenRun, data: st.DataObject, times: int
) -> None:
    """Hundreds of rows of a few hostile values each: every column repeats (numbers
    written once per value, texts and lists once each, vintages once per row pattern,
    constant columns folded into the line) and the bytes stay the reference's."""
    run = _tiled(_hostile(sample_run, data), times)
    _assert_same(run)
    fields = data.draw(st.lists(st.sampled_from(JSON_FIELDS), min_size=1, unique=True))
    _assert_same(run, fields)


def test_the_sample_run_repeated_is_written_as_the_plain_path_writes_it(
    sample_run: ScreenRun,
) -> None:
    run = _tiled(sample_run, 5)
    _assert_same(run)
    _assert_same(_with(run, rows=run.rows.iloc[::7]))  # a few rows of the vintage tables


@pytest.mark.parametrize("size", [1, 7, 500])
def test_chunks_made_from_the_run_are_the_chunks_of_its_lines(
    sample_run: ScreenRun, size: int
) -> None:
    from screener.output.jsonrows import json_array_chunks, run_json_chunks

    for run in (sample_run, _tiled(sample_run, 3)):
        for fields in (None, ["ticker", "vintages", "score"]):
            lines = run_json_lines(run, fields)
            chunks = list(run_json_chunks(run, fields, size))
            assert chunks == list(json_array_chunks(lines, size))
            assert all(type(chunk) is Sanitised for chunk in chunks)
    empty = _with(sample_run, rows=sample_run.rows.iloc[:0])
    assert list(run_json_chunks(empty)) == ["[]"]


REPEATED = st.sampled_from(
    [0.0, -0.0, 1.5, -2.25, 1e16, 1e-7, float("nan"), float("inf"), -float("inf")]
)


@given(st.lists(REPEATED, min_size=60, max_size=400), st.sampled_from(["null", "NaN", ""]))
def test_float_texts_of_repeated_values_are_each_value_written(
    values: list[float], missing: str
) -> None:
    """A column of few values (written once each, told apart by their bits) is written
    as a value at a time: repr, `missing` for NaN, the infinities as given."""
    from screener.output.rows import float_texts

    array = np.array(values, dtype="float64")
    inf = ("Infinity", "-Infinity")

    def one(value: float) -> str:
        if math.isnan(value):
            return missing
        if math.isinf(value):
            return inf[0] if value > 0 else inf[1]
        return repr(value)

    assert float_texts(array, missing, inf) == [one(v) for v in values]


def test_first_values_repeat_looks_at_the_probe_only() -> None:
    from screener.output.rows import first_values_repeat

    assert first_values_repeat(["cn", "us"] * 40)
    assert not first_values_repeat([f"name {i}" for i in range(80)])
    assert not first_values_repeat([f"name {i}" for i in range(64)] + ["cn"] * 1000)
    assert first_values_repeat([f"n{i % 8}" for i in range(300)], probe=16)
    bits = np.array([0.0, -0.0] * 4 + [1.5] * 2).view(np.int64)
    assert first_values_repeat(bits)  # 3 distinct of 10
    assert not first_values_repeat(np.array([0.0, -0.0]).view(np.int64))  # two, told apart
