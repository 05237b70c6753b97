"""Probes the kubelet ran from outside the container: on the target group behind a load
balancer, else no container check and a needs-a-human item; exec probes run as written."""

from __future__ import annotations

import pytest

from tests.helpers import deployment, docs, fate, props, source, translate_yaml
from translator.api import Result

C0 = "/spec/template/spec/containers/0"

LOAD_BALANCER = """\
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  type: LoadBalancer
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080}]
"""


def container(result: Result) -> dict:
    definitions: list[dict] = props(result, "web", "TaskDefinition")["ContainerDefinitions"]
    return definitions[0]


def target_group(result: Result) -> dict:
    stack = next(s for s in result.plan.stacks if s.info.key == "load-balancer")
    [group] = [r for r in stack.resources.values()
               if r.type == "AWS::ElasticLoadBalancingV2::TargetGroup"]
    return group.properties


@pytest.fixture(scope="module")
def alone() -> Result:
    return translate_yaml(deployment(image="gcr.io/distroless/static", container="""\
ports: [{containerPort: 8080}]
livenessProbe: {httpGet: {path: /healthz, port: 8080}}
readinessProbe: {grpc: {port: 9090}}
"""))


def test_without_a_load_balancer_no_check_runs_a_tool_the_image_may_lack(alone: Result) -> None:
    assert "HealthCheck" not in container(alone)
    liveness = fate(alone, "Deployment", "web", f"{C0}/livenessProbe")
    assert liveness["status"] == "lossy"
    assert liveness["note"].startswith(
        "needs a human: Kubernetes ran an HTTP GET of /healthz on port 8080 from outside the "
        "container; ECS runs health checks inside image gcr.io/distroless/static")
    assert "eks2ecs.io/health-check: shell" in liveness["note"]
    readiness = fate(alone, "Deployment", "web", f"{C0}/readinessProbe")
    assert (readiness["status"], readiness["note"]) == ("lossy", (
        "a load balancer target group checks over HTTP only; without a load balancer ECS "
        "has no readiness gate"))


@pytest.fixture(scope="module")
def frontend() -> Result:
    # bank-of-anthos frontend: readiness timeoutSeconds 10 / periodSeconds 5, liveness too
    return translate_yaml(docs(deployment(container="""\
ports: [{containerPort: 8080}]
readinessProbe:
  httpGet: {path: /ready, port: 8080}
  initialDelaySeconds: 10
  periodSeconds: 5
  timeoutSeconds: 10
livenessProbe:
  httpGet: {path: /ready, port: 8080}
  initialDelaySeconds: 60
  periodSeconds: 15
  timeoutSeconds: 30
"""), LOAD_BALANCER))


def test_behind_a_load_balancer_the_probe_is_the_target_group_check(frontend: Result) -> None:
    assert "HealthCheck" not in container(frontend)
    group = target_group(frontend)
    assert (group["HealthCheckPath"], group["HealthCheckIntervalSeconds"],
            group["HealthCheckTimeoutSeconds"]) == ("/ready", 5, 4)
    assert fate(frontend, "Deployment", "web", f"{C0}/readinessProbe")["status"] == "mapped"
    assert fate(frontend, "Deployment", "web", f"{C0}/livenessProbe")["status"] == "lossy"


def test_readiness_clamps_are_reported_like_liveness_clamps(frontend: Result) -> None:
    timeout = fate(frontend, "Deployment", "web", f"{C0}/readinessProbe/timeoutSeconds")
    assert (timeout["status"], timeout["note"]) == ("lossy", (
        "10 becomes 4 on the target group (HealthCheckTimeoutSeconds): it must be below the "
        "5s interval"))


def test_an_unwritten_kubernetes_default_is_said_as_what_it_becomes(frontend: Result) -> None:
    # successThreshold defaults to 1; a target group needs 2 healthy checks at least
    assert f"{C0}/readinessProbe: successThreshold (Kubernetes' default 1) becomes 2 on the " \
        "target group (HealthyThresholdCount): ELB takes 2-10" in \
        source(frontend, "Deployment", "web")["notes"]


