"""The seam between the pipeline and the mapping rules.

The pipeline never imports a rule package: it loads the rule set registered under the
entry-point group `eks2ecs.rules` (pyproject.toml registers `mappings:RULES`), the way pytest
and cfn-lint find their plugins. The rules import this package's models, plan and context, so
the dependency runs one way only: mappings -> translator.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from types import ModuleType

from translator.context import Context
from translator.errors import PlanFinding
from translator.plan import Fragment, Plan

GROUP = "eks2ecs.rules"


@dataclass(frozen=True)
class RuleSet:
    """Everything the pipeline takes from a rule package."""

    rule_for: Callable[[str, str], ModuleType | None]  # kind, apiVersion -> rule module
    supported: Callable[[], dict[str, tuple[str, ...]]]  # kind -> apiVersions with a rule
    ignored_kinds: Mapping[str, str]  # kinds with no ECS counterpart -> why
    foundation: Callable[[Fragment, Context], None]  # the stacks every translation has
    annotate: Callable[[Plan], None]  # last touches on the assembled plan
    lint_rules: Path  # folder of cfn-lint rules for the rendered templates
    package: str  # the package whose templates/ and data/ folders the pipeline reads
    # annotation prefix -> the controller that reads it: such an annotation changed what the
    # cluster did, so one no rule claims is unsupported, not ignored like other annotations
    controller_annotations: Mapping[str, str] = field(default_factory=dict)
    # checks over all the templates of a plan together (what no one template shows whole)
    plan_findings: Callable[[Plan], list[PlanFinding]] = lambda plan: []
    # (template, logical id, target groups, listener rules) of each load balancer over all
    # the templates, for the report
    balancer_counts: Callable[[Plan], list[tuple[str, str, int, int]]] = lambda plan: []


def _declared() -> list[EntryPoint]:
    """The group's entry points; in a source tree installed before the group existed (or not
    installed at all), the ones its pyproject.toml declares."""
    found = sorted(entry_points(group=GROUP), key=lambda e: e.name)
    if found:
        return found
    pyproject = Path(__file__).resolve().parents[1] / "pyproject.toml"
    if not pyproject.is_file():
        return []
    project = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {})
    table = project.get("entry-points", {}).get(GROUP, {})
    return [EntryPoint(name, table[name], GROUP) for name in sorted(table)]


@cache
def installed() -> RuleSet:
    """The one rule set registered under `eks2ecs.rules`."""
    found = _declared()
    if len(found) != 1:
        names = ", ".join(e.value for e in found) or "none"
        raise RuntimeError(f"eks2ecs needs exactly one rule set in entry-point group {GROUP}, "
                           f"found {names}: reinstall eks2ecs (pip install .)")
    rules = found[0].load()
    if not isinstance(rules, RuleSet):
        raise RuntimeError(f"entry point {found[0].value} of group {GROUP} is not a RuleSet")
    return rules
