"""Configuration and identity: ConfigMap, Secret (key names only), ExternalSecret and its
stores, ServiceAccount, Namespace."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from translator.models.base import K8sModel, KubeObject, LabelSelector


class RemoteRef(K8sModel):
    key: str
    property: str | None = None
    version: str | None = None


class ExternalSecretData(K8sModel):
    secret_key: str
    remote_ref: RemoteRef


class SecretStoreRef(K8sModel):
    name: str
    kind: Literal["SecretStore", "ClusterSecretStore"] = "SecretStore"


class ExternalSecretTarget(K8sModel):
    name: str | None = None
    creation_policy: str | None = None
    template: dict[str, Any] | None = None


class ExternalSecretSpec(K8sModel):
    secret_store_ref: SecretStoreRef | None = None
    target: ExternalSecretTarget = Field(default_factory=ExternalSecretTarget)
    data: list[ExternalSecretData] = Field(default_factory=list)
    data_from: list[dict[str, Any]] = Field(default_factory=list)
    refresh_interval: str | None = None


class ExternalSecret(KubeObject):
    spec: ExternalSecretSpec

    @property
    def target_name(self) -> str:
        return self.spec.target.name or self.metadata.name


class ClusterExternalSecretSpec(K8sModel):
    external_secret_spec: ExternalSecretSpec
    external_secret_name: str | None = None
    namespace_selector: LabelSelector | None = None
    namespace_selectors: list[LabelSelector] = Field(default_factory=list)
    namespaces: list[str] = Field(default_factory=list)
    refresh_time: str | None = None
    external_secret_metadata: dict[str, Any] | None = None


class ClusterExternalSecret(KubeObject):
    """An ExternalSecret the operator creates in every namespace the selectors match."""

    spec: ClusterExternalSecretSpec

    @classmethod
    def cluster_scoped(cls) -> bool:
        return True

    @property
    def external_secret_name(self) -> str:
        return self.spec.external_secret_name or self.metadata.name


class AWSProvider(K8sModel):
    service: Literal["SecretsManager", "ParameterStore"] = "SecretsManager"
    region: str | None = None
    role: str | None = None
    auth: dict[str, Any] | None = None


class SecretStoreProvider(K8sModel):
    aws: AWSProvider | None = None


class SecretStoreSpec(K8sModel):
    provider: SecretStoreProvider


class SecretStore(KubeObject):
    spec: SecretStoreSpec


class ClusterSecretStore(SecretStore):
    @classmethod
    def cluster_scoped(cls) -> bool:
        return True


class ConfigMap(KubeObject):
    data: dict[str, str] = Field(default_factory=dict)
    binary_data: dict[str, str] = Field(default_factory=dict)


class Secret(KubeObject):
    """Key names only: the values are discarded before the model is built."""

    type: str = "Opaque"
    keys: tuple[str, ...] = ()


class ServiceAccount(KubeObject):
    pass


class Namespace(KubeObject):
    @classmethod
    def cluster_scoped(cls) -> bool:
        return True
