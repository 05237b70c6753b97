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
from translator.cfn import Ref, Sub

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

ARN = Ref("SecretCredsArn")  # a parameter deploy.sh fills from the secrets stack's output


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
        "cluster.yaml", "secrets.yaml", "workload-web.yaml", "parameters.json.example",
        "deploy-plan.json",
        "deploy.sh", "cleanup.sh", "README.md", "report.md", "report.html", "report.json"])
    for name, text in creds.files.items():
        assert value not in text, f"{name} leaks a Secret value"


def test_the_secrets_stack_makes_the_secret_empty_and_keeps_it(creds: Result) -> None:
    secret = resource(creds, "secrets", "SecretCreds")
    assert secret.type == "AWS::SecretsManager::Secret"
    # neither SecretString nor GenerateSecretString: CloudFormation makes it empty and never
    # rewrites what the operator put in
    assert secret.properties == {
        "Name": "shop/shop/creds",
        "Description": "Kubernetes Secret shop/creds as JSON keys (API_TOKEN, DB_PASSWORD, "
                       "TLS_KEY); made empty by eks2ecs: put the values in before the "
                       "workloads start"}
    assert secret.deletion_policy == "Retain"
    assert 'DeletionPolicy: "Retain"' in creds.files["secrets.yaml"]
    assert 'UpdateReplacePolicy: "Retain"' in creds.files["secrets.yaml"]
    assert "SecretCreds" not in stack_for(creds, "cluster").resources


def test_the_arn_reaches_the_workload_as_a_parameter_not_an_export(creds: Result) -> None:
    output = stack_for(creds, "secrets").outputs["SecretCredsArn"]
    assert (output.value, output.export) == (Ref("SecretCreds"), None)
    parameter = stack_for(creds, "web").parameters["SecretCredsArn"]
    assert parameter.from_output == ("secrets", "SecretCredsArn")
    assert parameter.allowed_pattern.startswith("^arn:aws[a-z-]*:secretsmanager:")
    plan = json.loads(creds.files["deploy-plan.json"])
    web = next(s for wave in plan["waves"] for s in wave if s["stack"] == "shop-web")
    assert web["parameters"]["SecretCredsArn"] == {"fromStack": "shop-secrets",
                                                   "output": "SecretCredsArn"}
    assert [[s["stack"] for s in wave] for wave in plan["waves"]] == [
        ["shop-cluster"], ["shop-secrets"], ["shop-web"]]
    example = json.loads(creds.files["parameters.json.example"])
    assert "SecretCredsArn" not in example["stacks"]["shop-web"]


def test_workload_reads_the_key_from_the_imported_secret(creds: Result) -> None:
    assert secrets_of(container(creds, "web")) == {
        "DB_PASSWORD": Sub("${SecretCredsArn}:DB_PASSWORD::")}
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
    to = "secrets.yaml#/Resources/SecretCreds"
    assert fate(creds, "Secret", "creds", "/data/DB_PASSWORD") == {
        "path": "/data/DB_PASSWORD", "status": "lossy", "to": to,
        "note": "key name kept as JSON key DB_PASSWORD of shop/shop/creds; value NOT copied: "
                "put it in (deploy.sh prints the command) (read by Deployment/web)"}
    assert fate(creds, "Secret", "creds", "/stringData/API_TOKEN")["note"] == \
        "key name kept as JSON key API_TOKEN of shop/shop/creds; value NOT copied: put it in " \
        "(deploy.sh prints the command)"
    entry = source(creds, "Secret", "creds")
    assert entry["status"] == "partial"
    assert entry["resources"] == [{"template": "secrets.yaml", "logicalId": "SecretCreds",
                                   "type": "AWS::SecretsManager::Secret"}]


def test_env_from_a_secret_reads_every_key() -> None:
    result = translate_yaml(docs(SECRET, deployment(container="""
        envFrom:
          - secretRef: {name: creds}
            prefix: S_
    """)))
    assert secrets_of(container(result, "web")) == {
        "S_API_TOKEN": Sub("${SecretCredsArn}:API_TOKEN::"),
        "S_DB_PASSWORD": Sub("${SecretCredsArn}:DB_PASSWORD::"),
        "S_TLS_KEY": Sub("${SecretCredsArn}:TLS_KEY::"),
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
    assert "tls.key" in props(result, "secrets", "SecretTls")["Description"]
    assert fate(result, "Secret", "tls", "/data/tls.key")["note"].startswith(
        "key name kept as JSON key tls.key of shop/shop/tls; value NOT copied")
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
    assert "secrets" not in [s.info.key for s in result.plan.stacks]
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
