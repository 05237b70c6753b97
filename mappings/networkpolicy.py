"""NetworkPolicy -> security-group rules between the tasks.

Every pod-running object a policy names (the pods it protects, and the pods it lets in) gets
a group of its own in the cluster stack, which its tasks join beside the app's group and
their workload's group (mappings/security_groups.py), so rules can name it: each allowed
(peer, port) becomes an AWS::EC2::SecurityGroupIngress on the protected workload's group
with the peer's group as source; a rule with no `from` (or an ipBlock of the whole world)
admits the app's group, ipBlock peers become CIDR rules. The groups and rules live in the
cluster stack, deployed before any workload.

A workload that policies protect gets no rule from the app's group on its Service ports:
only what the policies admit reaches it (plus its load balancers, on the target ports). The
validate stage checks it both ways: every connection the policies allowed is open, every
one they refused stays closed (`refused_by`, translator.reachability).

Security groups only ever allow: the policies hold only if the groups of your own you add
(SecurityGroupIds) do not themselves admit traffic between tasks, which the report says.
Egress rules are reported: tasks keep the default allow-all egress.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

from mappings.security_groups import APP_GROUP, PROTOCOLS
from mappings.workloads import (
    Workload,
    all_workloads,
    matches,
    namespaces_matching,
    pod_labels,
    pod_owners,
)
from translator.cfn import GetAtt, Ref
from translator.context import CLUSTER_STACK, Context, export_name, pascal
from translator.models import (
    KubeObject,
    LabelSelector,
    NetworkPolicy,
    NetworkPolicyPeer,
    NetworkPolicyPort,
)
from translator.plan import Fragment, Output, Resource, Target

KIND = "NetworkPolicy"
API_VERSIONS = ("networking.k8s.io/v1",)
MODEL = NetworkPolicy
FIELDS = (
    "/spec/podSelector", "/spec/policyTypes", "/spec/egress", "/spec/ingress/*",
    "/spec/ingress/*/from/*", "/spec/ingress/*/from/*/namespaceSelector",
    "/spec/ingress/*/from/*/ipBlock/except", "/spec/ingress/*/ports/*",
)

WORLD = (ipaddress.ip_network("0.0.0.0/0"), ipaddress.ip_network("::/0"))


def group_id(namespace: str, name: str, ctx: Context) -> str:
    return f"{APP_GROUP}{pascal(ctx.workload_title(namespace, name))}"


@dataclass(frozen=True)
class Resolved:
    """What a policy selects, resolved against the input once: the workloads it protects, and
    for each ingress rule and peer the pod-running objects it admits."""

    protected: tuple[Workload, ...]
    peers: dict[tuple[int, int], tuple[KubeObject, ...]]  # (rule, peer) -> objects


def resolved(policy: NetworkPolicy, ctx: Context) -> Resolved:
    def compute() -> Resolved:
        ns = ctx.namespace_of(policy)
        protected = tuple(sorted((w for w in all_workloads(ctx) if w.namespace == ns
                                  and matches(policy.spec.pod_selector, w.obj.spec.template.labels)),
                                 key=lambda w: w.obj.name))
        peers = {(i, j): tuple(_peers(peer, ns, ctx))
                 for i, rule in enumerate(policy.spec.ingress) for j, peer in enumerate(rule.from_)
                 if peer.ip_block is None}
        return Resolved(protected, peers)

    found: Resolved = ctx.memo(f"networkpolicy:{ctx.namespace_of(policy)}/{policy.name}", compute)
    return found


def _ingress_policies(ctx: Context) -> list[NetworkPolicy]:
    return [p for p in ctx.all(NetworkPolicy) if "Ingress" in _types(p)]


def named(ctx: Context) -> set[tuple[str, str]]:
    """(namespace, name) of every pod-running object an Ingress policy protects or admits
    (each has a group of its own in the cluster stack)."""

    def compute() -> set[tuple[str, str]]:
        found = set()
        for policy in _ingress_policies(ctx):
            result = resolved(policy, ctx)
            if not result.protected:
                continue
            found |= {(w.namespace, w.obj.name) for w in result.protected}
            found |= {(ctx.namespace_of(o), o.name) for objs in result.peers.values() for o in objs}
        return found

    names: set[tuple[str, str]] = ctx.memo("networkpolicy:named", compute)
    return names


def protects(workload: Workload, ctx: Context) -> bool:
    """Whether Ingress policies select the workload's pods: then only they admit tasks."""
    return bool(_selecting(workload, ctx))


def group_output(obj: KubeObject, ctx: Context) -> str | None:
    """The cluster-stack output of the policy group the object's tasks join; None when no
    policy names it."""
    ns = ctx.namespace_of(obj)
    return f"{group_id(ns, obj.name, ctx)}Id" if (ns, obj.name) in named(ctx) else None


