"""Service -> a Cloud Map service (A records) that the selected workload's ECS service
registers in, so CoreDNS names keep resolving under the private namespace.

Also owns the DNS rewrite of env values: `svc.ns.svc.cluster.local`, `svc.ns.svc`, `svc.ns`
and, in the same namespace, a bare `svc` in host position become `svc.<domain>`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from mappings.workloads import registered_service, selected_by
from translator.cfn import GetAtt
from translator.context import Context, import_from, pascal
from translator.models import Service
from translator.plan import Append, Fragment, Resource, Target

KIND = "Service"
API_VERSIONS = ("v1",)
MODEL = Service
FIELDS = (
    "/metadata/name", "/metadata/namespace", "/metadata/labels", "/spec", "/spec/selector",
    "/spec/type", "/spec/clusterIP", "/spec/ports/*", "/spec/ports/*/nodePort",
)


def registry_id(service: Service) -> str:
    return f"CloudMap{pascal(service.name)}"


def map(obj: Service, frag: Fragment, ctx: Context) -> None:
    entry = frag.entry
    ns = ctx.namespace_of(obj)
    spec = obj.spec
    entry.ignored("/metadata/labels", "labels have no meaning once selectors are resolved")
    if spec.type == "ExternalName":
        entry.lossy("/spec", f"no Cloud Map record is made; env values naming this Service "
                    f"are rewritten to {spec.external_name!r}")
        return
    workloads = selected_by(obj, ctx)
    if not workloads:
        entry.status = "unsupported"
        entry.reason = ("selects no Deployment in the input; StatefulSets and others arrive "
                        "with their own rules")
        entry.unsupported("/spec/selector", entry.reason)
        return
    workload = workloads[0]
    entry.mapped("/spec/selector", Target(workload.stack, "/Resources/Service"),
                 f"resolved: selects Deployment/{workload.obj.name}")
    if len(workloads) > 1:
        others = ", ".join(w.obj.name for w in workloads[1:])
        entry.lossy("/spec/selector", f"also selects {others}; only {workload.obj.name} registers")
    if spec.type in ("NodePort", "LoadBalancer"):
        entry.lossy("/spec/type", f"{spec.type} is not recreated; expose it with an Ingress "
                    "(ALB) or a Network Load Balancer in front of the ECS service")
    if registered_service(workload, ctx) != obj:
        primary = registered_service(workload, ctx)
        assert primary is not None
        entry.lossy("/metadata/name", f"an ECS service registers in one Cloud Map service: "
                    f"{workload.obj.name} registers as {primary.name!r}; env values naming "
                    f"{obj.name!r} are rewritten to it")
        _ports(obj, frag, ctx, workload.stack)
        return
    logical = registry_id(obj)
    cloud_map_name = ctx.cloud_map_name(ns, obj.name)
    frag.put(workload.stack, "Resources", logical, Resource(
        "AWS::ServiceDiscovery::Service", {
            "Name": cloud_map_name,
            "Description": f"Kubernetes Service {ns}/{obj.name}",
            "NamespaceId": import_from("ClusterStackName", "NamespaceId"),
            "DnsConfig": {
                "DnsRecords": [{"Type": "A", "TTL": 10}],
                "RoutingPolicy": "MULTIVALUE",
            },
            "HealthCheckCustomConfig": {"FailureThreshold": 1},
        }, obj.ref))
    frag.appends.append(Append(workload.stack, "Service", "ServiceRegistries",
                               {"RegistryArn": GetAtt(logical, "Arn")}))
    entry.mapped("/metadata/name", Target(workload.stack, f"/Resources/{logical}/Properties/Name"),
                 f"{obj.name}.{ns}.svc.cluster.local -> {cloud_map_name}.{ctx.dns_domain}")
    entry.mapped("/metadata/namespace",
                 Target(workload.stack, f"/Resources/{logical}/Properties/NamespaceId"))
    _ports(obj, frag, ctx, workload.stack)
    if spec.type == "ClusterIP":
        entry.mapped("/spec/type", Target(workload.stack, f"/Resources/{logical}/Properties/DnsConfig"),
                     "a private DNS name in Cloud Map")
    if spec.cluster_ip is not None:
        entry.ignored("/spec/clusterIP", "tasks get their own VPC addresses; Cloud Map returns them")


def _ports(obj: Service, frag: Fragment, ctx: Context, stack: str) -> None:
    for i, port in enumerate(obj.spec.ports):
        target = port.target_port if port.target_port is not None else port.port
        path = f"/spec/ports/{i}"
        resolved = _target_number(obj, target, ctx)
        if resolved is None:
            frag.entry.unsupported(path, f"targetPort {target!r} names no container port")
        elif resolved == port.port:
            frag.entry.mapped(path, Target(stack, _port_mapping(obj, target, ctx)),
                              f"port {port.port} stays as the container port")
        else:
            frag.entry.lossy(path, f"Cloud Map A records carry no port: clients reach "
                             f"{resolved} instead of {port.port}; env values naming "
                             f"host:{port.port} are rewritten")
        if port.node_port is not None:
            frag.entry.ignored(f"{path}/nodePort", "no node ports on Fargate")


def _port_mapping(obj: Service, target: int | str, ctx: Context) -> str:
    """The task definition's port mapping a Service port lands on (or its container)."""
    workload = selected_by(obj, ctx)[0]
    containers = workload.obj.spec.template.spec.containers
    container, number = workload.container_for_port(target, 0) or (containers[0], 0)
    at = f"/Resources/TaskDefinition/Properties/ContainerDefinitions/{containers.index(container)}"
    declared = [p.container_port for p in container.ports if p.protocol != "SCTP"]
    return f"{at}/PortMappings/{declared.index(number)}" if number in declared else at


