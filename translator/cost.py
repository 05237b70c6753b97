"""EKS vs ECS Fargate, per month: what the plan costs to run, next to what the same workloads
cost on EKS. Pure: a plan and a price table in, an `Estimate` (data for every renderer) out.

Read from the templates the plan produces (task sizes, desired counts, scaling ranges, load
balancers, what the tasks pull and read), so the estimate is of what would be deployed; what
each pod asked for (its requests, and the size EKS on Fargate gave it) comes from the plan's
entries. Every
figure says what it assumed; prices come from a dated table per region in mappings/data/,
which `--prices FILE` overrides key by key.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from translator.cfn import to_json
from translator.context import Options
from translator.plan import Plan, Stack, TaskSizing
from translator.prices import PriceTable, price_table
from translator.report import Cell, Strong, Table

AVAILABILITY_ZONES = 2  # an ALB needs two; endpoints are priced per zone
NAT_GATEWAYS = 1  # as in the migration guide; one per zone for zone resilience doubles it
LOAD_BALANCER = "AWS::ElasticLoadBalancingV2::LoadBalancer"
NAT_ITEM = "NAT gateway"  # the line the endpoints alternative replaces
PROXY_ITEM = "Service Connect proxy"  # the line --discovery cloudmap leaves out
# Interface endpoints private Fargate tasks need when there is no NAT gateway, by what uses them.
ECR_ENDPOINTS = ("ecr.api", "ecr.dkr")  # plus the S3 gateway endpoint for layers, which is free
LOGS_ENDPOINT = "logs"
EKS_FARGATE_RULE = "https://docs.aws.amazon.com/eks/latest/userguide/fargate-pod-configuration.html"


@dataclass(frozen=True)
class Line:
    """One row: the same thing on both sides. None means the side has no such cost."""

    item: str
    sizing: str
    eks: float | None
    ecs: float | None
    ecs_range: tuple[float, float] | None = None  # HPA min..max tasks
    vcpu_hours: float | None = None  # per month, at the expected task count (ECS side)
    gb_hours: float | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"item": self.item, "sizing": self.sizing,
                               "eks": _cents(self.eks), "ecs": _cents(self.ecs)}
        if self.ecs_range is not None:
            out["ecsRange"] = [_cents(v) for v in self.ecs_range]
        if self.vcpu_hours is not None:
            out["vcpuHours"], out["gbHours"] = self.vcpu_hours, self.gb_hours
        return out


@dataclass(frozen=True)
class Size:
    """A Fargate size (vCPU, GB) and what one task of it costs a month."""

    vcpu: float
    gb: float
    per_task: float

    def __str__(self) -> str:
        return f"{self.vcpu:g} vCPU, {self.gb:g} GB"


@dataclass(frozen=True)
class Sizing:
    """How one workload's task was sized: to hold the larger of each container's request and
    limit (ECS gives a task no more than its size), next to the size its requests alone would
    take on ECS and the size EKS on Fargate gave the pod; monthly at `tasks` tasks."""

    item: str
    tasks: int
    requested: str  # "0.25 vCPU / 300 MiB"
    needed: str  # the larger of requests and limits
    task: Size  # as the template has it
    by_requests: Size  # on ECS, from the requests alone
    eks: Size  # requests + 256 MiB, as EKS on Fargate sizes a pod
    without_proxy: Size | None = None  # the task were no Service Connect proxy in it

    @property
    def sized_by(self) -> str:
        if (self.by_requests.vcpu, self.by_requests.gb) != (self.task.vcpu, self.task.gb):
            return "limits"
        return "requests" if self.requested == self.needed else \
            "requests (the limits fit the same size)"

    def as_dict(self) -> dict[str, Any]:
        return {"item": self.item, "tasks": self.tasks, "requested": self.requested,
                "needed": self.needed, "sizedBy": self.sized_by,
                **{key: {"vcpu": size.vcpu, "gb": size.gb,
                         "monthly": _cents(size.per_task * self.tasks)}
                   for key, size in (("task", self.task), ("byRequests", self.by_requests),
                                     ("eksFargate", self.eks), ("withoutProxy", self.without_proxy))
                   if size is not None}}


@dataclass
class Estimate:
    table: PriceTable
    lines: list[Line] = field(default_factory=list)
    sizes: list[Sizing] = field(default_factory=list)  # the workloads' task sizes
    alternative: Line | None = None  # VPC endpoints in place of the NAT gateway, ECS side
    assumptions: list[str] = field(default_factory=list)

    def total(self, side: str) -> float:
        return sum(getattr(line, side) or 0.0 for line in self.lines)

    def total_with_alternative(self) -> float | None:
        if self.alternative is None:
            return None
        nat = sum(line.ecs or 0.0 for line in self.lines if line.item == NAT_ITEM)
        return self.total("ecs") - nat + (self.alternative.ecs or 0.0)

    def total_without_proxy(self) -> float | None:
        """The ECS total under --discovery cloudmap: the same tasks, no proxy in them."""
        proxy = [line.ecs or 0.0 for line in self.lines if line.item == PROXY_ITEM]
        return self.total("ecs") - sum(proxy) if proxy else None

    def as_dict(self) -> dict[str, Any]:
        t = self.table
        with_endpoints = self.total_with_alternative()
        without_proxy = self.total_without_proxy()
        return {
            "region": t.region, "currency": t.currency, "hoursPerMonth": t.hours,
            "lines": [line.as_dict() for line in self.lines],
            "total": {"eks": _cents(self.total("eks")), "ecs": _cents(self.total("ecs"))},
            "alternative": ({**self.alternative.as_dict(), "ecsTotal": _cents(with_endpoints)}
                            if self.alternative else None),
            "cloudMap": (None if without_proxy is None
                         else {"ecsTotal": _cents(without_proxy)}),
            "sizes": [size.as_dict() for size in self.sizes],
            "assumptions": list(self.assumptions),
            "prices": {k: {"usd": p.usd, "per": p.per, "date": p.date, "source": p.source}
                       for k, p in sorted(t.prices.items())},
            "priceFiles": list(t.files),
        }


def _cents(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


@dataclass(frozen=True)
class _Workload:
    item: str
    vcpu: float
    gb: float
    arm: bool
    tasks: int
    scaling: tuple[int, int] | None
    images: tuple[str, ...]
    secret_stores: frozenset[str]  # "secretsmanager" and/or "ssm"
    sizing: TaskSizing | None  # what the pod asked for (None: not from a pod of the input)


def from_options(plan: Plan, options: Options) -> Estimate | None:
    """The estimate for the options' region and price file; None without a price table."""
    table = price_table(options.region, options.prices)
    return estimate(plan, table, options.eks_node_cost) if table else None


