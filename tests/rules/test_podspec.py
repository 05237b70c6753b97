"""The pod spec mapping shared by workloads: environment, probes, resources and task size."""

from __future__ import annotations

import pytest

from mappings.pod.env import Unknown, expand
from tests.helpers import (
    container,
    deployment,
    docs,
    env_of,
    fate,
    fates,
    props,
    secrets_of,
    source,
    stack_for,
    statuses,
    translate_yaml,
)
from translator.api import Result
from translator.cfn import Ref, Sub

C0 = "/spec/template/spec/containers/0"
TO_C0 = "workload-web.yaml#/Resources/TaskDefinition/Properties/ContainerDefinitions/0"

# --- environment ----------------------------------------------------------------------

CONFIG = """
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg, namespace: shop}
data:
  MODE: fast
  LEVEL: debug
"""


@pytest.fixture(scope="module")
def env() -> Result:
    return translate_yaml(docs(CONFIG, deployment(container="""
        envFrom:
          - configMapRef: {name: cfg}
            prefix: APP_
          - configMapRef: {name: absent, optional: true}
        env:
          - {name: PLAIN, value: hello}
          - {name: APP_MODE, value: override}
          - name: FROM_CM
            valueFrom:
              configMapKeyRef: {name: cfg, key: LEVEL}
          - name: NS
            valueFrom:
              fieldRef: {fieldPath: metadata.namespace}
          - name: POD_IP
            valueFrom:
              fieldRef: {fieldPath: status.podIP}
          - name: MISSING
            valueFrom:
              configMapKeyRef: {name: nope, key: X}
          - {name: EXPANDED, value: "$(PLAIN)/x"}
    """)))


def test_environment_values_in_kubernetes_precedence_order(env: Result) -> None:
    # envFrom first (with its prefix), then env; an env entry overrides an envFrom key
    assert env_of(container(env, "web")) == {
        "APP_MODE": "override",
        "APP_LEVEL": "debug",
        "PLAIN": "hello",
        "FROM_CM": "debug",
        "NS": "shop",
        "EXPANDED": "hello/x",
    }
    assert "Secrets" not in container(env, "web")


def test_each_env_field_points_at_its_environment_entry(env: Result) -> None:
    assert fate(env, "Deployment", "web", f"{C0}/env/0")["to"] == f"{TO_C0}/Environment/2"
    assert fate(env, "Deployment", "web", f"{C0}/env/1")["to"] == f"{TO_C0}/Environment/0"
    assert fate(env, "Deployment", "web", f"{C0}/envFrom/0")["to"] == f"{TO_C0}/Environment/1"


def test_field_ref_other_than_namespace_is_unsupported(env: Result) -> None:
    pod_ip = fate(env, "Deployment", "web", f"{C0}/env/4")
    assert pod_ip["status"] == "unsupported"
    assert pod_ip["note"].startswith("status.podIP has no ECS equivalent")


def test_missing_config_map_is_unsupported_unless_optional(env: Result) -> None:
    missing = fate(env, "Deployment", "web", f"{C0}/env/5")
    assert missing["status"] == "unsupported"
    assert missing["note"].startswith("ConfigMap nope key X is not in the input")
    optional = fate(env, "Deployment", "web", f"{C0}/envFrom/1")
    assert optional["status"] == "ignored"
    assert optional["note"] == "optional ConfigMap absent is not in the input"


def test_variable_references_are_expanded_and_reported(env: Result) -> None:
    assert [f.get("note") for f in fates(env, "Deployment", "web", f"{C0}/env/6")] == [
        "$(VAR) expanded as kubelet does: $(PLAIN)/x -> hello/x", None]


@pytest.mark.parametrize(("value", "expected"), [
    ("$(A)-$(B)", "1-$(B)"),          # B is defined later: stays literal
    ("$$(A)", "$(A)"),                # escaped
    ("$$A $A", "$A $A"),              # $$ is $; $ before anything else stays
    ("$(UNKNOWN)", "$(UNKNOWN)"),
    ("$(A", "$(A"),                   # unclosed
    ("x$", "x$"),
    ("$(S)", "$(S)"),                 # a secret's value: cannot be expanded in a template
    ("$(NS).$(A)", "shop.1"),
])
def test_expansion_follows_kubelet(value: str, expected: str) -> None:
    secret = Unknown("a secret's value")
    assert expand(value, {"A": "1", "NS": "shop", "S": secret}) == (
        expected, [("S", secret)] if "$(S)" in value else [])


