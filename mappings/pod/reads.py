"""Which workloads read a ConfigMap or Secret, and which keys: what the ConfigMap and Secret
rules report as where their values went."""

from __future__ import annotations

from mappings.pod import volumes
from mappings.workloads import pod_owners
from translator.context import Context


def readers(ctx: Context, kind: str, namespace: str, name: str) -> dict[str, set[str] | None]:
    """Workloads that read a ConfigMap or Secret: workload -> keys (None: every key)."""
    index: dict[tuple[str, str], dict[str, set[str] | None]] = ctx.memo(
        f"readers/{kind}", lambda: _readers_by_object(ctx, kind))
    return index.get((namespace, name), {})


def _readers_by_object(ctx: Context, kind: str) -> dict[tuple[str, str], dict[str, set[str] | None]]:
    """`readers` of every ConfigMap (or Secret) at once: one pass over the workloads."""
    index: dict[tuple[str, str], dict[str, set[str] | None]] = {}
    for workload, pod in pod_owners(ctx):
        # names read whole (envFrom, volumes without items), and name -> keys read one by one
        every, keys = volumes.reads(pod, kind)
        for container in pod.every_container:
            for source in container.env_from:
                ref = source.config_map_ref if kind == "configMap" else source.secret_ref
                if ref is not None:
                    every.add(ref.name)
            for var in container.env:
                src = var.value_from
                key_ref = None
                if src is not None:
                    key_ref = src.config_map_key_ref if kind == "configMap" else src.secret_key_ref
                if key_ref is not None:
                    keys.setdefault(key_ref.name, set()).add(key_ref.key)
        for name in sorted(every | keys.keys()):
            index.setdefault((ctx.namespace_of(workload), name), {})[
                workload.ref] = None if name in every else keys[name]
    return index
