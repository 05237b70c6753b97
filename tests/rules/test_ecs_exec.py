"""ECS Exec, the guide's way into a running task (`aws ecs execute-command ... npm run typeorm
migration:run`): on by default for every ECS service and for the tasks of Jobs (run-task
--enable-execute-command) and CronJobs (the schedule's EnableExecuteCommand), with the four
ssmmessages actions on the task role and nothing more; --no-exec (or `exec: false`) leaves it
all out."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import (
    cronjob,
    deployment,
    docs,
    fates,
    job,
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

JOB = job()
CRONJOB = cronjob()
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
                               deployment("plain"), JOB, CRONJOB))


@pytest.fixture(scope="module")
def off() -> Result:
    return translate_yaml(docs(account(), deployment("irsa", pod=RUNS_AS_BACKEND),
                               deployment("plain"), JOB, CRONJOB), exec_command=False)


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


@pytest.mark.parametrize("name", ["migrate", "report"])
def test_a_job_or_cronjob_task_role_only_opens_the_channels(on: Result, off: Result,
                                                            name: str) -> None:
    # kubectl exec reached a running Job pod; without a task role allowed to open the SSM
    # channels, run-task --enable-execute-command is refused ("a valid task role is not being
    # used") and the scheduler's tasks start without ECS Exec working
    role = props(on, name, "TaskRole")
    assert [p["PolicyName"] for p in role["Policies"]] == ["ecs-exec"]
    assert statements(role["Policies"][0]) == [EXEC]
    assert props(on, name, "TaskDefinition")["TaskRoleArn"] == GetAtt("TaskRole", "Arn")
    assert "TaskRole" not in stack_for(off, name).resources
    assert "TaskRoleArn" not in props(off, name, "TaskDefinition")


def test_the_schedule_starts_its_tasks_with_exec(on: Result, off: Result) -> None:
    # AWS::Scheduler::Schedule EcsParameters.EnableExecuteCommand, RunTask's flag:
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-scheduler-schedule-ecsparameters.html
    ecs = props(on, "report", "Schedule")["Target"]["EcsParameters"]
    assert ecs["EnableExecuteCommand"] is True
    passing = props(on, "report", "SchedulerRole")["Policies"][0]["PolicyDocument"]["Statement"][1]
    assert passing["Resource"] == [GetAtt("ExecutionRole", "Arn"), GetAtt("TaskRole", "Arn")]
    assert "EnableExecuteCommand" not in props(off, "report", "Schedule")["Target"]["EcsParameters"]


def test_a_job_stack_tells_run_task_to_enable_exec(on: Result, off: Result) -> None:
    output = stack_for(on, "migrate").outputs["ExecuteCommand"]
    assert output.value == "true"
    assert "ExecuteCommand" not in stack_for(off, "migrate").outputs
    # deploy.sh passes the flag where the stack says so: tests/test_jobs_emulator.py runs it
    readme = on.files["README.md"]
    run = readme[readme.index("stack='shop-migrate'"):]
    assert run.index("aws ecs run-task") < run.index("--enable-execute-command") < \
        run.index("```")
    assert "--enable-execute-command" not in off.files["README.md"]


def test_each_workload_reports_kubectl_exec_with_its_command(on: Result, off: Result) -> None:
    pointers = {
        ("Deployment", "plain"): "workload-plain.yaml#/Resources/Service/Properties/"
                                 "EnableExecuteCommand",
        ("Job", "migrate"): "workload-migrate.yaml#/Outputs/ExecuteCommand",
        ("CronJob", "report"): "workload-report.yaml#/Resources/Schedule/Properties/Target/"
                               "EcsParameters/EnableExecuteCommand",
    }
    lists = {"plain": "--service-name plain", "migrate": "--family shop-migrate",
             "report": "--family shop-report"}
    for (kind, name), to in pointers.items():
        rows = [f for f in fates(on, kind, name, "/metadata/name") if f.get("to") == to]
        assert [r["status"] for r in rows] == ["mapped"], (kind, name)
        assert rows[0]["note"] == (
            f"kubectl exec: aws ecs execute-command --cluster shop-cluster --container {name} "
            f"--interactive --command /bin/sh --task TASK (TASK: aws ecs list-tasks --cluster "
            f"shop-cluster {lists[name]}; README.md shows the line)")
        assert not [f for f in fates(off, kind, name, "/metadata/name")
                    if "kubectl exec" in f.get("note", "")]


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
    # a Job's or CronJob's task while it runs, found by its family
    for family, app in (("shop-migrate", "migrate"), ("shop-report", "report")):
        assert (f"aws ecs execute-command --cluster \"$cluster\" --container '{app}' "
                "--interactive --command \"/bin/sh\" \\\n  --task \"$(aws ecs list-tasks "
                f"--cluster \"$cluster\" --family '{family}' --query 'taskArns[0]' "
                "--output text)\"") in readme
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


def test_a_read_only_job_container_gets_the_same_caveat() -> None:
    manifest = job(container="securityContext: {readOnlyRootFilesystem: true}")
    path = "/spec/template/spec/containers/0/securityContext/readOnlyRootFilesystem"
    result = translate_yaml(manifest)
    assert statuses(result, "Job", "migrate", path) == ["lossy", "mapped"]
    lossy = [f for f in fates(result, "Job", "migrate", path) if f["status"] == "lossy"]
    assert lossy[0]["note"].startswith("ECS Exec does not work in a read-only root file system")
    assert statuses(translate_yaml(manifest, exec_command=False), "Job", "migrate", path) == ["mapped"]