def test_expansion_in_command_args_and_the_dns_rewrite_after_it() -> None:
    result = translate_yaml(docs(deployment("api", container="ports: [{containerPort: 8080}]"),
                                 """
apiVersion: v1
kind: Service
metadata: {name: api, namespace: shop}
spec:
  selector: {app: api}
  ports: [{port: 80, targetPort: 8080}]
""", deployment(container="""
        env:
          - {name: API_NAME, value: api}
          - {name: API_URL, value: "http://$(API_NAME):80/v1"}
          - name: TOKEN
            valueFrom:
              secretKeyRef: {name: creds, key: token}
          - {name: AUTH, value: "Bearer $(TOKEN)"}
        args: ["--api=$(API_URL)", "--token=$(TOKEN)"]
    """)), discovery="cloudmap")
    web = container(result, "web")
    assert env_of(web)["API_URL"] == "http://api.shop.local:8080/v1"
    assert env_of(web)["AUTH"] == "Bearer $(TOKEN)"
    assert web["Command"] == ["--api=http://api.shop.local:8080/v1", "--token=$(TOKEN)"]
    auth = [f["note"] for f in fates(result, "Deployment", "web", f"{C0}/env/3")
            if f["status"] == "lossy"]
    assert auth == ["$(TOKEN) is a secret's value, which a task definition cannot compose into "
                    "AUTH; left as $(TOKEN): store the composed value as its own secret, or "
                    'have the entrypoint export AUTH="...$TOKEN..."']
    assert statuses(result, "Deployment", "web", f"{C0}/args/1") == ["lossy"]


def test_secret_not_in_the_input_asks_for_its_arn_and_reads_the_json_key() -> None:
    result = translate_yaml(deployment(container="""
        env:
          - name: TOKEN
            valueFrom:
              secretKeyRef: {name: vault-token, key: token}
    """))
    assert secrets_of(container(result, "web")) == {
        "TOKEN": Sub("${VaultTokenSecretArn}:token::")}
    param = stack_for(result, "web").parameters["VaultTokenSecretArn"]
    assert param.type == "String"
    assert param.default is None
    assert param.allowed_pattern == r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$"
    statements = props(result, "web", "ExecutionRole")["Policies"][0]["PolicyDocument"][
        "Statement"]
    assert statements == [{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
                           "Resource": [Ref("VaultTokenSecretArn")]}]
    token = fate(result, "Deployment", "web", f"{C0}/env/0")
    assert token["status"] == "mapped"
    assert token["to"] == f"{TO_C0}/Secrets/0"


# --- probes ---------------------------------------------------------------------------


def opted_in(manifest: str, mode: str) -> str:
    """The Deployment with the eks2ecs.io/health-check annotation."""
    return manifest.replace("  namespace: shop\n", "  namespace: shop\n  annotations: "
                            f"{{eks2ecs.io/health-check: {mode}}}\n", 1)


def health_check(container_yaml: str, mode: str = "shell") -> tuple[Result, dict]:
    result = translate_yaml(opted_in(deployment(container=container_yaml), mode))
    return result, container(result, "web")["HealthCheck"]


def test_opted_in_http_liveness_probe_becomes_a_curl_health_check_on_the_named_port() -> None:
    result, check = health_check("""
        ports:
          - {name: http, containerPort: 8080}
        livenessProbe:
          httpGet: {path: /healthz, port: http}
          initialDelaySeconds: 20
          periodSeconds: 15
          timeoutSeconds: 3
          failureThreshold: 4
    """)
    assert check == {
        "Command": ["CMD-SHELL", "curl -fsS -o /dev/null http://localhost:8080/healthz || "
                    "wget -q -O /dev/null http://localhost:8080/healthz || exit 1"],
        "Interval": 15, "Timeout": 3, "Retries": 4, "StartPeriod": 20}
    assert fate(result, "Deployment", "web", f"{C0}/livenessProbe/periodSeconds") == {
        "path": f"{C0}/livenessProbe/periodSeconds", "status": "mapped",
        "to": f"{TO_C0}/HealthCheck/Interval"}