def _selecting(workload: Workload, ctx: Context) -> list[NetworkPolicy]:
    return [p for p in _ingress_policies(ctx) if workload in resolved(p, ctx).protected]


def refused_by(caller: KubeObject, callee: Workload, port: int, protocol: str,
               ctx: Context) -> str:
    """The NetworkPolicies that refuse the caller's pods the callee's container port, as the
    cluster enforced them: every policy that selects the callee's pods for Ingress, when none
    of their rules admits the caller ("NetworkPolicy shop/db"); "" when the port is open to
    it. ipBlock peers admit addresses, not pods: they admit no workload here.
    https://kubernetes.io/docs/concepts/services-networking/network-policies/"""
    selecting = _selecting(callee, ctx)
    if not selecting:
        return ""
    caller_ns, labels = ctx.namespace_of(caller), pod_labels(caller)
    for policy in selecting:
        for rule in policy.spec.ingress:
            peers: list[NetworkPolicyPeer | None] = [*rule.from_] or [None]  # none: every source
            admitted = any(
                peer is None or (peer.ip_block is None and caller_ns in (
                    namespaces_matching(peer.namespace_selector, ctx) if peer.namespace_selector
                    else [callee.namespace])
                    and matches(peer.pod_selector or LabelSelector(), labels))
                for peer in peers)
            if admitted and any(_admits(p, callee, port, protocol) for p in
                                rule.ports or [NetworkPolicyPort()]):
                return ""
    return ", ".join(f"NetworkPolicy {ctx.namespace_of(p)}/{p.name}" for p in selecting)


def _types(policy: NetworkPolicy) -> list[str]:
    spec = policy.spec
    return list(spec.policy_types) or (["Ingress", "Egress"] if spec.egress else ["Ingress"])


def _admits(rule_port: NetworkPolicyPort, callee: Workload, port: int, protocol: str) -> bool:
    if PROTOCOLS.get(rule_port.protocol) != protocol:
        return False
    if rule_port.port is None:
        return True
    if isinstance(rule_port.port, str):
        found = callee.container_for_port(rule_port.port, 0)
        return found is not None and found[1] == port
    return rule_port.port <= port <= (rule_port.end_port or rule_port.port)


def _own_group(ns: str, name: str, origin: str, frag: Fragment, ctx: Context) -> str:
    """Declare an object's policy group (the same value from every policy naming it)."""
    logical = group_id(ns, name, ctx)
    frag.put(CLUSTER_STACK, "Resources", logical, Resource("AWS::EC2::SecurityGroup", {
        "GroupDescription": f"{ctx.app} tasks of {ns}/{name} (NetworkPolicy)",
        "VpcId": Ref("VpcId"),
    }, origin))
    frag.put(CLUSTER_STACK, "Outputs", f"{logical}Id", Output(
        GetAtt(logical, "GroupId"), f"Security group of {ns}/{name}", export_name(f"{logical}Id")))
    return logical


def _peers(peer: NetworkPolicyPeer, ns: str, ctx: Context) -> list[KubeObject]:
    """The pod-running objects (Jobs and CronJobs too) a pod or namespace peer selects."""
    namespaces = namespaces_matching(peer.namespace_selector, ctx) if peer.namespace_selector else [ns]
    pods = peer.pod_selector or LabelSelector()
    return sorted((obj for obj, _ in pod_owners(ctx) if ctx.namespace_of(obj) in namespaces
                   and matches(pods, pod_labels(obj))),
                  key=lambda o: (ctx.namespace_of(o), o.name))


def _port_range(port: NetworkPolicyPort, workload: Workload) -> tuple[str, int, int] | str:
    """(protocol, from, to) of a policy port on this workload, or why it cannot be one."""
    protocol = PROTOCOLS.get(port.protocol)
    if protocol is None:
        return f"protocol {port.protocol} has no security-group rule"
    if port.port is None:
        return protocol, 0, 65535
    if isinstance(port.port, str):
        found = workload.container_for_port(port.port, 0)
        if found is None:
            return f"port {port.port!r} names no container port of {workload.obj.name}"
        return protocol, found[1], found[1]
    return protocol, port.port, port.end_port or port.port


