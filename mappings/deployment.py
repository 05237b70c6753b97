"""Deployment -> one workload stack: log group, execution role, Fargate task definition and
an ECS service in the cluster, on the subnets and security groups given as parameters."""

from __future__ import annotations

import math
from typing import Any

from mappings import podspec
from mappings.podspec import IRSA_ANNOTATION, PodMapper
from translator.cfn import GetAtt, Ref, Sub
from translator.context import Context, import_from
from translator.models import Deployment, ServiceAccount
from translator.plan import Fragment, Parameter, Resource, StackInfo, Target

KIND = "Deployment"
API_VERSIONS = ("apps/v1",)
MODEL = Deployment
FIELDS = (
    "/metadata/name", "/metadata/namespace", "/metadata/labels", "/spec/replicas",
    "/spec/selector", "/spec/strategy", "/spec/strategy/type", "/spec/revisionHistoryLimit",
    "/spec/progressDeadlineSeconds", "/spec/minReadySeconds", "/spec/template/metadata/labels",
    "/spec/template/metadata/annotations", *podspec.fields("/spec/template/spec"),
)

TASK_EXECUTION_POLICY = "arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"


def _count(value: int | str | None, replicas: int, default: str, round_up: bool) -> int:
    """A rolling-update bound as a number of pods, rounded as Kubernetes does."""
    raw = default if value is None else value
    if isinstance(raw, str) and raw.endswith("%"):
        share = int(raw[:-1]) * replicas / 100
        return math.ceil(share) if round_up else math.floor(share)
    return int(raw)


def deployment_percents(replicas: int, surge: int, unavailable: int) -> tuple[int, int]:
    """(MaximumPercent, MinimumHealthyPercent) giving ECS the pod counts Kubernetes allowed.

    ECS rounds the maximum task count down and the minimum healthy count up, so the
    percentages are rounded the other way to land on the same counts.
    """
    if replicas == 0:
        return 200, 100
    maximum = math.ceil(100 * (replicas + surge) / replicas)
    minimum = math.floor(100 * (replicas - unavailable) / replicas)
    return maximum, max(minimum, 0)


def strategy_percents(obj: Deployment) -> tuple[int, int]:
    """(MaximumPercent, MinimumHealthyPercent) of the update strategy, the maximum not yet
    capped at ECS's 200."""
    spec = obj.spec
    if spec.strategy.type == "Recreate":
        return 100, 0
    rolling = spec.strategy.rolling_update
    surge = _count(rolling.max_surge if rolling else None, spec.replicas, "25%", True)
    unavailable = _count(rolling.max_unavailable if rolling else None, spec.replicas,
                         "25%", False)
    return deployment_percents(spec.replicas, surge, unavailable)


