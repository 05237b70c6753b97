"""Ingress (AWS Load Balancer Controller annotations) -> the load-balancer stack: one ALB
shared by every Ingress (as an IngressGroup would), its listeners, an IP target group per
backend Service port, and listener rules from host/path rules with stable priorities.

The workload's ECS service registers its container in the target group; the readiness probe
becomes the target group's health check.
"""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass
from typing import Any

from mappings.workloads import Workload, selected_by
from translator.cfn import GetAtt, Ref
from translator.context import LOAD_BALANCER_STACK, Context, export_name, import_from, pascal
from translator.load import escape_pointer_token
from translator.models import Ingress, IngressBackend, Service
from translator.plan import (
    Append,
    Fragment,
    Output,
    Parameter,
    Resource,
    SetProperty,
    StackInfo,
    Target,
)

KIND = "Ingress"
API_VERSIONS = ("networking.k8s.io/v1",)
MODEL = Ingress

PREFIX = "alb.ingress.kubernetes.io/"
# annotations this rule reads; the rest are reported
KNOWN = {"scheme", "listen-ports", "certificate-arn", "ssl-redirect", "healthcheck-path",
         "target-type", "inbound-cidrs", "success-codes", "backend-protocol", "group.name"}
TG_LIMITS = {"interval": (5, 300), "timeout": (2, 120), "threshold": (2, 10)}
CLASS_ANNOTATION = "kubernetes.io/ingress.class"
FIELDS = (
    "/metadata/annotations", f"/metadata/annotations/{escape_pointer_token(CLASS_ANNOTATION)}",
    *(f"/metadata/annotations/{escape_pointer_token(PREFIX + key)}" for key in sorted(KNOWN)),
    "/spec/ingressClassName", "/spec/tls", "/spec/defaultBackend", "/spec/rules/*/host",
    "/spec/rules/*/http/paths/*/path", "/spec/rules/*/http/paths/*/pathType",
    "/spec/rules/*/http/paths/*/backend",
)


@dataclass(frozen=True)
class AlbSettings:
    scheme: str
    listeners: tuple[tuple[str, int], ...]
    certificate: str | None
    ssl_redirect: int | None
    cidrs: tuple[str, ...]
    notes: tuple[str, ...]


def _annotations(ing: Ingress) -> dict[str, str]:
    return {k[len(PREFIX):]: v for k, v in ing.metadata.annotations.items() if k.startswith(PREFIX)}


def settings(ctx: Context) -> AlbSettings:
    """One ALB for all Ingresses; the first Ingress (by namespace/name) that sets a value wins."""
    def compute() -> AlbSettings:
        ingresses = sorted(ctx.all(Ingress), key=lambda i: (ctx.namespace_of(i), i.name))
        merged: dict[str, str] = {}
        for ing in ingresses:
            for key, value in _annotations(ing).items():
                merged.setdefault(key, value)
        notes = []
        listeners: list[tuple[str, int]] = []
        raw = merged.get("listen-ports")
        if raw:
            try:
                for item in json.loads(raw):
                    for proto, port in item.items():
                        if proto in ("HTTP", "HTTPS") and isinstance(port, int):
                            listeners.append((proto, port))
            except (json.JSONDecodeError, AttributeError, TypeError):
                notes.append(f"listen-ports {raw!r} is not valid JSON; HTTP 80 used")
        certificate = merged.get("certificate-arn")
        if not listeners:
            listeners = [("HTTP", 80)] + ([("HTTPS", 443)] if certificate else [])
        redirect = merged.get("ssl-redirect")
        scheme = merged.get("scheme", "internal")
        cidrs: list[str] = []
        for cidr in (merged.get("inbound-cidrs") or "").split(","):
            cidr = cidr.strip()
            if not cidr:
                continue
            try:
                cidrs.append(str(ipaddress.ip_network(cidr, strict=False)))
            except ValueError:
                notes.append(f"inbound-cidr {cidr!r} is not a CIDR; parameter InboundCidr used")
        return AlbSettings(scheme if scheme in ("internal", "internet-facing") else "internal",
                           tuple(sorted(set(listeners))), certificate,
                           int(redirect) if redirect and redirect.isdigit() else None,
                           tuple(cidrs), tuple(notes))
    alb: AlbSettings = ctx.memo("alb", compute)
    return alb


