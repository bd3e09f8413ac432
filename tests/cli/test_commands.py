"""The other commands: rules, explain, universe — exit codes, formats and content."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from screener.universe.taxonomy import CORE_SECTORS
from tests.paths import ROOT


def test_rules_list_shows_every_shipped_rule(run_cli) -> None:
    from screener.run import load_rules

    ids = [rule.id for rule in load_rules(None).rules]
    result = run_cli("rules", "list", "--format", "json")
    assert result.status == 0, result.err
    assert [row["id"] for row in json.loads(result.out)] == ids
    table = run_cli("rules", "list")
    for rule_id in ids:
        assert rule_id in table.out


def test_rules_check_accepts_good_and_rejects_bad(run_cli, tmp_path: Path) -> None:
    good = tmp_path / "good.toml"
    good.write_text(
        '[[rule]]\nid = "a"\ntitle = "A"\ndescription = "d"\nwhen = "peg < 1"\n'
        'score = 1\nwhy = "PEG {peg:.2f}"\n',
        encoding="utf-8",
    )
    ok = run_cli("rules", "check", str(good))
    assert ok.status == 0 and ok.out == "ok: 1 rule in 1 file\n"
    bad = tmp_path / "bad.toml"
    bad.write_text(good.read_text().replace("peg < 1", "pegg < 1"), encoding="utf-8")
    result = run_cli("rules", "check", str(bad))
    assert result.status == 2
    assert "bad.toml:5" in result.err and "peg" in result.err
    assert "Traceback" not in result.err


def test_rules_check_takes_the_plus_form_of_rules(run_cli, tmp_path: Path) -> None:
    """`rules check +FILE` reads FILE, as `--rules +FILE` does (it said "cannot read")."""
    from screener.resources import shipped_rules_dir
    from screener.run import load_rules

    shipped = load_rules(None)
    pack = shipped_rules_dir() / "peg.toml"
    plus = run_cli("rules", "check", f"+{pack}")
    assert plus.status == 0, plus.err
    assert plus.out == f"ok: {len(shipped.rules)} rules in {len(shipped.paths)} files\n"
    mine = tmp_path / "mine.toml"
    mine.write_text(
        '[[rule]]\nid = "mine"\ntitle = "Mine"\nwhen = "peg < 0.5"\nscore = 1\n', encoding="utf-8"
    )
    added = run_cli("rules", "check", f"+{mine}")
    assert added.status == 0, added.err
    assert added.out.startswith(f"ok: {len(shipped.rules) + 1} rules")
    clash = tmp_path / "clash.toml"
    clash.write_text(
        f'[[rule]]\nid = "{shipped.rules[0].id}"\ntitle = "T"\nwhen = "peg < 1"\nscore = 1\n',
        encoding="utf-8",
    )
    assert run_cli("rules", "check", str(clash)).status == 0  # alone it is fine ...
    result = run_cli("rules", "check", f"+{clash}")  # ... beside the shipped rules it clashes
    assert result.status == 2 and "duplicate rule id" in result.err
    assert run_cli("rules", "check", "+").status == 2


def test_explain_shows_every_rule_with_its_inputs(run_cli) -> None:
    from screener.run import load_rules

    result = run_cli("explain", "300308.SZ", "--source", "sample")
    assert result.status == 0, result.err
    for rule in load_rules(None).rules:
        assert rule.id in result.out
    assert "pe_fwd = 30.69" in result.out  # the snapshot's forward P/E, shown as an input
    assert "SAMPLE" in result.out and "2025-09-05" in result.out


def test_explain_accepts_other_ticker_forms_and_rejects_unknown(run_cli) -> None:
    assert run_cli("explain", "sz300308", "--source", "sample").status == 0
    result = run_cli("explain", "NOPE.XX", "--source", "sample")
    assert result.status == 2 and "NOPE.XX" in result.err
    result = run_cli("explain", "688999", "--source", "sample")  # valid form, not in the data
    assert result.status == 2 and "688999" in result.err


def test_universe_list_json_and_sector_filter(run_cli) -> None:
    rows = json.loads(run_cli("universe", "list", "--format", "json").out)
    assert len(rows) >= 120
    assert len({row["ticker"] for row in rows}) == len(rows)
    assert set(CORE_SECTORS) <= {row["sector"] for row in rows}
    for row in rows:
        assert row["sector"] and row["sub_segment"] and row["source"]
    only = json.loads(run_cli("universe", "list", "--sector", "switching", "--format", "json").out)
    assert only and {row["sector"] for row in only} == {"switching"}


def test_a_retired_beijing_code_shows_its_company_with_a_note(run_cli) -> None:
    """872808.BJ moved to 920808.BJ in October 2025: the old code still finds the company."""
    shown = run_cli("universe", "show", "872808.BJ")
    assert shown.status == 0, shown.err
    assert shown.out.startswith("920808.BJ  Sugon DataEnergy")
    assert "note: 872808.BJ is now 920808.BJ" in shown.err
    quiet = run_cli("universe", "show", "920808.BJ")
    assert quiet.status == 0 and "note:" not in quiet.err
    other = run_cli("universe", "show", "830799.BJ")
    assert other.status == 2 and "920799.BJ" in other.err and "Traceback" not in other.err


def test_universe_show_says_whether_a_company_counts_in_statistics(run_cli) -> None:
    parent = run_cli("universe", "show", "002396")
    assert "statistics:  not counted: consolidates 301165.SZ, which counts in switching" in (
        parent.out
    )
    assert "statistics:  not counted: secondary listing of GDS" in (
        run_cli("universe", "show", "9698.HK").out
    )
    assert "statistics:  counted in optical_communication" in (
        run_cli("universe", "show", "300308").out
    )


def test_universe_show_and_overrides(run_cli, tmp_path: Path) -> None:
    shown = run_cli("universe", "show", "sh688702")
    assert shown.status == 0 and "688702.SS" in shown.out and "盛科通信" in shown.out
    override = tmp_path / "u.toml"
    override.write_text('remove = ["300308.SZ"]\n', encoding="utf-8")
    rows = json.loads(
        run_cli("screen", "--source", "sample", "--format", "json", "--universe", str(override)).out
    )
    assert "300308.SZ" not in {row["ticker"] for row in rows}
    broken = tmp_path / "b.toml"
    broken.write_text('[[set]]\nticker = "300308.SZ"\nsector = "semis"\n', encoding="utf-8")
    result = run_cli("universe", "check", str(broken))
    assert result.status == 2 and "b.toml:" in result.err
    assert run_cli("universe", "check", str(override)).status == 0


def test_config_folder_overrides_apply_by_default(run_cli, tmp_path: Path) -> None:
    config = tmp_path / "config" / "screener"
    config.mkdir(parents=True)
    (config / "universe.toml").write_text('remove = ["ANET"]\n', encoding="utf-8")
    rows = json.loads(run_cli("universe", "list", "--format", "json").out)
    assert "ANET" not in {row["ticker"] for row in rows}


def test_classify_with_a_profile_file(run_cli, tmp_path: Path) -> None:
    profile = tmp_path / "p.json"
    profile.write_text(
        json.dumps(
            {
                "sector": "Technology",
                "industry": "Communication Equipment",
                "longBusinessSummary": "The company designs and sells high-speed optical "
                "transceiver modules (800G, 1.6T) for cloud and AI data centers.",
            }
        ),
        encoding="utf-8",
    )
    result = run_cli(
        "universe", "classify", "688999", "--profile", str(profile), "--format", "json"
    )
    assert result.status == 0, result.err
    (row,) = json.loads(result.out)
    assert row["sector"] == "optical_communication" and row["evidence"]
    missing = run_cli("universe", "classify", "688999")
    assert missing.status == 1 and "no stored Yahoo profile" in missing.err


def _every_command() -> list[list[str]]:
    """The path of every registered command and group, found by walking the CLI."""
    import click

    from screener.cli import cli

    paths: list[list[str]] = []

    def walk(group: click.Group, prefix: list[str]) -> None:
        ctx = click.Context(group)
        for name in group.list_commands(ctx):  # as --help lists them (lazily loaded)
            command = group.get_command(ctx, name)
            assert command is not None, f"`screener {' '.join([*prefix, name])}` is listed"
            paths.append([*prefix, name])
            if isinstance(command, click.Group):
                walk(command, [*prefix, name])

    walk(cli, [])
    return paths


def test_the_command_walk_finds_every_group_and_subcommand() -> None:
    paths = [" ".join(path) for path in _every_command()]
    for expected in ("screen", "explain", "plot", "refresh", "rules check", "watchlist diff"):
        assert expected in paths
    assert "universe discover" in paths and len(paths) >= 20


@pytest.mark.parametrize("cmd", _every_command(), ids=" ".join)
def test_every_command_has_help(run_cli, cmd: list[str]) -> None:
    import click

    from screener.cli import cli

    command: click.Command = cli
    for name in cmd:
        assert isinstance(command, click.Group)
        found = command.get_command(click.Context(command), name)
        assert found is not None
        command = found
    assert (command.help or "").strip(), f"`screener {' '.join(cmd)}` has no help text"
    for param in command.params:
        if isinstance(param, click.Option) and not param.hidden:
            assert (param.help or "").strip(), f"`screener {' '.join(cmd)}` {param.opts[0]}"
    result = run_cli(*cmd, "--help")
    assert result.status == 0 and "Usage" in result.out
    assert command.help.strip().splitlines()[0].split()[0] in result.out


def test_explain_json_matches_the_screen(run_cli) -> None:
    result = run_cli("explain", "300308.SZ", "--source", "sample", "--format", "json")
    assert result.status == 0, result.err
    data = json.loads(result.out)
    screen = {
        r["ticker"]: r
        for r in json.loads(run_cli("screen", "--source", "sample", "--format", "json").out)
    }
    row = screen["300308.SZ"]
    fired = [rule["id"] for rule in data["rules"] if rule["fired"]]
    assert fired == row["flags"]
    assert sum(rule["score"] for rule in data["rules"] if rule["fired"]) == row["score"]
    peg = next(rule for rule in data["rules"] if rule["id"] == "peg-below-one")
    assert peg["inputs"]["peg"] == row["peg"]


@pytest.mark.parametrize("cmd", [[], ["rules"], ["universe"], ["watchlist"]])
def test_a_group_alone_prints_its_help(run_cli, cmd: list[str]) -> None:
    result = run_cli(*cmd)
    assert result.status == 0 and result.err == ""
    assert result.out.startswith("Usage:") and "Commands:" in result.out


def test_rules_can_be_added_to_the_shipped_packs(run_cli, tmp_path: Path) -> None:
    from screener.run import load_rules

    mine = tmp_path / "mine.toml"
    mine.write_text(
        '[[rule]]\nid = "mine"\ntitle = "Mine"\nwhen = "peg < 0.5"\nscore = 1\n', encoding="utf-8"
    )
    shipped = [rule.id for rule in load_rules(None).rules]
    rows = json.loads(run_cli("rules", "list", "--format", "json", "--rules", f"+{mine}").out)
    assert [row["id"] for row in rows] == [*shipped, "mine"]
    twice = run_cli("rules", "list", "--format", "json", "--rules", str(mine), "--rules", str(mine))
    assert twice.status == 0 and [row["id"] for row in json.loads(twice.out)] == ["mine"]


def test_the_readme_override_example_is_valid(run_cli, tmp_path: Path) -> None:
    import re
    import textwrap

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    (block,) = re.findall(r"```toml\n(.*?)```", readme, flags=re.S)
    example = tmp_path / "universe.toml"
    example.write_text(textwrap.dedent(block), encoding="utf-8")
    result = run_cli("universe", "check", str(example))
    assert result.status == 0, result.err
    assert "1 from overrides" in result.out


def test_markup_characters_in_names_and_titles_are_shown_literally(run_cli, tmp_path: Path) -> None:
    override = tmp_path / "u.toml"
    override.write_text(
        '[[set]]\nticker = "300308.SZ"\nname_en = "Innolight [/x] [bold]B[/bold]"\n',
        encoding="utf-8",
    )
    rules = tmp_path / "r.toml"
    rules.write_text(
        '[[rule]]\nid = "r"\ntitle = "cheap [/oops] [link=http://x]y[/link]"\n'
        'when = "market in [\\"CN\\", \\"HK\\"] and peg < 1"\nscore = 1\n',
        encoding="utf-8",
    )
    screen = run_cli(
        "screen",
        "--source",
        "sample",
        "--universe",
        str(override),
        "--columns",
        "ticker,name,score",
    )
    assert screen.status == 0, screen.err
    assert "Innolight [/x] [bold]B[/bold]" in " ".join(screen.out.split())
    listed = run_cli("universe", "list", "--universe", str(override))
    assert listed.status == 0 and "[/x]" in listed.out
    titles = run_cli("rules", "list", "--rules", str(rules))
    assert titles.status == 0 and "[/oops]" in titles.out
    explained = run_cli("explain", "300308.SZ", "--source", "sample", "--rules", str(rules))
    assert explained.status == 0 and '["CN", "HK"]' in explained.out


def test_an_empty_plus_rules_path_is_an_error(run_cli) -> None:
    result = run_cli("rules", "list", "--rules", "+")
    assert result.status == 2 and "must follow the '+'" in result.err


def test_small_mistakes_get_clear_messages(run_cli, tmp_path: Path) -> None:
    empty = run_cli("screen", "--source", "sample", "--rules", "")
    assert empty.status == 2 and "empty path" in empty.err
    typo = tmp_path / "s.toml"
    typo.write_text(
        '[[rule]]\nid = "x"\ntitle = "X"\nsectors = ["Adjacent"]\nwhen = "peg < 1"\nscore = 1\n',
        encoding="utf-8",
    )
    result = run_cli("rules", "check", str(typo))
    assert result.status == 2 and "did you mean 'adjacent'" in result.err
    assert run_cli("screen", "--source", "sample", "--sector", "adjacent").status == 0


# -- issue 14: ticker forms at the CLI, dual listings marked ---------------------------


def test_ticker_forms_and_name_suggestions_at_the_cli(run_cli) -> None:
    assert run_cli("universe", "show", "gds").out.startswith("GDS  GDS Holdings")
    shown = run_cli("universe", "show", "09698")
    assert shown.status == 0 and shown.out.startswith("9698.HK")
    assert "secondary line of GDS (the same company)" in shown.out
    assert "also listed as 9698.HK" in run_cli("universe", "show", "GDS").out
    wrong = run_cli("universe", "show", "innolight")
    assert wrong.status == 2 and "did you mean 300308.SZ (Zhongji Innolight)?" in wrong.err
    off = run_cli("explain", "0700.HK", "--source", "sample")
    assert off.status == 2 and "0763" not in off.err and off.err.count("\n") == 1


def test_the_secondary_line_is_marked_in_the_table(run_cli) -> None:
    args = ("screen", "--source", "sample", "--sector", "data_center", "--columns", "ticker,name")
    out = run_cli(*args).out
    cells = [line.split("│")[1:3] for line in out.splitlines() if line.startswith("│")]
    hk = next(i for i, (ticker, _) in enumerate(cells) if ticker.strip() == "9698.HK")
    name = " ".join(cells[hk][1].split() + cells[hk + 1][1].split())
    assert "(2nd line of GDS)" in name
    assert "2nd" not in next(n for t, n in cells if t.strip() == "GDS")


# -- issue 14: the small things --------------------------------------------------------


def test_one_error_prefix_and_global_options_after_the_subcommand(run_cli, tmp_path) -> None:
    bad = run_cli("screen", "--bogus")
    assert bad.status == 2 and bad.err.startswith("screener: error: No such option")
    assert "(see `screener screen --help`)" in bad.err
    db = tmp_path / "later.db"
    late = run_cli("watchlist", "list", "--db", str(db), "--format", "json")
    assert late.status == 0 and json.loads(late.out) == []
    assert run_cli("watchlist", "save", "w", "--source", "sample", f"--db={db}").status == 0
    assert db.exists()  # the store given after the subcommand was the one written


def test_a_repeated_single_option_is_an_error_with_a_hint(run_cli) -> None:
    result = run_cli("screen", "--source", "sample", "--limit=2", "--limit", "3")
    assert result.status == 2 and result.err.count("\n") == 1
    assert "--limit was given 2 times; give it once" in result.err
    # --sort takes several keys (repeated or comma-joined), so neither form drops one
    keys = ("--format", "json", "--sort", "pe_fwd")
    both = run_cli("screen", "--source", "sample", *keys, "--sort", "score:desc")
    joined = run_cli("screen", "--source", "sample", *keys[:3], "pe_fwd,score:desc")
    assert both.status == 0 and json.loads(both.out) == json.loads(joined.out)
    sectors = ("--sector", "switching", "--sector", "data_center")
    many = run_cli("screen", "--source", "sample", *sectors)
    assert many.status == 0  # a repeatable option stays repeatable
    # --sort is repeatable: the later keys break ties, as in the comma form
    json_screen = ("screen", "--source", "sample", "--format", "json")
    twice = run_cli(*json_screen, "--sort", "pe_fwd", "--sort", "score")
    comma = run_cli(*json_screen, "--sort", "pe_fwd,score")
    assert twice.status == 0 and twice.out == comma.out


def test_rules_list_json_names_the_sectors(run_cli) -> None:
    from screener.universe.taxonomy import SECTORS

    rows = json.loads(run_cli("rules", "list", "--format", "json").out)
    assert all(row["sectors"] != ["all"] for row in rows)
    assert any(row["sectors"] == list(SECTORS) for row in rows)


def test_a_full_disk_on_stdout_is_one_line(tmp_path: Path) -> None:
    import subprocess
    import sys

    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    env = {**os.environ, "SCREENER_DB": str(tmp_path / "s.db"), "SCREENER_OFFLINE": "1"}
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "screener", "rules", "list", "--format", "json"],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            check=False,
        )
    assert done.returncode == 1
    assert done.stderr == "screener: error: cannot write the output: No space left on device\n"


def test_the_lazy_group_names_the_module_of_every_command() -> None:
    """`COMMAND_MODULES` is what `--help` lists: every command any module of `screener.cli`
    registers on the group, each under the module that defines it (a new command module
    missing from the map fails here)."""
    import subprocess
    import sys

    from screener.cli.app import COMMAND_MODULES

    code = (
        "import importlib, pkgutil, screener.cli\n"
        "from screener.cli.app import cli\n"
        "before = sorted(cli.commands)\n"
        "for info in pkgutil.iter_modules(screener.cli.__path__, 'screener.cli.'):\n"
        "    importlib.import_module(info.name)\n"
        "print(before, sorted((n, c.callback.__module__) for n, c in cli.commands.items()))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    registered = sorted((name, module) for name, module in COMMAND_MODULES.items())
    assert out.stdout.strip() == f"[] {registered}"


def test_a_command_imports_only_its_own_module() -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from screener.cli import main\n"
        "assert main(['rules', 'list', '--format', 'json']) == 0\n"
        "print('CLI', sorted(m for m in sys.modules if m.startswith('screener.cli.')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "CLI ['screener.cli.app', 'screener.cli.common', 'screener.cli.rules']" in out.stdout


def test_rules_check_imports_no_data_library(tmp_path: Path) -> None:
    """Checking rule files loads neither pandas nor numpy nor a provider: it is a linter."""
    import subprocess
    import sys

    bad = tmp_path / "bad.toml"
    bad.write_text('[[rule]]\nid = "x"\nwhen = "pe_fwd <"\n', encoding="utf-8")
    code = (
        "import sys\n"
        "from screener.cli import main\n"
        f"assert main(['rules', 'check', {str(ROOT / 'rules')!r}]) == 0\n"
        f"assert main(['rules', 'check', '+' + {str(ROOT / 'rules' / 'peg.toml')!r}]) == 0\n"
        f"assert main(['rules', 'check', {str(bad)!r}]) == 2\n"
        "heavy = ('pandas', 'numpy', 'yfinance', 'akshare', 'sqlite_utils', 'rich')\n"
        "print('HEAVY', sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "HEAVY []" in out.stdout, out.stdout


def test_a_run_collects_garbage_less_often_and_restores_the_collector(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import gc

    import screener.cli.app as app
    from screener.collector import RUN_THRESHOLDS

    seen: list[tuple[int, ...]] = []
    real = app._main

    def run(argv: list[str] | None) -> int:
        seen.append(gc.get_threshold())
        return real(argv)

    monkeypatch.setattr(app, "_main", run)
    before = gc.get_threshold()
    assert app.main(["rules", "check", str(ROOT / "rules")]) == 0
    assert seen == [RUN_THRESHOLDS] and gc.get_threshold() == before

