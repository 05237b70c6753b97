"""SecretStore / ClusterSecretStore: no ECS resource of their own, but they decide how the
ExternalSecrets that use them are mapped: the provider's service picks the ARN form (Secrets
Manager or SSM Parameter Store), the region is where the stacks must run. Their auth is
replaced by the task execution role, which reads the secrets when a task starts."""

from __future__ import annotations

from translator.context import Context
from translator.models import ClusterSecretStore, ExternalSecret, SecretStore
from translator.plan import Fragment

KIND = "SecretStore"
API_VERSIONS = ("external-secrets.io/v1", "external-secrets.io/v1beta1")
MODEL = SecretStore
MODELS = {"ClusterSecretStore": ClusterSecretStore}  # same rule, cluster-scoped model
FIELDS = ("/spec/provider/aws/service", "/spec/provider/aws/region", "/spec/provider/aws/role",
          "/spec/provider/aws/auth")


def _users(obj: SecretStore, ctx: Context) -> list[str]:
    """ExternalSecrets (namespace/name) whose store reference lands on this store."""
    found = []
    for es in ctx.all(ExternalSecret):
        ref = es.spec.secret_store_ref
        if ref is None or ref.name != obj.name or ref.kind != obj.kind:
            continue
        if obj.kind == "SecretStore" and ctx.namespace_of(es) != ctx.namespace_of(obj):
            continue
        found.append(f"{ctx.namespace_of(es)}/{es.name}")
    return sorted(found)


def map(obj: SecretStore, frag: Fragment, ctx: Context) -> None:
    entry = frag.entry
    aws = obj.spec.provider.aws
    if aws is None:
        entry.status = "unsupported"
        entry.reason = ("only the AWS provider (Secrets Manager, Parameter Store) maps to ECS; "
                        "copy the secrets into Secrets Manager and point ExternalSecrets at an "
                        "AWS store")
        entry.unsupported("/spec/provider", entry.reason)
        return
    users = _users(obj, ctx)
    used_by = f"ExternalSecret {', '.join(users)}" if users else "no ExternalSecret in the input"
    form = "secretsmanager:...:secret:" if aws.service == "SecretsManager" else "ssm:...:parameter/"
    entry.mapped("/spec/provider/aws/service", None,
                 f"{used_by}: task definition Secrets read {aws.service} ARNs ({form})")
    if aws.region is not None:
        entry.mapped("/spec/provider/aws/region", None,
                     f"the ARNs name {aws.region} (SSM parameter ARNs, and the examples of the "
                     "Secrets Manager ARN parameters): ECS reads a secret or parameter of "
                     "another region when ValueFrom is its full ARN")
    if aws.role is not None:
        entry.ignored("/spec/provider/aws/role",
                      "the task execution role reads the secrets instead (ECS fetches them)")
    if aws.auth is not None:
        entry.ignored("/spec/provider/aws/auth", "ECS needs no credentials to read secrets: "
                      "the execution role is granted exactly the referenced ARNs")
