"""Over every output the suite holds (output/ of examples/k8s, each fixture's expected/, a
translation of each corpus folder): no container health check runs a tool the manifests did
not name (an exec probe's command), and a load-balanced container's HTTP probe (readiness,
else liveness) is its target group's health check, not a command inside the image.

Kubernetes ran httpGet, grpc and tcpSocket probes from the kubelet; ECS runs a container
HealthCheck inside the image, which may have no shell, curl, wget or grpc_health_probe
(distroless, python:slim), and replaces a task whose essential container fails it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.fixture_cases import FIXTURES, cases, parse
from tests.paths import CORPUS, EXAMPLE, REPO, corpus_apps, corpus_id
from translator.api import translate
from translator.context import Options
from translator.load import MANIFEST_SUFFIXES

PROBES = ("livenessProbe", "readinessProbe", "startupProbe")
HEALTH_CHECK_ANNOTATION = "eks2ecs.io/health-check"
NAMESPACES = {"open-telemetry__opentelemetry-demo": "otel-demo"}
DUPLICATED = {"external-secrets__external-secrets"}


def _docs(folder: Path) -> list[dict[str, Any]]:
    found = []
    for path in sorted(folder.rglob("*")):
        if path.suffix in MANIFEST_SUFFIXES:
            found += [d for d in yaml.safe_load_all(path.read_text()) if isinstance(d, dict)]
    return found


def _walk(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from _walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item)


def _containers(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Container name -> container of every pod template in a document."""
    return {c["name"]: c for node in _walk(doc) for key in ("containers", "initContainers")
            if isinstance(node.get(key), list)
            for c in node[key] if isinstance(c, dict) and "name" in c}


def _http_path(container: dict[str, Any]) -> str | None:
    for key in ("readinessProbe", "livenessProbe"):
        get = (container.get(key) or {}).get("httpGet")
        if isinstance(get, dict):
            path = str(get.get("path") or "/")
            return path if path.startswith("/") else "/" + path
    return None


def check(docs: list[dict[str, Any]], templates: dict[str, Any]) -> int:
    """Assert both properties; the number of load-balanced probes found on target groups."""
    named = {("CMD", *map(str, c[key]["exec"]["command"]))
             for doc in docs for c in _containers(doc).values() for key in PROBES
             if isinstance((c.get(key) or {}).get("exec"), dict)}
    opted_in = any(HEALTH_CHECK_ANNOTATION in ((d.get("metadata") or {}).get("annotations") or {})
                   for d in docs)
    # the controller's annotations choose another path (or gRPC's /AWS.ALB/healthcheck)
    path_annotated = any(k.endswith(("/healthcheck-path", "/backend-protocol-version"))
                         for d in docs
                         for k in ((d.get("metadata") or {}).get("annotations") or {}))
    workloads = {f"{(d.get('metadata') or {}).get('namespace', '')}/{d['metadata']['name']}":
                 _containers(d) for d in docs if d.get("kind") in ("Deployment", "StatefulSet")}
    on_target_groups = 0
    for name, template in templates.items():
        resources = template.get("Resources") or {}
        for logical, resource in resources.items():
            if resource["Type"] != "AWS::ECS::TaskDefinition":
                continue
            for definition in resource["Properties"]["ContainerDefinitions"]:
                command = tuple(definition.get("HealthCheck", {}).get("Command", ()))
                assert not command or command in named or opted_in, (
                    f"{name}: {logical}: {definition['Name']} runs {command}, which no "
                    "exec probe of the input names")
        for resource in resources.values():
            props = resource.get("Properties") or {}
            if resource["Type"] != "AWS::ECS::Service" or not props.get("LoadBalancers"):
                continue
            tag = next(t["Value"] for t in props["Tags"] if t["Key"] == "kubernetes.io/name")
            ns, _, obj = tag.partition("/")
            containers = workloads.get(f"{ns}/{obj}") or workloads.get(f"/{obj}") or {}
            for attachment in props["LoadBalancers"]:
                container = containers.get(attachment["ContainerName"], {})
                path = _http_path(container)
                if path is None or opted_in:
                    continue
                definitions = resources["TaskDefinition"]["Properties"]["ContainerDefinitions"]
                [definition] = [d for d in definitions if d["Name"] == container["name"]]
                assert "HealthCheck" not in definition or definition["HealthCheck"][
                    "Command"] in [list(c) for c in named], (name, container["name"])
                # the workload's own target group, in its stack
                group = resources[attachment["TargetGroupArn"]["Ref"]]
                assert group["Properties"]["HealthCheckPath"] == path or path_annotated, (
                    name, container["name"], group["Properties"].get("HealthCheckPath"), path)
                on_target_groups += 1
    return on_target_groups


def _folder(folder: Path) -> dict[str, Any]:
    return {p.name: parse(p.name, p.read_text()) for p in sorted(folder.glob("*.yaml"))}


def test_the_golden_output() -> None:
    assert check(_docs(EXAMPLE), _folder(REPO / "output")) >= 1


@pytest.mark.parametrize("case", cases())
def test_each_fixture_case(case: str) -> None:
    check(_docs(FIXTURES / case / "input"), _folder(FIXTURES / case / "expected"))


@pytest.mark.usefixtures("shared")
@pytest.mark.parametrize("folder", [f for f in corpus_apps() if f.name not in DUPLICATED],
                         ids=corpus_id)
def test_each_corpus_folder(folder: Path) -> None:
    app = folder.relative_to(CORPUS).parts[0]
    result = translate([str(folder)], Options(namespace=NAMESPACES.get(app, "default"),
                                              validate=False))
    check(_docs(folder), {n: parse(n, t) for n, t in result.templates.items()})
