"""E9110: a load balancer whose actions forward to more than 100 target groups. Elastic
Load Balancing refuses the 101st (a quota that cannot be raised):
https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-limits.html
The validate stage counts the same over all templates (translator.quotas)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from mappings.lint_rules._load_balancers import (
    TARGET_GROUPS_PER_LOAD_BALANCER,
    LoadBalancer,
    load_balancers,
)


def excess(balancers: list[LoadBalancer]) -> Iterator[tuple[str, list[str], str]]:
    """Each load balancer past the quota: its key, the path of the finding, the message."""
    for balancer in balancers:
        groups = balancer.target_groups()
        if len(groups) > TARGET_GROUPS_PER_LOAD_BALANCER:
            yield balancer.name, ["Resources", balancer.logical], (
                f"{balancer.logical}: forwards to {len(groups)} target groups, more than the "
                f"{TARGET_GROUPS_PER_LOAD_BALANCER} a load balancer may have; split its "
                "Ingresses over several load balancers (alb.ingress.kubernetes.io/group.name; "
                "Ingresses without one are spread over ALBs, but one Ingress, or those sharing "
                "a host, stay on one: split a large one)")


class TargetGroupsPerLoadBalancer(CloudFormationLintRule):
    id = "E9110"
    shortdesc = "More than 100 target groups behind one load balancer"
    description = ("A load balancer's listeners and listener rules forward to at most 100 "
                   "target groups (not adjustable)")
    tags: ClassVar[list[str]] = ["resources", "elasticloadbalancingv2", "eks2ecs"]

    def match(self, cfn: Any) -> list[Any]:
        return [RuleMatch(path, message) for _, path, message in excess(load_balancers(cfn))]
