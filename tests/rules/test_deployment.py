"""Deployment -> workload stack: log group, execution role, task definition, ECS service."""

from __future__ import annotations

import math
from typing import Any

import pytest

from tests.helpers import deployment, fate, fates, props, source, stack_for, translate_yaml
from translator.api import Result
from translator.cfn import GetAtt, If, ImportValue, Join, Ref, Split, Sub


@pytest.fixture(scope="module")
def web() -> Result:
    return translate_yaml(deployment(
        "web", image="registry.example.com/web:2.1",
        spec="""
            replicas: 2
            revisionHistoryLimit: 5
            strategy:
              type: RollingUpdate
              rollingUpdate: {maxSurge: 1, maxUnavailable: 0}
        """,
        container="""
            ports:
              - {name: http, containerPort: 8080}
        """))


def test_one_workload_stack_after_the_cluster_stack(web: Result) -> None:
    stack = stack_for(web, "web")
    assert [s.file for s in web.plan.stacks] == ["cluster.yaml", "workload-web.yaml"]
    assert stack.info.key == "workload/shop/web"
    assert stack.stack_name == "shop-web"
    assert sorted(stack.resources) == ["ExecutionRole", "LogGroup", "Service", "TaskDefinition",
                                       "TaskRole", "WorkloadSecurityGroup"]  # TaskRole: ECS Exec
    assert {r.type for r in stack.resources.values()} == {
        "AWS::IAM::Role", "AWS::Logs::LogGroup", "AWS::ECS::Service", "AWS::ECS::TaskDefinition",
        "AWS::EC2::SecurityGroup"}


def test_parameters_point_at_the_cluster_stack_and_keep_the_image(web: Result) -> None:
    params = stack_for(web, "web").parameters
    assert sorted(params) == ["ClusterStackName", "SecurityGroupIds", "SubnetIds", "VpcId",
                              "WebImage"]
    assert params["ClusterStackName"].default == "shop-cluster"
    assert params["WebImage"].default == "registry.example.com/web:2.1"
    assert params["SubnetIds"].type == "List<AWS::EC2::Subnet::Id>"
    # groups of the operator's own are optional: the templates make the ones the app needs
    assert params["SecurityGroupIds"].type == "CommaDelimitedList"
    assert params["SecurityGroupIds"].default == ""


def test_task_definition_is_fargate_awsvpc_with_string_sizes(web: Result) -> None:
    task = props(web, "web", "TaskDefinition")
    assert task["Family"] == "shop-web"
    assert task["Cpu"] == "256"
    assert task["Memory"] == "512"
    assert task["NetworkMode"] == "awsvpc"
    assert task["RequiresCompatibilities"] == ["FARGATE"]
    assert task["ExecutionRoleArn"] == GetAtt("ExecutionRole", "Arn")
    assert task["TaskRoleArn"] == GetAtt("TaskRole", "Arn")  # ECS Exec's, nothing for the app
    assert [c["Name"] for c in task["ContainerDefinitions"]] == ["web"]
    assert task["ContainerDefinitions"][0]["Image"] == Ref("WebImage")
    assert task["ContainerDefinitions"][0]["PortMappings"] == [
        {"ContainerPort": 8080, "Protocol": "tcp", "Name": "http"}]


def test_log_group_and_execution_role(web: Result) -> None:
    assert props(web, "web", "LogGroup") == {"LogGroupName": "/ecs/shop/web",
                                             "RetentionInDays": 30}
    role = props(web, "web", "ExecutionRole")
    assert role["AssumeRolePolicyDocument"]["Statement"] == [
        {"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
         "Action": "sts:AssumeRole"}]
    assert role["ManagedPolicyArns"] == [Sub(
        "arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy")]
    assert "Policies" not in role  # no secrets read, so no secret permissions


def test_ecs_service_runs_the_replicas_in_the_imported_cluster(web: Result) -> None:
    service = props(web, "web", "Service")
    assert service["ServiceName"] == "web"
    assert service["DesiredCount"] == 2
    assert service["LaunchType"] == "FARGATE"
    assert service["TaskDefinition"] == Ref("TaskDefinition")
    assert service["Cluster"] == ImportValue(Sub("${ClusterStackName}-ClusterName"))
    ours = [ImportValue(Sub("${ClusterStackName}-TaskSecurityGroupId")),
            GetAtt("WorkloadSecurityGroup", "GroupId")]
    assert service["NetworkConfiguration"]["AwsvpcConfiguration"] == {
        "AssignPublicIp": "DISABLED", "Subnets": Ref("SubnetIds"),
        "SecurityGroups": If("HasSecurityGroupIds", Split(",", Join(",", (
            *ours, Join(",", Ref("SecurityGroupIds"))))), ours)}
    assert service["Tags"] == [{"Key": "kubernetes.io/name", "Value": "shop/web"}]
    assert "ServiceRegistries" not in service  # no Service selects it
    assert "LoadBalancers" not in service


