"""ExternalSecret (external-secrets.io) -> task-definition `Secrets` that read the same
Secrets Manager secret (or SSM parameter) directly, with the JSON key and version kept.

The rule itself creates nothing: the workloads that read the synced Secret carry the
`Secrets` entries (see podspec) and their execution roles may read exactly those ARNs.
"""

from __future__ import annotations

from typing import Any

from mappings.secretsource import (
    SecretSource,
    SecretValue,
    WholeSecret,
    arn_parameter,
    secretsmanager_value,
)
from translator.cfn import Ref, Sub, sub_escape
from translator.context import Context
from translator.models import ClusterSecretStore, ExternalSecret, SecretStore
from translator.plan import Fragment, Parameter

KIND = "ExternalSecret"
API_VERSIONS = ("external-secrets.io/v1", "external-secrets.io/v1beta1")
MODEL = ExternalSecret
FIELDS = (
    "/spec/refreshInterval", "/spec/secretStoreRef", "/spec/target/name",
    "/spec/target/creationPolicy", "/spec/data/*", "/spec/dataFrom/*",
)


def store_of(es: ExternalSecret, ctx: Context) -> SecretStore | None:
    ref = es.spec.secret_store_ref
    if ref is None:
        return None
    if ref.kind == "ClusterSecretStore":
        for store in ctx.all(ClusterSecretStore):
            if store.name == ref.name:
                return store
        return None
    return ctx.find(SecretStore, ctx.namespace_of(es), ref.name)


def _service(es: ExternalSecret, ctx: Context) -> str:
    store = store_of(es, ctx)
    if store is not None and store.spec.provider.aws is not None:
        return store.spec.provider.aws.service
    return "SecretsManager"


def _version(version: str | None) -> tuple[str | None, str | None]:
    """(stage, id): ESO writes a version id as uuid/<id>."""
    if version is None:
        return None, None
    if version.startswith("uuid/"):
        return None, version[len("uuid/"):]
    return version, None


def _remote_value(key: str, prop: str | None, version: str | None, service: str,
                  ctx: Context) -> SecretValue | str:
    if service == "ParameterStore":
        if prop:
            return "ECS cannot pick a JSON property out of an SSM parameter"
        if version:
            return "ECS reads the latest SSM parameter version only"
        if key.startswith("arn:"):
            return SecretValue(key, key, "ssm:GetParameters")
        arn = Sub("arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/"
                  + sub_escape(key.lstrip("/")))
        return SecretValue(arn, arn, "ssm:GetParameters")
    if prop and "." in prop:
        return (f"property {prop!r} is nested; ECS reads top-level JSON keys only "
                "(flatten the secret or add a top-level key)")
    stage, version_id = _version(version)
    if key.startswith("arn:"):
        return SecretValue(secretsmanager_value(key, prop, stage, version_id),
                           key, "secretsmanager:GetSecretValue")
    param, parameter = _arn_parameter(key, ctx)
    return SecretValue(secretsmanager_value(Ref(param), prop, stage, version_id), Ref(param),
                       "secretsmanager:GetSecretValue", ((param, parameter),))


def _arn_parameter(key: str, ctx: Context) -> tuple[str, Parameter]:
    return arn_parameter(
        key, f"Full ARN (with its random suffix) of Secrets Manager secret {key!r}",
        f"arn:aws:secretsmanager:{ctx.options.region}:123456789012:secret:{key}-AbCdEf")


def source(es: ExternalSecret, ctx: Context) -> SecretSource:
    service = _service(es, ctx)
    values: dict[str, SecretValue | str] = {}
    for item in es.spec.data:
        ref = item.remote_ref
        values[item.secret_key] = _remote_value(ref.key, ref.property, ref.version, service, ctx)
    keys: list[str] | None = [item.secret_key for item in es.spec.data]
    others = None
    if es.spec.data_from:
        keys = None  # the JSON keys are not in the manifest
        others = _data_from(es.spec.data_from[0], service, ctx)
    return SecretSource(f"ExternalSecret/{es.name}", keys, values, others)


def _data_from(item: dict[str, Any], service: str, ctx: Context) -> WholeSecret | str:
    """A dataFrom item as the source of the keys spec.data does not list, or why it cannot be."""
    extract = item.get("extract")
    if not isinstance(extract, dict) or not isinstance(extract.get("key"), str):
        return "dataFrom.find selects secrets at run time; list them in spec.data instead"
    if service != "SecretsManager":
        return "dataFrom.extract of an SSM parameter cannot be split into keys"
    key, version = extract["key"], extract.get("version")
    stage, version_id = _version(version if isinstance(version, str) else None)
    if key.startswith("arn:"):
        return WholeSecret(key, stage, version_id)
    param, parameter = _arn_parameter(key, ctx)
    return WholeSecret(Ref(param), stage, version_id, ((param, parameter),))


def map(obj: ExternalSecret, frag: Fragment, ctx: Context) -> None:
    entry = frag.entry
    src = source(obj, ctx)
    entry.ignored("/spec/refreshInterval",
                  "ECS reads the secret when a task starts; restart tasks to pick up rotation")
    entry.mapped("/spec/secretStoreRef", None,
                 "the store's provider decides the ARN form (Secrets Manager or SSM)")
    if obj.spec.target.creation_policy is not None:
        entry.ignored("/spec/target/creationPolicy", "no Kubernetes Secret is created on ECS")
    if obj.spec.target.name is not None:
        entry.mapped("/spec/target/name", None, "env vars reading this Secret read Secrets Manager")
    if obj.spec.target.template is not None:
        entry.unsupported("/spec/target/template",
                          "ECS injects values as stored; templating has no equivalent "
                          "(store the rendered value as its own secret)")
    for i, item in enumerate(obj.spec.data):
        value = src.values[item.secret_key]
        path = f"/spec/data/{i}"
        if isinstance(value, str):
            entry.unsupported(path, value)
        else:
            entry.mapped(path, None, f"ValueFrom of env vars reading key {item.secret_key!r}")
    for i, extra in enumerate(obj.spec.data_from):
        outcome = _data_from(extra, _service(obj, ctx), ctx)
        if isinstance(outcome, str):
            entry.unsupported(f"/spec/dataFrom/{i}", outcome)
        elif i > 0:
            entry.lossy(f"/spec/dataFrom/{i}", "env vars read keys from the first dataFrom "
                        "only; merge these keys into that secret")
        else:
            entry.lossy(f"/spec/dataFrom/{i}", "keys are not in the manifest: env vars that "
                        "name a key map to that JSON key; envFrom cannot be expanded")
