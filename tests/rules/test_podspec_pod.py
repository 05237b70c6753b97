"""Pod-level fields: platform (arm64), ephemeral storage, private registry credentials,
process namespace, host namespaces, DNS and scheduling fields; container flags and hooks."""

from __future__ import annotations

import pytest

from tests.helpers import (
    anywhere,
    container,
    deployment,
    docs,
    fate,
    props,
    stack_for,
    translate_yaml,
)
from translator.api import Result
from translator.cfn import Ref

POD = "/spec/template/spec"
C0 = f"{POD}/containers/0"
TO = "workload-web.yaml#/Resources/TaskDefinition/Properties"


def test_arm64_node_selector_sets_the_cpu_architecture() -> None:
    result = translate_yaml(deployment(pod="""
        nodeSelector:
          kubernetes.io/arch: arm64
          kubernetes.io/os: linux
          karpenter.sh/capacity-type: spot
    """))
    assert props(result, "web", "TaskDefinition")["RuntimePlatform"] == {
        "OperatingSystemFamily": "LINUX", "CpuArchitecture": "ARM64"}
    arch = fate(result, "Deployment", "web", f"{POD}/nodeSelector/kubernetes.io~1arch")
    assert arch["to"] == f"{TO}/RuntimePlatform/CpuArchitecture"
    assert fate(result, "Deployment", "web", f"{POD}/nodeSelector/kubernetes.io~1os")["to"] == \
        f"{TO}/RuntimePlatform/OperatingSystemFamily"
    assert fate(result, "Deployment", "web",
                f"{POD}/nodeSelector/karpenter.sh~1capacity-type")["status"] == "ignored"


def test_windows_pods_are_unsupported() -> None:
    result = translate_yaml(deployment(pod="""
        nodeSelector: {kubernetes.io/os: windows}
        os: {name: windows}
    """))
    assert props(result, "web", "TaskDefinition")["RuntimePlatform"]["OperatingSystemFamily"] \
        == "LINUX"
    for path in (f"{POD}/nodeSelector/kubernetes.io~1os", f"{POD}/os/name"):
        reported = fate(result, "Deployment", "web", path)
        assert reported["status"] == "unsupported"
        assert reported["note"].startswith("only Linux pods are mapped")


def storage(requests: str, limits: str = "") -> Result:
    return translate_yaml(deployment(container=f"""
        resources:
          requests: {{ephemeral-storage: {requests}}}
          {f"limits: {{ephemeral-storage: {limits}}}" if limits else ""}
    """))


def test_ephemeral_storage_within_fargates_default_sets_nothing() -> None:
    result = storage("10Gi")
    assert "EphemeralStorage" not in props(result, "web", "TaskDefinition")
    reported = fate(result, "Deployment", "web",
                    f"{C0}/resources/requests/ephemeral-storage")
    assert (reported["status"], reported["note"]) == (
        "mapped", "the pod needs 10 GiB: Fargate's default 20 GiB of task storage holds it")


def test_ephemeral_storage_above_the_default_sizes_the_task() -> None:
    result = storage("30Gi", "50G")  # 50 GB = 46.6 GiB, rounded up
    assert props(result, "web", "TaskDefinition")["EphemeralStorage"] == {"SizeInGiB": 47}
    assert fate(result, "Deployment", "web", f"{C0}/resources/requests/ephemeral-storage")[
        "to"] == f"{TO}/EphemeralStorage/SizeInGiB"
    assert fate(result, "Deployment", "web", f"{C0}/resources/limits/ephemeral-storage")[
        "status"] == "lossy"


def test_ephemeral_storage_above_fargates_maximum_is_clipped_and_lossy() -> None:
    result = storage("500Gi")
    assert props(result, "web", "TaskDefinition")["EphemeralStorage"] == {"SizeInGiB": 200}
    reported = fate(result, "Deployment", "web", f"{C0}/resources/requests/ephemeral-storage")
    assert (reported["status"], reported["note"]) == (
        "lossy", "the pod needs 500 GiB; Fargate gives a task 200 GiB at most")