def test_rolling_update_counts_become_percentages(web: Result) -> None:
    config = props(web, "web", "Service")["DeploymentConfiguration"]
    assert config == {"MaximumPercent": 150, "MinimumHealthyPercent": 100,
                      "DeploymentCircuitBreaker": {"Enable": True, "Rollback": True}}
    strategy = fate(web, "Deployment", "web", "/spec/strategy")
    assert strategy["status"] == "mapped"
    assert strategy["to"] == "workload-web.yaml#/Resources/Service/Properties/DeploymentConfiguration"


def test_report_points_fields_at_the_template(web: Result) -> None:
    assert fate(web, "Deployment", "web", "/spec/replicas")["to"] == \
        "workload-web.yaml#/Resources/Service/Properties/DesiredCount"
    assert fate(web, "Deployment", "web", "/spec/template/spec/containers/0/image")["to"] == \
        "workload-web.yaml#/Resources/TaskDefinition/Properties/ContainerDefinitions/0/Image"
    assert fate(web, "Deployment", "web", "/spec/selector")["status"] == "ignored"
    entry = source(web, "Deployment", "web")
    assert sorted((r["template"], r["logicalId"]) for r in entry["resources"]) == [
        ("workload-web.yaml", "ExecutionRole"), ("workload-web.yaml", "LogGroup"),
        ("workload-web.yaml", "Service"), ("workload-web.yaml", "TaskDefinition"),
        ("workload-web.yaml", "TaskRole"), ("workload-web.yaml", "WorkloadSecurityGroup")]


def test_revision_history_limit_is_lossy_and_makes_the_object_partial(web: Result) -> None:
    assert fate(web, "Deployment", "web", "/spec/revisionHistoryLimit")["status"] == "lossy"
    assert source(web, "Deployment", "web")["status"] == "partial"


@pytest.mark.parametrize(
    ("spec", "maximum", "minimum"),
    [
        ("replicas: 4", 125, 75),  # Kubernetes defaults: 25% / 25%
        ("replicas: 4\nstrategy: {rollingUpdate: {maxSurge: 50%, maxUnavailable: 50%}}", 150, 50),
        ("replicas: 4\nstrategy: {rollingUpdate: {maxSurge: 2, maxUnavailable: 1}}", 150, 75),
        ("replicas: 2\nstrategy: {rollingUpdate: {maxSurge: 0, maxUnavailable: 2}}", 100, 0),
        ("replicas: 3\nstrategy: {type: Recreate}", 100, 0),
    ],
)
def test_deployment_configuration(spec: str, maximum: int, minimum: int) -> None:
    result = translate_yaml(deployment(spec=spec))
    config = props(result, "web", "Service")["DeploymentConfiguration"]
    assert (config["MaximumPercent"], config["MinimumHealthyPercent"]) == (maximum, minimum)
    mapped = [f for f in fates(result, "Deployment", "web", "/spec/strategy")
              if f["status"] == "mapped"]
    assert [f["note"] for f in mapped] == [
        f"MaximumPercent {maximum}, MinimumHealthyPercent {minimum}"]


def test_recreate_is_reported_on_the_strategy_type() -> None:
    result = translate_yaml(deployment(spec="strategy: {type: Recreate}"))
    recreate = fate(result, "Deployment", "web", "/spec/strategy/type")
    assert recreate["status"] == "mapped"
    assert recreate["note"] == "Recreate: MinimumHealthyPercent 0"


def test_max_surge_above_100_percent_is_capped_at_200_and_reported_lossy() -> None:
    result = translate_yaml(deployment(
        spec="replicas: 1\nstrategy: {rollingUpdate: {maxSurge: 3, maxUnavailable: 0}}"))
    config = props(result, "web", "Service")["DeploymentConfiguration"]
    assert (config["MaximumPercent"], config["MinimumHealthyPercent"]) == (200, 100)
    assert sorted(f["status"] for f in fates(result, "Deployment", "web", "/spec/strategy")) \
        == ["lossy", "mapped"]
    assert source(result, "Deployment", "web")["status"] == "partial"


def test_object_without_namespace_lands_in_default() -> None:
    text = deployment().replace("  namespace: shop\n", "")
    result = translate_yaml(text)
    stack = stack_for(result, "web")
    assert stack.info.key == "workload/default/web"
    assert stack.stack_name == "default-web"
    assert props(result, "web", "LogGroup")["LogGroupName"] == "/ecs/default/web"
    assert stack_for(result, "cluster").parameters["DnsNamespaceName"].default == "default.local"


