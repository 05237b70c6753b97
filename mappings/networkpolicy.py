"""NetworkPolicy -> security-group rules between the ECS services.

Every workload a policy names (the pods it protects and the pods it lets in) gets its own
security group in the cluster stack, added to its ECS service next to the parameter groups,
so rules can name it: each allowed (peer, port) becomes an AWS::EC2::SecurityGroupIngress
on the protected workload's group with the peer's group as source; ipBlock peers become
CIDR rules. The groups and rules live in the cluster stack, deployed before any workload.

Security groups only ever allow: the policy holds only if the parameter groups
(SecurityGroupIds) do not themselves admit traffic between tasks, which the report says.
Egress rules are reported: tasks keep the default allow-all egress.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from mappings.ingress import backends
from mappings.workloads import Workload, all_workloads, matches, namespaces_matching, selected_by
from translator.cfn import GetAtt, Join, Ref, Split
from translator.context import CLUSTER_STACK, Context, export_name, import_from, pascal
from translator.models import (
    Ingress,
    LabelSelector,
    NetworkPolicy,
    NetworkPolicyPeer,
    NetworkPolicyPort,
    Service,
)
from translator.plan import Fragment, Output, Resource, SetProperty, Target

KIND = "NetworkPolicy"
API_VERSIONS = ("networking.k8s.io/v1",)
MODEL = NetworkPolicy
FIELDS = (
    "/spec/podSelector", "/spec/policyTypes", "/spec/egress", "/spec/ingress/*",
    "/spec/ingress/*/from/*", "/spec/ingress/*/from/*/namespaceSelector",
    "/spec/ingress/*/from/*/ipBlock/except", "/spec/ingress/*/ports/*",
)

PROTOCOLS = {"TCP": "tcp", "UDP": "udp"}


def group_id(workload: Workload, ctx: Context) -> str:
    return f"TaskSecurityGroup{pascal(ctx.workload_title(workload.namespace, workload.obj.name))}"


def _own_group(workload: Workload, frag: Fragment, ctx: Context) -> str:
    """Declare the workload's security group (same value from every policy) and use it."""
    logical = group_id(workload, ctx)
    origin = f"{workload.obj.kind}/{workload.obj.name}"
    frag.put(CLUSTER_STACK, "Resources", logical, Resource("AWS::EC2::SecurityGroup", {
        "GroupDescription": f"{ctx.app} tasks of {workload.namespace}/{workload.obj.name} "
                            "(NetworkPolicy)",
        "VpcId": Ref("VpcId"),
    }, origin))
    frag.put(CLUSTER_STACK, "Outputs", f"{logical}Id", Output(
        GetAtt(logical, "GroupId"), f"Security group of {workload.namespace}/{workload.obj.name}",
        export_name(f"{logical}Id")))
    # the parameter groups (a List parameter) plus this one
    groups = Split(",", Join(",", (Join(",", Ref("SecurityGroupIds")),
                                   import_from("ClusterStackName", f"{logical}Id"))))
    frag.sets.append(SetProperty(workload.stack, "Service",
                                 "NetworkConfiguration/AwsvpcConfiguration/SecurityGroups", groups,
                                 "/spec/podSelector"))
    return logical


def _peers(peer: NetworkPolicyPeer, ns: str, ctx: Context) -> list[Workload]:
    namespaces = namespaces_matching(peer.namespace_selector, ctx) if peer.namespace_selector \
        else [ns]
    pods = peer.pod_selector or LabelSelector()
    return sorted((w for w in all_workloads(ctx) if w.namespace in namespaces
                   and matches(pods, w.obj.spec.template.labels)),
                  key=lambda w: (w.namespace, w.obj.name))