def estimate(plan: Plan, table: PriceTable, eks_node_cost: float | None = None) -> Estimate:
    out = Estimate(table)
    hours = table.hours
    out.assumptions.append(f"{hours:g} hours a month, on-demand {table.region} prices, "
                           f"{table.currency} (from {', '.join(table.files)}).")
    out.lines.append(Line("Control plane", "1 EKS cluster; ECS has no cluster charge",
                          table.monthly("eks_cluster_hour"), 0.0))
    labels, sizings = _labels(plan), _sizings(plan)
    workloads = [w for stack in plan.stacks for w in _workloads(stack, labels, sizings)]
    proxied: list[tuple[_Workload, Size, Size]] = []  # (workload, its task, the task without)
    for w in workloads:
        task = _size(table, w, (int(w.vcpu * 1024), int(w.gb * 1024)))
        # the proxy's share is a line of its own, so the workload's is what the pod needs
        bare = task if w.sizing is None or w.sizing.without_proxy is None \
            else _size(table, w, w.sizing.without_proxy)
        if bare is not task:
            proxied.append((w, task, bare))
        sizing = f"{bare} x {w.tasks} task{'s' if w.tasks != 1 else ''}"
        if bare != task:
            sizing += f" ({task} with the proxy)"
        spread = None
        if w.scaling:
            sizing += f" (autoscaling {w.scaling[0]}-{w.scaling[1]})"
            spread = (bare.per_task * w.scaling[0], bare.per_task * w.scaling[1])
        eks: Size | None = task  # a pod of the same size, when the plan does not say
        if w.sizing is not None:
            eks = _size(table, w, w.sizing.eks_fargate)
            out.sizes.append(Sizing(w.item, w.tasks, _demand(w.sizing.requested),
                                    _demand(w.sizing.needed), task,
                                    _size(table, w, w.sizing.by_requests), eks,
                                    None if bare is task else bare))
        if eks_node_cost is not None:
            eks = None
        elif eks != bare:
            sizing += f"; EKS pod {eks}"
        out.lines.append(Line(w.item, sizing, None if eks is None else eks.per_task * w.tasks,
                              bare.per_task * w.tasks, spread, round(bare.vcpu * w.tasks * hours, 2),
                              round(bare.gb * w.tasks * hours, 2)))
    if proxied:
        out.lines.append(_proxy_line(proxied, hours))
    if eks_node_cost is not None:
        out.lines.append(Line("EKS worker nodes", "as stated with --eks-node-cost", eks_node_cost, None))
        out.assumptions.append("EKS compute is the node cost you stated; ECS lines are Fargate tasks.")
    elif workloads:
        out.assumptions.append(
            "EKS pods are priced as EKS on Fargate sizes them: the pod's requests (the largest "
            "init container's, or the running containers' together, whichever is more) plus "
            "256 MiB for the kubelet, kube-proxy and containerd, rounded up to a Fargate size "
            f"({EKS_FARGATE_RULE}). ECS tasks are sized to hold each "
            "container's limit, as ECS gives a task no more than its size: 'Cost: task sizes' "
            "shows which sized each task and what its requests alone would cost. State your "
            "node bill with --eks-node-cost USD for EC2 node groups.")
    if proxied:
        out.assumptions.append(
            "ECS tasks hold the Service Connect proxy too: 256 CPU units and 64 MiB more per "
            "task, as the ECS developer guide recommends (service-connect-concepts-deploy.html). "
            f"The '{PROXY_ITEM}' line is what that adds once each task is rounded up to a "
            "Fargate size, the workload lines what the pods need; --discovery cloudmap runs no "
            "proxy, for the total the table shows without it.")
    if any(w.scaling for w in workloads):
        out.assumptions.append("Tasks: the Deployment's replicas, or under autoscaling its "
                               "minimum (the service has no DesiredCount: it rests at "
                               "MinCapacity, as the HPA rests at minReplicas); the range shows "
                               "the cost at the autoscaling minimum and maximum.")
    balancers: dict[str, set[tuple[str, str]]] = {"Ingress": set(), "Service": set()}
    for entry in plan.entries:  # load balancers on ECS, by the kind that made them
        if entry.kind in balancers:
            balancers[entry.kind] |= {(stack, logical) for stack, logical in entry.resources
                                      if plan.stack(stack).resources[logical].type == LOAD_BALANCER}
    made_by = {kind: len(found) for kind, found in balancers.items()}
    # on EKS, an Ingress group has one ALB, as on ECS, and so has an in-cluster controller's
    # class; each other Ingress without group.name has its own, where the translation shares
    # one between Ingresses of equal settings
    ingresses = len({e.eks_balancer for e in plan.entries if e.kind == "Ingress"
                     and e.eks_balancer is not None})
    if made_by["Ingress"] or ingresses:
        out.lines.append(Line("Application Load Balancer",
                              f"{ingresses} on EKS (one per Ingress, group or controller), "
                              f"{made_by['Ingress']} on ECS (shared)", table.monthly("alb_hour", ingresses),
                              table.monthly("alb_hour", made_by["Ingress"])))
        out.assumptions.append(
            "Load balancers: hourly charge only, LCU charges depend on traffic. On EKS the AWS "
            "Load Balancer Controller makes one ALB per Ingress unless Ingresses share an "
            "alb.ingress.kubernetes.io/group.name; the translation shares one ALB per group, per "
            "in-cluster ingress class and per set of equal load-balancer settings.")
    if made_by["Service"]:
        # each LoadBalancer Service had its own load balancer on EKS too (NLB or CLB)
        count = made_by["Service"]
        out.lines.append(Line("Service load balancers", f"{count} LoadBalancer Service"
                              f"{'s' if count > 1 else ''}, one NLB or ALB each on EKS and ECS",
                              table.monthly("alb_hour", made_by["Service"]),
                              table.monthly("alb_hour", made_by["Service"])))
        out.assumptions.append("Service load balancers are priced at the ALB hourly price, "
                               "which NLBs share; LCU/NLCU charges depend on traffic.")
    nat = table.monthly("nat_gateway_hour", NAT_GATEWAYS)
    out.lines.append(Line(NAT_ITEM, f"{NAT_GATEWAYS} gateway, the VPC is reused as it is", nat, nat))
    out.assumptions.append("NAT gateway and endpoints: hourly charges only; per-GB processing "
                           "depends on traffic.")
    out.alternative, note = _endpoints(workloads, table)
    created = _created_endpoints(plan)
    if created:  # --vpc-endpoints: priced as made, no longer an alternative
        count = len(created) * AVAILABILITY_ZONES
        out.lines.append(Line("VPC endpoints (network stack)",
                              f"{len(created)} interface endpoints ({', '.join(created)}) x "
                              f"{AVAILABILITY_ZONES} zones, S3 gateway endpoint free", None,
                              table.monthly("vpc_interface_endpoint_hour", count)))
        out.alternative, note = None, (
            "The NAT gateway line stays while anything still needs the internet: report.md "
            "lists each image and call the VPC endpoints cannot reach; remove the NAT gateway "
            "once none is left.")
    if note:
        out.assumptions.append(note)
    return out


