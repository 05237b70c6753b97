"""E9104: a service's load balancer names a container and port that its task definition (in
the same template) does not expose; ECS rejects the service at deploy time."""

from __future__ import annotations

from typing import Any, ClassVar

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from mappings.lint_rules._helpers import function, number, resources


def exposed(task: dict[str, Any]) -> set[tuple[str, int]] | None:
    """(container name, port) pairs of a task definition; None when they cannot be read."""
    containers = task.get("ContainerDefinitions")
    if not isinstance(containers, list):
        return None
    found: set[tuple[str, int]] = set()
    for container in containers:
        if not isinstance(container, dict) or not isinstance(container.get("Name"), str):
            return None
        mappings = container.get("PortMappings")
        for mapping in mappings if isinstance(mappings, list) else []:
            port = number(mapping.get("ContainerPort")) if isinstance(mapping, dict) else None
            if port is not None:
                found.add((container["Name"], port))
    return found


class LoadBalancerContainerExists(CloudFormationLintRule):
    id = "E9104"
    shortdesc = "Load balancer container or port not in the task definition"
    description = ("Each LoadBalancers entry of an ECS service names a container and a "
                   "ContainerPort that its task definition maps")
    tags: ClassVar[list[str]] = ["resources", "ecs", "eks2ecs"]

    def match(self, cfn: Any) -> list[Any]:
        tasks = dict(resources(cfn, "AWS::ECS::TaskDefinition"))
        matches = []
        for name, props in resources(cfn, "AWS::ECS::Service"):
            ref = function(props.get("TaskDefinition"))
            task_name = str(ref[1]) if ref and ref[0] == "Ref" else ""
            ports = exposed(tasks[task_name]) if task_name in tasks else None
            balancers = props.get("LoadBalancers")
            if ports is None or not isinstance(balancers, list):
                continue
            for i, lb in enumerate(balancers):
                if not isinstance(lb, dict):
                    continue
                container, port = lb.get("ContainerName"), number(lb.get("ContainerPort"))
                if isinstance(container, str) and port is not None and (container, port) not in ports:
                    matches.append(RuleMatch(
                        ["Resources", name, "Properties", "LoadBalancers", i],
                        f"{name}: load balancer targets {container}:{port}, which task "
                        f"definition {task_name} does not expose"))
        return matches
