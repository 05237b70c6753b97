"""Which Ingress is on which ALB, and each ALB's settings.

On EKS the AWS Load Balancer Controller makes one ALB per IngressGroup, and one per Ingress
without `group.name`: each such Ingress is a group of its own
(https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/ingress/annotations/#group.name).
An in-cluster controller (ingress-nginx, Traefik, ...) serves all the Ingresses of its class
behind the one load balancer of its Service. The translation so shares an ALB:

- the Ingresses of a group (one ALB, as the team asked for one);
- the Ingresses of an in-cluster class (one ALB, as their controller had one);
- the other Ingresses without group.name when their effective load-balancer settings
  (scheme, listeners, certificate, redirect, inbound CIDRs, tags, TLS policy, name, address
  type) are equal: an internal Ingress and a public one never share an ALB.

Each ALB has a load-balancer stack of its own. The largest pool of Ingresses without
group.name (internet-facing on a tie) keeps the stack `load-balancer` and the unprefixed
logical ids, which every Ingress without group.name had before ALBs were split by settings,
so an existing deployment keeps its load balancer.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, replace
from typing import Literal

from mappings.alb_annotations import controller_annotations
from mappings.ingress_split import spread
from mappings.load_balancer import SSL_POLICY, Balancer, parse_cidrs
from translator.context import LOAD_BALANCER_STACK, Context, pascal
from translator.models import Ingress

# annotations that shape the load balancer (the first Ingress of an ALB that sets one wins)
BALANCER = {"scheme", "listen-ports", "certificate-arn", "ssl-redirect", "inbound-cidrs",
            "group.name", "tags", "load-balancer-name", "ssl-policy", "ip-address-type"}

Kind = Literal["group", "class", "settings"]
KINDS = ("group", "class", "settings")


def group_of(ing: Ingress) -> str:
    return controller_annotations(ing).get("group.name", "")


def ingress_class(obj: Ingress) -> str | None:
    return obj.spec.ingress_class_name or obj.metadata.annotations.get("kubernetes.io/ingress.class")


def in_cluster_class(obj: Ingress) -> str | None:
    """The class of an in-cluster controller (nginx, traefik, ...) the Ingress names, if any."""
    cls = ingress_class(obj)
    return None if cls in (None, "alb") else cls


@dataclass(frozen=True)
class Alb:
    """One ALB of the translation: the Ingresses on it and where it lives."""

    key: str  # the pool's key, and "#<n>" for the n-th ALB of a pool split past a quota
    pool: str  # "group:<name>", "class:<name>" or "settings:<digest>"
    kind: Kind
    stack: str  # its load-balancer stack (key and title)
    prefix: str  # of its logical ids
    members: tuple[Ingress, ...]  # by namespace/name
    origin: str
    parts: int = 1  # how many ALBs its pool was split into

    def eks_balancer(self, ctx: Context, ing: Ingress) -> str:
        """The load balancer the Ingress had on EKS: its group's, its controller's, or its own."""
        if self.kind == "settings":
            return f"ingress:{ctx.namespace_of(ing)}/{ing.name}"
        return self.pool


def albs(ctx: Context) -> dict[str, Alb]:
    """Every ALB by key, and (under "ingress:<ns>/<name>") the ALB of each Ingress."""
    def compute() -> dict[str, Alb]:
        ingresses = sorted(ctx.all(Ingress), key=lambda i: (ctx.namespace_of(i), i.name))
        pools: dict[tuple[Kind, str], list[Ingress]] = {}
        for ing in ingresses:
            if group := group_of(ing):
                place: tuple[Kind, str] = ("group", group)
            elif cls := in_cluster_class(ing):
                place = ("class", cls)
            else:
                place = ("settings", _digest(settings(build([ing], "", "", ""))))
            pools.setdefault(place, []).append(ing)
        built = {place: build(members, "", "", "") for place, members in pools.items()}
        ungrouped = sorted((p for p in pools if p[0] != "group"), key=lambda p: (
            -len(pools[p]), built[p].scheme != "internet-facing", p))
        default = ungrouped[0] if ungrouped else None
        stacks: set[str] = {LOAD_BALANCER_STACK}
        prefixes: set[str] = {""}
        named: dict[tuple[Kind, str], tuple[str, str]] = {}
        # the default first, then groups (their names as before), classes, settings pools
        for place in sorted(pools, key=lambda p: (p != default, KINDS.index(p[0]), p)):
            kind, name = place
            if place == default:
                named[place] = LOAD_BALANCER_STACK, ""
            else:
                label = f"{built[place].scheme}-{name}" if kind == "settings" else name
                named[place] = (_unique(f"{LOAD_BALANCER_STACK}-{_slug(label)}", stacks,
                                        f"{kind}:{name}", "-"),
                                _unique(pascal(label), prefixes, f"{kind}:{name}", ""))
        out: dict[str, Alb] = {}
        for place, (stack, prefix) in named.items():
            kind, name = place
            pool = f"{kind}:{name}"
            origin = {"group": f"IngressGroup {name}",
                      "class": f"the Ingresses of class {name} (their controller's one load "
                               "balancer)",
                      "settings": "Ingresses without group.name of equal load-balancer "
                                  "settings"}[kind]
            # a group is the one ALB the team asked for: never split (E9110/E9111 name it)
            parts = [pools[place]] if kind == "group" else spread(ctx, pool, pools[place],
                                                                  built[place])
            for n, members in enumerate(parts, 1):
                if not members:
                    continue
                alb = Alb(pool, pool, kind, stack, prefix, tuple(members), origin, len(parts))
                if n > 1:
                    alb = replace(alb, key=f"{pool}#{n}", origin=f"{origin}, ALB {n}",
                                  stack=_unique(f"{stack}-{n}", stacks, f"{pool}#{n}", "-"),
                                  prefix=_unique(f"{prefix}Alb{n}", prefixes, f"{pool}#{n}", ""))
                out[alb.key] = alb
                for ing in alb.members:
                    out[f"ingress:{ctx.namespace_of(ing)}/{ing.name}"] = alb
        return out
    found: dict[str, Alb] = ctx.memo("albs", compute)
    return found


def alb_of(ctx: Context, ing: Ingress) -> Alb:
    return albs(ctx)[f"ingress:{ctx.namespace_of(ing)}/{ing.name}"]


def balancer(ctx: Context, ing: Ingress) -> Balancer:
    """The ALB an Ingress is on; the first Ingress on it (by namespace/name) that sets a
    value wins."""
    alb = alb_of(ctx, ing)
    found: Balancer = ctx.memo(f"alb:{alb.key}", lambda: build(
        list(alb.members), alb.prefix, alb.origin, alb.stack))
    return found


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "x"


def _unique(name: str, taken: set[str], key: str, sep: str) -> str:
    """`name`, or with a digest of the ALB's key where another ALB has it already."""
    if name in taken:
        name = f"{name}{sep}{hashlib.sha256(key.encode()).hexdigest()[:4]}"
    taken.add(name)
    return name