def map(obj: Deployment, frag: Fragment, ctx: Context) -> None:
    entry = frag.entry
    ns = ctx.namespace_of(obj)
    title = ctx.workload_title(ns, obj.name)
    stack = f"workload/{ns}/{obj.name}"
    frag.stacks.append(StackInfo(stack, title, 3,
                                 f"{ctx.app}: Deployment {ns}/{obj.name} on ECS Fargate (eks2ecs)"))
    put = frag.put
    put(stack, "Parameters", "ClusterStackName", Parameter(
        "String", "Name of the stack that holds the ECS cluster and Cloud Map namespace",
        default=f"{ctx.app}-cluster"))
    put(stack, "Parameters", "SubnetIds", Parameter(
        "List<AWS::EC2::Subnet::Id>", "Private subnets the tasks run in"))
    put(stack, "Parameters", "SecurityGroupIds", Parameter(
        "List<AWS::EC2::SecurityGroup::Id>", "Security groups of the tasks"))

    pod = PodMapper(obj.spec.template.spec, "/spec/template/spec", ns, stack, frag, ctx).run()
    log_group = f"/ecs/{ctx.app}/{title}"
    put(stack, "Resources", "LogGroup", Resource("AWS::Logs::LogGroup", {
        "LogGroupName": log_group, "RetentionInDays": 30}, obj.ref))

    role: dict[str, Any] = {
        "AssumeRolePolicyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                           "Action": "sts:AssumeRole"}],
        },
        "ManagedPolicyArns": [Sub(TASK_EXECUTION_POLICY)],
    }
    if pod.secret_reads:
        role["Policies"] = [{
            "PolicyName": "read-referenced-secrets",
            "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": action, "Resource": resources}
                for action, resources in sorted(pod.secret_reads.items())
            ]},
        }]
    put(stack, "Resources", "ExecutionRole", Resource("AWS::IAM::Role", role, obj.ref))

    task: dict[str, Any] = {
        "Family": f"{ctx.app}-{title}",
        "Cpu": str(pod.size.cpu),
        "Memory": str(pod.size.memory),
        "NetworkMode": "awsvpc",
        "RequiresCompatibilities": ["FARGATE"],
        **pod.task,  # RuntimePlatform, and EphemeralStorage or PidMode when the pod needs them
        "ExecutionRoleArn": GetAtt("ExecutionRole", "Arn"),
        "ContainerDefinitions": pod.containers,
    }
    _task_role(obj, ns, stack, task, frag, ctx)
    put(stack, "Resources", "TaskDefinition", Resource("AWS::ECS::TaskDefinition", task, obj.ref))
    entry.notes.append(pod.size.note)
    if not pod.size.fits:
        entry.status = "partial"

    spec = obj.spec
    maximum, minimum = strategy_percents(obj)
    if spec.strategy.type == "Recreate":
        entry.mapped("/spec/strategy/type", Target(
            stack, "/Resources/Service/Properties/DeploymentConfiguration/MinimumHealthyPercent"),
            "Recreate: MinimumHealthyPercent 0")
    elif maximum > 200:
        entry.lossy("/spec/strategy", "maxSurge above 100% is capped: MaximumPercent 200")
        maximum = 200
    entry.mapped("/spec/strategy", Target(stack, "/Resources/Service/Properties/DeploymentConfiguration"),
                 f"MaximumPercent {maximum}, MinimumHealthyPercent {minimum}")
    service = {
        "Cluster": import_from("ClusterStackName", "ClusterName"),
        "ServiceName": title,
        "TaskDefinition": Ref("TaskDefinition"),
        "LaunchType": "FARGATE",
        "PlatformVersion": "LATEST",
        "DesiredCount": spec.replicas,
        "DeploymentConfiguration": {
            "MaximumPercent": maximum,
            "MinimumHealthyPercent": minimum,
            "DeploymentCircuitBreaker": {"Enable": True, "Rollback": True},
        },
        "NetworkConfiguration": {"AwsvpcConfiguration": {
            "AssignPublicIp": "DISABLED",
            "Subnets": Ref("SubnetIds"),
            "SecurityGroups": Ref("SecurityGroupIds"),
        }},
        "PropagateTags": "SERVICE",
        "EnableECSManagedTags": True,
        "Tags": [{"Key": "kubernetes.io/name", "Value": f"{ns}/{obj.name}"}],
    }
    put(stack, "Resources", "Service", Resource("AWS::ECS::Service", service, obj.ref))
    entry.mapped("/spec/replicas", Target(stack, "/Resources/Service/Properties/DesiredCount"))
    entry.mapped("/metadata/name", Target(stack, "/Resources/Service/Properties/ServiceName"))
    entry.mapped("/metadata/namespace", Target(stack, "/Resources/Service/Properties/Tags/0/Value"),
                 f"stack {ctx.app}-{title}")
    entry.ignored("/spec/selector", "ECS services own their tasks; no selector is needed")
    entry.mapped("/spec/template/metadata/labels", None,
                 "matched against Service selectors: decides which Cloud Map name and target "
                 "groups the ECS service registers in")
    entry.ignored("/spec/template/metadata/annotations",
                  "pod annotations (scrape hints, sidecar injection) have no ECS meaning")
    entry.ignored("/metadata/labels", "labels are not carried to ECS tags")
    for name in ("revisionHistoryLimit", "progressDeadlineSeconds", "minReadySeconds"):
        if name in ctx.manifest(obj).doc.get("spec", {}):
            entry.lossy(f"/spec/{name}", "ECS's deployment circuit breaker decides when a "
                        "rollout has failed and rolls back", Target(stack, "/Resources/Service/"
                        "Properties/DeploymentConfiguration/DeploymentCircuitBreaker"))


def _task_role(obj: Deployment, ns: str, stack: str, task: dict[str, Any], frag: Fragment,
               ctx: Context) -> None:
    name = obj.spec.template.spec.service_account_name
    if not name:
        return
    account = ctx.find(ServiceAccount, ns, name)
    arn = account.metadata.annotations.get(IRSA_ANNOTATION) if account else None
    if arn is None:
        return
    frag.put(stack, "Parameters", "TaskRoleArn", Parameter(
        "String", f"IAM role of ServiceAccount {name} (IRSA); its trust policy must also "
        "allow ecs-tasks.amazonaws.com to assume it", default=arn))
    task["TaskRoleArn"] = Ref("TaskRoleArn")
