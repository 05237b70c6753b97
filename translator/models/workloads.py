"""The kinds that run pods (Deployment, StatefulSet, Job, CronJob, DaemonSet) and the ones
that act on them (HorizontalPodAutoscaler, PodDisruptionBudget)."""

from __future__ import annotations

import zoneinfo
from functools import cache
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from translator.models.base import IntOrString, K8sModel, KubeObject, LabelSelector, Quantity
from translator.models.pod import PodTemplateSpec
from translator.models.storage import ClaimTemplate


class RollingUpdate(K8sModel):
    max_surge: IntOrString | None = None
    max_unavailable: IntOrString | None = None


class DeploymentStrategy(K8sModel):
    type: Literal["RollingUpdate", "Recreate"] = "RollingUpdate"
    rolling_update: RollingUpdate | None = None


# replica counts are int32 in the API (https://kubernetes.io/docs/reference/kubernetes-api/)
INT32 = 2**31 - 1


class DeploymentSpec(K8sModel):
    replicas: int = Field(default=1, ge=0, le=INT32)
    selector: LabelSelector | None = None
    template: PodTemplateSpec
    strategy: DeploymentStrategy = Field(default_factory=DeploymentStrategy)


class Deployment(KubeObject):
    spec: DeploymentSpec


class StatefulSetSpec(K8sModel):
    replicas: int = Field(default=1, ge=0, le=INT32)
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

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, zone: str | None) -> str | None:
        # the API server loads the zone from the tz database; an unknown or empty one is refused
        if zone is not None and zone not in _zones():
            raise ValueError(f"not a time zone of the tz database: {zone!r} (e.g. Etc/UTC, "
                             "Europe/Berlin)")
        return zone
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
    min_replicas: int = Field(default=1, ge=0, le=INT32)
    max_replicas: int = Field(ge=1, le=INT32)
    metrics: list[MetricSpec] = Field(default_factory=list)
    behavior: HPABehavior | None = None
    target_cpu_utilization_percentage: int | None = Field(
        default=None, ge=1, alias="targetCPUUtilizationPercentage"
    )


    @model_validator(mode="after")
    def _range(self) -> HPASpec:
        if self.min_replicas > self.max_replicas:  # as the API server refuses it
            raise ValueError(f"minReplicas ({self.min_replicas}) is above maxReplicas "
                             f"({self.max_replicas})")
        return self


class HorizontalPodAutoscaler(KubeObject):
    spec: HPASpec


class PDBSpec(K8sModel):
    selector: LabelSelector | None = None
    min_available: IntOrString | None = None
    max_unavailable: IntOrString | None = None
    unhealthy_pod_eviction_policy: str | None = None


class PodDisruptionBudget(KubeObject):
    spec: PDBSpec = Field(default_factory=PDBSpec)


@cache
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())