def priorities(ctx: Context) -> dict[tuple[str, str, int, int], int]:
    """Listener-rule priority per (namespace, ingress, rule, path): most specific first, as
    Kubernetes matches (exact before prefix, longer before shorter), then by name."""
    def compute() -> dict[tuple[str, str, int, int], int]:
        keyed = []
        for ing in ctx.all(Ingress):
            ns = ctx.namespace_of(ing)
            for i, rule in enumerate(ing.spec.rules):
                for j, path in enumerate(rule.http.paths if rule.http else []):
                    keyed.append(((0 if rule.host else 1, 0 if path.path_type == "Exact" else 1,
                                   -len(path.path), rule.host or "", path.path, ns, ing.name, i, j),
                                  (ns, ing.name, i, j)))
        return {key: 10 * (rank + 1) for rank, (_, key) in enumerate(sorted(keyed))}
    result: dict[tuple[str, str, int, int], int] = ctx.memo("alb-priorities", compute)
    return result


def _patterns(path: str, path_type: str) -> list[str]:
    if path_type == "Exact":
        return [path]
    base = path.rstrip("/")
    return ["/*"] if not base else [base, f"{base}/*"]


def map(obj: Ingress, frag: Fragment, ctx: Context) -> None:
    entry = frag.entry
    ns = ctx.namespace_of(obj)
    alb = settings(ctx)
    stack = LOAD_BALANCER_STACK
    _load_balancer(frag, ctx, alb)
    annotations = _annotations(obj)
    for key in sorted(annotations):
        pointer = f"/metadata/annotations/{escape_pointer_token(PREFIX + key)}"
        if key in KNOWN:
            entry.mapped(pointer, Target(stack, "/Resources/LoadBalancer"))
        else:
            entry.unsupported(pointer, "this annotation is not mapped yet")
    if annotations.get("target-type") == "instance":
        entry.lossy(f"/metadata/annotations/{escape_pointer_token(PREFIX + 'target-type')}",
                    "Fargate tasks are registered by IP; target-type ip is used")
    for note in alb.notes:
        entry.lossy("/metadata/annotations", note)
    cls = obj.spec.ingress_class_name or obj.metadata.annotations.get(CLASS_ANNOTATION)
    cls_path = ("/spec/ingressClassName" if obj.spec.ingress_class_name
                else f"/metadata/annotations/{escape_pointer_token(CLASS_ANNOTATION)}")
    if cls not in (None, "alb"):
        entry.lossy(cls_path, f"class {cls!r} becomes an ALB; its controller's "
                    "own annotations are not mapped")
    elif cls is not None:
        entry.mapped(cls_path, Target(stack, "/Resources/LoadBalancer"))
    if obj.spec.tls:
        entry.lossy("/spec/tls", "Kubernetes TLS secrets are not moved: give an ACM certificate "
                    "(alb.ingress.kubernetes.io/certificate-arn or parameter CertificateArn)")
    listeners = _forwarding_listeners(alb)
    if obj.spec.default_backend is not None:
        tg = _target_group(obj.spec.default_backend, obj, ctx, frag, "/spec/defaultBackend")
        if tg:
            for listener in listeners:
                frag.sets.append(SetProperty(stack, listener, "DefaultActions",
                                             [{"Type": "forward", "TargetGroupArn": Ref(tg)}]))
    prio = priorities(ctx)
    for i, rule in enumerate(obj.spec.rules):
        for j, path in enumerate(rule.http.paths if rule.http else []):
            pointer = f"/spec/rules/{i}/http/paths/{j}"
            tg = _target_group(path.backend, obj, ctx, frag, f"{pointer}/backend")
            if tg is None:
                continue
            conditions: list[dict[str, Any]] = []
            if rule.host:
                conditions.append({"Field": "host-header", "HostHeaderConfig": {"Values": [rule.host]}})
            patterns = _patterns(path.path, path.path_type)
            conditions.append({"Field": "path-pattern", "PathPatternConfig": {"Values": patterns}})
            priority = prio[(ns, obj.name, i, j)]
            for listener in listeners:
                logical = f"Rule{pascal(obj.name)}{listener[len('Listener'):]}P{priority}"
                frag.put(stack, "Resources", logical, Resource(
                    "AWS::ElasticLoadBalancingV2::ListenerRule", {
                        "ListenerArn": Ref(listener),
                        "Priority": priority,
                        "Conditions": conditions,
                        "Actions": [{"Type": "forward", "TargetGroupArn": Ref(tg)}],
                    }, obj.ref))
                conditions_to = Target(stack, f"/Resources/{logical}/Properties/Conditions")
                entry.mapped(f"{pointer}/path", conditions_to)
                entry.mapped(f"{pointer}/pathType", conditions_to,
                             f"path-pattern {', '.join(patterns)}")
                if rule.host:
                    entry.mapped(f"/spec/rules/{i}/host", Target(stack, f"/Resources/{logical}/"
                                 "Properties/Conditions/0"), "host-header condition")
            if path.path_type == "ImplementationSpecific" and any(c in path.path for c in "()[]+^$|"):
                entry.lossy(f"{pointer}/path", "looks like a regular expression; ALB path "
                            "patterns know only * and ?")
        if rule.host and not (rule.http and rule.http.paths):
            entry.unsupported(f"/spec/rules/{i}/host", "a host without paths routes nothing")


