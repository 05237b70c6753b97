"""E9112: an ECS service attached to more than 5 target groups; ECS refuses the service:
https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-quotas.html
("Target groups per service": 5)."""

from __future__ import annotations

from typing import Any, ClassVar

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from mappings.lint_rules._helpers import resources

TARGET_GROUPS_PER_SERVICE = 5


class TargetGroupsPerService(CloudFormationLintRule):
    id = "E9112"
    shortdesc = "More than 5 target groups on one ECS service"
    description = "An ECS service registers its tasks in at most 5 target groups"
    tags: ClassVar[list[str]] = ["resources", "ecs", "eks2ecs"]

    def match(self, cfn: Any) -> list[Any]:
        matches = []
        for name, props in resources(cfn, "AWS::ECS::Service"):
            balancers = props.get("LoadBalancers")
            if isinstance(balancers, list) and len(balancers) > TARGET_GROUPS_PER_SERVICE:
                matches.append(RuleMatch(
                    ["Resources", name, "Properties", "LoadBalancers"],
                    f"{name}: {len(balancers)} target groups, more than the "
                    f"{TARGET_GROUPS_PER_SERVICE} an ECS service may have; expose fewer ports "
                    "of its Service through the load balancer"))
        return matches
