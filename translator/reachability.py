"""Reachability (validate stage): whether the security groups of all the templates of one
output let through what the cluster let through, and nothing it did not.

From every template, resolving Ref, Fn::GetAtt, Fn::ImportValue against the other stacks'
exports, Fn::Sub, Join, Split, Select and If, and each parameter as deployed (its default,
or the stack output deploy.sh passes), it builds the graph of security groups and their
ingress rules, then follows every path the output depends on:

- load balancer -> target (E9201): each container port an ECS service registers in a target
  group, and that group's health-check port, from every security group of each load
  balancer forwarding to it;
- task -> task (E9202, E9203): each connection the rules declared from the manifests
  (`Plan.reaches`): a workload naming a Service reaches the container port behind it, or,
  when a NetworkPolicy refused it, no rule admits it (with Service Connect too: the client's
  proxy connects to the server's on the port mapping's containerPort, ingressPortOverride
  being unset in awsvpc mode; https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-connect-concepts-deploy.html);
- task -> EFS (E9204): the tasks that mount a file system reach each of its mount targets
  on NFS (2049);
- task -> VPC endpoint (E9207): every task reaches each interface endpoint on HTTPS (443),
  or it cannot pull its image, send its logs or read its secrets without a NAT gateway;
- the world (E9205): no rule admits 0.0.0.0/0 or ::/0 but on a load balancer's own group,
  on one of its listeners' ports;
- ECS's bound (E9206): at most 5 security groups on a task.

A path counts only through a rule whose source is a security group the templates create: a
CIDR or a group of the operator's (a parameter) cannot prove that a task's address is in it.
https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from translator.cfn import to_json
from translator.cfnvalues import Opaque, Res, Resolver, Template, groups
from translator.errors import LintFinding
from translator.plan import Plan, Reach
from translator.report import Cell, Code, Strong, Table

NFS_PORT = 2049
MAX_GROUPS = 5  # per awsvpcConfiguration
# https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_AwsVpcConfiguration.html
WORLD = ("0.0.0.0/0", "::/0")
PROTOCOLS = {"6": "tcp", "17": "udp", "all": "-1"}
LISTENER_PROTOCOLS = {"HTTP": ("tcp",), "HTTPS": ("tcp",), "TCP": ("tcp",), "TLS": ("tcp",),
                      "UDP": ("udp",), "TCP_UDP": ("tcp", "udp")}
RULES = {"load balancer": "E9201", "call": "E9202", "denied": "E9203", "volume": "E9204",
         "world": "E9205", "limit": "E9206", "endpoint": "E9207"}
HTTPS = 443


# --- the graph ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """One ingress rule: what may reach `target` (a security group)."""

    target: Any
    source: Any  # a security group, or a CIDR string (or Opaque)
    protocol: str  # tcp | udp | icmp | -1
    low: int
    high: int
    file: str
    logical: str  # where it is written (the group, for a rule inline in it)
    cidr: bool

    def admits(self, protocol: str, port: int) -> bool:
        return self.protocol in ("-1", protocol) and self.low <= port <= self.high

    @property
    def place(self) -> str:
        return f"{self.file}#{self.logical}"


@dataclass(frozen=True)
class Path:
    """One path the output depends on, and whether its security groups let it through."""

    kind: str  # load balancer | call | denied | volume | endpoint | world | limit
    source: str
    target: str
    ok: bool
    detail: str  # the rule that admits it, or what is missing
    file: str  # where a failure is reported
    logical: str
    why: str = ""  # what in the manifests asks for it

    @property
    def rule(self) -> str:
        return RULES[self.kind]


@dataclass
class Analysis:
    paths: list[Path]
    templates: dict[str, Template]

    @property
    def failures(self) -> list[Path]:
        return [p for p in self.paths if not p.ok]

    def findings(self) -> list[LintFinding]:
        out = []
        for path in self.failures:
            t = self.templates[path.file]
            why = f" ({path.why})" if path.why else ""
            out.append(LintFinding(path.file, t.line(path.logical), path.rule, "error",
                                   f"{path.source} -> {path.target}: {path.detail}{why}"))
        return out

    def with_texts(self, texts: Mapping[str, str]) -> Analysis:
        """The same paths, their findings located in the rendered templates."""
        return Analysis(self.paths, {file: replace(t, text=texts.get(file, t.text))
                                     for file, t in self.templates.items()})

    def table(self) -> Table:
        """The report's section: every path, and the rule that lets it through."""
        rows: list[tuple[Cell, ...]] = [
            (p.kind, p.source, p.target, "yes" if p.ok else Strong("NO"),
             Code(p.detail) if p.ok and "#" in p.detail else p.detail)
            for p in self.paths]
        return Table("Network: who reaches whom", ("path", "from", "to", "open as on EKS",
                                                   "rule"), rows, anchor="network",
                     intro="Every path the templates' security groups decide: load balancers "
                           "to their targets, the Services each workload names (refused ones "
                           "must stay closed), EFS mounts, and what is open to the world. "
                           "Egress is open, as it was for the pods.",
                     empty="No path between security groups in this output.")

    def counts(self) -> dict[str, int]:
        found: dict[str, int] = {}
        for path in self.paths:
            found[path.kind] = found.get(path.kind, 0) + 1
        return found

    def as_dict(self) -> dict[str, Any]:
        return {"paths": [{"kind": p.kind, "from": p.source, "to": p.target, "ok": p.ok,
                           "detail": p.detail, **({"why": p.why} if p.why else {})}
                          for p in self.paths],
                "failed": len(self.failures)}