def _proxy_line(proxied: list[tuple[_Workload, Size, Size]], hours: float) -> Line:
    """What the Service Connect proxy adds: each task's price less the price of the size it
    would have without the proxy, at its task count (and over its autoscaling range)."""
    def added(w: _Workload, task: Size, bare: Size, tasks: int) -> float:
        return (task.per_task - bare.per_task) * tasks

    grown = sum(1 for _, task, bare in proxied if task != bare)
    spread = None
    if any(w.scaling for w, _, _ in proxied):
        spread = tuple(sum(added(w, task, bare, w.scaling[end] if w.scaling else w.tasks)
                           for w, task, bare in proxied) for end in (0, 1))
    return Line(PROXY_ITEM, f"256 CPU units and 64 MiB in each task of {len(proxied)} "
                f"workload{'s' if len(proxied) != 1 else ''}; {grown} task size"
                f"{'s' if grown != 1 else ''} rounded up for it", None,
                sum(added(w, task, bare, w.tasks) for w, task, bare in proxied),
                None if spread is None else (spread[0], spread[1]),
                round(sum((task.vcpu - bare.vcpu) * w.tasks for w, task, bare in proxied) * hours, 2),
                round(sum((task.gb - bare.gb) * w.tasks for w, task, bare in proxied) * hours, 2))


