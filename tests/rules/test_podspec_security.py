"""securityContext at pod and container level: what Fargate can enforce (User, read-only root
file system, capability drops, SYS_PTRACE) and what it cannot, each reported with why."""

from __future__ import annotations

import pytest

from tests.helpers import container, deployment, fate, fates, translate_yaml
from translator.api import Result

POD = "/spec/template/spec"
C0 = f"{POD}/containers/0"
TO_C = "workload-web.yaml#/Resources/TaskDefinition/Properties/ContainerDefinitions"


@pytest.fixture(scope="module")
def hardened() -> Result:
    return translate_yaml(deployment(
        pod="""
            securityContext:
              runAsUser: 1000
              runAsGroup: 3000
              runAsNonRoot: true
              fsGroup: 2000
              supplementalGroups: [4000]
              seccompProfile: {type: RuntimeDefault}
              sysctls:
                - {name: net.ipv4.tcp_keepalive_time, value: "600"}
                - {name: kernel.shm_rmid_forced, value: "1"}
        """,
        container="""
            securityContext:
              runAsUser: 1001
              readOnlyRootFilesystem: true
              allowPrivilegeEscalation: false
              privileged: false
              capabilities:
                add: [CAP_SYS_PTRACE, NET_ADMIN]
                drop: [ALL]
        """) + """\
        - name: helper
          image: busybox:1.36
""")


def test_container_user_wins_over_the_pod_and_takes_the_pod_group(hardened: Result) -> None:
    assert container(hardened, "web")["User"] == "1001:3000"
    assert container(hardened, "web", 1)["User"] == "1000:3000"  # the pod's, unchanged
    assert fate(hardened, "Deployment", "web", f"{C0}/securityContext/runAsUser")["to"] == \
        f"{TO_C}/0/User"
    pod_user = fates(hardened, "Deployment", "web", f"{POD}/securityContext/runAsUser")
    assert [f["to"] for f in pod_user] == [f"{TO_C}/1/User"]
    non_root = fates(hardened, "Deployment", "web", f"{POD}/securityContext/runAsNonRoot")
    assert [f["note"] for f in non_root] == ["User 1001 is not root", "User 1000 is not root"]


def test_read_only_root_and_capabilities(hardened: Result) -> None:
    web = container(hardened, "web")
    assert web["ReadonlyRootFilesystem"] is True
    assert web["LinuxParameters"] == {"Capabilities": {"Add": ["SYS_PTRACE"], "Drop": ["ALL"]}}
    caps = f"{C0}/securityContext/capabilities"
    assert fate(hardened, "Deployment", "web", f"{caps}/add/0")["to"] == \
        f"{TO_C}/0/LinuxParameters/Capabilities/Add/0"
    net_admin = fate(hardened, "Deployment", "web", f"{caps}/add/1")
    assert (net_admin["status"], net_admin["note"]) == (
        "unsupported", "Fargate lets a container add SYS_PTRACE only, not NET_ADMIN")
    assert "LinuxParameters" not in container(hardened, "web", 1)


@pytest.mark.parametrize(("path", "status", "starts"), [
    (f"{C0}/securityContext/allowPrivilegeEscalation", "lossy", "Fargate cannot set "
     "no-new-privileges"),
    (f"{C0}/securityContext/privileged", "ignored", "no container is privileged"),
    (f"{POD}/securityContext/fsGroup", "lossy", "Fargate has no fsGroup"),
    (f"{POD}/securityContext/supplementalGroups", "unsupported", "ECS gives a container one"),
    (f"{POD}/securityContext/seccompProfile", "lossy", "Fargate takes no seccomp setting"),
    (f"{POD}/securityContext/sysctls/1", "unsupported", "Fargate sets only network"),
])
def test_what_fargate_cannot_enforce_is_reported(hardened: Result, path: str, status: str,
                                                 starts: str) -> None:
    reported = fate(hardened, "Deployment", "web", path)
    assert reported["status"] == status
    assert reported["note"].startswith(starts)


def test_network_sysctls_become_system_controls_of_every_container(hardened: Result) -> None:
    controls = [{"Namespace": "net.ipv4.tcp_keepalive_time", "Value": "600"}]
    assert container(hardened, "web")["SystemControls"] == controls
    assert container(hardened, "web", 1)["SystemControls"] == controls


def test_privileged_container_is_unsupported() -> None:
    result = translate_yaml(deployment(container="""
        securityContext: {privileged: true}
    """))
    assert "Privileged" not in container(result, "web")
    privileged = fate(result, "Deployment", "web", f"{C0}/securityContext/privileged")
    assert privileged["status"] == "unsupported"
    assert privileged["note"].startswith("Fargate runs no privileged containers")


@pytest.mark.parametrize(("context", "status", "note"), [
    ("{runAsNonRoot: true}", "lossy", "ECS does not refuse an image that runs as root: set "
     "runAsUser so that User names a non-root uid"),
    ("{runAsNonRoot: true, runAsUser: 0}", "unsupported", "runAsUser 0 contradicts "
     "runAsNonRoot: Kubernetes would not start this container"),
    ("{runAsNonRoot: false}", "ignored", "ECS runs the image's user unless User is set"),
])
def test_run_as_non_root_without_a_user_to_enforce_it(context: str, status: str,
                                                      note: str) -> None:
    result = translate_yaml(deployment(container=f"securityContext: {context}"))
    reported = fate(result, "Deployment", "web", f"{C0}/securityContext/runAsNonRoot")
    assert (reported["status"], reported["note"]) == (status, note)


def test_group_without_user_is_unsupported_and_overridden_pod_user_is_ignored() -> None:
    result = translate_yaml(deployment(pod="securityContext: {runAsUser: 5}",
                                       container="securityContext: {runAsUser: 7, runAsGroup: 8}")
                            + """\
        - name: other
          image: busybox:1.36
          securityContext: {runAsGroup: 9}
""")
    assert container(result, "web")["User"] == "7:8"
    assert container(result, "web", 1)["User"] == "5:9"
    result = translate_yaml(deployment(pod="securityContext: {runAsUser: 5}",
                                       container="securityContext: {runAsUser: 7}"))
    assert fate(result, "Deployment", "web", f"{POD}/securityContext/runAsUser")["status"] == \
        "ignored"
    result = translate_yaml(deployment(container="securityContext: {runAsGroup: 8}"))
    assert "User" not in container(result, "web")
    assert fate(result, "Deployment", "web", f"{C0}/securityContext/runAsGroup")["status"] == \
        "unsupported"
