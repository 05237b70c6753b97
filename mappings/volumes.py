"""Pod volumes on Fargate: what backs each one, and where every container mounts it.

- emptyDir -> a task volume with no host path (task ephemeral storage), shared by the
  containers that mount it.
- persistentVolumeClaim and a StatefulSet's volumeClaimTemplates -> Amazon EFS: an encrypted
  file system per claim (mount targets in the task subnets, NFS open only to a client security
  group the tasks join) and an access point per workload, mounted with TLS and IAM, the task
  role allowed to mount exactly that access point. A claim template may instead become an
  ECS-managed EBS volume (Options.rwo_volumes == "ebs") when it is ReadWriteOnce.
- configMap and secret volumes -> a task volume that a short-lived, non-essential container
  fills before the app starts, each file from an environment variable (ConfigMap values) or
  an ECS secret (Secret keys: ECS injects them, so no value lands in the template).
- hostPath, projected, downwardAPI and the rest -> reported with what to do instead.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from typing import Any

from mappings import secretsource
from mappings.dns import dns_rewriter
from mappings.pod.state import PodState
from mappings.workloads import pod_owners
from translator import quantity
from translator.cfn import Equals, GetAtt, Join, Not, Ref, Select, Split, Sub
from translator.context import Context, export_name, import_from, pascal
from translator.models import (
    ClaimTemplate,
    ConfigMap,
    PersistentVolumeClaim,
    PodSpec,
    PVCSpec,
    SecurityContext,
    StatefulSet,
    StorageClass,
    Volume,
)
from translator.plan import Fragment, Output, Parameter, Resource, Target

TASK = "/Resources/TaskDefinition/Properties"
WRITER = "write-volume-files"
WRITER_IMAGE = "public.ecr.aws/docker/library/busybox:1.36.1"
WRITER_ROOT = "/eks2ecs-volumes"
SUBNET_SLOTS = 3  # EFS mount targets made for the first three task subnets (one per AZ)
EFS_PROVISIONER = "efs.csi.aws.com"
EBS_PROVISIONERS = ("ebs.csi.aws.com", "kubernetes.io/aws-ebs")
INFRASTRUCTURE_POLICY = ("arn:${AWS::Partition}:iam::aws:policy/service-role/"
                         "AmazonECSInfrastructureRolePolicyForVolumes")
# What VolumeMapper may claim, relative to the pod spec (see mappings/__init__.py).
# (mounts and pod securityContext fields are declared by mappings.pod.spec and .security)
POD_FIELDS = (
    "/volumes/*/emptyDir/medium", "/volumes/*/emptyDir/sizeLimit",
    "/volumes/*/persistentVolumeClaim/claimName", "/volumes/*/persistentVolumeClaim/readOnly",
    "/volumes/*/configMap/items/*", "/volumes/*/configMap/defaultMode",
    "/volumes/*/secret/items/*", "/volumes/*/secret/defaultMode",
)
EFS_TRADE_OFFS = ("EFS is elastic (no size, billed per GiB stored) and shared by every task, "
                  "with NFS latency instead of a block device")


@dataclass
class Storage:
    """What a pod's volumes add to the task definition, task role and ECS service."""

    volumes: list[dict[str, Any]] = field(default_factory=list)  # task definition Volumes
    role_statements: list[dict[str, Any]] = field(default_factory=list)  # task role
    security_groups: list[Any] = field(default_factory=list)  # groups the tasks also join
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


DEFAULT_CLASS = "storageclass.kubernetes.io/is-default-class"


def storage_class_of(name: str | None, ctx: Context) -> StorageClass | None:
    """The class a claim names, or the input's default class when it names none."""
    if name is not None:
        return ctx.find(StorageClass, "default", name)
    defaults = [sc for sc in ctx.all(StorageClass)
                if sc.metadata.annotations.get(DEFAULT_CLASS) == "true"]
    return defaults[0] if defaults else None


