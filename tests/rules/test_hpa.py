"""HorizontalPodAutoscaler -> Application Auto Scaling target and target-tracking policies."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.helpers import deployment, docs, fate, props, source, stack_for, translate_yaml
from translator import quantity
from translator.api import Result
from translator.cfn import GetAtt, ImportValue, Sub

TARGET_VALUE = "/Properties/TargetTrackingScalingPolicyConfiguration/TargetValue"


def hpa(spec: str, api_version: str = "autoscaling/v2", target: str = "web") -> str:
    return f"""\
apiVersion: {api_version}
kind: HorizontalPodAutoscaler
metadata: {{name: web-hpa, namespace: shop}}
spec:
  scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: {target}}}
""" + spec


def translate_hpa(spec: str, api_version: str = "autoscaling/v2") -> Result:
    return translate_yaml(docs(deployment(), hpa(spec, api_version)))


def policy(result: Result, metric: str) -> dict:
    config: dict = props(result, "web", f"ScalingPolicy{metric}")[
        "TargetTrackingScalingPolicyConfiguration"]
    return config


@pytest.fixture(scope="module")
def v2() -> Result:
    return translate_hpa("""\
  minReplicas: 2
  maxReplicas: 10
  metrics:
    - type: Resource
      resource: {name: cpu, target: {type: Utilization, averageUtilization: 60}}
    - type: Resource
      resource: {name: memory, target: {type: Utilization, averageUtilization: 75}}
    - type: Pods
      pods:
        metric: {name: requests_per_second}
        target: {type: AverageValue, averageValue: "100"}
    - type: External
      external:
        metric: {name: queue_depth}
        target: {type: Value, value: "30"}
    - type: Resource
      resource: {name: memory, target: {type: AverageValue, averageValue: 500Mi}}
  behavior:
    scaleUp:
      stabilizationWindowSeconds: 30
      selectPolicy: Max
      policies: [{type: Pods, value: 4, periodSeconds: 60}]
    scaleDown:
      stabilizationWindowSeconds: 600
