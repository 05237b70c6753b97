"""Who calls whom: a workload whose containers are given a Service's in-cluster DNS name (in
an env value, a ConfigMap key it reads or loads, its command or args, a ConfigMap file it
mounts) reached the pods behind that Service on EKS, on every port of the Service (or the
one written after the name). Each such connection is a `Reach` the security groups must keep
open, or keep closed when a NetworkPolicy refused it (translator.reachability checks them).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from mappings import networkpolicy
from mappings.dns import dns_rewriter
from mappings.workloads import Workload, pod_owners, selected_by, target_port_number
from translator.context import Context, workload_stack
from translator.models import ConfigMap, KubeObject, PodSpec, Service
from translator.plan import Reach


@dataclass(frozen=True)
class Call:
    """A workload's containers name a Service."""

    caller: KubeObject
    service: Service
    callee: Workload  # the workload the Service's name reaches on ECS
    where: str  # "env WEAVIATE_URL", "ConfigMap app key URL (mounted)"
    port: int | None  # the Service port written after the name


def calls(ctx: Context) -> list[Call]:
    """Every (caller, Service, place) of the input, in input order."""

    def compute() -> list[Call]:
        rewriter = dns_rewriter(ctx)
        found: list[Call] = []
        for obj, pod in pod_owners(ctx):
            ns = ctx.namespace_of(obj)
            for where, value in values(pod, ns, ctx):
                for service_ns, name, port in rewriter.services_named(value, ns):
                    service = ctx.find(Service, service_ns, name)
                    callees = selected_by(service, ctx) if service is not None else []
                    if service is not None and callees:
                        found.append(Call(obj, service, callees[0], where, port))
        return found

    found: list[Call] = ctx.memo("calls", compute)
    return found


def reaches(ctx: Context) -> list[Reach]:
    """What the calls ask of the security groups: the container port behind each Service
    port they use, open or (refused by a NetworkPolicy) closed."""
    found: dict[tuple[str, str, str, int, str], list[str]] = {}  # -> where the name was seen
    for call in calls(ctx):
        ports = [p for p in call.service.spec.ports if call.port in (None, p.port)]
        for port in ports:
            if port.protocol == "SCTP":
                continue
            target = port.target_port if port.target_port is not None else port.port
            number = target_port_number(call.service, target, ctx)
            if number is None:
                continue
            protocol = port.protocol.lower()
            caller = workload_stack(ctx.namespace_of(call.caller), call.caller.name)
            key = (caller, call.callee.stack, protocol, number,
                   networkpolicy.refused_by(call.caller, call.callee, number, protocol, ctx))
            seen = f"{call.caller.kind}/{call.caller.name} names Service " \
                   f"{ctx.namespace_of(call.service)}/{call.service.name}"
            where = found.setdefault(key, [seen])
            if call.where not in where:
                where.append(call.where)
    return [Reach(source, target, protocol, number, f"{where[0]} in {', '.join(where[1:])}",
                  denied) for (source, target, protocol, number, denied), where in found.items()]


def values(pod: PodSpec, ns: str, ctx: Context) -> Iterator[tuple[str, str]]:
    """(where, value) of every string the pod's containers are given."""

    def config_map(name: str) -> ConfigMap | None:
        return ctx.find(ConfigMap, ns, name)

    for container in [*pod.init_containers, *pod.containers]:
        for i, word in enumerate([*container.command, *container.args]):
            kind = "command" if i < len(container.command) else "args"
            yield f"container {container.name} {kind}", word
        for var in container.env:
            if var.value:
                yield f"env {var.name}", var.value
            ref = var.value_from.config_map_key_ref if var.value_from else None
            cm = config_map(ref.name) if ref else None
            if ref and cm and ref.key in cm.data:
                yield f"env {var.name} (ConfigMap {ref.name})", cm.data[ref.key]
        for source in container.env_from:
            name = source.config_map_ref.name if source.config_map_ref else ""
            cm = config_map(name)
            for key, value in sorted(cm.data.items()) if cm else ():
                yield f"ConfigMap {name} key {key}", value
    for volume in pod.volumes:
        names = [volume.config_map.name] if volume.config_map else []
        for projected in (volume.projected or {}).get("sources") or []:
            if isinstance(projected, dict) and isinstance(projected.get("configMap"), dict):
                names.append(str(projected["configMap"].get("name", "")))
        for name in names:
            cm = config_map(name)
            for key, value in sorted(cm.data.items()) if cm else ():
                yield f"ConfigMap {name} key {key} (mounted)", value
