"""Loading rule files: exact error messages with file, line, column and caret."""

from __future__ import annotations

from pathlib import Path

import pytest

from screener.engine import load_ruleset
from screener.engine.nodes import Compare, MetricRef, Num
from screener.errors import InputError

GOOD = """[[rule]]
id = "cheap"
title = "Cheap"
description = "Because."
sectors = ["switching"]
when = "pe_fwd < 20"
score = 1.5
why = "P/E {pe_fwd:.1f}"
tags = ["valuation"]
"""


def write(tmp_path: Path, text: str, name: str = "x.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error_of(*paths: Path) -> str:
    with pytest.raises(InputError) as info:
        load_ruleset(list(paths))
    return str(info.value)


def test_good_file_loads(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    ruleset = load_ruleset([path])
    (rule,) = ruleset.rules
    assert rule.id == "cheap" and rule.title == "Cheap" and rule.description == "Because."
    assert rule.sectors == ("switching",) and rule.score == 1.5 and rule.tags == ("valuation",)
    assert rule.when == Compare(("<",), (MetricRef("pe_fwd"), Num(20.0)))
    assert rule.when_text == "pe_fwd < 20" and rule.why == "P/E {pe_fwd:.1f}"
    assert rule.path == path and rule.line == 1
    assert ruleset.get("cheap") is rule
    with pytest.raises(InputError, match="did you mean 'cheap'"):
        ruleset.get("chep")


def test_caret_under_the_unknown_metric(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace('"pe_fwd < 20"', '"pe_fw < 3"'))
    assert error_of(path) == (
        f"{path}:6:9: unknown metric 'pe_fw' (did you mean 'pe_fwd'?)\n"
        '  when = "pe_fw < 3"\n'
        "          ^"
    )


def test_caret_in_a_multiline_when(tmp_path: Path) -> None:
    text = GOOD.replace(
        'when = "pe_fwd < 20"', 'when = """\npe_fwd < 20\n  and sector_medain(pb) > 1\n"""'
    )
    path = write(tmp_path, text)
    assert error_of(path) == (
        f"{path}:8:7: unknown function 'sector_medain' (did you mean 'sector_median'?)\n"
        "    and sector_medain(pb) > 1\n"
        "        ^"
    )


def test_escaped_string_points_into_the_file_line(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace('"pe_fwd < 20"', '"market == \\"CN\\" and pe_fw < 3"'))
    message = error_of(path)
    assert message.startswith(f"{path}:6:")
    assert "unknown metric 'pe_fw'" in message
    lines = message.split("\n")
    assert lines[1] == '  when = "market == \\"CN\\" and pe_fw < 3"'
    assert lines[2].index("^") == lines[1].index("pe_fw")


def test_caret_in_why(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("{pe_fwd:.1f}", "{pe_fwd:.1q}"))
    message = error_of(path)
    assert message.startswith(f"{path}:8:")
    assert "unsupported format '.1q'" in message


def test_number_format_on_text_names_file_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("{pe_fwd:.1f}", "{market:+.2f}"))
    message = error_of(path)
    assert message.startswith(f"{path}:8:")
    assert "format '+.2f' needs a number, but market is text" in message
    lines = message.split("\n")
    assert lines[2].index("^") == lines[1].index("+.2f")


def test_toml_syntax_error_has_position(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace('title = "Cheap"', "title = Cheap"))
    message = error_of(path)
    assert message.startswith(f"{path}:3:9: invalid TOML: ")
    assert message.endswith("\n  title = Cheap\n          ^")


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            'tags = ["valuation"]',
            'tag = ["valuation"]',
            ":9:1: unknown key 'tag' in [[rule]] (did you mean 'tags'?)",
        ),
        ("score = 1.5", 'score = "1.5"', ":7:1: 'score' must be a number, not a string"),
        ("score = 1.5", "score = 1000", ":7:1: 'score' must be between -100 and 100"),
        ('title = "Cheap"', "title = 3", ":3:1: 'title' must be a string, not a number"),
        ('sectors = ["switching"]', 'sectors = ["optical"]', ":5:1: unknown sector 'optical'"),
        ('sectors = ["switching"]', "sectors = []", ":5:1: 'sectors' must be a non-empty list"),
        ('id = "cheap"', 'id = "Cheap Rule"', ":2:1: invalid rule id 'Cheap Rule'"),
        ('id = "cheap"\n', "", ":1:1: [[rule]] is missing the required key 'id'"),
        ('tags = ["valuation"]', "tags = [1]", ":9:1: 'tags' must be a list of strings"),
        ('when = "pe_fwd < 20"', 'when = ""', ":6:9: empty expression"),
    ],
)
def test_field_errors(tmp_path: Path, old: str, new: str, expected: str) -> None:
    path = write(tmp_path, GOOD.replace(old, new))
    message = error_of(path)
    assert message.startswith(f"{path}{expected}"), message