""")


def test_scalable_target_on_the_workload_service(v2: Result) -> None:
    target = stack_for(v2, "web").resources["ScalableTarget"]
    assert target.type == "AWS::ApplicationAutoScaling::ScalableTarget"
    assert target.properties == {
        "ServiceNamespace": "ecs",
        "ScalableDimension": "ecs:service:DesiredCount",
        "ResourceId": Sub("service/${Cluster}/${ServiceName}", (
            ("Cluster", ImportValue(Sub("${ClusterStackName}-ClusterName"))),
            ("ServiceName", GetAtt("Service", "Name")),
        )),
        "MinCapacity": 2,
        "MaxCapacity": 10,
    }
    assert fate(v2, "HorizontalPodAutoscaler", "web-hpa", "/spec/maxReplicas")["to"] == \
        "workload-web.yaml#/Resources/ScalableTarget/Properties/MaxCapacity"


def test_cpu_and_memory_utilization_become_two_target_tracking_policies(v2: Result) -> None:
    policies = sorted(k for k in stack_for(v2, "web").resources if k.startswith("ScalingPolicy"))
    assert policies == ["ScalingPolicyCpu", "ScalingPolicyMemory"]
    cpu = props(v2, "web", "ScalingPolicyCpu")
    assert cpu["PolicyType"] == "TargetTrackingScaling"
    assert cpu["ScalingTargetId"] == GetAtt("ScalableTarget", "Id")
    assert cpu["PolicyName"] == Sub("${AWS::StackName}-cpu")
    assert policy(v2, "Cpu")["PredefinedMetricSpecification"] == {
        "PredefinedMetricType": "ECSServiceAverageCPUUtilization"}
    assert policy(v2, "Cpu")["TargetValue"] == 60
    assert policy(v2, "Memory")["PredefinedMetricSpecification"] == {
        "PredefinedMetricType": "ECSServiceAverageMemoryUtilization"}
    assert policy(v2, "Memory")["TargetValue"] == 75
    assert fate(v2, "HorizontalPodAutoscaler", "web-hpa", "/spec/metrics/0")["to"] == \
        "workload-web.yaml#/Resources/ScalingPolicyCpu" + TARGET_VALUE
    assert fate(v2, "HorizontalPodAutoscaler", "web-hpa", "/spec/metrics/1")["to"] == \
        "workload-web.yaml#/Resources/ScalingPolicyMemory" + TARGET_VALUE


def test_behavior_windows_become_cooldowns_on_every_policy(v2: Result) -> None:
    for metric in ("Cpu", "Memory"):
        assert (policy(v2, metric)["ScaleOutCooldown"], policy(v2, metric)["ScaleInCooldown"]) \
            == (30, 600)
    for name in ("scaleUp", "scaleDown"):
        window = fate(v2, "HorizontalPodAutoscaler", "web-hpa",
                      f"/spec/behavior/{name}/stabilizationWindowSeconds")
        assert window["status"] == "lossy"


@pytest.mark.parametrize(
    ("path", "status", "note"),
    [
        ("/spec/metrics/2", "unsupported",
         "Pods metrics have no predefined ECS metric: publish requests_per_second from each "
         "task as a CloudWatch metric with a ServiceName dimension and add a target-tracking "
         "policy on it (CustomizedMetricSpecification, statistic Average) with TargetValue 100"),
        ("/spec/metrics/3", "unsupported",
         "External metrics have no predefined ECS metric: publish queue_depth as a CloudWatch "
         "metric (a queue's depth is already there, e.g. SQS ApproximateNumberOfMessagesVisible) "
         "and add a target-tracking policy on it per task (CustomizedMetricSpecification, "
         "divide by RunningTaskCount) with TargetValue 30"),
        ("/spec/metrics/4", "lossy",
         "memory averageValue 500Mi = 500 MiB per task = 98% of the task's 512 MiB; the lower "
         "memory target 75% of /spec/metrics/1 is the policy (the HPA follows the metric "
         "asking for most replicas)"),
        ("/spec/behavior/scaleUp/policies", "unsupported",
         "rate limits have no target-tracking equivalent; use step scaling if they matter"),
        ("/spec/behavior/scaleUp/selectPolicy", "unsupported", "no target-tracking equivalent"),
    ],
)
def test_unsupported_metrics_and_behavior_are_reported(v2: Result, path: str, status: str,
                                                       note: str) -> None:
    reported = fate(v2, "HorizontalPodAutoscaler", "web-hpa", path)
    assert (reported["status"], reported["note"]) == (status, note)


def test_without_requests_the_target_is_kept_and_says_why(v2: Result) -> None:
    reported = fate(v2, "HorizontalPodAutoscaler", "web-hpa", "/spec/metrics/0")
    assert reported["status"] == "lossy"
    assert reported["note"] == (
        "cpu 60% kept as is: a container has no cpu request, so the HPA controller could "
        "not compute a utilization; ECS measures against the task's 256 CPU units")


# requests 100m / 128Mi, limits 500m / 1Gi: a 512-unit, 1024 MiB task
REQUESTS_BELOW_LIMITS = deployment(container="""\
resources:
  requests: {cpu: 100m, memory: 128Mi}
  limits: {cpu: 500m, memory: 1Gi}
""")


def converted(metrics: str, manifest: str = REQUESTS_BELOW_LIMITS, **options: str) -> Result:
    return translate_yaml(docs(manifest, hpa("  maxReplicas: 4\n  metrics:\n" + metrics)),
                          **options)


UTILIZATION = """\
    - type: Resource
      resource: {name: cpu, target: {type: Utilization, averageUtilization: 60}}
    - type: Resource
      resource: {name: memory, target: {type: Utilization, averageUtilization: 75}}