def test_the_liveness_probe_checks_the_target_group_without_a_readiness_probe() -> None:
    result = translate_yaml(docs(deployment(container="""\
ports: [{containerPort: 8080}]
livenessProbe: {httpGet: {path: /livez, port: 8080}, initialDelaySeconds: 45, timeoutSeconds: 3}
startupProbe: {httpGet: {path: /livez, port: 8080}, periodSeconds: 10, failureThreshold: 12}
"""), LOAD_BALANCER))
    assert "HealthCheck" not in container(result)
    group = target_group(result)
    assert (group["HealthCheckPath"], group["HealthCheckTimeoutSeconds"]) == ("/livez", 3)
    assert fate(result, "Deployment", "web", f"{C0}/livenessProbe")["status"] == "mapped"
    # the startup probe's 120 s budget, more than twice the 45 s initial delay
    assert props(result, "web", "Service")["HealthCheckGracePeriodSeconds"] == 120


@pytest.mark.parametrize(("mode", "command"), [
    ("shell", "CMD-SHELL"), ("none", None), ("target-group", None), ("auto", None)])
def test_the_annotation_chooses(mode: str, command: str | None) -> None:
    manifest = deployment(container="livenessProbe: {httpGet: {path: /, port: 80}}")
    manifest = manifest.replace("  namespace: shop\n", "  namespace: shop\n  annotations: "
                                f"{{eks2ecs.io/health-check: {mode}}}\n", 1)
    result = translate_yaml(manifest)
    check = container(result).get("HealthCheck")
    assert (check["Command"][0] if check else None) == command
    assert fate(result, "Deployment", "web",
                "/metadata/annotations/eks2ecs.io~1health-check")["status"] == "mapped"


def test_an_exec_probe_runs_as_written_behind_a_load_balancer_too() -> None:
    result = translate_yaml(docs(deployment(container="""\
ports: [{containerPort: 8080}]
livenessProbe: {exec: {command: [/bin/grpc_health_probe, -addr=:8080]}}
"""), LOAD_BALANCER))
    assert container(result)["HealthCheck"]["Command"] == [
        "CMD", "/bin/grpc_health_probe", "-addr=:8080"]


def annotated(manifest: str, mode: str) -> str:
    return manifest.replace("  namespace: shop\n", "  namespace: shop\n  annotations: "
                            f"{{eks2ecs.io/health-check: {mode}}}\n", 1)


@pytest.fixture(scope="module")
def flagged() -> Result:
    """--health-check shell for all: web follows it, api's annotation (none) wins."""
    probe = "livenessProbe: {httpGet: {path: /healthz, port: 80}}"
    return translate_yaml(docs(deployment(container=probe),
                               annotated(deployment("api", container=probe), "none")),
                          health_check="shell")


def test_the_flag_chooses_for_every_workload_and_the_annotation_wins(flagged: Result) -> None:
    assert container(flagged)["HealthCheck"]["Command"][0] == "CMD-SHELL"
    assert "health checks: shell (--health-check)" in source(flagged, "Deployment", "web")["notes"]
    api = props(flagged, "api", "TaskDefinition")["ContainerDefinitions"][0]
    assert "HealthCheck" not in api
    assert fate(flagged, "Deployment", "api", f"{C0}/livenessProbe")["status"] == "ignored"


def test_target_group_mode_drops_an_unbalanced_probe_without_a_needs_a_human_item() -> None:
    result = translate_yaml(deployment(container="livenessProbe: {tcpSocket: {port: 80}}"),
                            health_check="target-group")
    assert "HealthCheck" not in container(result)
    liveness = fate(result, "Deployment", "web", f"{C0}/livenessProbe")
    assert (liveness["status"], liveness["note"]) == ("ignored", (
        "health checks: target-group, and no load balancer checks web: a TCP connect to "
        "port 80 is not run"))


def test_an_unknown_mode_is_refused() -> None:
    from translator.context import Options
    from translator.errors import InputError

    with pytest.raises(InputError, match="--health-check 'curl' is none of auto, shell, grpc"):
        Options(health_check="curl")
