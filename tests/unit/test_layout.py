"""The shape of the code, as issue 20's "Done when" states it: folders a newcomer can read, layers that
point one way, and modules small enough to read.

- no folder of bot/ holds more than 12 modules, and no file-name prefix does a package's job;
- database drivers are imported only under bot/storage/, and the core imports no channel or storage;
- no circle between packages (a package is the folder of a module; every import counts, also those
  inside functions and under ``TYPE_CHECKING``: a circle for the type checker is a circle for a reader).
  The modules at the top of bot/ count one by one: that folder holds both the leaves every package uses
  (config, i18n, paths) and what assembles them all (app, cli), so as one package it would close a circle
  with every other by construction;
- no module over 400 lines, in bot/ and in the tests' shared helpers (tests/support/).
"""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

import bot

ROOT = Path(bot.__file__).parent
SUPPORT = Path(__file__).resolve().parents[1] / "support"
MAX_MODULES = 12
MAX_SHARED_PREFIX = 2
MAX_LINES = 400
DRIVERS = ("sqlite3", "psycopg", "psycopg_pool", "psycopg2", "asyncpg")
FORBIDDEN_IN_CORE = (*DRIVERS, "telegram", "aiosmtplib", "smtplib", "bot.channels", "bot.storage", "bot.mail",
                     "bot.cli", "bot.app", "bot.flows", "bot.conversation")


def module_name(path: Path) -> str:
    """bot/channels/telegram/render.py -> bot.channels.telegram.render; a package's __init__ -> the package."""
    return ".".join(("bot", *path.relative_to(ROOT).with_suffix("").parts)).removesuffix(".__init__")


