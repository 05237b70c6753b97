"""Per-workload overrides: the task size, the desired count, health-check mode and tags of one
workload, from `workloads:` in eks2ecs.yaml (NAME or NAMESPACE/NAME) or from annotations on
the workload (eks2ecs.io/cpu, eks2ecs.io/memory, eks2ecs.io/desired-count, eks2ecs.io/tags,
and eks2ecs.io/health-check, read by mappings.pod.probes). An annotation wins over the file,
as it wins over --health-check. Each one applied is in the report (a note on the workload,
the annotation mapped to what it set); a value that cannot be (a task size Fargate has not,
one smaller than the containers reserve, a count an HPA owns) is bad input, exit 2, at the
annotation's line or the file's.

Fargate task sizes: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html#fargate-tasks-size
"""

from __future__ import annotations

import json
from typing import Any

from mappings import discovery
from mappings.discovery import PROXY_CPU, PROXY_MEMORY_MIB
from mappings.fargate import sizes
from translator import quantity
from translator.context import Context
from translator.errors import InputError
from translator.load import escape_pointer_token
from translator.models import KubeObject
from translator.plan import Fragment, Target

ANNOTATIONS = {key: f"eks2ecs.io/{key}" for key in ("cpu", "memory", "desired-count", "tags")}
FIELDS = tuple(f"/metadata/annotations/{escape_pointer_token(a)}" for a in ANNOTATIONS.values())


def _found(obj: KubeObject, ctx: Context, key: str) -> tuple[Any, str, int | None, str] | None:
    """(value, file, line, shown origin) of one override, the annotation first."""
    annotation = obj.metadata.annotations.get(ANNOTATIONS.get(key, ""))
    if annotation is not None:
        manifest = ctx.manifest(obj)
        pointer = f"/metadata/annotations/{escape_pointer_token(ANNOTATIONS[key])}"
        return annotation, manifest.file, manifest.line_of(pointer), ANNOTATIONS[key]
    ns = ctx.namespace_of(obj)
    for override in ctx.options.workloads:
        if override.name in (obj.name, f"{ns}/{obj.name}") and key in override.values:
            return override.values[key], override.file or "", override.line, \
                f"workloads: {override.name}: {key} in eks2ecs.yaml"
    return None


def _bad(found: tuple[Any, str, int | None, str], obj: KubeObject, message: str) -> InputError:
    return InputError(f"{found[3]}: {message}", found[1] or None, found[2], obj=obj.ref)


def _applied(obj: KubeObject, frag: Fragment, key: str, to: Target | None, note: str,
             found: tuple[Any, str, int | None, str]) -> None:
    frag.entry.notes.append(f"{note} ({found[3]})")
    if found[3] == ANNOTATIONS.get(key):
        frag.entry.mapped(f"/metadata/annotations/{escape_pointer_token(found[3])}", to, note)


def health_check(obj: KubeObject, ctx: Context) -> str:
    """The workload's --health-check default: its `workloads:` entry, else the option."""
    found = _found(obj, ctx, "health-check")
    return str(found[0]) if found is not None else ctx.options.health_check


def chosen_size(obj: KubeObject, ctx: Context, cpu: int, memory: int) -> tuple[int, int]:
    """The task's (cpu units, MiB): the pod's size unless cpu or memory is overridden; the
    other one then is the smallest Fargate pairs with it that holds the pod. The task
    definition has this size, and an HPA's targets are converted against it."""
    want_cpu, want_memory = _found(obj, ctx, "cpu"), _found(obj, ctx, "memory")
    if want_cpu is None and want_memory is None:
        return cpu, memory
    chosen_cpu = chosen_memory = None
    for found, parse, unit in ((want_cpu, quantity.cpu_units, "cpu"),
                               (want_memory, quantity.memory_mib, "memory")):
        if found is None:
            continue
        try:
            value = parse(found[0])
        except ValueError:
            raise _bad(found, obj, f"{found[0]!r} is not a {unit} quantity (cpu: 1, 0.5 or "
                       "500m; memory: 2Gi or 512Mi)") from None
        if unit == "cpu":
            chosen_cpu = value
        else:
            chosen_memory = value
    pairs = [p for p in sizes() if (chosen_cpu is None or p[0] == chosen_cpu)
             and (chosen_memory is None or p[1] == chosen_memory)
             and (chosen_cpu is not None or p[0] >= cpu)
             and (chosen_memory is not None or p[1] >= memory)]
    found = want_cpu or want_memory
    assert found is not None
    if not pairs:
        valid = sorted({p[1] for p in sizes() if chosen_cpu is None or p[0] == chosen_cpu})
        raise _bad(found, obj, f"no Fargate task size has {_shown(chosen_cpu, chosen_memory)}"
                   + (f" (with {chosen_cpu / 1024:g} vCPU: {valid[0]}-{valid[-1]} MiB)"
                      if chosen_cpu is not None and valid else ""))
    return pairs[0]