def _created_endpoints(plan: Plan) -> list[str]:
    """The services of the interface endpoints the templates make (com.amazonaws.REGION.X)."""
    found = []
    for stack in plan.stacks:
        for resource in stack.resources.values():
            props = to_json(resource.properties)
            if resource.type == "AWS::EC2::VPCEndpoint" \
                    and props.get("VpcEndpointType") == "Interface":
                name = props["ServiceName"]
                found.append(str(name.get("Fn::Sub", name) if isinstance(name, dict) else name)
                             .rsplit("}.", 1)[-1])
    return found


def _size(table: PriceTable, w: _Workload, size: tuple[int, int]) -> Size:
    """(CPU units, MiB) as vCPU and GB, and its monthly price on the workload's architecture."""
    vcpu_price, gb_price = (("fargate_arm_vcpu_hour", "fargate_arm_gb_hour") if w.arm
                            else ("fargate_vcpu_hour", "fargate_gb_hour"))
    vcpu, gb = size[0] / 1024, size[1] / 1024
    return Size(vcpu, gb, table.monthly(vcpu_price, vcpu) + table.monthly(gb_price, gb))


def _demand(pair: tuple[int, int]) -> str:
    cpu, memory = pair
    return f"{round(cpu / 1024, 2):g} vCPU / {memory} MiB" if cpu or memory else "nothing"


