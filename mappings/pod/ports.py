"""The ports of a task definition: those its containers declare, and those the pod is reached
on without declaring them. Kubernetes routes a Service's numeric targetPort, and the kubelet
probes a port, whether or not the container lists it (7 of bank-of-anthos' 10 workloads list
none); an ECS load balancer needs a port mapping for the container and port it sends to.
https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_LoadBalancer.html
("the container name and port ... as it appears in a container definition")

An undeclared port goes to the container that says so (its probe), else to the first app
container: in awsvpc mode every container of a task shares one network namespace, as a pod's
do, so any of them receives it. A port is mapped once per task.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from translator.models import Container, PodSpec, Probe


@dataclass(frozen=True)
class Mapped:
    """One PortMappings item of a container definition."""

    port: int
    protocol: str  # TCP or UDP
    name: str | None = None
    declared: int | None = None  # the index in the container's ports, when it declares it
    why: str | None = None  # why an undeclared port is mapped


@dataclass(frozen=True)
class Reached:
    """A port something outside the pod sends to: a Service's numeric target port."""

    port: int
    protocol: str
    by: str  # "Service frontend port 80"


def port_mappings(pod: PodSpec, reached: Sequence[Reached] = ()) -> list[list[Mapped]]:
    """The PortMappings of each container, in container-definition order (app containers,
    then init containers). SCTP ports are left out (Fargate has none)."""
    containers = pod.every_container
    out = [[Mapped(p.container_port, p.protocol, p.name, j) for j, p in enumerate(c.ports)
            if p.protocol != "SCTP"] for c in containers]
    taken = {(m.port, m.protocol) for mapped in out for m in mapped}

    def add(i: int, port: int, protocol: str, why: str) -> None:
        if (port, protocol) not in taken:
            taken.add((port, protocol))
            out[i].append(Mapped(port, protocol, why=why))

    for target in reached:
        if target.protocol != "SCTP":
            add(0, target.port, target.protocol, f"{target.by} targets it")
    for i, c in enumerate(containers):
        for name, probe in (("liveness", c.liveness_probe), ("readiness", c.readiness_probe),
                            ("startup", c.startup_probe)):
            port = _probe_number(probe)
            if port is not None:
                add(i, port, "TCP", f"its {name} probe checks it")
    return out


def mapping_index(pod: PodSpec, reached: Sequence[Reached], container: Container,
                  port: int) -> int | None:
    """Where a container's port is in its PortMappings, None when it is not mapped."""
    index = pod.every_container.index(container)
    numbers = [m.port for m in port_mappings(pod, reached)[index]]
    return numbers.index(port) if port in numbers else None


def _probe_number(probe: Probe | None) -> int | None:
    """A probe's port when it is a number (a named one is declared, so mapped already)."""
    if probe is None:
        return None
    for action in (probe.http_get, probe.tcp_socket):
        if action is not None:
            return action.port if isinstance(action.port, int) else None
    return probe.grpc.port if probe.grpc is not None else None
