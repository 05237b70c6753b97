"""ServiceAccount -> the task role of the workloads that run as it. With IRSA, the role ARN
becomes their TaskRoleArn parameter's default (its trust policy must be widened to
ecs-tasks.amazonaws.com, which the report says); without IRSA, the tasks get no role for the app:
at most one of their stack's own that allows only what ECS Exec and EFS mounts need, so the
app has the same AWS permissions the pods had: none beyond the node's."""

from __future__ import annotations

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
    if arn is not None:
        entry.lossy("/metadata/name", "ECS has no service accounts: the IAM task role is the "
                    "identity")
    for user in users:
        stack = workload_stack(ns, user.name)
        if arn is None:
            entry.mapped("/metadata/name", Target(stack, "/Resources/TaskDefinition/Properties"),
                         "no IRSA role: the app's AWS calls are denied, as the pods' were (a "
                         "task role of the stack's own allows only ECS Exec and EFS mounts, "
                         "where they are on)")
        elif not is_arn:
            entry.lossy(pointer, f"{PLACEHOLDER_ROLE} (and add ecs-tasks.amazonaws.com to the "
                        "role's trust policy)", Target(stack, "/Parameters/TaskRoleArn"))
        else:
            entry.mapped(pointer, Target(stack, "/Parameters/TaskRoleArn/Default"),
                         "add ecs-tasks.amazonaws.com to the role's trust policy")
