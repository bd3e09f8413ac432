"""A universe file of thousands of names is read through shortcuts (Yahoo-form tickers
matched by one pattern, runs of adds checked and built a column at a time); each must
give what the general path gives: the same companies, or the same first error at the
same line. The references below are the row-at-a-time code the shortcuts replaced."""

from __future__ import annotations

import random
import string
from collections.abc import Iterable, Mapping
from dataclasses import fields, replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from screener.errors import InputError
from screener.universe import builtin_companies, load_universe, normalize_ticker, overrides
from screener.universe import tickers as tickers_module
from screener.universe.companies import (
    Company,
    check_consolidated_into,
    check_placement,
    check_primary_listing,
    check_sector,
    companies_from_columns,
    resolve_listing,
)
from screener.universe.overrides import (
    CLEAR,
    Change,
    _fail,
    _primary,
    _promote_secondaries,
    _release_subsidiaries,
    apply_overrides,
    read_overrides,
)
from screener.universe.taxonomy import SECTORS, SUB_SEGMENTS

from .test_overrides_csv import reference_parse_csv

PATH = Path("u.csv")
CANONICAL = tickers_module.CANONICAL_TICKER
GENERAL = tickers_module._normalize  # normalize_ticker without its shortcut


# --------------------------------------------------------------------------- tickers


def outcome_of(function, *args: object) -> object:
    try:
        return function(*args)
    except InputError as exc:
        return f"error: {exc}"


TICKER_FORMS = [
    "ANET", "A", "ABCDE", "ABCDEF", "BRK-B", "BRK-BB", "BRK-BBB", "anet", "Anet", "AN3T",
    "300308.SZ", "300308.sz", "300308.SS", "000063.SZ", "002475.SZ", "301165.SZ", "688702.SS",
    "600498.SS", "600498.SZ", "688702.SH", "920808.BJ", "920808.SZ", "872808.BJ", "430001.BJ",
    "830001.BJ", "900001.SS", "200001.SZ", "300308", "SZ300308", "0700.HK", "700.HK", "00700.HK",
    "0000.HK", "00000.HK", "09698.HK", "9698.HK", "12345.HK", "99999.HK", "123456.HK", "0700.hk",
    "HK0700", "09698", "2345.TW", "3081.TWO", "5803.T", "NXT.AX", " 0700.HK", "0700.HK ",
    "ANET\n", "300308.SZ\n", "٠٧٠٠.HK", "３００３０８.SZ", "", " ", "3003O8.SZ", "300308.SZZ",
]  # fmt: skip


@pytest.mark.parametrize("raw", TICKER_FORMS)
def test_the_shortcut_agrees_with_the_general_normaliser(raw: str) -> None:
    assert outcome_of(normalize_ticker, raw) == outcome_of(GENERAL, raw)
    if CANONICAL.match(raw):
        assert GENERAL(raw) == raw


ticker_like = st.text(alphabet=string.ascii_letters + string.digits + ".- \n٠", max_size=12) | (
    st.builds(
        "{}{}{}".format,
        st.text(alphabet=string.digits, min_size=1, max_size=7),
        st.sampled_from([".SS", ".SZ", ".BJ", ".HK", ".SH", ".hk", ".T", ".TW", "", "."]),
        st.sampled_from(["", " ", "\n", "X"]),
    )
)


@given(ticker_like)
def test_any_ticker_normalises_as_the_general_path_says(raw: str) -> None:
    assert outcome_of(normalize_ticker, raw) == outcome_of(GENERAL, raw)
    if CANONICAL.match(raw):
        assert GENERAL(raw) == raw  # a shortcut match is its own normal form


