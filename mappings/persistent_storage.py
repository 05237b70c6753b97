"""Persistent storage shared by the PersistentVolumeClaim and StorageClass rules and the
pods that mount claims: the StorageClass a claim uses, its size, and the EFS file system of a
claim (encrypted, a mount target in each task subnet, NFS open only to client security
groups)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mappings import security_groups
from mappings.workloads import pod_owners
from translator import quantity
from translator.cfn import NO_VALUE, Equals, GetAtt, If, Join, Not, Ref, Select, Split
from translator.context import Context, export_name
from translator.models import PVCSpec, StorageClass
from translator.plan import Fragment, Output, Parameter, Resource

# A mount target per task subnet, and EFS allows one per Availability Zone, so the subnets
# are one per zone; 6 slots cover the region with the most zones (us-east-1).
# https://docs.aws.amazon.com/efs/latest/ug/accessing-fs.html
SUBNET_SLOTS = 6
SUBNETS = Parameter("List<AWS::EC2::Subnet::Id>", "Private subnets the tasks run in, one per "
                    "Availability Zone: an EFS file system the tasks mount has a mount target "
                    f"in each (at most one per zone; up to {SUBNET_SLOTS})")

EFS_PROVISIONER = "efs.csi.aws.com"

EBS_PROVISIONERS = ("ebs.csi.aws.com", "kubernetes.io/aws-ebs")

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


def file_system(frag: Fragment, stack: str, prefix: str, origin: str, label: str) -> EfsRefs:
    """An encrypted EFS file system with mount targets in the task subnets, behind a security
    group that admits NFS only from the client groups `nfs_client` adds."""
    put = frag.put
    security_groups.vpc_parameter(frag, stack)
    put(stack, "Parameters", "SubnetIds", SUBNETS)
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


def mount_targets_ready(frag: Fragment, stack: str, prefix: str, origin: str) -> str:
    """A resource that exists once every mount target `file_system` made in this stack does,
    for a service of the same stack to depend on (a DependsOn cannot name a resource whose
    condition may be false; a reference inside Fn::If can). Returns its logical id."""
    targets = [Ref(f"{prefix}MountTarget1")] + [
        If(f"HasSubnet{n + 1}", Ref(f"{prefix}MountTarget{n + 1}"), NO_VALUE)
        for n in range(1, SUBNET_SLOTS)]
    logical = f"{prefix}MountTargetsReady"
    frag.put(stack, "Resources", logical, Resource(
        "AWS::CloudFormation::WaitConditionHandle", {}, origin,
        metadata={"MountTargets": targets}))
    return logical


def nfs_client(frag: Fragment, stack: str, prefix: str, origin: str, efs: EfsRefs) -> None:
    """The rule that lets the workload's tasks (its own group) reach the mount targets over
    NFS (2049) and nothing else."""
    client = security_groups.workload_group(frag, stack, origin)
    frag.put(stack, "Resources", f"{prefix}NfsIngress", Resource(
        "AWS::EC2::SecurityGroupIngress", {
            "GroupId": efs.mount_target_group,
            "IpProtocol": "tcp", "FromPort": 2049, "ToPort": 2049,
            "SourceSecurityGroupId": client,
            "Description": f"NFS from the tasks of {origin}",
        }, origin))


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