def test_https_probe_with_headers_and_relative_path() -> None:
    _, check = health_check("""
        livenessProbe:
          httpGet:
            path: ready
            port: 8443
            scheme: HTTPS
            httpHeaders: [{name: X-Probe, value: "1"}]
          timeoutSeconds: 2
    """)
    assert check["Command"] == [
        "CMD-SHELL",
        "curl -fsS -o /dev/null -k -H 'X-Probe: 1' https://localhost:8443/ready || "
        "wget -q -O /dev/null --no-check-certificate '--header=X-Probe: 1' "
        "https://localhost:8443/ready || exit 1"]


def test_exec_probe_runs_its_command_directly() -> None:
    _, check = health_check("""
        livenessProbe:
          exec: {command: [cat, /tmp/healthy]}
          timeoutSeconds: 2
    """)
    assert check["Command"] == ["CMD", "cat", "/tmp/healthy"]


def test_tcp_probe_uses_nc_else_bash() -> None:
    result, check = health_check("""
        livenessProbe:
          tcpSocket: {port: 5432}
          timeoutSeconds: 2
    """)
    assert check["Command"] == [
        "CMD-SHELL", "nc -z 127.0.0.1 5432 || bash -c '</dev/tcp/127.0.0.1/5432' || exit 1"]
    assert "needs one of them" in fate(result, "Deployment", "web",
                                       f"{C0}/livenessProbe/tcpSocket")["note"]


def test_opted_in_grpc_probe_runs_grpc_health_probe_and_is_lossy() -> None:
    result, check = health_check("""
        livenessProbe:
          grpc: {port: 9090, service: orders}
          timeoutSeconds: 2
    """, mode="grpc")
    assert check["Command"] == ["CMD", "grpc_health_probe", "-addr=127.0.0.1:9090",
                                "-service=orders"]
    probe = fate(result, "Deployment", "web", f"{C0}/livenessProbe/grpc")
    assert (probe["status"], probe["to"]) == ("lossy", f"{TO_C0}/HealthCheck")
    assert probe["note"].startswith("runs grpc_health_probe inside the container")


def test_probe_timings_outside_ecs_limits_are_clipped_and_lossy() -> None:
    result, check = health_check("""
        livenessProbe:
          exec: {command: ["true"]}
          periodSeconds: 1
          timeoutSeconds: 90
          failureThreshold: 20
          initialDelaySeconds: 400
    """)
    assert (check["Interval"], check["Timeout"], check["Retries"], check["StartPeriod"]) == \
        (5, 60, 10, 300)
    for field, note in [("periodSeconds", "1 is outside ECS's 5-300; 5 used"),
                        ("timeoutSeconds", "90 is outside ECS's 2-60; 60 used"),
                        ("failureThreshold", "20 is outside ECS's 1-10; 10 used"),
                        ("initialDelaySeconds", "400 is outside ECS's 0-300; 300 used")]:
        reported = fate(result, "Deployment", "web", f"{C0}/livenessProbe/{field}")
        assert (reported["status"], reported["note"]) == ("lossy", note)


def test_default_probe_timeout_of_one_second_becomes_two_and_is_said_not_blamed() -> None:
    result, check = health_check("""
        livenessProbe:
          exec: {command: ["true"]}
    """, mode="auto")
    assert (check["Interval"], check["Timeout"], check["Retries"], check["StartPeriod"]) == \
        (10, 2, 3, 0)
    assert fates(result, "Deployment", "web", f"{C0}/livenessProbe/timeoutSeconds") == []
    assert f"{C0}/livenessProbe: timeoutSeconds (Kubernetes' default 1) becomes Timeout 2, " \
        "ECS's 2-60" in source(result, "Deployment", "web")["notes"]


def test_readiness_probe_alone_makes_no_container_health_check() -> None:
    result = translate_yaml(deployment(container="""
        readinessProbe:
          httpGet: {path: /ready, port: 80}
    """))
    assert "HealthCheck" not in container(result, "web")
    assert fate(result, "Deployment", "web", f"{C0}/readinessProbe")["status"] == "mapped"


def test_undeclared_named_probe_port_is_unsupported() -> None:
    result = translate_yaml(opted_in(deployment(container="""
        livenessProbe:
          httpGet: {path: /, port: metrics}
          timeoutSeconds: 2
    """), "shell"))
    port = fate(result, "Deployment", "web", f"{C0}/livenessProbe/httpGet/port")
    assert port["status"] == "unsupported"
    assert port["note"] == "port name 'metrics' is not declared by web"


