"""Service, Ingress and NetworkPolicy."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from translator.models.base import IntOrString, K8sModel, KubeObject, LabelSelector


class ServicePort(K8sModel):
    port: int = Field(ge=1, le=65535)
    target_port: IntOrString | None = None
    name: str | None = None
    protocol: Literal["TCP", "UDP", "SCTP"] = "TCP"
    node_port: int | None = None
    app_protocol: str | None = None

    @property
    def target(self) -> int | str:
        """The pod port it sends to: targetPort, or the port itself when that is absent or 0
        (Helm charts render 0 for "same as port"; the API server defaults it so)."""
        return self.port if self.target_port in (None, 0) else self.target_port


class ServiceSpec(K8sModel):
    type: Literal["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"] = "ClusterIP"
    selector: dict[str, str] = Field(default_factory=dict)
    ports: list[ServicePort] = Field(default_factory=list)
    cluster_ip: str | None = Field(default=None, alias="clusterIP")
    external_name: str | None = None


class Service(KubeObject):
    spec: ServiceSpec = Field(default_factory=ServiceSpec)


class IngressServiceBackend(K8sModel):
    name: str
    port: dict[str, IntOrString] = Field(default_factory=dict)


class IngressBackend(K8sModel):
    service: IngressServiceBackend | None = None
    resource: dict[str, Any] | None = None


class HTTPIngressPath(K8sModel):
    path: str = "/"
    path_type: Literal["Prefix", "Exact", "ImplementationSpecific"] = "ImplementationSpecific"
    backend: IngressBackend


class IngressRuleValue(K8sModel):
    paths: list[HTTPIngressPath] = Field(default_factory=list)


class IngressRule(K8sModel):
    host: str | None = None
    http: IngressRuleValue | None = None


class IngressSpec(K8sModel):
    ingress_class_name: str | None = None
    default_backend: IngressBackend | None = None
    rules: list[IngressRule] = Field(default_factory=list)
    tls: list[dict[str, Any]] = Field(default_factory=list)


class Ingress(KubeObject):
    spec: IngressSpec = Field(default_factory=IngressSpec)


class NetworkPolicyPort(K8sModel):
    port: IntOrString | None = None
    end_port: int | None = Field(default=None, ge=1, le=65535)
    protocol: Literal["TCP", "UDP", "SCTP"] = "TCP"


class NetworkPolicyPeer(K8sModel):
    pod_selector: LabelSelector | None = None
    namespace_selector: LabelSelector | None = None
    ip_block: dict[str, Any] | None = None


class NetworkPolicyIngressRule(K8sModel):
    from_: list[NetworkPolicyPeer] = Field(default_factory=list, alias="from")
    ports: list[NetworkPolicyPort] = Field(default_factory=list)


class NetworkPolicyEgressRule(K8sModel):
    to: list[NetworkPolicyPeer] = Field(default_factory=list)
    ports: list[NetworkPolicyPort] = Field(default_factory=list)


class NetworkPolicySpec(K8sModel):
    pod_selector: LabelSelector = Field(default_factory=LabelSelector)
    policy_types: list[Literal["Ingress", "Egress"]] = Field(default_factory=list)
    ingress: list[NetworkPolicyIngressRule] = Field(default_factory=list)
    egress: list[NetworkPolicyEgressRule] = Field(default_factory=list)


class NetworkPolicy(KubeObject):
    spec: NetworkPolicySpec = Field(default_factory=NetworkPolicySpec)
