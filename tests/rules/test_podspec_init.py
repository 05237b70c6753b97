"""Init containers, native sidecars and extra containers of a pod: their order on ECS
(DependsOn), which of them are essential, and how they count in the task size."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import (
    container,
    deployment,
    docs,
    env_of,
    fate,
    fates,
    props,
    source,
    translate_yaml,
)
from translator.api import Result, translate
from translator.context import Options
from translator.errors import InputError

POD = "/spec/template/spec"
TO = "workload-web.yaml#/Resources/TaskDefinition/Properties"


@pytest.fixture(scope="module")
def pod() -> Result:
    # migrate (init) -> proxy (native sidecar with a startup probe) -> seed (init) -> app
    return translate_yaml(deployment(
        container="""
            resources:
              requests: {cpu: 500m, memory: 1Gi}
        """,
        pod="""
            initContainers:
              - name: migrate
                image: flyway/flyway:10
                args: [migrate]
                resources:
                  requests: {cpu: "2", memory: 512Mi}
                  limits: {memory: 1Gi}
              - name: proxy
                image: envoyproxy/envoy:v1.30
                restartPolicy: Always
                resources:
                  requests: {cpu: 250m, memory: 256Mi}
                livenessProbe:
                  exec: {command: [pgrep, envoy]}
                  timeoutSeconds: 2
                startupProbe:
                  exec: {command: [pgrep, envoy]}
                  failureThreshold: 6
              - name: seed
                image: busybox:1.36
                command: [sh, -c, "echo seeded"]
            """) + """\
        - name: logs
          image: fluent/fluent-bit:3.0
          resources:
            requests: {cpu: 250m, memory: 256Mi}
