"""ExternalSecret -> task-definition Secrets that read the same AWS secret directly."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.helpers import (
    container,
    deployment,
    docs,
    env_reading,
    fate,
    props,
    secrets_of,
    source,
    stack_for,
    translate_yaml,
)
from translator.api import Result
from translator.cfn import If, Ref, Sub, to_json

C0 = "/spec/template/spec/containers/0"

SECRETS_MANAGER_STORE = """
apiVersion: external-secrets.io/v1beta1
kind: SecretStore
metadata: {name: sm, namespace: shop}
spec:
  provider:
    aws:
      service: SecretsManager
      region: us-east-1
      auth:
        jwt:
          serviceAccountRef: {name: external-secrets}
"""


def statements(result: Result, workload: str = "web") -> list[dict[str, Any]]:
    role = props(result, workload, "ExecutionRole")
    found: list[dict[str, Any]] = role["Policies"][0]["PolicyDocument"]["Statement"]
    return found


def assert_no_wildcard(value: Any) -> None:
    """No string anywhere in an IAM policy document contains '*'."""
    if isinstance(value, dict):
        for item in value.values():
            assert_no_wildcard(item)
    elif isinstance(value, list):
        for item in value:
            assert_no_wildcard(item)
    else:
        assert "*" not in str(value)


@pytest.fixture(scope="module")
def sm() -> Result:
    return translate_yaml(docs(SECRETS_MANAGER_STORE, """
        apiVersion: external-secrets.io/v1beta1
        kind: ExternalSecret
        metadata: {name: app-secrets, namespace: shop}
        spec:
          refreshInterval: 1h
          secretStoreRef: {name: sm, kind: SecretStore}
          target: {name: app, creationPolicy: Owner}
          data:
            - secretKey: PASSWORD
              remoteRef: {key: shop/db, property: password}
            - secretKey: STAGED
              remoteRef: {key: shop/db, property: password, version: AWSPREVIOUS}
            - secretKey: PINNED
              remoteRef: {key: shop/api, version: uuid/0a1b2c3d-1111-2222-3333-444455556666}
            - secretKey: WHOLE
              remoteRef: {key: shop/api}
            - secretKey: NESTED
              remoteRef: {key: shop/db, property: conn.user}
            - secretKey: UNUSED
              remoteRef: {key: shop/unused, property: x}
    """, deployment(container=env_reading("app", "PASSWORD", "STAGED", "PINNED", "WHOLE",
                                          "NESTED"))))


def test_property_becomes_the_json_key_of_the_value_from(sm: Result) -> None:
    assert secrets_of(container(sm, "web"))["PASSWORD"] == Sub("${ShopDbSecretArn}:password::")


def test_version_stage_and_version_id(sm: Result) -> None:
    found = secrets_of(container(sm, "web"))
    assert found["STAGED"] == Sub("${ShopDbSecretArn}:password:AWSPREVIOUS:")
    assert found["PINNED"] == Sub("${ShopApiSecretArn}:::0a1b2c3d-1111-2222-3333-444455556666")


def test_key_without_property_reads_the_whole_secret(sm: Result) -> None:
    assert secrets_of(container(sm, "web"))["WHOLE"] == Sub("${ShopApiSecretArn}")


def test_nested_property_is_unsupported_on_both_sides(sm: Result) -> None:
    assert "NESTED" not in secrets_of(container(sm, "web"))
    data = fate(sm, "ExternalSecret", "app-secrets", "/spec/data/4")
    assert data["status"] == "unsupported"
    assert data["note"].startswith("property 'conn.user' is nested; ECS reads top-level JSON keys")
    env = fate(sm, "Deployment", "web", f"{C0}/env/4")
    assert env["status"] == "unsupported"
    assert env["note"].startswith("NESTED: property 'conn.user' is nested")
    assert source(sm, "ExternalSecret", "app-secrets")["status"] == "partial"


def test_each_secret_name_becomes_an_arn_parameter(sm: Result) -> None:
    params = stack_for(sm, "web").parameters
    assert sorted(p for p in params if p.endswith("SecretArn")) == [
        "ShopApiSecretArn", "ShopDbSecretArn"]  # not ShopUnusedSecretArn: nothing reads it
    assert params["ShopDbSecretArn"].default is None
    assert params["ShopDbSecretArn"].description == \
        "Full ARN (with its random suffix) of Secrets Manager secret 'shop/db' in us-east-1"
    example = sm.files["parameters.json.example"]
    assert "arn:aws:secretsmanager:us-east-1:123456789012:secret:shop/db-AbCdEf" in example


def test_policy_lists_exactly_the_referenced_arns(sm: Result) -> None:
    found = statements(sm)
    assert found == [{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
                      "Resource": [Ref("ShopDbSecretArn"), Ref("ShopApiSecretArn")]}]
    assert_no_wildcard(to_json(props(sm, "web", "ExecutionRole")["Policies"]))


def test_report_of_the_external_secret(sm: Result) -> None:
    assert fate(sm, "ExternalSecret", "app-secrets", "/spec/data/0") == {
        "path": "/spec/data/0", "status": "mapped",
        "note": "ValueFrom of env vars reading key 'PASSWORD'",
        "to": "workload-web.yaml#/Resources/TaskDefinition/Properties/ContainerDefinitions/0/Secrets/0"}
    assert fate(sm, "ExternalSecret", "app-secrets", "/spec/refreshInterval")["status"] == \
        "ignored"
    assert fate(sm, "ExternalSecret", "app-secrets", "/spec/target/creationPolicy")["status"] \
        == "ignored"
    assert source(sm, "ExternalSecret", "app-secrets")["resources"] == []


def test_aws_secret_store_is_mapped_and_makes_nothing(sm: Result) -> None:
    store = source(sm, "SecretStore", "sm")
    assert store["status"] == "mapped"
    assert store["resources"] == []
    assert fate(sm, "SecretStore", "sm", "/spec/provider/aws/auth")["status"] == "ignored"


@pytest.fixture(scope="module")
def ssm() -> Result:
    return translate_yaml(docs("""
        apiVersion: external-secrets.io/v1
        kind: ClusterSecretStore
        metadata: {name: params}
        spec:
          provider:
            aws: {service: ParameterStore, region: us-east-1}
    """, """
        apiVersion: external-secrets.io/v1
        kind: ExternalSecret
        metadata: {name: config, namespace: shop}
        spec:
          secretStoreRef: {name: params, kind: ClusterSecretStore}
          data:
            - secretKey: DB_URL
              remoteRef: {key: /shop/db-url}
            - secretKey: SMTP
              remoteRef: {key: shop/smtp}
            - secretKey: PROP
              remoteRef: {key: /shop/json, property: x}
            - secretKey: OLD
              remoteRef: {key: /shop/v, version: "3"}
    """, deployment(container=env_reading("config", "DB_URL", "SMTP", "PROP", "OLD"))))


def test_parameter_store_keys_become_ssm_parameter_arns(ssm: Result) -> None:
    # in the store's region: ECS reads another region's parameter by its full ARN
    prefix = "arn:${AWS::Partition}:ssm:us-east-1:${AWS::AccountId}:parameter/"
    assert secrets_of(container(ssm, "web")) == {
        "DB_URL": Sub(prefix + "shop/db-url"),
        "SMTP": Sub(prefix + "shop/smtp"),
    }
    assert statements(ssm) == [{"Effect": "Allow", "Action": "ssm:GetParameters",
                                "Resource": [Sub(prefix + "shop/db-url"),
                                             Sub(prefix + "shop/smtp")]}]
    assert not any(p.endswith("SecretArn") for p in stack_for(ssm, "web").parameters)


def test_parameter_store_cannot_pick_properties_or_versions(ssm: Result) -> None:
    prop = fate(ssm, "ExternalSecret", "config", "/spec/data/2")
    assert (prop["status"], prop["note"]) == (
        "unsupported", "ECS cannot pick a JSON property out of an SSM parameter")
    old = fate(ssm, "ExternalSecret", "config", "/spec/data/3")
    assert (old["status"], old["note"]) == (
        "unsupported", "ECS reads the latest SSM parameter version only")
    assert fate(ssm, "Deployment", "web", f"{C0}/env/2")["status"] == "unsupported"
    assert fate(ssm, "Deployment", "web", f"{C0}/env/3")["status"] == "unsupported"


def test_cluster_secret_store_is_cluster_scoped(ssm: Result) -> None:
    store = source(ssm, "ClusterSecretStore", "params")
    assert store["namespace"] is None
    assert store["status"] == "mapped"
    assert fate(ssm, "ClusterSecretStore", "params", "/spec/provider/aws/service")["note"] == (
        "ExternalSecret shop/config: task definition Secrets read ParameterStore ARNs "
        "(ssm:...:parameter/)")
    assert [s.info.title for s in ssm.plan.stacks] == ["cluster", "web"]  # still one namespace


@pytest.fixture(scope="module")
def extract() -> Result:
    return translate_yaml(docs(SECRETS_MANAGER_STORE, """
        apiVersion: external-secrets.io/v1beta1
        kind: ExternalSecret
        metadata: {name: bundle, namespace: shop}
        spec:
          secretStoreRef: {name: sm}
          dataFrom:
            - extract: {key: shop/bundle}
    """, deployment(container=env_reading("bundle", "token", "user") + """\
