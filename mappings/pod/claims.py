"""persistentVolumeClaim volumes and a StatefulSet's volumeClaimTemplates on Fargate: an
EFS access point per workload on the claim's file system (its own stack for a claim, the
workload's stack for a claim template), mounted with TLS and IAM, the task role allowed to
mount exactly that access point; or, with --rwo-volumes ebs, a ReadWriteOnce claim template
as an ECS-managed EBS volume per task."""

from __future__ import annotations

from typing import Any

from mappings.persistent_storage import (
    EBS_PROVISIONERS,
    EFS_PROVISIONER,
    EfsRefs,
    claim_size_gib,
    claim_stack_title,
    file_system,
    mount_targets_ready,
    nfs_client,
    storage_class_of,
)
from mappings.pod.backing import Backing, TaskVolumes
from translator.cfn import GetAtt, Ref, Sub
from translator.context import import_from, pascal
from translator.models import (
    ClaimTemplate,
    PersistentVolumeClaim,
    PVCSpec,
    SecurityContext,
    StatefulSet,
    StorageClass,
    Volume,
)
from translator.plan import Parameter, Resource, Target

INFRASTRUCTURE_POLICY = ("arn:${AWS::Partition}:iam::aws:policy/service-role/"
                         "AmazonECSInfrastructureRolePolicyForVolumes")

EFS_TRADE_OFFS = ("EFS is elastic (no size, billed per GiB stored) and shared by every task, "
                  "with NFS latency instead of a block device")


def claim(vols: TaskVolumes, volume: Volume, path: str) -> Backing:
    """A persistentVolumeClaim volume: an access point on the claim's EFS file system, which
    the claim's own stack holds (see the PersistentVolumeClaim rule)."""
    state = vols.state
    source = volume.persistent_volume_claim
    assert source is not None
    pvc = state.ctx.find(PersistentVolumeClaim, state.namespace, source.claim_name)
    if pvc is None:
        why = (f"PersistentVolumeClaim {source.claim_name} is not in the input: add it, or "
               "mount an existing EFS file system by hand")
        state.entry.unsupported(path, why)
        return Backing(None, why)
    prefix = pascal(volume.name)
    stack_param = f"{prefix}VolumeStackName"
    state.frag.put(state.stack, "Parameters", stack_param, Parameter(
        "String", f"Name of the stack holding the EFS file system of claim {pvc.name}",
        default=state.ctx.stack_name(claim_stack_title(state.ctx, state.namespace, pvc.name))))
    efs = EfsRefs(
        file_system_id=import_from(stack_param, "FileSystemId"),
        file_system_arn=import_from(stack_param, "FileSystemArn"),
        mount_target_group=import_from(stack_param, "MountTargetSecurityGroupId"))
    read_only = source.read_only
    backing = _efs_volume(vols, volume.name, prefix, efs, pvc.name,
                          storage_class_of(pvc.storage_class, state.ctx), read_only, path)
    state.entry.mapped(f"{path}/persistentVolumeClaim/claimName", Target(
        state.stack, f"/Parameters/{stack_param}"), f"the EFS file system of claim {pvc.name}")
    if source.read_only:
        state.entry.mapped(f"{path}/persistentVolumeClaim/readOnly",
                           state.to(f"/Volumes/{backing.index}"), "mounted read-only")
    return backing


