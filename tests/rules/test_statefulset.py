"""StatefulSet -> ECS service replacing one task at a time, Cloud Map under serviceName,
volumeClaimTemplates on EFS (or ECS-managed EBS with --rwo-volumes ebs)."""

from __future__ import annotations

import pytest

from mappings.statefulset import one_at_a_time
from tests.helpers import docs, fate, fates, props, source, stack_for, translate_yaml
from translator.api import Result
from translator.cfn import NO_VALUE, GetAtt, If, Ref

STATEFULSET = """
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: kafka, namespace: data}
spec:
  serviceName: kafka-headless
  replicas: 3
  selector:
    matchLabels: {app: kafka}
  template:
    metadata:
      labels: {app: kafka}
    spec:
      securityContext: {runAsUser: 1001, fsGroup: 1001}
      containers:
        - name: kafka
          image: bitnami/kafka:3.7
          ports: [{name: broker, containerPort: 9092}]
          volumeMounts:
            - {name: logs, mountPath: /bitnami/kafka}
  volumeClaimTemplates:
    - metadata: {name: logs}
      spec:
        accessModes: [ReadWriteOnce]
        resources: {requests: {storage: 8Gi}}
"""


@pytest.fixture(scope="module")
def kafka() -> Result:
    return translate_yaml(STATEFULSET)


@pytest.mark.parametrize(("replicas", "percents"), [(0, (100, 0)), (1, (100, 0)),
                                                    (2, (100, 50)), (3, (100, 66))])
def test_one_task_at_a_time(replicas: int, percents: tuple[int, int]) -> None:
    assert one_at_a_time(replicas) == percents


def test_an_ecs_service_with_its_own_cloud_map_service(kafka: Result) -> None:
    service = props(kafka, "kafka", "Service")
    assert service["DesiredCount"] == 3
    assert service["DeploymentConfiguration"]["MaximumPercent"] == 100
    assert service["DeploymentConfiguration"]["MinimumHealthyPercent"] == 66
    assert service["ServiceRegistries"] == [{"RegistryArn": GetAtt("CloudMapService", "Arn")}]
    assert props(kafka, "kafka", "CloudMapService")["Name"] == "kafka-headless"
    assert stack_for(kafka, "kafka").resources["Service"].depends_on == [
        "LogsMountTargetsReady", "LogsNfsIngress"]
    assert fate(kafka, "StatefulSet", "kafka", "/spec/serviceName")["status"] == "lossy"


def test_claim_templates_become_an_encrypted_efs_file_system_with_an_access_point(
        kafka: Result) -> None:
    fs = props(kafka, "kafka", "LogsFileSystem")
    assert fs["Encrypted"] is True
    assert stack_for(kafka, "kafka").resources["LogsFileSystem"].deletion_policy == "Retain"
    point = props(kafka, "kafka", "LogsAccessPoint")
    assert point["PosixUser"] == {"Uid": "1001", "Gid": "1001"}
    assert point["RootDirectory"]["CreationInfo"]["OwnerUid"] == "1001"
    volume = props(kafka, "kafka", "TaskDefinition")["Volumes"][0]
    assert volume["Name"] == "logs"
    efs = volume["EFSVolumeConfiguration"]
    assert efs["TransitEncryption"] == "ENABLED"
    assert efs["AuthorizationConfig"] == {"AccessPointId": Ref("LogsAccessPoint"), "IAM": "ENABLED"}
    mount = props(kafka, "kafka", "TaskDefinition")["ContainerDefinitions"][0]["MountPoints"]
    assert mount == [{"SourceVolume": "logs", "ContainerPath": "/bitnami/kafka", "ReadOnly": False}]
    # the access point carries fsGroup: one fate for it, not also "Fargate has no fsGroup"
    [group] = fates(kafka, "StatefulSet", "kafka", "/spec/template/spec/securityContext/fsGroup")
    assert (group["status"], group["to"]) == (
        "mapped", "workload-kafka.yaml#/Resources/LogsAccessPoint/Properties/PosixUser/Gid")


def test_nfs_is_open_only_to_the_tasks_and_the_task_role_mounts_only_this_access_point(
        kafka: Result) -> None:
    ingress = props(kafka, "kafka", "LogsNfsIngress")
    assert ingress == {"GroupId": GetAtt("LogsMountTargetSecurityGroup", "GroupId"),
                       "IpProtocol": "tcp", "FromPort": 2049, "ToPort": 2049,
                       "SourceSecurityGroupId": GetAtt("WorkloadSecurityGroup", "GroupId"),
                       "Description": "NFS from the tasks of StatefulSet/kafka"}
    groups = props(kafka, "kafka", "Service")["NetworkConfiguration"]["AwsvpcConfiguration"][
        "SecurityGroups"]
    assert GetAtt("WorkloadSecurityGroup", "GroupId") in groups.otherwise
    statement, = props(kafka, "kafka", "TaskRole")["Policies"][0]["PolicyDocument"]["Statement"]
    assert statement["Action"] == ["elasticfilesystem:ClientMount",
                                   "elasticfilesystem:ClientWrite"]
    assert statement["Resource"] == GetAtt("LogsFileSystem", "Arn")
    assert statement["Condition"] == {"StringEquals": {
        "elasticfilesystem:AccessPointArn": GetAtt("LogsAccessPoint", "Arn")}}
    assert props(kafka, "kafka", "TaskDefinition")["TaskRoleArn"] == GetAtt("TaskRole", "Arn")
    targets = [r for r in stack_for(kafka, "kafka").resources.values()
               if r.type == "AWS::EFS::MountTarget"]
    # one mount target per subnet given (one per Availability Zone), up to the 6 zones of
    # the largest region (it was the first three); the service waits for all of them
    assert [t.condition for t in targets] == [None] + [f"HasSubnet{n}" for n in range(2, 7)]
    ready = stack_for(kafka, "kafka").resources["LogsMountTargetsReady"]
    assert ready.type == "AWS::CloudFormation::WaitConditionHandle"
    assert ready.metadata == {"MountTargets": [Ref("LogsMountTarget1")] + [
        If(f"HasSubnet{n}", Ref(f"LogsMountTarget{n}"), NO_VALUE) for n in range(2, 7)]}
    assert "one per Availability Zone" in stack_for(kafka, "kafka").parameters[
        "SubnetIds"].description


