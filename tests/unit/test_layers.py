"""The shape of the code: no circle between the bot's packages, a core that imports nothing above it,
and modules small enough to read."""

from __future__ import annotations

import ast
from pathlib import Path

import bot

ROOT = Path(bot.__file__).parent
FORBIDDEN_IN_CORE = ("telegram", "aiosmtplib", "smtplib", "sqlite3", "psycopg", "psycopg2", "asyncpg", "bot.channels",
                     "bot.storage", "bot.mail", "bot.cli", "bot.app", "bot.flows",
                     "bot.conversation")
MAX_LINES = 400


def _modules() -> dict[str, Path]:
    return {".".join(("bot", *p.relative_to(ROOT).with_suffix("").parts)).removesuffix(".__init__"): p
            for p in ROOT.rglob("*.py")}


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _unit(module: str) -> str:
    """A package of bot (bot.core, bot.flows...) or a top-level module (bot.store, bot.mail...)."""
    return ".".join(module.split(".")[:2])


def test_no_circle_between_the_packages():
    graph: dict[str, set[str]] = {}
    for module, path in _modules().items():
        for imported in _imports(path):
            if imported.startswith("bot.") and _unit(imported) != _unit(module):
                graph.setdefault(_unit(module), set()).add(_unit(imported))
    circles = []

    def visit(unit: str, trail: list[str]) -> None:
        for nxt in graph.get(unit, ()):
            if nxt in trail:
                circles.append(trail[trail.index(nxt):] + [nxt])
            elif len(trail) < len(graph) + 1:
                visit(nxt, trail + [nxt])

    for unit in graph:
        visit(unit, [unit])
    assert not circles, f"circles between packages: {circles[:5]}"


def test_the_core_imports_nothing_above_it():
    offending = {}
    for module, path in _modules().items():
        if _unit(module) != "bot.core":
            continue
        bad = [name for name in _imports(path) if any(name == f or name.startswith(f + ".") for f in FORBIDDEN_IN_CORE)]
        if bad:
            offending[module] = bad
    assert not offending


def test_no_module_is_over_400_lines():
    long = {module: n for module, path in _modules().items() if (n := len(path.read_text().splitlines())) > MAX_LINES}
    assert not long
