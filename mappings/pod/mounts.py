"""volumeMounts: each container's MountPoints on the task volumes its mounts name, and why a
mount cannot work when its volume has no Fargate backing."""

from __future__ import annotations

from typing import Any

from mappings.pod.backing import Backing, TaskVolumes


def mounts(vols: TaskVolumes, definitions: list[dict[str, Any]],
           backings: dict[str, Backing]) -> None:
    state = vols.state
    by_name = {c["Name"]: (i, c) for i, c in enumerate(definitions)}
    groups = (("containers", state.pod.containers),
              ("initContainers", state.pod.init_containers))
    for group, containers in groups:
        for i, container in enumerate(containers):
            found = by_name.get(container.name)
            if found is None:
                continue  # the container itself is reported
            at, definition = found
            for j, mount in enumerate(container.volume_mounts):
                path = f"{state.base}/{group}/{i}/volumeMounts/{j}"
                backing = backings.get(mount.name)
                if backing is not None and backing.optional:
                    state.entry.ignored(path, f"{mount.mount_path}: {backing.why}")
                    continue
                if backing is None or backing.index is None:
                    why = backing.why if backing else f"no volume named {mount.name!r}"
                    state.entry.unsupported(path, f"{mount.mount_path}: {why}")
                    continue
                points = definition.setdefault("MountPoints", [])
                to = state.to(f"/ContainerDefinitions/{at}/MountPoints/{len(points)}")
                points.append({"SourceVolume": mount.name, "ContainerPath": mount.mount_path,
                               "ReadOnly": mount.read_only or backing.read_only})
                state.entry.mapped(path, to, f"{mount.mount_path} on volume {mount.name}")
                if mount.sub_path is not None:
                    state.entry.unsupported(f"{path}/subPath", "ECS mounts whole volumes: "
                                            "mount the volume elsewhere and link the file, "
                                            "or give the file its own volume")