def test_what_is_lost_is_reported(kafka: Result) -> None:
    claim = [f for f in fates(kafka, "StatefulSet", "kafka", "/spec/volumeClaimTemplates/0")
             if f["status"] == "lossy"]
    assert claim and "all 3 tasks write the same directory" in claim[0]["note"]
    assert any(f["status"] == "lossy" and "stable identity" in f["note"]
               for f in fates(kafka, "StatefulSet", "kafka", "/metadata/name"))
    assert fate(kafka, "StatefulSet", "kafka", "/spec/podManagementPolicy")["status"] == "lossy"
    assert source(kafka, "StatefulSet", "kafka")["status"] == "partial"


def test_ebs_option_gives_each_task_a_managed_volume_sized_from_the_claim() -> None:
    result = translate_yaml(STATEFULSET, rwo_volumes="ebs")
    service = props(result, "kafka", "Service")
    volume, = service["VolumeConfigurations"]
    assert volume["Name"] == "logs"
    ebs = volume["ManagedEBSVolume"]
    assert ebs["SizeInGiB"] == 8 and ebs["Encrypted"] is True
    assert ebs["RoleArn"] == GetAtt("EbsInfrastructureRole", "Arn")
    assert props(result, "kafka", "TaskDefinition")["Volumes"] == [
        {"Name": "logs", "ConfiguredAtLaunch": True}]
    resources = stack_for(result, "kafka").resources
    assert "LogsFileSystem" not in resources  # and no EFS mount permission on the task role:
    assert [p["PolicyName"] for p in props(result, "kafka", "TaskRole")["Policies"]] == [
        "ecs-exec"]
    role = props(result, "kafka", "EbsInfrastructureRole")
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "ecs.amazonaws.com"}
    claim = fates(result, "StatefulSet", "kafka", "/spec/volumeClaimTemplates/0")
    assert any(f["status"] == "lossy" and "deleted when it stops" in f["note"] for f in claim)


def test_a_governing_service_in_the_input_registers_the_set() -> None:
    service = """
        apiVersion: v1
        kind: Service
        metadata: {name: kafka-headless, namespace: data}
        spec:
          clusterIP: None
          selector: {app: kafka}
          ports: [{port: 9092}]
    """
    result = translate_yaml(docs(STATEFULSET, service))
    resources = stack_for(result, "kafka").resources
    assert "CloudMapService" not in resources and "CloudMapKafkaHeadless" in resources
    assert "per-task A records" in fate(result, "Service", "kafka-headless", "/spec/clusterIP")[
        "note"]
    assert "Service kafka-headless registers" in fate(
        result, "StatefulSet", "kafka", "/spec/serviceName")["note"]


def test_with_ebs_a_second_claim_falls_back_to_efs_and_says_why() -> None:
    second = STATEFULSET.replace(
        "            - {name: logs, mountPath: /bitnami/kafka}",
        "            - {name: logs, mountPath: /bitnami/kafka}\n"
        "            - {name: meta, mountPath: /meta}") + """
    - metadata: {name: meta}
      spec:
        accessModes: [ReadWriteOnce]
        resources: {requests: {storage: 1Gi}}
"""
    result = translate_yaml(second, rwo_volumes="ebs")
    assert [v["Name"] for v in props(result, "kafka", "Service")["VolumeConfigurations"]] == [
        "logs"]
    assert "MetaFileSystem" in stack_for(result, "kafka").resources
    assert "one managed EBS volume per task" in fate(
        result, "StatefulSet", "kafka", "/spec/volumeClaimTemplates/1/metadata/name")["note"]


def test_a_governing_service_that_selects_other_pods_keeps_its_cloud_map_name() -> None:
    # the set registered a second Cloud Map service under the Service's name: Cloud Map
    # refuses a name twice in one namespace (ServiceAlreadyExists)
    other = ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: data}\n"
             "spec:\n  selector: {matchLabels: {app: web}}\n  template:\n"
             "    metadata: {labels: {app: web}}\n    spec:\n      containers:\n"
             "        - {name: web, image: nginx, ports: [{containerPort: 80}]}\n")
    service = ("apiVersion: v1\nkind: Service\nmetadata: {name: kafka-headless, namespace: data}\n"
               "spec:\n  selector: {app: web}\n  ports: [{port: 80}]\n")
    result = translate_yaml(docs(STATEFULSET, other, service))
    serviced = fate(result, "StatefulSet", "kafka", "/spec/serviceName")
    assert serviced["status"] == "lossy"
    assert serviced["note"].startswith("Service kafka-headless does not select the set's pods")
    names = [r.properties["Name"] for s in result.plan.stacks for r in s.resources.values()
             if r.type == "AWS::ServiceDiscovery::Service"]
    assert names == ["kafka-headless"]
