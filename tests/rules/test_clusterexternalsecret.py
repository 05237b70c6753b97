"""ClusterExternalSecret -> the ExternalSecret it makes in each namespace of the input it
selects, read by that namespace's workloads as a namespaced ExternalSecret would be."""

from __future__ import annotations

import pytest

from tests.helpers import container, deployment, docs, env_reading, fate, secrets_of, source, translate_yaml
from translator.api import Result
from translator.cfn import Sub

CES = """
apiVersion: external-secrets.io/v1
kind: ClusterExternalSecret
metadata: {name: shared-db}
spec:
  externalSecretName: db
  namespaceSelectors:
    - matchLabels: {team: shop}
  refreshTime: 1m
  externalSecretSpec:
    refreshInterval: 1h
    secretStoreRef: {name: aws, kind: ClusterSecretStore}
    target: {name: db-credentials}
    data:
      - secretKey: PASSWORD
        remoteRef: {key: shop/db, property: password}
---
apiVersion: external-secrets.io/v1
kind: ClusterSecretStore
metadata: {name: aws}
spec:
  provider:
    aws: {service: SecretsManager, region: us-east-1}
---
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {team: shop}}
---
apiVersion: v1
kind: Namespace
metadata: {name: ops}
"""


@pytest.fixture(scope="module")
def result() -> Result:
    return translate_yaml(docs(CES, deployment(container=env_reading("db-credentials", "PASSWORD")),
                               deployment("tool", namespace="ops",
                                          container=env_reading("db-credentials", "PASSWORD"))))


def test_workloads_of_a_selected_namespace_read_the_aws_secret(result: Result) -> None:
    assert secrets_of(container(result, "web")) == {
        "PASSWORD": Sub("${ShopDbSecretArn}:password::")}
    assert fate(result, "Deployment", "web", "/spec/template/spec/containers/0/env/0")[
        "status"] == "mapped"


def test_a_namespace_it_does_not_select_has_no_such_secret(result: Result) -> None:
    """ops is not selected: its Secret db-credentials is neither made nor in the input."""
    assert secrets_of(container(result, "ops-tool")) == {"PASSWORD": Sub(
        "${OpsDbCredentialsSecretArn}:PASSWORD::")}


def test_the_cluster_external_secret_is_reported(result: Result) -> None:
    assert source(result, "ClusterExternalSecret", "shared-db")["status"] == "mapped"
    selectors = fate(result, "ClusterExternalSecret", "shared-db", "/spec/namespaceSelectors")
    assert selectors["note"].startswith("ExternalSecret db in shop (the namespaces of the input")
    data = fate(result, "ClusterExternalSecret", "shared-db", "/spec/externalSecretSpec/data/0")
    assert (data["status"], data["note"]) == ("mapped", "ValueFrom of env vars reading key "
                                                        "'PASSWORD'")
    assert fate(result, "ClusterExternalSecret", "shared-db", "/spec/refreshTime")["status"] == \
        "ignored"
