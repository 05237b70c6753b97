"""PersistentVolumeClaim -> its own stack holding an encrypted EFS file system, mount targets
in the task subnets and the client security group; each workload that mounts the claim
imports it and adds its own access point (see pod/claims.py).

EFS rather than EBS: a claim outlives its pods, while an ECS-managed EBS volume is deleted
with its task, so EFS is the Fargate storage that keeps the data.
"""

from __future__ import annotations

from mappings import persistent_storage as storage
from translator.context import Context
from translator.load import escape_pointer_token
from translator.models import STORAGE_CLASS_ANNOTATION, PersistentVolumeClaim
from translator.plan import Fragment, StackInfo, Target

KIND = "PersistentVolumeClaim"
API_VERSIONS = ("v1",)
MODEL = PersistentVolumeClaim
FIELDS = (
    "/metadata/name", "/metadata/namespace", "/spec/accessModes/*", "/spec/resources/requests/storage",
    "/spec/volumeName", "/spec/storageClassName",
    f"/metadata/annotations/{escape_pointer_token(STORAGE_CLASS_ANNOTATION)}",
)


def map(obj: PersistentVolumeClaim, frag: Fragment, ctx: Context) -> None:
    entry = frag.entry
    ns = ctx.namespace_of(obj)
    users = storage.mounters(obj.name, ns, ctx)
    if not users:
        entry.status = "ignored"
        entry.reason = "no workload in the input mounts this claim: no file system is made"
        return
    title = storage.claim_stack_title(ctx, ns, obj.name)
    stack = f"volume/{ns}/{obj.name}"
    frag.stacks.append(StackInfo(stack, title, "volume", f"{ctx.app}: EFS file system of "
                                 f"PersistentVolumeClaim {ns}/{obj.name} (eks2ecs)"))
    efs = storage.file_system(frag, stack, "", obj.ref, ctx.stack_name(title))
    storage.export_file_system(frag, stack, efs)
    entry.mapped("/metadata/name", Target(stack, "/Resources/FileSystem"),
                 "mounted by " + ", ".join(users) + " through their own access points; "
                 "existing data is not migrated: copy it in before cut-over (AWS DataSync, "
                 "or rsync from a task that mounts both)")
    entry.mapped("/metadata/namespace", None, f"stack {ctx.stack_name(title)}")
    spec = obj.spec
    for j, mode in enumerate(spec.access_modes):
        note = ("EFS can be mounted by many tasks at once" if mode != "ReadWriteOncePod"
                else "EFS does not stop a second task from mounting it")
        entry.mapped(f"/spec/accessModes/{j}", Target(stack, "/Resources/FileSystem"), note)
    if "storage" in spec.resources.requests:
        entry.lossy("/spec/resources/requests/storage",
                    "EFS has no size: it grows and shrinks with the data (billed per GiB stored)",
                    Target(stack, "/Resources/FileSystem/Properties/ThroughputMode"))
    if spec.volume_name is not None:
        entry.lossy("/spec/volumeName", f"the pre-provisioned PersistentVolume "
                    f"{spec.volume_name} is not reused: a new EFS file system replaces it")
    storage_class = obj.storage_class
    if storage_class is not None:
        sc = storage.storage_class_of(storage_class, ctx)
        how = (f"StorageClass {storage_class} ({sc.provisioner})" if sc is not None
               else f"StorageClass {storage_class} is not in the input")
        path = ("/spec/storageClassName" if spec.storage_class_name is not None
                else f"/metadata/annotations/{escape_pointer_token(STORAGE_CLASS_ANNOTATION)}")
        entry.mapped(path, None, f"{how}: EFS is used")
