"""SecretStore / ClusterSecretStore: no ECS resource. Their provider tells the
ExternalSecret rule which ARN form to use; their auth is replaced by the execution role."""

from __future__ import annotations

from translator.context import Context
from translator.models import ClusterSecretStore, SecretStore
from translator.plan import Fragment

KIND = "SecretStore"
API_VERSIONS = ("external-secrets.io/v1", "external-secrets.io/v1beta1")
MODEL = SecretStore
MODELS = {"ClusterSecretStore": ClusterSecretStore}  # same rule, cluster-scoped model
FIELDS = ("/spec/provider/aws/service", "/spec/provider/aws/region", "/spec/provider/aws/role",
          "/spec/provider/aws/auth")


def map(obj: SecretStore, frag: Fragment, ctx: Context) -> None:
    entry = frag.entry
    aws = obj.spec.provider.aws
    if aws is None:
        entry.status = "unsupported"
        entry.reason = "only the AWS provider (Secrets Manager, Parameter Store) maps to ECS"
        entry.unsupported("/spec/provider", entry.reason)
        return
    entry.status = "ignored"
    entry.reason = ("ECS reads secrets itself: the task execution role replaces the store "
                    "and its credentials")
    entry.mapped("/spec/provider/aws/service", None,
                 f"ExternalSecrets using this store read {aws.service} ARNs")
    if aws.region is not None:
        entry.mapped("/spec/provider/aws/region", None, "part of the secret ARNs")
    if aws.role is not None:
        entry.ignored("/spec/provider/aws/role", "the execution role reads the secrets instead")
    if aws.auth is not None:
        entry.ignored("/spec/provider/aws/auth", "ECS needs no credentials to read secrets")
