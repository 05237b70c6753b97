"""Who calls whom: on the real apps, every address a workload names (env, command, args,
ConfigMap files) that resolved in the cluster is routed to a listener on the right container
port, and values that are not addresses are left exactly as written.

Each app is translated with both discoveries. The check reads the output: each
`<name>.<dns domain>` in a task definition must be a Cloud Map service some ECS service
registers in, and its port (as written, or the one the URL's scheme implies) a container port
of that task; with Service Connect (the default), each client alias a client's values name
must be on a port the alias answers, and the alias's port mapping must be the container port
the Service targets (read from the input Services). The input side is checked by the strong
forms: a `.svc`/`.svc.cluster.local` name or `scheme://svc` of a Service in the input survives
into the output only as a Service Connect alias in a Service Connect client."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.paths import CORPUS, EXAMPLE
from translator.api import Result, translate
from translator.cfn import GetAtt
from translator.context import DISCOVERY, Options

pytestmark = pytest.mark.usefixtures("shared")

APPS = {
    "examples/k8s": (EXAMPLE, "default"),
    "microservices-demo": (CORPUS / "GoogleCloudPlatform__microservices-demo" / "release",
                           "default"),
    "bank-of-anthos": (CORPUS / "GoogleCloudPlatform__bank-of-anthos" / "kubernetes-manifests",
                       "default"),
    "opentelemetry-demo": (CORPUS / "open-telemetry__opentelemetry-demo" / "kubernetes",
                           "otel-demo"),
    "eks-workshop": (CORPUS / "aws-samples__eks-workshop-v2", "default"),
}
SCHEME_PORT = {"http": 80, "https": 443, "ws": 80, "wss": 443}


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _listeners(result: Result) -> dict[str, set[int]]:
    """Cloud Map service name -> container ports of the task that registers in it."""
    registries: dict[tuple[str, str], str] = {}
    for stack in result.plan.stacks:
        for logical_id, res in stack.resources.items():
            if res.type == "AWS::ServiceDiscovery::Service":
                registries[(stack.info.key, logical_id)] = res.properties["Name"]
    listeners: dict[str, set[int]] = {}
    for stack in result.plan.stacks:
        service = stack.resources.get("Service")
        task = stack.resources.get("TaskDefinition")
        if service is None or task is None:
            continue
        ports = {m["ContainerPort"] for c in task.properties["ContainerDefinitions"]
                 for m in c.get("PortMappings", [])}
        for registry in service.properties.get("ServiceRegistries", []):
            arn = registry["RegistryArn"]
            if isinstance(arn, GetAtt):
                listeners.setdefault(registries[(stack.info.key, arn.resource)], set()).update(
                    ports)
    return listeners


def _task_strings(result: Result) -> list[tuple[str, str]]:
    """(stack, string) for every value a container is given: env values (the ConfigMap file
    writer's among them), EntryPoint and Command."""
    found = []
    for stack in result.plan.stacks:
        for res in stack.resources.values():
            if res.type != "AWS::ECS::TaskDefinition":
                continue
            for definition in res.properties["ContainerDefinitions"]:
                values = [e["Value"] for e in definition.get("Environment", [])]
                values += definition.get("EntryPoint", []) + definition.get("Command", [])
                found += [(stack.info.key, s) for v in values for s in _strings(v)]
    return found


@pytest.fixture(scope="module", params=[(a, d) for a in APPS for d in DISCOVERY],
                ids=[f"{a}-{d}" for a in APPS for d in DISCOVERY])
def app(request: pytest.FixtureRequest) -> tuple[str, Result, str]:
    name, discovery = request.param
    folder, namespace = APPS[name]
    result = translate([str(folder)], Options(namespace=namespace, validate=False,
                                              discovery=discovery))
    cluster = next(s for s in result.plan.stacks if s.info.key == "cluster")
    return name, result, str(cluster.parameters["DnsNamespaceName"].default)


def _connect(result: Result) -> dict[str, dict[str, Any]]:
    """Stack -> the ServiceConnectConfiguration of its ECS service (Service Connect clients)."""
    return {s.info.key: s.resources["Service"].properties["ServiceConnectConfiguration"]
            for s in result.plan.stacks
            if "Service" in s.resources and "ServiceConnectConfiguration" in
            s.resources["Service"].properties}


def _aliases(result: Result) -> dict[str, set[int]]:
    """Client alias DnsName -> the ports it answers, over every ECS service."""
    found: dict[str, set[int]] = {}
    for config in _connect(result).values():
        for service in config.get("Services", []):
            for alias in service["ClientAliases"]:
                found.setdefault(alias["DnsName"], set()).add(alias["Port"])
    return found


def _input_services(folder: Path, namespace: str) -> dict[tuple[str, str], dict[int, Any]]:
    """(namespace, name) -> {port: targetPort} of every Service of the input."""
    yaml = pytest.importorskip("yaml")
    found: dict[tuple[str, str], dict[int, Any]] = {}
    for path in sorted([folder] if folder.is_file() else folder.rglob("*.y*ml")):
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if isinstance(doc, dict) and doc.get("kind") == "Service":
                meta = doc.get("metadata") or {}
                ports = (doc.get("spec") or {}).get("ports") or []
                found[(meta.get("namespace") or namespace, meta["name"])] = {
                    p["port"]: p.get("targetPort") or p["port"] for p in ports}
    return found


def test_every_cloud_map_address_reaches_a_container_port(app: tuple[str, Result, str]) -> None:
    name, result, domain = app
    listeners = _listeners(result)
    address = re.compile(rf"(?:(?P<scheme>[a-z][a-z0-9+.-]*)://(?:[^@/\s]*@)?)?"
                         rf"(?<![\w.-])(?P<host>[a-z0-9-]+(?:\.[a-z0-9-]+)?)\.{re.escape(domain)}"
                         r"(?![\w-]|\.[A-Za-z0-9])(?::(?P<port>\d+))?")
    routed, wrong = 0, []
    for stack, text in _task_strings(result):
        for match in address.finditer(text):
            host, port, scheme = match["host"], match["port"], match["scheme"]
            number = int(port) if port else SCHEME_PORT.get(scheme or "")
            if number is None:  # a bare host: the client brings its own port
                routed += host in listeners
                continue
            if host in listeners and number in listeners[host]:
                routed += 1
            else:
                wrong.append(f"{stack}: {match[0]} (listens on {sorted(listeners.get(host, []))})")
    assert wrong == [], f"{name}: addresses with no listener"
    if not _connect(result):
        assert routed >= {"examples/k8s": 1, "microservices-demo": 17, "bank-of-anthos": 18,
                          "opentelemetry-demo": 60, "eks-workshop": 1}[name]


def test_every_service_connect_alias_reaches_the_target_port(
        app: tuple[str, Result, str]) -> None:
    """A client alias answers on the Service's port and its port mapping is the container
    port the Service targeted; every alias a client names is on a port the alias answers."""
    name, result, _ = app
    connect = _connect(result)
    if not connect:
        pytest.skip("cloudmap: no Service Connect")
    folder, namespace = APPS[name]
    services = _input_services(Path(folder), namespace)
    checked = 0
    for stack in result.plan.stacks:
        config = connect.get(stack.info.key)
        task = stack.resources.get("TaskDefinition")
        if config is None or task is None:
            continue
        mappings = {m.get("Name"): m for c in task.properties["ContainerDefinitions"]
                    for m in c.get("PortMappings", [])}
        for service in config.get("Services", []):
            mapping = mappings[service["PortName"]]  # E9120 holds this for every template
            base, _, port = service["DiscoveryName"].rpartition("-")
            svc, _, ns = base.replace("_", ".").partition(".")
            key = (ns, svc) if ns else next(k for k in services if k[1] == svc)
            target = services[key][int(port)]
            assert [a["Port"] for a in service["ClientAliases"]] == [int(port)]
            assert mapping["ContainerPort"] == target if isinstance(target, int) \
                else mapping["Name"] == target, (stack.info.key, service)
            checked += 1
    aliases, wrong, routed = _aliases(result), [], 0
    for stack, text in _task_strings(result):
        if stack not in connect:
            continue
        for alias, ports in aliases.items():
            pattern = re.compile(rf"(?:(?P<scheme>[a-z][a-z0-9+.-]*)://(?:[^@/\s]*@)?)?"
                                 rf"(?<![\w.-]){re.escape(alias)}(?![\w-]|\.[A-Za-z0-9])"
                                 r"(?::(?P<port>\d+))?")
            for match in pattern.finditer(text):
                number = int(match["port"]) if match["port"] else \
                    SCHEME_PORT.get(match["scheme"] or "")
                if number is None or number in ports:
                    routed += 1
                elif match["scheme"] or match["port"]:
                    wrong.append(f"{stack}: {match[0]} (answers {sorted(ports)})")
    assert wrong == [], f"{name}: aliases named on ports they do not answer"
    floors = {"examples/k8s": (2, 2), "microservices-demo": (11, 20),
              "bank-of-anthos": (8, 24), "opentelemetry-demo": (32, 128), "eks-workshop": (1, 1)}
    assert checked >= floors[name][0] and routed >= floors[name][1], (checked, routed)


def test_no_in_cluster_name_of_a_service_in_the_input_survives(
        app: tuple[str, Result, str]) -> None:
    name, result, _ = app
    services = {(s["name"], s.get("namespace") or "") for s in result.report["sources"]
                if s["kind"] == "Service"}
    names = [n for n, _ in services]
    strong = re.compile(r"(?:://(?:[^@/\s]*@)?(?P<bare>[a-z0-9-]+)(?![\w.-]))|"
                        r"(?<![\w.-])(?P<svc>[a-z0-9-]+)\.[a-z0-9-]+\.svc\b")
    connect, aliases = _connect(result), _aliases(result)
    left = [text for stack, text in _task_strings(result) for m in strong.finditer(text)
            if (m["bare"] or m["svc"]) in names
            and not (stack in connect and (m["bare"] or _full(text, m.start("svc"))) in aliases)]
    assert left == [], f"{name}: in-cluster names left in the output"


def _full(text: str, start: int) -> str:
    """The whole DNS name starting at `start`."""
    found = re.match(r"[a-z0-9.-]+", text[start:])
    return found[0].rstrip(".") if found else ""


def _env(result: Result, stack: str, variable: str) -> str:
    for s in result.plan.stacks:
        if s.info.key.endswith(stack):
            task = s.resources["TaskDefinition"].properties
            for definition in task["ContainerDefinitions"]:
                for entry in definition.get("Environment", []):
                    if entry["Name"] == variable:
                        return str(entry["Value"])
    raise AssertionError(f"{stack} has no {variable}")


def test_values_that_are_not_addresses_stay_as_written(app: tuple[str, Result, str]) -> None:
    name, result, _ = app
    # with Service Connect, addresses of served Services stay exactly as written
    connect = bool(_connect(result))
    if name == "bank-of-anthos":
        assert _env(result, "accounts-db", "POSTGRES_DB") == "accounts-db"
        assert _env(result, "accounts-db", "ACCOUNTS_DB_URI") == (
            "postgresql://accounts-admin:accounts-pwd@accounts-db:5432/accounts-db" if connect
            else "postgresql://accounts-admin:accounts-pwd@accounts-db.default.local:5432/"
                 "accounts-db")
    if name == "opentelemetry-demo":
        assert _env(result, "jaeger", "METRICS_STORAGE_TYPE") == "prometheus"
        assert _env(result, "cart", "OTEL_EXPORTER_OTLP_ENDPOINT") == (
            "http://otel-collector:4317" if connect else
            "http://otel-collector.otel-demo.local:4317")
    if name == "examples/k8s":
        assert _env(result, "backend", "WEAVIATE_URL") == (
            "http://weaviate.angel-backend.svc.cluster.local:8080" if connect else
            "http://weaviate.angel-backend.local:8080")
    rewrites = [f["note"] for s in result.report["sources"] for f in s["fields"]
                if (f.get("note") or "").startswith("DNS rewrite")]
    # a rewrite always changes a host into a Cloud Map or external name, never a bare word
    assert all(re.search(r"-> \S+\.", note) or "container port behind" in note
               for note in rewrites), rewrites


def test_the_apps_are_there() -> None:
    assert all(Path(folder).is_dir() for folder, _ in APPS.values())
