"""The house rules of docs/design.md, checked on the source: who may import what, no circles.

Every `import` statement of the package counts, top-level or inside a function (the
lazy ones too: a lazy import of a forbidden library is still a dependency).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.paths import ROOT

PACKAGE = ROOT / "screener"

#: third-party or package prefix -> the only places (module-path prefixes) that may import it
ALLOWED: dict[str, tuple[str, ...]] = {
    "yfinance": ("screener.data.yahoo",),
    "akshare": ("screener.data.akshare",),
    "sqlite_utils": ("screener.data.store",),
    "rich": ("screener.output", "screener.cli"),
    "click": ("screener.cli",),
    "plotext": ("screener.output.plot", "screener.output.backtest"),
    "matplotlib": ("screener.output.plot", "screener.output.backtest"),
    # The entry point hands over to the CLI; nothing else reaches into it.
    "screener.cli": ("screener.cli", "screener.__main__"),
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(path: Path, *, top_level_only: bool = False) -> Iterator[str]:
    """Absolute names imported by a module (relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = module_name(path).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    for node in nodes:
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            yield name
            for alias in node.names:  # `from screener.data import store` imports a module
                yield f"{name}.{alias.name}"


MODULES = sorted(PACKAGE.rglob("*.py"))


def _prefix(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


@pytest.mark.parametrize("library", sorted(ALLOWED))
def test_each_library_is_imported_only_where_the_design_says(library: str) -> None:
    offenders = sorted(
        f"{module_name(path)} imports {name}"
        for path in MODULES
        for name in set(imports(path))
        if _prefix(name, library)
        and not any(_prefix(module_name(path), owner) for owner in ALLOWED[library])
    )
    assert not offenders, offenders


def _graph(*, top_level_only: bool) -> dict[str, set[str]]:
    known = {module_name(p) for p in MODULES}
    graph: dict[str, set[str]] = {}
    for path in MODULES:
        here = module_name(path)
        targets = set()
        for name in imports(path, top_level_only=top_level_only):
            # the longest known module the name falls in
            parts = name.split(".")
            for n in range(len(parts), 0, -1):
                candidate = ".".join(parts[:n])
                if candidate in known:
                    # importing a.b.c runs a/__init__ and a/b/__init__ first
                    for k in range(1, n + 1):
                        step = ".".join(parts[:k])
                        if step in known and step != here and not _prefix(here, step):
                            targets.add(step)
                    break
        graph[here] = targets
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            # a package's __init__ re-exporting its own modules is not a circle
            if _prefix(nxt, node) or _prefix(node, nxt):
                continue
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_import_circle_at_module_level() -> None:
    assert _cycle(_graph(top_level_only=True)) is None


def test_no_import_circle_even_counting_lazy_imports() -> None:
    assert _cycle(_graph(top_level_only=False)) is None


def test_the_checker_finds_a_circle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None
