"""E9109: a target group whose health-check timeout is not below its interval;
CloudFormation accepts the template and Elastic Load Balancing rejects it at deploy time."""

from __future__ import annotations

from typing import Any, ClassVar

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from mappings.lint_rules._helpers import number, resources

DEFAULT_INTERVAL = 30  # seconds, for every target type but lambda


class TargetGroupTimeoutBelowInterval(CloudFormationLintRule):
    id = "E9109"
    shortdesc = "Target group health-check timeout not below its interval"
    description = "HealthCheckTimeoutSeconds must be less than HealthCheckIntervalSeconds"
    tags: ClassVar[list[str]] = ["resources", "elasticloadbalancingv2", "eks2ecs"]

    def match(self, cfn: Any) -> list[Any]:
        matches = []
        for name, props in resources(cfn, "AWS::ElasticLoadBalancingV2::TargetGroup"):
            timeout = number(props.get("HealthCheckTimeoutSeconds"))
            if timeout is None or props.get("TargetType") == "lambda":
                continue
            interval = number(props.get("HealthCheckIntervalSeconds", DEFAULT_INTERVAL))
            if interval is not None and timeout >= interval:
                matches.append(RuleMatch(
                    ["Resources", name, "Properties", "HealthCheckTimeoutSeconds"],
                    f"{name}: health-check timeout {timeout}s must be below the interval "
                    f"{interval}s"))
        return matches