def claim_size_gib(spec: PVCSpec) -> int | None:
    storage = spec.resources.requests.get("storage")
    if storage is None:
        return None
    return max(1, -(-int(quantity.parse(storage)) // 2**30))


@dataclass(frozen=True)
class VolumeFile:
    """One file of a configMap or secret volume: a ConfigMap value, or a Secret's ValueFrom."""

    volume: str
    path: str  # inside the volume
    mode: int | None
    value: str | secretsource.SecretValue
    ledger: str  # the field it comes from


class VolumeMapper:
    def __init__(self, pm: PodState, containers: list[dict[str, Any]]) -> None:
        self.pm = pm
        self.ctx: Context = pm.ctx
        self.frag: Fragment = pm.frag
        self.entry = pm.entry
        self.stack: str = pm.stack
        self.containers = containers
        self.storage = Storage()
        self.files: list[VolumeFile] = []  # what the writer container writes
        self.writer_mounts: list[tuple[str, str, int | None]] = []  # volume, path, mode

    def to(self, pointer: str) -> Target:
        return Target(self.stack, f"{TASK}{pointer}")

    def run(self) -> Storage:
        backings: dict[str, Backing] = {}
        for i, volume in enumerate(self.pm.pod.volumes):
            backings[volume.name] = self.volume(volume, f"{self.pm.base}/volumes/{i}")
        for k, claim in enumerate(self.pm.claims):
            backings[claim.metadata.name] = self.claim_template(
                claim, f"/spec/volumeClaimTemplates/{k}")
        self.mounts(backings)
        if self.files:
            self.writer()
        return self.storage

    def add_volume(self, volume: dict[str, Any], path: str, note: str | None = None,
                   read_only: bool = False) -> Backing:
        index = len(self.storage.volumes)
        self.storage.volumes.append(volume)
        self.entry.mapped(path, self.to(f"/Volumes/{index}"), note)
        return Backing(index, read_only=read_only)

    # --- pod volumes --------------------------------------------------------------------

    def volume(self, volume: Volume, path: str) -> Backing:
        if volume.empty_dir is not None:
            return self.empty_dir(volume, path)
        if volume.persistent_volume_claim is not None:
            return self.claim(volume, path)
        if volume.config_map is not None:
            return self.config_map(volume, path)
        if volume.secret is not None:
            return self.secret(volume, path)
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
        self.entry.unsupported(path, why)
        return Backing(None, why)

    def empty_dir(self, volume: Volume, path: str) -> Backing:
        spec = volume.empty_dir
        assert spec is not None
        backing = self.add_volume({"Name": volume.name}, path,
                                  "a task volume on the task's ephemeral storage, shared by the "
                                  "containers that mount it")
        if spec.medium == "Memory":
            self.entry.lossy(f"{path}/emptyDir/medium", "Fargate has no tmpfs volumes: the files "
                             "live on the task's ephemeral disk, not in memory",
                             self.to(f"/Volumes/{backing.index}"))
        if spec.size_limit is not None:
            self.entry.lossy(f"{path}/emptyDir/sizeLimit", "task volumes share the task's "
                             "ephemeral storage (20 GiB unless EphemeralStorage raises it, up to "
                             "200 GiB); no per-volume limit")
        return backing

    def claim(self, volume: Volume, path: str) -> Backing:
        source = volume.persistent_volume_claim
        assert source is not None
        pvc = self.ctx.find(PersistentVolumeClaim, self.pm.namespace, source.claim_name)
        if pvc is None:
            why = (f"PersistentVolumeClaim {source.claim_name} is not in the input: add it, or "
                   "mount an existing EFS file system by hand")
            self.entry.unsupported(path, why)
            return Backing(None, why)
        prefix = pascal(volume.name)
        stack_param = f"{prefix}VolumeStackName"
        self.frag.put(self.stack, "Parameters", stack_param, Parameter(
            "String", f"Name of the stack holding the EFS file system of claim {pvc.name}",
            default=f"{self.ctx.app}-{claim_stack_title(self.ctx, self.pm.namespace, pvc.name)}"))
        efs = EfsRefs(
            file_system_id=import_from(stack_param, "FileSystemId"),
            file_system_arn=import_from(stack_param, "FileSystemArn"),
            mount_target_group=import_from(stack_param, "MountTargetSecurityGroupId"))
        read_only = source.read_only
        backing = self.efs_volume(volume.name, prefix, efs, pvc.name,
                                  storage_class_of(pvc.storage_class, self.ctx), read_only, path)
        self.entry.mapped(f"{path}/persistentVolumeClaim/claimName", Target(
            self.stack, f"/Parameters/{stack_param}"), f"the EFS file system of claim {pvc.name}")
        if source.read_only:
            self.entry.mapped(f"{path}/persistentVolumeClaim/readOnly",
                              self.to(f"/Volumes/{backing.index}"), "mounted read-only")
        return backing

    def claim_template(self, claim: ClaimTemplate, path: str) -> Backing:
        name = claim.metadata.name
        prefix = pascal(name)
        if self.ebs_wanted(claim):
            return self.ebs_volume(claim, path)
        if self.ctx.options.rwo_volumes == "ebs" and claim.spec.access_modes == ["ReadWriteOnce"]:
            self.entry.lossy(f"{path}/metadata/name", "ECS attaches one managed EBS volume per "
                             f"task, already used by {self.storage.service_volumes[0]['Name']}: "
                             f"{name} is on EFS")
        title = self.ctx.workload_title(self.pm.namespace, self.entry.name)
        efs = file_system(self.frag, self.stack, prefix, f"{self.entry.kind}/{self.entry.name}",
                          f"{self.ctx.app}-{title}-{name}")
        self.storage.service_depends_on.append(f"{prefix}MountTarget1")
        sc = storage_class_of(claim.storage_class, self.ctx)
        backing = self.efs_volume(name, prefix, efs, name, sc, False, path)
        owner = self.ctx.find(StatefulSet, self.pm.namespace, self.entry.name)
        replicas = owner.spec.replicas if owner else 1
        shared = (f"all {replicas} tasks write the same directory: an app that expects its own "
                  "data directory per replica (a database, a broker) will corrupt it; run one "
                  "replica per StatefulSet, or use --rwo-volumes ebs (a volume per task)"
                  if replicas > 1 else "a second replica would share it")
        self.entry.lossy(path, "each StatefulSet replica had its own volume; on ECS every task "
                         f"mounts the same EFS file system ({EFS_TRADE_OFFS}): {shared}",
                         Target(self.stack, f"/Resources/{prefix}FileSystem"))
        self.claim_spec_ledger(claim.spec, f"{path}/spec", "EFS", sc)
        return backing

    def claim_spec_ledger(self, spec: PVCSpec, path: str, backend: str,
                          sc: StorageClass | None) -> None:
        for j, mode in enumerate(spec.access_modes):
            if backend == "EFS" or mode == "ReadWriteOnce":
                how = "mounts in many tasks" if backend == "EFS" else "attaches to one task"
                self.entry.mapped(f"{path}/accessModes/{j}", None, f"{backend} {how}")
            else:
                self.entry.lossy(f"{path}/accessModes/{j}", f"{mode}: an ECS-managed EBS volume "
                                 "attaches to one task only")
        if "storage" in spec.resources.requests and backend == "EFS":
            self.entry.lossy(f"{path}/resources/requests/storage",
                             "EFS has no size: it grows and shrinks with the data")
        if spec.storage_class_name is not None or sc is not None:
            note = (f"StorageClass {sc.name} ({sc.provisioner})" if sc is not None
                    else "the StorageClass is not in the input")
            if spec.storage_class_name is not None:
                self.entry.mapped(f"{path}/storageClassName", None, f"{note}; {backend} used")

    def ebs_wanted(self, claim: ClaimTemplate) -> bool:
        if self.ctx.options.rwo_volumes != "ebs" or claim.spec.access_modes != ["ReadWriteOnce"]:
            return False
        return not self.storage.service_volumes  # ECS attaches one managed EBS volume per task

    def ebs_volume(self, claim: ClaimTemplate, path: str) -> Backing:
        name = claim.metadata.name
        sc = storage_class_of(claim.storage_class, self.ctx)
        backing = self.add_volume({"Name": name, "ConfiguredAtLaunch": True}, path,
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
        at = len(self.storage.service_volumes)
        if sc is not None and sc.provisioner in EBS_PROVISIONERS:
            for key, prop, cast in (("type", "VolumeType", str), ("iops", "Iops", int),
                                    ("throughput", "Throughput", int)):
                if key in sc.parameters:
                    ebs[prop] = cast(sc.parameters[key])
        self.storage.service_volumes.append({"Name": name, "ManagedEBSVolume": ebs})
        self.frag.put(self.stack, "Resources", "EbsInfrastructureRole", Resource(
            "AWS::IAM::Role", {
                "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
                    "Effect": "Allow", "Principal": {"Service": "ecs.amazonaws.com"},
                    "Action": "sts:AssumeRole"}]},
                "ManagedPolicyArns": [Sub(INFRASTRUCTURE_POLICY)],
            }, f"{self.entry.kind}/{self.entry.name}"))
        to = Target(self.stack, f"/Resources/Service/Properties/VolumeConfigurations/{at}")
        self.entry.lossy(path, "an ECS-managed EBS volume per task, created when the task starts "
                         "and deleted when it stops: data survives container restarts but not "
                         "task replacement or a new deployment (restore from a SnapshotId, or "
                         "choose EFS, the default)", to)
        fs_group = (self.pm.pod.security_context or SecurityContext()).fs_group
        if fs_group is not None:
            self.entry.lossy(f"{self.pm.base}/securityContext/fsGroup", f"group {fs_group} is "
                             "not applied to the managed EBS volume: ECS grants it to the "
                             "container definition's User when one is set (runAsUser)")
        spec_path = f"{path}/spec"
        if size is not None:
            self.entry.mapped(f"{spec_path}/resources/requests/storage",
                              Target(to.stack, f"{to.pointer}/ManagedEBSVolume/SizeInGiB"))
        self.claim_spec_ledger(claim.spec, spec_path, "EBS", sc)
        return backing

    def efs_volume(self, name: str, prefix: str, efs: EfsRefs, claim: str,
                   sc: StorageClass | None, read_only: bool, path: str) -> Backing:
        pod_security = self.pm.pod.security_context or SecurityContext()
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
            "AccessPointTags": [{"Key": "Name", "Value": f"{self.entry.name}/{name}"}],
        }
        if uid is not None:
            access_point["PosixUser"] = {"Uid": uid, "Gid": gid or uid}
        ap_id = f"{prefix}AccessPoint"
        self.frag.put(self.stack, "Resources", ap_id, Resource(
            "AWS::EFS::AccessPoint", access_point, f"{self.entry.kind}/{self.entry.name}"))
        actions = ["elasticfilesystem:ClientMount"]
        if not read_only:
            actions.append("elasticfilesystem:ClientWrite")
        if uid is None:
            actions.append("elasticfilesystem:ClientRootAccess")
            self.entry.mapped(path, Target(self.stack, f"/Resources/{ap_id}"),
                              f"no runAsUser: the task role may mount {claim} as root; set "
                              "runAsUser/fsGroup to pin the files to one user")
        self.storage.role_statements.append({
            "Effect": "Allow", "Action": actions, "Resource": efs.file_system_arn,
            "Condition": {"StringEquals": {"elasticfilesystem:AccessPointArn":
                                           GetAtt(ap_id, "Arn")}}})
        origin = f"{self.entry.kind}/{self.entry.name}"
        self.storage.security_groups.append(
            nfs_client(self.frag, self.stack, prefix, origin, efs, claim))
        self.storage.service_depends_on.append(f"{prefix}NfsIngress")
        index = len(self.storage.volumes)
        pointer = f"/Resources/{ap_id}/Properties/PosixUser"
        for field_name, value in (("runAsUser", pod_security.run_as_user),
                                  ("fsGroup", pod_security.fs_group)):
            if value is not None:
                which = "Uid" if field_name == "runAsUser" else "Gid"
                self.entry.mapped(f"{self.pm.base}/securityContext/{field_name}",
                                  Target(self.stack, f"{pointer}/{which}"),
                                  f"the EFS access point of {name} acts as this "
                                  f"{'user' if which == 'Uid' else 'group'}")
        return self.add_volume({
            "Name": name,
            "EFSVolumeConfiguration": {
                "FilesystemId": efs.file_system_id,
                "TransitEncryption": "ENABLED",
                "AuthorizationConfig": {"AccessPointId": Ref(ap_id), "IAM": "ENABLED"},
            },
        }, path, f"EFS access point {ap_id} (TLS, IAM); task volume {index}", read_only)

    def config_map(self, volume: Volume, path: str) -> Backing:
        source = volume.config_map
        assert source is not None
        cm = self.ctx.find(ConfigMap, self.pm.namespace, source.name)
        if cm is None:
            why = (f"ConfigMap {source.name} is not in the input: add it to the sources, or "
                   "bake the files into the image")
            if source.optional:
                self.entry.ignored(path, f"optional {why}")
            else:
                self.entry.unsupported(path, why)
            return Backing(None, why, optional=source.optional)
        rewriter = dns_rewriter(self.ctx)
        wanted = [(item.key, item.path, item.mode) for item in source.items] or [
            (key, key, None) for key in sorted(cm.data)]
        for j, (key, file_path, mode) in enumerate(wanted):
            where = f"{path}/configMap/items/{j}" if source.items else path
            if key not in cm.data:
                self.entry.unsupported(where, f"key {key!r} is not in ConfigMap {cm.name}"
                                       + (" (binaryData cannot be an environment variable)"
                                          if key in cm.binary_data else ""))
                continue
            value, changes = rewriter.rewrite(cm.data[key], self.pm.namespace)
            for change in changes:
                self.entry.mapped(where, None, f"DNS rewrite in {key}: {change.old} -> {change.new}")
            self.add_file(VolumeFile(volume.name, file_path, mode or source.default_mode,
                                     str(value), where))
        for key in cm.binary_data if not source.items else ():
            self.entry.unsupported(path, f"binaryData key {key!r} cannot be an environment "
                                   "variable: bake the file into the image or store it in S3")
        return self.file_volume(volume.name, path, "configMap", source.default_mode,
                                "ConfigMap values travel as environment variables of the "
                                "writer container")

    def secret(self, volume: Volume, path: str) -> Backing:
        source = volume.secret
        assert source is not None
        found = secretsource.lookup(source.secret_name, self.pm.namespace, self.ctx)
        if source.items:
            wanted = [(item.key, item.path, item.mode) for item in source.items]
        elif found.keys is not None:
            wanted = [(key, key, None) for key in sorted(found.keys)]
        else:
            why = (f"the keys of {found.origin} are not in the manifests: list them under "
                   "secret.items so each can be read from Secrets Manager")
            self.entry.unsupported(path, why)
            return Backing(None, why)
        for j, (key, file_path, mode) in enumerate(wanted):
            where = f"{path}/secret/items/{j}" if source.items else path
            value = found.value(key)
            if isinstance(value, str):
                self.entry.unsupported(where, value)
                continue
            self.pm.read_secret(value)
            self.add_file(VolumeFile(volume.name, file_path, mode or source.default_mode,
                                     value, where))
        return self.file_volume(volume.name, path, "secret", source.default_mode,
                                "Secret values are injected by ECS as secrets of the writer "
                                "container, never written in the template")

    def add_file(self, file: VolumeFile) -> None:
        parts = file.path.split("/")
        if file.path.startswith("/") or ".." in parts or "" in parts:
            self.entry.unsupported(file.ledger, f"file path {file.path!r} must be relative and "
                                   "stay inside the volume")
            return
        self.files.append(file)

    def file_volume(self, name: str, path: str, kind: str, default_mode: int | None,
                    how: str) -> Backing:
        self.writer_mounts.append((name, f"{path}/{kind}", default_mode))
        backing = self.add_volume({"Name": name}, path, f"a task volume that container {WRITER} "
                                  f"fills before the app starts; {how}", read_only=True)
        self.entry.lossy(path, "files are written once at task start: later changes to the "
                         "source need a new deployment (Kubernetes updates mounted files live)",
                         Target(self.stack, f"{TASK}/ContainerDefinitions"))
        return backing

    def writer(self) -> None:
        """The non-essential container that writes configMap/secret files before the app."""
        at = f"/ContainerDefinitions/{len(self.containers)}"
        environment: list[dict[str, Any]] = []
        secrets: list[dict[str, Any]] = []
        script = ["set -e"]
        folders: set[str] = set()
        for n, file in enumerate(self.files):
            variable = f"FILE_{n}"
            target = f"{WRITER_ROOT}/{file.volume}/{file.path}"
            folder = target.rsplit("/", 1)[0]
            if folder not in folders:
                folders.add(folder)
                script.append(f"mkdir -p {shlex.quote(folder)}")
            script.append(f'printf %s "${variable}" > {shlex.quote(target)}')
            if file.mode is not None:
                script.append(f"chmod {file.mode:o} {shlex.quote(target)}")
            if isinstance(file.value, str):
                self.entry.mapped(file.ledger, self.to(f"{at}/Environment/{len(environment)}"),
                                  f"{file.path} written from {variable}")
                environment.append({"Name": variable, "Value": file.value})
            else:
                self.entry.mapped(file.ledger, self.to(f"{at}/Secrets/{len(secrets)}"),
                                  f"{file.path} written from secret {variable}"
                                  + (f"; {file.value.note}" if file.value.note else ""))
                secrets.append({"Name": variable, "ValueFrom": file.value.value_from})
        image_param = "VolumeFilesImage"
        self.frag.put(self.stack, "Parameters", image_param, Parameter(
            "String", "Image of the container that writes ConfigMap/Secret files into task "
            "volumes (needs sh, mkdir, printf, chmod)", default=WRITER_IMAGE))
        definition: dict[str, Any] = {
            "Name": WRITER,
            "Image": Ref(image_param),
            "Essential": False,
            "EntryPoint": ["sh", "-c"],
            "Command": ["\n".join(script)],
            "MountPoints": [{"SourceVolume": name, "ContainerPath": f"{WRITER_ROOT}/{name}",
                             "ReadOnly": False} for name, _, _ in self.writer_mounts],
            "LogConfiguration": {"LogDriver": "awslogs", "Options": {
                "awslogs-group": Ref("LogGroup"), "awslogs-region": Ref("AWS::Region"),
                "awslogs-stream-prefix": WRITER}},
        }
        if environment:
            definition["Environment"] = environment
        if secrets:
            definition["Secrets"] = secrets
        for container in self.containers:
            container.setdefault("DependsOn", []).append(
                {"ContainerName": WRITER, "Condition": "SUCCESS"})
        self.containers.append(definition)
        for _, path, mode in self.writer_mounts:
            if mode is not None:
                self.entry.mapped(f"{path}/defaultMode", self.to(f"{at}/Command"),
                                  f"chmod {mode:o} by {WRITER}")

    # --- mounts -------------------------------------------------------------------------

    def mounts(self, backings: dict[str, Backing]) -> None:
        by_name = {c["Name"]: (i, c) for i, c in enumerate(self.containers)}
        groups = (("containers", self.pm.pod.containers),
                  ("initContainers", self.pm.pod.init_containers))
        for group, containers in groups:
            for i, container in enumerate(containers):
                found = by_name.get(container.name)
                if found is None:
                    continue  # the container itself is reported
                at, definition = found
                for j, mount in enumerate(container.volume_mounts):
                    path = f"{self.pm.base}/{group}/{i}/volumeMounts/{j}"
                    backing = backings.get(mount.name)
                    if backing is not None and backing.optional:
                        self.entry.ignored(path, f"{mount.mount_path}: {backing.why}")
                        continue
                    if backing is None or backing.index is None:
                        why = backing.why if backing else f"no volume named {mount.name!r}"
                        self.entry.unsupported(path, f"{mount.mount_path}: {why}")
                        continue
                    points = definition.setdefault("MountPoints", [])
                    to = self.to(f"/ContainerDefinitions/{at}/MountPoints/{len(points)}")
                    points.append({"SourceVolume": mount.name, "ContainerPath": mount.mount_path,
                                   "ReadOnly": mount.read_only or backing.read_only})
                    self.entry.mapped(path, to, f"{mount.mount_path} on volume {mount.name}")
                    if mount.sub_path is not None:
                        self.entry.unsupported(f"{path}/subPath", "ECS mounts whole volumes: "
                                               "mount the volume elsewhere and link the file, "
                                               "or give the file its own volume")


