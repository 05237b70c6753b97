"""CPU, memory and ephemeral storage: container reservations, and the smallest Fargate task
size that holds the pod's effective request (init containers counted as Kubernetes does)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from mappings.discovery import PROXY_CPU, PROXY_MEMORY_MIB
from mappings.fargate import smallest_fit
from mappings.pod.state import TASK, PodState
from translator import quantity
from translator.load import escape_pointer_token
from translator.models import Container, PodSpec
from translator.plan import Target, TaskSizing

# EKS on Fargate sizes a pod from its effective requests plus this much memory for the
# kubelet, kube-proxy and containerd, rounded up to a Fargate size:
# https://docs.aws.amazon.com/eks/latest/userguide/fargate-pod-configuration.html
EKS_FARGATE_OVERHEAD_MIB = 256

# What this module may claim, relative to a container.
CONTAINER_FIELDS = tuple(f"resources/{section}/{name}" for section in ("requests", "limits")
                         for name in ("cpu", "memory", "ephemeral-storage"))


@dataclass
class TaskSize:
    cpu: int
    memory: int
    note: str
    fits: bool
    sizing: TaskSizing  # what the pod asked for, for the report's cost section


def container_resources(state: PodState, c: Container, path: str, at: str,
                        out: dict[str, Any]) -> None:
    """An app container's Cpu, Memory (its limit) and MemoryReservation (its request)."""
    entry = state.entry
    req, lim = c.resources.requests, c.resources.limits
    if "cpu" in req or "cpu" in lim:
        out["Cpu"] = quantity.cpu_units(req.get("cpu", lim.get("cpu", 0)))
        entry.mapped(f"{path}/resources/requests/cpu" if "cpu" in req
                     else f"{path}/resources/limits/cpu", state.to(f"{at}/Cpu"))
        if "cpu" in lim and "cpu" in req:
            entry.lossy(f"{path}/resources/limits/cpu",
                        "Fargate caps CPU at the task size, not per container",
                        Target(state.stack, f"{TASK}/Cpu"))
    if "memory" in lim:
        out["Memory"] = quantity.memory_mib(lim["memory"])
        entry.mapped(f"{path}/resources/limits/memory", state.to(f"{at}/Memory"))
    if "memory" in req:
        out["MemoryReservation"] = quantity.memory_mib(req["memory"])
        entry.mapped(f"{path}/resources/requests/memory", state.to(f"{at}/MemoryReservation"))
    _other_resources(state, c, path)


def init_resources(state: PodState, c: Container, path: str) -> None:
    """An init container runs before the app: it shares the whole task size, which
    covers its request, instead of reserving CPU and memory the app could never use."""
    for section, values in (("requests", c.resources.requests),
                            ("limits", c.resources.limits)):
        for name, prop in (("cpu", "Cpu"), ("memory", "Memory")):
            if name in values:
                state.entry.lossy(f"{path}/resources/{section}/{name}", "an init container "
                                  "runs before the app and may use the whole task size "
                                  f"(sized to hold its {name}); ECS sets no cap of its own",
                                  state.to(f"/{prop}"))
    _other_resources(state, c, path)


def _other_resources(state: PodState, c: Container, path: str) -> None:
    for section, values in (("requests", c.resources.requests),
                            ("limits", c.resources.limits)):
        for name in values:
            if name not in ("cpu", "memory", "ephemeral-storage"):
                state.entry.unsupported(
                    f"{path}/resources/{section}/{escape_pointer_token(name)}",
                    f"{name} has no Fargate equivalent")


def task_size(pod: PodSpec, proxy: bool = False) -> TaskSize:
    """The task size that holds the pod: each container at the larger of its request and
    limit (ECS gives a task no more than its size), and which of the two sized it; with
    `proxy`, also the Service Connect proxy (mappings.discovery: ECS wants the task above
    the sum of the container memory limits, the proxy's share on top)."""
    needed, requested = pod_demand(pod, demand), pod_demand(pod, requests)
    eks = smallest_fit(requested.cpu, requested.memory + EKS_FARGATE_OVERHEAD_MIB)[:2]
    asked = str(needed)
    without_proxy = None
    if proxy:
        without_proxy = smallest_fit(needed.cpu, needed.memory)[:2]
        sidecar = Demand(PROXY_CPU, PROXY_MEMORY_MIB)
        needed, requested = needed + sidecar, requested + sidecar
        asked += f" + {sidecar} for the Service Connect proxy"
    task_cpu, task_memory, fits = smallest_fit(needed.cpu, needed.memory)
    by_requests = smallest_fit(requested.cpu, requested.memory)[:2]
    note = f"pod asks {asked}; smallest Fargate size {task_cpu / 1024:g} vCPU / {task_memory} MiB"
    if not fits:
        note += " (the largest Fargate size; the pod asked for more)"
    elif by_requests != (task_cpu, task_memory):
        note += (f", sized by its limits (its requests, {requested}, would fit "
                 f"{by_requests[0] / 1024:g} vCPU / {by_requests[1]} MiB)")
    return TaskSize(task_cpu, task_memory, note, fits, TaskSizing(
        (requested.cpu, requested.memory), (needed.cpu, needed.memory), by_requests, eks,
        without_proxy))


