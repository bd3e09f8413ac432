"""`screener rules`: list and check rule files."""

from __future__ import annotations

from pathlib import Path

import click

from screener.cli.app import cli
from screener.cli.common import echo, output_format, print_rows, rules_option


@cli.group()
def rules() -> None:
    """List and check rule files."""


@rules.command("list")
@rules_option
@output_format()
def rules_list(rule_paths: tuple[Path, ...], fmt: str) -> None:
    """List the rules of a rule set (default: the shipped packs)."""
    from screener.output.legend import flag_label
    from screener.run import load_rules
    from screener.universe.taxonomy import SECTORS

    ruleset = load_rules(rule_paths or None)
    rows = [
        {
            "id": rule.id,
            "label": flag_label(rule),
            "title": rule.title,
            "score": rule.score,
            # the sectors it applies to; none listed in its file means every one, which
            # the table says in a word and JSON/CSV list (a reader need not know "all")
            "sectors": list(rule.sectors) or (["all"] if fmt == "table" else list(SECTORS)),
            "when": rule.when_text,
            "tags": list(rule.tags),
            "file": f"{rule.path.name}:{rule.line}",
        }
        for rule in ruleset.rules
    ]
    print_rows(rows, fmt, ["id", "label", "title", "score", "sectors", "when", "file"], "Rules")


@rules.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
def rules_check(files: tuple[Path, ...]) -> None:
    """Check rule files without loading any data; exit 2 on the first error.

    FILE may be written +FILE, as for --rules: it is then checked together with the
    shipped rules it would be added to (so a clash of rule ids shows here too).
    """
    from screener.engine.ruleset import load_ruleset
    from screener.output.format import plural
    from screener.resources import rule_sources

    ruleset = load_ruleset(rule_sources(files))  # not through `run`: no data library
    echo(f"ok: {plural(len(ruleset.rules), 'rule')} in {plural(len(ruleset.paths), 'file')}")
