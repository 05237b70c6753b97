"""Secret -> an AWS::SecretsManager::Secret with the key names only; values never leave."""

from __future__ import annotations

import base64
import json

import pytest

from tests.helpers import (
    container,
    deployment,
    docs,
    fate,
    props,
    resource,
    secrets_of,
    source,
    stack_for,
    translate_yaml,
)
from translator.api import Result
from translator.cfn import ImportValue, Ref, Sub

PASSWORD = "Hunter2-Very-Secret-Db-Password"
TOKEN = "tok_live_51Nv8QpZsecretvalue"
CERT = "-----BEGIN PRIVATE KEY-----MIIEvQIBADANBgkq"

SECRET = f"""
apiVersion: v1
kind: Secret
metadata: {{name: creds, namespace: shop}}
data:
  DB_PASSWORD: {base64.b64encode(PASSWORD.encode()).decode()}
  TLS_KEY: {base64.b64encode(CERT.encode()).decode()}
stringData:
  API_TOKEN: {TOKEN}
"""

ARN = ImportValue(Sub("${ClusterStackName}-SecretCredsArn"))


@pytest.fixture(scope="module")
def creds() -> Result:
    return translate_yaml(docs(SECRET, deployment(container="""
        env:
          - name: DB_PASSWORD
            valueFrom: {secretKeyRef: {name: creds, key: DB_PASSWORD}}
          - name: NOT_THERE
            valueFrom: {secretKeyRef: {name: creds, key: NOPE}}
    """)))


@pytest.mark.parametrize("value", [
    PASSWORD, TOKEN, CERT,
    base64.b64encode(PASSWORD.encode()).decode(),
    base64.b64encode(CERT.encode()).decode(),
    base64.b64encode(TOKEN.encode()).decode(),
])
def test_no_value_appears_in_any_output_file(creds: Result, value: str) -> None:
    assert sorted(creds.files) == sorted([
        "cluster.yaml", "workload-web.yaml", "parameters.json.example", "deploy-plan.json",
        "deploy.sh", "cleanup.sh", "README.md", "report.md", "report.html", "report.json"])
    for name, text in creds.files.items():
        assert value not in text, f"{name} leaks a Secret value"


def test_secret_holds_the_key_names_with_empty_values(creds: Result) -> None:
    secret = resource(creds, "cluster", "SecretCreds")
    assert secret.type == "AWS::SecretsManager::Secret"
    assert secret.properties["Name"] == "shop/shop/creds"
    assert json.loads(secret.properties["SecretString"]) == {
        "API_TOKEN": "", "DB_PASSWORD": "", "TLS_KEY": ""}


def test_cluster_stack_exports_the_secret_arn(creds: Result) -> None:
    output = stack_for(creds, "cluster").outputs["SecretCredsArn"]
    assert output.value == Ref("SecretCreds")
    assert output.export == Sub("${AWS::StackName}-SecretCredsArn")


def test_workload_reads_the_key_from_the_imported_secret(creds: Result) -> None:
    assert secrets_of(container(creds, "web")) == {
        "DB_PASSWORD": Sub("${Arn}:DB_PASSWORD::", (("Arn", ARN),))}
    policy = props(creds, "web", "ExecutionRole")["Policies"][0]["PolicyDocument"]
    assert policy["Statement"] == [{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
                                    "Resource": [ARN]}]
    env = fate(creds, "Deployment", "web", "/spec/template/spec/containers/0/env/0")
    assert env["note"] == "fill in shop/shop/creds in Secrets Manager"


def test_key_missing_from_the_secret_is_unsupported(creds: Result) -> None:
    missing = fate(creds, "Deployment", "web", "/spec/template/spec/containers/0/env/1")
    assert (missing["status"], missing["note"]) == ("unsupported",
                                                    "NOT_THERE: key 'NOPE' is not in Secret/creds")


