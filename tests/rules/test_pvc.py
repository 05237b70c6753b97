"""PersistentVolumeClaim -> its own stack with an EFS file system, exported to workloads."""

from __future__ import annotations

from tests.helpers import deployment, docs, fate, props, source, stack_for, translate_yaml

CLAIM = """
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: media, namespace: shop}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 50Gi}}
  volumeName: pv-media
"""


def test_a_mounted_claim_gets_an_efs_stack_before_the_workloads() -> None:
    result = translate_yaml(docs(CLAIM, deployment(
        "web", container="volumeMounts: [{name: m, mountPath: /media}]",
        pod="volumes: [{name: m, persistentVolumeClaim: {claimName: media}}]")))
    stack = stack_for(result, "volume-media")
    assert [s.file for s in result.plan.stacks] == [
        "cluster.yaml", "volume-media.yaml", "workload-web.yaml"]
    assert sorted(stack.outputs) == ["FileSystemArn", "FileSystemId", "MountTargetSecurityGroupId"]
    assert "SecurityGroupIngress" not in props(result, "volume-media", "MountTargetSecurityGroup")
    assert props(result, "volume-media", "FileSystem")["Encrypted"] is True
    entry = source(result, "PersistentVolumeClaim", "media")
    assert entry["status"] == "partial"
    assert "Deployment/web" in fate(result, "PersistentVolumeClaim", "media", "/metadata/name")[
        "note"]
    assert fate(result, "PersistentVolumeClaim", "media", "/spec/resources/requests/storage")[
        "status"] == "lossy"
    assert fate(result, "PersistentVolumeClaim", "media", "/spec/volumeName")["status"] == "lossy"


def test_a_claim_nobody_mounts_makes_nothing() -> None:
    result = translate_yaml(CLAIM)
    assert source(result, "PersistentVolumeClaim", "media")["status"] == "ignored"
    assert [s.info.title for s in result.plan.stacks] == ["cluster"]
