"""The load-balancer quotas over all the templates of one output (the validate stage runs it
through the rule set's `plan_findings`): a workload's stack holds its target groups and the
listener rules that forward to them, on listeners it imports from the load-balancer stack, so
no single template shows a load balancer whole. The counts and messages are the cfn-lint
rules' own (E9110, E9111, E9114); a load balancer all of whose listeners and rules sit in its
own template is left to them.

Only functions live here (see _helpers)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from mappings.lint_rules import (
    E9110_target_groups_per_load_balancer as target_groups,
)
from mappings.lint_rules import (
    E9111_rules_per_load_balancer as rules,
)
from mappings.lint_rules import (
    E9114_protocol_version_listener as versions,
)
from mappings.lint_rules._helpers import function
from mappings.lint_rules._load_balancers import (
    Body,
    LoadBalancer,
    across,
    key,
    target_group_props,
)
from translator.cfn import to_json
from translator.errors import PlanFinding
from translator.plan import Plan


def _balancers(plan: Plan) -> tuple[dict[str, Body], list[LoadBalancer]]:
    """The plan's templates, and every load balancer with what any template ties to it."""
    bodies = {stack.file: Body(to_json(stack.as_cfn())) for stack in plan.stacks}
    by_name = {stack.stack_name: stack.file for stack in plan.stacks}

    def resolve(file: str, value: Any) -> str:
        return _resolve(bodies, by_name, file, value)

    return bodies, across(bodies, resolve)


def plan_findings(plan: Plan) -> list[PlanFinding]:
    """What the load-balancer rules find over all the plan's templates together."""
    bodies, every = _balancers(plan)
    keys = {stack.file: stack.info.key for stack in plan.stacks}
    balancers = [b for b in every if b.spans_templates()]
    found = [("E9110", target_groups.excess(balancers)), ("E9111", rules.excess(balancers)),
             ("E9114", versions.excess(balancers, target_group_props(bodies)))]
    return [PlanFinding(keys[where.split("#", 1)[0]], "/" + "/".join(path), rule, message)
            for rule, each in found for where, path, message in each]


def balancer_counts(plan: Plan) -> list[tuple[str, str, int, int]]:
    """(template, logical id, target groups, listener rules) of each load balancer over all
    the templates, as E9110 and E9111 count them (for the report)."""
    return [(b.file, b.logical, len(b.target_groups()), len(b.rules))
            for b in _balancers(plan)[1]]


def _resolve(bodies: Mapping[str, Body], by_name: Mapping[str, str], file: str,
             value: Any) -> str:
    """The resource a Ref names in its template, or an Fn::ImportValue of
    "${StackParameter}-Output" names through that stack's export (the parameter's default is
    the stack name deploy.sh passes)."""
    fn = function(value)
    if fn is None:
        return ""
    name, arg = fn
    resources = bodies[file].body.get("Resources") or {}
    if name == "Ref":
        return key(file, str(arg)) if arg in resources else ""
    sub = function(arg)
    if name != "Fn::ImportValue" or sub is None or sub[0] != "Fn::Sub" \
            or not isinstance(sub[1], str):
        return ""
    found = re.fullmatch(r"\$\{(\w+)\}-(\w+)", sub[1])
    parameter = (bodies[file].body.get("Parameters") or {}).get(found[1], {}) if found else {}
    exporter = by_name.get(str(parameter.get("Default", "")))
    if found is None or exporter is None:
        return ""
    output = (bodies[exporter].body.get("Outputs") or {}).get(found[2], {})
    return _resolve(bodies, by_name, exporter, output.get("Value"))