"""


def test_utilization_converts_from_requests_to_the_task_size() -> None:
    result = converted(UTILIZATION, discovery="cloudmap")
    # 60% of 100m (103 units) = 61.8 units = 12% of 512; 75% of 128 MiB = 96 MiB = 9% of 1024
    assert (policy(result, "Cpu")["TargetValue"], policy(result, "Memory")["TargetValue"]) == \
        (12, 9)
    cpu = fate(result, "HorizontalPodAutoscaler", "web-hpa", "/spec/metrics/0")
    assert (cpu["status"], cpu["note"]) == ("lossy", (
        "cpu 60% of 103 CPU units requested = 61.8 CPU units per task = 12% of the task's "
        "512 CPU units (ECS measures against the task size, the HPA against requests)"))
    assert cpu["to"] == "workload-web.yaml#/Resources/ScalingPolicyCpu" + TARGET_VALUE


def test_the_service_connect_proxy_is_part_of_the_task_ecs_measures() -> None:
    # the proxy's 256 units and 64 MiB make the task 1024 / 2048 (was 512 / 1024): 61.8 units
    # = 6% of 1024, 96 MiB = 5% of 2048; converted against 512 / 1024 the service would
    # scale out at twice the usage the HPA did
    result = converted(UTILIZATION)
    assert props(result, "web", "TaskDefinition")["Cpu"] == "1024"
    assert (policy(result, "Cpu")["TargetValue"], policy(result, "Memory")["TargetValue"]) == \
        (6, 5)
    assert fate(result, "HorizontalPodAutoscaler", "web-hpa", "/spec/metrics/0")["note"] \
        .startswith("cpu 60% of 103 CPU units requested = 61.8 CPU units per task = 6% of the "
                    "task's 1024 CPU units")


def test_a_task_size_override_is_the_size_the_targets_are_converted_against() -> None:
    manifest = REQUESTS_BELOW_LIMITS.replace(
        "  namespace: shop\n", "  namespace: shop\n  annotations: {eks2ecs.io/cpu: \"2\"}\n", 1)
    result = converted(UTILIZATION, manifest, discovery="cloudmap")
    assert props(result, "web", "TaskDefinition")["Cpu"] == "2048"
    # 61.8 units of 2048 = 3%; memory: 2 vCPU's smallest size is 4096 MiB, 96 MiB = 2%
    assert (policy(result, "Cpu")["TargetValue"], policy(result, "Memory")["TargetValue"]) == \
        (3, 2)


@settings(max_examples=15)
@given(st.integers(10, 3000), st.sampled_from(["serviceconnect", "cloudmap"]))
def test_a_cpu_target_is_its_share_of_the_task_definitions_cpu(millicores: int,
                                                               discovery: str) -> None:
    manifest = deployment(container=f"resources: {{requests: {{cpu: {millicores}m}}}}")
    result = converted(UTILIZATION, manifest, discovery=discovery)
    task = int(props(result, "web", "TaskDefinition")["Cpu"])
    share = 60 * quantity.cpu_units(f"{millicores}m") / task
    assert policy(result, "Cpu")["TargetValue"] == min(max(int(share + 0.5), 1), 100)


def test_average_value_converts_to_a_share_of_the_task_size() -> None:
    average = """\
    - type: Resource
      resource: {name: cpu, target: {type: AverageValue, averageValue: 200m}}
    - type: Resource
      resource: {name: memory, target: {type: AverageValue, averageValue: 300Mi}}
"""
    result = converted(average, discovery="cloudmap")
    # 200m = 205 units of 512 = 40%; 300 MiB of 1024 = 29%
    assert (policy(result, "Cpu")["TargetValue"], policy(result, "Memory")["TargetValue"]) == \
        (40, 29)
    assert fate(result, "HorizontalPodAutoscaler", "web-hpa", "/spec/metrics/0")["note"] == \
        "cpu averageValue 200m = 205 CPU units per task = 40% of the task's 512 CPU units"
    # with the proxy: of 1024 units = 20%, of 2048 MiB = 15%
    proxied = converted(average)
    assert (policy(proxied, "Cpu")["TargetValue"], policy(proxied, "Memory")["TargetValue"]) == \
        (20, 15)


def test_a_tiny_share_is_bounded_to_one_percent() -> None:
    manifest = deployment(container="resources: {requests: {cpu: 10m}, limits: {cpu: 4}}")
    result = converted("""\
    - type: Resource
      resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}
