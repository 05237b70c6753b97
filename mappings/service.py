"""Service -> a Cloud Map service (A records) that the selected workload's ECS service
registers in, so CoreDNS names keep resolving under the private namespace.

- ClusterIP and headless (clusterIP: None) Services both become per-task A records
  (MULTIVALUE): Cloud Map answers with the addresses of healthy tasks, as headless DNS did.
- LoadBalancer Services also get their own load balancer in the load-balancer stack: an NLB
  (service.beta.kubernetes.io/aws-load-balancer-type nlb/external, or any non-HTTP port) or
  an ALB (every port HTTP), a listener per port forwarding to an IP target group.
- NodePort keeps its in-cluster part (Cloud Map) and is reported: Fargate has no nodes.
- ExternalName makes no record: env values naming the Service are rewritten to the
  external name.

The DNS rewrite of env values that name a Service is in mappings/dns.py.
"""

from __future__ import annotations

from typing import Any

from mappings import discovery, networkpolicy, security_groups
from mappings.load_balancer import Balancer, load_balancer, parse_cidrs, target_group
from mappings.pod.ports import mapping_index
from mappings.pod.probes import target_group_check
from mappings.workloads import (
    Workload,
    matches,
    reached_ports,
    registered_service,
    selected_by,
    target_port_number,
)
from translator.cfn import GetAtt
from translator.context import LOAD_BALANCER_STACK, Context, import_from, pascal
from translator.load import escape_pointer_token
from translator.models import LabelSelector, Service, ServicePort
from translator.plan import Append, Fragment, Resource, Target

KIND = "Service"
API_VERSIONS = ("v1",)
MODEL = Service

AWS_LB = "service.beta.kubernetes.io/aws-load-balancer-"
# the annotation form of spec.loadBalancerSourceRanges, which the in-tree cloud provider and
# the AWS Load Balancer Controller both read; the field wins when both are set
# https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/service/annotations/
SOURCE_RANGES = "service.beta.kubernetes.io/load-balancer-source-ranges"
# Service annotations of the in-tree cloud provider and the AWS Load Balancer Controller
# that this rule reads (after the prefix)
LB_KNOWN = {"type", "scheme", "internal", "nlb-target-type", "ssl-cert", "ssl-ports"}
NLB_TYPES = {"nlb", "external", "nlb-ip"}
HTTP_NAMES = ("http", "https", "web", "grpc-web")


# fields about the cluster's own networking, with why they mean nothing on ECS
CLUSTER_ONLY = {
    "clusterIPs": "tasks get their own VPC addresses; Cloud Map returns them",
    "ipFamilies": "tasks take the address families of their subnets",
    "ipFamilyPolicy": "tasks take the address families of their subnets",
    "internalTrafficPolicy": "Cloud Map answers with every healthy task, wherever it runs",
    "healthCheckNodePort": "no nodes on Fargate",
    "externalTrafficPolicy": "no nodes on Fargate: load balancers target task IPs directly",
    "allocateLoadBalancerNodePorts": "no nodes on Fargate: load balancers target task IPs "
                                     "directly",
}
FIELDS = (
    "/metadata/name", "/metadata/namespace", "/metadata/labels", "/spec", "/spec/selector",
    "/spec/type", "/spec/clusterIP", "/spec/ports/*", "/spec/ports/*/nodePort",
    "/spec/sessionAffinity", "/spec/publishNotReadyAddresses", "/spec/loadBalancerSourceRanges",
    *(f"/spec/{name}" for name in CLUSTER_ONLY),
    *(f"/metadata/annotations/{escape_pointer_token(AWS_LB + key)}" for key in sorted(LB_KNOWN)),
    f"/metadata/annotations/{escape_pointer_token(SOURCE_RANGES)}",
)


def registry_id(service: Service) -> str:
    return f"CloudMap{pascal(service.name)}"


def headless(service: Service) -> bool:
    return service.spec.cluster_ip == "None"


