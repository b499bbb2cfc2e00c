"""The package's shape: a top level of packages only, no import cycle, one definition of each shared name.

`pytest tests/unit/test_package_layout.py -q` shows any cycle it finds as a chain of modules.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import mailcanary

ROOT = Path(mailcanary.__file__).parent
# Modules allowed beside the packages at the top of `mailcanary` (see README, "Layout").
TOP_LEVEL_MODULES = frozenset({"__init__.py", "__main__.py"})


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(path): path for path in sorted(ROOT.rglob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imported(tree: ast.AST, package: str) -> Iterator[str]:
    """Every mailcanary module an import in `tree` loads (outside `if TYPE_CHECKING:`), parents included."""
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and _is_type_checking(node):
            node.body = []  # type-only imports never run
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module is not None:
            base = node.module
            if node.level:
                base = ".".join([*package.split(".")[: len(package.split(".")) - node.level + 1], node.module])
            names = [base] + [f"{base}.{alias.name}" for alias in node.names]
        for name in names:
            parts = name.split(".")
            for end in range(1, len(parts) + 1):
                candidate = ".".join(parts[:end])
                if candidate in MODULES and candidate != "mailcanary":
                    yield candidate


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for name, path in MODULES.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        # A module's own packages are initialised before it runs (they import it, not the other way round).
        own = {".".join(name.split(".")[:end]) for end in range(1, name.count(".") + 2)}
        graph[name] = set(_imported(ast.parse(path.read_text(encoding="utf-8")), package)) - own
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle as a chain of modules, or [] (iterative depth-first search, bounded by the graph)."""
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    for start in sorted(graph):
        if state.get(start):
            continue
        stack: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(graph[start])))]
        state[start] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
            elif state.get(child) == 1:
                chain = [each for each, _ in stack]
                return [*chain[chain.index(child) :], child]
            elif not state.get(child):
                state[child] = 1
                stack.append((child, iter(sorted(graph.get(child, ())))))
    return []


def test_given_the_package_when_its_imports_are_walked_then_there_is_no_cycle() -> None:
    # Given every module of the package; When the graph of what each one imports (at import or call time) is walked
    cycle = _cycle(_graph())
    # Then no module reaches itself again
    assert cycle == [], "import cycle: " + " -> ".join(cycle)


def test_given_the_packages_when_their_imports_are_walked_then_dependencies_point_one_way() -> None:
    # Given the graph between the top-level packages (services -> round/decide -> report/store -> protocol -> core)
    between: dict[str, set[str]] = {}
    for name, imported in _graph().items():
        if name != "mailcanary":
            package = name.split(".")[1]
            between.setdefault(package, set()).update(each.split(".")[1] for each in imported)
    between = {package: found - {package} for package, found in between.items()}
    # When it is walked; Then no package reaches itself again through another
    cycle = _cycle(between)
    assert cycle == [], "packages depend on each other: " + " -> ".join(cycle)


def test_given_a_cycle_when_walked_then_it_is_reported() -> None:
    # Given a graph with a cycle; When walked; Then the cycle is named (the walk can fail)
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) == []


def test_given_the_top_level_when_listed_then_it_holds_only_packages() -> None:
    # Given the top of the package; When its Python files are listed
    loose = {path.name for path in ROOT.glob("*.py")} - TOP_LEVEL_MODULES
    # Then each concern lives in a package named for it
    assert loose == set()


def test_given_the_package_when_searched_then_path_kind_is_defined_once() -> None:
    # Given every module; When class definitions are searched
    defined = [
        name
        for name, path in MODULES.items()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ClassDef) and node.name == "PathKind"
    ]
    # Then exactly one module defines PathKind
    assert defined == ["mailcanary.core.checks"]