def _target_number(obj: Service, target: int | str, ctx: Context) -> int | None:
    workloads = selected_by(obj, ctx)
    if not workloads:
        return target if isinstance(target, int) else None
    found = workloads[0].container_for_port(target, target if isinstance(target, int) else 0)
    return found[1] if found else None


# --- DNS rewrite of env values ------------------------------------------------------


@dataclass(frozen=True)
class Rewrite:
    old: str
    new: str


class DnsRewriter:
    """Rewrites in-cluster DNS names (and their ports) in env values."""

    def __init__(self, ctx: Context) -> None:
        self.targets: dict[tuple[str, str], tuple[str, dict[int, int]]] = {}
        for service in ctx.all(Service):
            ns = ctx.namespace_of(service)
            if service.spec.type == "ExternalName":
                if service.spec.external_name:
                    self.targets[(ns, service.name)] = (service.spec.external_name, {})
                continue
            workloads = selected_by(service, ctx)
            if not workloads:
                continue
            primary = registered_service(workloads[0], ctx) or service
            host = f"{ctx.cloud_map_name(ns, primary.name)}.{ctx.dns_domain}"
            ports = {}
            for port in service.spec.ports:
                target = port.target_port if port.target_port is not None else port.port
                number = _target_number(service, target, ctx)
                if number is not None and number != port.port:
                    ports[port.port] = number
            self.targets[(ns, service.name)] = (host, ports)
        self.namespaces = {ns for ns, _ in self.targets}

    def rewrite(self, value: str, namespace: str) -> tuple[str, list[Rewrite]]:
        done: list[Rewrite] = []

        def replacer(host: str, ports: dict[int, int]) -> Callable[[re.Match[str]], str]:
            def replace(match: re.Match[str]) -> str:
                port = match.group("port")
                new = host
                if port is not None:
                    number = int(port[1:])
                    new += f":{ports.get(number, number)}"
                done.append(Rewrite(match.group(0), new))
                return new
            return replace

        for (ns, name), (host, ports) in sorted(self.targets.items()):
            fqdn = (rf"(?<![A-Za-z0-9.-]){re.escape(name)}\.{re.escape(ns)}"
                    r"(?:\.svc(?:\.cluster\.local)?)?(?![A-Za-z0-9-]|\.[A-Za-z0-9])"
                    r"(?P<port>:\d{1,5})?")
            value = re.sub(fqdn, replacer(host, ports), value)
            if ns == namespace:
                # a bare name only where it stands as a host: whole value, after :// or @
                bare = (rf"(?:(?<=^)|(?<=://)|(?<=@)){re.escape(name)}"
                        r"(?=$|[:/])(?P<port>:\d{1,5})?")
                value = re.sub(bare, replacer(host, ports), value)
        return value, done


def dns_rewriter(ctx: Context) -> DnsRewriter:
    rewriter: DnsRewriter = ctx.memo("dns", lambda: DnsRewriter(ctx))
    return rewriter
