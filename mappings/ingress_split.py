"""Spreading the Ingresses of one pool over as many ALBs as the quotas need: an ALB has at
most 100 target groups (not adjustable) and 100 listener rules by default
(https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-limits.html).

Each Ingress (or, where Ingresses share a host, all of them: one DNS name points at one ALB)
goes to the ALB that ranks highest for it by rendezvous hashing and still has room for it
(bounded loads), so adding an Ingress moves no other unless its preferred ALB is full or the
number of ALBs grows. The number of ALBs is the fewest for which every Ingress finds room.
An Ingress that alone exceeds a quota cannot be split: it stays on its preferred ALB, and
E9110/E9111 fail the run naming it.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from mappings.alb_annotations import controller_annotations
from mappings.lint_rules._load_balancers import RULES_PER_LOAD_BALANCER, TARGET_GROUPS_PER_LOAD_BALANCER
from mappings.load_balancer import Balancer
from translator.context import Context
from translator.models import Ingress, IngressBackend, Service

# annotations that shape the target groups of this Ingress's backends
TARGET_GROUP = {"target-type", "backend-protocol", "backend-protocol-version", "success-codes",
                "healthcheck-path", "healthcheck-port", "healthcheck-protocol",
                "healthcheck-interval-seconds", "healthcheck-timeout-seconds",
                "healthy-threshold-count", "unhealthy-threshold-count"}


def target_group_settings(ing: Ingress) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, v) for k, v in controller_annotations(ing).items()
                        if k in TARGET_GROUP))


@dataclass
class Load:
    """What Ingresses put on one ALB: listener rules, and target groups by what names them."""

    rules: int = 0
    target_groups: set[tuple[str, ...]] = field(default_factory=set)

    def add(self, other: Load) -> None:
        self.rules += other.rules
        self.target_groups |= other.target_groups

    def fits(self, other: Load | None = None) -> bool:
        rules = self.rules + (other.rules if other else 0)
        groups = self.target_groups | (other.target_groups if other else set())
        return rules <= RULES_PER_LOAD_BALANCER and len(groups) <= TARGET_GROUPS_PER_LOAD_BALANCER


def load(ctx: Context, ing: Ingress, lb: Balancer, variants: set[tuple[str, str]]) -> Load:
    """The listener rules and target groups an Ingress adds to ALB `lb`, as ingress.py makes
    them: a rule per path (and per default backend to a Service) on each listener that routes
    it, a target group per Service port (per Ingress where Ingresses on the ALB configure the
    Service's target groups differently: `variants` has those, counted for the whole pool)."""
    ns = ctx.namespace_of(ing)
    listeners = lb.forwarding_listeners()
    if controller_annotations(ing).get("backend-protocol-version", "").upper() in ("GRPC", "HTTP2"):
        listeners = [name for name in listeners if name.startswith(lb.id("ListenerHttps"))]
    out = Load()

    def route(backend: IngressBackend, default: bool) -> None:
        service = backend.service
        if service is None:
            return
        if service.port.get("name") == "use-annotation":
            out.rules += 0 if default else len(listeners)  # a default is the listener's action
            return
        if ctx.find(Service, ns, service.name) is None:
            return
        out.rules += len(listeners)
        port = str(service.port.get("number", service.port.get("name")))
        out.target_groups.add((ns, service.name, port) + (
            (ing.name,) if (ns, service.name) in variants else ()))

    for rule in ing.spec.rules:
        for path in rule.http.paths if rule.http else []:
            route(path.backend, False)
    if ing.spec.default_backend is not None:
        route(ing.spec.default_backend, True)
    return out


def _variants(ctx: Context, members: Sequence[Ingress]) -> set[tuple[str, str]]:
    """(namespace, Service) that Ingresses of the pool configure differently."""
    seen: dict[tuple[str, str], set[tuple[tuple[str, str], ...]]] = {}
    for ing in members:
        backends = [p.backend for r in ing.spec.rules for p in (r.http.paths if r.http else [])]
        for backend in backends + ([ing.spec.default_backend] if ing.spec.default_backend else []):
            if backend.service is not None:
                seen.setdefault((ctx.namespace_of(ing), backend.service.name), set()).add(
                    target_group_settings(ing))
    return {key for key, found in seen.items() if len(found) > 1}


def units(ctx: Context, members: Sequence[Ingress], catch_all: bool) -> list[list[Ingress]]:
    """The Ingresses that must share an ALB: those that share a host (union-find); with
    `catch_all` (an in-cluster class, whose controller matched host-less rules on every
    host), all those with a host-less rule too."""
    parent = list(range(len(members)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    for i, ing in enumerate(members):
        for rule in ing.spec.rules:
            if rule.host or catch_all:
                j = owner.setdefault(rule.host or "", i)
                parent[root(i)] = root(j)
    found: dict[int, list[Ingress]] = {}
    for i, ing in enumerate(members):
        found.setdefault(root(i), []).append(ing)
    return sorted(found.values(), key=lambda u: unit_key(ctx, u))


def unit_key(ctx: Context, unit: Sequence[Ingress]) -> str:
    return min(f"{ctx.namespace_of(i)}/{i.name}" for i in unit)


def ranking(pool: str, key: str, count: int) -> list[int]:
    """The ALBs (0-based) of a pool of `count`, most preferred first, for the unit `key`."""
    return sorted(range(count), key=lambda n: hashlib.sha256(
        f"{pool}\0{n}\0{key}".encode()).hexdigest(), reverse=True)


def spread(ctx: Context, pool: str, members: Sequence[Ingress],
           lb: Balancer) -> list[list[Ingress]]:
    """The members of each ALB of the pool (by ALB, the first one's first; some may be
    empty), as few ALBs as the quotas allow."""
    variants = _variants(ctx, members)
    loads = {id(ing): load(ctx, ing, lb, variants) for ing in members}
    total = Load()
    for ing in members:
        total.add(loads[id(ing)])
    if total.fits():
        return [list(members)]
    groups = units(ctx, members, pool.startswith("class:"))
    weights = []
    for unit in groups:
        weight = Load()
        for ing in unit:
            weight.add(loads[id(ing)])
        weights.append(weight)
    fitting = Load()
    for w in weights:
        if w.fits():
            fitting.add(w)
    if fitting.fits():
        return [list(members)]  # only an Ingress too big for any ALB is over: E9110/E9111
    count = max(2, math.ceil(fitting.rules / RULES_PER_LOAD_BALANCER),
                math.ceil(len(fitting.target_groups) / TARGET_GROUPS_PER_LOAD_BALANCER))
    while True:
        placed = _place(ctx, pool, groups, weights, count)
        if placed is not None:
            return placed
        count += 1  # with one ALB per unit every unit fits: this ends


def _place(ctx: Context, pool: str, groups: list[list[Ingress]], weights: list[Load],
           count: int) -> list[list[Ingress]] | None:
    albs = [Load() for _ in range(count)]
    out: list[list[Ingress]] = [[] for _ in range(count)]
    for unit, weight in zip(groups, weights, strict=True):
        order = ranking(pool, unit_key(ctx, unit), count)
        if not weight.fits():
            chosen = 0  # too big for any ALB: E9110/E9111 name it
        else:
            room = [n for n in order if albs[n].fits(weight)]
            if not room:
                return None
            chosen = room[0]
        albs[chosen].add(weight)
        out[chosen].extend(unit)
    return [sorted(part, key=lambda i: (ctx.namespace_of(i), i.name)) for part in out]
