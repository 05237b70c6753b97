"""One pod spec -> the container definitions and task properties of its task definition,
and what its execution role must read: composed from the concern modules of this package
in a fixed order (the ledger and the template keep it)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mappings.pod import containers, env, pod_level, probes, resources, security, volumes
from mappings.pod.backing import Storage
from mappings.pod.ports import Reached
from mappings.pod.resources import TaskSize
from mappings.pod.state import PodState
from translator.context import Context
from translator.errors import InputError
from translator.models import ClaimTemplate, PodSpec
from translator.plan import Fragment

# What the pod mapping may claim of a container (app or init), relative to the container.
CONTAINER_FIELDS = (*containers.CONTAINER_FIELDS, *env.CONTAINER_FIELDS,
                    *resources.CONTAINER_FIELDS, *probes.CONTAINER_FIELDS,
                    *security.CONTAINER_FIELDS, "volumeMounts/*")
# What it may claim, relative to the pod spec (see mappings/__init__.py).
POD_FIELDS = (
    "/volumes/*", *pod_level.POD_FIELDS, *security.POD_FIELDS, *volumes.POD_FIELDS,
    *(f"/{group}/*/{name}" for group in ("containers", "initContainers")
      for name in CONTAINER_FIELDS),
)


# "Containers per task definition: 10, not adjustable"; a pod over it cannot deploy at all:
# https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-quotas.html
MAX_CONTAINERS = 10


def fields(base: str) -> tuple[str, ...]:
    """The pod spec's allow-list for a workload whose pod spec sits at `base`."""
    return tuple(base + pattern for pattern in POD_FIELDS)


@dataclass
class PodResult:
    containers: list[dict[str, Any]]
    size: TaskSize
    secret_reads: dict[Any, list[Any]] = field(default_factory=dict)  # IAM action -> resources
    task: dict[str, Any] = field(default_factory=dict)  # task-definition properties of the pod
    storage: Storage = field(default_factory=Storage)


def map_pod(pod: PodSpec, base: str, namespace: str, stack: str, frag: Fragment, ctx: Context,
            claims: tuple[ClaimTemplate, ...] = (), reached: tuple[Reached, ...] = (),
            balanced: Mapping[str, str] | None = None, health_check: str = "auto",
            sc_names: Mapping[tuple[str, int], str] | None = None) -> PodResult:
    """Map the pod spec at `base` into stack `stack`, recording every field's fate; `reached`
    are the ports Services send to, mapped whether or not a container declares them;
    `balanced` the containers behind a load balancer (with the protocol version of their
    target groups), `health_check` how probes become
    checks (see pod.probes), `sc_names` the port mapping names of a Service Connect client
    (None: no proxy in the task)."""
    state = PodState(pod, base, namespace, stack, frag, ctx, claims, reached,
                     dict(balanced or {}), health_check,
                     None if sc_names is None else dict(sc_names))
    credentials = pod_level.pull_credentials(state)
    definitions = containers.app_containers(state, credentials)
    definitions += containers.init_containers(state, definitions, credentials)
    pod_level.unused_credentials(state, credentials, definitions)
    security.pod_security(state, definitions)
    size = resources.task_size(pod, proxy=state.sc_names is not None)
    if not size.fits:
        resources.shrink(state, definitions, size)
    task: dict[str, Any] = {"RuntimePlatform": pod_level.runtime_platform(state)}
    storage = resources.ephemeral_storage(state)
    if storage is not None:
        task["EphemeralStorage"] = {"SizeInGiB": storage}
    pod_level.pod_fields(state, task)
    volume_storage = volumes.map_volumes(state, definitions)
    _within_container_limit(state, definitions)
    security.fs_group(state)
    pod_level.service_account(state)
    pod_level.restart_policy(state)
    pod_level.stop_timeout(state, definitions)
    return PodResult(definitions, size, state.secret_reads, task, volume_storage)


def _within_container_limit(state: PodState, definitions: list[dict[str, Any]]) -> None:
    """Refuse a pod whose task definition would hold more containers than ECS takes:
    init containers and native sidecars become containers there too, and so does the file
    writer eks2ecs adds. No split is meaningful: the pod's containers share its network and
    volumes."""
    if len(definitions) <= MAX_CONTAINERS:
        return
    apps, inits = len(state.pod.containers), len(state.pod.init_containers)
    added = len(definitions) - apps - inits
    parts = [f"{apps} containers", f"{inits} init containers and sidecars"]
    if added:
        parts.append(f"{added} that writes its ConfigMap/Secret files")
    pointer = f"{state.base}/containers"
    manifest = state.ctx.manifest_at(state.entry.file, state.entry.line)
    raise InputError(f"{len(definitions)} containers in one task definition "
                     f"({', '.join(parts)}); ECS takes at most {MAX_CONTAINERS} "
                     "(a quota it does not raise): move some into workloads of their own",
                     manifest.file, manifest.line_of(pointer), obj=manifest.ref,
                     field=pointer)
