"""Where moto's ECS API differs from AWS in what deploy.sh's job runner depends on.

moto 5.2's RunTask fails (a server error) on a container definition that names no memory, which
Fargate allows: the task's Memory sizes it, container-level CPU and memory are not required
(https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-task-size-best-practice.html);
such a container reserves nothing of its own here. A Fargate task's network interface lacks the
private DNS name moto's RunTask reads from it (an AttributeError): it gets EC2's default name.
It also drops `enableExecuteCommand`: the task does not keep it (DescribeTasks never
shows it), and a task definition without a task role is run anyway, where AWS refuses it with
InvalidParameterException "The execute command failed because a valid task role is not being
used. Specify a valid task role in your task definition or as a task override and try again."
(ECS Exec needs the task role's ssmmessages channels:
https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html; the flag:
https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RunTask.html). `patch` keeps the
flag on the tasks it starts and refuses it as AWS does, for the duration of the test session.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from moto.core.responses import ActionResult
from moto.ec2.models.elastic_network_interfaces import NetworkInterface
from moto.ecs.exceptions import InvalidParameterException
from moto.ecs.models import EC2ContainerServiceBackend, TaskDefinition
from moto.ecs.responses import EC2ContainerServiceResponse

NO_TASK_ROLE = ("The execute command failed because a valid task role is not being used. "
                "Specify a valid task role in your task definition or as a task override and "
                "try again.")


def _run_task(original: Any) -> Any:
    def run_task(self: EC2ContainerServiceResponse) -> ActionResult:
        enabled = self._get_param("enableExecuteCommand") is True
        if enabled:
            definition = self.ecs_backend.describe_task_definition(
                self._get_param("taskDefinition"))
            override = (self._get_param("overrides") or {}).get("taskRoleArn")
            if not (getattr(definition, "task_role_arn", None) or override):
                raise InvalidParameterException(NO_TASK_ROLE)
        result = original(self)
        assert isinstance(result, ActionResult)
        for task in result.result["tasks"]:  # type: ignore[index]
            task.enable_execute_command = enabled  # the response shape's attribute
        return result
    return run_task


def _requirements(original: Any) -> Any:
    def requirements(task_definition: TaskDefinition) -> dict[str, Any]:
        sized = copy.copy(task_definition)
        sized.container_definitions = [
            d if {"memory", "memoryReservation"} & d.keys() else {**d, "memory": 0}
            for d in task_definition.container_definitions]
        found: dict[str, Any] = original(sized)
        return found
    return staticmethod(requirements)


def _private_dns_name(eni: NetworkInterface) -> str:
    return f"ip-{eni.private_ip_address.replace('.', '-')}.ec2.internal"


def patch(mp: pytest.MonkeyPatch) -> None:
    mp.setattr(NetworkInterface, "private_dns_name", property(_private_dns_name), raising=False)
    mp.setattr(EC2ContainerServiceBackend, "_calculate_task_resource_requirements",
               _requirements(EC2ContainerServiceBackend._calculate_task_resource_requirements))
    mp.setattr(EC2ContainerServiceResponse, "run_task",
               _run_task(EC2ContainerServiceResponse.run_task))
