"""ConfigMap -> plain Environment entries of the containers that read it; no resource."""

from __future__ import annotations

from tests.helpers import (
    container,
    deployment,
    docs,
    env_of,
    fate,
    fates,
    source,
    translate_yaml,
)

CONFIG = """
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg, namespace: shop}
data:
  MODE: fast
  LEVEL: debug
  UNUSED: "1"
"""

BACKEND = deployment("backend", container="ports: [{containerPort: 8080}]")
BACKEND_SERVICE = """
apiVersion: v1
kind: Service
metadata: {name: backend, namespace: shop}
spec:
  selector: {app: backend}
  ports:
    - {port: 80, targetPort: 8080}
"""


def test_keys_read_by_key_ref_are_copied_and_others_ignored() -> None:
    result = translate_yaml(docs(CONFIG, deployment(container="""
        env:
          - name: MODE
            valueFrom: {configMapKeyRef: {name: cfg, key: MODE}}
          - name: LOG_LEVEL
            valueFrom: {configMapKeyRef: {name: cfg, key: LEVEL}}
    """)))
    assert env_of(container(result, "web")) == {"MODE": "fast", "LOG_LEVEL": "debug"}
    entry = source(result, "ConfigMap", "cfg")
    assert entry["status"] == "mapped"
    assert entry["resources"] == []
    assert fate(result, "ConfigMap", "cfg", "/data/MODE") == {
        "path": "/data/MODE", "status": "mapped", "note": "Environment of Deployment/web",
        "to": "workload-web.yaml#/Resources/TaskDefinition/Properties/ContainerDefinitions/0/Environment/0"}
    unused = fate(result, "ConfigMap", "cfg", "/data/UNUSED")
    assert (unused["status"], unused["note"]) == ("ignored",
                                                  "no workload in the input reads this key")


def test_env_from_reads_every_key_and_names_every_reader() -> None:
    result = translate_yaml(docs(
        CONFIG,
        deployment("one", container="envFrom: [{configMapRef: {name: cfg}}]"),
        deployment("two", container="""
            env:
              - name: LEVEL
                valueFrom: {configMapKeyRef: {name: cfg, key: LEVEL}}
        """)))
    assert env_of(container(result, "one")) == {"MODE": "fast", "LEVEL": "debug", "UNUSED": "1"}
    assert env_of(container(result, "two")) == {"LEVEL": "debug"}
    assert [f["note"] for f in fates(result, "ConfigMap", "cfg", "/data/LEVEL")] == \
        ["Environment of Deployment/one, Deployment/two"] * 2  # one entry per copy
    assert fate(result, "ConfigMap", "cfg", "/data/MODE")["note"] == \
        "Environment of Deployment/one"


def test_config_map_nobody_reads_is_ignored() -> None:
    result = translate_yaml(CONFIG)
    entry = source(result, "ConfigMap", "cfg")
    assert entry["status"] == "ignored"
    assert entry["reason"] == "no workload in the input reads this ConfigMap"
    assert [s.info.title for s in result.plan.stacks] == ["cluster"]


def test_reader_in_another_namespace_does_not_count() -> None:
    result = translate_yaml(docs(CONFIG, deployment(namespace="other", container="""
        envFrom: [{configMapRef: {name: cfg, optional: true}}]
    """)))
    assert source(result, "ConfigMap", "cfg")["status"] == "ignored"
    assert "Environment" not in container(result, "other-web")


def test_binary_data_is_unsupported() -> None:
    result = translate_yaml(docs("""
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: blobs, namespace: shop}
        data:
          NAME: x
        binaryData:
          logo.png: iVBORw0KGgo=
    """, deployment(container="envFrom: [{configMapRef: {name: blobs}}]")))
    logo = fate(result, "ConfigMap", "blobs", "/binaryData/logo.png")
    assert logo["status"] == "unsupported"
    assert logo["note"].startswith("binary values cannot be ECS environment variables")
    assert source(result, "ConfigMap", "blobs")["status"] == "partial"
    assert env_of(container(result, "web")) == {"NAME": "x"}


def test_values_copied_from_a_config_map_get_the_dns_rewrite() -> None:
    result = translate_yaml(docs(BACKEND, BACKEND_SERVICE, """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: urls, namespace: shop}
        data:
          BACKEND_URL: http://backend.shop.svc.cluster.local:80/api
          BACKEND_HOST: backend
    """, deployment(container="envFrom: [{configMapRef: {name: urls}}]")), discovery="cloudmap")
    assert env_of(container(result, "web")) == {
        "BACKEND_URL": "http://backend.shop.local:8080/api",
        "BACKEND_HOST": "backend.shop.local",
    }
