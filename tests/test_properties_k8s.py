"""Property tests over generated Kubernetes objects: Deployments (containers, ports, env,
quantities, probes), Services, HPAs, ConfigMaps, Secrets and ExternalSecrets with random
names and values, some of them wrong. Whatever comes in, eks2ecs either writes templates that
cfn-lint (with eks2ecs's own rules) passes and that parse back to the plan, or stops with a
one-line exit-2 error; no secret value ever reaches an output; the same input gives the
same bytes. The budget is the hypothesis profile's (tests/conftest.py)."""

from __future__ import annotations

import base64
import json
from typing import Any

from hypothesis import event, given, note
from hypothesis import strategies as st

from tests.helpers import decoded
from tests.test_emitter_properties import flow
from translator.api import translate
from translator.cfn import to_json
from translator.context import Options
from translator.errors import InputError

names = st.from_regex(r"[a-z]([-a-z0-9]{0,10}[a-z0-9])?", fullmatch=True)
namespaces = st.sampled_from(["shop", "default", "payments"])
env_names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,12}", fullmatch=True)
free_text = st.text(max_size=30) | st.sampled_from(
    ["", "true", "0755", "${AWS::Region}", "{{ x }}", "!Ref A", "a: b", "line\nbreak", "~"])
images = st.sampled_from(["nginx:1.27", "ghcr.io/acme/api@sha256:" + "a" * 64,
                          "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:v1", "busybox"])
ports = st.integers(1, 65535)
cpus = st.sampled_from(["50m", "100m", "250m", "500m", "1", "1500m", "2", "4", "0.5"])
memories = st.sampled_from(["64Mi", "128Mi", "512Mi", "1Gi", "1536Mi", "3Gi", "8Gi", "1G",
                            "268435456"])
# a wrong value now and then: the run must stop with a clean exit-2 error
wrong = st.sampled_from([("replicas", "three"), ("cpu", "lots"), ("port", 99999),
                         ("port", "http"), ("memory", "-1Gi"), ("name", "Not_A_Name")])

SECRET_MARK = "S3CRET"


@st.composite
def probes(draw: st.DrawFn, port: int) -> dict[str, Any]:
    handler = draw(st.sampled_from(["http", "tcp", "exec"]))
    probe: dict[str, Any] = {
        "http": {"httpGet": {"path": draw(st.sampled_from(["/", "/healthz", "/a b?x=1"])),
                             "port": port}},
        "tcp": {"tcpSocket": {"port": port}},
        "exec": {"exec": {"command": ["sh", "-c", draw(free_text)]}},
    }[handler]
    for field, top in (("periodSeconds", 400), ("timeoutSeconds", 120),
                       ("failureThreshold", 20), ("initialDelaySeconds", 600)):
        if draw(st.booleans()):
            probe[field] = draw(st.integers(1, top))
    return probe


@st.composite
def containers(draw: st.DrawFn, name: str, config: str | None,
               secret: str | None) -> dict[str, Any]:
    port = draw(ports)
    container: dict[str, Any] = {"name": name, "image": draw(images),
                                 "ports": [{"containerPort": port}]}
    env = [{"name": n, "value": v} for n, v in draw(
        st.dictionaries(env_names, free_text, max_size=4)).items()]
    if config:
        env.append({"name": "FROM_CONFIG", "valueFrom": {
            "configMapKeyRef": {"name": config, "key": "KEY_0"}}})
    if secret:
        env.append({"name": "FROM_SECRET", "valueFrom": {
            "secretKeyRef": {"name": secret, "key": "KEY_0"}}})
    if env:
        container["env"] = env
    if draw(st.booleans()):
        requests = {"cpu": draw(cpus), "memory": draw(memories)}
        container["resources"] = {"requests": requests}
        if draw(st.booleans()):
            container["resources"]["limits"] = dict(requests)
    for kind in ("livenessProbe", "readinessProbe"):
        if draw(st.booleans()):
            container[kind] = draw(probes(port))
    return container


