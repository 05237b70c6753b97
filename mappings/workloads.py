"""Which workload a Service, HPA or Ingress points at; shared by those rules.

A workload here is anything an ECS service runs (Deployment, StatefulSet). `pod_owners` also
lists the run-once kinds (Job, CronJob), which read ConfigMaps and Secrets but take no traffic.
"""

from __future__ import annotations

from dataclasses import dataclass

from mappings.alb_annotations import controller_annotations
from mappings.pod.ports import Reached
from translator.context import Context, workload_stack
from translator.models import (
    Container,
    CronJob,
    Deployment,
    HorizontalPodAutoscaler,
    Ingress,
    Job,
    KubeObject,
    LabelSelector,
    Namespace,
    PodSpec,
    Service,
    StatefulSet,
)
from translator.models.base import matches as matches  # the rules' import of it

SERVICE_KINDS: tuple[type[Deployment] | type[StatefulSet], ...] = (Deployment, StatefulSet)


@dataclass(frozen=True)
class Workload:
    obj: Deployment | StatefulSet
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


def namespaces_matching(selector: LabelSelector, ctx: Context) -> list[str]:
    """Namespaces of the input whose labels (plus kubernetes.io/metadata.name) match."""
    labels = {ns: {"kubernetes.io/metadata.name": ns} for ns in ctx.namespaces}
    for obj in ctx.all(Namespace):
        labels.setdefault(obj.name, {"kubernetes.io/metadata.name": obj.name}).update(
            obj.metadata.labels)
    return sorted(ns for ns, found in labels.items() if matches(selector, found))


def all_workloads(ctx: Context) -> list[Workload]:
    return [Workload(w, ctx.namespace_of(w)) for kind in SERVICE_KINDS for w in ctx.all(kind)]


def pod_spec_of(obj: KubeObject) -> PodSpec | None:
    """The pod spec of any kind that runs pods, or None."""
    if isinstance(obj, Deployment | StatefulSet | Job):
        return obj.spec.template.spec
    if isinstance(obj, CronJob):
        return obj.spec.job_template.spec.template.spec
    return None


def pod_labels(obj: KubeObject) -> dict[str, str]:
    """The labels of the pods an object runs (what selectors and NetworkPolicies match)."""
    if isinstance(obj, Deployment | StatefulSet | Job):
        return obj.spec.template.labels
    if isinstance(obj, CronJob):
        return obj.spec.job_template.spec.template.labels
    return {}


def pod_owners(ctx: Context) -> list[tuple[KubeObject, PodSpec]]:
    """Every object that runs pods on ECS, with its pod spec, in input order."""
    out = []
    for source in ctx.sources:
        pod = pod_spec_of(source.model)
        if pod is not None:
            out.append((source.model, pod))
    return out


def selected_by(service: Service, ctx: Context) -> list[Workload]:
    """Workloads whose pod labels match the Service's selector, sorted by name."""
    return list(_selections(ctx)[(ctx.namespace_of(service), service.name)])


def _selections(ctx: Context) -> dict[tuple[str, str], list[Workload]]:
    """(namespace, Service name) -> the workloads it selects, computed once per run through an
    index of pod labels, so matching stays linear in the number of objects."""

    def compute() -> dict[tuple[str, str], list[Workload]]:
        workloads = all_workloads(ctx)
        index: dict[tuple[str, str, str], set[int]] = {}  # (namespace, label, value) -> workloads
        for i, workload in enumerate(workloads):
            for label, value in workload.obj.spec.template.labels.items():
                index.setdefault((workload.namespace, label, value), set()).add(i)
        selections: dict[tuple[str, str], list[Workload]] = {}
        for service in ctx.all(Service):
            namespace = ctx.namespace_of(service)
            selector = service.spec.selector
            hits = set.intersection(*(index.get((namespace, k, v), set()) for k, v in selector.items())) \
                if selector else set()
            selections[(namespace, service.name)] = sorted((workloads[i] for i in hits),
                                                          key=lambda w: w.obj.name)
        return selections

    selections: dict[tuple[str, str], list[Workload]] = ctx.memo("selections", compute)
    return selections