def test_every_yahoo_form_of_an_a_share_or_hk_code_takes_the_shortcut() -> None:
    codes = [f"{p}{n:04d}" for p in ("60", "68", "00", "30", "92") for n in (0, 1, 999, 9999)]
    for symbol in [f"{c}.{GENERAL(c).rsplit('.')[1]}" for c in codes]:
        assert CANONICAL.match(symbol) and GENERAL(symbol) == symbol
    for number in (1, 700, 9698, 9999, 10000, 99999):
        symbol = GENERAL(f"{number}.HK")
        assert CANONICAL.match(symbol), symbol


# --------------------------------------------------------------------------- companies


def test_companies_from_columns_are_the_constructors_companies() -> None:
    rows = [replace(c, origin="override") for c in builtin_companies()[:20]]
    names = [f.name for f in fields(Company)]
    columns = {name: [getattr(c, name) for c in rows] for name in names}
    made = companies_from_columns(len(rows), columns)
    assert made == rows
    assert [type(c) for c in made] == [Company] * len(rows)
    assert {hash(c) for c in made} == {hash(c) for c in rows}
    with pytest.raises(ValueError, match="do not match the fields: origin"):
        companies_from_columns(len(rows), {k: v for k, v in columns.items() if k != "origin"})
    with pytest.raises(ValueError, match="column ticker has 19 values, not 20"):
        companies_from_columns(len(rows), {**columns, "ticker": columns["ticker"][1:]})


# --------------------------------------------------------------------------- merge


def reference_apply(
    companies: Iterable[Company], changes: Iterable[Change], path: Path
) -> list[Company]:
    """apply_overrides as it was: one change at a time, each link checked over the list."""
    by_ticker: dict[str, Company] = {c.ticker: c for c in companies}
    primaries = {c.primary_listing for c in by_ticker.values() if c.primary_listing}
    parents = {c.consolidated_into for c in by_ticker.values() if c.consolidated_into}
    changed: dict[str, int] = {}
    for change in changes:
        current = by_ticker.get(change.ticker)
        f = change.fields
        if change.action == "remove":
            if current is None:
                raise _fail(
                    path, change.line, f"cannot remove {change.ticker}: not in the universe"
                )
            del by_ticker[change.ticker]
            changed[change.ticker] = change.line
            if change.ticker in primaries:
                promoted = _promote_secondaries(by_ticker, change.ticker)
                if promoted is not None:
                    primaries.add(promoted)
            if change.ticker in parents:
                _release_subsidiaries(by_ticker, change.ticker)
            continue
        if change.action == "add":
            if current is not None:
                raise _fail(
                    path,
                    change.line,
                    f"{change.ticker} is already in the universe; use set to change it",
                )
            missing = [k for k in ("name_en", "sector", "sub_segment") if not f.get(k)]
            if missing:
                raise _fail(path, change.line, f"add {change.ticker}: missing {', '.join(missing)}")
            try:
                exchange, market, currency = resolve_listing(
                    change.ticker, f.get("exchange", ""), f.get("market", ""), f.get("currency", "")
                )
            except ValueError as exc:
                raise _fail(path, change.line, str(exc)) from None
            new = Company(
                ticker=change.ticker,
                name_en=f["name_en"],
                name_zh=f.get("name_zh", ""),
                exchange=exchange,
                market=market,
                currency=currency,
                sector=f["sector"],
                sub_segment=f["sub_segment"],
                secondary_sector=f.get("secondary_sector"),
                rationale=f.get("rationale", "added by user override"),
                source=f.get("source", str(path)),
                primary_listing=_primary(
                    path, change.line, change.ticker, f.get("primary_listing")
                ),
                consolidated_into=_primary(
                    path,
                    change.line,
                    change.ticker,
                    f.get("consolidated_into"),
                    "consolidated_into",
                ),
                origin="override",
            )
        else:
            if current is None:
                raise _fail(
                    path, change.line, f"cannot set {change.ticker}: not in the universe; use add"
                )
            if "sector" in f and (problem := check_sector(f["sector"])):
                raise _fail(path, change.line, f"set {change.ticker}: {problem}")
            if "sector" in f and f["sector"] != current.sector and "sub_segment" not in f:
                raise _fail(
                    path,
                    change.line,
                    f"set {change.ticker}: moving to sector {f['sector']!r} needs a sub_segment",
                )
            updates: dict[str, str | None] = dict(f)
            if updates.get("sector") == current.secondary_sector and "secondary_sector" not in f:
                updates["secondary_sector"] = None
            if "primary_listing" in f:
                updates["primary_listing"] = _primary(
                    path, change.line, change.ticker, f["primary_listing"]
                )
            if "consolidated_into" in f:
                updates["consolidated_into"] = _primary(
                    path, change.line, change.ticker, f["consolidated_into"], "consolidated_into"
                )
            if {"exchange", "market", "currency"} & f.keys():
                try:
                    updates["exchange"], updates["market"], updates["currency"] = resolve_listing(
                        change.ticker,
                        f.get("exchange", current.exchange),
                        f.get("market", current.market),
                        f.get("currency", current.currency),
                    )
                except ValueError as exc:
                    raise _fail(path, change.line, str(exc)) from None
            new = replace(current, **updates, origin="override")
        problem = check_placement(new.sector, new.sub_segment, new.secondary_sector)
        if problem:
            raise _fail(path, change.line, problem)
        by_ticker[change.ticker] = new
        changed[change.ticker] = change.line
        if new.primary_listing:
            primaries.add(new.primary_listing)
    order = list(by_ticker)
    for check, target_of, broken in (
        (
            check_primary_listing,
            lambda c: c.primary_listing,
            lambda target, ticker, problem: (
                f"{target}: its secondary listing {ticker} would break ({problem}); "
                f"change {ticker} too, or clear its link with primary_listing = {CLEAR!r}"
            ),
        ),
        (
            check_consolidated_into,
            lambda c: c.consolidated_into,
            lambda target, ticker, problem: (
                f"{target}: the consolidation link of {ticker} would break ({problem}); "
                f"change {ticker} too, or clear it with consolidated_into = {CLEAR!r}"
            ),
        ),
    ):
        problems: list[tuple[int, str]] = []
        for ticker in order:
            company = by_ticker[ticker]
            problem = check(company, by_ticker)
            if problem is None:
                continue
            if ticker in changed:
                problems.append((changed[ticker], problem))
                continue
            target = target_of(company) or ""
            line = changed.get(target, min(changed.values(), default=1))
            problems.append((line, broken(target, ticker, problem)))
        if problems:
            line, message = min(problems)
            raise _fail(path, line, message)
    return reference_link_consolidations(by_ticker[t] for t in order)