class Graph:
    def __init__(self, resolver: Resolver) -> None:
        self.resolver = resolver
        self.rules: dict[Any, list[Rule]] = {}
        self.balancer_groups: dict[Any, Res] = {}  # a load balancer's group -> the balancer
        for t in resolver.templates.values():
            for logical, props in t.resources("AWS::EC2::SecurityGroup"):
                for rule in props.get("SecurityGroupIngress", []) or []:
                    self._add(t, logical, Res(t.file, logical), rule)
            for logical, props in t.resources("AWS::EC2::SecurityGroupIngress"):
                if resolver.present(t, logical):
                    self._add(t, logical, resolver.value(t, props.get("GroupId")), props)

    def _add(self, t: Template, logical: str, target: Any, rule: Mapping[str, Any]) -> None:
        value = self.resolver.value
        protocol = str(value(t, rule.get("IpProtocol", "-1"))).lower()
        protocol = PROTOCOLS.get(protocol, protocol)
        low, high = (value(t, rule.get("FromPort", 0)), value(t, rule.get("ToPort", 65535)))
        if protocol == "-1" or not isinstance(low, int) or low < 0:
            low, high = 0, 65535
        source: Any = None
        cidr = False
        for key in ("SourceSecurityGroupId", "CidrIp", "CidrIpv6", "SourcePrefixListId"):
            if key in rule:
                source = value(t, rule[key])
                cidr = key != "SourceSecurityGroupId"
        self.rules.setdefault(target, []).append(
            Rule(target, source, protocol, int(low), int(high), t.file, logical, cidr))

    def admitting(self, sources: list[Any], targets: list[Any], protocol: str,
                  port: int) -> Rule | None:
        """The first rule on one of `targets` whose source is one of `sources`."""
        for target in targets:
            for rule in self.rules.get(target, []):
                if not rule.cidr and rule.source in sources and rule.admits(protocol, port):
                    return rule
        return None


def check(plan: Plan, texts: Mapping[str, str] | None = None,
          bindings: Mapping[tuple[str, str], tuple[str, str]] | None = None) -> Analysis:
    """Follow every path of a plan's templates (rendered `texts` give the findings' lines)."""
    templates = [Template(stack.file, stack.stack_name, stack.info.key, to_json(stack.as_cfn()),
                          {logical: r.origin for logical, r in stack.resources.items()},
                          (texts or {}).get(stack.file, ""))
                 for stack in plan.stacks]
    return analyse(templates, plan.reaches, bindings)


def analyse(templates: list[Template], reaches: Iterable[Reach] = (),
            bindings: Mapping[tuple[str, str], tuple[str, str]] | None = None) -> Analysis:
    resolver = Resolver(templates, bindings)
    graph = Graph(resolver)
    tasks = _task_groups(resolver)
    paths: list[Path] = []
    paths += _balancers(resolver, graph, tasks)
    paths += _calls(resolver, graph, tasks, reaches)
    paths += _volumes(resolver, graph, tasks)
    paths += _endpoints(resolver, graph, tasks)
    paths += _world(resolver, graph)
    paths += _limits(resolver)
    return Analysis(paths, resolver.templates)