def map(obj: Service, frag: Fragment, ctx: Context) -> None:
    entry = frag.entry
    ns = ctx.namespace_of(obj)
    spec = obj.spec
    entry.ignored("/metadata/labels", "labels have no meaning once selectors are resolved")
    if spec.type == "ExternalName":
        entry.lossy("/spec", f"no Cloud Map record is made; env values naming this Service "
                    f"are rewritten to {spec.external_name!r} (for other clients, a CNAME "
                    "in a Route 53 private hosted zone keeps the old name)")
        return
    workloads = selected_by(obj, ctx)
    if not workloads:
        _selects_nothing(obj, frag, ctx)
        return
    workload = workloads[0]
    entry.mapped("/spec/selector", Target(workload.stack, "/Resources/Service"),
                 f"resolved: selects {workload.obj.kind}/{workload.obj.name}")
    if len(workloads) > 1:
        others = ", ".join(w.obj.name for w in workloads[1:])
        entry.lossy("/spec/selector", f"also selects {others}; only {workload.obj.name} registers")
    if spec.type == "NodePort":
        entry.lossy("/spec/type", "Fargate has no nodes to open a port on: the in-cluster "
                    "name is kept (Cloud Map); for access from outside use an Ingress (ALB) "
                    "or type LoadBalancer (NLB)")
    elif spec.type == "LoadBalancer":
        _load_balancer(obj, workload, frag, ctx)
    primary = registered_service(workload, ctx)
    assert primary is not None  # obj itself selects the workload
    registry = registry_id(primary)
    _ports(obj, frag, ctx, workload)
    _open_to_the_app(obj, frag, ctx, workload)
    _cluster_fields(obj, frag, ctx, Target(workload.stack, f"/Resources/{registry}"))
    if primary != obj:
        connect = " (its Service Connect clients reach it by its own name)" \
            if discovery.serves(obj, ctx) else ""
        entry.lossy("/metadata/name", f"an ECS service registers in one Cloud Map service: "
                    f"{workload.obj.name} registers as {primary.name!r}; addresses naming "
                    f"{obj.name!r} in the other tasks' values are rewritten to it{connect}")
        return
    cloud_map_name = ctx.cloud_map_name(ns, obj.name)
    frag.put(workload.stack, "Resources", registry, Resource(
        "AWS::ServiceDiscovery::Service", {
            "Name": cloud_map_name,
            "Description": f"Kubernetes Service {ns}/{obj.name}",
            "NamespaceId": import_from("ClusterStackName", "NamespaceId"),
            "DnsConfig": {
                "DnsRecords": [{"Type": "A", "TTL": 10}],
                "RoutingPolicy": "MULTIVALUE",
            },
            "HealthCheckCustomConfig": {"FailureThreshold": 1},
        }, obj.ref))
    frag.appends.append(Append(workload.stack, "Service", "ServiceRegistries",
                               {"RegistryArn": GetAtt(registry, "Arn")}, "/metadata/name"))
    entry.mapped("/metadata/name", Target(workload.stack, f"/Resources/{registry}/Properties/Name"),
                 f"{obj.name}.{ns}.svc.cluster.local -> {cloud_map_name}.{ctx.dns_domain}")
    entry.mapped("/metadata/namespace",
                 Target(workload.stack, f"/Resources/{registry}/Properties/NamespaceId"))