# --- resources and task size ----------------------------------------------------------


def test_container_cpu_and_memory_from_requests_and_limits() -> None:
    result = translate_yaml(deployment(container="""
        resources:
          requests: {cpu: 250m, memory: 300Mi}
          limits: {cpu: "1", memory: 600Mi}
    """), discovery="cloudmap")
    definition = container(result, "web")
    assert (definition["Cpu"], definition["Memory"], definition["MemoryReservation"]) == \
        (256, 600, 300)
    task = props(result, "web", "TaskDefinition")
    assert (task["Cpu"], task["Memory"]) == ("1024", "2048")  # the limit sizes the task
    assert fate(result, "Deployment", "web", f"{C0}/resources/requests/cpu")["to"] == \
        f"{TO_C0}/Cpu"
    assert fate(result, "Deployment", "web", f"{C0}/resources/limits/cpu")["status"] == "lossy"
    assert fate(result, "Deployment", "web", f"{C0}/resources/limits/memory")["to"] == \
        f"{TO_C0}/Memory"
    assert fate(result, "Deployment", "web", f"{C0}/resources/requests/memory")["to"] == \
        f"{TO_C0}/MemoryReservation"
    assert source(result, "Deployment", "web")["notes"] == [
        "pod asks 1 vCPU / 600 MiB; smallest Fargate size 1 vCPU / 2048 MiB, sized by its "
        "limits (its requests, 0.25 vCPU / 300 MiB, would fit 0.25 vCPU / 512 MiB)"]


def test_cpu_limit_alone_sets_the_container_cpu() -> None:
    result = translate_yaml(deployment(container="""
        resources:
          limits: {cpu: 1500m}
    """))
    assert container(result, "web")["Cpu"] == 1536
    assert "Memory" not in container(result, "web")
    assert fate(result, "Deployment", "web", f"{C0}/resources/limits/cpu")["status"] == "mapped"
    task = props(result, "web", "TaskDefinition")
    assert (task["Cpu"], task["Memory"]) == ("2048", "4096")


def test_task_size_sums_every_container() -> None:
    text = deployment(container="""
        resources:
          requests: {cpu: 500m, memory: 1Gi}
        """) + """\
        - name: sidecar
          image: envoy:1.30
          resources:
            requests: {cpu: 750m, memory: 1536Mi}
"""
    result = translate_yaml(text, discovery="cloudmap")
    task = props(result, "web", "TaskDefinition")
    assert [c["Name"] for c in task["ContainerDefinitions"]] == ["web", "sidecar"]
    assert (task["Cpu"], task["Memory"]) == ("2048", "4096")
    assert source(result, "Deployment", "web")["notes"] == [
        "pod asks 1.25 vCPU / 2560 MiB; smallest Fargate size 2 vCPU / 4096 MiB"]


def test_pod_without_resources_gets_the_smallest_size() -> None:
    result = translate_yaml(deployment(), discovery="cloudmap")
    task = props(result, "web", "TaskDefinition")
    assert (task["Cpu"], task["Memory"]) == ("256", "512")
    assert source(result, "Deployment", "web")["notes"] == [
        "pod asks no resources; smallest Fargate size 0.25 vCPU / 512 MiB"]


def test_pod_too_big_for_fargate_gets_the_largest_size_and_is_partial() -> None:
    result = translate_yaml(deployment(container="""
        resources:
          requests: {cpu: "20", memory: 8Gi}
    """), discovery="cloudmap")
    task = props(result, "web", "TaskDefinition")
    assert (task["Cpu"], task["Memory"]) == ("16384", "122880")
    entry = source(result, "Deployment", "web")
    assert entry["status"] == "partial"
    assert entry["notes"] == [
        "container Cpu values scaled down by 16384/20480 to fit the task",
        "pod asks 20 vCPU / 8192 MiB; smallest Fargate size 16 vCPU / 122880 MiB (the largest "
        "Fargate size; the pod asked for more)"]
    assert container(result, "web")["Cpu"] == 16384  # ECS refuses more than the task's