def test_app_name_option_renames_stacks_family_and_log_group() -> None:
    result = translate_yaml(deployment(), app_name="store")
    assert stack_for(result, "web").stack_name == "store-web"
    assert props(result, "web", "TaskDefinition")["Family"] == "store-web"
    assert props(result, "web", "LogGroup")["LogGroupName"] == "/ecs/store/web"
    assert stack_for(result, "web").parameters["ClusterStackName"].default == "store-cluster"


def test_two_namespaces_prefix_titles_with_the_namespace() -> None:
    text = deployment("web", namespace="a") + "---\n" + deployment("web", namespace="b")
    result = translate_yaml(text)
    assert [s.file for s in result.plan.stacks] == ["cluster.yaml", "workload-a-web.yaml",
                                                    "workload-b-web.yaml"]
    assert stack_for(result, "a-web").stack_name == "eks2ecs-a-web"
    assert props(result, "b-web", "Service")["ServiceName"] == "b-web"


@pytest.mark.parametrize(("replicas", "surge", "unavailable", "expected"), [
    (3, 1, 1, (134, 66)),     # ECS: floor(3*1.34)=4 tasks at most, ceil(3*0.66)=2 healthy
    (3, "25%", "25%", (134, 100)),  # Kubernetes: surge ceil(0.75)=1, unavailable floor(0.75)=0
    (4, 1, 0, (125, 100)),
    (10, "50%", "20%", (150, 80)),
])
def test_rolling_update_bounds_give_ecs_the_same_pod_counts(
        replicas: int, surge: int | str, unavailable: int | str, expected: tuple[int, int]) -> None:
    result = translate_yaml(deployment("web", spec=f"""
        replicas: {replicas}
        strategy:
          type: RollingUpdate
          rollingUpdate: {{maxSurge: {surge!r}, maxUnavailable: {unavailable!r}}}
    """))
    config = props(result, "web", "Service")["DeploymentConfiguration"]
    assert (config["MaximumPercent"], config["MinimumHealthyPercent"]) == expected
    maximum, minimum = expected
    assert math.floor(replicas * maximum / 100) - replicas == _pods(surge, replicas, math.ceil)
    assert replicas - math.ceil(replicas * minimum / 100) == _pods(unavailable, replicas, math.floor)


def _pods(value: int | str, replicas: int, rounding: Any) -> int:
    if isinstance(value, str):
        return int(rounding(int(value[:-1]) * replicas / 100))
    return value


HPA = """\
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web, namespace: shop}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 1
  maxReplicas: 4
"""


@pytest.fixture(scope="module")
def scaled() -> Result:
    # examples/k8s backend's shape: replicas 2, maxSurge 1, maxUnavailable 0, HPA from 1
    return translate_yaml(deployment(spec="""\
replicas: 2
strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}
""") + "---\n" + HPA)


def test_an_autoscaled_service_has_no_desired_count(scaled: Result) -> None:
    assert "DesiredCount" not in props(scaled, "web", "Service")
    replicas = fate(scaled, "Deployment", "web", "/spec/replicas")
    assert (replicas["status"], replicas["to"]) == (
        "mapped", "workload-web.yaml#/Resources/ScalableTarget/Properties/MinCapacity")
    assert replicas["note"] == (
        "no DesiredCount: the HPA's scalable target owns the count (a DesiredCount would "
        "reset it to 2 on every stack update); on the first create ECS starts 1 task and the "
        "scalable target brings it to its MinCapacity 1")


def test_percentages_let_a_rollout_progress_at_the_autoscaling_minimum(scaled: Result) -> None:
    # 150/100 at 2 replicas, but at 1 task floor(1.5) = 1 may run and ceil(1) = 1 must stay
    config = props(scaled, "web", "Service")["DeploymentConfiguration"]
    assert (config["MaximumPercent"], config["MinimumHealthyPercent"]) == (200, 100)
    assert any(note.startswith("MaximumPercent 200, not the 150 the update strategy gives: "
                               "at 1 task ECS rounds") for note in source(
        scaled, "Deployment", "web")["notes"])


@pytest.mark.parametrize(("count", "maximum", "minimum", "expected"), [
    (1, 150, 100, 200), (1, 100, 50, 200), (1, 100, 0, 100), (2, 150, 100, 150),
    (3, 100, 100, 134), (3, 134, 100, 134), (4, 125, 100, 125), (0, 100, 100, 100),
])
def test_rollout_maximum(count: int, maximum: int, minimum: int, expected: int) -> None:
    from mappings.deployment import rollout_maximum
    assert rollout_maximum(maximum, minimum, count) == expected