# --- where tasks run -----------------------------------------------------------------------


@dataclass(frozen=True)
class Tasks:
    """The tasks of one stack: who they are and the groups they run in."""

    file: str
    logical: str  # the ECS service, schedule or output that places them
    who: str
    groups: tuple[Any, ...]


def _task_groups(resolver: Resolver) -> dict[str, list[Tasks]]:
    """Per template: every place that starts tasks, with their security groups."""
    out: dict[str, list[Tasks]] = {}
    for t in resolver.templates.values():
        found = out.setdefault(t.file, [])
        for logical, props in t.resources("AWS::ECS::Service"):
            network = (props.get("NetworkConfiguration") or {}).get("AwsvpcConfiguration") or {}
            found.append(Tasks(t.file, logical, t.origin(logical),
                               tuple(groups(resolver.value(t, network.get("SecurityGroups"))))))
        for logical, props in t.resources("AWS::Scheduler::Schedule"):
            ecs = ((props.get("Target") or {}).get("EcsParameters") or {})
            network = (ecs.get("NetworkConfiguration") or {}).get("AwsvpcConfiguration") or {}
            found.append(Tasks(t.file, logical, t.origin(logical),
                               tuple(groups(resolver.value(t, network.get("SecurityGroups"))))))
        if "SecurityGroups" in t.body.get("Outputs", {}) and not found:
            task = next((logical for logical, _ in t.resources("AWS::ECS::TaskDefinition")),
                        "SecurityGroups")
            found.append(Tasks(t.file, task, t.origin(task), tuple(_run_task_groups(resolver, t))))
    return out


def _run_task_groups(resolver: Resolver, t: Template) -> list[Any]:
    """The groups deploy.sh gives `aws ecs run-task`: the stack's SecurityGroups output, and
    each output of the cluster stack its ClusterSecurityGroups output names."""
    outputs = t.body.get("Outputs", {})
    found = groups(resolver.value(t, outputs["SecurityGroups"].get("Value")))
    names = resolver.value(t, (outputs.get("ClusterSecurityGroups") or {}).get("Value", ""))
    cluster = resolver.by_stack.get(str(resolver.value(
        t, (outputs.get("ClusterStackName") or {}).get("Value"))))
    for name in str(names).split(",") if isinstance(names, str) and names else []:
        output = cluster.body.get("Outputs", {}).get(name) if cluster else None
        found += groups(resolver.value(cluster, output.get("Value"))) if cluster and output \
            else [Opaque(f"output {name} of the cluster stack")]
    return found


def _known(items: Iterable[Any]) -> list[Any]:
    return [g for g in items if isinstance(g, Res)]


def _name(resolver: Resolver, group: Any) -> str:
    if isinstance(group, Res):
        return f"{group.file}#{group.logical}"
    return str(getattr(group, "what", group))


# --- the paths -----------------------------------------------------------------------------


def _forwarders(resolver: Resolver) -> dict[Any, set[Res]]:
    """Target group -> the load balancers whose listeners (or their rules) forward to it."""
    listeners: dict[Res, Res] = {}
    sends: list[tuple[Res | None, Any, Template]] = []  # (listener, actions, template)
    for t in resolver.templates.values():
        for logical, props in t.resources("AWS::ElasticLoadBalancingV2::Listener"):
            balancer = resolver.value(t, props.get("LoadBalancerArn"))
            if isinstance(balancer, Res):
                listeners[Res(t.file, logical)] = balancer
            sends.append((Res(t.file, logical), props.get("DefaultActions"), t))
        for _, props in t.resources("AWS::ElasticLoadBalancingV2::ListenerRule"):
            listener = resolver.value(t, props.get("ListenerArn"))
            sends.append((listener if isinstance(listener, Res) else None,
                          props.get("Actions"), t))
    out: dict[Any, set[Res]] = {}
    for listener, actions, t in sends:
        balancer = listeners.get(listener) if listener is not None else None
        if balancer is None:
            continue
        for action in actions or []:
            if not isinstance(action, Mapping):
                continue
            arns = [action.get("TargetGroupArn")] + [
                g.get("TargetGroupArn") for g in
                ((action.get("ForwardConfig") or {}).get("TargetGroups") or [])]
            for arn in arns:
                if arn is not None:
                    out.setdefault(resolver.value(t, arn), set()).add(balancer)
    return out


