"""What a pod's volumes add to the task definition, task role and ECS service (`Storage`),
what each named volume became (`Backing`), and the task volumes as they are added."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mappings.pod.state import PodState


@dataclass
class Storage:
    """What a pod's volumes add to the task definition, task role and ECS service."""

    volumes: list[dict[str, Any]] = field(default_factory=list)  # task definition Volumes
    role_statements: list[dict[str, Any]] = field(default_factory=list)  # task role
    service_volumes: list[dict[str, Any]] = field(default_factory=list)  # managed EBS
    service_depends_on: list[str] = field(default_factory=list)  # mount targets to wait for

    @property
    def needs_root(self) -> bool:
        return any("elasticfilesystem:ClientRootAccess" in s["Action"]
                   for s in self.role_statements)


@dataclass
class Backing:
    """What one named volume became: its task volume, or why its mounts cannot work."""

    index: int | None  # position in the task definition's Volumes
    why: str = ""
    read_only: bool = False
    optional: bool = False  # unmapped, but Kubernetes would have run without it too


@dataclass
class TaskVolumes:
    """The task definition's Volumes of one pod, added in order by the volume backings."""

    state: PodState
    storage: Storage = field(default_factory=Storage)

    def add(self, volume: dict[str, Any], path: str, note: str | None = None,
            read_only: bool = False) -> Backing:
        index = len(self.storage.volumes)
        self.storage.volumes.append(volume)
        self.state.entry.mapped(path, self.state.to(f"/Volumes/{index}"), note)
        return Backing(index, read_only=read_only)