""", manifest)
    # 50% of 11 units in a 4096-unit task is 0.13%: the least ECS takes is 1
    assert policy(result, "Cpu")["TargetValue"] == 1
    assert fate(result, "HorizontalPodAutoscaler", "web-hpa", "/spec/metrics/0")["note"] \
        .endswith("(bounded to ECS's 1-100)")


def test_unsupported_parts_make_the_hpa_partial(v2: Result) -> None:
    entry = source(v2, "HorizontalPodAutoscaler", "web-hpa")
    assert entry["status"] == "partial"
    assert sorted((r["template"], r["logicalId"]) for r in entry["resources"]) == [
        ("workload-web.yaml", "ScalableTarget"), ("workload-web.yaml", "ScalingPolicyCpu"),
        ("workload-web.yaml", "ScalingPolicyMemory")]


def test_v1_target_cpu_utilization_percentage() -> None:
    result = translate_hpa("""\
  minReplicas: 1
  maxReplicas: 5
  targetCPUUtilizationPercentage: 65
""", api_version="autoscaling/v1")
    assert sorted(k for k in stack_for(result, "web").resources if k.startswith("Scal")) == [
        "ScalableTarget", "ScalingPolicyCpu"]
    assert policy(result, "Cpu")["TargetValue"] == 65
    assert props(result, "web", "ScalableTarget")["MaxCapacity"] == 5
    assert fate(result, "HorizontalPodAutoscaler", "web-hpa",
                "/spec/targetCPUUtilizationPercentage")["to"] == \
        "workload-web.yaml#/Resources/ScalingPolicyCpu" + TARGET_VALUE


def test_no_metrics_means_the_controller_default_of_80_percent_cpu() -> None:
    result = translate_hpa("  maxReplicas: 3\n")
    assert policy(result, "Cpu")["TargetValue"] == 80
    assert "ScalingPolicyMemory" not in stack_for(result, "web").resources
    target = props(result, "web", "ScalableTarget")
    assert (target["MinCapacity"], target["MaxCapacity"]) == (1, 3)


def test_without_behavior_the_hpa_default_windows_apply() -> None:
    result = translate_hpa("  maxReplicas: 3\n")
    assert (policy(result, "Cpu")["ScaleOutCooldown"], policy(result, "Cpu")["ScaleInCooldown"]) \
        == (0, 300)


def test_only_unsupported_metrics_make_no_policy() -> None:
    result = translate_hpa("""\
  maxReplicas: 4
  metrics:
    - type: Object
      object:
        metric: {name: hits}
        describedObject: {apiVersion: v1, kind: Service, name: web}
        target: {type: Value, value: "10"}
""")
    resources = stack_for(result, "web").resources
    assert "ScalableTarget" in resources
    assert not any(k.startswith("ScalingPolicy") for k in resources)
    assert fate(result, "HorizontalPodAutoscaler", "web-hpa", "/spec/metrics/0")["status"] == \
        "unsupported"


def test_target_that_is_not_a_deployment_in_the_input_is_unsupported() -> None:
    result = translate_yaml(docs(deployment(), hpa("  maxReplicas: 3\n", target="other")))
    entry = source(result, "HorizontalPodAutoscaler", "web-hpa")
    assert entry["status"] == "unsupported"
    assert entry["reason"] == "scales Deployment/other, which is not a Deployment in the input"
    assert entry["resources"] == []
    assert "ScalableTarget" not in stack_for(result, "web").resources