def _resource(resolver: Resolver, ref: Res) -> Mapping[str, Any]:
    found: Mapping[str, Any] = resolver.templates[ref.file].body["Resources"][ref.logical]
    return found


def _balancers(resolver: Resolver, graph: Graph, tasks: dict[str, list[Tasks]]) -> list[Path]:
    forwarders = _forwarders(resolver)
    paths = []
    for t in resolver.templates.values():
        for logical, props in t.resources("AWS::ECS::Service"):
            placed = next(p for p in tasks[t.file] if p.logical == logical)
            for entry in props.get("LoadBalancers", []) or []:
                group = resolver.value(t, entry.get("TargetGroupArn"))
                port = resolver.value(t, entry.get("ContainerPort"))
                container = f"{placed.who} container {entry.get('ContainerName')}"
                if not isinstance(group, Res) or not isinstance(port, int):
                    paths.append(Path("load balancer", _name(resolver, group),
                                      f"{container} {port}", False, "the target group is "
                                      "none of the templates' own", t.file, logical))
                    continue
                target_props = _resource(resolver, group).get("Properties", {})
                owner = resolver.templates[group.file]
                protocols = LISTENER_PROTOCOLS.get(str(target_props.get("Protocol", "TCP")),
                                                   ("tcp",))
                ports = [port]
                check = resolver.value(owner, target_props.get("HealthCheckPort", "traffic-port"))
                if isinstance(check, int | str) and str(check).isdigit() and int(check) != port:
                    ports.append(int(check))
                for balancer in sorted(forwarders.get(group, set()), key=repr):
                    lb = resolver.templates[balancer.file]
                    lb_props = _resource(resolver, balancer).get("Properties", {})
                    lb_groups = groups(resolver.value(lb, lb_props.get("SecurityGroups")))
                    source = f"{lb.origin(balancer.logical)} (load balancer {balancer.logical})"
                    for number in ports:
                        for protocol in protocols:
                            if protocol == "udp" and number != port:
                                continue  # health checks are TCP or HTTP
                            target = f"{container} {protocol} {number}"
                            if not _known(lb_groups):
                                paths.append(Path("load balancer", source, target, False,
                                                  "the load balancer has no security group "
                                                  "of the templates' own to admit",
                                                  t.file, logical))
                                continue
                            rule = graph.admitting(_known(lb_groups), list(placed.groups),
                                                   protocol, number)
                            paths.append(Path(
                                "load balancer", source, target, rule is not None,
                                rule.place if rule else "no ingress rule on the tasks' groups "
                                f"admits {', '.join(_name(resolver, g) for g in lb_groups)}",
                                t.file, logical))
    return paths


def _calls(resolver: Resolver, graph: Graph, tasks: dict[str, list[Tasks]],
           reaches: Iterable[Reach]) -> list[Path]:
    paths = []
    for reach in reaches:
        caller, callee = resolver.by_key.get(reach.source), resolver.by_key.get(reach.target)
        if caller is None or callee is None:
            continue
        sources = [g for placed in tasks[caller.file] for g in _known(placed.groups)]
        for placed in tasks[callee.file]:
            source = next((p.who for p in tasks[caller.file]), caller.file)
            target = f"{placed.who} {reach.protocol} {reach.port}"
            rule = graph.admitting(sources, list(placed.groups), reach.protocol, reach.port)
            if reach.denied_by:
                paths.append(Path("denied", source, target, rule is None,
                                  f"refused by {reach.denied_by}" if rule is None else
                                  f"{rule.place} admits it, though {reach.denied_by} refuses it",
                                  rule.file if rule else callee.file,
                                  rule.logical if rule else placed.logical, reach.why))
            else:
                paths.append(Path("call", source, target, rule is not None,
                                  rule.place if rule else "no ingress rule on the callee's "
                                  "groups admits a group of the caller's",
                                  callee.file, placed.logical, reach.why))
    return paths


