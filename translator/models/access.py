"""Kubernetes API permissions (RBAC): Roles, ClusterRoles and their bindings."""

from __future__ import annotations

from pydantic import Field

from translator.models.base import K8sModel, KubeObject


class PolicyRule(K8sModel):
    api_groups: list[str] = Field(default_factory=list)
    resources: list[str] = Field(default_factory=list)
    verbs: list[str] = Field(default_factory=list)
    resource_names: list[str] = Field(default_factory=list)
    non_resource_urls: list[str] = Field(default_factory=list, alias="nonResourceURLs")


class Role(KubeObject):
    rules: list[PolicyRule] = Field(default_factory=list)


class ClusterRole(Role):
    @classmethod
    def cluster_scoped(cls) -> bool:
        return True


class RoleRef(K8sModel):
    kind: str
    name: str
    api_group: str = ""


class Subject(K8sModel):
    kind: str
    name: str
    namespace: str | None = None
    api_group: str | None = None


class RoleBinding(KubeObject):
    role_ref: RoleRef
    subjects: list[Subject] = Field(default_factory=list)


class ClusterRoleBinding(RoleBinding):
    @classmethod
    def cluster_scoped(cls) -> bool:
        return True
