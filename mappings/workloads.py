"""Which workload a Service, HPA or Ingress points at; shared by those rules."""

from __future__ import annotations

from dataclasses import dataclass

from translator.context import Context, workload_stack
from translator.models import Container, Deployment, LabelSelector, Service


@dataclass(frozen=True)
class Workload:
    obj: Deployment
    namespace: str

    @property
    def stack(self) -> str:
        return workload_stack(self.namespace, self.obj.name)

    def container_for_port(self, target: int | str | None, fallback: int) -> tuple[Container, int] | None:
        """The container and port number a Service targetPort (number or name) lands on."""
        containers = self.obj.spec.template.spec.containers
        for container in containers:
            for port in container.ports:
                if (isinstance(target, str) and port.name == target) or (
                    target is None and port.container_port == fallback
                ) or (isinstance(target, int) and port.container_port == target):
                    return container, port.container_port
        if isinstance(target, int) or target is None:
            # Kubernetes does not require ports to be declared; assume the first container.
            return containers[0], target if isinstance(target, int) else fallback
        return None


def matches(selector: LabelSelector, labels: dict[str, str]) -> bool:
    """Whether pod labels satisfy a label selector (matchLabels and matchExpressions)."""
    if any(labels.get(k) != v for k, v in selector.match_labels.items()):
        return False
    for expression in selector.match_expressions:
        key, operator = str(expression.get("key")), expression.get("operator")
        values = expression.get("values") or []
        present = key in labels
        if (operator == "In" and labels.get(key) not in values) \
                or (operator == "NotIn" and present and labels.get(key) in values) \
                or (operator == "Exists" and not present) \
                or (operator == "DoesNotExist" and present):
            return False
    return True


def all_workloads(ctx: Context) -> list[Workload]:
    return [Workload(d, ctx.namespace_of(d)) for d in ctx.all(Deployment)]


def selected_by(service: Service, ctx: Context) -> list[Workload]:
    """Workloads whose pod labels match the Service's selector, sorted by name."""
    selector = service.spec.selector
    if not selector:
        return []
    namespace = ctx.namespace_of(service)
    found = [
        w for w in all_workloads(ctx)
        if w.namespace == namespace
        and all(w.obj.spec.template.labels.get(k) == v for k, v in selector.items())
    ]
    return sorted(found, key=lambda w: w.obj.name)


def by_name(kind: str, namespace: str, name: str, ctx: Context) -> Workload | None:
    if kind != "Deployment":
        return None
    obj = ctx.find(Deployment, namespace, name)
    return Workload(obj, namespace) if obj else None


def registered_service(workload: Workload, ctx: Context) -> Service | None:
    """The one Service whose Cloud Map name the workload registers under (ECS allows one)."""
    services = [s for s in ctx.all(Service) if workload in selected_by(s, ctx)
                and s.spec.type != "ExternalName"]
    return min(services, key=lambda s: s.name) if services else None
