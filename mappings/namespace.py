"""Namespace -> no resource of its own: ECS has no namespaces. Its name carries on in the
names eks2ecs gives: the Cloud Map private DNS domain (<namespace>.local, or one domain with
<service>.<namespace> names when the input spans namespaces) and the stack names."""

from __future__ import annotations

from translator.context import CLUSTER_STACK, Context
from translator.models import Namespace
from translator.plan import Fragment, Target

KIND = "Namespace"
API_VERSIONS = ("v1",)
MODEL = Namespace
FIELDS = ("/metadata/name", "/metadata/labels", "/metadata/annotations", "/spec")


def map(obj: Namespace, frag: Fragment, ctx: Context) -> None:
    entry = frag.entry
    domain = Target(CLUSTER_STACK, "/Parameters/DnsNamespaceName/Default")
    if obj.name not in ctx.namespaces:
        entry.mapped("/metadata/name", domain, "holds no object of the input: nothing to "
                     "name after it")
    elif ctx.multi_namespace:
        entry.mapped("/metadata/name", domain, f"Services in it are named "
                     f"<service>.{obj.name}.{ctx.dns_domain}; its workload stacks "
                     f"{ctx.app}-{obj.name}-<name>")
    else:
        entry.mapped("/metadata/name", domain, f"Cloud Map domain {ctx.dns_domain}; stacks "
                     f"named {ctx.app}-<name>")
    entry.ignored("/metadata/labels", "namespace labels matter only to namespaceSelectors "
                  "(see the NetworkPolicy entries)")
    entry.ignored("/metadata/annotations", "no ECS meaning")
    if "spec" in ctx.manifest(obj).doc:
        entry.ignored("/spec", "finalizers are Kubernetes bookkeeping")
