"""ServiceAccount with IRSA -> the task role of the workloads that run as it (the role ARN
becomes their TaskRoleArn parameter's default). Its trust policy must be widened to
ecs-tasks.amazonaws.com, which the report says."""

from __future__ import annotations

from mappings.podspec import IRSA_ANNOTATION
from translator.context import Context
from translator.load import escape_pointer_token
from translator.models import Deployment, ServiceAccount
from translator.plan import Fragment, Target

KIND = "ServiceAccount"
API_VERSIONS = ("v1",)
MODEL = ServiceAccount
FIELDS = ("/metadata/name", f"/metadata/annotations/{escape_pointer_token(IRSA_ANNOTATION)}")


def map(obj: ServiceAccount, frag: Fragment, ctx: Context) -> None:
    entry = frag.entry
    ns = ctx.namespace_of(obj)
    users = sorted(d.name for d in ctx.all(Deployment) if ctx.namespace_of(d) == ns
                   and d.spec.template.spec.service_account_name == obj.name)
    arn = obj.metadata.annotations.get(IRSA_ANNOTATION)
    if arn is None:
        entry.status = "ignored"
        entry.reason = ("no IAM role (IRSA) annotation: tasks need no task role"
                        if users else "no workload in the input runs as this ServiceAccount")
        return
    pointer = f"/metadata/annotations/{escape_pointer_token(IRSA_ANNOTATION)}"
    if not users:
        entry.status = "ignored"
        entry.reason = "no workload in the input runs as this ServiceAccount"
        entry.ignored(pointer, entry.reason)
        return
    for user in users:
        entry.mapped(pointer, Target(f"workload/{ns}/{user}", "/Parameters/TaskRoleArn/Default"),
                     "add ecs-tasks.amazonaws.com to the role's trust policy")
    entry.lossy("/metadata/name", "ECS has no service accounts: the IAM role is the identity")
