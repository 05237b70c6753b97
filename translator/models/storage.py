"""Persistent storage: PersistentVolumeClaims, a StatefulSet's claim templates, StorageClasses."""

from __future__ import annotations

from pydantic import Field

from translator.models.base import K8sModel, KubeObject, ObjectMeta
from translator.models.pod import ResourceRequirements


class PVCSpec(K8sModel):
    access_modes: list[str] = Field(default_factory=list)
    resources: ResourceRequirements = Field(default_factory=ResourceRequirements)
    storage_class_name: str | None = None
    volume_name: str | None = None


STORAGE_CLASS_ANNOTATION = "volume.beta.kubernetes.io/storage-class"


class ClaimTemplate(K8sModel):
    metadata: ObjectMeta
    spec: PVCSpec = Field(default_factory=PVCSpec)

    @property
    def storage_class(self) -> str | None:
        return self.spec.storage_class_name or self.metadata.annotations.get(
            STORAGE_CLASS_ANNOTATION)


class StorageClass(KubeObject):
    provisioner: str
    parameters: dict[str, str] = Field(default_factory=dict)
    reclaim_policy: str | None = None
    volume_binding_mode: str | None = None
    allow_volume_expansion: bool | None = None
    mount_options: list[str] = Field(default_factory=list)

    @classmethod
    def cluster_scoped(cls) -> bool:
        return True


class PersistentVolumeClaim(KubeObject):
    spec: PVCSpec = Field(default_factory=PVCSpec)

    @property
    def storage_class(self) -> str | None:
        return self.spec.storage_class_name or self.metadata.annotations.get(
            STORAGE_CLASS_ANNOTATION)