@pytest.fixture(scope="module")
def private() -> Result:
    return translate_yaml(deployment(
        image="ghcr.io/acme/web:2.1",
        pod="""
            imagePullSecrets: [{name: ghcr-login}, {name: quay-login}]
        """,
        container="""
            env:
              - name: TOKEN
                valueFrom:
                  secretKeyRef: {name: api, key: token}
        """) + """\
        - name: agent
          image: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/agent:1
""")


def test_image_pull_secret_becomes_repository_credentials_from_a_parameter(
        private: Result) -> None:
    assert container(private, "web")["RepositoryCredentials"] == {
        "CredentialsParameter": Ref("GhcrLoginPullSecretArn")}
    parameter = stack_for(private, "web").parameters["GhcrLoginPullSecretArn"]
    assert parameter.default is None
    assert parameter.allowed_pattern is not None and "secretsmanager" in parameter.allowed_pattern
    assert fate(private, "Deployment", "web", f"{POD}/imagePullSecrets/0")["to"] == \
        f"{TO}/ContainerDefinitions/0/RepositoryCredentials/CredentialsParameter"


def test_ecr_images_need_no_registry_credentials(private: Result) -> None:
    assert "RepositoryCredentials" not in container(private, "web", 1)


def test_execution_role_reads_exactly_the_credentials_secret(private: Result) -> None:
    statements = props(private, "web", "ExecutionRole")["Policies"][0]["PolicyDocument"][
        "Statement"]
    assert statements == [{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
                           "Resource": [Ref("GhcrLoginPullSecretArn"), Ref("ApiSecretArn")]}]


def test_a_second_pull_secret_is_lossy(private: Result) -> None:
    second = fate(private, "Deployment", "web", f"{POD}/imagePullSecrets/1")
    assert second["status"] == "lossy"
    assert second["note"].startswith("ECS takes one registry credential per container")


def test_pull_secret_for_ecr_images_only_adds_no_parameter() -> None:
    result = translate_yaml(deployment(
        image="123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:1",
        pod="imagePullSecrets: [{name: ecr}]"))
    assert "EcrPullSecretArn" not in stack_for(result, "web").parameters
    reported = fate(result, "Deployment", "web", f"{POD}/imagePullSecrets/0")
    assert reported["status"] == "ignored"


@pytest.fixture(scope="module")
def pod_fields() -> Result:
    return translate_yaml(deployment(
        pod="""
            shareProcessNamespace: true
            hostNetwork: true
            hostPID: false
            dnsPolicy: ClusterFirst
            dnsConfig: {nameservers: [10.0.0.2]}
            hostAliases: [{ip: 10.0.0.9, hostnames: [db.local]}]
            tolerations: [{key: dedicated, operator: Exists}]
            affinity: {podAntiAffinity: {}}
            topologySpreadConstraints: [{maxSkew: 1, topologyKey: zone,
                                         whenUnsatisfiable: DoNotSchedule}]
            priorityClassName: high
            automountServiceAccountToken: false
        """,
        container="""
            stdin: true
            tty: true
            terminationMessagePolicy: FallbackToLogsOnError
            lifecycle:
              preStop: {exec: {command: [sleep, "5"]}}
              postStart: {exec: {command: [touch, /ready]}}
        """))


def test_shared_process_namespace_becomes_pid_mode_task(pod_fields: Result) -> None:
    assert props(pod_fields, "web", "TaskDefinition")["PidMode"] == "task"
    assert fate(pod_fields, "Deployment", "web", f"{POD}/shareProcessNamespace")["to"] == \
        f"{TO}/PidMode"


def test_stdin_and_tty(pod_fields: Result) -> None:
    web = container(pod_fields, "web")
    assert (web["Interactive"], web["PseudoTerminal"]) == (True, True)
    assert fate(pod_fields, "Deployment", "web", f"{C0}/tty")["to"] == \
        f"{TO}/ContainerDefinitions/0/PseudoTerminal"


