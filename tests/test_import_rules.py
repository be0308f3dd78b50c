"""The import rules of docs/ARCHITECTURE.md ("Import rules"), checked on the source with `ast`:

- the orchestration core imports only the standard library, itself and the channel names
  (app/channels/__init__.py, which imports only the standard library): no Flask, SQLAlchemy, RQ;
- nothing under app/ imports jobs/ (jobs are enqueued by dotted name, app/queue/names.py);
- the foundation (config, extensions, errors, crypto, db_health, net_guard, pg_direct, models,
  orchestration, channels) imports no capability, and neither the foundation nor a capability imports a surface (api,
  console, cli);
- no cycles between capability packages;
- code outside a capability package imports only what its __init__ exports, never its modules;
- no function-level import of our own modules (the way cycles used to be dodged), and a function-level
  import of a library says why in a comment;
- every job in jobs/ is a thin entry point: one call into app.<capability>.

Run alone with `python -m pytest tests/test_import_rules.py`.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CAPABILITIES = (
    "queue", "dispatch", "delivery", "catalog", "records", "sync", "integrations", "data_io", "analytics", "access",
    "audit", "inbox",
)
SURFACES = ("api", "console", "cli")
FOUNDATION = (
    "config", "extensions", "errors", "crypto", "db_health", "net_guard", "pg_direct", "models", "orchestration", "channels",
)
STDLIB = sys.stdlib_module_names | {"__future__"}


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    target: str  # what it imports: a module, or module.name for `from module import name`
    line: int
    in_function: bool
    commented: bool  # a comment on the line or the line above


@cache
def our_modules() -> dict[str, Path]:
    """Every module of app/ and jobs/ by dotted name (a package by its own name)."""
    found = {}
    for path in [*(ROOT / "app").rglob("*.py"), *(ROOT / "jobs").rglob("*.py")]:
        parts = path.relative_to(ROOT).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


@cache
def all_imports() -> tuple[Import, ...]:
    found: list[Import] = []
    for module, path in our_modules().items():
        source = path.read_text()
        lines = source.splitlines()
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        found.extend(_imports(ast.parse(source), module, package, lines, in_function=False))
    return tuple(found)


def _imports(node: ast.AST, module: str, package: str, lines: list[str], in_function: bool) -> list[Import]:
    found = []
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.Import, ast.ImportFrom)):
            commented = _commented(lines, child.lineno)
            for target in _targets(child, package):
                found.append(Import(module, target, child.lineno, in_function, commented))
        inner = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
        found.extend(_imports(child, module, package, lines, inner))
    return found


def _commented(lines: list[str], number: int) -> bool:
    """A comment on the import's line, or above the block of imports it is in."""
    if "#" in lines[number - 1]:
        return True
    above = number - 2
    while above >= 0 and lines[above].strip().startswith(("import ", "from ")):
        above -= 1
    return above >= 0 and lines[above].strip().startswith("#")


def _targets(node: ast.Import | ast.ImportFrom, package: str) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
    return [f"{base}.{alias.name}" if f"{base}.{alias.name}" in our_modules() else base for alias in node.names]


def area(module: str) -> str | None:
    """The top-level part of app/ a module belongs to (`dispatch`, `api`, `models`, ...), or None."""
    parts = module.split(".")
    return parts[1] if parts[0] == "app" and len(parts) > 1 else None


def owner(target: str) -> str:
    """The module an import target is (or is in)."""
    while target and target not in our_modules():
        target = target.rpartition(".")[0]
    return target


def ours(target: str) -> bool:
    return target.split(".")[0] in ("app", "jobs")


def violations(rule) -> list[str]:
    return sorted({f"{i.module}:{i.line} imports {i.target}" for i in all_imports() if rule(i)})


def test_the_orchestration_core_imports_only_the_standard_library_itself_and_the_channel_names():
    assert violations(lambda i: area(i.module) == "orchestration" and not (
        i.target.split(".")[0] in STDLIB or i.target.startswith("app.orchestration")
        or owner(i.target) == "app.channels")) == []


def test_the_channel_names_import_only_the_standard_library():
    assert violations(lambda i: i.module == "app.channels" and i.target.split(".")[0] not in STDLIB) == []


def test_nothing_under_app_imports_jobs():
    assert violations(lambda i: i.module.startswith("app") and i.target.split(".")[0] == "jobs") == []


def test_the_foundation_imports_no_capability_and_no_surface():
    assert violations(lambda i: area(i.module) in FOUNDATION and area(i.target) in CAPABILITIES + SURFACES) == []


def test_capabilities_import_no_surface():
    assert violations(lambda i: area(i.module) in CAPABILITIES and area(i.target) in SURFACES) == []


def test_no_cycles_between_capability_packages():
    graph: dict[str, set[str]] = {name: set() for name in CAPABILITIES}
    for i in all_imports():
        source, target = area(i.module), area(i.target)
        if source in CAPABILITIES and target in CAPABILITIES and source != target:
            graph[source].add(target)
    assert _cycles(graph) == []


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    found, state, path = [], {}, []

    def visit(node: str) -> None:
        state[node] = "open"
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                found.append(path[path.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt)
        path.pop()
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return found


def test_callers_outside_a_capability_import_only_its_package():
    def reaches_inside(i: Import) -> bool:
        target = area(i.target)
        return (target in CAPABILITIES and area(i.module) != target and not i.module.startswith(f"app.{target}.")
                and owner(i.target) != f"app.{target}")

    assert violations(reaches_inside) == []


@pytest.mark.parametrize("package", CAPABILITIES)
def test_each_capability_says_what_it_does_and_exports_its_entry_points(package):
    tree = ast.parse((ROOT / "app" / package / "__init__.py").read_text())
    doc = ast.get_docstring(tree) or ""
    assert len(doc.splitlines()) >= 2, f"app/{package}/__init__.py needs a docstring saying what the package does"
    assert any(isinstance(node, ast.ImportFrom) for node in tree.body), f"app/{package} exports nothing"


def test_no_function_level_import_of_our_modules():
    assert violations(lambda i: i.in_function and ours(i.target)) == []


def test_a_function_level_import_of_a_library_says_why():
    assert violations(lambda i: i.in_function and not ours(i.target) and not i.commented) == []


JOB_MODULES = sorted(m for m in our_modules() if m.startswith("jobs.") and m not in ("jobs.entry", "jobs.cron"))


@pytest.mark.parametrize("module", JOB_MODULES)
def test_jobs_are_thin_entry_points_into_a_capability(module):
    tree = ast.parse(our_modules()[module].read_text())
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef):
            continue
        body = [s for s in node.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
        call = body[0].value if len(body) == 1 and isinstance(body[0], ast.Return) else None
        assert [d.id for d in node.decorator_list if isinstance(d, ast.Name)] == ["job_entry"], node.name
        assert isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute), (
            f"{module}.{node.name} should be one `return <capability>.<function>(...)`")
        assert isinstance(call.func.value, ast.Name) and call.func.value.id in CAPABILITIES, node.name
