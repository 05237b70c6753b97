"""The pod spec: containers (env, probes, resources, security context, mounts) and volumes."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, field_validator

from translator import quantity
from translator.models.base import DNS_LABEL, IntOrString, K8sModel, Quantity


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

    @field_validator("name")
    @classmethod
    def _env_name(cls, name: str) -> str:
        # as the API server: one or more printable ASCII characters other than '='
        if not re.fullmatch(r"[!-<>-~]+", name):
            raise ValueError(f"not an environment variable name (printable ASCII, no '=', "
                             f"not empty): {name!r}")
        return name
    value: str | None = None
    value_from: EnvVarSource | None = None


class NameRef(K8sModel):
    name: str = ""
    optional: bool = False


class EnvFromSource(K8sModel):
    prefix: str = ""
    config_map_ref: NameRef | None = None
    secret_ref: NameRef | None = None


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


def _probe_port(port: int | str) -> int | str:
    """A port number, or the name of a container port (an IANA service name)."""
    if isinstance(port, int) and not 1 <= port <= 65535:
        raise ValueError(f"a port number is 1 to 65535, not {port}")
    if isinstance(port, str) and not re.fullmatch(r"(?=.*[a-z])[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?",
                                                  port):
        raise ValueError(f"not a port name (at most 15 lowercase letters, digits and -): {port!r}")
    return port


class HTTPGetAction(K8sModel):
    port: IntOrString
    path: str = "/"
    host: str | None = None
    scheme: Literal["HTTP", "HTTPS"] = "HTTP"
    http_headers: list[dict[str, Any]] = Field(default_factory=list)

    _port = field_validator("port")(_probe_port)


class TCPSocketAction(K8sModel):
    port: IntOrString
    host: str | None = None

    _port = field_validator("port")(_probe_port)


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

    @field_validator("metadata")
    @classmethod
    def _string_maps(cls, metadata: dict[str, Any]) -> dict[str, Any]:
        # read as the API server reads them (a label value " " set where the map was crashed
        # the Service selector match)
        for key in ("labels", "annotations"):
            value = metadata.get(key)
            if value is not None and not (isinstance(value, dict) and all(
                    isinstance(k, str) and isinstance(v, str) for k, v in value.items())):
                raise ValueError(f"{key} must map names to string values")
        return metadata

    @property
    def labels(self) -> dict[str, str]:
        labels = self.metadata.get("labels") or {}
        return {str(k): str(v) for k, v in labels.items()}