def reference_link_consolidations(companies: Iterable[Company]) -> list[Company]:
    rows = list(companies)
    by_ticker = {c.ticker: c for c in rows}
    subsidiaries: dict[str, list[str]] = {}
    for c in rows:
        parent = by_ticker.get(c.consolidated_into or "")
        if parent is not None and parent.primary_listing is not None:
            parent = by_ticker.get(parent.primary_listing, parent)
        if parent is not None and parent.sector == c.sector:
            subsidiaries.setdefault(parent.ticker, []).append(c.ticker)
    return [
        c
        if c.consolidates == tuple(subsidiaries.get(c.ticker, ()))
        else replace(c, consolidates=tuple(subsidiaries.get(c.ticker, ())))
        for c in rows
    ]


BUILTIN = list(builtin_companies())
LINKED = [c.ticker for c in BUILTIN if c.primary_listing or c.consolidated_into or c.consolidates]
NEW = ["XAAA", "XAAB", "BRK-B", "300999.SZ", "688999.SS", "920999.BJ", "1234.HK", "5803.T", "ZZ"]
SEGMENTS = list(SUB_SEGMENTS.values())


def random_fields(rng: random.Random, tickers: list[str], clean: bool) -> dict[str, str]:
    segment = rng.choice(SEGMENTS)
    f = {"name_en": "Name", "sector": segment.sector, "sub_segment": segment.id}
    odd = 0.0 if clean else 0.05  # how often a field is missing, mismatched or linked
    if rng.random() < odd:
        del f[rng.choice(list(f))]
    if rng.random() < odd:
        f["sub_segment"] = rng.choice(SEGMENTS).id  # maybe of another sector
    if rng.random() < odd:
        f["sector"] = rng.choice([*SECTORS, "optical"])
    for key, value in (
        ("name_zh", "名称"),
        ("rationale", "why"),
        ("source", "https://example.com"),
        ("secondary_sector", rng.choice(SECTORS)),
        ("exchange", rng.choice(["SSE", "SZSE", "HKEX", "NYSE"])),
        ("market", rng.choice(["CN", "US", "HK"])),
        ("currency", rng.choice(["CNY", "USD"])),
        ("primary_listing", rng.choice([*tickers, CLEAR, "bad!"])),
        ("consolidated_into", rng.choice([*tickers, CLEAR])),
    ):
        if rng.random() < (0.3 if key in ("name_zh", "rationale", "source") else odd):
            f[key] = value
    if clean and f.get("secondary_sector") == f["sector"]:
        del f["secondary_sector"]
    return f