def autoscaler(obj: Deployment | StatefulSet, ctx: Context) -> HorizontalPodAutoscaler | None:
    """The HPA that scales the workload (the first by name, as the HPA rule sees them)."""
    ns = ctx.namespace_of(obj)
    return next((h for h in sorted(ctx.all(HorizontalPodAutoscaler), key=lambda h: h.name)
                 if ctx.namespace_of(h) == ns and h.spec.scale_target_ref.kind == obj.kind
                 and h.spec.scale_target_ref.name == obj.name), None)


def smallest_count(obj: Deployment | StatefulSet, ctx: Context) -> int:
    """The fewest tasks the ECS service can run: the autoscaling minimum, else the replicas."""
    hpa = autoscaler(obj, ctx)
    return max(hpa.spec.min_replicas, 0) if hpa is not None else obj.spec.replicas


def by_name(kind: str, namespace: str, name: str, ctx: Context) -> Workload | None:
    for model in SERVICE_KINDS:
        if model.__name__ == kind:
            obj = ctx.find(model, namespace, name)
            return Workload(obj, namespace) if obj else None
    return None


def registered_service(workload: Workload, ctx: Context) -> Service | None:
    """The one Service whose Cloud Map name the workload registers under (ECS allows one)."""

    def compute() -> dict[tuple[str, str], Service]:
        registered: dict[tuple[str, str], Service] = {}
        for service in sorted(ctx.all(Service), key=lambda s: s.name, reverse=True):
            if service.spec.type != "ExternalName":
                for selected in selected_by(service, ctx):
                    registered[(selected.namespace, selected.obj.name)] = service  # lowest name wins
        return registered

    registered: dict[tuple[str, str], Service] = ctx.memo("registered", compute)
    return registered.get((workload.namespace, workload.obj.name))


def reached_ports(workload: Workload, ctx: Context) -> tuple[Reached, ...]:
    """The numeric ports the Services selecting a workload send to, by Service name."""
    found = []
    for service in sorted(ctx.all(Service), key=lambda s: s.name):
        if service.spec.type != "ExternalName" and workload in selected_by(service, ctx):
            found += [Reached(p.target, p.protocol, f"Service {service.name} port {p.port}")
                      for p in service.spec.ports if isinstance(p.target, int)]
    return tuple(found)


def balanced_containers(workload: Workload, ctx: Context) -> dict[str, str]:
    """The containers a load balancer sends to (the target ports of the LoadBalancer Services
    and of the Services an Ingress routes to, among those that select the workload), each with
    the protocol version its target group speaks: an Ingress's backend-protocol-version
    annotation (GRPC, HTTP2), else HTTP1."""
    routed: dict[str, str] = {}
    for ing in ctx.all(Ingress):
        if ctx.namespace_of(ing) == workload.namespace:
            paths = [p for r in ing.spec.rules for p in (r.http.paths if r.http else [])]
            backends = [p.backend for p in paths] + [ing.spec.default_backend]
            version = controller_annotations(ing).get("backend-protocol-version", "").upper()
            for b in backends:
                if b is not None and b.service:
                    routed.setdefault(b.service.name, version if version in ("GRPC", "HTTP2")
                                      else "HTTP1")
    found: dict[str, str] = {}
    for service in ctx.all(Service):
        if (service.spec.type == "LoadBalancer" or service.name in routed) \
                and workload in selected_by(service, ctx):
            for port in service.spec.ports:
                target = workload.container_for_port(port.target, port.port)
                if target is not None:
                    found.setdefault(target[0].name, routed.get(service.name, "HTTP1"))
    return found


def target_port_number(obj: Service, target: int | str, ctx: Context) -> int | None:
    """The container port a Service targetPort (number or name) reaches, None when a name
    matches no container port of the workload it selects."""
    workloads = selected_by(obj, ctx)
    if not workloads:
        return target if isinstance(target, int) else None
    found = workloads[0].container_for_port(target, target if isinstance(target, int) else 0)
    return found[1] if found else None