def _str(value: int | None) -> str | None:
    return None if value is None else str(value)


# --- EFS file systems -----------------------------------------------------------------


@dataclass(frozen=True)
class EfsRefs:
    file_system_id: Any
    file_system_arn: Any
    mount_target_group: Any


def claim_stack_title(ctx: Context, namespace: str, claim: str) -> str:
    return f"volume-{ctx.workload_title(namespace, claim)}"


def _subnet(n: int) -> Any:
    """Subnet n of the SubnetIds parameter, or "" when there are fewer (lists cannot be
    counted in CloudFormation, so pad the joined list with empty items first)."""
    if n == 0:
        return Select(0, Ref("SubnetIds"))
    padded = Join("", (Join(",", Ref("SubnetIds")), "," * SUBNET_SLOTS))
    return Select(n, Split(",", padded))


def _vpc(frag: Fragment, stack: str) -> None:
    frag.put(stack, "Parameters", "VpcId", Parameter(
        "AWS::EC2::VPC::Id", "VPC of the task subnets (for the EFS security groups)"))


def file_system(frag: Fragment, stack: str, prefix: str, origin: str, label: str) -> EfsRefs:
    """An encrypted EFS file system with mount targets in the task subnets, behind a security
    group that admits NFS only from the client groups `nfs_client` adds."""
    put = frag.put
    _vpc(frag, stack)
    put(stack, "Parameters", "SubnetIds", Parameter(
        "List<AWS::EC2::Subnet::Id>", "Private subnets the tasks run in"))
    put(stack, "Resources", f"{prefix}FileSystem", Resource("AWS::EFS::FileSystem", {
        "Encrypted": True,
        "PerformanceMode": "generalPurpose",
        "ThroughputMode": "elastic",
        "BackupPolicy": {"Status": "ENABLED"},
        "FileSystemPolicy": {"Version": "2012-10-17", "Statement": [{
            "Sid": "DenyUnencryptedTransport", "Effect": "Deny",
            "Principal": {"AWS": "*"}, "Action": "*",
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]},
        "FileSystemTags": [{"Key": "Name", "Value": label}],
    }, origin, deletion_policy="Retain"))
    put(stack, "Resources", f"{prefix}MountTargetSecurityGroup", Resource(
        "AWS::EC2::SecurityGroup", {
            "GroupDescription": f"Mount targets of EFS file system {label}: NFS from its clients",
            "VpcId": Ref("VpcId"),
        }, origin))
    for n in range(SUBNET_SLOTS):
        condition = None
        if n:
            condition = f"HasSubnet{n + 1}"
            put(stack, "Conditions", condition, Not(Equals(_subnet(n), "")))
        target = Resource("AWS::EFS::MountTarget", {
            "FileSystemId": Ref(f"{prefix}FileSystem"),
            "SubnetId": _subnet(n),
            "SecurityGroups": [GetAtt(f"{prefix}MountTargetSecurityGroup", "GroupId")],
        }, origin, condition=condition)
        put(stack, "Resources", f"{prefix}MountTarget{n + 1}", target)
    return EfsRefs(Ref(f"{prefix}FileSystem"), GetAtt(f"{prefix}FileSystem", "Arn"),
                   GetAtt(f"{prefix}MountTargetSecurityGroup", "GroupId"))


def nfs_client(frag: Fragment, stack: str, prefix: str, origin: str, efs: EfsRefs,
               label: str) -> Any:
    """A security group for the tasks of one workload, and the rule that lets it reach the
    mount targets over NFS (2049) and nothing else; returns the group id."""
    _vpc(frag, stack)
    frag.put(stack, "Resources", f"{prefix}ClientSecurityGroup", Resource(
        "AWS::EC2::SecurityGroup", {
            "GroupDescription": f"Tasks of {origin} that mount EFS file system {label}",
            "VpcId": Ref("VpcId"),
        }, origin))
    client = GetAtt(f"{prefix}ClientSecurityGroup", "GroupId")
    frag.put(stack, "Resources", f"{prefix}NfsIngress", Resource(
        "AWS::EC2::SecurityGroupIngress", {
            "GroupId": efs.mount_target_group,
            "IpProtocol": "tcp", "FromPort": 2049, "ToPort": 2049,
            "SourceSecurityGroupId": client,
            "Description": f"NFS from the tasks of {origin}",
        }, origin))
    return client


def export_file_system(frag: Fragment, stack: str, efs: EfsRefs) -> None:
    for name, value, what in (("FileSystemId", efs.file_system_id, "EFS file system id"),
                              ("FileSystemArn", efs.file_system_arn, "EFS file system ARN"),
                              ("MountTargetSecurityGroupId", efs.mount_target_group,
                               "Security group of the mount targets (clients add ingress)")):
        frag.put(stack, "Outputs", name, Output(value, what, export_name(name)))


def mounters(claim: str, namespace: str, ctx: Context) -> list[str]:
    """Objects whose pods mount a PersistentVolumeClaim, as Kind/name."""
    return [obj.ref for obj, pod in pod_owners(ctx) if ctx.namespace_of(obj) == namespace
            and any(v.persistent_volume_claim and v.persistent_volume_claim.claim_name == claim
                    for v in pod.volumes)]

