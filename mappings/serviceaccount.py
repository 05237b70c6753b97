"""ServiceAccount -> the task role of the workloads that run as it. With IRSA, the role ARN
becomes their TaskRoleArn parameter's default (its trust policy must be widened to
ecs-tasks.amazonaws.com, which the report says); without IRSA, the tasks get no role for the app:
at most one of their stack's own that allows only what ECS Exec and EFS mounts need, so the
app has the same AWS permissions the pods had: none beyond the node's."""

from __future__ import annotations

import re

from mappings.pod.pod_level import IRSA_ANNOTATION, PLACEHOLDER_ROLE, irsa_role
from mappings.workloads import pod_owners
from translator.context import Context, workload_stack
from translator.load import escape_pointer_token
from translator.models import ServiceAccount
from translator.plan import Fragment, Target

KIND = "ServiceAccount"
API_VERSIONS = ("v1",)
MODEL = ServiceAccount
FIELDS = ("/metadata/name", f"/metadata/annotations/{escape_pointer_token(IRSA_ANNOTATION)}",
          "/automountServiceAccountToken", "/imagePullSecrets")


def map(obj: ServiceAccount, frag: Fragment, ctx: Context) -> None:
    entry = frag.entry
    ns = ctx.namespace_of(obj)
    users = sorted((o for o, pod in pod_owners(ctx) if ctx.namespace_of(o) == ns
                    and pod.service_account_name == obj.name), key=lambda o: o.name)
    arn, is_arn = irsa_role(obj)
    pointer = f"/metadata/annotations/{escape_pointer_token(IRSA_ANNOTATION)}"
    if "automountServiceAccountToken" in ctx.manifest(obj).doc:
        entry.ignored("/automountServiceAccountToken", "ECS tasks get no Kubernetes API token")
    if "imagePullSecrets" in ctx.manifest(obj).doc:
        entry.lossy("/imagePullSecrets", "give the task definition RepositoryCredentials "
                    "(a Secrets Manager secret) for private registries outside ECR")
    if not users:
        entry.lossy(pointer if arn is not None else "/metadata/name",
                    "no workload in the input runs as this ServiceAccount: give "
                    + ("this role" if arn is not None else "no task role")
                    + " to the task definitions of the workloads that do")
        return
    for user in users:
        stack = workload_stack(ns, user.name)
        if arn is None:
            entry.mapped("/metadata/name", Target(stack, "/Resources/TaskDefinition/Properties"),
                         "no IRSA role: the app's AWS calls are denied, as the pods' were (a "
                         "task role of the stack's own allows only ECS Exec and EFS mounts, "
                         "where they are on)")
            continue
        entry.mapped("/metadata/name", Target(stack, "/Parameters/TaskRoleArn"),
                     "ECS has no service accounts: the IAM task role is the identity")
        # The one step a human must take, so it is the item the report lists: the role trusts
        # the cluster's OIDC provider, and a task role must trust ecs-tasks.amazonaws.com
        # (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-iam-roles.html).
        if not is_arn:
            entry.lossy(pointer, f"{PLACEHOLDER_ROLE}, then {_trust_step(None)}",
                        Target(stack, "/Parameters/TaskRoleArn"))
        else:
            entry.lossy(pointer, _trust_step(arn),
                        Target(stack, "/Parameters/TaskRoleArn/Default"))


def _trust_step(arn: str | None) -> str:
    name = "" if arn is None else arn.rsplit("/", 1)[-1]
    role = name if re.fullmatch(r"[\w+=,.@-]{1,64}", name) else "ROLE"  # IAM's role-name rule
    return ("the IRSA role trusts only the EKS cluster's OIDC provider: add a statement "
            "allowing ecs-tasks.amazonaws.com sts:AssumeRole to its trust policy before deploying "
            f"(aws iam get-role --role-name {role}, edit AssumeRolePolicyDocument, then aws iam "
            f"update-assume-role-policy --role-name {role} --policy-document file://trust.json), "
            "or the tasks get no AWS credentials")
