"""The code's shape, checked from its source with `ast` (nothing is imported):

- the pipeline (translator/) never imports the rules (mappings/): it finds them through the
  entry-point group `eks2ecs.rules` (translator.rules);
- the rules import only the pipeline's models, plan, context and helpers (the "SDK"), never a
  stage such as mapper, render or validate;
- no import circle, counting imports inside functions and under TYPE_CHECKING (a module's
  own package is not counted: it is imported first anyway, as the package's facade);
- no module over 500 lines, no class over 300.

Run it alone with `python -m pytest tests/test_architecture.py`.
"""

from __future__ import annotations

import ast
import sys
from functools import cache
from pathlib import Path

import pytest

import mappings
from tests.paths import REPO
from translator import rules

PACKAGES = ("translator", "mappings")
# What a rule may import from the pipeline: the models it reads, the plan it fills, the
# context it asks, and their helpers.
SDK = {"translator.cfn", "translator.context", "translator.errors", "translator.load",
       "translator.models", "translator.names", "translator.plan", "translator.quantity",
       "translator.rules"}
MODULE_LINES = 500
CLASS_LINES = 300


@cache
def modules() -> dict[str, Path]:
    """Dotted module name -> file, for every module of the two packages."""
    found = {}
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            parts = path.relative_to(REPO).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def _resolve(name: str) -> str | None:
    """The project module an import names: itself, else its nearest enclosing package."""
    while name:
        if name in modules():
            return name
        name = name.rpartition(".")[0]
    return None


@cache
def imports() -> dict[str, frozenset[str]]:
    """Module -> the project modules it imports (`from pkg import sub` counts as pkg.sub)."""
    graph = {}
    for name, path in modules().items():
        targets: set[str] = set()
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets.update(filter(None, (_resolve(alias.name) for alias in node.names)))
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:  # relative: from the package, one level up per extra dot
                    anchor = package.rsplit(".", node.level - 1)[0]
                    base = f"{anchor}.{base}" if base else anchor
                for alias in node.names:
                    submodule = f"{base}.{alias.name}"
                    target = submodule if submodule in modules() else _resolve(base)
                    if target is not None:
                        targets.add(target)
        # Python runs a package's __init__ before any of its modules, so a module reading a
        # name from its own package (`from translator import __version__`) adds no edge.
        graph[name] = frozenset(t for t in targets if t != name and not name.startswith(t + "."))
    return graph


def circles() -> list[list[str]]:
    """Every strongly connected group of two or more modules (Tarjan's algorithm)."""
    graph = imports()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_pipeline_never_imports_the_rules() -> None:
    wrong = sorted(f"{name} imports {target}" for name, targets in imports().items()
                   if name.startswith("translator") for target in targets
                   if target.startswith("mappings"))
    assert wrong == []


def test_the_rules_import_only_the_sdk_of_the_pipeline() -> None:
    wrong = sorted(f"{name} imports {target}" for name, targets in imports().items()
                   if name.startswith("mappings") for target in targets
                   if target.startswith("translator") and target not in SDK
                   and target.rpartition(".")[0] not in SDK)
    assert wrong == []


def test_no_import_circle() -> None:
    found = circles()
    assert found == [], "import circles: " + "; ".join(" <-> ".join(g) for g in found)


def test_no_module_or_class_over_the_size_limits() -> None:
    over = []
    for path in modules().values():
        text = path.read_text(encoding="utf-8")
        lines = text.count("\n")
        if lines > MODULE_LINES:
            over.append(f"{path.relative_to(REPO)}: {lines} lines (limit {MODULE_LINES})")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ClassDef) and node.end_lineno is not None:
                size = node.end_lineno - node.lineno + 1
                if size > CLASS_LINES:
                    over.append(f"{path.relative_to(REPO)}: class {node.name}: {size} lines "
                                f"(limit {CLASS_LINES})")
    assert over == []


def test_the_pipeline_finds_the_rule_set_through_its_entry_point() -> None:
    assert rules.installed() is mappings.RULES
    assert rules.installed().rule_for("Deployment", "apps/v1") is not None


# The checker itself must see what it is meant to catch.
def test_the_checker_sees_circles_and_direction(monkeypatch: pytest.MonkeyPatch) -> None:
    graph = dict(imports())
    graph["mappings.workloads"] = graph["mappings.workloads"] | {"mappings.hpa"}
    graph["translator.plan"] = graph["translator.plan"] | {"mappings.cluster"}
    monkeypatch.setattr(sys.modules[__name__], "imports", lambda: graph)
    assert any({"mappings.hpa", "mappings.workloads"} <= set(c) for c in circles())
    with pytest.raises(AssertionError):
        test_the_pipeline_never_imports_the_rules()