def random_changes(rng: random.Random) -> list[Change]:
    """Mostly adds (in runs), some sets and removes; a clean list (half of them) adds
    only new tickers with good fields and removes linked lines, so it usually merges."""
    clean = rng.random() < 0.5
    adds = [f"X{a}{b}" for a in "ABC" for b in string.ascii_uppercase]
    tickers = [*LINKED, *rng.sample([c.ticker for c in BUILTIN], 5), *NEW, *adds[:10]]
    changes: list[Change] = []
    for line in range(2, rng.randint(2, 60)):
        roll = rng.random()
        if roll < 0.8:
            ticker = adds.pop() if clean or rng.random() < 0.9 else rng.choice(tickers)
            changes.append(Change("add", ticker, line, random_fields(rng, tickers, clean)))
        elif clean:
            gone = {c.ticker for c in changes}
            left = [t for t in LINKED if t not in gone]
            if left:
                changes.append(Change("remove", rng.choice(left), line))
        elif roll < 0.9:
            f = random_fields(rng, tickers, clean)
            f = {k: v for k, v in f.items() if rng.random() < 0.3}
            changes.append(Change("set", rng.choice(tickers), line, f))
        else:
            changes.append(Change("remove", rng.choice(tickers), line))
    return changes


def merged(apply, changes: list[Change]) -> object:
    try:
        return apply(BUILTIN, changes, PATH)
    except InputError as exc:
        return f"error: {exc}"


@pytest.mark.parametrize("seed", range(300))
def test_the_merge_says_what_the_one_change_at_a_time_merge_said(seed: int) -> None:
    changes = random_changes(random.Random(seed))
    assert merged(apply_overrides, changes) == merged(reference_apply, changes)


def test_most_random_merges_succeed_so_both_paths_are_compared_on_results() -> None:
    results = [merged(apply_overrides, random_changes(random.Random(s))) for s in range(300)]
    assert 30 < sum(isinstance(r, list) for r in results) < 270


# --------------------------------------------------------------------------- a whole file