def settings(lb: Balancer) -> tuple[object, ...]:
    """What makes two ALBs different load balancers (not where they live, nor the notes)."""
    return (lb.scheme, lb.listeners, lb.certificate, lb.ssl_redirect, lb.cidrs, lb.tags,
            lb.ssl_policy, lb.name, lb.ip_address_type)


def _digest(value: object) -> str:
    return hashlib.sha256(repr(value).encode()).hexdigest()[:6]


def build(ingresses: list[Ingress], prefix: str, origin: str, stack: str) -> Balancer:
    """The load balancer the Ingresses' annotations describe (the first that sets one wins)."""
    merged: dict[str, str] = {}
    for ing in ingresses:
        for key, value in controller_annotations(ing).items():
            merged.setdefault(key, value)
    notes: list[str] = []
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
    certificates = [c.strip() for c in merged.get("certificate-arn", "").split(",")
                    if c.strip()]
    if len(certificates) > 1:
        notes.append("only the first certificate-arn is the listener's; add the others "
                     "as AWS::ElasticLoadBalancingV2::ListenerCertificate")
    certificate = certificates[0] if certificates else None
    tls = tls_terminated(ingresses)
    if not listeners:
        listeners = [("HTTP", 80)] + ([("HTTPS", 443)] if certificate or tls else [])
    redirect = merged.get("ssl-redirect") or ("443" if tls and tls_redirects(ingresses)
                                              else None)
    scheme = merged.get("scheme", "internal")
    tags = tuple(sorted((k.strip(), v.strip()) for k, v in (
        t.split("=", 1) for t in merged.get("tags", "").split(",") if "=" in t)))
    return Balancer(
        prefix, "application",
        scheme if scheme in ("internal", "internet-facing") else "internal",
        tuple(sorted(set(listeners))), certificate,
        int(redirect) if redirect and redirect.isdigit() else None,
        parse_cidrs(merged.get("inbound-cidrs") or "", notes), tuple(notes), origin, tags,
        merged.get("ssl-policy", SSL_POLICY), _lb_name(merged.get("load-balancer-name"), notes),
        merged.get("ip-address-type") if merged.get("ip-address-type") in (
            "ipv4", "dualstack") else None, stack or LOAD_BALANCER_STACK)


def tls_terminated(ingresses: list[Ingress]) -> bool:
    """Whether an Ingress of the ALB has its controller serve HTTPS from spec.tls, as
    ingress-nginx (and other in-cluster controllers) do on 443. The AWS Load Balancer
    Controller serves HTTPS only where listen-ports asks for it
    (https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/ingress/cert_discovery/)."""
    return any(ing.spec.tls and in_cluster_class(ing) is not None for ing in ingresses)


def tls_redirects(ingresses: list[Ingress]) -> bool:
    """Whether HTTP redirects to HTTPS for every Ingress of the ALB, as ingress-nginx does
    for an Ingress with TLS unless its ssl-redirect is "false". An ALB that also serves
    plain-HTTP Ingresses keeps its HTTP listener forwarding."""
    return all(ing.spec.tls and ing.metadata.annotations.get(
        "nginx.ingress.kubernetes.io/ssl-redirect", "true") != "false" for ing in ingresses)


def _lb_name(name: str | None, notes: list[str]) -> str | None:
    if name is None:
        return None
    if re.fullmatch(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?", name) \
            and not name.startswith("internal-"):
        return name
    notes.append(f"load-balancer-name {name!r} is not a valid ALB name; CloudFormation names it")
    return None
