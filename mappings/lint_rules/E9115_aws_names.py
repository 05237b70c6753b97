"""E9115: a name AWS would refuse: an ECS service or task family, a target group or a load
balancer whose literal name breaks that name's rule (characters, length, first or
last character). cfn-lint's schemas check IAM role, log group and Cloud Map names (E3031,
E3033), not these; the service refuses them at deploy time. The rules and their documentation are in
translator/names.py."""

from __future__ import annotations

import re
from typing import Any, ClassVar

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from mappings.lint_rules._helpers import resources
from translator.names import ECS_NAME, ELB_NAME

# type -> (name property, the rule, what the rule allows)
NAMES: dict[str, tuple[str, re.Pattern[str], str]] = {
    "AWS::ECS::Service": ("ServiceName", ECS_NAME, "letters, digits, - and _, at most 255"),
    "AWS::ECS::TaskDefinition": ("Family", ECS_NAME, "letters, digits, - and _, at most 255"),
    "AWS::ElasticLoadBalancingV2::TargetGroup": (
        "Name", ELB_NAME, "letters, digits and -, not at either end, at most 32"),
    "AWS::ElasticLoadBalancingV2::LoadBalancer": (
        "Name", ELB_NAME, "letters, digits and -, not at either end nor internal-, at most 32"),
}


class AwsNames(CloudFormationLintRule):
    id = "E9115"
    shortdesc = "A name the AWS service refuses"
    description = ("ECS service and family, target group and load balancer names "
                   "follow each service's rule")
    tags: ClassVar[list[str]] = ["resources", "eks2ecs"]

    def match(self, cfn: Any) -> list[Any]:
        matches = []
        for kind, (prop, rule, allows) in NAMES.items():
            for name, props in resources(cfn, kind):
                value = props.get(prop)
                if isinstance(value, str) and not rule.fullmatch(value):
                    matches.append(RuleMatch(
                        ["Resources", name, "Properties", prop],
                        f"{name}: {prop} {value!r} is not a valid name: {allows}"))
        return matches