def test_resources_other_than_cpu_and_memory_are_unsupported() -> None:
    result = translate_yaml(deployment(container="""
        resources:
          limits: {memory: 512Mi, nvidia.com/gpu: 1}
    """))
    gpu = fate(result, "Deployment", "web", f"{C0}/resources/limits/nvidia.com~1gpu")
    assert (gpu["status"], gpu["note"]) == ("unsupported", "nvidia.com/gpu has no Fargate "
                                            "equivalent")


@pytest.mark.parametrize(("grace", "stop", "status"), [(45, 45, "mapped"), (600, 120, "lossy"),
                                                      (0, 2, "lossy")])
def test_termination_grace_period_becomes_stop_timeout(grace: int, stop: int,
                                                       status: str) -> None:
    result = translate_yaml(deployment(pod=f"terminationGracePeriodSeconds: {grace}"))
    assert container(result, "web")["StopTimeout"] == stop
    reported = fate(result, "Deployment", "web",
                    "/spec/template/spec/terminationGracePeriodSeconds")
    assert reported["status"] == status
    assert reported["to"] == f"{TO_C0}/StopTimeout"


def test_the_default_grace_period_leaves_ecs_default_stop_timeout() -> None:
    result = translate_yaml(deployment(pod="terminationGracePeriodSeconds: 30"))
    assert "StopTimeout" not in container(result, "web")  # ECS's default is 30 s as well
    reported = fate(result, "Deployment", "web", "/spec/template/spec/terminationGracePeriodSeconds")
    assert reported["status"] == "mapped"


@pytest.mark.parametrize(("delay", "period", "failures", "start_period", "status"), [
    (0, 10, 30, 300, "lossy"),   # a 300 s budget fits exactly
    (5, 10, 6, 65, "lossy"),
    (0, 10, 60, 300, "lossy"),   # 600 s wanted; ECS stops at 300
])
def test_startup_probe_stretches_the_start_period(delay: int, period: int, failures: int,
                                                  start_period: int, status: str) -> None:
    result = translate_yaml(deployment(container=f"""
        livenessProbe:
          exec: {{command: [pgrep, app]}}
        startupProbe:
          exec: {{command: [pgrep, app]}}
          initialDelaySeconds: {delay}
          periodSeconds: {period}
          failureThreshold: {failures}
    """))
    assert container(result, "web")["HealthCheck"]["StartPeriod"] == start_period
    startup = fate(result, "Deployment", "web", "/spec/template/spec/containers/0/startupProbe")
    assert startup["status"] == status
    assert ("ECS allows" in startup["note"]) == (delay + period * failures > 300)


def test_explicit_success_threshold_of_one_is_mapped() -> None:
    result = translate_yaml(deployment(container="""
        livenessProbe:
          exec: {command: [pgrep, app]}
          successThreshold: 1
    """))
    path = "/spec/template/spec/containers/0/livenessProbe/successThreshold"
    assert fate(result, "Deployment", "web", path)["status"] == "mapped"


def test_label_and_annotation_field_refs_are_the_templates_values() -> None:
    """kubelet gives metadata.labels['x'] and metadata.annotations['x'] the pod's values, which
    its template fixes; metadata.name has none an ECS task knows in advance."""
    result = translate_yaml("""
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata:
      labels: {app: web, team: blue}
      annotations: {owner: ops}
    spec:
      containers:
        - name: web
          image: nginx:1.27
          env:
            - name: TEAM
              valueFrom: {fieldRef: {fieldPath: "metadata.labels['team']"}}
            - name: OWNER
              valueFrom: {fieldRef: {fieldPath: 'metadata.annotations["owner"]'}}
            - name: POD
              valueFrom: {fieldRef: {fieldPath: metadata.name}}
            - name: NONE
              valueFrom: {fieldRef: {fieldPath: "metadata.labels['absent']"}}
            - {name: URL, value: "http://$(TEAM).example/$(OWNER)/$(POD)"}
""")
    assert env_of(container(result, "web")) == {
        "TEAM": "blue", "OWNER": "ops", "URL": "http://blue.example/ops/$(POD)"}
    assert statuses(result, "Deployment", "web", f"{C0}/env/2") == ["unsupported"]
    assert statuses(result, "Deployment", "web", f"{C0}/env/3") == ["unsupported"]
    assert "lossy" in statuses(result, "Deployment", "web", f"{C0}/env/4")
