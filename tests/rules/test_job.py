"""Job -> a task definition run once (no service), with run-task outputs and scripts."""

from __future__ import annotations

import json

import pytest

from tests.helpers import fate, props, source, stack_for, translate_yaml
from translator.api import Result
from translator.cfn import GetAtt, If, Join, Ref

JOB = """
apiVersion: batch/v1
kind: Job
metadata: {name: migrate, namespace: shop}
spec:
  backoffLimit: 2
  activeDeadlineSeconds: 900
  completions: 5
  parallelism: 2
  ttlSecondsAfterFinished: 60
  completionMode: Indexed
  template:
    spec:
      restartPolicy: Never
      containers:
        - {name: migrate, image: "migrate/migrate:v4.17.0", args: [up]}
"""


@pytest.fixture(scope="module")
def migrate() -> Result:
    return translate_yaml(JOB)


def test_a_task_definition_and_no_service(migrate: Result) -> None:
    stack = stack_for(migrate, "migrate")
    assert sorted(stack.resources) == ["ExecutionRole", "LogGroup", "TaskDefinition",
                                       "TaskRole", "WorkloadSecurityGroup"]  # TaskRole: ECS Exec
    assert stack.info.run_once
    assert props(migrate, "migrate", "TaskDefinition")["ContainerDefinitions"][0]["Command"] == [
        "up"]
    outputs = stack.outputs
    assert outputs["TaskDefinitionArn"].value == Ref("TaskDefinition")
    assert outputs["Subnets"].value == Join(",", Ref("SubnetIds"))
    # deploy.sh joins the app's group, named from the cluster stack (no import in an output)
    own = GetAtt("WorkloadSecurityGroup", "GroupId")
    assert outputs["SecurityGroups"].value == If(
        "HasSecurityGroupIds", Join(",", (own, Join(",", Ref("SecurityGroupIds")))),
        Join(",", (own,)))
    assert outputs["ClusterSecurityGroups"].value == "TaskSecurityGroupId"


def test_the_scripts_show_and_run_the_run_task_command(migrate: Result) -> None:
    readme, deploy = migrate.files["README.md"], migrate.files["deploy.sh"]
    for text in (readme, deploy):
        assert "aws ecs run-task" in text
        assert "awsvpcConfiguration={subnets=[" in text and "assignPublicIp=DISABLED" in text
    assert 'run_job "$stack"' in deploy and 'RUN_JOBS:-0' in deploy
    plan = json.loads(migrate.files["deploy-plan.json"])
    assert [s["stack"] for wave in plan["waves"] for s in wave if s["runOnce"]] == ["shop-migrate"]
    assert "stack='shop-migrate'" in readme


def test_run_control_is_reported(migrate: Result) -> None:
    for path in ("backoffLimit", "activeDeadlineSeconds", "completions", "parallelism",
                 "completionMode"):
        assert fate(migrate, "Job", "migrate", f"/spec/{path}")["status"] == "lossy", path
    assert fate(migrate, "Job", "migrate", "/spec/ttlSecondsAfterFinished")["status"] == "ignored"
    assert fate(migrate, "Job", "migrate", "/spec/template/spec/restartPolicy")["status"] == \
        "mapped"
    assert source(migrate, "Job", "migrate")["status"] == "partial"


def test_without_jobs_the_scripts_have_no_run_task() -> None:
    result = translate_yaml("apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n")
    assert "run-task" not in result.files["deploy.sh"]
    assert "Run the Jobs" not in result.files["README.md"]


def test_a_service_account_without_an_iam_role_gives_no_task_role() -> None:
    result = translate_yaml(JOB.replace("      restartPolicy: Never",
                                        "      restartPolicy: Never\n      serviceAccountName: ci"),
                            exec_command=False)
    assert "TaskRoleArn" not in props(result, "migrate", "TaskDefinition")
    field = fate(result, "Job", "migrate", "/spec/template/spec/serviceAccountName")
    assert field["status"] == "unsupported" and "not in the input" in field["note"]
