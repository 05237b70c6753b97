"""Pod volumes on Fargate: what backs each one, and where every container mounts it.

- emptyDir -> a task volume with no host path (task ephemeral storage), shared by the
  containers that mount it (here);
- persistentVolumeClaim and a StatefulSet's volumeClaimTemplates -> Amazon EFS, or an
  ECS-managed EBS volume (claims);
- configMap and secret volumes -> a task volume a non-essential container fills before the
  app starts (volume_files);
- hostPath, projected, downwardAPI and the rest -> reported with what to do instead (here);
- volumeMounts -> MountPoints (mounts).
"""

from __future__ import annotations

from typing import Any

from mappings.pod import claims, mounts
from mappings.pod.backing import Backing, Storage, TaskVolumes
from mappings.pod.state import PodState
from mappings.pod.volume_files import FileWriter
from translator.models import PodSpec, Volume

# What VolumeMapper may claim, relative to the pod spec (see mappings/__init__.py).
# (mounts and pod securityContext fields are declared by mappings.pod.spec and .security)
POD_FIELDS = (
    "/volumes/*/emptyDir/medium", "/volumes/*/emptyDir/sizeLimit",
    "/volumes/*/persistentVolumeClaim/claimName", "/volumes/*/persistentVolumeClaim/readOnly",
    "/volumes/*/configMap/items/*", "/volumes/*/configMap/defaultMode",
    "/volumes/*/secret/items/*", "/volumes/*/secret/defaultMode",
)


def reads(pod: PodSpec, kind: str) -> tuple[set[str], dict[str, set[str]]]:
    """ConfigMaps (or Secrets) the pod's volumes read: (names read whole, name -> keys)."""
    every: set[str] = set()
    keys: dict[str, set[str]] = {}
    for volume in pod.volumes:
        if kind == "configMap" and volume.config_map:
            name, items = volume.config_map.name, volume.config_map.items
        elif kind == "secret" and volume.secret:
            name, items = volume.secret.secret_name, volume.secret.items
        else:
            continue
        if items:
            keys.setdefault(name, set()).update(item.key for item in items)
        else:
            every.add(name)
    return every, keys


def map_volumes(state: PodState, definitions: list[dict[str, Any]]) -> Storage:
    """Back every volume and claim template of the pod, mount them into the container
    `definitions`, and add the file writer before the app when files are to be written."""
    vols = TaskVolumes(state)
    files = FileWriter(vols)
    backings: dict[str, Backing] = {}
    for i, volume in enumerate(state.pod.volumes):
        backings[volume.name] = _volume(vols, files, volume, f"{state.base}/volumes/{i}")
    for k, claim in enumerate(state.claims):
        backings[claim.metadata.name] = claims.claim_template(
            vols, claim, f"/spec/volumeClaimTemplates/{k}")
    mounts.mounts(vols, definitions, backings)
    if files.files:
        files.write(definitions)
    return vols.storage


def _volume(vols: TaskVolumes, files: FileWriter, volume: Volume, path: str) -> Backing:
    state = vols.state
    if volume.empty_dir is not None:
        return _empty_dir(vols, volume, path)
    if volume.persistent_volume_claim is not None:
        return claims.claim(vols, volume, path)
    if volume.config_map is not None:
        return files.config_map(volume, path)
    if volume.secret is not None:
        return files.secret(volume, path)
    if volume.host_path is not None:
        why = ("Fargate tasks cannot mount host paths; a node agent needs ECS on EC2 (DAEMON "
               "scheduling), and data belongs on EFS")
    elif volume.projected is not None or volume.downward_api is not None:
        why = ("projected and downwardAPI files have no ECS source: service-account tokens "
               "give way to the task role, pod metadata to the task metadata endpoint "
               "(ECS_CONTAINER_METADATA_URI_V4); ConfigMap and Secret parts can be separate "
               "configMap/secret volumes")
    else:
        why = "this volume type has no Fargate equivalent; use EFS or bake files into the image"
    state.entry.unsupported(path, why)
    return Backing(None, why)


def _empty_dir(vols: TaskVolumes, volume: Volume, path: str) -> Backing:
    state = vols.state
    spec = volume.empty_dir
    assert spec is not None
    backing = vols.add({"Name": volume.name}, path,
                       "a task volume on the task's ephemeral storage, shared by the "
                       "containers that mount it")
    if spec.medium == "Memory":
        state.entry.lossy(f"{path}/emptyDir/medium", "Fargate has no tmpfs volumes: the files "
                          "live on the task's ephemeral disk, not in memory",
                          state.to(f"/Volumes/{backing.index}"))
    if spec.size_limit is not None:
        state.entry.lossy(f"{path}/emptyDir/sizeLimit", "task volumes share the task's "
                          "ephemeral storage (20 GiB unless EphemeralStorage raises it, up to "
                          "200 GiB); no per-volume limit")
    return backing