MODULES: dict[str, Path] = {module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def package_of(module: str) -> str:
    """The folder a module lives in: a package's own __init__ belongs to the package itself."""
    return module if MODULES[module].name == "__init__.py" else module.rsplit(".", 1)[0]


def imports(module: str) -> set[str]:
    """Every name imported anywhere in the module (top level, functions, TYPE_CHECKING), made absolute."""
    path = MODULES[module]
    here = package_of(module).split(".")
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = ".".join(here[: len(here) - node.level + 1]) if node.level else ""
            source = ".".join(part for part in (base, node.module or "") if part)
            names.add(source)
            names.update(f"{source}.{alias.name}" for alias in node.names)  # `from bot.x import module`
    return names


def bot_target(name: str) -> str | None:
    """The module of bot an imported name reaches (the longest known prefix), if any."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        if ".".join(parts[:end]) in MODULES:
            return ".".join(parts[:end])
    return None


def imports_of(names: set[str], forbidden: tuple[str, ...]) -> list[str]:
    return sorted(n for n in names if any(n == f or n.startswith(f + ".") for f in forbidden))


def unit_of(module: str) -> str:
    """The node of the import graph: a module's package, or the module itself at the top of bot/."""
    package = package_of(module)
    return module if package == "bot" and module != "bot" else package


def import_graph() -> tuple[dict[str, set[str]], dict[tuple[str, str], list[str]]]:
    """Unit -> the other units its modules import; and for each edge, the module imports making it."""
    graph: dict[str, set[str]] = {unit_of(m): set() for m in MODULES}
    because: dict[tuple[str, str], list[str]] = {}
    for module in MODULES:
        for target in sorted({t for name in imports(module) if (t := bot_target(name)) is not None}):
            if unit_of(target) != unit_of(module):
                graph[unit_of(module)].add(unit_of(target))
                because.setdefault((unit_of(module), unit_of(target)), []).append(f"{module} -> {target}")
    return graph, because


def reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = list(graph.get(start, ()))
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo.extend(graph.get(node, ()))
    return seen


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The groups of packages that reach each other through their imports, each sorted."""
    reach = {node: reachable(graph, node) for node in graph}
    groups = {tuple(sorted(n for n in reach[node] if node in reach[n])) for node in graph if node in reach[node]}
    return sorted(list(group) for group in groups)


def edges_within(graph: dict[str, set[str]], because: dict[tuple[str, str], list[str]], group: list[str]) -> list[str]:
    return [imported for a in group for b in sorted(graph[a]) if b in group for imported in because[a, b]]


def folders() -> dict[Path, list[str]]:
    """Each folder of bot/ holding Python modules -> their file names, __init__.py left out."""
    found: dict[Path, list[str]] = {}
    for path in MODULES.values():
        if path.name != "__init__.py":
            found.setdefault(path.parent, []).append(path.stem)
    return found


def line_counts(*roots: Path) -> dict[str, int]:
    return {str(p.relative_to(ROOT.parent)): len(p.read_text().splitlines())
            for root in roots for p in sorted(root.rglob("*.py"))}


def test_the_layout_is_read_from_the_source_tree():
    assert {"bot.core", "bot.storage", "bot.channels.telegram"} <= {package_of(m) for m in MODULES}
    assert unit_of("bot.config") == "bot.config" and unit_of("bot.storage") == "bot.storage"
    assert bot_target("bot.storage.db.connect") == "bot.storage.db"
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_folder_holds_more_than_12_modules():
    crowded = {str(folder.relative_to(ROOT.parent)): len(names) for folder, names in folders().items()
               if len(names) > MAX_MODULES}
    assert not crowded, f"folders over {MAX_MODULES} modules (make a package by feature): {crowded}"


def test_no_file_name_prefix_is_shared_by_three_modules_of_a_folder():
    """``telegram.py``, ``telegram_service.py``, ``telegram_updates.py``: a prefix doing a package's job."""
    shared = {}
    for folder, names in folders().items():
        prefixes = Counter(name.lstrip("_").split("_")[0] for name in names if name != "__main__")
        for prefix, count in prefixes.items():
            if count > MAX_SHARED_PREFIX:
                shared[f"{folder.relative_to(ROOT.parent)}/{prefix}*"] = sorted(
                    n for n in names if n.lstrip("_").split("_")[0] == prefix)
    assert not shared, f"file-name prefixes shared by three modules or more: {shared}"


def test_database_drivers_are_imported_only_under_storage():
    outside = {module: found for module in MODULES
               if not (module == "bot.storage" or module.startswith("bot.storage."))
               and (found := imports_of(imports(module), DRIVERS))}
    assert not outside, f"database drivers imported outside bot/storage/: {outside}"


def test_the_core_imports_no_channel_storage_or_anything_above_it():
    offending = {module: found for module in MODULES if package_of(module) == "bot.core"
                 and (found := imports_of(imports(module), FORBIDDEN_IN_CORE))}
    assert not offending, f"bot/core imports above itself: {offending}"


def test_no_circle_between_packages():
    graph, because = import_graph()
    found = {" / ".join(group): edges_within(graph, because, group) for group in circles(graph)}
    assert not found, f"packages importing each other (directly or around a circle): {found}"


def test_no_module_is_over_400_lines():
    """In bot/ and in the tests' shared helpers (tests/support/, the Bot API stand-in among them)."""
    long = {path: n for path, n in line_counts(ROOT, SUPPORT).items() if n > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines: {long}"


# Constants allowed to be defined twice, each with its reason (none today).
KNOWN_TWICE: set[str] = set()


def constants() -> dict[str, list[tuple[str, str]]]:
    """Module-level constants (upper-case names, a leading underscore ignored) by name: (module, value)."""
    found: dict[str, list[tuple[str, str]]] = {}
    for module, path in MODULES.items():
        for node in ast.parse(path.read_text(), str(path)).body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                name, value = node.targets[0].id, node.value
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
                name, value = node.target.id, node.value
            else:
                continue
            if not name.lstrip("_").isupper() or "TypeVar" in ast.unparse(value):
                continue
            found.setdefault(name.lstrip("_"), []).append((module, ast.unparse(value)))
    return found


def test_one_home_for_each_constant():
    """A constant with the same name and value in two modules (TEAM_LANGUAGE, REOPEN_WITHIN, the languages'
    names) is one constant defined twice: import it from its home instead."""
    twice = {name: places for name, places in constants().items()
             if name not in KNOWN_TWICE and len({value for _, value in places}) < len(places)}
    assert not twice, twice
