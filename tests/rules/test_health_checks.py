"""Probes the kubelet ran from outside the container: on the target group behind a load
balancer, else no container check and a needs-a-human item; exec probes run as written."""

from __future__ import annotations

import pytest

from mappings.pod.probes import grpc_check
from tests.helpers import deployment, docs, fate, props, source, translate_yaml
from translator.api import Result
from translator.cfn import ImportValue, Sub

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
    """The one target group, in the stack of the workload behind it."""
    [group] = [r for stack in result.plan.stacks for r in stack.resources.values()
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


# --- gRPC behind a load balancer ---------------------------------------------------------

GRPC_PROBES = """\
ports: [{name: grpc, containerPort: 50051}]
readinessProbe: {grpc: {port: 50051}, periodSeconds: 10, timeoutSeconds: 3}
livenessProbe: {grpc: {port: 50051}}
"""


CERT = "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"


def grpc_ingress(annotations: str) -> str:
    """Deployment api serving gRPC on 50051, its Service, and an Ingress routing / to it."""
    service = ("apiVersion: v1\nkind: Service\nmetadata: {name: api, namespace: shop}\n"
               "spec: {selector: {app: api}, ports: [{name: grpc, port: 50051, targetPort: 50051}]}\n")
    ingress = ("apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: main\n"
               "  namespace: shop\n  annotations:\n"
               + "".join(f"    {line}\n" for line in annotations.splitlines())
               + "spec:\n  ingressClassName: alb\n  rules:\n    - http:\n        paths:\n"
               "          - {path: /, pathType: Prefix, backend: {service: {name: api, "
               "port: {number: 50051}}}}\n")
    return docs(deployment("api", container=GRPC_PROBES), service, ingress)


@pytest.fixture(scope="module")
def grpc_backend() -> Result:
    return translate_yaml(grpc_ingress(
        f"alb.ingress.kubernetes.io/backend-protocol-version: GRPC\n"
        f"alb.ingress.kubernetes.io/certificate-arn: {CERT}"))


def test_a_grpc_probe_is_the_check_of_a_grpc_target_group(grpc_backend: Result) -> None:
    group = target_group(grpc_backend)
    assert (group["ProtocolVersion"], group["Matcher"], group["HealthCheckPath"]) == (
        "GRPC", {"GrpcCode": "0"}, "/grpc.health.v1.Health/Check")
    assert "HealthCheckPort" not in group  # the probe's port is the traffic port
    assert (group["HealthCheckIntervalSeconds"], group["HealthCheckTimeoutSeconds"]) == (10, 3)
    api = props(grpc_backend, "api", "TaskDefinition")["ContainerDefinitions"][0]
    assert "HealthCheck" not in api  # no grpc_health_probe needed in the image
    # weaker than the kubelet's: ALB reads the status code, not the SERVING answer
    readiness = fate(grpc_backend, "Deployment", "api", f"{C0}/readinessProbe")
    assert readiness["status"] == "lossy"
    assert readiness["note"].startswith("becomes the gRPC health check of the load balancer "
                                        "target group in front of this container "
                                        "(/grpc.health.v1.Health/Check, port,")
    assert "a server that says NOT_SERVING stays in service" in readiness["note"]
    assert fate(grpc_backend, "Deployment", "api", f"{C0}/livenessProbe")["status"] == "lossy"
    # ALB serves GRPC behind HTTPS only (E9114): the rule is on the HTTPS listener alone
    assert [r.properties["ListenerArn"] for s in grpc_backend.plan.stacks
            for r in s.resources.values()
            if r.type == "AWS::ElasticLoadBalancingV2::ListenerRule"] == [
        ImportValue(Sub("${LoadBalancerStackName}-ListenerHttps443Arn"))]


def test_a_grpc_probe_on_another_port_checks_that_port() -> None:
    from translator.models import Container

    container = Container.model_validate({
        "name": "api", "image": "api:1", "ports": [{"containerPort": 8080}],
        "readinessProbe": {"grpc": {"port": 9090}}})
    assert grpc_check(container, 8080) == {"HealthCheckPath": "/grpc.health.v1.Health/Check",
                                           "Matcher": {"GrpcCode": "0"}, "HealthCheckPort": "9090"}
    assert grpc_check(container.model_copy(update={"readiness_probe": None}), 8080) == {}


def test_a_grpc_probe_behind_an_http1_target_group_says_what_to_annotate() -> None:
    result = translate_yaml(grpc_ingress("alb.ingress.kubernetes.io/scheme: internal"))
    group = target_group(result)
    assert "ProtocolVersion" not in group and group["Matcher"] == {"HttpCode": "200-399"}
    readiness = fate(result, "Deployment", "api", f"{C0}/readinessProbe")
    assert readiness["status"] == "lossy"
    assert "not a gRPC health check on port 50051" in readiness["note"]
    assert readiness["note"].endswith("backend-protocol-version: GRPC, behind an HTTPS listener")