def map(obj: NetworkPolicy, frag: Fragment, ctx: Context) -> None:
    entry = frag.entry
    spec = obj.spec
    protected = list(resolved(obj, ctx).protected)
    types = _types(obj)
    if spec.egress or "Egress" in types:
        entry.lossy("/spec/egress" if spec.egress else "/spec/policyTypes",
                    "egress is not restricted: tasks keep allow-all egress (restricting it "
                    "would also cut AWS API, image and log traffic)")
    if not protected:
        entry.lossy("/spec/podSelector", "selects no workload in the input: no rule is made")
        return
    names = ", ".join(w.obj.name for w in protected)
    entry.mapped("/spec/podSelector", Target(CLUSTER_STACK, "/Resources"),
                 f"own security groups for {names}")
    if "Ingress" not in types:
        return
    groups = {w.obj.name: _own_group(w.namespace, w.obj.name, w.obj.ref, frag, ctx)
              for w in protected}
    entry.notes.append("security groups only allow: the policy holds only if the groups of "
                       "your own you add (SecurityGroupIds) do not admit traffic between tasks")
    entry.notes.append(f"{names}: no rule from the app's tasks on the Service ports; their "
                       "load balancers (if any) are admitted on the target ports, as the AWS "
                       "Load Balancer Controller's rules did")
    if spec.policy_types:
        entry.mapped("/spec/policyTypes", Target(CLUSTER_STACK, "/Resources"),
                     "Ingress: only the rules below admit traffic to the tasks' own groups"
                     if spec.ingress else "Ingress with no rule: no traffic is admitted")
    for i in range(len(spec.ingress)):
        _ingress_rule(obj, i, protected, groups, frag, ctx)


def _ingress_rule(obj: NetworkPolicy, i: int, protected: list[Workload],
                  groups: dict[str, str], frag: Fragment, ctx: Context) -> None:
    entry = frag.entry
    ns = ctx.namespace_of(obj)
    rule = obj.spec.ingress[i]
    path = f"/spec/ingress/{i}"
    # sources: (pointer, what the rule names it by, the source property)
    sources: list[tuple[str, str, dict[str, Any]]] = []
    if not rule.from_:
        entry.lossy(path, "no `from`: every source; the app's tasks are admitted (its group), "
                    "hosts outside the app are not: add a CIDR rule for them")
        sources.append((path, "every task of the app", {
            "SourceSecurityGroupId": GetAtt(APP_GROUP, "GroupId")}))
    for j, peer in enumerate(rule.from_):
        peer_path = f"{path}/from/{j}"
        if peer.ip_block is not None:
            cidr = str(peer.ip_block.get("cidr", ""))
            try:
                network = ipaddress.ip_network(cidr, strict=False)
            except ValueError:
                entry.unsupported(peer_path, f"ipBlock cidr {cidr!r} is not a CIDR")
                continue
            if network in WORLD:
                entry.lossy(peer_path, f"ipBlock {network} admits the app's tasks (its group) "
                            "rather than the whole world: a task takes traffic from outside "
                            "only through its load balancer")
                sources.append((peer_path, "every task of the app", {
                    "SourceSecurityGroupId": GetAtt(APP_GROUP, "GroupId")}))
                continue
            key = "CidrIp" if network.version == 4 else "CidrIpv6"
            sources.append((peer_path, str(network), {key: str(network)}))
            if peer.ip_block.get("except"):
                entry.lossy(f"{peer_path}/ipBlock/except", "security groups cannot exclude "
                            "addresses: the whole cidr is allowed")
            continue
        found = resolved(obj, ctx).peers[(i, j)]
        if not found:
            entry.lossy(peer_path, "selects no workload in the input: nothing is allowed")
            continue
        if peer.namespace_selector is not None:
            entry.mapped(f"{peer_path}/namespaceSelector", None, "resolved against the "
                         "namespaces of the input (labels of their Namespace objects)")
        for source in found:
            source_ns = ctx.namespace_of(source)
            group = _own_group(source_ns, source.name, source.ref, frag, ctx)
            sources.append((peer_path, f"{source_ns}/{source.name}",
                            {"SourceSecurityGroupId": GetAtt(group, "GroupId")}))
    ports = rule.ports or [NetworkPolicyPort()]
    for target in protected:
        for k, port in enumerate(ports):
            port_path = f"{path}/ports/{k}" if rule.ports else path
            allowed = _port_range(port, target)
            if isinstance(allowed, str):
                entry.unsupported(port_path, allowed)
                continue
            protocol, low, high = allowed
            for n, (peer_path, label, source_prop) in enumerate(sources):
                logical = f"{groups[target.obj.name]}In{pascal(obj.name)}R{i}P{k}S{n}"
                frag.put(CLUSTER_STACK, "Resources", logical, Resource(
                    "AWS::EC2::SecurityGroupIngress", {
                        "GroupId": GetAtt(groups[target.obj.name], "GroupId"),
                        "IpProtocol": protocol, "FromPort": low, "ToPort": high,
                        "Description": f"NetworkPolicy {ns}/{obj.name}: from {label}",
                        **source_prop,
                    }, obj.ref))
                to = Target(CLUSTER_STACK, f"/Resources/{logical}")
                entry.mapped(peer_path, to, f"{label} -> {target.obj.name} {protocol} "
                             f"{low}-{high}" if low != high else
                             f"{label} -> {target.obj.name} {protocol} {low}")
                if rule.ports:
                    entry.mapped(port_path, to)
