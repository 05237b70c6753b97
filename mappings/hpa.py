"""HorizontalPodAutoscaler -> Application Auto Scaling: a ScalableTarget on the ECS service's
DesiredCount and one target-tracking policy per CPU or memory utilization metric."""

from __future__ import annotations

from mappings.workloads import by_name
from translator.cfn import GetAtt, Sub
from translator.context import Context, import_from
from translator.models import HorizontalPodAutoscaler
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
    targets: list[tuple[str, int, str]] = []  # (metric, target, path)
    if spec.target_cpu_utilization_percentage is not None:
        targets.append(("cpu", spec.target_cpu_utilization_percentage,
                        "/spec/targetCPUUtilizationPercentage"))
    for i, metric_spec in enumerate(spec.metrics):
        path = f"/spec/metrics/{i}"
        resource = metric_spec.resource
        if metric_spec.type != "Resource" or resource is None or resource.name not in METRICS:
            entry.unsupported(path, f"{metric_spec.type} metrics have no target-tracking "
                              "equivalent; use a custom CloudWatch metric policy")
            continue
        if resource.target.type != "Utilization" or resource.target.average_utilization is None:
            entry.unsupported(path, f"{resource.target.type} targets have no ECS equivalent; "
                              "only averageUtilization maps")
            continue
        targets.append((resource.name, resource.target.average_utilization, path))
    if not targets and not spec.metrics:
        # no metric at all: the controller's default, recorded on what it scales
        targets.append(("cpu", DEFAULT_CPU_TARGET, "/spec/scaleTargetRef"))
    for metric, value, path in targets:
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
        entry.mapped(path, Target(stack, f"/Resources/{logical}/Properties/"
                                  "TargetTrackingScalingPolicyConfiguration/TargetValue"),
                     f"{metric} {value}%: ECS averages over the task size, the HPA over "
                     "container requests")


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