def _cluster_fields(obj: Service, frag: Fragment, ctx: Context, registry: Target) -> None:
    """Type, cluster IP and the other in-cluster settings, against the Cloud Map service the
    workload registers in."""
    entry = frag.entry
    spec = obj.spec
    records = Target(registry.stack, f"{registry.pointer}/Properties/DnsConfig")
    if spec.type == "ClusterIP":
        entry.mapped("/spec/type", records, "a private DNS name in Cloud Map")
    if headless(obj):
        entry.mapped("/spec/clusterIP", records, "headless: per-task A records (MULTIVALUE) "
                     "answer with the healthy tasks' addresses, as pod IPs were")
        _stateful_link(obj, frag, ctx)
    elif spec.cluster_ip is not None:
        entry.ignored("/spec/clusterIP", "tasks get their own VPC addresses; Cloud Map returns them")
    doc_spec = ctx.manifest(obj).doc.get("spec", {})
    if doc_spec.get("sessionAffinity", "None") != "None":
        entry.lossy("/spec/sessionAffinity", "Cloud Map answers have no client affinity; "
                    "behind a load balancer, enable target-group stickiness")
    elif "sessionAffinity" in doc_spec:
        entry.mapped("/spec/sessionAffinity", None, "None: no affinity, as Cloud Map answers")
    for name, why in CLUSTER_ONLY.items():
        if name in doc_spec:
            entry.ignored(f"/spec/{name}", why)
    if "publishNotReadyAddresses" in doc_spec:
        entry.lossy("/spec/publishNotReadyAddresses", "Cloud Map lists a task once ECS "
                    "reports it running and healthy", records)


def _selects_nothing(obj: Service, frag: Fragment, ctx: Context) -> None:
    """No ECS service to register: say which object the pods come from, if any."""
    entry = frag.entry
    entry.status = "partial"
    if not obj.spec.selector:
        entry.lossy("/spec", "no selector: its Endpoints were managed by hand; register "
                    "those addresses as Cloud Map instances, or use an ExternalName")
        return
    ns = ctx.namespace_of(obj)
    selector = LabelSelector(match_labels=obj.spec.selector)
    owners = sorted(f"{m.kind}/{m.name}" for m in ctx.manifests(ns)
                    if _pod_labels(m.doc) is not None and matches(selector, _pod_labels(m.doc) or {}))
    why = (f"selects {', '.join(owners)}, which this translation does not run as an ECS "
           "service" if owners else "selects no workload in the input")
    entry.lossy("/spec/selector", f"{why}: no Cloud Map name is made; env values naming it "
                "are kept")
    for i, _ in enumerate(obj.spec.ports):
        entry.lossy(f"/spec/ports/{i}", "nothing to reach on ECS")
    for key in ctx.manifest(obj).doc.get("spec", {}):
        if key not in ("selector", "ports"):
            entry.ignored(f"/spec/{key}", "nothing is made for a Service that reaches no task")


def _pod_labels(doc: dict[str, Any]) -> dict[str, str] | None:
    template = (doc.get("spec") or {}).get("template") or {}
    labels = (template.get("metadata") or {}).get("labels") if isinstance(template, dict) else None
    return {str(k): str(v) for k, v in labels.items()} if isinstance(labels, dict) else None


def _stateful_link(obj: Service, frag: Fragment, ctx: Context) -> None:
    """A StatefulSet's serviceName: its per-pod names have no ECS counterpart."""
    ns = ctx.namespace_of(obj)
    for manifest in ctx.manifests(ns):
        if manifest.kind == "StatefulSet" \
                and (manifest.doc.get("spec") or {}).get("serviceName") == obj.name:
            frag.entry.lossy("/metadata/name", f"StatefulSet/{manifest.name} names its pods "
                             f"through it ({manifest.name}-0.{obj.name}...): ECS tasks have no "
                             "stable per-task names; clients get any healthy task")


def _ports(obj: Service, frag: Fragment, ctx: Context, workload: Workload) -> None:
    connect = {p.index: p for p in discovery.serves(obj, ctx)}
    order = discovery.of_workload(workload, ctx)
    for i, port in enumerate(obj.spec.ports):
        target = port.target
        path = f"/spec/ports/{i}"
        resolved = target_port_number(obj, target, ctx)
        if resolved is None:
            frag.entry.unsupported(path, f"targetPort {target!r} names no container port")
        elif i in connect:
            served = connect[i]
            frag.entry.mapped(path, Target(workload.stack, "/Resources/Service/Properties/"
                                           "ServiceConnectConfiguration/Services/"
                                           f"{order.index(served)}"),
                              f"Service Connect alias {served.alias}:{port.port} -> "
                              f"container port {resolved} (port mapping {served.port_name}); "
                              "standalone tasks (Jobs, CronJobs) reach the Cloud Map name on "
                              f"port {resolved}")
        elif resolved == port.port:
            frag.entry.mapped(path, Target(workload.stack, _port_mapping(workload, target, ctx)),
                              f"port {port.port} stays as the container port")
        else:
            frag.entry.lossy(path, f"Cloud Map A records carry no port: clients reach "
                             f"{resolved} instead of {port.port}; addresses naming port "
                             f"{port.port} (host:{port.port}, or a URL whose scheme implies "
                             "it) in env, command, args and ConfigMap files are rewritten to "
                             f"{resolved}, as is X_PORT beside an X_HOST naming the Service")
        if port.node_port is not None:
            frag.entry.ignored(f"{path}/nodePort", "no node ports on Fargate")
        if port.protocol == "SCTP":
            frag.entry.unsupported(f"{path}/protocol", "Fargate tasks cannot serve SCTP")


