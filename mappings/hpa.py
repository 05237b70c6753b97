"""HorizontalPodAutoscaler -> Application Auto Scaling: a ScalableTarget on the ECS service's
DesiredCount and one target-tracking policy per CPU or memory metric, its target converted
from the containers' requests (what the HPA measures against) to the task size (what
ECSServiceAverageCPUUtilization and ...MemoryUtilization measure against: the task's Cpu and
Memory, the Service Connect proxy's share and a size override included,
https://docs.aws.amazon.com/AmazonECS/latest/developerguide/viewing_cloudwatch_metrics.html)."""

from __future__ import annotations

import math

from mappings import discovery, overrides
from mappings.pod.resources import requested, task_size
from mappings.workloads import by_name
from translator import quantity
from translator.cfn import GetAtt, Sub
from translator.context import Context, import_from
from translator.models import HorizontalPodAutoscaler, MetricSpec, PodSpec
from translator.plan import Fragment, Resource, Target

KIND = "HorizontalPodAutoscaler"
API_VERSIONS = ("autoscaling/v2", "autoscaling/v1", "autoscaling/v2beta2")
MODEL = HorizontalPodAutoscaler
FIELDS = (
    "/spec/scaleTargetRef", "/spec/minReplicas", "/spec/maxReplicas",
    "/spec/targetCPUUtilizationPercentage", "/spec/metrics/*",
    "/spec/behavior/*/stabilizationWindowSeconds",
)

METRICS = {"cpu": "ECSServiceAverageCPUUtilization", "memory": "ECSServiceAverageMemoryUtilization"}
DEFAULT_CPU_TARGET = 80  # what the HPA controller uses when no metric is given
SCALE_UP_WINDOW, SCALE_DOWN_WINDOW = 0, 300  # HPA behavior defaults


def map(obj: HorizontalPodAutoscaler, frag: Fragment, ctx: Context) -> None:
    entry = frag.entry
    spec = obj.spec
    ns = ctx.namespace_of(obj)
    ref = spec.scale_target_ref
    workload = by_name(ref.kind, ns, ref.name, ctx)
    if workload is None:
        entry.status = "unsupported"
        entry.reason = f"scales {ref.kind}/{ref.name}, which is not a Deployment in the input"
        entry.unsupported("/spec/scaleTargetRef", entry.reason)
        return
    stack = workload.stack
    entry.mapped("/spec/scaleTargetRef", Target(stack, "/Resources/ScalableTarget/Properties/ResourceId"))
    minimum = max(spec.min_replicas, 0)
    frag.put(stack, "Resources", "ScalableTarget", Resource(
        "AWS::ApplicationAutoScaling::ScalableTarget", {
            "ServiceNamespace": "ecs",
            "ScalableDimension": "ecs:service:DesiredCount",
            "ResourceId": Sub("service/${Cluster}/${ServiceName}", (
                ("Cluster", import_from("ClusterStackName", "ClusterName")),
                ("ServiceName", GetAtt("Service", "Name")),
            )),
            "MinCapacity": minimum,
            "MaxCapacity": spec.max_replicas,
        }, obj.ref))
    props = "/Resources/ScalableTarget/Properties"
    entry.mapped("/spec/minReplicas", Target(stack, f"{props}/MinCapacity"))
    entry.mapped("/spec/maxReplicas", Target(stack, f"{props}/MaxCapacity"))

    scale_out, scale_in = _cooldowns(obj, frag)
    pod = workload.obj.spec.template.spec
    # the size the task definition gets (mappings.workload_stack), not the pod's alone
    pod_size = task_size(pod, proxy=discovery.client(workload.obj, ctx))
    cpu, memory = overrides.chosen_size(workload.obj, ctx, pod_size.cpu, pod_size.memory)
    size = {"cpu": cpu, "memory": memory}
    targets: list[Converted] = []
    if spec.target_cpu_utilization_percentage is not None:
        targets.append(_utilization("cpu", spec.target_cpu_utilization_percentage,
                                    "/spec/targetCPUUtilizationPercentage", pod, size))
    for i, metric_spec in enumerate(spec.metrics):
        path = f"/spec/metrics/{i}"
        resource = metric_spec.resource
        if metric_spec.type != "Resource" or resource is None or resource.name not in METRICS:
            entry.unsupported(path, _custom_metric(metric_spec))
            continue
        target = resource.target
        if target.type == "Utilization" and target.average_utilization is not None:
            targets.append(_utilization(resource.name, target.average_utilization, path, pod,
                                        size))
        elif target.type == "AverageValue" and target.average_value is not None:
            targets.append(_average_value(resource.name, target.average_value, path, size))
        else:
            entry.unsupported(path, f"{target.type} targets of {resource.name} have no ECS "
                              "equivalent: averageUtilization and averageValue map")
    if not targets and not spec.metrics:
        # no metric at all: the controller's default, recorded on what it scales
        targets.append(_utilization("cpu", DEFAULT_CPU_TARGET, "/spec/scaleTargetRef", pod,
                                    size))
    # the HPA follows whichever metric asks for most replicas: of two targets on one metric
    # that is the lower one
    kept = {metric: min(t for t in targets if t[0] == metric)[1:3]
            for metric in {t[0] for t in targets}}
    for metric, value, path, note, same in sorted(targets):
        if kept[metric] != (value, path):
            entry.lossy(path, f"{note}; the lower {metric} target {kept[metric][0]}% of "
                        f"{kept[metric][1]} is the policy (the HPA follows the metric "
                        "asking for most replicas)")
            continue
        logical = f"ScalingPolicy{metric.capitalize()}"
        frag.put(stack, "Resources", logical, Resource(
            "AWS::ApplicationAutoScaling::ScalingPolicy", {
                "PolicyName": Sub(f"${{AWS::StackName}}-{metric}"),
                "PolicyType": "TargetTrackingScaling",
                "ScalingTargetId": GetAtt("ScalableTarget", "Id"),
                "TargetTrackingScalingPolicyConfiguration": {
                    "PredefinedMetricSpecification": {"PredefinedMetricType": METRICS[metric]},
                    "TargetValue": value,
                    "ScaleOutCooldown": scale_out,
                    "ScaleInCooldown": scale_in,
                },
            }, obj.ref))
        to = Target(stack, f"/Resources/{logical}/Properties/"
                    "TargetTrackingScalingPolicyConfiguration/TargetValue")
        if same:  # the controller's default, or the same share of the task as of the requests
            entry.mapped(path, to, note)
        else:
            entry.lossy(path, note, to)


