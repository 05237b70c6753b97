"""ECS Service Connect, the default discovery (`--discovery serviceconnect`): every Kubernetes
Service port that selects an ECS service becomes a Service Connect service of that ECS service
(a named port mapping, a discovery name, one client alias on the *Service's* port), and every
ECS service of the app is a client in the cluster's Cloud Map namespace. The client's proxy
answers the alias and forwards to the server's proxy on the container port, as kube-proxy
forwarded the Service port to the target port: env values, args and ConfigMap files keep the
names and ports they were written with.

AWS limits this module follows (Amazon ECS Developer Guide and API Reference):
- one client alias per Service Connect service, and each alias name and port unique in the
  namespace ("The maximum number of client aliases that you can have in this list is 1"):
  https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ServiceConnectService.html
- a discovery name unique in the namespace, up to 64 lowercase letters, digits, `_` and `-`,
  not starting with `-` (same page); `portName` must name a port mapping of the task.
- the proxy listens on the port mapping's containerPort in awsvpc mode (ingressPortOverride
  unset), so the security groups admit callers on the container port as before; only tasks
  ECS services start can use Service Connect, not standalone tasks (Jobs, CronJobs); the
  proxy wants 256 more CPU units and at least 64 MiB more memory in the task, and its log
  configuration is set on the service:
  https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-connect-concepts-deploy.html

Where Service Connect cannot serve, Cloud Map DNS stays (each workload keeps its A records):
Jobs and CronJobs call through it, with the rewrite of mappings/dns.py; UDP ports; headless
Services (their clients want every pod, and StatefulSets' per-pod names); a second Service on a
container port another Service already serves (one Service Connect service per port mapping).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass

from mappings import calls
from mappings.dns import dns_rewriter
from mappings.workloads import Workload, pod_owners, selected_by
from translator.context import DISCOVERY, Context
from translator.models import Deployment, KubeObject, Service, StatefulSet

SERVICE_CONNECT, CLOUD_MAP = DISCOVERY
# What the proxy sidecar takes inside the task (service-connect-concepts-deploy, "Proxy
# resources": "an additional 256 CPU units and at least 64 MiB of memory").
PROXY_CPU = 256
PROXY_MEMORY_MIB = 64
DISCOVERY_NAME_MAX = 64
DNS_NAME_MAX = 127  # a client alias DnsName (API_ServiceConnectClientAlias)


@dataclass(frozen=True)
class ScPort:
    """One Service port served through Service Connect."""

    service: Service
    index: int  # in the Service's ports
    workload: Workload
    container: str
    number: int  # the container port the proxy forwards to
    port_name: str  # the port mapping's Name
    alias: str  # the client alias DnsName (the name clients already use)
    discovery: str  # the Cloud Map service ECS makes for it

    @property
    def port(self) -> int:
        return self.service.spec.ports[self.index].port


def enabled(ctx: Context) -> bool:
    return ctx.options.discovery == SERVICE_CONNECT


def client(obj: KubeObject, ctx: Context) -> bool:
    """Whether the object's tasks run a Service Connect proxy (ECS services only)."""
    return enabled(ctx) and isinstance(obj, Deployment | StatefulSet)


def served(ctx: Context) -> dict[tuple[str, str], list[ScPort]]:
    """(namespace, Service name) -> its ports served through Service Connect."""

    def compute() -> dict[tuple[str, str], list[ScPort]]:
        out: dict[tuple[str, str], list[ScPort]] = {}
        if not enabled(ctx):
            return out
        claimed: set[tuple[str, str, int]] = set()  # (workload stack, container, port)
        # the names taken in the namespace: every Cloud Map service the workloads register in
        taken = {ctx.cloud_map_name(ctx.namespace_of(s), s.name) for s in ctx.all(Service)}
        for service in sorted(ctx.all(Service), key=lambda s: (ctx.namespace_of(s), s.name)):
            ports = _ports(service, ctx, claimed, taken)
            if ports:
                out[(ctx.namespace_of(service), service.name)] = ports
                claimed.update((p.workload.stack, p.container, p.number) for p in ports)
        return out

    found: dict[tuple[str, str], list[ScPort]] = ctx.memo("service-connect", compute)
    return found


