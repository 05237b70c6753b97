"""ECS Exec, the guide's way into a running task (`aws ecs execute-command ... npm run typeorm
migration:run`): on by default for every ECS service, with the four ssmmessages actions on
its task role and nothing more; --no-exec (or `exec: false`) leaves it all out."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import (
    deployment,
    docs,
    fates,
    props,
    resource,
    stack_for,
    statuses,
    translate_yaml,
)
from tests.rules.test_serviceaccount import RUNS_AS_BACKEND, account
from translator.api import Result
from translator.cfn import GetAtt, Ref

# https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html
EXEC = {"Effect": "Allow", "Resource": "*", "Action": [
    "ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"]}

JOB = """
apiVersion: batch/v1
kind: Job
metadata: {name: migrate, namespace: shop}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: migrate, image: busybox:1.36}]
"""
CLAIM = """
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data, namespace: shop}
spec:
  accessModes: [ReadWriteMany]
  resources: {requests: {storage: 1Gi}}
"""
MOUNTS_DATA = """
volumes: [{name: data, persistentVolumeClaim: {claimName: data}}]
"""


def statements(policy: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = policy["PolicyDocument"]["Statement"]
    return found


@pytest.fixture(scope="module")
def on() -> Result:
    return translate_yaml(docs(account(), deployment("irsa", pod=RUNS_AS_BACKEND),
                               deployment("plain"), JOB))


@pytest.fixture(scope="module")
def off() -> Result:
    return translate_yaml(docs(account(), deployment("irsa", pod=RUNS_AS_BACKEND),
                               deployment("plain"), JOB), exec_command=False)


def test_every_service_takes_execute_command(on: Result, off: Result) -> None:
    for name in ("irsa", "plain"):
        assert props(on, name, "Service")["EnableExecuteCommand"] is True
        assert "EnableExecuteCommand" not in props(off, name, "Service")


def test_a_workload_without_a_role_gets_one_that_only_opens_the_channels(
        on: Result, off: Result) -> None:
    role = props(on, "plain", "TaskRole")
    assert [p["PolicyName"] for p in role["Policies"]] == ["ecs-exec"]
    assert statements(role["Policies"][0]) == [EXEC]
    assert props(on, "plain", "TaskDefinition")["TaskRoleArn"] == GetAtt("TaskRole", "Arn")
    assert "TaskRole" not in stack_for(off, "plain").resources
    assert "TaskRoleArn" not in props(off, "plain", "TaskDefinition")


def test_an_irsa_role_gets_the_policy_attached_by_name(on: Result, off: Result) -> None:
    policy = props(on, "irsa", "ExecuteCommandPolicy")
    assert policy["Roles"] == [Ref("TaskRoleName")]
    assert statements(policy) == [EXEC]
    name = stack_for(on, "irsa").parameters["TaskRoleName"]
    assert name.default == "shop-backend"
    assert "attaches its ecs-exec policy" in name.description
    assert "TaskRole" not in stack_for(on, "irsa").resources  # the IRSA role stays the role
    # the tasks start once the role may open the channels
    assert resource(on, "irsa", "Service").depends_on == ["ExecuteCommandPolicy"]
    assert "ExecuteCommandPolicy" not in stack_for(off, "irsa").resources
    assert "TaskRoleName" not in stack_for(off, "irsa").parameters


def test_a_job_runs_no_service_and_gets_no_exec_permissions(on: Result) -> None:
    assert "TaskRole" not in stack_for(on, "migrate").resources
    assert "TaskRoleArn" not in props(on, "migrate", "TaskDefinition")


def test_exec_and_efs_mounts_share_one_role() -> None:
    result = translate_yaml(docs(CLAIM, deployment(
        pod=MOUNTS_DATA, container="volumeMounts: [{name: data, mountPath: /data}]")))
    role = props(result, "web", "TaskRole")
    assert [p["PolicyName"] for p in role["Policies"]] == ["mount-volumes", "ecs-exec"]


def test_the_readme_shows_the_execute_command_line_per_service(on: Result, off: Result) -> None:
    readme = on.files["README.md"]
    for service in ("irsa", "plain"):
        assert (f"aws ecs execute-command --cluster \"$cluster\" --container '{service}' "
                "--interactive --command \"/bin/sh\" \\\n  --task \"$(aws ecs list-tasks "
                f"--cluster \"$cluster\" --service-name '{service}' --query 'taskArns[0]' "
                "--output text)\"") in readme
    assert "--service-name 'migrate'" not in readme
    assert "execute-command" not in off.files["README.md"]


def test_a_read_only_root_file_system_is_reported_where_exec_cannot_run() -> None:
    result = translate_yaml(deployment(container="securityContext: {readOnlyRootFilesystem: true}"))
    path = "/spec/template/spec/containers/0/securityContext/readOnlyRootFilesystem"
    assert statuses(result, "Deployment", "web", path) == ["lossy", "mapped"]
    lossy = [f for f in fates(result, "Deployment", "web", path) if f["status"] == "lossy"]
    assert lossy[0]["note"].startswith("ECS Exec does not work in a read-only root file system")
    quiet = translate_yaml(deployment(container="securityContext: {readOnlyRootFilesystem: true}"),
                           exec_command=False)
    assert statuses(quiet, "Deployment", "web", path) == ["mapped"]
