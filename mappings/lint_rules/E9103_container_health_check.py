"""E9103: a container HealthCheck ECS would reject: a command that does not start with CMD or
CMD-SHELL, or an interval, timeout, retry count or start period out of ECS's range."""

from __future__ import annotations

from typing import Any, ClassVar

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from mappings.lint_rules._helpers import number, resources

# ECS ContainerDefinition HealthCheck limits (seconds, except Retries)
RANGES = {"Interval": (5, 300), "Timeout": (2, 60), "Retries": (1, 10), "StartPeriod": (0, 300)}


class ContainerHealthCheck(CloudFormationLintRule):
    id = "E9103"
    shortdesc = "Container health check ECS would reject"
    description = ("A container HealthCheck Command starts with CMD or CMD-SHELL, and its "
                   "Interval (5-300), Timeout (2-60), Retries (1-10) and StartPeriod (0-300) "
                   "are in range")
    tags: ClassVar[list[str]] = ["resources", "ecs", "eks2ecs"]

    def match(self, cfn: Any) -> list[Any]:
        matches = []
        for name, props in resources(cfn, "AWS::ECS::TaskDefinition"):
            containers = props.get("ContainerDefinitions")
            for i, container in enumerate(containers if isinstance(containers, list) else []):
                check = container.get("HealthCheck") if isinstance(container, dict) else None
                if not isinstance(check, dict):
                    continue
                path = ["Resources", name, "Properties", "ContainerDefinitions", i, "HealthCheck"]
                where = f"{name}: container {container.get('Name')} health check"
                command = check.get("Command")
                if isinstance(command, list) and (
                        not command or (isinstance(command[0], str)
                                        and command[0] not in ("CMD", "CMD-SHELL"))):
                    matches.append(RuleMatch([*path, "Command"],
                                             f"{where}: Command must start with CMD or CMD-SHELL"))
                for key, (low, high) in RANGES.items():
                    value = number(check.get(key))
                    if value is not None and not low <= value <= high:
                        matches.append(RuleMatch([*path, key], f"{where}: {key} {value} is "
                                                 f"outside {low}-{high}"))
        return matches