def _open_to_the_app(obj: Service, frag: Fragment, ctx: Context, workload: Workload) -> None:
    """Every task of the app may reach the container ports the Service targets, as every pod
    could (unless NetworkPolicies protect the workload: then only what they admit)."""
    if networkpolicy.protects(workload, ctx):
        return
    for port in obj.spec.ports:
        target = port.target_port if port.target_port is not None else port.port
        number = target_port_number(obj, target, ctx)
        protocol = security_groups.PROTOCOLS.get(port.protocol)
        if number is not None and protocol is not None:
            security_groups.admit_app(frag, workload.stack, protocol, number, workload.obj.ref)


def _port_mapping(workload: Workload, target: int | str, ctx: Context) -> str:
    """The task definition's port mapping a Service port lands on (or its container)."""
    pod = workload.obj.spec.template.spec
    container, number = workload.container_for_port(target, 0) or (pod.containers[0], 0)
    at = ("/Resources/TaskDefinition/Properties/ContainerDefinitions/"
          f"{pod.every_container.index(container)}")
    index = mapping_index(pod, reached_ports(workload, ctx), container, number)
    return at if index is None else f"{at}/PortMappings/{index}"


# --- type LoadBalancer -----------------------------------------------------------------


def _is_http(port: ServicePort) -> bool:
    if port.app_protocol is not None:
        return port.app_protocol.lower() in ("http", "https", "kubernetes.io/h2c")
    return port.protocol == "TCP" and (port.name or "").lower().startswith(HTTP_NAMES)


def _balancer(obj: Service, ctx: Context) -> Balancer:
    spec = obj.spec
    settings = {k[len(AWS_LB):]: v for k, v in obj.metadata.annotations.items()
                if k.startswith(AWS_LB)}
    lb_type = settings.get("type", "")
    network = lb_type in NLB_TYPES or not all(_is_http(p) for p in spec.ports)
    default_scheme = "internal" if lb_type == "external" else "internet-facing"
    scheme = settings.get("scheme", default_scheme)
    if settings.get("internal", "").lower() in ("true", "0.0.0.0/0"):
        scheme = "internal"
    certificate = settings.get("ssl-cert")
    ssl_ports = {p.strip() for p in settings.get("ssl-ports", "*").split(",")}
    listeners = []
    for port in spec.ports:
        tls = certificate is not None and ("*" in ssl_ports or str(port.port) in ssl_ports
                                           or (port.name or "") in ssl_ports)
        if network:
            proto = "UDP" if port.protocol == "UDP" else ("TLS" if tls else "TCP")
        else:
            proto = "HTTPS" if tls else "HTTP"
        listeners.append((proto, port.port))
    notes: list[str] = []
    field, annotation = _source_ranges(obj, ctx)
    cidrs = parse_cidrs(",".join(str(c) for c in field) if field else annotation or "", notes)
    ns = ctx.namespace_of(obj)
    prefix = "Svc" + pascal(f"{ns}-{obj.name}" if ctx.multi_namespace else obj.name)
    return Balancer(prefix, "network" if network else "application",
                    scheme if scheme in ("internal", "internet-facing") else "internal",
                    tuple(listeners), certificate, None, cidrs, tuple(notes), obj.ref)


