"""E9111: a load balancer with more than 100 listener rules (not counting the listeners'
default actions). 100 is the default quota; Elastic Load Balancing refuses the 101st rule
unless it was raised:
https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-limits.html"""

from __future__ import annotations

from typing import Any, ClassVar

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from mappings.lint_rules._load_balancers import load_balancers

RULES_PER_LOAD_BALANCER = 100


class RulesPerLoadBalancer(CloudFormationLintRule):
    id = "E9111"
    shortdesc = "More than 100 listener rules on one load balancer"
    description = ("A load balancer has at most 100 listener rules besides its default "
                   "actions (the default quota)")
    tags: ClassVar[list[str]] = ["resources", "elasticloadbalancingv2", "eks2ecs"]

    def match(self, cfn: Any) -> list[Any]:
        matches = []
        for balancer in load_balancers(cfn):
            if len(balancer.rules) > RULES_PER_LOAD_BALANCER:
                matches.append(RuleMatch(
                    ["Resources", balancer.name],
                    f"{balancer.name}: {len(balancer.rules)} listener rules, more than the "
                    f"{RULES_PER_LOAD_BALANCER} of the default quota; split its Ingresses "
                    "(alb.ingress.kubernetes.io/group.name) or raise the quota first"))
        return matches