def _listener_id(proto: str, port: int) -> str:
    return f"Listener{proto.capitalize()}{port}"


def _forwarding_listeners(alb: AlbSettings) -> list[str]:
    """Listeners that route by the Ingress rules: all of them, except HTTP ones that
    redirect to HTTPS (ssl-redirect), as the AWS Load Balancer Controller does."""
    return [_listener_id(proto, port) for proto, port in alb.listeners
            if not (proto == "HTTP" and alb.ssl_redirect is not None)]


def _load_balancer(frag: Fragment, ctx: Context, alb: AlbSettings) -> None:
    stack = LOAD_BALANCER_STACK
    origin = "every Ingress (one shared ALB)"
    frag.stacks.append(StackInfo(stack, "load-balancer", 2,
                                 f"{ctx.app}: Application Load Balancer for the Ingresses (eks2ecs)"))
    put = frag.put
    put(stack, "Parameters", "VpcId", Parameter("AWS::EC2::VPC::Id", "VPC of the load balancer"))
    put(stack, "Parameters", "LoadBalancerSubnetIds", Parameter(
        "List<AWS::EC2::Subnet::Id>",
        "Subnets of the load balancer (public ones for internet-facing)"))
    cidrs: list[Any] = list(alb.cidrs)
    if not cidrs:
        put(stack, "Parameters", "InboundCidr", Parameter(
            "String", "Who may reach the load balancer",
            default="0.0.0.0/0" if alb.scheme == "internet-facing" else "10.0.0.0/8",
            allowed_pattern=r"^\d{1,3}(\.\d{1,3}){3}/\d{1,2}$"))
        cidrs = [Ref("InboundCidr")]
    ingress_rules = [{"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "CidrIp": cidr,
                      "Description": f"{proto} listener"}
                     for proto, port in alb.listeners for cidr in cidrs]
    put(stack, "Resources", "LoadBalancerSecurityGroup", Resource("AWS::EC2::SecurityGroup", {
        "GroupDescription": f"{ctx.app} load balancer",
        "VpcId": Ref("VpcId"),
        "SecurityGroupIngress": ingress_rules,
    }, origin))
    put(stack, "Resources", "LoadBalancer", Resource(
        "AWS::ElasticLoadBalancingV2::LoadBalancer", {
            "Type": "application",
            "Scheme": alb.scheme,
            "Subnets": Ref("LoadBalancerSubnetIds"),
            "SecurityGroups": [Ref("LoadBalancerSecurityGroup")],
            "LoadBalancerAttributes": [
                {"Key": "routing.http.drop_invalid_header_fields.enabled", "Value": "true"}],
        }, origin))
    for proto, port in alb.listeners:
        listener: dict[str, Any] = {
            "LoadBalancerArn": Ref("LoadBalancer"),
            "Port": port,
            "Protocol": proto,
            "DefaultActions": [{"Type": "fixed-response", "FixedResponseConfig": {
                "StatusCode": "404", "ContentType": "text/plain", "MessageBody": "not found"}}],
        }
        if proto == "HTTPS":
            put(stack, "Parameters", "CertificateArn", Parameter(
                "String", "ACM certificate of the HTTPS listener", default=alb.certificate,
                example="arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"))
            listener["Certificates"] = [{"CertificateArn": Ref("CertificateArn")}]
            listener["SslPolicy"] = "ELBSecurityPolicy-TLS13-1-2-2021-06"
        elif alb.ssl_redirect is not None:
            listener["DefaultActions"] = [{"Type": "redirect", "RedirectConfig": {
                "Protocol": "HTTPS", "Port": str(alb.ssl_redirect), "StatusCode": "HTTP_301"}}]
        put(stack, "Resources", _listener_id(proto, port), Resource(
            "AWS::ElasticLoadBalancingV2::Listener", listener, origin))
    put(stack, "Outputs", "LoadBalancerDnsName", Output(
        GetAtt("LoadBalancer", "DNSName"), "Point DNS records of the Ingress hosts here",
        export_name("LoadBalancerDnsName")))
    put(stack, "Outputs", "LoadBalancerSecurityGroupId", Output(
        GetAtt("LoadBalancerSecurityGroup", "GroupId"),
        "Allow this group into the tasks' security groups on their container ports",
        export_name("LoadBalancerSecurityGroupId")))


