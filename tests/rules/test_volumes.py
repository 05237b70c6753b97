"""Pod volumes: emptyDir task volumes, claims on EFS, configMap/secret files written by a
non-essential container before the app starts, and the volume types Fargate lacks."""

from __future__ import annotations

import pytest

from mappings.pod.volume_files import WRITER, WRITER_IMAGE
from tests.helpers import (
    container,
    deployment,
    docs,
    fate,
    fates,
    props,
    source,
    stack_for,
    translate_yaml,
)
from translator.api import Result
from translator.cfn import GetAtt, ImportValue, Ref, Sub

CONFIG = """
apiVersion: v1
kind: ConfigMap
metadata: {name: conf, namespace: shop}
data:
  app.yaml: "db: postgres.shop.svc.cluster.local\\n"
  "it's $(weird).txt": "x"
"""
SECRET = """
apiVersion: v1
kind: Secret
metadata: {name: keys, namespace: shop}
stringData: {api-key: do-not-leak-me}
"""
DB = """
apiVersion: v1
kind: Service
metadata: {name: postgres, namespace: shop}
spec:
  selector: {app: postgres}
  ports: [{port: 5432}]
"""


@pytest.fixture(scope="module")
def files() -> Result:
    return translate_yaml(docs(CONFIG, SECRET, DB, deployment(
        "postgres", labels="app: postgres"), deployment(
        "web",
        container="""
            volumeMounts:
              - {name: conf, mountPath: /etc/app}
              - {name: keys, mountPath: /etc/keys}
              - {name: scratch, mountPath: /tmp/work}
              - {name: host, mountPath: /host}
              - {name: conf, mountPath: /etc/one, subPath: app.yaml}
        """,
        pod="""
            volumes:
              - name: conf
                configMap: {name: conf, defaultMode: 0640}
              - name: keys
                secret: {secretName: keys}
              - name: scratch
                emptyDir: {medium: Memory}
              - name: host
                hostPath: {path: /var/run}
        """)))


def test_config_and_secret_files_are_written_by_a_non_essential_container_first(
        files: Result) -> None:
    app, writer = container(files, "web", 0), container(files, "web", 1)
    assert writer["Name"] == WRITER and writer["Essential"] is False
    assert props(files, "web", "TaskDefinition")  # the writer image is a pinned parameter:
    assert files.plan.stack("workload/shop/web").parameters["VolumeFilesImage"].default == \
        WRITER_IMAGE
    assert app["DependsOn"] == [{"ContainerName": WRITER, "Condition": "SUCCESS"}]
    script = writer["Command"][0]
    assert "printf %s \"$FILE_0\" > /eks2ecs-volumes/conf/app.yaml" in script
    assert "'/eks2ecs-volumes/conf/it'\"'\"'s $(weird).txt'" in script  # shell-quoted
    assert "chmod 640 /eks2ecs-volumes/conf/app.yaml" in script
    env = {e["Name"]: e["Value"] for e in writer["Environment"]}
    # a Service Connect alias answers the in-cluster name, so the file stays as written
    assert env["FILE_0"] == "db: postgres.shop.svc.cluster.local\n"
    secret, = writer["Secrets"]
    assert secret["Name"] == "FILE_2"
    assert secret["ValueFrom"] == Sub("${SecretKeysArn}:api-key::")
    for text in files.files.values():
        assert "do-not-leak-me" not in text
    mounts = {m["ContainerPath"]: m for m in app["MountPoints"]}
    assert mounts["/etc/app"] == {"SourceVolume": "conf", "ContainerPath": "/etc/app",
                                  "ReadOnly": True}
    assert mounts["/etc/keys"]["ReadOnly"] is True
    assert fate(files, "Secret", "keys", "/stringData/api-key")["note"].endswith(
        "(read by Deployment/web)")


def test_empty_dir_is_a_task_volume_without_host_and_memory_is_reported(files: Result) -> None:
    volumes = props(files, "web", "TaskDefinition")["Volumes"]
    assert {"Name": "scratch"} in volumes
    assert all("Host" not in v for v in volumes)
    assert fate(files, "Deployment", "web", "/spec/template/spec/volumes/2/emptyDir/medium")[
        "status"] == "lossy"


def test_what_fargate_lacks_is_unsupported_with_why(files: Result) -> None:
    host = fate(files, "Deployment", "web", "/spec/template/spec/volumes/3")
    assert host["status"] == "unsupported" and "host paths" in host["note"]
    mount = "/spec/template/spec/containers/0/volumeMounts"
    assert fate(files, "Deployment", "web", f"{mount}/3")["status"] == "unsupported"
    assert fate(files, "Deployment", "web", f"{mount}/4/subPath")["status"] == "unsupported"
    assert fate(files, "Deployment", "web", f"{mount}/2")["to"].endswith("/MountPoints/2")