def claim_template(vols: TaskVolumes, claim: ClaimTemplate, path: str) -> Backing:
    """A StatefulSet's claim template: the task's managed EBS volume when --rwo-volumes ebs
    allows it, else an EFS file system in the workload's own stack."""
    state = vols.state
    name = claim.metadata.name
    prefix = pascal(name)
    if _ebs_wanted(vols, claim):
        return _ebs_volume(vols, claim, path)
    if state.ctx.options.rwo_volumes == "ebs" and claim.spec.access_modes == ["ReadWriteOnce"]:
        state.entry.lossy(f"{path}/metadata/name", "ECS attaches one managed EBS volume per "
                          f"task, already used by {vols.storage.service_volumes[0]['Name']}: "
                          f"{name} is on EFS")
    title = state.ctx.workload_title(state.namespace, state.entry.name)
    efs = file_system(state.frag, state.stack, prefix, f"{state.entry.kind}/{state.entry.name}",
                      f"{state.ctx.app}-{title}-{name}")
    vols.storage.service_depends_on.append(mount_targets_ready(
        state.frag, state.stack, prefix, f"{state.entry.kind}/{state.entry.name}"))
    sc = storage_class_of(claim.storage_class, state.ctx)
    backing = _efs_volume(vols, name, prefix, efs, name, sc, False, path)
    owner = state.ctx.find(StatefulSet, state.namespace, state.entry.name)
    replicas = owner.spec.replicas if owner else 1
    shared = (f"all {replicas} tasks write the same directory: an app that expects its own "
              "data directory per replica (a database, a broker) will corrupt it; run one "
              "replica per StatefulSet, or use --rwo-volumes ebs (a volume per task)"
              if replicas > 1 else "a second replica would share it")
    state.entry.lossy(path, "each StatefulSet replica had its own volume; on ECS every task "
                      f"mounts the same EFS file system ({EFS_TRADE_OFFS}): {shared}",
                      Target(state.stack, f"/Resources/{prefix}FileSystem"))
    _claim_spec_ledger(vols, claim.spec, f"{path}/spec", "EFS", sc)
    return backing


def _claim_spec_ledger(vols: TaskVolumes, spec: PVCSpec, path: str, backend: str,
                       sc: StorageClass | None) -> None:
    state = vols.state
    for j, mode in enumerate(spec.access_modes):
        if backend == "EFS" or mode == "ReadWriteOnce":
            how = "mounts in many tasks" if backend == "EFS" else "attaches to one task"
            state.entry.mapped(f"{path}/accessModes/{j}", None, f"{backend} {how}")
        else:
            state.entry.lossy(f"{path}/accessModes/{j}", f"{mode}: an ECS-managed EBS volume "
                              "attaches to one task only")
    if "storage" in spec.resources.requests and backend == "EFS":
        state.entry.lossy(f"{path}/resources/requests/storage",
                          "EFS has no size: it grows and shrinks with the data")
    if spec.storage_class_name is not None or sc is not None:
        note = (f"StorageClass {sc.name} ({sc.provisioner})" if sc is not None
                else "the StorageClass is not in the input")
        if spec.storage_class_name is not None:
            state.entry.mapped(f"{path}/storageClassName", None, f"{note}; {backend} used")


def _ebs_wanted(vols: TaskVolumes, claim: ClaimTemplate) -> bool:
    state = vols.state
    if state.ctx.options.rwo_volumes != "ebs" or claim.spec.access_modes != ["ReadWriteOnce"]:
        return False
    return not vols.storage.service_volumes  # ECS attaches one managed EBS volume per task


def _ebs_volume(vols: TaskVolumes, claim: ClaimTemplate, path: str) -> Backing:
    state = vols.state
    name = claim.metadata.name
    sc = storage_class_of(claim.storage_class, state.ctx)
    backing = vols.add({"Name": name, "ConfiguredAtLaunch": True}, path,
                       "an ECS-managed EBS volume, configured by the ECS service")
    ebs: dict[str, Any] = {
        "RoleArn": GetAtt("EbsInfrastructureRole", "Arn"),
        "VolumeType": "gp3",
        "Encrypted": True,
        "FilesystemType": "ext4",
        "TagSpecifications": [{"ResourceType": "volume", "PropagateTags": "SERVICE"}],
    }
    size = claim_size_gib(claim.spec)
    if size is not None:
        ebs["SizeInGiB"] = size
    else:
        ebs["SizeInGiB"] = 20
    at = len(vols.storage.service_volumes)
    if sc is not None and sc.provisioner in EBS_PROVISIONERS:
        for key, prop, cast in (("type", "VolumeType", str), ("iops", "Iops", int),
                                ("throughput", "Throughput", int)):
            if key in sc.parameters:
                ebs[prop] = cast(sc.parameters[key])
    vols.storage.service_volumes.append({"Name": name, "ManagedEBSVolume": ebs})
    state.frag.put(state.stack, "Resources", "EbsInfrastructureRole", Resource(
        "AWS::IAM::Role", {
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": "ecs.amazonaws.com"},
                "Action": "sts:AssumeRole"}]},
            "ManagedPolicyArns": [Sub(INFRASTRUCTURE_POLICY)],
        }, f"{state.entry.kind}/{state.entry.name}"))
    to = Target(state.stack, f"/Resources/Service/Properties/VolumeConfigurations/{at}")
    state.entry.lossy(path, "an ECS-managed EBS volume per task, created when the task starts "
                      "and deleted when it stops: data survives container restarts but not "
                      "task replacement or a new deployment (restore from a SnapshotId, or "
                      "choose EFS, the default)", to)
    fs_group = (state.pod.security_context or SecurityContext()).fs_group
    if fs_group is not None:
        state.entry.lossy(f"{state.base}/securityContext/fsGroup", f"group {fs_group} is "
                          "not applied to the managed EBS volume: ECS grants it to the "
                          "container definition's User when one is set (runAsUser)")
    spec_path = f"{path}/spec"
    if size is not None:
        state.entry.mapped(f"{spec_path}/resources/requests/storage",
                           Target(to.stack, f"{to.pointer}/ManagedEBSVolume/SizeInGiB"))
    _claim_spec_ledger(vols, claim.spec, spec_path, "EBS", sc)
    return backing


