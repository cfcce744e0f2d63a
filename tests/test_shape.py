"""The package's shape, read statically (an `ast` walk, nothing imported), so it cannot quietly decay.

- imports point one way: no cycles between modules;
- SQL is written only in the ledger store (`tec.costs.store`);
- no module grows past MAX_LINES;
- one subpackage per job (at least the four named in the README's Layout);
- what the prompt and subagent hooks import when their modules load: only the standard
  library's start-up modules and the package's hot-path modules.
"""

from __future__ import annotations

import ast
import os
import re

import pytest

PACKAGE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "scripts", "tec")
MAX_LINES = 450
JOBS = ("routing", "costs", "run", "claude", "cli")
STORE = "tec.costs.store"
HOT_ENTRY = "tec.claude.hooks"
# Package modules a hook process may load before it decides anything (heavy work imports lazily).
HOT_MODULES = {"tec", "tec.bundled", "tec.claude", "tec.claude.caps", "tec.claude.hooks", "tec.claude.state",
               "tec.config", "tec.errors", "tec.fastjson", "tec.vocabulary", "tec.routing", "tec.routing.rules",
               "tec.routing.scoring", "tec.routing.text"}
SQL = re.compile(r"\b(INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+TABLE|SELECT\s.+?\sFROM)\b",
                 re.IGNORECASE | re.DOTALL)


def _modules() -> dict[str, tuple[str, ast.Module, bool]]:
    """dotted name -> (path, tree, is a package's __init__)."""
    found = {}
    for base, dirs, files in os.walk(PACKAGE):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for name in files:
            if not name.endswith(".py"):
                continue
            path = os.path.join(base, name)
            parts = ["tec", *os.path.relpath(path, PACKAGE)[:-3].split(os.sep)]
            is_package = parts[-1] == "__init__"
            if is_package:
                parts.pop()
            with open(path, encoding="utf-8") as fh:
                found[".".join(parts)] = (path, ast.parse(fh.read(), path), is_package)
    return found


MODULES = _modules()


def _resolve(module: str, is_package: bool, node: ast.ImportFrom | ast.Import) -> set[str]:
    """The package modules one import statement names."""
    if isinstance(node, ast.Import):
        return {_longest(alias.name) for alias in node.names} - {None}
    base = module if is_package else module.rpartition(".")[0]
    for _ in range(node.level - 1):
        base = base.rpartition(".")[0]
    target = (f"{base}.{node.module}" if node.module else base) if node.level else (node.module or "")
    out = set()
    for alias in node.names:
        full = f"{target}.{alias.name}"
        out.add(full if full in MODULES else _longest(target))
    return out - {None}


def _longest(name: str) -> str | None:
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _imports(module: str, top_level_only: bool = False) -> set[str]:
    _, tree, is_package = MODULES[module]
    nodes = tree.body if top_level_only else ast.walk(tree)
    edges = set()
    for node in nodes:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            edges |= _resolve(module, is_package, node)
    return edges - {module}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for succ in graph[node]:
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def _sql_strings(tree: ast.Module) -> list[int]:
    """Line numbers of string literals that hold SQL (docstrings left out)."""
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    return [node.lineno for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and id(node) not in docstrings and SQL.search(node.value)]


def test_no_import_cycles():
    graph = {module: _imports(module) for module in MODULES}
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_sql_only_in_the_ledger_store():
    outside = {module: lines for module, (_, tree, _) in MODULES.items()
               if not (module == STORE or module.startswith(STORE + "."))
               and (lines := _sql_strings(tree))}
    assert outside == {}
    assert _sql_strings(MODULES[f"{STORE}.schema"][1]), "the store's own SQL must be seen by the check"


def test_no_module_is_too_long():
    long = {}
    for module, (path, _, _) in MODULES.items():
        with open(path, encoding="utf-8") as fh:
            lines = sum(1 for _ in fh)
        if lines > MAX_LINES:
            long[module] = lines
    assert long == {}


def test_one_subpackage_per_job():
    packages = {module for module, (_, _, is_package) in MODULES.items() if is_package}
    assert {f"tec.{job}" for job in JOBS} <= packages


@pytest.mark.parametrize("job", JOBS[:-1])
def test_jobs_below_the_cli_never_import_it(job):
    users = {module for module in MODULES if module.startswith(f"tec.{job}")
             if any(edge == "tec.cli" or edge.startswith("tec.cli.") for edge in _imports(module))}
    assert users == set()


def test_the_hooks_load_only_hot_path_modules():
    seen, todo = set(), [HOT_ENTRY]
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        todo.extend(_imports(module, top_level_only=True))
        # the parent packages Python runs on the way
        parent = module.rpartition(".")[0]
        if parent:
            todo.append(parent)
    assert seen <= HOT_MODULES, sorted(seen - HOT_MODULES)
