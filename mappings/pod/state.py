"""What the parts of one pod's mapping share: the pod, where its fields and its task
definition live, and the secrets its containers read (for the execution role)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mappings.pod.ports import Reached
from mappings.secretsource import SecretValue
from translator.context import Context
from translator.models import ClaimTemplate, PodSpec
from translator.plan import Entry, Fragment, Target

TASK = "/Resources/TaskDefinition/Properties"


@dataclass
class PodState:
    pod: PodSpec
    base: str  # JSON Pointer of the pod spec in its object
    namespace: str
    stack: str
    frag: Fragment
    ctx: Context
    claims: tuple[ClaimTemplate, ...] = ()  # a StatefulSet's volumeClaimTemplates
    reached: tuple[Reached, ...] = ()  # ports Services send to (see mappings.pod.ports)
    # containers a load balancer's target group checks -> its protocol version (HTTP1, GRPC)
    balanced: dict[str, str] = field(default_factory=dict)
    health_check: str = "auto"  # the eks2ecs.io/health-check annotation (see pod.probes)
    # a Service Connect client: (container, port) -> the port mapping Name a Service Connect
    # service refers to; None when the task runs no proxy (mappings.discovery)
    sc_names: dict[tuple[str, int], str] | None = None
    secret_reads: dict[Any, list[Any]] = field(default_factory=dict)  # IAM action -> resources

    @property
    def entry(self) -> Entry:
        return self.frag.entry

    def to(self, pointer: str) -> Target:
        """A place in the task definition."""
        return Target(self.stack, f"{TASK}{pointer}")

    def read_secret(self, value: SecretValue) -> None:
        """Let the execution role read a secret, with the parameters its ARN needs."""
        self.read(value.iam_action, value.iam_resource)
        for name, parameter in value.parameters:
            self.frag.put(self.stack, "Parameters", name, parameter)
        for name, condition in value.conditions:
            self.frag.put(self.stack, "Conditions", name, condition)

    def read(self, action: Any, resource: Any) -> None:
        reads = self.secret_reads.setdefault(action, [])
        if resource not in reads:
            reads.append(resource)


def given(model: Any, camel_name: str) -> bool:
    """Whether the manifest gave this field (by its Kubernetes name)."""
    fields = type(model).model_fields
    return any((fields[name].alias if name in fields else name) == camel_name
               for name in model.model_fields_set)
