"""Deployment -> one workload stack (see workload_stack): the task definition and an ECS
service whose deployment settings give the rollout the pod counts Kubernetes allowed."""

from __future__ import annotations

import math

from mappings import overrides
from mappings.pod import probes
from mappings.pod import spec as pod
from mappings.workload_stack import ecs_service, task_stack
from mappings.workloads import autoscaler, smallest_count
from translator.context import Context, workload_stack
from translator.models import Deployment, StatefulSet
from translator.plan import Entry, Fragment, Target

KIND = "Deployment"
API_VERSIONS = ("apps/v1",)
MODEL = Deployment
FIELDS = (
    probes.ANNOTATION_FIELD, *overrides.FIELDS,
    "/metadata/name", "/metadata/namespace", "/metadata/labels", "/spec/replicas",
    "/spec/selector", "/spec/strategy", "/spec/strategy/type", "/spec/revisionHistoryLimit",
    "/spec/progressDeadlineSeconds", "/spec/minReadySeconds", "/spec/template/metadata/labels",
    "/spec/template/metadata/annotations", *pod.fields("/spec/template/spec"),
)


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


def rollout_maximum(maximum: int, minimum: int, count: int) -> int:
    """The MaximumPercent that lets a rollout progress at `count` tasks: ECS may run
    floor(count x maximum / 100) tasks and must keep ceil(count x minimum / 100) healthy, so
    when it can neither start a new task nor stop an old one, room for one more task.
    https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service_definition_parameters.html"""
    if count < 1 or count * maximum // 100 > count or math.ceil(count * minimum / 100) < count:
        return maximum
    return min(math.ceil(100 * (count + 1) / count), 200)


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
    ts = task_stack(obj, obj.spec.template.spec, "/spec/template", frag, ctx)
    spec = obj.spec
    maximum, minimum = strategy_percents(obj)
    if spec.strategy.type == "Recreate":
        entry.mapped("/spec/strategy/type", Target(
            ts.stack, "/Resources/Service/Properties/DeploymentConfiguration/MinimumHealthyPercent"),
            "Recreate: MinimumHealthyPercent 0")
    elif maximum > 200:
        entry.lossy("/spec/strategy", "maxSurge above 100% is capped: MaximumPercent 200")
        maximum = 200
    count = smallest_count(obj, ctx)
    progressing = rollout_maximum(maximum, minimum, count)
    if progressing != maximum:
        entry.notes.append(
            f"MaximumPercent {progressing}, not the {maximum} the update strategy gives: at "
            f"{count} task{'s' if count != 1 else ''} ECS rounds the maximum down and the "
            "minimum up, and a rollout could neither start a new task nor stop an old one")
        maximum = progressing
    entry.mapped("/spec/strategy", Target(ts.stack, "/Resources/Service/Properties/DeploymentConfiguration"),
                 f"MaximumPercent {maximum}, MinimumHealthyPercent {minimum}")
    scaled = autoscaler(obj, ctx) is not None
    ecs_service(ts, None if scaled else spec.replicas, {
        "MaximumPercent": maximum,
        "MinimumHealthyPercent": minimum,
        "DeploymentCircuitBreaker": {"Enable": True, "Rollback": True},
    }, frag, ctx)
    replicas(ts.stack, spec.replicas, count if scaled else None, entry)
    entry.ignored("/spec/selector", "ECS services own their tasks; no selector is needed")
    rollout_limits(obj, entry, ctx)


def replicas(stack: str, replicas: int, minimum: int | None, entry: Entry) -> None:
    """`replicas` is the DesiredCount, unless Application Auto Scaling owns the count."""
    if minimum is None:
        entry.mapped("/spec/replicas", Target(stack, "/Resources/Service/Properties/DesiredCount"))
        return
    # CloudFormation sends a DesiredCount on every update of the service, which would undo
    # what autoscaling did; without one a new service starts 1 task and registering the
    # scalable target moves the count into MinCapacity..MaxCapacity.
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ecs-service.html
    # https://docs.aws.amazon.com/autoscaling/application/APIReference/API_RegisterScalableTarget.html
    entry.mapped("/spec/replicas", Target(
        stack, "/Resources/ScalableTarget/Properties/MinCapacity"),
        f"no DesiredCount: the HPA's scalable target owns the count (a DesiredCount would "
        f"reset it to {replicas} on every stack update); on the first create ECS starts 1 "
        f"task and the scalable target brings it to its MinCapacity {minimum}")


def rollout_limits(obj: Deployment | StatefulSet, entry: Entry, ctx: Context) -> None:
    for name in ("revisionHistoryLimit", "progressDeadlineSeconds", "minReadySeconds"):
        if name in ctx.manifest(obj).doc.get("spec", {}):
            entry.lossy(f"/spec/{name}", "ECS's deployment circuit breaker decides when a "
                        "rollout has failed and rolls back", Target(
                            workload_stack(ctx.namespace_of(obj), obj.name),
                            "/Resources/Service/Properties/DeploymentConfiguration/"
                            "DeploymentCircuitBreaker"))