# (metric, TargetValue, field, note, whether the target is what the manifest said)
Converted = tuple[str, int, str, str, bool]


def _percent(value: float) -> int:
    """A target-tracking utilization: rounded half up, within 1..100."""
    return min(max(math.floor(value + 0.5), 1), 100)


def _units(metric: str) -> str:
    return "CPU units" if metric == "cpu" else "MiB"


def _utilization(metric: str, utilization: int, path: str, pod: PodSpec,
                 size: dict[str, int]) -> Converted:
    """The HPA measures usage against the containers' requests; ECS's
    ECSServiceAverage*Utilization against the task's Cpu or Memory. The same usage is
    utilization x requests, so the ECS target is that share of the task size."""
    task = size[metric]
    requests = requested(pod, metric)
    units = _units(metric)
    if requests is None:
        return (metric, utilization, path,
                f"{metric} {utilization}% kept as is: a container has no {metric} request, "
                "so the HPA controller could not compute a utilization; ECS measures "
                f"against the task's {task} {units}", False)
    value = _percent(utilization * requests / task)
    note = (f"{metric} {utilization}% of {requests} {units} requested = "
            f"{utilization * requests / 100:g} {units} per task = {value}% of the task's "
            f"{task} {units} (ECS measures against the task size, the HPA against requests)")
    if not 1 <= utilization * requests / task <= 100:
        note += " (bounded to ECS's 1-100)"
    return metric, value, path, note, value == utilization


def _average_value(metric: str, average: str | int | float, path: str,
                   size: dict[str, int]) -> Converted:
    """An average usage per pod is that share of the task size."""
    task = size[metric]
    usage = quantity.cpu_units(average) if metric == "cpu" else quantity.memory_mib(average)
    value = _percent(100 * usage / task)
    units = _units(metric)
    return (metric, value, path, f"{metric} averageValue {average} = {usage} {units} per "
            f"task = {value}% of the task's {task} {units}", False)


def _custom_metric(metric: MetricSpec) -> str:
    """What to publish to CloudWatch for a metric target tracking cannot read by itself."""
    source = metric.pods or metric.object or metric.external or metric.container_resource or {}
    named = source.get("metric", {}) if isinstance(source.get("metric"), dict) else {}
    name = named.get("name") or source.get("name") or "the metric"
    target = source.get("target", {}) if isinstance(source.get("target"), dict) else {}
    value = target.get("averageValue", target.get("value", target.get("averageUtilization")))
    goal = f" with TargetValue {value}" if value is not None else ""
    if metric.type == "Pods":
        how = (f"publish {name} from each task as a CloudWatch metric with a ServiceName "
               "dimension and add a target-tracking policy on it (CustomizedMetricSpecification, "
               f"statistic Average){goal}")
    elif metric.type == "External":
        how = (f"publish {name} as a CloudWatch metric (a queue's depth is already there, "
               "e.g. SQS ApproximateNumberOfMessagesVisible) and add a target-tracking policy on "
               f"it per task (CustomizedMetricSpecification, divide by RunningTaskCount){goal}")
    elif metric.type == "Object":
        how = (f"publish {name} of the object as a CloudWatch metric (requests through a load "
               "balancer are already there: ALBRequestCountPerTarget, a predefined metric) and "
               f"add a target-tracking policy on it{goal}")
    else:
        how = (f"publish the per-container {name} usage (Container Insights has it per "
               f"container) and add a target-tracking policy on it{goal}")
    return f"{metric.type} metrics have no predefined ECS metric: {how}"


def _cooldowns(obj: HorizontalPodAutoscaler, frag: Fragment) -> tuple[int, int]:
    behavior = obj.spec.behavior
    up = behavior.scale_up if behavior else None
    down = behavior.scale_down if behavior else None
    scale_out = SCALE_UP_WINDOW
    if up and up.stabilization_window_seconds is not None:
        scale_out = up.stabilization_window_seconds
    scale_in = SCALE_DOWN_WINDOW
    if down and down.stabilization_window_seconds is not None:
        scale_in = down.stabilization_window_seconds
    for name, rules in (("scaleUp", up), ("scaleDown", down)):
        if rules is None:
            continue
        if rules.stabilization_window_seconds is not None:
            frag.entry.lossy(f"/spec/behavior/{name}/stabilizationWindowSeconds",
                             "becomes a cooldown: ECS waits after scaling instead of "
                             "smoothing the recommendation")
        if rules.policies:
            frag.entry.unsupported(f"/spec/behavior/{name}/policies",
                                   "rate limits have no target-tracking equivalent; use "
                                   "step scaling if they matter")
        if rules.select_policy is not None:
            frag.entry.unsupported(f"/spec/behavior/{name}/selectPolicy",
                                   "no target-tracking equivalent")
    return scale_out, scale_in