def _endpoints(workloads: list[_Workload], table: PriceTable) -> tuple[Line | None, str | None]:
    """What private tasks need instead of a NAT gateway: interface endpoints per zone."""
    if not workloads:
        return None, None
    names = {LOGS_ENDPOINT}
    outside = sorted({i for w in workloads for i in w.images if ".dkr.ecr." not in i})
    if any(".dkr.ecr." in i for w in workloads for i in w.images):
        names.update(ECR_ENDPOINTS)
    for w in workloads:
        names |= w.secret_stores
    count = len(names) * AVAILABILITY_ZONES
    line = Line("VPC endpoints instead of the NAT gateway",
                f"{len(names)} interface endpoints ({', '.join(sorted(names))}) x "
                f"{AVAILABILITY_ZONES} zones, S3 gateway endpoint free",
                None, table.monthly("vpc_interface_endpoint_hour", count))
    note = None
    if outside:
        note = (f"Images pulled from outside ECR ({', '.join(outside)}) need the NAT gateway, or a "
                "copy in ECR (then add the ecr.api and ecr.dkr endpoints), before endpoints can "
                "replace it.")
    return line, note


def _labels(plan: Plan) -> dict[tuple[str, str], str]:
    """(stack, logical id) -> the object it came from, as --ignore names it (with the
    namespace only when there are several)."""
    several = len({e.namespace for e in plan.entries if e.namespace}) > 1
    return {produced: f"{e.kind}/{e.namespace}/{e.name}" if several else f"{e.kind}/{e.name}"
            for e in plan.entries for produced in e.resources}


def _sizings(plan: Plan) -> dict[tuple[str, str], TaskSizing]:
    """(stack, logical id) -> what the pod of the object that made it asked for."""
    return {produced: e.sizing for e in plan.entries if e.sizing is not None
            for produced in e.resources}


def _workloads(stack: Stack, labels: dict[tuple[str, str], str],
               sizings: dict[tuple[str, str], TaskSizing]) -> list[_Workload]:
    template = to_json(stack.as_cfn())
    resources_ = template["Resources"]
    parameters = template.get("Parameters", {})
    found = []
    for logical_id, res in resources_.items():
        if res["Type"] != "AWS::ECS::Service":
            continue
        props = res["Properties"]
        task_ref = props.get("TaskDefinition")
        if not isinstance(task_ref, dict) or task_ref.get("Ref") not in resources_:
            continue
        task = resources_[task_ref["Ref"]]["Properties"]
        scaling = next(((int(r["Properties"]["MinCapacity"]), int(r["Properties"]["MaxCapacity"]))
                        for r in resources_.values()
                        if r["Type"] == "AWS::ApplicationAutoScaling::ScalableTarget"
                        and _mentions(r["Properties"].get("ResourceId"), logical_id)), None)
        tasks = int(props.get("DesiredCount", 1))
        if scaling:
            tasks = min(max(tasks, scaling[0]), scaling[1])
        containers = task.get("ContainerDefinitions", [])
        images = tuple(str(_resolve(c.get("Image"), parameters)) for c in containers)
        stores = frozenset("ssm" if ":ssm:" in json.dumps(_resolve(s.get("ValueFrom"), parameters))
                           else "secretsmanager"
                           for c in containers for s in c.get("Secrets", []))
        arch = task.get("RuntimePlatform", {}).get("CpuArchitecture", "X86_64")
        label = labels.get((stack.info.key, logical_id), stack.resources[logical_id].origin)
        found.append(_Workload(label, int(task["Cpu"]) / 1024,
                               int(task["Memory"]) / 1024, arch == "ARM64", tasks, scaling,
                               images, stores, sizings.get((stack.info.key, logical_id))))
    return found


