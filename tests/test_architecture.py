"""The shape of the code: no import cycles, and the layers import in one direction only.

The import graph is read from the source with ``ast``, so an import inside a function counts
as much as one at the top of a module: it runs too, only later. Imports under
``if TYPE_CHECKING:`` never run and are left out of the cycle check.
"""

from __future__ import annotations

import ast
from pathlib import Path

import colloquium

PACKAGE_DIR = Path(colloquium.__file__).parent
PACKAGE = PACKAGE_DIR.name


def module_names() -> dict[str, Path]:
    """Every module of the package by dotted name; a package is its ``__init__.py``."""
    modules = {}
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        parts = path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


MODULES = module_names()


def _is_type_checking(test: ast.expr) -> bool:
    """``if TYPE_CHECKING:`` or ``if typing.TYPE_CHECKING:``."""
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    return isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"


def _imported_names(node: ast.AST, module: str, is_package: bool) -> list[str]:
    """The modules one import statement loads, as dotted names."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    assert isinstance(node, ast.ImportFrom)
    if node.level:
        # Relative: ``.`` is the module's own package (the package itself for an __init__).
        package = module if is_package else module.rpartition(".")[0]
        for _ in range(node.level - 1):
            package = package.rpartition(".")[0]
        base = f"{package}.{node.module}" if node.module else package
    else:
        base = node.module or ""
    # ``from pkg import name`` loads the module ``pkg.name`` when there is one, else ``pkg``.
    return [
        f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
        for alias in node.names
    ]


def _imports(tree: ast.AST, module: str, is_package: bool, with_type_checking: bool) -> set[str]:
    """Every module of the package imported anywhere in ``tree``."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        """Collect the imports of ``node`` and of everything inside it."""
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            if with_type_checking:
                for child in node.body:
                    visit(child)
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import | ast.ImportFrom):
            for name in _imported_names(node, module, is_package):
                if name in MODULES:
                    found.add(name)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    found.discard(module)
    return found


def import_graph(with_type_checking: bool = False) -> dict[str, set[str]]:
    """Each module of the package and the modules of the package it imports."""
    graph = {}
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        graph[module] = _imports(tree, module, path.name == "__init__.py", with_type_checking)
    return graph


def strong_components(graph: dict[str, set[str]]) -> list[set[str]]:
    """The groups of two or more nodes that all reach one another (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def connect(node: str) -> None:
        """Number ``node``, visit what it reaches, and close its group if it is the root."""
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(group)

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return groups


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle through each group of nodes that import one another."""
    return [_cycle_within(graph, group) for group in strong_components(graph)]


def _cycle_within(graph: dict[str, set[str]], group: set[str]) -> list[str]:
    """The shortest path from the group's first module back to itself, through the group."""
    start = min(group)
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for target in sorted(graph[node] & group):
            if target == start:
                return [*paths[node], start]
            if target not in paths:
                paths[target] = [*paths[node], target]
                queue.append(target)
    raise AssertionError(f"no cycle through {start}")  # unreachable for a strong component


def describe(cycles: list[list[str]]) -> str:
    """``a -> b -> a``, one cycle a line."""
    return "\n".join(" -> ".join(cycle) for cycle in cycles)


def _last(module: str) -> str:
    """The last part of a dotted name: ``services`` for ``colloquium.editions.services``."""
    return module.rpartition(".")[2]


def test_the_graph_sees_imports_inside_functions_and_skips_type_checking_ones():
    """The checks below are only as good as the graph: it reads every kind of import."""
    source = (
        "from typing import TYPE_CHECKING\n"
        "from . import services\n"
        "from ..registration import models\n"
        "import colloquium.mail.outbox\n"
        "from colloquium.extensions import db\n"
        "if TYPE_CHECKING:\n"
        "    from colloquium.accounts.models import User\n"
        "def later():\n"
        "    from colloquium.privacy.services import retention_step\n"
    )
    found = _imports(ast.parse(source), "colloquium.editions.cli", False, False)
    assert found == {
        "colloquium.editions.services",
        "colloquium.registration.models",
        "colloquium.mail.outbox",
        "colloquium.extensions",
        "colloquium.privacy.services",
    }
    typed = _imports(ast.parse(source), "colloquium.editions.cli", False, True)
    assert typed == found | {"colloquium.accounts.models"}


def test_a_cycle_is_found_and_printed():
    """A made-up cycle, to show the check fails when it should."""
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert describe(find_cycles(graph)) == "a -> b -> c -> a"


def test_no_import_cycles():
    """No module of the package imports, however indirectly, a module that imports it."""
    cycles = find_cycles(import_graph())
    assert not cycles, "import cycles:\n" + describe(cycles)


def domain(module: str) -> str:
    """The domain a module belongs to: ``colloquium.registration.services`` → ``registration``.

    A top-level module (``security``, ``errors``…) is its own domain; the app factory,
    ``colloquium/__init__.py``, is the domain ``colloquium``.
    """
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def domain_graph() -> dict[str, set[str]]:
    """Which domain imports which, from the modules' imports (``TYPE_CHECKING`` left out)."""
    graph: dict[str, set[str]] = {}
    for module, targets in import_graph().items():
        edges = graph.setdefault(domain(module), set())
        edges.update(domain(target) for target in targets if domain(target) != domain(module))
    return graph


# Domains that still import one another. Accounts' back-office page and command look up
# member associations (to attach an editor), and associations invite their editors and mail
# the organisers through accounts. Breaking it means moving view code; remove the entry then.
KNOWN_DOMAIN_CYCLES = {frozenset({"accounts", "associations"})}


def test_domains_build_on_one_another_without_cycles():
    """Editions never import registration, security never imports accounts, and so on.

    Module by module there may be no cycle while two domains still depend on each other
    (registration imported editions' models while editions' services imported registration).
    """
    graph = domain_graph()
    groups = {frozenset(group) for group in strong_components(graph)}
    assert groups == KNOWN_DOMAIN_CYCLES, "domain cycles:\n" + describe(find_cycles(graph))


def test_editions_never_import_registration():
    """Registration builds on editions; editions hears of capacity changes through a hook."""
    assert "registration" not in domain_graph()["editions"]


def test_models_never_import_services():
    """Models are the bottom layer: services build on them, never the reverse."""
    wrong = [
        f"{module} -> {target}"
        for module, targets in import_graph(with_type_checking=True).items()
        if _last(module) == "models"
        for target in targets
        if _last(target) == "services"
    ]
    assert not wrong, "\n".join(wrong)


def test_services_never_import_views():
    """Services serve views, forms and commands; they never reach up into a page."""
    wrong = [
        f"{module} -> {target}"
        for module, targets in import_graph(with_type_checking=True).items()
        if _last(module) == "services"
        for target in targets
        if _last(target) in ("views", "admin") or target.startswith(f"{PACKAGE}.admin")
    ]
    assert not wrong, "\n".join(wrong)


def test_only_the_app_factory_imports_the_back_office_dashboard():
    """The dashboard reads the domains through their services; no domain imports it.

    The app factory (``colloquium/__init__.py``) registers every blueprint, the dashboard's
    too, so it is the one module outside ``colloquium/admin/`` allowed to import it.
    """
    dashboard = f"{PACKAGE}.admin"
    wrong = [
        f"{module} -> {target}"
        for module, targets in import_graph(with_type_checking=True).items()
        if module != PACKAGE and module != dashboard and not module.startswith(f"{dashboard}.")
        for target in targets
        if target == dashboard or target.startswith(f"{dashboard}.")
    ]
    assert not wrong, "\n".join(wrong)