def test_each_key_is_reported_lossy_with_its_readers(creds: Result) -> None:
    to = "cluster.yaml#/Resources/SecretCreds/Properties/SecretString"
    assert fate(creds, "Secret", "creds", "/data/DB_PASSWORD") == {
        "path": "/data/DB_PASSWORD", "status": "lossy", "to": to,
        "note": "key name copied to shop/shop/creds; value NOT copied - fill it in "
                "(read by Deployment/web)"}
    assert fate(creds, "Secret", "creds", "/stringData/API_TOKEN")["note"] == \
        "key name copied to shop/shop/creds; value NOT copied - fill it in"
    entry = source(creds, "Secret", "creds")
    assert entry["status"] == "partial"
    assert entry["resources"] == [{"template": "cluster.yaml", "logicalId": "SecretCreds",
                                   "type": "AWS::SecretsManager::Secret"}]


def test_env_from_a_secret_reads_every_key() -> None:
    result = translate_yaml(docs(SECRET, deployment(container="""
        envFrom:
          - secretRef: {name: creds}
            prefix: S_
    """)))
    assert secrets_of(container(result, "web")) == {
        "S_API_TOKEN": Sub("${Arn}:API_TOKEN::", (("Arn", ARN),)),
        "S_DB_PASSWORD": Sub("${Arn}:DB_PASSWORD::", (("Arn", ARN),)),
        "S_TLS_KEY": Sub("${Arn}:TLS_KEY::", (("Arn", ARN),)),
    }


def test_typed_secret_loses_its_type() -> None:
    result = translate_yaml(f"""
        apiVersion: v1
        kind: Secret
        metadata: {{name: tls, namespace: shop}}
        type: kubernetes.io/tls
        data:
          tls.key: {base64.b64encode(CERT.encode()).decode()}
    """)
    assert fate(result, "Secret", "tls", "/type")["status"] == "lossy"
    assert json.loads(props(result, "cluster", "SecretTls")["SecretString"]) == {"tls.key": ""}
    assert fate(result, "Secret", "tls", "/data/tls.key")["note"] == \
        "key name copied to shop/shop/tls; value NOT copied - fill it in"
    assert all(CERT not in text for text in result.files.values())


def test_secret_synced_by_an_external_secret_is_not_recreated() -> None:
    result = translate_yaml(docs(SECRET, """
        apiVersion: external-secrets.io/v1beta1
        kind: ExternalSecret
        metadata: {name: creds-sync, namespace: shop}
        spec:
          target: {name: creds}
          data:
            - secretKey: DB_PASSWORD
              remoteRef: {key: shop/db, property: password}
    """, deployment(container="""
        env:
          - name: DB_PASSWORD
            valueFrom: {secretKeyRef: {name: creds, key: DB_PASSWORD}}
    """)))
    entry = source(result, "Secret", "creds")
    assert entry["status"] == "ignored"
    assert entry["reason"] == "synced by ExternalSecret/creds-sync: ECS reads its source directly"
    assert "SecretCreds" not in stack_for(result, "cluster").resources
    assert secrets_of(container(result, "web")) == {
        "DB_PASSWORD": Sub("${ShopDbSecretArn}:password::")}
    assert all(PASSWORD not in text for text in result.files.values())


def test_opaque_type_is_mapped_and_a_synced_secret_is_ignored_whole() -> None:
    result = translate_yaml(docs("""
        apiVersion: v1
        kind: Secret
        metadata: {name: plain, namespace: shop}
        type: Opaque
        data: {K: dmFsdWU=}
    """, """
        apiVersion: v1
        kind: Secret
        metadata: {name: synced, namespace: shop}
        type: Opaque
        data: {K: dmFsdWU=}
    """, """
        apiVersion: external-secrets.io/v1
        kind: ExternalSecret
        metadata: {name: synced, namespace: shop}
        spec:
          data: [{secretKey: K, remoteRef: {key: shop/k}}]
    """))
    assert fate(result, "Secret", "plain", "/type")["status"] == "mapped"
    synced = source(result, "Secret", "synced")
    assert synced["status"] == "ignored"
    assert {f["path"]: f["status"] for f in synced["fields"]
            if f["path"] in ("/data", "/type")} == {"/data": "ignored", "/type": "ignored"}
