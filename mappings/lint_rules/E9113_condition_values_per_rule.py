"""E9113: a listener rule whose conditions hold more than 5 values in all (host names, paths,
header values, query-string pairs, methods, source IPs). Elastic Load Balancing refuses it:
https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-limits.html
("Condition values per rule": 5)."""

from __future__ import annotations

from typing import Any, ClassVar

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from mappings.lint_rules._helpers import resources
from mappings.lint_rules._load_balancers import LISTENER_RULE

CONDITION_VALUES_PER_RULE = 5
_CONFIGS = ("HostHeaderConfig", "PathPatternConfig", "HttpHeaderConfig",
            "HttpRequestMethodConfig", "QueryStringConfig", "SourceIpConfig")


def values(condition: Any) -> int:
    """How many values one condition holds (a condition gives them in its `...Config` or,
    the older way, in `Values`)."""
    if not isinstance(condition, dict):
        return 0
    count = len(condition["Values"]) if isinstance(condition.get("Values"), list) else 0
    for config in _CONFIGS:
        block = condition.get(config)
        if isinstance(block, dict) and isinstance(block.get("Values"), list):
            count += len(block["Values"])
    return count


class ConditionValuesPerRule(CloudFormationLintRule):
    id = "E9113"
    shortdesc = "More than 5 condition values in one listener rule"
    description = "The conditions of a listener rule hold at most 5 values in all"
    tags: ClassVar[list[str]] = ["resources", "elasticloadbalancingv2", "eks2ecs"]

    def match(self, cfn: Any) -> list[Any]:
        matches = []
        for name, props in resources(cfn, LISTENER_RULE):
            conditions = props.get("Conditions")
            total = sum(map(values, conditions)) if isinstance(conditions, list) else 0
            if total > CONDITION_VALUES_PER_RULE:
                matches.append(RuleMatch(
                    ["Resources", name, "Properties", "Conditions"],
                    f"{name}: {total} condition values, more than the "
                    f"{CONDITION_VALUES_PER_RULE} a listener rule may hold; split the rule"))
        return matches