def test_duplicate_ids_across_files_name_both(tmp_path: Path) -> None:
    first = write(tmp_path, GOOD, "a.toml")
    second = write(tmp_path, "# another pack\n\n" + GOOD, "b.toml")
    message = error_of(first, second)
    assert message.startswith(
        f"{second}:4:1: duplicate rule id 'cheap' (first defined at {first}:1)"
    )


def test_folder_loads_sorted_toml_files(tmp_path: Path) -> None:
    write(tmp_path, GOOD.replace("cheap", "b-rule"), "b.toml")
    write(tmp_path, GOOD.replace("cheap", "a-rule"), "a.toml")
    write(tmp_path, "not a rule file", "notes.txt")
    assert load_ruleset([tmp_path]).ids == ("a-rule", "b-rule")


def test_shipped_packs_load_and_document_every_rule() -> None:
    ruleset = load_ruleset()
    assert len(ruleset) >= 10
    for rule in ruleset:
        assert len(rule.description) > 150, rule.id  # a paragraph of rationale
        assert rule.template is not None, rule.id
    assert {r.path.name for r in ruleset} >= {
        "discount_growth.toml",
        "peg.toml",
        "own_history.toml",
        "earnings_catch_up.toml",
        "idc_economics.toml",
        "momentum.toml",
        "a_share_discount.toml",
        "penalties.toml",
    }
    assert any(r.score < 0 for r in ruleset)


def test_flag_label_is_optional_and_validated(tmp_path: Path) -> None:
    from screener.engine import load_ruleset
    from screener.errors import InputError

    good = tmp_path / "f.toml"
    good.write_text(
        '[[rule]]\nid = "a"\nflag = "PEG<1"\ntitle = "A"\nwhen = "peg < 1"\nscore = 1\n',
        encoding="utf-8",
    )
    assert load_ruleset([good]).rules[0].flag == "PEG<1"
    bad = tmp_path / "g.toml"
    bad.write_text(good.read_text().replace('"PEG<1"', '"\\u001b[31mred"'), encoding="utf-8")
    with pytest.raises(InputError, match="g.toml:3"):
        load_ruleset([bad])
    long = tmp_path / "h.toml"
    long.write_text(good.read_text().replace('"PEG<1"', '"way-too-long-label"'), encoding="utf-8")
    with pytest.raises(InputError, match="invalid flag label"):
        load_ruleset([long])


def test_a_flag_label_cannot_pose_as_a_penalty(tmp_path: Path) -> None:
    path = tmp_path / "f.toml"
    path.write_text(
        '[[rule]]\nid = "a"\nflag = "-neg"\ntitle = "A"\nwhen = "peg < 1"\nscore = 1\n',
        encoding="utf-8",
    )
    with pytest.raises(InputError, match="f.toml:3.*must not start with '-'"):
        load_ruleset([path])


@pytest.mark.parametrize(
    "when, fragment",
    [
        ('market == "cn"', "did you mean 'CN'"),
        ('sector == "datacenter"', "did you mean 'data_center'"),
        ('sub_segment in ["optical_modul"]', "did you mean 'optical_module'"),
        ('currency == "rmb"', "three capital letters"),
        ('"HKK" == market', "market is never 'HKK'"),
    ],
)
def test_text_literals_that_can_never_match_are_errors(
    tmp_path: Path, when: str, fragment: str
) -> None:
    path = tmp_path / "t.toml"
    path.write_text(
        f'[[rule]]\nid = "t"\ntitle = "T"\nwhen = \'{when}\'\nscore = 1\n', encoding="utf-8"
    )
    with pytest.raises(InputError, match="t.toml:4:") as err:
        load_ruleset([path])
    assert fragment in str(err.value)


def test_valid_text_literals_and_adjacent_sector_filters_load(tmp_path: Path) -> None:
    path = tmp_path / "ok.toml"
    path.write_text(
        '[[rule]]\nid = "ok"\ntitle = "OK"\nsectors = ["adjacent"]\n'
        'when = \'market in ["CN", "HK"] and currency == "CNY" and sector != "adjacent"\'\n'
        "score = 1\n",
        encoding="utf-8",
    )
    assert load_ruleset([path]).rules[0].sectors == ("adjacent",)


def test_the_caret_lands_right_after_toml_escapes(tmp_path: Path) -> None:
    path = tmp_path / "e.toml"
    path.write_text(
        '[[rule]]\nid = "x"\ntitle = "X"\nwhen = "market == \\"CN\\" and pe_fw < 1"\nscore = 1\n',
        encoding="utf-8",
    )
    with pytest.raises(InputError) as err:
        load_ruleset([path])
    first, source, caret = str(err.value).splitlines()
    assert first.startswith(f"{path}:4:30: unknown metric 'pe_fw'")
    assert source.strip().startswith("when = ")
    assert source[caret.index("^") :].startswith("pe_fw")