def shrink(state: PodState, containers: list[dict[str, Any]], size: TaskSize) -> None:
    """Scale container reservations down to the largest Fargate size: ECS refuses
    container values that add up to more than the task's."""
    for prop, total in (("Cpu", size.cpu), ("Memory", size.memory),
                        ("MemoryReservation", size.memory)):
        asked = sum(c.get(prop, 0) for c in containers)
        if asked <= total:
            continue
        for definition in containers:
            if prop in definition:
                definition[prop] = definition[prop] * total // asked
        state.entry.notes.append(f"container {prop} values scaled down by {total}/{asked} "
                                 "to fit the task")
    for definition in containers:
        if "MemoryReservation" in definition and "Memory" in definition:
            definition["MemoryReservation"] = min(definition["MemoryReservation"],
                                                  definition["Memory"])


def ephemeral_storage(state: PodState) -> int | None:
    """Task EphemeralStorage (GiB) for the pod's ephemeral-storage, None when Fargate's
    default 20 GiB holds it. Counted like CPU and memory in task_size()."""
    pod, entry = state.pod, state.entry
    running = peak = Decimal(0)
    for c in pod.init_containers:
        if c.native_sidecar:
            running += _storage(c)
        else:
            peak = max(peak, running + _storage(c))
    for c in pod.containers:
        running += _storage(c)
    wanted = math.ceil(max(peak, running) / 2**30)
    size = None if wanted <= 20 else min(max(wanted, 21), 200)
    to = state.to("/EphemeralStorage/SizeInGiB") if size else None
    for kind, containers in (("containers", pod.containers),
                             ("initContainers", pod.init_containers)):
        for i, c in enumerate(containers):
            path = f"{state.base}/{kind}/{i}/resources"
            if "ephemeral-storage" in c.resources.requests:
                request = f"{path}/requests/ephemeral-storage"
                if size is None:
                    entry.mapped(request, None, f"the pod needs {wanted} GiB: "
                                 "Fargate's default 20 GiB of task storage holds it")
                elif size < wanted:
                    entry.lossy(request, f"the pod needs {wanted} GiB; Fargate "
                                "gives a task 200 GiB at most", to)
                else:
                    entry.mapped(request, to, f"the pod needs {wanted} GiB")
            if "ephemeral-storage" in c.resources.limits:
                entry.lossy(f"{path}/limits/ephemeral-storage", "Fargate sizes "
                            "storage per task (counting this limit) and evicts no "
                            "container that writes more", to)
    return size


def requested(pod: PodSpec, name: str) -> int | None:
    """What the HPA controller divides usage by: the sum of the running containers' requests
    of `name` (cpu units or memory MiB; a request left out defaults to the limit, as the API
    server does), or None when a container has neither and the controller cannot compute
    a utilization at all."""
    convert = quantity.cpu_units if name == "cpu" else quantity.memory_mib
    total = 0
    for c in (*(c for c in pod.init_containers if c.native_sidecar), *pod.containers):
        value = c.resources.requests.get(name, c.resources.limits.get(name))
        if value is None:
            return None
        total += convert(value)
    return total


@dataclass(frozen=True)
class Demand:
    """CPU units and MiB of memory."""

    cpu: int = 0
    memory: int = 0

    def __add__(self, other: Demand) -> Demand:
        return Demand(self.cpu + other.cpu, self.memory + other.memory)

    def most(self, other: Demand) -> Demand:
        return Demand(max(self.cpu, other.cpu), max(self.memory, other.memory))

    def __str__(self) -> str:
        if not self.cpu and not self.memory:
            return "no resources"
        return f"{round(self.cpu / 1024, 2):g} vCPU / {self.memory} MiB"


def pod_demand(pod: PodSpec, of: Callable[[Container], Demand]) -> Demand:
    """Kubernetes' effective pod request of `of` (also EKS on Fargate's sizing rule): the app
    containers and native sidecars run together; each init container runs alone beside the
    sidecars started before it, so the pod needs the larger of its peak and the running set."""
    running = peak = Demand()
    for c in pod.init_containers:
        if c.native_sidecar:
            running += of(c)
        else:
            peak = peak.most(running + of(c))
    for c in pod.containers:
        running += of(c)
    return peak.most(running)


def demand(c: Container) -> Demand:
    """What a container may use: the larger of its request and limit."""
    req, lim = c.resources.requests, c.resources.limits
    return Demand(max(quantity.cpu_units(req.get("cpu", 0)), quantity.cpu_units(lim.get("cpu", 0))),
                  max(quantity.memory_mib(req.get("memory", 0)),
                      quantity.memory_mib(lim.get("memory", 0))))


def requests(c: Container) -> Demand:
    """What a container is guaranteed: its request (a request left out defaults to the
    limit, as the API server does)."""
    req, lim = c.resources.requests, c.resources.limits
    return Demand(quantity.cpu_units(req.get("cpu", lim.get("cpu", 0))),
                  quantity.memory_mib(req.get("memory", lim.get("memory", 0))))


def _storage(c: Container) -> Decimal:
    """Bytes of ephemeral storage a container needs: the larger of its request and limit."""
    return max(quantity.parse(c.resources.requests.get("ephemeral-storage", 0)),
               quantity.parse(c.resources.limits.get("ephemeral-storage", 0)))