def _volumes(resolver: Resolver, graph: Graph, tasks: dict[str, list[Tasks]]) -> list[Path]:
    mount_targets: dict[Any, list[tuple[Template, str, list[Any]]]] = {}
    for t in resolver.templates.values():
        for logical, props in t.resources("AWS::EFS::MountTarget"):
            if resolver.present(t, logical):
                mount_targets.setdefault(resolver.value(t, props.get("FileSystemId")), []).append(
                    (t, logical, groups(resolver.value(t, props.get("SecurityGroups")))))
    paths = []
    for t in resolver.templates.values():
        for _, props in t.resources("AWS::ECS::TaskDefinition"):
            for volume in props.get("Volumes", []) or []:
                efs = volume.get("EFSVolumeConfiguration")
                if not efs:
                    continue
                file_system = resolver.value(t, efs.get("FilesystemId"))
                for placed in tasks[t.file]:
                    for owner, target, target_groups in mount_targets.get(file_system, []):
                        where = f"{owner.origin(target)} (mount target {target}) tcp {NFS_PORT}"
                        rule = graph.admitting(_known(placed.groups), target_groups, "tcp",
                                               NFS_PORT)
                        paths.append(Path("volume", f"{placed.who} volume {volume.get('Name')}",
                                          where, rule is not None,
                                          rule.place if rule else "no ingress rule on the "
                                          "mount target's groups admits the tasks' groups",
                                          t.file, placed.logical))
    return paths


def _endpoints(resolver: Resolver, graph: Graph, tasks: dict[str, list[Tasks]]) -> list[Path]:
    endpoints = []
    for t in resolver.templates.values():
        for logical, props in t.resources("AWS::EC2::VPCEndpoint"):
            if props.get("VpcEndpointType") == "Interface" and resolver.present(t, logical):
                endpoints.append((t, logical, groups(resolver.value(t, props.get("SecurityGroupIds")))))
    paths = []
    for placed in (p for found in tasks.values() for p in found):
        for owner, logical, endpoint_groups in endpoints:
            rule = graph.admitting(_known(placed.groups), endpoint_groups, "tcp", HTTPS)
            paths.append(Path("endpoint", placed.who, f"VPC endpoint {logical} tcp {HTTPS}",
                              rule is not None, rule.place if rule else "no ingress rule on "
                              "the endpoint's groups admits the tasks' groups",
                              owner.file, logical))
    return paths


def _world(resolver: Resolver, graph: Graph) -> list[Path]:
    listeners: dict[Any, set[tuple[str, int]]] = {}  # a balancer's group -> (protocol, port)
    # a Service's listeners sit in its workload's stack, their load balancer in another
    balancers = {Res(t.file, logical): (t, props) for t in resolver.templates.values()
                 for logical, props in t.resources("AWS::ElasticLoadBalancingV2::LoadBalancer")}
    for t in resolver.templates.values():
        for _, props in t.resources("AWS::ElasticLoadBalancingV2::Listener"):
            balancer = resolver.value(t, props.get("LoadBalancerArn"))
            port = resolver.value(t, props.get("Port"))
            if not isinstance(balancer, Res) or balancer not in balancers \
                    or not isinstance(port, int):
                continue
            home, lb = balancers[balancer]
            for group in groups(resolver.value(home, lb.get("SecurityGroups"))):
                for protocol in LISTENER_PROTOCOLS.get(str(props.get("Protocol")), ("tcp",)):
                    listeners.setdefault(group, set()).add((protocol, port))
    paths = []
    for rules in graph.rules.values():
        for rule in rules:
            if not rule.cidr or rule.source not in WORLD:
                continue
            t = resolver.templates[rule.file]
            opened = f"{rule.protocol} {rule.low}" + (f"-{rule.high}" if rule.high != rule.low else "")
            allowed = rule.low == rule.high and (rule.protocol, rule.low) in listeners.get(rule.target, set())
            paths.append(Path("world", f"{rule.source} (anyone)",
                              f"{_name(resolver, rule.target)} {opened}", allowed,
                              f"the listener's port, {rule.place}" if allowed else
                              f"{rule.place} opens it, and no listener of a load balancer in "
                              "that group serves it", rule.file, rule.logical,
                              t.origin(rule.logical)))
    return paths


def _limits(resolver: Resolver) -> list[Path]:
    paths = []
    for placed in (p for found in _task_groups(resolver).values() for p in found):
        count = len(placed.groups)
        if count > MAX_GROUPS:
            paths.append(Path("limit", placed.who, f"{count} security groups", False,
                              f"ECS takes at most {MAX_GROUPS} per task", placed.file,
                              placed.logical))
    return paths
