"""The report's section on load balancers: each one with its stack, the objects on it, and
its target groups and listener rules against the quotas of 100 each
(https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-limits.html).

The rule set counts them over all the templates (a workload's stack holds its target groups
and the rules forwarding to them), as its quota checks do; this module only lays them out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from translator.plan import Plan
from translator.report import Cell, Code, Table

LOAD_BALANCER = "AWS::ElasticLoadBalancingV2::LoadBalancer"
QUOTA = 100  # target groups (not adjustable) and listener rules (default) per load balancer


@dataclass(frozen=True)
class Count:
    """What the rule set counted for one load balancer."""

    template: str
    logical: str
    target_groups: int
    rules: int


@dataclass(frozen=True)
class Row:
    stack: str
    template: str
    logical: str
    type: str
    scheme: str
    objects: tuple[str, ...]  # Kind/name (namespace/name with several namespaces)
    target_groups: int | None  # None where the rule set counted nothing
    rules: int | None


def rows(plan: Plan, counts: list[Count]) -> list[Row]:
    by_key = {(c.template, c.logical): c for c in counts}
    several = len({e.namespace for e in plan.entries if e.namespace}) > 1
    out = []
    for stack in plan.stacks:
        for logical, resource in stack.resources.items():
            if resource.type != LOAD_BALANCER:
                continue
            objects = sorted({f"{e.kind}/{e.namespace}/{e.name}" if several
                              else f"{e.kind}/{e.name}" for e in plan.entries
                              if (stack.info.key, logical) in e.resources})
            count = by_key.get((stack.file, logical))
            kind = str(resource.properties.get("Type", "application"))
            out.append(Row(stack.stack_name, stack.file, logical, kind,
                           str(resource.properties.get("Scheme", "internal")), tuple(objects),
                           count.target_groups if count else None,
                           # a network load balancer has listeners, no listener rules
                           count.rules if count and kind == "application" else None))
    return out


def _quota(value: int | None) -> str:
    return "" if value is None else f"{value} of {QUOTA}"


def table(plan: Plan, counts: list[Count]) -> Table:
    body: list[tuple[Cell, ...]] = [
        (Code(r.stack), Code(f"{r.template}#{r.logical}", to=f"{r.template}#/Resources/"
                             f"{r.logical}"), f"{r.type}, {r.scheme}", r.objects,
         _quota(r.target_groups), _quota(r.rules)) for r in rows(plan, counts)]
    return Table("Load balancers", ("stack", "load balancer", "type", "made for",
                                    "target groups", "listener rules"), body,
                 anchor="load-balancers",
                 intro="Each load balancer in a stack of its own beside the LoadBalancer "
                       "Services': an ALB per IngressGroup, per in-cluster ingress class and "
                       "per set of Ingresses without group.name of equal settings, spread over "
                       "more ALBs past 100 target groups or 100 listener rules (the quotas, "
                       "counted over every template). Point each host's DNS record at the "
                       "LoadBalancerDnsName output of its Ingress's ALB.",
                 empty="No load balancer in this output.")


def as_dict(plan: Plan, counts: list[Count]) -> list[dict[str, Any]]:
    return [{"stack": r.stack, "template": r.template, "logicalId": r.logical, "type": r.type,
             "scheme": r.scheme, "objects": list(r.objects),
             **({"targetGroups": r.target_groups} if r.target_groups is not None else {}),
             **({"rules": r.rules} if r.rules is not None else {})}
            for r in rows(plan, counts)]