@st.composite
def applications(draw: st.DrawFn) -> tuple[list[dict[str, Any]], list[str]]:
    """Manifests of one app and the secret values they hold."""
    ns = draw(namespaces)
    app = draw(names)
    meta = {"name": app, "namespace": ns}
    docs: list[dict[str, Any]] = []
    secrets: list[str] = []
    config = secret = None
    if draw(st.booleans()):
        config = f"{app}-config"
        data = {f"KEY_{i}": draw(free_text) for i in range(draw(st.integers(1, 3)))}
        docs.append({"apiVersion": "v1", "kind": "ConfigMap",
                     "metadata": {"name": config, "namespace": ns}, "data": data})
    source = draw(st.sampled_from(["none", "secret", "external"]))
    if source != "none":
        secret = f"{app}-secret"
        values = [f"{SECRET_MARK}-{draw(st.text(min_size=4, max_size=12))}" for _ in range(2)]
        secrets += values
        docs.append({"apiVersion": "v1", "kind": "Secret",
                     "metadata": {"name": secret, "namespace": ns},
                     "data": {"KEY_0": base64.b64encode(values[0].encode()).decode()},
                     "stringData": {"KEY_1": values[1]}})
    if source == "external":
        docs.append({"apiVersion": "external-secrets.io/v1", "kind": "SecretStore",
                     "metadata": {"name": "aws", "namespace": ns},
                     "spec": {"provider": {"aws": {"service": draw(st.sampled_from(
                         ["SecretsManager", "ParameterStore"])), "region": "us-east-1"}}}})
        docs.append({"apiVersion": "external-secrets.io/v1", "kind": "ExternalSecret",
                     "metadata": {"name": secret, "namespace": ns},
                     "spec": {"secretStoreRef": {"name": "aws", "kind": "SecretStore"},
                              "target": {"name": secret},
                              "data": [{"secretKey": "KEY_0",
                                        "remoteRef": {"key": f"/{ns}/{draw(names)}"}}]}})
    container_names = draw(st.lists(names, min_size=1, max_size=3, unique=True))
    pod = {"containers": [draw(containers(c, config, secret if i == 0 else None))
                          for i, c in enumerate(container_names)]}
    labels = {"app": app}
    deployment = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": dict(meta),
                  "spec": {"replicas": draw(st.integers(0, 10)),
                           "selector": {"matchLabels": labels},
                           "template": {"metadata": {"labels": labels}, "spec": pod}}}
    docs.append(deployment)
    first = pod["containers"][0]
    if draw(st.booleans()):
        docs.append({"apiVersion": "v1", "kind": "Service", "metadata": dict(meta),
                     "spec": {"selector": labels, "ports": [{
                         "name": "http", "port": draw(ports),
                         "targetPort": first["ports"][0]["containerPort"]}]}})
    if draw(st.booleans()):
        low = draw(st.integers(1, 5))
        hpa: dict[str, Any] = {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": app},
            "minReplicas": low, "maxReplicas": draw(st.integers(low, 20))}
        if draw(st.booleans()):
            hpa["metrics"] = [{"type": "Resource", "resource": {
                "name": draw(st.sampled_from(["cpu", "memory"])),
                "target": {"type": "Utilization", "averageUtilization": draw(st.integers(1, 100))}}}]
        docs.append({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
                     "metadata": {"name": f"{app}-hpa", "namespace": ns}, "spec": hpa})
    if draw(st.integers(0, 3)) == 3:  # about one run in four carries a mistake
        field, value = draw(wrong)
        if field == "replicas":
            deployment["spec"]["replicas"] = value
        elif field == "name":
            first["name"] = value
        elif field == "port":
            first["ports"][0]["containerPort"] = value
        else:
            first["resources"] = {"requests": {field: value}}
    return docs, secrets


def stream(docs: list[dict[str, Any]]) -> str:
    """YAML flow documents with every non-ASCII character escaped: YAML refuses raw control
    characters (tests/hostile has that case) and JSON's surrogate-pair escapes."""
    return "---\n".join(flow(doc) + "\n" for doc in docs)


def assert_no_secret(texts: dict[str, str], secrets: list[str]) -> None:
    for value in secrets:
        forms = {value, base64.b64encode(value.encode()).decode(), json.dumps(value)[1:-1]}
        for name, text in texts.items():
            for form in forms:
                assert form not in text, f"{name} holds a secret value"


@given(applications())
def test_generated_apps_translate_cleanly_or_fail_cleanly(app: tuple[list[dict[str, Any]],
                                                                     list[str]]) -> None:
    docs, secrets = app
    text = stream(docs)
    note(text)
    try:
        result = translate(["-"], stdin=text)  # raises ValidationFailed on any lint finding
    except InputError as exc:
        event("refused with exit 2")
        message = str(exc)
        assert message.startswith("-:") and "\n" not in message, message
        assert_no_secret({"error": message}, secrets)
        return
    event("translated")
    assert result.findings == []
    for stack in result.plan.stacks:
        assert decoded(result.files[stack.file]) == to_json(stack.as_cfn()), stack.file
    assert_no_secret(result.files, secrets)
    again = translate(["-"], Options(validate=False), stdin=text)
    assert again.files == result.files
