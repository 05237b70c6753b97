"""E9101: a task definition whose containers read Secrets or log with awslogs needs an
ExecutionRoleArn; without it ECS cannot fetch the secrets or write the logs, and the task
fails to start."""

from __future__ import annotations

from typing import Any, ClassVar

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from mappings.lint_rules._helpers import resources


class ExecutionRoleRequired(CloudFormationLintRule):
    id = "E9101"
    shortdesc = "Secrets or awslogs need an execution role"
    description = ("An ECS task definition whose containers use Secrets or the awslogs log "
                   "driver must set ExecutionRoleArn")
    tags: ClassVar[list[str]] = ["resources", "ecs", "eks2ecs"]

    def match(self, cfn: Any) -> list[Any]:
        matches = []
        for name, props in resources(cfn, "AWS::ECS::TaskDefinition"):
            if "ExecutionRoleArn" in props:
                continue
            containers = props.get("ContainerDefinitions")
            for i, container in enumerate(containers if isinstance(containers, list) else []):
                if not isinstance(container, dict):
                    continue
                logs = container.get("LogConfiguration")
                uses = [what for what, used in (
                    ("Secrets", bool(container.get("Secrets"))),
                    ("awslogs", isinstance(logs, dict) and logs.get("LogDriver") == "awslogs"),
                ) if used]
                if uses:
                    matches.append(RuleMatch(
                        ["Resources", name, "Properties", "ContainerDefinitions", i],
                        f"{name}: container {container.get('Name')} uses {' and '.join(uses)}, "
                        "which needs the task definition's ExecutionRoleArn"))
        return matches
