"""StorageClass -> no resource of its own: it shapes the volumes of the claims that use it.

Claims become EFS (see pod/claims.py). An EFS CSI class (efs.csi.aws.com) is the closest match: its
uid, gid, directoryPerms and basePath shape each claim's access point. An EBS CSI class
informs the ECS-managed EBS volumes of --rwo-volumes ebs (type, iops, throughput). Any other
provisioner is reported: its claims land on EFS.
"""

from __future__ import annotations

from mappings import persistent_storage as storage
from mappings.workloads import pod_owners
from translator.context import Context
from translator.load import escape_pointer_token
from translator.models import PersistentVolumeClaim, StatefulSet, StorageClass
from translator.plan import Fragment

KIND = "StorageClass"
API_VERSIONS = ("storage.k8s.io/v1",)
MODEL = StorageClass
FIELDS = (
    "/provisioner", "/parameters/*", "/reclaimPolicy", "/volumeBindingMode",
    "/allowVolumeExpansion", "/mountOptions", "/metadata/annotations",
)

EFS_PARAMETERS = {
    "uid": "PosixUser Uid of the access points",
    "gid": "PosixUser Gid of the access points",
    "directoryPerms": "permissions of the access point root directories",
    "basePath": "prefix of the access point root directories",
    "provisioningMode": "efs-ap: one access point per claim, as here",
}
EBS_PARAMETERS = {"type": "VolumeType", "iops": "Iops", "throughput": "Throughput"}


def claims_of(sc: StorageClass, ctx: Context) -> list[str]:
    """PersistentVolumeClaims and claim templates that use the class, as names."""
    def uses(name: str | None) -> bool:
        found = storage.storage_class_of(name, ctx)
        return found is not None and found.name == sc.name

    out = [f"PersistentVolumeClaim/{p.name}" for p in ctx.all(PersistentVolumeClaim)
           if uses(p.storage_class)]
    for obj, _ in pod_owners(ctx):
        if isinstance(obj, StatefulSet):
            out += [f"{obj.ref} claim {c.metadata.name}" for c in obj.spec.volume_claim_templates
                    if uses(c.storage_class)]
    return out


def map(obj: StorageClass, frag: Fragment, ctx: Context) -> None:
    entry = frag.entry
    users = claims_of(obj, ctx)
    if not users:
        entry.status = "ignored"
        entry.reason = "no claim in the input uses this StorageClass"
        return
    who = ", ".join(users)
    provisioner = obj.provisioner
    if provisioner == storage.EFS_PROVISIONER:
        entry.mapped("/provisioner", None, f"EFS, as for {who}")
        known = EFS_PARAMETERS
    elif provisioner in storage.EBS_PROVISIONERS and ctx.options.rwo_volumes == "ebs":
        entry.mapped("/provisioner", None, f"ECS-managed EBS for ReadWriteOnce claim templates "
                     f"({who}); other claims use EFS")
        known = {k: f"ManagedEBSVolume {v}" for k, v in EBS_PARAMETERS.items()}
    else:
        entry.lossy("/provisioner", f"{provisioner} has no Fargate counterpart: {who} use an "
                    "EFS file system (--rwo-volumes ebs gives ReadWriteOnce claim templates "
                    "an ECS-managed EBS volume)")
        known = {}
    for key in obj.parameters:
        path = f"/parameters/{escape_pointer_token(key)}"
        if key in known:
            entry.mapped(path, None, known[key])
        else:
            entry.unsupported(path, f"{provisioner} parameter {key!r} has no EFS equivalent")
    ebs = provisioner in storage.EBS_PROVISIONERS and ctx.options.rwo_volumes == "ebs"
    if ebs and obj.reclaim_policy is not None:
        entry.mapped("/reclaimPolicy", None, "ECS deletes a managed EBS volume with its task")
    elif obj.reclaim_policy == "Delete":
        entry.lossy("/reclaimPolicy", "EFS file systems are retained when their stack is "
                    "deleted (DeletionPolicy Retain): delete them by hand")
    elif obj.reclaim_policy is not None:
        entry.mapped("/reclaimPolicy", None, "EFS file systems are retained (DeletionPolicy "
                     "Retain)")
    if obj.volume_binding_mode is not None:
        entry.ignored("/volumeBindingMode", "EFS has a mount target in each task subnet")
    if obj.allow_volume_expansion is not None:
        entry.ignored("/allowVolumeExpansion", "EFS grows on its own")
    if obj.mount_options:
        entry.lossy("/mountOptions", "ECS mounts EFS with its own NFS options (TLS, IAM)")
    entry.ignored("/metadata/annotations", "class annotations are read to find the default class")
