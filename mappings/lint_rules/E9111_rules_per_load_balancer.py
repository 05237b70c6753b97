"""E9111: a load balancer with more than 100 listener rules (not counting the listeners'
default actions). 100 is the default quota; Elastic Load Balancing refuses the 101st rule
unless it was raised:
https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-limits.html
The validate stage counts the same over all templates (translator.quotas)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from mappings.lint_rules._load_balancers import RULES_PER_LOAD_BALANCER, LoadBalancer, load_balancers


def excess(balancers: list[LoadBalancer]) -> Iterator[tuple[str, list[str], str]]:
    """Each load balancer past the quota: its key, the path of the finding, the message."""
    for balancer in balancers:
        if len(balancer.rules) > RULES_PER_LOAD_BALANCER:
            yield balancer.name, ["Resources", balancer.logical], (
                f"{balancer.logical}: {len(balancer.rules)} listener rules, more than the "
                f"{RULES_PER_LOAD_BALANCER} of the default quota; split its Ingresses "
                "(alb.ingress.kubernetes.io/group.name; Ingresses without one are spread over "
                "ALBs, but one Ingress, or those sharing a host, stay on one: split a large "
                "one) or raise the quota first")


class RulesPerLoadBalancer(CloudFormationLintRule):
    id = "E9111"
    shortdesc = "More than 100 listener rules on one load balancer"
    description = ("A load balancer has at most 100 listener rules besides its default "
                   "actions (the default quota)")
    tags: ClassVar[list[str]] = ["resources", "elasticloadbalancingv2", "eks2ecs"]

    def match(self, cfn: Any) -> list[Any]:
        return [RuleMatch(path, message) for _, path, message in excess(load_balancers(cfn))]