def _behind_load_balancer(workload: Workload, ctx: Context) -> bool:
    """Whether an Ingress or a LoadBalancer Service sends traffic to the workload."""
    services = [s for s in ctx.all(Service) if workload in selected_by(s, ctx)]
    if any(s.spec.type == "LoadBalancer" for s in services):
        return True
    names = {s.name for s in services}
    return any(ctx.namespace_of(ing) == workload.namespace and backends(ing) & names
               for ing in ctx.all(Ingress))


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
    ns = ctx.namespace_of(obj)
    spec = obj.spec
    protected = [w for w in all_workloads(ctx) if w.namespace == ns
                 and matches(spec.pod_selector, w.obj.spec.template.labels)]
    protected.sort(key=lambda w: w.obj.name)
    types = spec.policy_types or (["Ingress", "Egress"] if spec.egress else ["Ingress"])
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
    groups = {w.obj.name: _own_group(w, frag, ctx) for w in protected}
    entry.notes.append("security groups only allow: the policy holds only if the "
                       "SecurityGroupIds parameter groups do not admit traffic between tasks")
    for workload in protected:
        if _behind_load_balancer(workload, ctx):
            entry.notes.append(
                f"{workload.obj.name} is a load-balancer target: unless the policy admits the "
                "load balancer's subnets, add its security group (output "
                "LoadBalancerSecurityGroupId) to the rules, as the controller's own rules did")
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
    peers = rule.from_ or [NetworkPolicyPeer(ip_block={"cidr": "0.0.0.0/0"})]
    for j, peer in enumerate(peers):
        peer_path = f"{path}/from/{j}"
        if peer.ip_block is not None:
            cidr = str(peer.ip_block.get("cidr", ""))
            try:
                network = ipaddress.ip_network(cidr, strict=False)
            except ValueError:
                entry.unsupported(peer_path, f"ipBlock cidr {cidr!r} is not a CIDR")
                continue
            key = "CidrIp" if network.version == 4 else "CidrIpv6"
            sources.append((peer_path, str(network), {key: str(network)}))
            if peer.ip_block.get("except"):
                entry.lossy(f"{peer_path}/ipBlock/except", "security groups cannot exclude "
                            "addresses: the whole cidr is allowed")
            continue
        found = _peers(peer, ns, ctx)
        if not found:
            entry.lossy(peer_path, "selects no workload in the input: nothing is allowed")
            continue
        if peer.namespace_selector is not None:
            entry.mapped(f"{peer_path}/namespaceSelector", None, "resolved against the "
                         "namespaces of the input (labels of their Namespace objects)")
        for workload in found:
            source_group = _own_group(workload, frag, ctx)
            sources.append((peer_path, f"{workload.namespace}/{workload.obj.name}",
                            {"SourceSecurityGroupId": GetAtt(source_group, "GroupId")}))
    ports = rule.ports or [NetworkPolicyPort()]
    for target in protected:
        for k, port in enumerate(ports):
            port_path = f"{path}/ports/{k}" if rule.ports else path
            allowed = _port_range(port, target)
            if isinstance(allowed, str):
                entry.unsupported(port_path, allowed)
                continue
            protocol, low, high = allowed
            for n, (peer_path, label, source) in enumerate(sources):
                logical = f"{groups[target.obj.name]}In{pascal(obj.name)}R{i}P{k}S{n}"
                frag.put(CLUSTER_STACK, "Resources", logical, Resource(
                    "AWS::EC2::SecurityGroupIngress", {
                        "GroupId": GetAtt(groups[target.obj.name], "GroupId"),
                        "IpProtocol": protocol, "FromPort": low, "ToPort": high,
                        "Description": f"NetworkPolicy {ns}/{obj.name}: from {label}",
                        **source,
                    }, obj.ref))
                to = Target(CLUSTER_STACK, f"/Resources/{logical}")
                entry.mapped(peer_path, to, f"{label} -> {target.obj.name} {protocol} "
                             f"{low}-{high}" if low != high else
                             f"{label} -> {target.obj.name} {protocol} {low}")
                if rule.ports:
                    entry.mapped(port_path, to)
