"""`RUN_JOBS=1 ./deploy.sh` against moto server on loopback: a Job's task is run once, and it
and a CronJob's scheduled tasks start with ECS Exec, as `kubectl exec` reached their pods. moto
drops run-task's enableExecuteCommand and runs a task definition without a task role where AWS
refuses the flag for it; tests/emulator/ecs.py keeps the flag and refuses as AWS does."""

from __future__ import annotations

import ast
import subprocess
from pathlib import Path

import pytest

from tests.emulator import server
from tests.emulator.prerequisites import Prerequisites
from tests.helpers import cronjob, docs, job
from tests.test_deploy_emulator import _decode, _parameters
from translator.api import translate
from translator.context import Options

MANIFESTS = docs(job(container='command: [sh, -c, "echo migrated"]'), cronjob())


def _deploy(emu: server.Emulator, folder: Path, *argv: str) -> str:
    done = subprocess.run([str(folder / argv[0]), *argv[1:]], cwd=folder, capture_output=True,
                          text=True, timeout=300, check=False,
                          env={**emu.shell_env(folder), "RUN_JOBS": "1"})
    assert done.returncode == 0, f"{argv[0]} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


def test_run_jobs_starts_the_job_with_ecs_exec_and_the_schedule_asks_for_it(
        emulator: tuple[server.Emulator, list[str]], tmp_path: Path) -> None:
    emu, complaints = emulator
    complaints.clear()
    (tmp_path / "k8s.yaml").write_text(MANIFESTS)
    folder = tmp_path / "cfn"
    result = translate([str(tmp_path / "k8s.yaml")], Options(app_name="jobs"))
    result.write(folder)
    prerequisites = Prerequisites(emu, "10.43.0.0/16")
    prerequisites.create_network()
    _parameters(prerequisites, folder, {s.stack_name: _decode(folder / s.file)
                                        for s in result.plan.stacks})
    log = _deploy(emu, folder, "deploy.sh", "parameters.json")
    assert "==> running the task of jobs-migrate once" in log
    assert complaints == [], "\n".join(complaints)

    ecs, iam = emu.client("ecs"), emu.client("iam")
    arns = ecs.list_tasks(cluster="jobs-cluster")["taskArns"]
    [task] = ecs.describe_tasks(cluster="jobs-cluster", tasks=arns)["tasks"]
    assert task["lastStatus"] == "STOPPED"
    assert task["enableExecuteCommand"] is True  # run-task --enable-execute-command
    definition = ecs.describe_task_definition(taskDefinition=task["taskDefinitionArn"])
    role = definition["taskDefinition"]["taskRoleArn"].rsplit("/", 1)[-1]
    [policy] = iam.list_role_policies(RoleName=role)["PolicyNames"]
    document = iam.get_role_policy(RoleName=role, PolicyName=policy)["PolicyDocument"]
    # moto keeps an inline policy of a CloudFormation role as the Python text of its dict
    statements = (ast.literal_eval(document) if isinstance(document, str) else document)["Statement"]
    assert [sorted(s["Action"]) for s in statements] == [[
        "ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
        "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"]]

    resources = emu.client("cloudformation").describe_stack_resources(
        StackName="jobs-report")["StackResources"]
    [schedule] = [r["PhysicalResourceId"] for r in resources
                  if r["ResourceType"] == "AWS::Scheduler::Schedule"]
    target = emu.client("scheduler").get_schedule(Name=schedule)["Target"]
    assert target["EcsParameters"]["EnableExecuteCommand"] is True

    _deploy(emu, folder, "cleanup.sh")
    prerequisites.remove()


def test_the_emulator_refuses_exec_for_a_task_without_a_task_role(
        emulator: tuple[server.Emulator, list[str]]) -> None:
    """What a Job translated without its ECS Exec role met on AWS: run-task refused."""
    from botocore.exceptions import ClientError

    from tests.emulator.ecs import NO_TASK_ROLE  # moto: the test extra, as server.running

    emu, _ = emulator
    ecs, ec2 = emu.client("ecs"), emu.client("ec2")
    ecs.create_cluster(clusterName="no-role")
    family = ecs.register_task_definition(
        family="no-role", networkMode="awsvpc", requiresCompatibilities=["FARGATE"],
        cpu="256", memory="512", containerDefinitions=[{"name": "app", "image": "busybox"}])
    vpc = ec2.create_vpc(CidrBlock="10.44.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.44.0.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="no-role", Description="no-role",
                                      VpcId=vpc)["GroupId"]
    network = {"awsvpcConfiguration": {"subnets": [subnet], "securityGroups": [group]}}
    arn = family["taskDefinition"]["taskDefinitionArn"]
    try:
        with pytest.raises(ClientError, match="a valid task role is not being used") as refused:
            ecs.run_task(cluster="no-role", taskDefinition=arn, launchType="FARGATE",
                         networkConfiguration=network, enableExecuteCommand=True)
        assert refused.value.response["Error"]["Message"] == NO_TASK_ROLE
        [started] = ecs.run_task(cluster="no-role", taskDefinition=arn, launchType="FARGATE",
                                 networkConfiguration=network)["tasks"]
        assert started["enableExecuteCommand"] is False
    finally:
        for task in ecs.list_tasks(cluster="no-role")["taskArns"]:
            ecs.stop_task(cluster="no-role", task=task)
        ecs.deregister_task_definition(taskDefinition=arn)
        ecs.delete_cluster(cluster="no-role")
        for eni in ec2.describe_network_interfaces(
                Filters=[{"Name": "subnet-id", "Values": [subnet]}])["NetworkInterfaces"]:
            ec2.delete_network_interface(NetworkInterfaceId=eni["NetworkInterfaceId"])
        ec2.delete_subnet(SubnetId=subnet)
        ec2.delete_security_group(GroupId=group)
        ec2.delete_vpc(VpcId=vpc)