envFrom:
  - secretRef: {name: bundle}
""")))


def test_data_from_extract_with_secret_key_ref_reads_that_json_key(extract: Result) -> None:
    assert secrets_of(container(extract, "web")) == {
        "token": Sub("${ShopBundleSecretArn}:token::"),
        "user": Sub("${ShopBundleSecretArn}:user::"),
    }
    assert statements(extract) == [{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
                                    "Resource": [Ref("ShopBundleSecretArn")]}]


def test_data_from_extract_is_lossy_and_env_from_it_is_unsupported(extract: Result) -> None:
    assert fate(extract, "ExternalSecret", "bundle", "/spec/dataFrom/0")["status"] == "lossy"
    env_from = fate(extract, "Deployment", "web", f"{C0}/envFrom/0")
    assert env_from["status"] == "unsupported"
    assert env_from["note"] == ("the keys of ExternalSecret/bundle are not in the manifests; "
                                "name each one with secretKeyRef")


@pytest.mark.parametrize(("version", "suffix"), [
    ("AWSPREVIOUS", ":token:AWSPREVIOUS:"),
    ("uuid/4f1c2a7e-0000-4000-8000-00000000abcd", ":token::4f1c2a7e-0000-4000-8000-00000000abcd"),
])
def test_data_from_extract_keeps_its_version_after_the_json_key(version: str, suffix: str) -> None:
    result = translate_yaml(docs(SECRETS_MANAGER_STORE, f"""
        apiVersion: external-secrets.io/v1beta1
        kind: ExternalSecret
        metadata: {{name: bundle, namespace: shop}}
        spec:
          secretStoreRef: {{name: sm}}
          dataFrom:
            - extract: {{key: shop/bundle, version: "{version}"}}
            - extract: {{key: shop/other}}
    """, deployment(container=env_reading("bundle", "token"))))
    assert secrets_of(container(result, "web")) == {"token": Sub(f"${{ShopBundleSecretArn}}{suffix}")}
    second = fate(result, "ExternalSecret", "bundle", "/spec/dataFrom/1")
    assert (second["status"], second["note"]) == (
        "lossy", "env vars read keys from the first dataFrom only; merge these keys into that secret")


def test_data_from_find_is_unsupported() -> None:
    result = translate_yaml(docs("""
        apiVersion: external-secrets.io/v1beta1
        kind: ExternalSecret
        metadata: {name: found, namespace: shop}
        spec:
          dataFrom:
            - find: {name: {regexp: "^shop/"}}
    """, deployment(container=env_reading("found", "key"))))
    assert fate(result, "ExternalSecret", "found", "/spec/dataFrom/0")["status"] == "unsupported"
    assert fate(result, "Deployment", "web", f"{C0}/env/0")["status"] == "unsupported"
    assert "Secrets" not in container(result, "web")
    assert "Policies" not in props(result, "web", "ExecutionRole")


def test_two_workloads_each_read_only_their_own_secrets() -> None:
    result = translate_yaml(docs(SECRETS_MANAGER_STORE, """
        apiVersion: external-secrets.io/v1beta1
        kind: ExternalSecret
        metadata: {name: shared, namespace: shop}
        spec:
          secretStoreRef: {name: sm}
          data:
            - secretKey: A
              remoteRef: {key: shop/a, property: v}
            - secretKey: B
              remoteRef: {key: shop/b, property: v}
    """, deployment("one", container=env_reading("shared", "A")),
        deployment("two", container=env_reading("shared", "B"))))
    assert statements(result, "one")[0]["Resource"] == [Ref("ShopASecretArn")]
    assert statements(result, "two")[0]["Resource"] == [Ref("ShopBSecretArn")]
    assert "ShopBSecretArn" not in stack_for(result, "one").parameters


def test_a_remote_key_that_is_already_an_arn_is_used_as_it_is() -> None:
    arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:shop/api-AbCdEf"
    result = translate_yaml(docs(SECRETS_MANAGER_STORE, f"""
        apiVersion: external-secrets.io/v1
        kind: ExternalSecret
        metadata: {{name: app-secrets, namespace: shop}}
        spec:
          secretStoreRef: {{name: sm, kind: SecretStore}}
          target: {{name: app}}
          data:
            - secretKey: TOKEN
              remoteRef: {{key: "{arn}", property: token}}
            - secretKey: WHOLE
              remoteRef: {{key: "{arn}"}}
    """, deployment(container=env_reading("app", "TOKEN", "WHOLE"))))
    secrets = {s["Name"]: s["ValueFrom"] for s in container(result, "web")["Secrets"]}
    assert secrets == {"TOKEN": f"{arn}:token::", "WHOLE": arn}
    assert statements(result) == [{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
                                   "Resource": [arn]}]
    assert not [p for p in stack_for(result, "web").parameters if p.endswith("SecretArn")]


# --- a store that is not in the input, and a store's region ---------------------------------

UNKNOWN_STORE = """
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata: {name: app, namespace: shop}
spec:
  secretStoreRef: {name: vault-or-aws, kind: ClusterSecretStore}
  data:
    - secretKey: TOKEN
      remoteRef: {key: shop/token}
    - secretKey: PASSWORD
      remoteRef: {key: shop/db, property: password}
