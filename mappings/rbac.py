"""Role, ClusterRole, RoleBinding, ClusterRoleBinding: permissions in the Kubernetes API.

ECS tasks have no Kubernetes API, so nothing is made for them (ignored, with what they
granted). The loss lands on the workloads: a pod whose ServiceAccount a binding reaches could
read or change objects there (pods to discover, ConfigMaps to watch, leases to elect a
leader), and its serviceAccountName is reported lossy with what it may no longer do
(`grants`, read by the pod mapping).
"""

from __future__ import annotations

from mappings.workloads import pod_owners
from translator.context import Context
from translator.models import ClusterRole, ClusterRoleBinding, Role, RoleBinding, Subject
from translator.plan import Fragment

KIND = "Role"
API_VERSIONS = ("rbac.authorization.k8s.io/v1",)
MODEL = Role
MODELS = {"ClusterRole": ClusterRole, "RoleBinding": RoleBinding,
          "ClusterRoleBinding": ClusterRoleBinding}
FIELDS = ("/rules", "/aggregationRule", "/roleRef", "/subjects/*")

NO_API = "ECS tasks have no Kubernetes API"


def grants(ctx: Context, namespace: str, account: str) -> list[str]:
    """What the input's bindings let a ServiceAccount do in the Kubernetes API, one item per
    binding ("ClusterRoleBinding x: ClusterRole x: get, list, watch pods, nodes")."""
    found = []
    for binding in _bindings(ctx):
        role = _role(binding, ctx)
        if (role is None or role.rules) \
                and any(_names(binding, s, ctx, namespace, account) for s in binding.subjects):
            found.append(f"{binding.kind} {binding.name}: {_permissions(binding, ctx)}")
    return found


def map(obj: Role | RoleBinding, frag: Fragment, ctx: Context) -> None:
    entry = frag.entry
    entry.status = "ignored"
    doc = ctx.manifest(obj).doc
    if isinstance(obj, RoleBinding):
        entry.reason = f"grants {_permissions(obj, ctx)}; {NO_API}"
        entry.ignored("/roleRef", entry.reason)
        for i, subject in enumerate(obj.subjects):
            entry.ignored(f"/subjects/{i}", _subject_fate(obj, subject, ctx))
        return
    users = [f"{b.kind} {b.name}" for b in _bindings(ctx) if _binds(b, obj, ctx)]
    entry.reason = (f"permissions in the Kubernetes API: {NO_API}, so there is nothing to "
                    "grant" + (f" (bound by {', '.join(users)}: see the workloads running as "
                               "its subjects)" if users else ""))
    for key in ("rules", "aggregationRule"):
        if key in doc:
            entry.ignored(f"/{key}", entry.reason)


def _bindings(ctx: Context) -> list[RoleBinding]:
    both = [*ctx.all(RoleBinding), *ctx.all(ClusterRoleBinding)]
    return sorted(both, key=lambda b: (b.kind, ctx.namespace_of(b), b.name))


def _names(binding: RoleBinding, subject: Subject, ctx: Context, namespace: str,
           account: str) -> bool:
    """Whether a subject of a binding is this ServiceAccount (or a group holding it)."""
    if subject.kind == "ServiceAccount":
        home = subject.namespace or (None if binding.cluster_scoped() else ctx.namespace_of(binding))
        return subject.name == account and home == namespace
    return subject.kind == "Group" and subject.name in (
        "system:serviceaccounts", f"system:serviceaccounts:{namespace}", "system:authenticated")


def _role(binding: RoleBinding, ctx: Context) -> Role | None:
    if binding.role_ref.kind == "ClusterRole":
        return ctx.find(ClusterRole, ctx.options.namespace, binding.role_ref.name)
    return ctx.find(Role, ctx.namespace_of(binding), binding.role_ref.name)


def _binds(binding: RoleBinding, role: Role, ctx: Context) -> bool:
    found = _role(binding, ctx)
    return found is not None and found.kind == role.kind and found.name == role.name \
        and ctx.namespace_of(found) == ctx.namespace_of(role)


def _permissions(binding: RoleBinding, ctx: Context) -> str:
    ref = binding.role_ref
    role = _role(binding, ctx)
    if role is None:
        return f"{ref.kind} {ref.name} (not in the input)"
    rules = dict.fromkeys("{} {}".format(", ".join(r.verbs), ", ".join(
        r.resources or r.non_resource_urls)) for r in role.rules)  # once across API groups
    return f"{ref.kind} {ref.name}: {'; '.join(rules) or 'no rules'}"


def _subject_fate(binding: RoleBinding, subject: Subject, ctx: Context) -> str:
    if subject.kind != "ServiceAccount":
        return (f"{subject.kind} {subject.name}: people and groups keep their access to the "
                "cluster; give them IAM permissions on ECS for the new services")
    namespace = subject.namespace or ctx.namespace_of(binding)
    runs = sorted(f"{o.kind}/{o.name}" for o, pod in pod_owners(ctx)
                  if ctx.namespace_of(o) == namespace
                  and (pod.service_account_name or "default") == subject.name)
    if not runs:
        return f"ServiceAccount {namespace}/{subject.name}: no workload in the input runs as it"
    return (f"ServiceAccount {namespace}/{subject.name} runs {', '.join(runs)}: what they lose "
            "is reported on their serviceAccountName")
