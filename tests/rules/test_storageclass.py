"""StorageClass -> shapes the EFS access points (EFS CSI) or the managed EBS volumes."""

from __future__ import annotations

from tests.helpers import docs, fate, props, source, translate_yaml

SET = """
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop}
spec:
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers:
        - {name: db, image: "postgres:16", volumeMounts: [{name: data, mountPath: /data}]}
  volumeClaimTemplates:
    - metadata:
        name: data
        annotations: {volume.beta.kubernetes.io/storage-class: CLASS}
      spec:
        accessModes: [ReadWriteOnce]
        resources: {requests: {storage: 30Gi}}
"""


def storage_class(name: str, provisioner: str, parameters: str) -> str:
    return (f"apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {{name: {name}}}\n"
            f"provisioner: {provisioner}\nparameters: {parameters}\n")


def test_an_efs_class_shapes_the_access_point() -> None:
    result = translate_yaml(docs(storage_class(
        "efs", "efs.csi.aws.com", "{uid: '2000', gid: '3000', directoryPerms: '0750', "
        "basePath: /dynamic, fileSystemId: fs-123}"), SET.replace("CLASS", "efs")))
    point = props(result, "db", "DataAccessPoint")
    assert point["PosixUser"] == {"Uid": "2000", "Gid": "3000"}
    assert point["RootDirectory"]["Path"] == "/dynamic/data"
    assert point["RootDirectory"]["CreationInfo"]["Permissions"] == "0750"
    assert fate(result, "StorageClass", "efs", "/parameters/uid")["status"] == "mapped"
    assert fate(result, "StorageClass", "efs", "/parameters/fileSystemId")["status"] == \
        "unsupported"


def test_an_ebs_class_informs_managed_volumes_only_with_the_ebs_option() -> None:
    inputs = docs(storage_class("io", "ebs.csi.aws.com", "{type: io2, iops: '4000'}"),
                  SET.replace("CLASS", "io"))
    ebs = translate_yaml(inputs, rwo_volumes="ebs")
    volume = props(ebs, "db", "Service")["VolumeConfigurations"][0]["ManagedEBSVolume"]
    assert (volume["VolumeType"], volume["Iops"], volume["SizeInGiB"]) == ("io2", 4000, 30)
    assert source(ebs, "StorageClass", "io")["status"] == "mapped"
    efs = translate_yaml(inputs)
    assert fate(efs, "StorageClass", "io", "/provisioner")["status"] == "lossy"
    assert "DataFileSystem" in efs.plan.stack("workload/shop/db").resources


def test_a_class_no_claim_uses_is_ignored() -> None:
    result = translate_yaml(storage_class("spare", "kubernetes.io/aws-ebs", "{}"))
    assert source(result, "StorageClass", "spare")["status"] == "ignored"