def task_size(obj: KubeObject, frag: Fragment, ctx: Context, stack: str, cpu: int, memory: int,
              containers: list[dict[str, Any]]) -> tuple[int, int]:
    """chosen_size(), refused when smaller than the containers reserve, and recorded in the
    report when an override chose it."""
    size = chosen_size(obj, ctx, cpu, memory)
    want_cpu, want_memory = _found(obj, ctx, "cpu"), _found(obj, ctx, "memory")
    found = want_cpu or want_memory
    if found is None:
        return size
    # a Service Connect proxy takes its share beside the containers (mappings.discovery)
    proxy = {"Cpu": PROXY_CPU, "Memory": PROXY_MEMORY_MIB, "MemoryReservation": PROXY_MEMORY_MIB} \
        if discovery.client(obj, ctx) else {}
    for prop, total in (("Cpu", size[0]), ("Memory", size[1]), ("MemoryReservation", size[1])):
        asked = sum(int(c.get(prop, 0)) for c in containers) + proxy.get(prop, 0)
        if asked > total:
            raise _bad(found, obj, f"{_shown(*size)} is smaller than the containers' {prop} "
                       f"({asked}{' with the Service Connect proxy' if proxy else ''}): lower "
                       "their requests or limits, or choose a larger size")
    at = Target(stack, "/Resources/TaskDefinition/Properties/Cpu")
    for key, one in (("cpu", want_cpu), ("memory", want_memory)):
        if one is not None:
            _applied(obj, frag, key, at, f"task size {_shown(*size)} (the pod asks "
                     f"{_shown(cpu, memory)})", one)
    return size


def _shown(cpu: int | None, memory: int | None) -> str:
    parts = ([] if cpu is None else [f"{cpu / 1024:g} vCPU"]) + (
        [] if memory is None else [f"{memory} MiB"])
    return " / ".join(parts)


def desired_count(obj: KubeObject, frag: Fragment, ctx: Context, stack: str,
                  desired: int | None) -> int | None:
    """The ECS service's DesiredCount: the override, unless an HPA owns the count."""
    found = _found(obj, ctx, "desired-count")
    if found is None:
        return desired
    value = found[0]
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise _bad(found, obj, f"{found[0]!r} is not a count (0 or more)")
    if desired is None:
        raise _bad(found, obj, "an HPA scales this workload: its scalable target owns the "
                   "count (set its minReplicas instead)")
    _applied(obj, frag, "desired-count",
             Target(stack, "/Resources/Service/Properties/DesiredCount"),
             f"DesiredCount {value} (replicas: {desired})", found)
    return value


def tags(obj: KubeObject, frag: Fragment, ctx: Context, stack: str) -> list[dict[str, str]]:
    """Tags for the ECS service (propagated to its tasks): a map in the file, or the
    annotation's JSON object or key=value,key=value."""
    found = _found(obj, ctx, "tags")
    if found is None:
        return []
    value = found[0]
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.lstrip().startswith("{") else dict(
                part.split("=", 1) for part in value.split(",") if part.strip())
        except ValueError:
            value = None
    if not isinstance(value, dict) or not value or not all(
            isinstance(k, str) and k and isinstance(v, str | int) and not k.startswith("aws:")
            for k, v in value.items()):
        raise _bad(found, obj, "expected tags as key: value (a map, a JSON object or "
                   "key=value,key=value; no aws: keys)")
    tagged = [{"Key": k.strip(), "Value": str(v).strip()} for k, v in sorted(value.items())]
    _applied(obj, frag, "tags", Target(stack, "/Resources/Service/Properties/Tags"),
             f"tags {', '.join(t['Key'] + '=' + t['Value'] for t in tagged)}", found)
    return tagged


def check_names(ctx: Context, workloads: list[KubeObject]) -> None:
    """A `workloads:` entry that names no workload of the input is bad input at its line."""
    names = {n for w in workloads for n in (w.name, f"{ctx.namespace_of(w)}/{w.name}")}
    for override in ctx.options.workloads:
        if override.name not in names:
            raise InputError(f"workloads: {override.name!r} names no workload of the input",
                             override.file, override.line)