def _efs_volume(vols: TaskVolumes, name: str, prefix: str, efs: EfsRefs, claim: str,
                sc: StorageClass | None, read_only: bool, path: str) -> Backing:
    state = vols.state
    pod_security = state.pod.security_context or SecurityContext()
    params = sc.parameters if sc is not None and sc.provisioner == EFS_PROVISIONER else {}
    uid = params.get("uid") or _str(pod_security.run_as_user)
    gid = params.get("gid") or _str(pod_security.fs_group) or _str(
        pod_security.run_as_group) or uid
    access_point: dict[str, Any] = {
        "FileSystemId": efs.file_system_id,
        "RootDirectory": {
            "Path": f"/{params.get('basePath', '').strip('/')}/{claim}".replace("//", "/"),
            "CreationInfo": {"OwnerUid": uid or "0", "OwnerGid": gid or "0",
                             "Permissions": params.get("directoryPerms", "0775" if uid else "0755")},
        },
        "AccessPointTags": [{"Key": "Name", "Value": f"{state.entry.name}/{name}"}],
    }
    if uid is not None:
        access_point["PosixUser"] = {"Uid": uid, "Gid": gid or uid}
    ap_id = f"{prefix}AccessPoint"
    state.frag.put(state.stack, "Resources", ap_id, Resource(
        "AWS::EFS::AccessPoint", access_point, f"{state.entry.kind}/{state.entry.name}"))
    actions = ["elasticfilesystem:ClientMount"]
    if not read_only:
        actions.append("elasticfilesystem:ClientWrite")
    if uid is None:
        actions.append("elasticfilesystem:ClientRootAccess")
        state.entry.mapped(path, Target(state.stack, f"/Resources/{ap_id}"),
                           f"no runAsUser: the task role may mount {claim} as root; set "
                           "runAsUser/fsGroup to pin the files to one user")
    vols.storage.role_statements.append({
        "Effect": "Allow", "Action": actions, "Resource": efs.file_system_arn,
        "Condition": {"StringEquals": {"elasticfilesystem:AccessPointArn":
                                       GetAtt(ap_id, "Arn")}}})
    origin = f"{state.entry.kind}/{state.entry.name}"
    nfs_client(state.frag, state.stack, prefix, origin, efs)
    vols.storage.service_depends_on.append(f"{prefix}NfsIngress")
    index = len(vols.storage.volumes)
    pointer = f"/Resources/{ap_id}/Properties/PosixUser"
    for field_name, value in (("runAsUser", pod_security.run_as_user),
                              ("fsGroup", pod_security.fs_group)):
        if value is not None:
            which = "Uid" if field_name == "runAsUser" else "Gid"
            state.entry.mapped(f"{state.base}/securityContext/{field_name}",
                               Target(state.stack, f"{pointer}/{which}"),
                               f"the EFS access point of {name} acts as this "
                               f"{'user' if which == 'Uid' else 'group'}")
    return vols.add({
        "Name": name,
        "EFSVolumeConfiguration": {
            "FilesystemId": efs.file_system_id,
            "TransitEncryption": "ENABLED",
            "AuthorizationConfig": {"AccessPointId": Ref(ap_id), "IAM": "ENABLED"},
        },
    }, path, f"EFS access point {ap_id} (TLS, IAM); task volume {index}", read_only)


def _str(value: int | None) -> str | None:
    return None if value is None else str(value)
