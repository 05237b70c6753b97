"""E9102: a container that asks for more memory than its task has; ECS refuses the task
definition at registration, which CloudFormation only reports at deploy time."""

from __future__ import annotations

from typing import Any, ClassVar

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from mappings.lint_rules._helpers import number, resources


def task_memory_mib(value: Any) -> int | None:
    """Task memory in MiB: a number, or a string such as "1024" or "2 GB"."""
    if isinstance(value, str) and value.strip().upper().endswith("GB"):
        gigabytes = number(value.strip()[:-2])
        return None if gigabytes is None else gigabytes * 1024
    return number(value)


class ContainerMemoryWithinTask(CloudFormationLintRule):
    id = "E9102"
    shortdesc = "Container memory above task memory"
    description = "A container's Memory or MemoryReservation must not exceed the task's Memory"
    tags: ClassVar[list[str]] = ["resources", "ecs", "eks2ecs"]

    def match(self, cfn: Any) -> list[Any]:
        matches = []
        for name, props in resources(cfn, "AWS::ECS::TaskDefinition"):
            task = task_memory_mib(props.get("Memory"))
            containers = props.get("ContainerDefinitions")
            if task is None or not isinstance(containers, list):
                continue
            for i, container in enumerate(containers):
                if not isinstance(container, dict):
                    continue
                for key in ("Memory", "MemoryReservation"):
                    amount = number(container.get(key))
                    if amount is not None and amount > task:
                        matches.append(RuleMatch(
                            ["Resources", name, "Properties", "ContainerDefinitions", i, key],
                            f"{name}: container {container.get('Name')} {key} {amount} MiB "
                            f"exceeds the task's {task} MiB"))
        return matches
