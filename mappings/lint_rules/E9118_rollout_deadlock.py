"""E9118: an ECS service's deployment percentages must let a rollout progress at the fewest
tasks the service can run (the ScalableTarget's MinCapacity, else DesiredCount, 1 when absent).

ECS may run floor(count x MaximumPercent / 100) tasks and must keep
ceil(count x MinimumHealthyPercent / 100) healthy: at one task 150/100 can neither start a
new task nor stop the old one, and the deployment hangs without failing.
https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service_definition_parameters.html
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from mappings.lint_rules._helpers import number, resources, scaled_services

DEFAULT_MAXIMUM, DEFAULT_MINIMUM = 200, 100  # ECS's defaults for a REPLICA service


def stuck(count: int, maximum: int, minimum: int) -> bool:
    return count >= 1 and count * maximum // 100 <= count \
        and math.ceil(count * minimum / 100) >= count


class RolloutDeadlock(CloudFormationLintRule):
    id = "E9118"
    shortdesc = "ECS deployment percentages that deadlock at the service's smallest count"
    description = ("At the fewest tasks the service can run, MaximumPercent must allow one "
                   "more task or MinimumHealthyPercent one fewer (ECS rounds the maximum "
                   "down and the minimum up)")
    tags: ClassVar[list[str]] = ["resources", "ecs", "eks2ecs"]

    def match(self, cfn: Any) -> list[Any]:
        matches = []
        scaled = scaled_services(cfn)
        for name, props in resources(cfn, "AWS::ECS::Service"):
            if props.get("SchedulingStrategy") == "DAEMON":
                continue
            config = props.get("DeploymentConfiguration")
            config = config if isinstance(config, dict) else {}
            controller = props.get("DeploymentController")
            if isinstance(controller, dict) and controller.get("Type") not in (None, "ECS"):
                continue
            maximum = number(config.get("MaximumPercent", DEFAULT_MAXIMUM))
            minimum = number(config.get("MinimumHealthyPercent", DEFAULT_MINIMUM))
            if name in scaled:
                count = number(scaled[name][1].get("MinCapacity"))
                where = f"{scaled[name][0]}'s MinCapacity"
            else:
                count = number(props.get("DesiredCount", 1))
                where = "DesiredCount" if "DesiredCount" in props else "the default count"
            if maximum is None or minimum is None or count is None:
                continue
            if stuck(count, maximum, minimum):
                path = ["Resources", name, "Properties", "DeploymentConfiguration"]
                matches.append(RuleMatch(
                    path if "DeploymentConfiguration" in props else path[:-1],
                    f"{name}: at {count} task(s) ({where}) MaximumPercent {maximum} allows "
                    f"no extra task and MinimumHealthyPercent {minimum} stops none: a "
                    f"rollout hangs; MaximumPercent "
                    f"{min(math.ceil(100 * (count + 1) / count), 200)} would progress"))
        return matches