def _target_group(backend: IngressBackend, ing: Ingress, ctx: Context, frag: Fragment,
                  pointer: str) -> str | None:
    entry = frag.entry
    ns = ctx.namespace_of(ing)
    if backend.service is None:
        entry.unsupported(pointer, "resource backends have no ALB equivalent")
        return None
    svc = ctx.find(Service, ns, backend.service.name)
    if svc is None:
        entry.unsupported(pointer, f"Service {backend.service.name} is not in the input")
        return None
    wanted = backend.service.port.get("number", backend.service.port.get("name"))
    port = next((p for p in svc.spec.ports if p.port == wanted or p.name == wanted), None)
    workloads = selected_by(svc, ctx)
    if port is None or not workloads:
        entry.unsupported(pointer, f"Service {svc.name} port {wanted!r} reaches no Deployment "
                          "in the input")
        return None
    workload = workloads[0]
    target = port.target_port if port.target_port is not None else port.port
    found = workload.container_for_port(target, port.port)
    if found is None:
        entry.unsupported(pointer, f"targetPort {target!r} is not a container port")
        return None
    container, number = found
    logical = f"TargetGroup{pascal(f'{ns}-{svc.name}' if ctx.multi_namespace else svc.name)}{number}"
    frag.put(LOAD_BALANCER_STACK, "Resources", logical, Resource(
        "AWS::ElasticLoadBalancingV2::TargetGroup",
        _target_group_props(workload, container.name, number, ing, ctx), f"Service/{svc.name}"))
    output = f"{logical}Arn"
    frag.put(LOAD_BALANCER_STACK, "Outputs", output, Output(
        Ref(logical), f"Target group of Service {ns}/{svc.name} port {number}", export_name(output)))
    frag.put(workload.stack, "Parameters", "LoadBalancerStackName", Parameter(
        "String", "Name of the stack that holds the load balancer",
        default=f"{ctx.app}-load-balancer"))
    frag.appends.append(Append(workload.stack, "Service", "LoadBalancers", {
        "ContainerName": container.name, "ContainerPort": number,
        "TargetGroupArn": import_from("LoadBalancerStackName", output)}))
    readiness = container.readiness_probe
    grace = max(60, readiness.initial_delay_seconds * 2) if readiness else 60
    frag.sets.append(SetProperty(workload.stack, "Service", "HealthCheckGracePeriodSeconds", grace))
    entry.mapped(pointer, Target(LOAD_BALANCER_STACK, f"/Resources/{logical}"),
                 f"{svc.name}:{port.port} -> {workload.obj.name} container {container.name}:{number}")
    return logical


def _clip(value: int, limits: tuple[int, int]) -> int:
    return min(max(value, limits[0]), limits[1])


def _target_group_props(workload: Workload, container: str, port: int, ing: Ingress,
                        ctx: Context) -> dict[str, Any]:
    settings_ = _annotations(ing)
    readiness = next((c.readiness_probe for c in workload.obj.spec.template.spec.containers
                      if c.name == container), None)
    path = settings_.get("healthcheck-path")
    if path is None and readiness is not None and readiness.http_get is not None:
        path = readiness.http_get.path
    interval = _clip(readiness.period_seconds if readiness else 15, TG_LIMITS["interval"])
    timeout = _clip(readiness.timeout_seconds if readiness else 5, TG_LIMITS["timeout"])
    timeout = min(timeout, interval - 1)  # CloudFormation rejects timeout >= interval
    unhealthy = _clip(readiness.failure_threshold if readiness else 3, TG_LIMITS["threshold"])
    healthy = _clip(readiness.success_threshold if readiness else 2, TG_LIMITS["threshold"])
    protocol = settings_.get("backend-protocol", "HTTP")
    return {
        "TargetType": "ip",
        "Protocol": protocol if protocol in ("HTTP", "HTTPS") else "HTTP",
        "Port": port,
        "VpcId": Ref("VpcId"),
        "HealthCheckPath": path or "/",
        "HealthCheckIntervalSeconds": interval,
        "HealthCheckTimeoutSeconds": timeout,
        "HealthyThresholdCount": healthy,
        "UnhealthyThresholdCount": unhealthy,
        "Matcher": {"HttpCode": settings_.get("success-codes", "200-399")},
        "TargetGroupAttributes": [{"Key": "deregistration_delay.timeout_seconds", "Value": "30"}],
    }
