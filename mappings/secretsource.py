"""Where an env var that reads Kubernetes Secret <name> key <key> gets its value on ECS.

Three cases, in this order: an ExternalSecret syncs the Secret (ValueFrom is the Secrets
Manager secret or SSM parameter it reads), the Secret is in the input (eks2ecs creates an
empty Secrets Manager secret in the cluster stack for the user to fill), or it is in neither
(a parameter asks for the ARN of wherever the user keeps it). Values are never read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from translator.cfn import Ref, Sub, sub_escape
from translator.context import Context, import_from, pascal
from translator.models import ExternalSecret, Secret
from translator.plan import Parameter

SECRET_ARN_PATTERN = r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$"


@dataclass(frozen=True)
class SecretValue:
    """A ValueFrom, the IAM resource that reading it needs, and parameters it relies on."""

    value_from: Any
    iam_resource: Any
    iam_action: str
    parameters: tuple[tuple[str, Parameter], ...] = ()
    note: str = ""


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
    from mappings import externalsecret

    es = _external_secrets(ctx).get((namespace, name))
    if es is not None:
        return externalsecret.source(es, ctx)
    secret = ctx.find(Secret, namespace, name)
    if secret is not None:
        arn = import_from("ClusterStackName", plain_secret_output(ctx, namespace, name))
        values: dict[str, SecretValue | str] = {
            key: SecretValue(secretsmanager_value(arn, key, None, None), arn,
                             "secretsmanager:GetSecretValue",
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
    """(namespace, target Secret name) -> the ExternalSecret that makes it (first by name)."""

    def compute() -> dict[tuple[str, str], ExternalSecret]:
        found: dict[tuple[str, str], ExternalSecret] = {}
        for es in sorted(ctx.all(ExternalSecret), key=lambda e: e.name):
            found.setdefault((ctx.namespace_of(es), es.target_name), es)
        return found

    external_secrets: dict[tuple[str, str], ExternalSecret] = ctx.memo("external-secrets", compute)
    return external_secrets


def secret_name(ctx: Context, namespace: str, name: str) -> str:
    """The Secrets Manager name eks2ecs gives a plain Kubernetes Secret."""
    return f"{ctx.app}/{namespace}/{name}"


def plain_secret_output(ctx: Context, namespace: str, name: str) -> str:
    return f"Secret{pascal(f'{namespace}-{name}' if ctx.multi_namespace else name)}Arn"