def big_universe(n: int) -> str:
    """A file like the benchmark's (benchmarks/screen.py universe_csv)."""
    lines = ["action,ticker,name_en,name_zh,sector,sub_segment"]
    for i in range(n):
        segment = SEGMENTS[i % len(SEGMENTS)]
        ticker = f"{302000 + i // 2}.SZ" if i % 2 == 0 else "X" + "".join(
            string.ascii_uppercase[(i // 26**k) % 26] for k in range(3)
        )
        chinese = f"合成{ticker[:6]}" if i % 2 == 0 else ""
        lines.append(f"add,{ticker},Synthetic {ticker},{chinese},{segment.sector},{segment.id}")
    return "\n".join(lines) + "\n"


def test_a_file_of_thousands_of_adds_merges_as_the_general_path_merges(tmp_path: Path) -> None:
    path = tmp_path / "universe.csv"
    path.write_text(big_universe(5000), encoding="utf-8")
    expected = reference_apply(BUILTIN, reference_parse_csv(path, path.read_text()), path)
    assert load_universe(path) == expected
    assert len(expected) == len(BUILTIN) + 5000


ROW = "add,XRFC,Synthetic XRFC,,high_speed_interconnect,cable_materials"  # line 1501


@pytest.mark.parametrize(
    ("bad", "message"),  # at line 1501, or where a row-by-row csv reader stood
    [
        ("add,xrfc,N,,switching,switch_silicon", "unrecognised ticker 'xrfc'"),
        ("add,302749.SZ,N,,switching,switch_silicon", "duplicate ticker 302749.SZ (first at"),
        ("add,XRFC,,,switching,switch_silicon", "add XRFC: missing name_en"),
        ("add,300308.SZ,N,,switching,switch_silicon", "300308.SZ is already in the universe"),
        ("remove,XRFC,N,,,", "remove takes only a ticker"),
        ("ad,XRFC,N,,switching,switch_silicon", "unknown action 'ad'"),
        ("add,XRFC,N\x1b[2J,,switching,switch_silicon", "field 'name_en' contains control"),
        ("add,XRFC,N,,switching,switch_silicon,x", "more cells than header columns"),
        ("add,XRFC,N,,switching,optical_chip", "sub_segment 'optical_chip' belongs to"),
        ('add,XRFC,"N, Inc.",,switching,optical_chip', "sub_segment 'optical_chip' belongs to"),
        ("add,XRFC,N\r,,switching,switch_silicon", "invalid CSV: new-line character"),
    ],
)
def test_a_bad_row_among_thousands_is_reported_at_its_line(
    bad: str, message: str, tmp_path: Path
) -> None:
    path = tmp_path / "universe.csv"
    text = big_universe(3000)
    assert text.count(ROW) == 1
    path.write_text(text.replace(ROW, bad), encoding="utf-8", newline="")
    with pytest.raises(InputError) as caught:
        load_universe(path)
    line = 1500 if message.startswith("invalid CSV") else 1501
    assert f"{path}:{line}: {message}" in str(caught.value)
    changes = outcome_of(reference_parse_csv, path, path.read_bytes().decode("utf-8"))
    if isinstance(changes, str):  # refused while reading, as the reading refuses it
        assert changes.endswith(str(caught.value))
    elif "duplicate" not in message:  # the duplicate check follows the reading
        with pytest.raises(InputError) as expected:
            reference_apply(BUILTIN, changes, path)
        assert str(expected.value) == str(caught.value)


def test_a_clean_file_is_never_read_or_merged_a_row_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "universe.csv"
    path.write_text(big_universe(2000), encoding="utf-8")
    expected = load_universe(path)

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a row was read or merged on its own")

    for name in ("_ticker", "_added", "text_problem"):
        monkeypatch.setattr(overrides, name, refuse)
    monkeypatch.setattr(tickers_module, "_normalize", refuse)
    assert load_universe(path) == expected
    bad = tmp_path / "bad.csv"  # one bad row: the row-at-a-time path finds it
    bad.write_text(big_universe(2000).replace(ROW, "add,XRFC,,,switching,switch_silicon"))
    with pytest.raises(AssertionError, match="on its own"):
        load_universe(bad)


def test_overrides_read_from_a_mapping_of_changes_keep_their_fields(tmp_path: Path) -> None:
    path = tmp_path / "u.csv"
    path.write_text("action,ticker,name_en,sector,sub_segment\nadd,sz300999,N,switching,switch_silicon\n")
    [change] = read_overrides(path)
    assert change == Change("add", "300999.SZ", 2, {"name_en": "N", "sector": "switching",
                                                    "sub_segment": "switch_silicon"})
    assert isinstance(change.fields, Mapping)