"""


@pytest.fixture(scope="module")
def unknown_store() -> Result:
    return translate_yaml(docs(UNKNOWN_STORE, deployment(container=env_reading(
        "app", "TOKEN", "PASSWORD"))))


def test_a_store_not_in_the_input_is_lossy_not_assumed(unknown_store: Result) -> None:
    ref = fate(unknown_store, "ExternalSecret", "app", "/spec/secretStoreRef")
    assert ref["status"] == "lossy"
    assert ref["note"].startswith("ClusterSecretStore vault-or-aws is not in the input, so its "
                                  "provider is not known")


def test_its_arn_parameter_takes_a_secret_or_a_parameter_and_the_role_follows(
        unknown_store: Result) -> None:
    stack = stack_for(unknown_store, "web")
    token = stack.parameters["ShopTokenSecretArn"]
    pattern = re.compile(token.allowed_pattern or "")
    assert pattern.match("arn:aws:ssm:eu-west-1:123456789012:parameter/shop/token")
    assert pattern.match("arn:aws:secretsmanager:us-east-1:123456789012:secret:shop/token-AbCdEf")
    assert not pattern.match("shop/token")
    assert secrets_of(container(unknown_store, "web"))["TOKEN"] == Ref("ShopTokenSecretArn")
    condition = "ShopTokenSecretArnIsParameter"
    assert to_json(stack.conditions[condition]) == {"Fn::Equals": [
        {"Fn::Select": [2, {"Fn::Split": [":", {"Ref": "ShopTokenSecretArn"}]}]}, "ssm"]}
    assert {"Effect": "Allow", "Action": If(condition, "ssm:GetParameters",
                                            "secretsmanager:GetSecretValue"),
            "Resource": [Ref("ShopTokenSecretArn")]} in statements(unknown_store)
    assert_no_wildcard(to_json(statements(unknown_store)))
    # a JSON key is a Secrets Manager secret's: that one's parameter takes only a secret ARN
    assert stack.parameters["ShopDbSecretArn"].allowed_pattern.startswith(
        "^arn:aws[a-z-]*:secretsmanager:")
    assert secrets_of(container(unknown_store, "web"))["PASSWORD"] == Sub(
        "${ShopDbSecretArn}:password::")


@pytest.mark.parametrize("service, expected", [
    ("ParameterStore", {"TOKEN": Sub("arn:${AWS::Partition}:ssm:eu-west-1:${AWS::AccountId}:"
                                     "parameter/shop/token")}),
    ("SecretsManager", {"TOKEN": Sub("${ShopTokenSecretArn}")}),
])
def test_the_store_region_is_kept_in_the_arn(service: str, expected: dict[str, Any]) -> None:
    store = ("apiVersion: external-secrets.io/v1\nkind: ClusterSecretStore\nmetadata: "
             "{name: vault-or-aws}\nspec:\n  provider:\n    aws: {service: " + service +
             ", region: eu-west-1}\n")
    result = translate_yaml(docs(store, UNKNOWN_STORE.split("    - secretKey: PASSWORD")[0],
                                 deployment(container=env_reading("app", "TOKEN"))))
    assert secrets_of(container(result, "web")) == expected
    if service == "SecretsManager":
        assert "arn:aws:secretsmanager:eu-west-1:123456789012:secret:shop/token-AbCdEf" in \
            result.files["parameters.json.example"]


@pytest.mark.parametrize("key", [
    "arn:aws:secretsmanager:us-east-1:123456789012:secret:*",
    "arn:aws:secretsmanager:us-east-1:123456789012:secret:shop/db-??????",
    "shop/*",
])
def test_a_wildcard_key_is_reported_and_grants_nothing(key: str) -> None:
    result = translate_yaml(docs(SECRETS_MANAGER_STORE, f"""
        apiVersion: external-secrets.io/v1
        kind: ExternalSecret
        metadata: {{name: app-secrets, namespace: shop}}
        spec:
          secretStoreRef: {{name: sm, kind: SecretStore}}
          target: {{name: app}}
          data:
            - secretKey: TOKEN
              remoteRef: {{key: "{key}", property: token}}
          dataFrom:
            - extract: {{key: "{key}"}}
    """, deployment(container=env_reading("app", "TOKEN", "OTHER"))))
    for path in ("/spec/data/0", "/spec/dataFrom/0"):
        found = fate(result, "ExternalSecret", "app-secrets", path)
        assert found["status"] == "unsupported"
        assert "is a wildcard, not one secret" in found["note"]
    assert fate(result, "Deployment", "web", f"{C0}/env/0")["status"] == "unsupported"
    assert "Secrets" not in container(result, "web")
    assert "Policies" not in props(result, "web", "ExecutionRole")
