"""Ingress (AWS Load Balancer Controller annotations) -> a load-balancer stack: its ALB
(mappings/ingress_albs.py says which Ingresses share one), its listeners, an IP target group
per backend Service port, and listener rules from host/path rules with stable priorities.
Other ingress classes (nginx, istio, ...) become the same ALB rules, and what their controller
did beyond routing is reported.

The workload's ECS service registers its container in the target group; the readiness probe
(or the healthcheck-* annotations) becomes the target group's health check.

The load balancer and target groups are built by mappings/load_balancer.py (LoadBalancer
Services use it too); the controller's action and condition annotations are read by
mappings/alb_annotations.py.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from mappings.alb_annotations import PREFIX, annotation_action, annotation_conditions, controller_annotations
from mappings.ingress_albs import BALANCER, alb_of, balancer, group_of, ingress_class
from mappings.ingress_split import TARGET_GROUP, target_group_settings
from mappings.load_balancer import Balancer, load_balancer, target_group
from mappings.pod.probes import grpc_check, target_group_check
from mappings.workloads import selected_by
from translator.cfn import Ref
from translator.context import Context, pascal
from translator.load import escape_pointer_token
from translator.models import Container, Ingress, IngressBackend, Service
from translator.plan import Entry, Fragment, Resource, SetProperty, Target

KIND = "Ingress"
API_VERSIONS = ("networking.k8s.io/v1",)
MODEL = Ingress

# what other controllers' annotations did that an ALB rule does not (prefix -> why)
FOREIGN = {
    "nginx.ingress.kubernetes.io/rewrite-target": "ALB rules cannot rewrite the path: the "
        "backend receives the original path (serve it there, or strip it in the app)",
    "nginx.ingress.kubernetes.io/use-regex": "ALB path patterns know only * and ?: regex "
        "paths are matched as literal patterns",
    "nginx.ingress.kubernetes.io/configuration-snippet": "raw nginx configuration has no ALB "
        "equivalent",
    "nginx.ingress.kubernetes.io/server-snippet": "raw nginx configuration has no ALB equivalent",
    "nginx.ingress.kubernetes.io/ssl-redirect": "set alb.ingress.kubernetes.io/ssl-redirect "
        "(with a certificate) for the ALB to redirect to HTTPS",
    "nginx.ingress.kubernetes.io/force-ssl-redirect": "set alb.ingress.kubernetes.io/"
        "ssl-redirect (with a certificate) for the ALB to redirect to HTTPS",
    "nginx.ingress.kubernetes.io/": "an ingress-nginx setting: no ALB equivalent is made",
    "cert-manager.io/": "certificates come from ACM: set alb.ingress.kubernetes.io/"
        "certificate-arn (or parameter CertificateArn)",
    "external-dns.alpha.kubernetes.io/": "create the Route 53 record yourself: an alias to "
        "the LoadBalancerDnsName output",
    "traefik.ingress.kubernetes.io/": "a Traefik setting: no ALB equivalent is made",
    "haproxy.org/": "an HAProxy setting: no ALB equivalent is made",
}
FIELDS = (
    # every annotation is accounted for by _report_annotations: mapped, lossy or unsupported
    "/metadata/annotations", "/metadata/annotations/*",
    "/spec/ingressClassName", "/spec/tls", "/spec/defaultBackend", "/spec/rules/*/host",
    "/spec/rules/*/http/paths/*/path", "/spec/rules/*/http/paths/*/pathType",
    "/spec/rules/*/http/paths/*/backend",
)


# Listener-rule priorities: 1..50,000, one rule per priority on a listener
# (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/listener-rules.html,
# PriorityInUse otherwise). The workloads' rules sit in their own stacks, which deploy.sh
# updates one by one: a priority that moved from one rule to another would collide while one
# stack is updated and the other not. So a rule's priority depends on the rule alone: its
# specificity picks a band (group.order's sign, host before none, Exact before Prefix, longer
# paths first), a hash of namespace, Ingress, host and path a slot in it; on a taken slot the
# next free one, in the order of the hashes.
PATH_LENGTHS = 104  # path lengths told apart; longer ones share the last band
SLOTS = 40  # per band
BANDS = 3 * 2 * 2 * PATH_LENGTHS  # 49,920 priorities for the paths
DEFAULT_PRIORITY = 50_000  # a defaultBackend's rule, after every other


def priorities(ctx: Context) -> dict[tuple[str, str, int, int], int]:
    """Listener-rule priority per (namespace, ingress, rule, path): most specific first, as
    Kubernetes matches (exact before prefix, longer before shorter); a negative group.order
    puts an Ingress before the others, a positive one after. Adding or removing an Ingress
    moves no other rule unless it takes the slot another rule's hash came to second."""
    def compute() -> dict[tuple[str, str, int, int], int]:
        keyed = []
        for ing in ctx.all(Ingress):
            ns = ctx.namespace_of(ing)
            order = controller_annotations(ing).get("group.order", "0")
            rank = int(order) if order.lstrip("-").isdigit() else 0
            tier = 0 if rank < 0 else 1 if rank == 0 else 2
            for i, rule in enumerate(ing.spec.rules):
                for j, path in enumerate(rule.http.paths if rule.http else []):
                    longer = PATH_LENGTHS - 1 - min(len(path.path), PATH_LENGTHS - 1)
                    band = ((tier * 2 + (0 if rule.host else 1)) * 2
                            + (0 if path.path_type == "Exact" else 1)) * PATH_LENGTHS + longer
                    digest = hashlib.sha256("\0".join((
                        group_of(ing), ns, ing.name, rule.host or "", path.path,
                        path.path_type or "")).encode()).hexdigest()
                    # per pool, not per ALB: a rule keeps its priority when a split moves it
                    # to another ALB; the digest keeps group.name, as before pools
                    keyed.append((alb_of(ctx, ing).pool, band, int(digest[:12], 16) % SLOTS, digest,
                                  (ns, ing.name, i, j)))
        taken: set[tuple[str, int]] = set()  # priorities are per listener: per ALB
        out: dict[tuple[str, str, int, int], int] = {}
        for group, band, slot, _, key in sorted(keyed):
            place = band * SLOTS + slot
            while (group, place) in taken:
                place = (place + 1) % (BANDS * SLOTS)
            taken.add((group, place))
            out[key] = place + 1
        return out
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
    alb = balancer(ctx, obj)
    stack = alb.stack
    entry.eks_balancer = alb_of(ctx, obj).eks_balancer(ctx, obj)
    load_balancer(frag, ctx, alb)
    _report_annotations(obj, alb, frag)
    cls = ingress_class(obj)
    class_path = "/spec/ingressClassName" if obj.spec.ingress_class_name \
        else "/metadata/annotations/kubernetes.io~1ingress.class"
    if cls not in (None, "alb"):
        entry.lossy(class_path, f"class {cls!r} becomes an ALB: its routes are kept, its "
                    "controller's own behaviour is not (see its annotations)",
                    Target(stack, f"/Resources/{alb.id('LoadBalancer')}"))
        if (place := alb_of(ctx, obj)).parts > 1:
            named = ", ".join(sorted({r.host for r in obj.spec.rules if r.host})) or "its hosts"
            entry.lossy(class_path, f"class {cls!r} is split over {place.parts} ALBs to stay "
                        "within 100 target groups and 100 listener rules per ALB: point the "
                        f"DNS of {named} at this Ingress's ALB (output "
                        f"{alb.id('LoadBalancerDnsName')} of {ctx.stack_name(stack)}), not at "
                        "one address for the class", Target(stack, f"/Resources/{alb.id('LoadBalancer')}"))
    elif cls is not None:
        entry.mapped(class_path, Target(stack, f"/Resources/{alb.id('LoadBalancer')}"))
    if obj.spec.tls:
        certificate = Target(stack, f"/Parameters/{alb.id('CertificateArn')}")
        hosts = sorted({h for t in obj.spec.tls for h in t.get("hosts") or []})
        if alb.certificate:
            entry.mapped("/spec/tls", certificate, "HTTPS terminates at the ALB with the ACM "
                         "certificate; the Kubernetes TLS secret is not moved")
        elif any(proto == "HTTPS" for proto, _ in alb.listeners):
            redirect = ("; HTTP redirects to HTTPS (301: an ALB has no 308, which ingress-nginx "
                        "sends)" if alb.ssl_redirect is not None else "")
            entry.mapped("/spec/tls", certificate,
                         f"HTTPS on 443 with the ACM certificate of parameter "
                         f"{alb.id('CertificateArn')}, which has no default: import or request "
                         f"one for {', '.join(hosts) or 'the hosts'} (the TLS secret, which "
                         f"cert-manager may have issued, is not moved){redirect}")
        else:
            entry.lossy("/spec/tls", "Kubernetes TLS secrets are not moved: give an ACM "
                        "certificate (alb.ingress.kubernetes.io/certificate-arn) and an HTTPS "
                        "listener (listen-ports)")
    listeners = _listeners_for(obj, alb, entry)
    if not listeners:
        return
    if obj.spec.default_backend is not None:
        routed = _backend_actions(obj.spec.default_backend, obj, alb, ctx, frag,
                                  "/spec/defaultBackend")
        if routed is not None and routed[1] == stack:
            for listener in listeners:
                frag.sets.append(SetProperty(stack, listener, "DefaultActions", routed[0],
                                             "/spec/defaultBackend"))
            entry.mapped("/spec/defaultBackend", Target(stack, f"/Resources/{listeners[0]}/"
                         "Properties/DefaultActions"), "the listeners' default action")
        elif routed is not None:
            # a forward to a workload's target group is that workload's rule, matched last
            targets = [_rule(frag, alb, listener, f"Default{pascal(obj.name)}", DEFAULT_PRIORITY,
                             [{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/*"]}}],
                             routed, obj.ref) for listener in listeners]
            entry.mapped("/spec/defaultBackend", targets[0], f"a listener rule matching every "
                         f"path at priority {DEFAULT_PRIORITY}, the last one")
    regex = any(k in obj.metadata.annotations for k in (
        "nginx.ingress.kubernetes.io/use-regex", "nginx.ingress.kubernetes.io/rewrite-target"))
    prio = priorities(ctx)
    for i, rule in enumerate(obj.spec.rules):
        for j, path in enumerate(rule.http.paths if rule.http else []):
            pointer = f"/spec/rules/{i}/http/paths/{j}"
            routed = _backend_actions(path.backend, obj, alb, ctx, frag, f"{pointer}/backend")
            if routed is None:
                why = _left_out(path.backend, obj, ctx)
                record = entry.lossy if why is None else entry.ignored
                for part in (f"{pointer}/path", f"{pointer}/pathType") + (
                        (f"/spec/rules/{i}/host",) if rule.host else ()):
                    record(part, f"no listener rule: {why or 'the backend is not translated'}")
                continue
            conditions: list[dict[str, Any]] = []
            if rule.host:
                conditions.append({"Field": "host-header", "HostHeaderConfig": {"Values": [rule.host]}})
            patterns = _patterns(path.path, path.path_type)
            conditions.append({"Field": "path-pattern", "PathPatternConfig": {"Values": patterns}})
            if path.backend.service is not None:
                conditions += annotation_conditions(obj, path.backend.service.name, frag,
                                                   alb.stack)
            priority = prio[(ns, obj.name, i, j)]
            for listener in listeners:
                conditions_to = _rule(frag, alb, listener, pascal(obj.name), priority,
                                      conditions, routed, obj.ref)
                conditions_to = Target(conditions_to.stack,
                                       f"{conditions_to.pointer}/Properties/Conditions")
                entry.mapped(f"{pointer}/path", conditions_to)
                entry.mapped(f"{pointer}/pathType", conditions_to,
                             f"path-pattern {', '.join(patterns)}" + (
                                 " (ImplementationSpecific read as Prefix, as the AWS Load "
                                 "Balancer Controller does)"
                                 if path.path_type == "ImplementationSpecific" else ""))
                if rule.host:
                    entry.mapped(f"/spec/rules/{i}/host", Target(
                        conditions_to.stack, f"{conditions_to.pointer}/0"),
                        "host-header condition")
            looks_regex = any(c in path.path for c in "()[]+^$|")
            if looks_regex and (regex or path.path_type == "ImplementationSpecific"):
                entry.lossy(f"{pointer}/path", "looks like a regular expression; ALB path "
                            "patterns know only * and ?: rewrite it as a pattern")
        if rule.host and not (rule.http and rule.http.paths):
            entry.unsupported(f"/spec/rules/{i}/host", "a host without paths routes nothing")


def _report_annotations(obj: Ingress, alb: Balancer, frag: Fragment) -> None:
    entry = frag.entry
    stack = alb.stack
    own = controller_annotations(obj)
    for key in sorted(own):
        pointer = f"/metadata/annotations/{escape_pointer_token(PREFIX + key)}"
        if key in BALANCER:
            entry.mapped(pointer, Target(stack, f"/Resources/{alb.id('LoadBalancer')}"))
        elif key in TARGET_GROUP:
            entry.mapped(pointer, Target(stack, "/Resources"), "the backends' target groups")
        elif key == "group.order":
            entry.mapped(pointer, None, "orders this Ingress's listener-rule priorities")
        elif key.startswith(("actions.", "conditions.")):
            continue  # claimed by the backends that use it
        else:
            entry.unsupported(pointer, "this annotation is not mapped yet")
    if own.get("target-type") == "instance":
        entry.lossy(f"/metadata/annotations/{escape_pointer_token(PREFIX + 'target-type')}",
                    "Fargate tasks are registered by IP; target-type ip is used")
    for note in alb.notes:
        entry.lossy("/metadata/annotations", note)
    for key in sorted(obj.metadata.annotations):
        why = FOREIGN.get(key) or next((v for k, v in FOREIGN.items()
                                        if k.endswith("/") and key.startswith(k)), None)
        if why is not None:
            entry.lossy(f"/metadata/annotations/{escape_pointer_token(key)}", why)


def _listeners_for(obj: Ingress, alb: Balancer, entry: Entry) -> list[str]:
    """The listeners that route an Ingress's paths. A GRPC or HTTP2 target group is served
    only behind HTTPS listeners, and ALB refuses the action on any other (E9114):
    https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-target-groups.html#target-group-protocol-version"""
    listeners = alb.forwarding_listeners()
    version = controller_annotations(obj).get("backend-protocol-version", "").upper()
    if version not in ("GRPC", "HTTP2"):
        return listeners
    secure = [name for name in listeners if name.startswith(alb.id("ListenerHttps"))]
    if secure == listeners:
        return listeners
    if secure:
        entry.notes.append(f"{version} backends are routed on the HTTPS listeners only: ALB "
                           "serves that protocol version behind HTTPS alone")
        return secure
    reason = (f"no listener rule: ALB serves {version} backends only behind an HTTPS listener, "
              "and this load balancer has none (give alb.ingress.kubernetes.io/certificate-arn)")
    for i, rule in enumerate(obj.spec.rules):
        for j, _ in enumerate(rule.http.paths if rule.http else []):
            pointer = f"/spec/rules/{i}/http/paths/{j}"
            for part in ("path", "pathType", "backend"):
                entry.lossy(f"{pointer}/{part}", reason)
        if rule.host:
            entry.lossy(f"/spec/rules/{i}/host", reason)
    if obj.spec.default_backend is not None:
        entry.lossy("/spec/defaultBackend", reason)
    return []


def _rule(frag: Fragment, alb: Balancer, listener: str, name: str, priority: int,
          conditions: list[dict[str, Any]], routed: tuple[list[dict[str, Any]], str],
          origin: str) -> Target:
    """A listener rule in the stack its actions live in (the workload's, with the target
    group it forwards to; the load-balancer stack's for an annotation's action); the ECS
    service there waits for it."""
    actions, stack = routed
    logical = f"Rule{name}{listener[len(alb.prefix + 'Listener'):]}P{priority}"
    frag.put(stack, "Resources", logical, Resource(
        "AWS::ElasticLoadBalancingV2::ListenerRule", {
            "ListenerArn": alb.listener_arn(listener, stack),
            "Priority": priority,
            "Conditions": conditions,
            "Actions": actions,
        }, origin))
    if stack != alb.stack:
        frag.depends.append((stack, "Service", logical))
    return Target(stack, f"/Resources/{logical}")


def _backend_actions(backend: IngressBackend, ing: Ingress, alb: Balancer, ctx: Context,
                     frag: Fragment, pointer: str) -> tuple[list[dict[str, Any]], str] | None:
    """The listener actions of a backend and the stack they live in: forward to its
    Service's target group (in the workload's stack), or the action its actions.<name>
    annotation describes (in the load-balancer stack)."""
    service = backend.service
    if service is not None and service.port.get("name") == "use-annotation":
        action = annotation_action(ing, service.name)
        if isinstance(action, str):
            frag.entry.unsupported(pointer, action)
            return None
        annotation = escape_pointer_token(f"{PREFIX}actions.{service.name}")
        frag.entry.mapped(pointer, None, f"{action['Type']} action of actions.{service.name}")
        frag.entry.mapped(f"/metadata/annotations/{annotation}", Target(
            alb.stack, "/Resources"), f"a {action['Type']} listener action")
        return [action], alb.stack
    found = _backend_target_group(backend, ing, alb, ctx, frag, pointer)
    return None if found is None else ([{"Type": "forward", "TargetGroupArn": Ref(found[0])}],
                                       found[1])


def _left_out(backend: IngressBackend, ing: Ingress, ctx: Context) -> str | None:
    """Why -l/--only left the backend's Service out: the team's choice, nothing to fix."""
    name = backend.service.name if backend.service else ""
    why = ctx.left_out.get(("Service", ctx.namespace_of(ing), name))
    return None if why is None else f"Service {name} {why}"


def _backend_target_group(backend: IngressBackend, ing: Ingress, alb: Balancer, ctx: Context,
                          frag: Fragment, pointer: str) -> tuple[str, str] | None:
    """The target group of a backend and the workload stack that holds it."""
    entry = frag.entry
    ns = ctx.namespace_of(ing)
    if backend.service is None:
        entry.unsupported(pointer, "resource backends have no ALB equivalent")
        return None
    svc = ctx.find(Service, ns, backend.service.name)
    if svc is None:
        if (left_out := _left_out(backend, ing, ctx)) is not None:
            entry.ignored(pointer, left_out)
        else:
            entry.unsupported(pointer, f"Service {backend.service.name} is not in the input")
        return None
    wanted = backend.service.port.get("number", backend.service.port.get("name"))
    port = next((p for p in svc.spec.ports if p.port == wanted or p.name == wanted), None)
    workloads = selected_by(svc, ctx)
    if port is None or not workloads:
        entry.unsupported(pointer, f"Service {svc.name} port {wanted!r} reaches no workload "
                          "in the input")
        return None
    workload = workloads[0]
    target = port.target
    found = workload.container_for_port(target, port.port)
    if found is None:
        entry.unsupported(pointer, f"targetPort {target!r} is not a container port")
        return None
    container, number = found
    settings_ = controller_annotations(ing)
    # a Service port that Ingresses of one group configure differently gets a target group
    # per Ingress, as the controller makes them
    prefix = alb.prefix + (pascal(ing.name) if _settings_differ(ctx, ing, svc.name) else "")
    logical = target_group(frag, ctx, workload, svc, container, number, alb, prefix,
                           target_group_check(container, settings_)
                           | _protocol(settings_, container, number), pointer)
    entry.mapped(pointer, Target(workload.stack, f"/Resources/{logical}"),
                 f"{svc.name}:{port.port} -> {workload.obj.name} container {container.name}:{number}")
    return logical, workload.stack


def backends(ing: Ingress) -> set[str]:
    """Names of the Services an Ingress routes to."""
    found = {p.backend.service.name for r in ing.spec.rules for p in (r.http.paths if r.http else [])
             if p.backend.service is not None}
    default = ing.spec.default_backend
    if default is not None and default.service is not None:
        found.add(default.service.name)
    return found


def _settings_differ(ctx: Context, ing: Ingress, service: str) -> bool:
    ns = ctx.namespace_of(ing)
    variants = {target_group_settings(other) for other in ctx.all(Ingress)
                if ctx.namespace_of(other) == ns and alb_of(ctx, other) == alb_of(ctx, ing)
                and service in backends(other)}
    return len(variants) > 1


def _protocol(settings_: Mapping[str, str], container: Container, number: int) -> dict[str, Any]:
    protocol = settings_.get("backend-protocol", "HTTP")
    out: dict[str, Any] = {"Protocol": protocol if protocol in ("HTTP", "HTTPS") else "HTTP"}
    version = settings_.get("backend-protocol-version", "").upper()
    if version in ("GRPC", "HTTP2"):
        out["ProtocolVersion"] = version
    if version == "GRPC":
        # the container's grpc probe when it has one, else the controller's defaults; the
        # healthcheck-* and success-codes annotations win over both
        probed = grpc_check(container, number)
        out["Matcher"] = {"GrpcCode": settings_.get("success-codes", probed.get(
            "Matcher", {}).get("GrpcCode", "12"))}
        if "healthcheck-path" not in settings_:
            out["HealthCheckPath"] = probed.get("HealthCheckPath", "/AWS.ALB/healthcheck")
        if "HealthCheckPort" in probed and "healthcheck-port" not in settings_:
            out["HealthCheckPort"] = probed["HealthCheckPort"]
    else:
        out["Matcher"] = {"HttpCode": settings_.get("success-codes", "200-399")}
    return out
