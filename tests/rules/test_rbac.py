"""Role, ClusterRole and their bindings: nothing to make on ECS (no Kubernetes API there);
what they granted a workload's ServiceAccount is reported lossy on that workload."""

from __future__ import annotations

import pytest

from tests.helpers import deployment, fates, source, translate_yaml
from translator.api import Result

RBAC = deployment("collector", pod="serviceAccountName: collector") + """---
apiVersion: v1
kind: ServiceAccount
metadata: {name: collector, namespace: shop}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: collector}
rules:
  - {apiGroups: [""], resources: [pods, namespaces], verbs: [get, watch, list]}
  - {apiGroups: [apps], resources: [replicasets], verbs: [get, list, watch]}
  - {apiGroups: [extensions], resources: [replicasets], verbs: [get, list, watch]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: collector}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: collector}
subjects:
  - {kind: ServiceAccount, name: collector, namespace: shop}
  - {kind: User, name: alice@example.com, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: unused, namespace: shop}
rules:
  - {apiGroups: [""], resources: [configmaps], verbs: [get]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: leases, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: elect}
subjects:
  - {kind: Group, name: "system:serviceaccounts:shop", apiGroup: rbac.authorization.k8s.io}
""" + "---\n" + deployment("worker")

GRANTED = "ClusterRole collector: get, watch, list pods, namespaces; get, list, watch replicasets"


@pytest.fixture(scope="module")
def result() -> Result:
    return translate_yaml(RBAC)


def test_roles_and_bindings_make_nothing_and_say_what_they_granted(result: Result) -> None:
    role = source(result, "ClusterRole", "collector")
    assert (role["status"], role["resources"]) == ("ignored", [])
    assert role["reason"] == ("permissions in the Kubernetes API: ECS tasks have no Kubernetes "
                              "API, so there is nothing to grant (bound by ClusterRoleBinding "
                              "collector: see the workloads running as its subjects)")
    binding = source(result, "ClusterRoleBinding", "collector")
    assert binding["reason"] == f"grants {GRANTED}; ECS tasks have no Kubernetes API"
    assert fates(result, "ClusterRoleBinding", "collector", "/subjects/0")[0]["note"] == (
        "ServiceAccount shop/collector runs Deployment/collector: what they lose is reported "
        "on their serviceAccountName")
    assert fates(result, "ClusterRoleBinding", "collector", "/subjects/1")[0]["note"].startswith(
        "User alice@example.com: people and groups keep their access to the cluster")
    assert source(result, "Role", "unused")["reason"] == (
        "permissions in the Kubernetes API: ECS tasks have no Kubernetes API, so there is "
        "nothing to grant")
    assert {s["status"] for s in result.report["sources"]
            if s["kind"] in ("Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding")} == {"ignored"}


def test_the_workload_that_used_the_kubernetes_api_is_lossy_with_what_it_loses(
        result: Result) -> None:
    [fate] = [f for f in fates(result, "Deployment", "collector",
                               "/spec/template/spec/serviceAccountName") if f["status"] == "lossy"]
    assert fate["note"].startswith(
        f"ServiceAccount collector may use the Kubernetes API (ClusterRoleBinding collector: "
        f"{GRANTED}; RoleBinding leases: Role elect (not in the input)): ECS tasks have no "
        "Kubernetes API, so what the app reads or changes there")
    assert source(result, "Deployment", "collector")["status"] == "partial"
    # the default ServiceAccount of shop is in the group the RoleBinding names
    [default] = fates(result, "Deployment", "worker", "/spec/template/spec/serviceAccountName")
    assert default["note"].startswith("ServiceAccount default may use the Kubernetes API "
                                      "(RoleBinding leases: Role elect (not in the input))")


def test_an_older_rbac_api_version_is_unsupported_with_the_reason() -> None:
    result = translate_yaml("""
apiVersion: rbac.authorization.k8s.io/v1beta1
kind: ClusterRole
metadata: {name: old}
rules: []
""")
    assert source(result, "ClusterRole", "old")["reason"] == (
        "ClusterRole is mapped for apiVersion rbac.authorization.k8s.io/v1, not "
        "rbac.authorization.k8s.io/v1beta1")