def _ports(service: Service, ctx: Context, claimed: set[tuple[str, str, int]],
           taken: set[str]) -> list[ScPort]:
    spec = service.spec
    if spec.type == "ExternalName" or spec.cluster_ip == "None" or not spec.ports:
        return []
    workloads = selected_by(service, ctx)
    if not workloads:
        return []
    workload = workloads[0]
    ns = ctx.namespace_of(service)
    alias = _alias(service, ns, ctx)
    out = []
    for i, port in enumerate(spec.ports):
        found = workload.container_for_port(port.target, port.port)
        # Service Connect proxies TCP; a UDP port, or one another Service serves, stays on
        # Cloud Map DNS
        if port.protocol != "TCP" or found is None \
                or (workload.stack, found[0].name, found[1]) in claimed:
            continue
        container, number = found
        declared = next((p.name for p in container.ports
                         if p.container_port == number and p.protocol == "TCP" and p.name), None)
        name = discovery_name(f"{ctx.cloud_map_name(ns, service.name).replace('.', '_')}"
                              f"-{port.port}", taken)
        taken.add(name)
        out.append(ScPort(service, i, workload, container.name, number,
                          declared or f"port-{number}", alias, name))
    return out


def _alias(service: Service, ns: str, ctx: Context) -> str:
    """The one client alias ECS allows: the form of the Service's name its callers write most
    (`svc`, `svc.ns`, `svc.ns.svc`, `svc.ns.svc.cluster.local`; the shortest on a tie), so
    their values stay as written; a bare name only where it is unique in the namespace (one
    Kubernetes namespace in the input)."""
    fallback = ctx.cloud_map_name(ns, service.name)
    used = _forms(ctx).get((ns, service.name))
    if not used:
        return fallback
    form = min(used, key=lambda f: (-used[f], len(f), f))
    if len(form) > DNS_NAME_MAX or (form == service.name and ctx.multi_namespace):
        return fallback
    return form


def _forms(ctx: Context) -> dict[tuple[str, str], Counter[str]]:
    """How the Service Connect clients write each Service's name, counted."""

    def compute() -> dict[tuple[str, str], Counter[str]]:
        rewriter = dns_rewriter(ctx)
        found: dict[tuple[str, str], Counter[str]] = {}
        for obj, pod in pod_owners(ctx):
            if client(obj, ctx):
                ns = ctx.namespace_of(obj)
                for _, value in calls.values(pod, ns, ctx):
                    for service_ns, name, form in rewriter.forms_named(value, ns):
                        found.setdefault((service_ns, name), Counter())[form] += 1
        return found

    counted: dict[tuple[str, str], Counter[str]] = ctx.memo("service-connect-forms", compute)
    return counted


def aliases(ctx: Context) -> dict[tuple[str, str], tuple[str, frozenset[int]]]:
    """(namespace, Service name) -> its client alias and the Service ports it answers, for
    the Services served through Service Connect (what mappings.dns keeps as written in a
    client's values)."""
    return {key: (ports[0].alias, frozenset(p.port for p in ports))
            for key, ports in served(ctx).items()}


def discovery_name(name: str, taken: set[str]) -> str:
    """A discovery name within ECS's 64 characters and unique in the namespace: a long one,
    or one another Cloud Map service already has (Service `api-80` beside Service `api`'s
    port 80), keeps its head and gets a hash."""
    if len(name) <= DISCOVERY_NAME_MAX and name not in taken:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{name[:DISCOVERY_NAME_MAX - 9]}-{digest}"


def of_workload(workload: Workload, ctx: Context) -> list[ScPort]:
    """The Service Connect services of a workload's ECS service, in Service order."""
    return [p for ports in served(ctx).values() for p in ports if p.workload == workload]


def port_names(workload: Workload, ctx: Context) -> dict[tuple[str, int], str]:
    """(container, container port) -> the port mapping Name Service Connect refers to."""
    return {(p.container, p.number): p.port_name for p in of_workload(workload, ctx)}


def serves(service: Service, ctx: Context) -> list[ScPort]:
    return served(ctx).get((ctx.namespace_of(service), service.name), [])