def test_a_claim_mounts_the_claims_efs_stack_through_its_own_access_point() -> None:
    result = translate_yaml(docs("""
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata: {name: uploads, namespace: shop}
        spec:
          accessModes: [ReadWriteMany]
          resources: {requests: {storage: 5Gi}}
    """, deployment("web", container="volumeMounts: [{name: up, mountPath: /srv/up}]",
                    pod="volumes: [{name: up, persistentVolumeClaim: {claimName: uploads, "
                        "readOnly: true}}]")))
    stack = result.plan.stack("workload/shop/web")
    assert stack.parameters["UpVolumeStackName"].default == "shop-volume-uploads"
    point = props(result, "web", "UpAccessPoint")
    assert point["FileSystemId"] == ImportValue(Sub("${UpVolumeStackName}-FileSystemId"))
    statement, = props(result, "web", "TaskRole")["Policies"][0]["PolicyDocument"]["Statement"]
    # read-only, no runAsUser: mount only, as root
    assert statement["Action"] == ["elasticfilesystem:ClientMount",
                                   "elasticfilesystem:ClientRootAccess"]
    assert container(result, "web")["MountPoints"][0]["ReadOnly"] is True
    volume = props(result, "web", "TaskDefinition")["Volumes"][0]
    assert volume["EFSVolumeConfiguration"]["AuthorizationConfig"]["AccessPointId"] == Ref(
        "UpAccessPoint")
    assert source(result, "PersistentVolumeClaim", "uploads")["status"] == "partial"


def test_a_claim_missing_from_the_input_is_unsupported() -> None:
    result = translate_yaml(deployment(
        "web", container="volumeMounts: [{name: up, mountPath: /srv}]",
        pod="volumes: [{name: up, persistentVolumeClaim: {claimName: elsewhere}}]"))
    assert fate(result, "Deployment", "web", "/spec/template/spec/volumes/0")[
        "status"] == "unsupported"
    assert "Volumes" not in props(result, "web", "TaskDefinition")


def test_each_file_is_recorded_where_it_went_and_paths_cannot_leave_the_volume(
        files: Result) -> None:
    writer = f"{stack_for(files, 'web').file}#/Resources/TaskDefinition/Properties/" \
        "ContainerDefinitions/1"
    written = {f["note"]: f["to"] for f in source(files, "Deployment", "web")["fields"]
               if " written from " in (f.get("note") or "")}
    assert written["app.yaml written from FILE_0"] == f"{writer}/Environment/0"
    assert written["api-key written from secret FILE_2; fill in shop/shop/keys in Secrets "
                   "Manager"] == f"{writer}/Secrets/0"
    escaping = translate_yaml(docs(CONFIG, deployment(
        "web", container="volumeMounts: [{name: conf, mountPath: /etc/app}]",
        pod="volumes: [{name: conf, configMap: {name: conf, items: "
            "[{key: app.yaml, path: ../../etc/passwd}]}}]")))
    field = [f for f in fates(escaping, "Deployment", "web",
                              "/spec/template/spec/volumes/0/configMap/items/0")
             if f["status"] == "unsupported"]
    assert len(field) == 1 and "inside the volume" in field[0]["note"]


def test_a_job_mounting_a_claim_runs_in_its_own_group_which_nfs_admits() -> None:
    result = translate_yaml(docs("""
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata: {name: exports, namespace: shop}
        spec: {accessModes: [ReadWriteMany]}
    """, """
        apiVersion: batch/v1
        kind: Job
        metadata: {name: export, namespace: shop}
        spec:
          template:
            spec:
              securityContext: {runAsUser: 10001}
              restartPolicy: Never
              containers:
                - name: export
                  image: registry.example.com/export:1
                  volumeMounts: [{name: out, mountPath: /out}]
              volumes: [{name: out, persistentVolumeClaim: {claimName: exports}}]
    """))
    groups = result.plan.stack("workload/shop/export").outputs["SecurityGroups"].value
    assert GetAtt("WorkloadSecurityGroup", "GroupId") in groups.otherwise.values
    ingress = props(result, "export", "OutNfsIngress")
    assert ingress["GroupId"] == ImportValue(Sub("${OutVolumeStackName}-MountTargetSecurityGroupId"))
    assert (ingress["FromPort"], ingress["ToPort"]) == (2049, 2049)
    assert ingress["SourceSecurityGroupId"] == GetAtt("WorkloadSecurityGroup", "GroupId")
    statement, = props(result, "export", "TaskRole")["Policies"][0]["PolicyDocument"]["Statement"]
    assert "elasticfilesystem:ClientRootAccess" not in statement["Action"]


def test_other_security_context_fields_are_not_claimed_by_the_volume() -> None:
    result = translate_yaml(docs("""
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata: {name: data, namespace: shop}
        spec: {accessModes: [ReadWriteOnce]}
    """, deployment("web", container="volumeMounts: [{name: d, mountPath: /d}]",
                    pod="securityContext: {seccompProfile: {type: RuntimeDefault}}\n"
                        "volumes: [{name: d, persistentVolumeClaim: {claimName: data}}]")))
    assert not any(f["path"] == "/spec/template/spec/securityContext" and f["status"] == "mapped"
                   for f in source(result, "Deployment", "web")["fields"])
