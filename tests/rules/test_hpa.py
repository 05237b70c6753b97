"""HorizontalPodAutoscaler -> Application Auto Scaling target and target-tracking policies."""

from __future__ import annotations

import pytest

from tests.helpers import deployment, docs, fate, props, source, stack_for, translate_yaml
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
        "02-web.yaml#/Resources/ScalableTarget/Properties/MaxCapacity"


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
        "02-web.yaml#/Resources/ScalingPolicyCpu" + TARGET_VALUE
    assert fate(v2, "HorizontalPodAutoscaler", "web-hpa", "/spec/metrics/1")["to"] == \
        "02-web.yaml#/Resources/ScalingPolicyMemory" + TARGET_VALUE


def test_behavior_windows_become_cooldowns_on_every_policy(v2: Result) -> None:
    for metric in ("Cpu", "Memory"):
        assert (policy(v2, metric)["ScaleOutCooldown"], policy(v2, metric)["ScaleInCooldown"]) \
            == (30, 600)
    for name in ("scaleUp", "scaleDown"):
        window = fate(v2, "HorizontalPodAutoscaler", "web-hpa",
                      f"/spec/behavior/{name}/stabilizationWindowSeconds")
        assert window["status"] == "lossy"


@pytest.mark.parametrize(
    ("path", "note"),
    [
        ("/spec/metrics/2", "Pods metrics have no target-tracking equivalent; use a custom "
                            "CloudWatch metric policy"),
        ("/spec/metrics/3", "External metrics have no target-tracking equivalent; use a custom "
                            "CloudWatch metric policy"),
        ("/spec/metrics/4", "AverageValue targets have no ECS equivalent; only "
                            "averageUtilization maps"),
        ("/spec/behavior/scaleUp/policies", "rate limits have no target-tracking equivalent; "
                                            "use step scaling if they matter"),
        ("/spec/behavior/scaleUp/selectPolicy", "no target-tracking equivalent"),
    ],
)
def test_unsupported_metrics_and_behavior_are_reported(v2: Result, path: str, note: str) -> None:
    reported = fate(v2, "HorizontalPodAutoscaler", "web-hpa", path)
    assert (reported["status"], reported["note"]) == ("unsupported", note)


def test_unsupported_parts_make_the_hpa_partial(v2: Result) -> None:
    entry = source(v2, "HorizontalPodAutoscaler", "web-hpa")
    assert entry["status"] == "partial"
    assert sorted((r["template"], r["logicalId"]) for r in entry["resources"]) == [
        ("02-web.yaml", "ScalableTarget"), ("02-web.yaml", "ScalingPolicyCpu"),
        ("02-web.yaml", "ScalingPolicyMemory")]


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
        "02-web.yaml#/Resources/ScalingPolicyCpu" + TARGET_VALUE


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