def _source_ranges(obj: Service, ctx: Context) -> tuple[list[Any], str | None]:
    """spec.loadBalancerSourceRanges as written, and the annotation (None when absent)."""
    field = ctx.manifest(obj).doc.get("spec", {}).get("loadBalancerSourceRanges") or []
    annotation = obj.metadata.annotations.get(SOURCE_RANGES)
    return (field if isinstance(field, list) else [field]), annotation


def _load_balancer(obj: Service, workload: Workload, frag: Fragment, ctx: Context) -> None:
    entry = frag.entry
    lb = _balancer(obj, ctx)
    stack = LOAD_BALANCER_STACK
    forward: dict[int, str] = {}
    for i, port in enumerate(obj.spec.ports):
        found = workload.container_for_port(port.target, port.port)
        if found is None or port.protocol == "SCTP":
            continue
        container, number = found
        props: dict[str, Any] = {"Protocol": "HTTP", "Matcher": {"HttpCode": "200-399"}}
        if lb.type == "network":
            props = {"Protocol": "UDP" if port.protocol == "UDP" else "TCP"}
        props |= target_group_check(container, {}, network=lb.type == "network")
        forward[port.port] = target_group(frag, ctx, workload, obj, container, number,
                                          lb, lb.prefix, props, f"/spec/ports/{i}")
        proto = dict((p, q) for q, p in lb.listeners)[port.port]
        entry.mapped(f"/spec/ports/{i}", Target(workload.stack, "/Resources/" + lb.listener_id(
            proto, port.port)), f"{proto} listener {port.port} -> {workload.obj.name} "
            f"container {container.name}:{number}")
    load_balancer(frag, ctx, lb, forward, workload.stack)
    kind = "Network" if lb.type == "network" else "Application"
    entry.mapped("/spec/type", Target(stack, f"/Resources/{lb.id('LoadBalancer')}"),
                 f"{kind} Load Balancer ({lb.scheme}), IP targets")
    doc_spec = ctx.manifest(obj).doc.get("spec", {})
    field, annotation = _source_ranges(obj, ctx)
    annotated = f"/metadata/annotations/{escape_pointer_token(SOURCE_RANGES)}"
    rules = Target(stack, f"/Resources/{lb.id('LoadBalancerSecurityGroup')}/Properties/"
                   "SecurityGroupIngress")
    used = "/spec/loadBalancerSourceRanges" if field or annotation is None else annotated
    for note in lb.notes:
        entry.lossy(used, note)
    if "loadBalancerSourceRanges" in doc_spec:
        entry.mapped("/spec/loadBalancerSourceRanges", rules)
    if annotation is not None and field:
        entry.ignored(annotated, "spec.loadBalancerSourceRanges is set, and wins over it as "
                      "on EKS")
    elif annotation is not None:
        entry.mapped(annotated, rules, "as spec.loadBalancerSourceRanges would")
    if "loadBalancerIP" in doc_spec:
        entry.lossy("/spec/loadBalancerIP", "give the NLB SubnetMappings with Elastic IPs to "
                    "keep a fixed address", Target(stack, f"/Resources/{lb.id('LoadBalancer')}"))
    if "loadBalancerClass" in doc_spec:
        entry.mapped("/spec/loadBalancerClass", Target(
            stack, f"/Resources/{lb.id('LoadBalancer')}"), "an AWS load balancer either way")
    for key, value in sorted(obj.metadata.annotations.items()):
        if not key.startswith(AWS_LB):
            continue
        pointer = f"/metadata/annotations/{escape_pointer_token(key)}"
        short = key[len(AWS_LB):]
        if short == "nlb-target-type" and value != "ip":
            entry.lossy(pointer, "Fargate tasks are registered by IP; target type ip is used")
        elif short in LB_KNOWN:
            entry.mapped(pointer, Target(stack, f"/Resources/{lb.id('LoadBalancer')}"))
        else:
            entry.unsupported(pointer, "this load-balancer annotation is not mapped yet")
