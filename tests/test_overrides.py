"""Per-workload overrides (workloads: in eks2ecs.yaml, eks2ecs.io/... annotations): applied to
the task size, DesiredCount, tags and health checks, reported as applied, refused at their
line when they cannot be."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.helpers import deployment, docs, fate, props, source, translate_yaml
from tests.paths import EXAMPLE
from translator import cli
from translator.config import Override
from translator.errors import InputError

PROBED = "livenessProbe: {httpGet: {path: /healthz, port: 80}}\nports: [{containerPort: 80}]"


def annotated(annotations: str, **more: str) -> str:
    return deployment(**more).replace("  namespace: shop\n",
                                      f"  namespace: shop\n  annotations: {annotations}\n", 1)


def test_the_file_sets_the_task_size_and_the_report_says_so() -> None:
    result = translate_yaml(deployment(), workloads=(
        Override("web", {"cpu": 1, "memory": "3Gi"}, "eks2ecs.yaml", 3),))
    task = props(result, "web", "TaskDefinition")
    assert (task["Cpu"], task["Memory"]) == ("1024", "3072")
    assert "task size 1 vCPU / 3072 MiB (the pod asks 0.25 vCPU / 512 MiB) (workloads: web: " \
        "cpu in eks2ecs.yaml)" in source(result, "Deployment", "web")["notes"]


def test_cpu_alone_takes_the_smallest_memory_fargate_pairs_with_it() -> None:
    result = translate_yaml(deployment(), workloads=(Override("shop/web", {"cpu": "2"}),))
    task = props(result, "web", "TaskDefinition")
    assert (task["Cpu"], task["Memory"]) == ("2048", "4096")


def test_an_annotation_wins_over_the_file_and_is_mapped_to_what_it_set() -> None:
    result = translate_yaml(annotated('{"eks2ecs.io/cpu": "500m", "eks2ecs.io/memory": "1Gi"}'),
                            workloads=(Override("web", {"cpu": 4}),))
    task = props(result, "web", "TaskDefinition")
    assert (task["Cpu"], task["Memory"]) == ("512", "1024")
    cpu = fate(result, "Deployment", "web", "/metadata/annotations/eks2ecs.io~1cpu")
    assert (cpu["status"], cpu["to"]) == (
        "mapped", "workload-web.yaml#/Resources/TaskDefinition/Properties/Cpu")


@pytest.mark.parametrize(("values", "said"), [
    ({"cpu": 1, "memory": "16Gi"}, "no Fargate task size has 1 vCPU / 16384 MiB (with 1 vCPU: "
                                   "2048-8192 MiB)"),
    ({"cpu": "3"}, "no Fargate task size has 3 vCPU"),
    ({"memory": "lots"}, "'lots' is not a memory quantity"),
    ({"desired-count": -1}, "-1 is not a count"),
    ({"tags": {"aws:x": "y"}}, "expected tags as key: value"),
])
def test_a_value_that_cannot_be_is_bad_input_at_the_file_line(values: dict, said: str) -> None:
    with pytest.raises(InputError) as info:
        translate_yaml(deployment(), workloads=(Override("web", values, "eks2ecs.yaml", 7),))
    assert str(info.value).startswith("eks2ecs.yaml:7: Deployment/web: workloads: web: ")
    assert said in str(info.value)


def test_a_size_below_what_the_containers_reserve_is_refused_at_the_annotation() -> None:
    pod = annotated('{"eks2ecs.io/cpu": "0.25", "eks2ecs.io/memory": "512Mi"}',
                    container="resources: {requests: {cpu: 500m, memory: 1Gi}}")
    with pytest.raises(InputError) as info:
        translate_yaml(pod)
    assert str(info.value).startswith("-:6: Deployment/web: eks2ecs.io/cpu: 0.25 vCPU / 512 MiB "
                                      "is smaller than the containers' Cpu (768 with the "
                                      "Service Connect proxy)")


def test_a_size_that_leaves_no_room_for_the_service_connect_proxy_is_refused() -> None:
    """ECS wants the task above the containers' memory limits for the proxy; 1 vCPU / 2 GB
    holds a 1 vCPU / 2 GiB container only without it."""
    pod = annotated('{"eks2ecs.io/cpu": "1", "eks2ecs.io/memory": "2Gi"}',
                    container='resources: {limits: {cpu: "1", memory: 2Gi}}')
    with pytest.raises(InputError, match=r"containers' Cpu \(1280 with the Service Connect"):
        translate_yaml(pod)
    result = translate_yaml(pod, discovery="cloudmap")
    task = props(result, "web", "TaskDefinition")
    assert (task["Cpu"], task["Memory"]) == ("1024", "2048")


def test_desired_count_and_tags_land_on_the_service() -> None:
    result = translate_yaml(annotated('{"eks2ecs.io/desired-count": "3", '
                                      '"eks2ecs.io/tags": "team=search, cost=42"}'))
    service = props(result, "web", "Service")
    assert service["DesiredCount"] == 3
    assert service["Tags"][1:] == [{"Key": "cost", "Value": "42"},
                                   {"Key": "team", "Value": "search"}]


def test_a_desired_count_an_hpa_owns_is_refused() -> None:
    hpa = """apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web, namespace: shop}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 4
  metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 70}}}]
"""
    with pytest.raises(InputError, match="an HPA scales this workload"):
        translate_yaml(docs(deployment(container="resources: {requests: {cpu: 100m}}"), hpa),
                       workloads=(Override("web", {"desired-count": 5}),))


def test_the_health_check_mode_of_one_workload() -> None:
    plain = translate_yaml(deployment(container=PROBED))
    path = "/spec/template/spec/containers/0/livenessProbe"
    assert fate(plain, "Deployment", "web", path)["status"] == "lossy"
    chosen = translate_yaml(deployment(container=PROBED),
                            workloads=(Override("web", {"health-check": "shell"}),))
    check = props(chosen, "web", "TaskDefinition")["ContainerDefinitions"][0]["HealthCheck"]
    assert "curl" in " ".join(check["Command"])


def test_the_file_is_read_strictly_and_diff_keeps_the_overrides(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copytree(EXAMPLE, tmp_path / "k8s")
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "eks2ecs.yaml"
    config.write_text("sources: [k8s/]\nworkloads:\n  weaviate: {cpu: 2, tags: {team: search}}\n")
    assert cli.main(["translate", "--config", str(config), "-o", "cfn", "-q"]) == 0
    assert '"2048"' in (tmp_path / "cfn" / "workload-weaviate.yaml").read_text()
    assert cli.main(["diff", "--against", "cfn"]) == 0
    config.write_text("sources: [k8s/]\nworkloads:\n  weaviate: {cpus: 2}\n")
    assert cli.main(["report", "--config", str(config)]) == 2
    assert "eks2ecs.yaml:3: workloads: weaviate: unknown key 'cpus' (did you mean 'cpu'?)" \
        in capsys.readouterr().err
    config.write_text("sources: [k8s/]\nworkloads:\n  nobody: {cpu: 2}\n")
    assert cli.main(["report", "--config", str(config)]) == 2
    assert "eks2ecs.yaml:3: workloads: 'nobody' names no workload of the input" \
        in capsys.readouterr().err
