"""Typed models of the Kubernetes objects eks2ecs reads.

Models are strict about types (`replicas: "three"` is an error) and keep unknown fields
(`extra="allow"`): the report walks the raw document, so nothing is dropped unseen. A Secret
model keeps key names only; its values never enter a model.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel

from translator import quantity

IntOrString = int | str


class K8sModel(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="allow", strict=True, frozen=True
    )


# Names Kubernetes accepts (DNS-1123). They become file, stack and resource names here, so
# anything else ("../x", "a;b") is refused as the API server would.
DNS_SUBDOMAIN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
DNS_LABEL = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"


class ObjectMeta(K8sModel):
    name: str = Field(pattern=DNS_SUBDOMAIN, max_length=253)
    namespace: str | None = Field(None, pattern=DNS_LABEL, max_length=63)
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)


class LabelSelector(K8sModel):
    match_labels: dict[str, str] = Field(default_factory=dict)
    match_expressions: list[dict[str, Any]] = Field(default_factory=list)


# --- containers -------------------------------------------------------------------------


class ContainerPort(K8sModel):
    container_port: int = Field(ge=1, le=65535)
    name: str | None = None
    protocol: Literal["TCP", "UDP", "SCTP"] = "TCP"
    host_port: int | None = Field(default=None, ge=1, le=65535)


class KeyRef(K8sModel):
    name: str = ""
    key: str
    optional: bool = False


class FieldRef(K8sModel):
    field_path: str
    api_version: str | None = None


class EnvVarSource(K8sModel):
    config_map_key_ref: KeyRef | None = None
    secret_key_ref: KeyRef | None = None
    field_ref: FieldRef | None = None
    resource_field_ref: dict[str, Any] | None = None


class EnvVar(K8sModel):
    name: str
    value: str | None = None
    value_from: EnvVarSource | None = None


class NameRef(K8sModel):
    name: str = ""
    optional: bool = False


class EnvFromSource(K8sModel):
    prefix: str = ""
    config_map_ref: NameRef | None = None
    secret_ref: NameRef | None = None


Quantity = str | int | float


class ResourceRequirements(K8sModel):
    requests: dict[str, Quantity] = Field(default_factory=dict)
    limits: dict[str, Quantity] = Field(default_factory=dict)

    @field_validator("requests", "limits")
    @classmethod
    def _quantities(cls, value: dict[str, Quantity]) -> dict[str, Quantity]:
        for name, amount in value.items():
            try:
                quantity.parse(amount)
            except ValueError as exc:
                raise ValueError(f"{name}: {exc}") from None
        return value


class HTTPGetAction(K8sModel):
    port: IntOrString
    path: str = "/"
    host: str | None = None
    scheme: Literal["HTTP", "HTTPS"] = "HTTP"
    http_headers: list[dict[str, Any]] = Field(default_factory=list)


class TCPSocketAction(K8sModel):
    port: IntOrString
    host: str | None = None


class ExecAction(K8sModel):
    command: list[str] = Field(default_factory=list)


class GRPCAction(K8sModel):
    port: int = Field(ge=1, le=65535)
    service: str | None = None


class Probe(K8sModel):
    http_get: HTTPGetAction | None = None
    tcp_socket: TCPSocketAction | None = None
    exec: ExecAction | None = None
    grpc: GRPCAction | None = None
    initial_delay_seconds: int = Field(default=0, ge=0)
    period_seconds: int = Field(default=10, ge=1)
    timeout_seconds: int = Field(default=1, ge=1)
    failure_threshold: int = Field(default=3, ge=1)
    success_threshold: int = Field(default=1, ge=1)


class VolumeMount(K8sModel):
    name: str
    mount_path: str
    read_only: bool = False
    sub_path: str | None = None


class Capabilities(K8sModel):
    add: list[str] = Field(default_factory=list)
    drop: list[str] = Field(default_factory=list)


class SecurityContext(K8sModel):
    """Pod- and container-level security settings (each level reads the fields it has)."""

    run_as_user: int | None = Field(default=None, ge=0)
    run_as_group: int | None = Field(default=None, ge=0)
    run_as_non_root: bool | None = None
    read_only_root_filesystem: bool | None = None
    privileged: bool | None = None
    allow_privilege_escalation: bool | None = None
    capabilities: Capabilities | None = None
    fs_group: int | None = None
    supplemental_groups: list[int] = Field(default_factory=list)


class Container(K8sModel):
    name: str = Field(pattern=DNS_LABEL, max_length=63)
    image: str = ""
    command: list[str] = Field(default_factory=list)
    args: list[str] = Field(default_factory=list)
    working_dir: str | None = None
    ports: list[ContainerPort] = Field(default_factory=list)
    env: list[EnvVar] = Field(default_factory=list)
    env_from: list[EnvFromSource] = Field(default_factory=list)
    resources: ResourceRequirements = Field(default_factory=ResourceRequirements)
    liveness_probe: Probe | None = None
    readiness_probe: Probe | None = None
    startup_probe: Probe | None = None
    volume_mounts: list[VolumeMount] = Field(default_factory=list)
    image_pull_policy: str | None = None
    stdin: bool = False
    tty: bool = False
    security_context: SecurityContext | None = None
    restart_policy: Literal["Always"] | None = None  # on an init container: a native sidecar

    @property
    def native_sidecar(self) -> bool:
        return self.restart_policy == "Always"


class KeyToPath(K8sModel):
    key: str
    path: str
    mode: int | None = None


class ClaimVolumeSource(K8sModel):
    claim_name: str
    read_only: bool = False


class EmptyDirVolumeSource(K8sModel):
    medium: str = ""
    size_limit: Quantity | None = None


class ConfigMapVolumeSource(K8sModel):
    name: str = ""
    items: list[KeyToPath] = Field(default_factory=list)
    default_mode: int | None = None
    optional: bool = False


class SecretVolumeSource(K8sModel):
    secret_name: str = ""
    items: list[KeyToPath] = Field(default_factory=list)
    default_mode: int | None = None
    optional: bool = False


class Volume(K8sModel):
    name: str
    persistent_volume_claim: ClaimVolumeSource | None = None
    empty_dir: EmptyDirVolumeSource | None = None
    config_map: ConfigMapVolumeSource | None = None
    secret: SecretVolumeSource | None = None
    host_path: dict[str, Any] | None = None
    projected: dict[str, Any] | None = None
    downward_api: dict[str, Any] | None = Field(default=None, alias="downwardAPI")


class PodSpec(K8sModel):
    containers: list[Container] = Field(min_length=1)
    init_containers: list[Container] = Field(default_factory=list)
    volumes: list[Volume] = Field(default_factory=list)
    service_account_name: str | None = None
    termination_grace_period_seconds: int | None = Field(default=None, ge=0)
    security_context: SecurityContext | None = None
    image_pull_secrets: list[NameRef] = Field(default_factory=list)
    node_selector: dict[str, str] = Field(default_factory=dict)
    share_process_namespace: bool = False
    host_network: bool = False
    host_pid: bool = Field(default=False, alias="hostPID")
    host_ipc: bool = Field(default=False, alias="hostIPC")

    @property
    def every_container(self) -> list[Container]:
        """App containers, then init containers (native sidecars included)."""
        return [*self.containers, *self.init_containers]


class PodTemplateSpec(K8sModel):
    metadata: dict[str, Any] = Field(default_factory=dict)
    spec: PodSpec

    @property
    def labels(self) -> dict[str, str]:
        labels = self.metadata.get("labels") or {}
        return {str(k): str(v) for k, v in labels.items()}


# --- kinds -----------------------------------------------------------------------------


class KubeObject(K8sModel):
    api_version: str
    kind: str
    metadata: ObjectMeta

    @property
    def name(self) -> str:
        return self.metadata.name

    @classmethod
    def cluster_scoped(cls) -> bool:
        return False

    @property
    def ref(self) -> str:
        return f"{self.kind}/{self.metadata.name}"


class RollingUpdate(K8sModel):
    max_surge: IntOrString | None = None
    max_unavailable: IntOrString | None = None


class DeploymentStrategy(K8sModel):
    type: Literal["RollingUpdate", "Recreate"] = "RollingUpdate"
    rolling_update: RollingUpdate | None = None


class DeploymentSpec(K8sModel):
    replicas: int = Field(default=1, ge=0)
    selector: LabelSelector | None = None
    template: PodTemplateSpec
    strategy: DeploymentStrategy = Field(default_factory=DeploymentStrategy)


class Deployment(KubeObject):
    spec: DeploymentSpec


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


class StatefulSetSpec(K8sModel):
    replicas: int = Field(default=1, ge=0)
    service_name: str | None = None
    selector: LabelSelector | None = None
    template: PodTemplateSpec
    volume_claim_templates: list[ClaimTemplate] = Field(default_factory=list)
    pod_management_policy: Literal["OrderedReady", "Parallel"] = "OrderedReady"
    update_strategy: dict[str, Any] = Field(default_factory=dict)


class StatefulSet(KubeObject):
    spec: StatefulSetSpec


class JobSpec(K8sModel):
    template: PodTemplateSpec
    backoff_limit: int | None = Field(default=None, ge=0)
    active_deadline_seconds: int | None = Field(default=None, ge=1)
    completions: int | None = Field(default=None, ge=0)
    parallelism: int | None = Field(default=None, ge=0)
    ttl_seconds_after_finished: int | None = Field(default=None, ge=0)


class Job(KubeObject):
    spec: JobSpec


class JobTemplate(K8sModel):
    metadata: dict[str, Any] = Field(default_factory=dict)
    spec: JobSpec


class CronJobSpec(K8sModel):
    schedule: str
    job_template: JobTemplate
    time_zone: str | None = None
    suspend: bool = False
    concurrency_policy: Literal["Allow", "Forbid", "Replace"] = "Allow"
    starting_deadline_seconds: int | None = Field(default=None, ge=0)
    successful_jobs_history_limit: int | None = Field(default=None, ge=0)
    failed_jobs_history_limit: int | None = Field(default=None, ge=0)


class CronJob(KubeObject):
    spec: CronJobSpec


class DaemonSetSpec(K8sModel):
    selector: LabelSelector | None = None
    template: PodTemplateSpec


class DaemonSet(KubeObject):
    spec: DaemonSetSpec


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


class ServicePort(K8sModel):
    port: int = Field(ge=1, le=65535)
    target_port: IntOrString | None = None
    name: str | None = None
    protocol: Literal["TCP", "UDP", "SCTP"] = "TCP"
    node_port: int | None = None
    app_protocol: str | None = None


class ServiceSpec(K8sModel):
    type: Literal["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"] = "ClusterIP"
    selector: dict[str, str] = Field(default_factory=dict)
    ports: list[ServicePort] = Field(default_factory=list)
    cluster_ip: str | None = Field(default=None, alias="clusterIP")
    external_name: str | None = None


class Service(KubeObject):
    spec: ServiceSpec = Field(default_factory=ServiceSpec)


class ScaleTargetRef(K8sModel):
    kind: str
    name: str
    api_version: str | None = None


class MetricTarget(K8sModel):
    type: Literal["Utilization", "AverageValue", "Value"]
    average_utilization: int | None = Field(default=None, ge=1)
    average_value: Quantity | None = None
    value: Quantity | None = None


class ResourceMetric(K8sModel):
    name: str
    target: MetricTarget


class MetricSpec(K8sModel):
    type: str
    resource: ResourceMetric | None = None
    container_resource: dict[str, Any] | None = None
    pods: dict[str, Any] | None = None
    object: dict[str, Any] | None = None
    external: dict[str, Any] | None = None


class ScalingRules(K8sModel):
    stabilization_window_seconds: int | None = Field(default=None, ge=0, le=3600)
    select_policy: str | None = None
    policies: list[dict[str, Any]] = Field(default_factory=list)


class HPABehavior(K8sModel):
    scale_up: ScalingRules | None = None
    scale_down: ScalingRules | None = None


class HPASpec(K8sModel):
    scale_target_ref: ScaleTargetRef
    min_replicas: int = Field(default=1, ge=0)
    max_replicas: int = Field(ge=1)
    metrics: list[MetricSpec] = Field(default_factory=list)
    behavior: HPABehavior | None = None
    target_cpu_utilization_percentage: int | None = Field(
        default=None, ge=1, alias="targetCPUUtilizationPercentage"
    )


class HorizontalPodAutoscaler(KubeObject):
    spec: HPASpec


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


class ServiceAccount(KubeObject):
    pass


class PersistentVolumeClaim(KubeObject):
    spec: PVCSpec = Field(default_factory=PVCSpec)

    @property
    def storage_class(self) -> str | None:
        return self.spec.storage_class_name or self.metadata.annotations.get(
            STORAGE_CLASS_ANNOTATION)


class Namespace(KubeObject):
    @classmethod
    def cluster_scoped(cls) -> bool:
        return True


class PDBSpec(K8sModel):
    selector: LabelSelector | None = None
    min_available: IntOrString | None = None
    max_unavailable: IntOrString | None = None
    unhealthy_pod_eviction_policy: str | None = None


class PodDisruptionBudget(KubeObject):
    spec: PDBSpec = Field(default_factory=PDBSpec)


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