def _mentions(value: Any, logical_id: str) -> bool:
    if isinstance(value, dict):
        if value.get("Fn::GetAtt", [None])[0] == logical_id or value.get("Ref") == logical_id:
            return True
        return any(_mentions(v, logical_id) for v in value.values())
    if isinstance(value, list):
        return any(_mentions(v, logical_id) for v in value)
    return False


def _resolve(value: Any, parameters: dict[str, Any]) -> Any:
    """A Ref to a parameter as the parameter (its default and pattern say what it holds)."""
    if isinstance(value, dict) and value.get("Ref") in parameters:
        parameter = parameters[value["Ref"]]
        return parameter.get("Default", parameter)
    return value


def _money(value: float | None) -> str:
    return "-" if value is None else f"${value:,.2f}"


def _priced(size: Size, tasks: int) -> str:
    return f"{size}: {_money(size.per_task * tasks)}"


def tables(est: Estimate | None, region: str) -> list[Table]:
    """The report's cost sections: the estimate, what it assumes, the prices it used."""
    title = "Cost: EKS vs ECS per month"
    if est is None:
        return [Table(title, (), [], anchor="cost",
                      empty=f"No price table for {region}: pass --prices FILE (the shape of "
                            "mappings/data/prices-us-east-1.yaml) to get the estimate.")]
    t = est.table
    rows: list[tuple[Cell, ...]] = []
    for line in est.lines:
        ecs = _money(line.ecs)
        if line.ecs_range:
            ecs += f" ({_money(line.ecs_range[0])}-{_money(line.ecs_range[1])})"
        rows.append((line.item, line.sizing, _money(line.eks), ecs))
    rows.append((Strong("total"), "", Strong(_money(est.total("eks"))),
                 Strong(_money(est.total("ecs")))))
    without_proxy = est.total_without_proxy()
    if without_proxy is not None:
        rows.append(("total with --discovery cloudmap", f"no {PROXY_ITEM} line: Cloud Map DNS "
                     "names, the tasks at the workload lines' sizes", "",
                     _money(without_proxy)))
    if est.alternative:
        alt = est.alternative
        rows.append((alt.item, alt.sizing, "",
                     f"{_money(alt.ecs)}, total {_money(est.total_with_alternative())}"))
    prices: list[tuple[Cell, ...]] = [
        (key, f"{price.usd:g}", price.per, price.date or "-", price.source)
        for key, price in sorted(t.prices.items())]
    return [
        Table(title, ("item", "sizing", "EKS", "ECS Fargate"), rows, anchor="cost",
              intro=f"On-demand {t.region} prices in {t.currency}, {t.hours:g} hours a month. "
                    "An estimate to compare the two setups, not a bill: traffic-based charges, "
                    "storage and anything outside these manifests (databases, say) are left out."),
        *([Table("Cost: task sizes", ("workload", "requests", "requests or limits, the larger",
                                      "ECS task", "sized by", "from the requests alone",
                                      "EKS on Fargate pod"),
                 [(size.item, size.requested, size.needed, _priced(size.task, size.tasks),
                   size.sized_by, _priced(size.by_requests, size.tasks),
                   _priced(size.eks, size.tasks)) for size in est.sizes],
                 anchor="cost-sizes",
                 intro="ECS sizes a task to hold each container at the larger of its request "
                       "and limit; EKS on Fargate sized the pod from its requests plus 256 MiB. "
                       "Monthly at each line's task count.")] if est.sizes else []),
        Table("Cost: assumed", ("assumption",), [(a,) for a in est.assumptions],
              anchor="cost-assumed"),
        Table("Cost: prices used", ("price", "USD", "per", "as of", "source"), prices,
              anchor="cost-prices"),
    ]