""")


def definitions(result: Result) -> dict[str, dict]:
    return {c["Name"]: c for c in props(result, "web", "TaskDefinition")["ContainerDefinitions"]}


def test_app_containers_come_first_then_init_containers_in_order(pod: Result) -> None:
    assert list(definitions(pod)) == ["web", "logs", "migrate", "proxy", "seed"]


def test_each_init_step_waits_for_the_one_before(pod: Result) -> None:
    found = definitions(pod)
    assert "DependsOn" not in found["migrate"]
    assert found["proxy"]["DependsOn"] == [{"ContainerName": "migrate", "Condition": "SUCCESS"}]
    # Kubernetes waits for a sidecar's startup probe: ECS waits for its health check
    assert found["seed"]["DependsOn"] == [{"ContainerName": "proxy", "Condition": "HEALTHY"}]
    for app in ("web", "logs"):
        assert found[app]["DependsOn"] == [{"ContainerName": "seed", "Condition": "SUCCESS"}]


def test_init_containers_and_sidecars_are_not_essential_app_containers_are(pod: Result) -> None:
    essential = {name: c["Essential"] for name, c in definitions(pod).items()}
    assert essential == {"web": True, "logs": True, "migrate": False, "proxy": False,
                         "seed": False}


def test_a_native_sidecar_is_restarted_in_place(pod: Result) -> None:
    found = definitions(pod)
    assert found["proxy"]["RestartPolicy"] == {"Enabled": True, "RestartAttemptPeriod": 60}
    assert "RestartPolicy" not in found["migrate"]
    reported = fate(pod, "Deployment", "web", f"{POD}/initContainers/1/restartPolicy")
    assert reported["status"] == "lossy"
    assert reported["to"] == f"{TO}/ContainerDefinitions/3/RestartPolicy"
    assert reported["note"].endswith("wait for it to HEALTHY")


def test_init_container_fields_map_like_app_containers(pod: Result) -> None:
    found = definitions(pod)
    assert found["migrate"]["Command"] == ["migrate"]
    assert found["seed"]["EntryPoint"] == ["sh", "-c", "echo seeded"]
    assert fate(pod, "Deployment", "web", f"{POD}/initContainers/2/command")["to"] == \
        f"{TO}/ContainerDefinitions/4/EntryPoint"
    init = fates(pod, "Deployment", "web", f"{POD}/initContainers/0/name")
    assert [f["to"] for f in init] == [f"{TO}/ContainerDefinitions/2/Name",
                                       f"{TO}/ContainerDefinitions/2/Essential"]


def test_init_containers_reserve_nothing_of_their_own(pod: Result) -> None:
    found = definitions(pod)
    assert not {"Cpu", "Memory", "MemoryReservation"} & set(found["migrate"])
    assert (found["proxy"]["Cpu"], found["proxy"]["MemoryReservation"]) == (256, 256)
    limit = fate(pod, "Deployment", "web", f"{POD}/initContainers/0/resources/limits/memory")
    assert (limit["status"], limit["to"]) == ("lossy", f"{TO}/Memory")


def test_task_size_is_the_larger_of_the_init_peak_and_the_running_pod(pod: Result) -> None:
    # init peak: migrate 2 vCPU / 1 GiB alone; then proxy + web + logs 1 vCPU / 1.5 GiB; and
    # the Service Connect proxy's 0.25 vCPU / 64 MiB on top
    task = props(pod, "web", "TaskDefinition")
    assert (task["Cpu"], task["Memory"]) == ("4096", "8192")
    assert ("pod asks 2 vCPU / 1536 MiB + 0.25 vCPU / 64 MiB for the Service Connect proxy; "
            "smallest Fargate size 4 vCPU / 8192 MiB") in source(pod, "Deployment", "web")["notes"]


def test_app_containers_report_what_they_wait_for(pod: Result) -> None:
    reported = fates(pod, "Deployment", "web", f"{POD}/containers/1/name")[1]
    assert reported["to"] == f"{TO}/ContainerDefinitions/1/DependsOn"
    assert reported["note"] == "starts after init container seed (SUCCESS)"


def test_sidecar_without_startup_probe_only_has_to_start() -> None:
    result = translate_yaml(deployment(pod="""
        initContainers:
          - name: proxy
            image: envoyproxy/envoy:v1.30
            restartPolicy: Always
    """))
    assert container(result, "web")["DependsOn"] == [
        {"ContainerName": "proxy", "Condition": "START"}]
    assert source(result, "Deployment", "web")["status"] == "partial"  # restart is lossy


def test_a_config_map_read_by_an_init_container_counts_it_as_a_reader() -> None:
    result = translate_yaml(docs("""
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: migrations, namespace: shop}
        data: {TARGET: v42}
    """, deployment(pod="""
        initContainers:
          - name: migrate
            image: flyway/flyway:10
            envFrom: [{configMapRef: {name: migrations}}]
    """)))
    assert env_of(container(result, "web", 1)) == {"TARGET": "v42"}
    reader = fate(result, "ConfigMap", "migrations", "/data/TARGET")
    assert (reader["status"], reader["note"]) == ("mapped", "Environment of Deployment/web")


def _pod_of(apps: int, inits: int, config_file: bool) -> str:
    def containers(prefix: str, count: int) -> str:
        return "".join(f"""
            - name: {prefix}{i}
              image: busybox:1.36
              command: [sleep, "3600"]""" for i in range(count))
    mount = """
              volumeMounts: [{name: conf, mountPath: /etc/app}]""" if config_file else ""
    volumes = """
      volumes: [{name: conf, configMap: {name: conf}}]""" if config_file else ""
    return f"""
apiVersion: v1
kind: ConfigMap
metadata: {{name: conf}}
data: {{app.conf: "x=1"}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: wide}}
spec:
  selector: {{matchLabels: {{app: wide}}}}
  template:
    metadata: {{labels: {{app: wide}}}}
    spec:
      initContainers:{containers("init", inits) if inits else " []"}
      containers:{containers("app", apps)}{mount}{volumes}
"""


@pytest.mark.parametrize(("apps", "inits", "config_file", "parts"), [
    (11, 0, False, "11 containers, 0 init containers and sidecars"),
    (8, 2, True, "8 containers, 2 init containers and sidecars, 1 that writes"),
    (200, 0, False, "200 containers"),
])
def test_more_than_ten_containers_in_one_task_is_refused_at_the_pod(
        tmp_path: Path, apps: int, inits: int, config_file: bool, parts: str) -> None:
    # ECS quota "Containers per task definition": 10, not adjustable
    manifest = tmp_path / "wide.yaml"
    manifest.write_text(_pod_of(apps, inits, config_file))
    with pytest.raises(InputError) as caught:
        translate([str(manifest)], Options())
    line = manifest.read_text().splitlines().index("      containers:") + 1
    message = str(caught.value)
    assert message.startswith(f"{manifest}:{line}: Deployment/wide: /spec/template/spec/"
                              "containers: ")
    assert parts in message and "ECS takes at most 10" in message


def test_ten_containers_counting_the_file_writer_still_deploy() -> None:
    result = translate_yaml(_pod_of(7, 2, True))
    assert len(props(result, "wide", "TaskDefinition")["ContainerDefinitions"]) == 10