@pytest.mark.parametrize(("path", "status", "starts"), [
    (f"{POD}/hostNetwork", "unsupported", "Fargate tasks have their own network interface"),
    (f"{POD}/hostPID", "ignored", "false is the only way on Fargate"),
    (f"{POD}/dnsPolicy", "ignored", "tasks resolve through the VPC resolver"),
    (f"{POD}/dnsConfig", "unsupported", "ECS DnsServers and DnsSearchDomains are not supported"),
    (f"{POD}/hostAliases", "unsupported", "ECS ExtraHosts is not supported in awsvpc mode"),
    (f"{POD}/tolerations", "ignored", "Fargate runs every task on its own isolated host"),
    (f"{POD}/affinity", "ignored", "Fargate has no nodes to choose"),
    (f"{POD}/topologySpreadConstraints", "ignored", "ECS spreads a service's tasks"),
    (f"{POD}/priorityClassName", "ignored", "Fargate never preempts"),
    (f"{POD}/automountServiceAccountToken", "ignored", "ECS tasks get AWS credentials"),
    (f"{C0}/terminationMessagePolicy", "ignored", "ECS records the exit code"),
    (f"{C0}/lifecycle/preStop", "unsupported", "ECS sends SIGTERM and waits StopTimeout"),
    (f"{C0}/lifecycle/postStart", "unsupported", "ECS has no start hook"),
])
def test_pod_fields_without_an_ecs_setting_are_reported(pod_fields: Result, path: str,
                                                        status: str, starts: str) -> None:
    reported = fate(pod_fields, "Deployment", "web", path)
    assert reported["status"] == status
    assert reported["note"].startswith(starts)


@pytest.fixture(scope="module")
def load_balanced() -> Result:
    return translate_yaml(docs(deployment(container="""
        ports: [{containerPort: 80}, {name: mgmt, containerPort: 8081}]
        readinessProbe:
          httpGet: {path: /ready, port: mgmt}
          initialDelaySeconds: 10
        startupProbe:
          httpGet: {path: /ready, port: 80}
          periodSeconds: 10
          failureThreshold: 30
    """), """
        apiVersion: v1
        kind: Service
        metadata: {name: web, namespace: shop}
        spec:
          selector: {app: web}
          ports: [{port: 80}]
    """, """
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: {name: web, namespace: shop}
        spec:
          ingressClassName: alb
          rules:
            - http:
                paths:
                  - path: /
                    pathType: Prefix
                    backend: {service: {name: web, port: {number: 80}}}
    """))


def test_startup_probe_budget_sets_the_load_balanced_services_grace_period(
        load_balanced: Result) -> None:
    assert props(load_balanced, "web", "Service")["HealthCheckGracePeriodSeconds"] == 300
    startup = fate(load_balanced, "Deployment", "web", f"{C0}/startupProbe")
    assert (startup["status"], startup["note"]) == (
        "lossy", "becomes the service's HealthCheckGracePeriodSeconds (300s): the target "
        "group's failures are ignored that long after a task starts")


def test_readiness_on_another_port_checks_that_port(load_balanced: Result) -> None:
    group = anywhere(load_balanced, "TargetGroupWeb80")
    assert (group["Port"], group["HealthCheckPort"], group["HealthCheckPath"]) == \
        (80, "8081", "/ready")
    assert "HealthCheckProtocol" not in group


def test_readiness_other_than_http_is_lossy() -> None:
    result = translate_yaml(deployment(container="""
        readinessProbe:
          tcpSocket: {port: 80}
    """))
    readiness = fate(result, "Deployment", "web", f"{C0}/readinessProbe")
    assert readiness["status"] == "lossy"
    assert readiness["note"].startswith("a load balancer target group checks over HTTP only")
