"""Where an env var that reads Kubernetes Secret <name> key <key> gets its value on ECS.

Three cases, in this order: an ExternalSecret syncs the Secret (ValueFrom is the Secrets
Manager secret or SSM parameter it reads), the Secret is in the input (eks2ecs creates an
empty Secrets Manager secret in the secrets stack for the user to fill), or it is in neither
(a parameter asks for the ARN of wherever the user keeps it). Values are never read.
The ExternalSecret rule reports its own fields from the same reading (`external_source`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from mappings.workloads import namespaces_matching
from translator.cfn import Equals, If, Ref, Select, Split, Sub, sub_escape
from translator.context import SECRETS_STACK, Context, pascal
from translator.models import (
    ClusterExternalSecret,
    ClusterSecretStore,
    ExternalSecret,
    ObjectMeta,
    Secret,
    SecretStore,
)
from translator.plan import Parameter

SECRET_ARN_PATTERN = r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$"
# where the store is not in the input, the secret may be either (ECS reads both as ValueFrom)
# https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-secrets-manager.html
# https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-ssm-paramstore.html
EITHER_ARN_PATTERN = (r"^arn:aws[a-z-]*:(secretsmanager:[a-z0-9-]+:\d{12}:secret:.+"
                      r"|ssm:[a-z0-9-]+:\d{12}:parameter/.+)$")
READ_SECRET, READ_PARAMETER = "secretsmanager:GetSecretValue", "ssm:GetParameters"


@dataclass(frozen=True)
class SecretValue:
    """A ValueFrom, the IAM resource that reading it needs, and parameters it relies on."""

    value_from: Any
    iam_resource: Any
    iam_action: Any  # an action, or If(condition, ...) when the ARN's service is the user's
    parameters: tuple[tuple[str, Parameter], ...] = ()
    note: str = ""
    conditions: tuple[tuple[str, Any], ...] = ()  # what an If action needs

    @property
    def store(self) -> str:
        if not isinstance(self.iam_action, str):
            return "Secrets Manager or SSM Parameter Store (whichever ARN is given)"
        return "SSM Parameter Store" if self.iam_action.startswith("ssm:") else "Secrets Manager"


@dataclass(frozen=True)
class WholeSecret:
    """A Secrets Manager secret whose top-level JSON keys are the Secret's keys, which the
    manifests do not list (ExternalSecret dataFrom.extract, or a Secret not in the input)."""

    arn: Any
    stage: str | None = None
    version_id: str | None = None
    parameters: tuple[tuple[str, Parameter], ...] = ()
    note: str = ""

    def key(self, key: str) -> SecretValue:
        return SecretValue(secretsmanager_value(self.arn, key, self.stage, self.version_id),
                           self.arn, "secretsmanager:GetSecretValue", self.parameters, self.note)


@dataclass
class SecretSource:
    origin: str  # "ExternalSecret/x", "Secret/x" or "missing"
    keys: list[str] | None  # None when the key list is not in the manifests
    values: dict[str, SecretValue | str] = field(default_factory=dict)  # str: why not
    others: WholeSecret | str | None = None  # keys not listed; str: why they cannot be read

    def value(self, key: str) -> SecretValue | str:
        if key in self.values:
            return self.values[key]
        if isinstance(self.others, WholeSecret) and _JSON_KEY.match(key):
            return self.others.key(key)
        if isinstance(self.others, str):
            return self.others
        return f"key {key!r} is not in {self.origin}"


_JSON_KEY = re.compile(r"^[^:]+$")  # ValueFrom separates its parts with ':'


def arn_parameter(name: str, description: str, example: str) -> tuple[str, Parameter]:
    return f"{pascal(name)}SecretArn", Parameter(
        "String", description, allowed_pattern=SECRET_ARN_PATTERN,
        constraint_description="the full ARN of a Secrets Manager secret, with its random suffix",
        example=example)


def secretsmanager_value(arn: Any, json_key: str | None, stage: str | None,
                         version_id: str | None) -> Any:
    """ValueFrom for a Secrets Manager ARN: a literal, a Ref or an ImportValue."""
    suffix = ""
    if json_key or stage or version_id:
        parts = [json_key or "", stage or "", version_id or ""]
        suffix = ":" + ":".join(sub_escape(p) for p in parts)
    if isinstance(arn, str):
        return arn + suffix  # a literal ARN needs no Fn::Sub
    if isinstance(arn, Ref):
        return Sub(f"${{{arn.name}}}{suffix}")
    return Sub(f"${{Arn}}{suffix}", (("Arn", arn),))


def lookup(name: str, namespace: str, ctx: Context) -> SecretSource:
    es = _external_secrets(ctx).get((namespace, name))
    if es is not None:
        return external_source(es, ctx)
    secret = ctx.find(Secret, namespace, name)
    if secret is not None:
        # deploy.sh passes the secrets stack's output: an export would make removing or
        # renaming the Secret wait on every stack that imports it
        output = plain_secret_output(ctx, namespace, name)
        arn_of = (output, Parameter(
            "String", f"ARN of the Secrets Manager secret of Secret {namespace}/{name} "
            f"(deploy.sh passes output {output} of the secrets stack)",
            allowed_pattern=SECRET_ARN_PATTERN, from_output=(SECRETS_STACK, output)))
        arn = Ref(output)
        values: dict[str, SecretValue | str] = {
            key: SecretValue(secretsmanager_value(arn, key, None, None), arn,
                             "secretsmanager:GetSecretValue", (arn_of,),
                             note=f"fill in {secret_name(ctx, namespace, name)} in Secrets Manager")
            for key in secret.keys
        }
        return SecretSource(f"Secret/{name}", list(secret.keys), values)
    param, parameter = arn_parameter(
        f"{namespace}-{name}" if ctx.multi_namespace else name,
        f"ARN of the Secrets Manager secret holding Kubernetes Secret {namespace}/{name} "
        "(not in the input) as JSON",
        f"arn:aws:secretsmanager:{ctx.options.region}:123456789012:secret:{name}-AbCdEf")
    whole = WholeSecret(Ref(param), parameters=((param, parameter),),
                        note=f"Secret {name} is not in the input: store it in Secrets Manager")
    return SecretSource("missing", None, others=whole)


def _external_secrets(ctx: Context) -> dict[tuple[str, str], ExternalSecret]:
    """(namespace, target Secret name) -> the ExternalSecret that makes it (first by name),
    those a ClusterExternalSecret makes included."""

    def compute() -> dict[tuple[str, str], ExternalSecret]:
        found: dict[tuple[str, str], ExternalSecret] = {}
        made = [es for ces in ctx.all(ClusterExternalSecret) for es in made_by(ces, ctx)]
        for es in sorted([*ctx.all(ExternalSecret), *made], key=lambda e: e.name):
            found.setdefault((ctx.namespace_of(es), es.target_name), es)
        return found

    external_secrets: dict[tuple[str, str], ExternalSecret] = ctx.memo("external-secrets", compute)
    return external_secrets


def cluster_namespaces(ces: ClusterExternalSecret, ctx: Context) -> list[str]:
    """The namespaces of the input a ClusterExternalSecret creates its ExternalSecret in: the
    ones it lists, and those its namespaceSelector(s) match."""
    spec = ces.spec
    selectors = [*([spec.namespace_selector] if spec.namespace_selector else []),
                 *spec.namespace_selectors]
    found = {ns for ns in spec.namespaces if ns in ctx.namespaces}
    for selector in selectors:
        found.update(namespaces_matching(selector, ctx))
    return sorted(found)


def made_by(ces: ClusterExternalSecret, ctx: Context) -> list[ExternalSecret]:
    """The ExternalSecrets the operator makes from a ClusterExternalSecret, one per namespace."""
    return [ExternalSecret(api_version=ces.api_version, kind="ExternalSecret",
                           metadata=ObjectMeta(name=ces.external_secret_name, namespace=ns),
                           spec=ces.spec.external_secret_spec)
            for ns in cluster_namespaces(ces, ctx)]


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


def store_service(es: ExternalSecret, ctx: Context) -> str | None:
    """The AWS service the ExternalSecret's store reads: SecretsManager or ParameterStore;
    None when the store is not in the input (either may be behind it)."""
    store = store_of(es, ctx)
    if store is not None and store.spec.provider.aws is not None:
        return store.spec.provider.aws.service
    return None if store is None else "SecretsManager"


def store_region(es: ExternalSecret, ctx: Context) -> str | None:
    """The region the store reads from: ECS reads a secret or parameter of another region
    when ValueFrom is its full ARN, so the ARN names it."""
    store = store_of(es, ctx)
    aws = store.spec.provider.aws if store is not None else None
    return aws.region if aws is not None else None


def _version(version: str | None) -> tuple[str | None, str | None]:
    """(stage, id): ESO writes a version id as uuid/<id>."""
    if version is None:
        return None, None
    if version.startswith("uuid/"):
        return None, version[len("uuid/"):]
    return version, None


def _wildcard(key: str) -> str | None:
    """Why a remote key is not one secret or parameter: a wildcard would let the execution
    role read every secret it matches, and ECS reads one per value. `*` and `?` are in no
    secret or parameter name, so the key can only be a pattern.
    https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html"""
    if "*" in key or "?" in key:
        return (f"key {key!r} is a wildcard, not one secret: ECS reads one secret per value "
                "and the role is granted only what it names (name the secret)")
    return None


def _remote_value(key: str, prop: str | None, version: str | None, service: str | None,
                  region: str | None, ctx: Context) -> SecretValue | str:
    wildcard = _wildcard(key)
    if wildcard is not None:
        return wildcard
    if service is None and key.startswith("arn:"):
        service = "ParameterStore" if key.split(":")[2:3] == ["ssm"] else "SecretsManager"
    if service is None and not prop and not version:
        return _either(key, ctx)
    if service == "ParameterStore":
        if prop:
            return "ECS cannot pick a JSON property out of an SSM parameter"
        if version:
            return "ECS reads the latest SSM parameter version only"
        if key.startswith("arn:"):
            return SecretValue(key, key, READ_PARAMETER)
        arn = Sub(f"arn:${{AWS::Partition}}:ssm:{sub_escape(region) if region else '${AWS::Region}'}"
                  ":${AWS::AccountId}:parameter/" + sub_escape(key.lstrip("/")))
        return SecretValue(arn, arn, READ_PARAMETER)
    if prop and "." in prop:
        return (f"property {prop!r} is nested; ECS reads top-level JSON keys only "
                "(flatten the secret or add a top-level key)")
    stage, version_id = _version(version)
    if key.startswith("arn:"):
        return SecretValue(secretsmanager_value(key, prop, stage, version_id),
                           key, "secretsmanager:GetSecretValue")
    param, parameter = _arn_parameter(key, region, ctx)
    return SecretValue(secretsmanager_value(Ref(param), prop, stage, version_id), Ref(param),
                       READ_SECRET, ((param, parameter),))


def _arn_parameter(key: str, region: str | None, ctx: Context) -> tuple[str, Parameter]:
    where = f" in {region}" if region else ""
    return arn_parameter(
        key, f"Full ARN (with its random suffix) of Secrets Manager secret {key!r}{where}",
        f"arn:aws:secretsmanager:{region or ctx.options.region}:123456789012:secret:{key}-AbCdEf")


def _either(key: str, ctx: Context) -> SecretValue:
    """`key` behind a store that is not in the input: a Secrets Manager secret or an SSM
    parameter, whichever ARN the operator gives; the execution role reads it with the action
    of that service (a condition on the ARN picks it at deploy time)."""
    param = f"{pascal(key)}SecretArn"
    parameter = Parameter(
        "String", f"Full ARN of {key!r}: a Secrets Manager secret (with its random suffix) or "
        "an SSM parameter (its store is not in the input)", allowed_pattern=EITHER_ARN_PATTERN,
        constraint_description="the full ARN of a Secrets Manager secret or an SSM parameter",
        example=f"arn:aws:ssm:{ctx.options.region}:123456789012:parameter/{key.lstrip('/')}")
    condition = f"{param}IsParameter"
    return SecretValue(Ref(param), Ref(param), If(condition, READ_PARAMETER, READ_SECRET),
                       ((param, parameter),),
                       conditions=((condition, Equals(Select(2, Split(":", Ref(param))), "ssm")),))


def external_source(es: ExternalSecret, ctx: Context) -> SecretSource:
    """What the Secret an ExternalSecret syncs holds, key by key, as ECS can read it."""
    service, region = store_service(es, ctx), store_region(es, ctx)
    values: dict[str, SecretValue | str] = {}
    for item in es.spec.data:
        ref = item.remote_ref
        values[item.secret_key] = _remote_value(ref.key, ref.property, ref.version, service,
                                                region, ctx)
    keys: list[str] | None = [item.secret_key for item in es.spec.data]
    others = None
    if es.spec.data_from:
        keys = None  # the JSON keys are not in the manifest
        others = data_from(es.spec.data_from[0], service, region, ctx)
    return SecretSource(f"ExternalSecret/{es.name}", keys, values, others)


def data_from(item: dict[str, Any], service: str | None, region: str | None,
              ctx: Context) -> WholeSecret | str:
    """A dataFrom item as the source of the keys spec.data does not list, or why it cannot be."""
    extract = item.get("extract")
    if not isinstance(extract, dict) or not isinstance(extract.get("key"), str):
        return "dataFrom.find selects secrets at run time; list them in spec.data instead"
    if service == "ParameterStore":  # an unknown store's JSON keys can be a secret's only
        return "dataFrom.extract of an SSM parameter cannot be split into keys"
    key, version = extract["key"], extract.get("version")
    wildcard = _wildcard(key)
    if wildcard is not None:
        return f"dataFrom.extract {wildcard}"
    stage, version_id = _version(version if isinstance(version, str) else None)
    if key.startswith("arn:"):
        return WholeSecret(key, stage, version_id)
    param, parameter = _arn_parameter(key, region, ctx)
    return WholeSecret(Ref(param), stage, version_id, ((param, parameter),))


def secret_name(ctx: Context, namespace: str, name: str) -> str:
    """The Secrets Manager name eks2ecs gives a plain Kubernetes Secret."""
    return f"{ctx.app}/{namespace}/{name}"


def plain_secret_output(ctx: Context, namespace: str, name: str) -> str:
    return f"Secret{pascal(f'{namespace}-{name}' if ctx.multi_namespace else name)}Arn"
