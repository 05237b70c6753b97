"""The cost estimate: the migration guide's figures reproduced from examples/k8s/, what each
line assumed, and the price table (bundled, overridden, refused with file:line)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests import helpers
from tests.helpers import deployment, docs, source, translate_yaml
from tests.test_cli import REPO, run
from translator import cost
from translator import prices as price_tables
from translator.api import Result, translate
from translator.context import Options
from translator.errors import InputError

EXAMPLES = str(REPO / "examples" / "k8s")

# The guide's "Cost Comparison" (seed/migration-guide.md), USD per month.
GUIDE = {"control plane": 73.00, "backend": 36.00, "weaviate": 36.00, "alb": 16.20, "nat": 32.40,
         "endpoints": 14.00}


@pytest.fixture(scope="module")
def example() -> Result:
    return translate([EXAMPLES], Options(validate=False))


@pytest.fixture(scope="module")
def guide() -> Result:
    """examples/k8s as the guide sized it: no Service Connect proxy in the tasks."""
    return translate([EXAMPLES], Options(validate=False, discovery="cloudmap"))


def line(estimate: cost.Estimate, item: str) -> cost.Line:
    found = [x for x in estimate.lines if x.item == item]
    assert len(found) == 1, [x.item for x in estimate.lines]
    return found[0]


def test_reproduces_the_guides_control_plane_and_service_lines(guide: Result) -> None:
    estimate = guide.cost
    assert estimate is not None
    control = line(estimate, "Control plane")
    assert (control.eks, control.ecs) == (pytest.approx(GUIDE["control plane"]), 0.0)
    for name, tasks in (("backend", 1), ("weaviate", 1)):
        workload = line(estimate, f"Deployment/{name}")
        # the guide rounds to whole dollars: $36.04 is its $36.00 for two tasks; an autoscaled
        # service has no DesiredCount and rests at its MinCapacity (backend: 1)
        assert workload.ecs == pytest.approx(GUIDE[name] * tasks / (2 if name == "backend" else 1),
                                             abs=0.05)
    # EKS on Fargate adds 256 MiB to the requests: 1 GiB -> 2 GB, 2 GiB -> 3 GB (the guide
    # priced both sides at the same size)
    assert line(estimate, "Deployment/backend").sizing == \
        "0.5 vCPU, 1 GB x 1 task (autoscaling 1-4); EKS pod 0.5 vCPU, 2 GB"
    assert line(estimate, "Deployment/weaviate").sizing == "1 vCPU, 2 GB x 1 task; EKS pod 1 vCPU, 3 GB"
    assert line(estimate, "Deployment/backend").eks == pytest.approx((0.5 * 0.04048 + 2 * 0.004445) * 730)
    assert line(estimate, "Deployment/weaviate").eks == pytest.approx((1 * 0.04048 + 3 * 0.004445) * 730)


def test_the_guides_alb_and_nat_lines_are_720_hours(example: Result, tmp_path: Path) -> None:
    """At 730 hours (AWS's convention, and the guide's own $73 control plane) the ALB and the
    NAT gateway cost $16.43 and $32.85; the guide's $16.20 and $32.40 are 30-day months."""
    assert example.cost is not None
    assert line(example.cost, "Application Load Balancer").ecs == pytest.approx(16.425)
    assert line(example.cost, "NAT gateway").eks == pytest.approx(32.85)
    prices = tmp_path / "month.yaml"
    prices.write_text("hours_per_month: 720\n")
    thirty_days = translate([EXAMPLES], Options(validate=False, prices=str(prices))).cost
    assert thirty_days is not None
    assert line(thirty_days, "Application Load Balancer").ecs == pytest.approx(GUIDE["alb"])
    assert line(thirty_days, "NAT gateway").eks == pytest.approx(GUIDE["nat"])


def test_endpoints_are_counted_per_service_and_zone(example: Result) -> None:
    """The guide's $14 for endpoints is two endpoints in one zone; private Fargate tasks need
    ECR (api and dkr), logs and Secrets Manager, in each of two zones."""
    assert example.cost is not None
    alternative = example.cost.alternative
    assert alternative is not None
    assert "ecr.api, ecr.dkr, logs, secretsmanager" in alternative.sizing
    assert alternative.ecs == pytest.approx(4 * 2 * 0.01 * 730)
    assert alternative.ecs > GUIDE["endpoints"]
    # weaviate's image is not in ECR: endpoints alone cannot replace the NAT gateway
    assert any("cr.weaviate.io/semitechnologies/weaviate:1.25.4" in a
               for a in example.cost.assumptions)


def test_service_connect_sizes_each_task_for_its_proxy(example: Result, guide: Result) -> None:
    """The developer guide's "Proxy resources": 256 CPU units and 64 MiB more per task
    (service-connect-concepts-deploy.html), so backend's 0.5 vCPU / 1 GiB needs 0.75 vCPU /
    1088 MiB (Fargate: 1 vCPU / 2 GB) and weaviate's 1 vCPU / 2 GiB needs 2 vCPU / 4 GB;
    the EKS side is unchanged."""
    estimate, before = example.cost, guide.cost
    assert estimate is not None and before is not None
    backend, weaviate = line(estimate, "Deployment/backend"), line(estimate, "Deployment/weaviate")
    assert backend.sizing == ("0.5 vCPU, 1 GB x 1 task (1 vCPU, 2 GB with the proxy) "
                              "(autoscaling 1-4); EKS pod 0.5 vCPU, 2 GB")
    assert weaviate.sizing == "1 vCPU, 2 GB x 1 task (2 vCPU, 4 GB with the proxy); EKS pod 1 vCPU, 3 GB"
    # the workload lines are what the pods need, as under --discovery cloudmap; the proxy's
    # line what rounding each task up for it adds: 1 vCPU / 2 GB - 0.5 / 1 for backend (over
    # its 1-4 tasks), 2 vCPU / 4 GB - 1 / 2 for weaviate
    for name in ("backend", "weaviate"):
        now, then = line(estimate, f"Deployment/{name}"), line(before, f"Deployment/{name}")
        assert (now.eks, now.ecs, now.ecs_range, now.vcpu_hours, now.gb_hours) == (
            then.eks, then.ecs, then.ecs_range, then.vcpu_hours, then.gb_hours)
    proxy = line(estimate, "Service Connect proxy")
    assert proxy.sizing == ("256 CPU units and 64 MiB in each task of 2 workloads; 2 task sizes "
                            "rounded up for it")
    assert (proxy.eks, proxy.ecs) == (None, pytest.approx(18.02 + 36.04, abs=0.01))
    assert proxy.ecs_range == (pytest.approx(18.02 + 36.04, abs=0.01),
                               pytest.approx(4 * 18.02 + 36.04, abs=0.02))
    assert (proxy.vcpu_hours, proxy.gb_hours) == (1.5 * 730, 3 * 730)
    assert estimate.total("ecs") - before.total("ecs") == pytest.approx(18.02 + 36.04, abs=0.02)
    # the row that prices --discovery cloudmap is that run's own total
    assert estimate.total_without_proxy() == pytest.approx(before.total("ecs"))
    assert before.total_without_proxy() is None
    assert example.report["cost"]["cloudMap"] == {"ecsTotal": 103.34}
    assert guide.report["cost"]["cloudMap"] is None
    assert ("| total with --discovery cloudmap | no Service Connect proxy line: Cloud Map DNS "
            "names, the tasks at the workload lines' sizes |  | $103.34 |") in example.files["report.md"]
    assert ("pod asks 0.5 vCPU / 1024 MiB + 0.25 vCPU / 64 MiB for the Service Connect proxy; "
            "smallest Fargate size 1 vCPU / 2048 MiB") in source(example, "Deployment", "backend")["notes"]
    said = [a for a in estimate.assumptions if "Service Connect proxy" in a]
    assert said and "256 CPU units and 64 MiB" in said[0]
    assert not [a for a in before.assumptions if "Service Connect proxy" in a]
    assert guide.plan.stack("workload/angel-backend/weaviate").resources[
        "TaskDefinition"].properties["Cpu"] == "1024"


def test_totals_and_scaling_range(guide: Result) -> None:
    estimate = guide.cost
    assert estimate is not None
    assert estimate.total("eks") == pytest.approx(73 + 21.26 + 39.29 + 16.425 + 32.85, abs=0.02)
    # the control plane, and the 256 MiB EKS on Fargate adds to each pod (a GB more each here)
    assert estimate.total("eks") - estimate.total("ecs") == pytest.approx(73.00 + 2 * 3.24, abs=0.02)
    backend = line(estimate, "Deployment/backend")
    assert backend.ecs_range == (pytest.approx(18.02, abs=0.01), pytest.approx(72.08, abs=0.01))
    assert (backend.vcpu_hours, backend.gb_hours) == (365.0, 730.0)


def test_cost_is_in_both_reports(example: Result) -> None:
    data = example.report["cost"]
    assert data["total"] == {"eks": 182.82, "ecs": 157.40}
    assert data["prices"]["fargate_vcpu_hour"]["source"] == "https://aws.amazon.com/fargate/pricing/"
    assert all(p["date"] for p in data["prices"].values())
    markdown = example.files["report.md"]
    assert "## Cost: EKS vs ECS per month" in markdown
    assert "| Control plane | 1 EKS cluster; ECS has no cluster charge | $73.00 | $0.00 |" in markdown
    assert "| **total** |  | **$182.82** | **$157.40** |" in markdown
    assert "## Cost: task sizes" in markdown
    html = example.files["report.html"]
    assert '<section id="cost">' in html and "<strong>$182.82</strong>" in html


def test_replicas_outside_the_scaling_range_are_clamped() -> None:
    result = translate_yaml("""
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: api, namespace: shop}
        spec:
          replicas: 1
          selector: {matchLabels: {app: api}}
          template:
            metadata: {labels: {app: api}}
            spec:
              containers:
                - name: api
                  image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/api:1
                  resources: {requests: {cpu: 250m, memory: 512Mi}}
        ---
        apiVersion: autoscaling/v2
        kind: HorizontalPodAutoscaler
        metadata: {name: api, namespace: shop}
        spec:
          scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: api}
          minReplicas: 3
          maxReplicas: 6
          metrics:
            - type: Resource
              resource: {name: cpu, target: {type: Utilization, averageUtilization: 60}}
        """, validate=False)
    assert result.cost is not None
    api = line(result.cost, "Deployment/api")
    # 250m / 512Mi is 0.25 vCPU / 0.5 GB; with the Service Connect proxy's 256 units / 64 MiB
    # 0.5 vCPU / 1 GB, the difference on the proxy's line
    assert api.sizing == ("0.25 vCPU, 0.5 GB x 3 tasks (0.5 vCPU, 1 GB with the proxy) "
                          "(autoscaling 3-6); EKS pod 0.25 vCPU, 1 GB")
    bare, per_task = [(vcpu * 0.04048 + gb * 0.004445) * 730 for vcpu, gb in ((0.25, 0.5), (0.5, 1))]
    assert api.ecs == pytest.approx(3 * bare)
    proxy = line(result.cost, "Service Connect proxy")
    assert proxy.ecs == pytest.approx(3 * (per_task - bare))
    assert proxy.ecs_range == (pytest.approx(3 * (per_task - bare)),
                               pytest.approx(6 * (per_task - bare)))
    assert result.cost.total("ecs") == pytest.approx(3 * per_task + line(
        result.cost, "NAT gateway").ecs)
    # an ECR image and no secrets: ECR and logs endpoints only, and no NAT caveat
    assert result.cost.alternative is not None
    assert "3 interface endpoints (ecr.api, ecr.dkr, logs)" in result.cost.alternative.sizing
    assert not any("outside ECR" in a for a in result.cost.assumptions)
    # no Ingress: no load balancer line
    assert "Application Load Balancer" not in [x.item for x in result.cost.lines]


def test_requests_and_limits_that_differ_price_each_side_by_its_rule() -> None:
    """ECS holds the limits (1 vCPU / 2 GiB) and the Service Connect proxy (0.25 vCPU / 64
    MiB): 2 vCPU / 4 GB; its requests alone (the init container's 500m / 1Gi is more than the
    app's 250m / 512Mi) and the proxy would fit 1 vCPU / 2 GB; EKS on Fargate gave the pod
    those requests plus 256 MiB: 0.5 vCPU / 2 GB. Two replicas, us-east-1."""
    result = translate_yaml(deployment(spec="replicas: 2", container="""
        resources:
          requests: {cpu: 250m, memory: 512Mi}
          limits: {cpu: "1", memory: 2Gi}
        """, pod="""
        initContainers:
          - name: migrate
            image: flyway/flyway:10
            resources: {requests: {cpu: 500m, memory: 1Gi}}
        """), validate=False)
    assert result.cost is not None
    web = line(result.cost, "Deployment/web")
    assert web.sizing == "1 vCPU, 2 GB x 2 tasks (2 vCPU, 4 GB with the proxy); EKS pod 0.5 vCPU, 2 GB"
    assert round(web.ecs or 0, 2) == 72.08  # 2 x (1 x 0.04048 + 2 x 0.004445) x 730
    # 2 x (2 x 0.04048 + 4 x 0.004445) x 730 = 144.16 with the proxy
    assert round(line(result.cost, "Service Connect proxy").ecs or 0, 2) == 72.08  # 144.16 - 72.08
    assert round(web.eks or 0, 2) == 42.53  # 2 x (0.5 x 0.04048 + 2 x 0.004445) x 730
    assert [size.as_dict() for size in result.cost.sizes] == [{
        "item": "Deployment/web", "tasks": 2, "requested": "0.75 vCPU / 1088 MiB",
        "needed": "1.25 vCPU / 2112 MiB", "sizedBy": "limits",
        "task": {"vcpu": 2.0, "gb": 4.0, "monthly": 144.16},
        "byRequests": {"vcpu": 1.0, "gb": 2.0, "monthly": 72.08},
        "eksFargate": {"vcpu": 0.5, "gb": 2.0, "monthly": 42.53},
        "withoutProxy": {"vcpu": 1.0, "gb": 2.0, "monthly": 72.08}}]
    assert ("| Deployment/web | 0.75 vCPU / 1088 MiB | 1.25 vCPU / 2112 MiB | 2 vCPU, 4 GB: "
            "$144.16 | limits | 1 vCPU, 2 GB: $72.08 | 0.5 vCPU, 2 GB: $42.53 |"
            ) in result.files["report.md"]
    assert source(result, "Deployment", "web")["notes"][0] == (
        "pod asks 1 vCPU / 2048 MiB + 0.25 vCPU / 64 MiB for the Service Connect proxy; "
        "smallest Fargate size 2 vCPU / 4096 MiB, sized by its limits (its requests, "
        "0.75 vCPU / 1088 MiB, would fit 1 vCPU / 2048 MiB)")


def test_stated_node_cost_replaces_pod_pricing_on_the_eks_side() -> None:
    result = translate([EXAMPLES], Options(validate=False, eks_node_cost=140.16))
    assert result.cost is not None
    assert line(result.cost, "Deployment/backend").eks is None
    nodes = line(result.cost, "EKS worker nodes")
    assert (nodes.eks, nodes.ecs) == (140.16, None)
    assert result.cost.total("eks") == pytest.approx(73 + 140.16 + 16.425 + 32.85)


def test_arm_tasks_use_arm_prices() -> None:
    """A library user who moves a task to Graviton sees it priced as such."""
    plan = translate([EXAMPLES], Options(validate=False, discovery="cloudmap")).plan
    task = plan.stack("workload/angel-backend/weaviate").resources["TaskDefinition"]
    task.properties = {**task.properties, "RuntimePlatform": {
        "OperatingSystemFamily": "LINUX", "CpuArchitecture": "ARM64"}}
    table = price_tables.price_table("us-east-1")
    assert table is not None
    weaviate = line(cost.estimate(plan, table), "Deployment/weaviate")
    assert weaviate.ecs == pytest.approx((1 * 0.03238 + 2 * 0.00356) * 730)


def test_region_without_a_table_says_how_to_get_one() -> None:
    result = translate([EXAMPLES], Options(validate=False, region="eu-west-1"))
    assert result.cost is None
    assert result.report["cost"] is None
    assert "No price table for eu-west-1: pass --prices FILE" in result.files["report.md"]


def test_a_full_price_file_prices_any_region(tmp_path: Path) -> None:
    bundled = price_tables.bundled_path("us-east-1").read_text()
    prices = tmp_path / "eu.yaml"
    prices.write_text(bundled.replace("region: us-east-1", "region: eu-west-1")
                      .replace("usd: 0.10", "usd: 0.20"))
    result = translate([EXAMPLES], Options(validate=False, region="eu-west-1", prices=str(prices)))
    assert result.cost is not None
    assert line(result.cost, "Control plane").eks == pytest.approx(146.0)
    assert result.report["cost"]["priceFiles"] == [str(prices)]


BAD_PRICES = [
    ("prices:\n  fargate_vcpu_hour: {usd: -1}\n", 2, "fargate_vcpu_hour.usd must be a number"),
    ("prices:\n  fargate_vcpu_hour: {usd: cheap}\n", 2, "not 'cheap'"),
    ("prices:\n  fargate_cpu_hour: {usd: 0.04}\n", 2, "unknown price 'fargate_cpu_hour'"),
    ("hours_per_month: 730\nprice: {}\n", 2, "unknown key 'price'"),
    ("prices:\n  alb_hour: {usd: 0.02, when: today}\n", 2, "unknown key 'when' in alb_hour"),
    ("prices:\n  alb_hour: {per: hour}\n", 2, "alb_hour has no usd"),
    ("prices:\n  alb_hour: [0.02]\n", 2, "alb_hour must be a mapping"),
    ("hours_per_month: 0\n", 1, "hours_per_month must be a number from 1 to 744"),
    ("prices: {alb_hour: {usd: 0.02}\n", 2, "not YAML"),
    ("region: eu-west-1\n", 1, "prices are for region eu-west-1, but the region is us-east-1"),
    # explicit tags the value does not fit gave tracebacks quoting the value
    ("hours_per_month: !!int Hunter2\n", 1, "does not fit its tag !!int (the value is not shown)"),
    ("prices:\n  alb_hour: {usd: !!float cheap}\n", 2, "does not fit its tag !!float"),
    ("prices:\n  alb_hour: {usd: 0.02, date: !!timestamp soon}\n", 2, "its tag !!timestamp"),
    ("prices:\n  alb_hour: {usd: !!python/name:os.system x}\n", 2,
     "could not determine a constructor"),
]


@pytest.mark.parametrize(("text", "line_number", "message"), BAD_PRICES)
def test_bad_price_files_are_refused_with_their_line(tmp_path: Path, text: str, line_number: int,
                                                     message: str) -> None:
    prices = tmp_path / "prices.yaml"
    prices.write_text(text)
    with pytest.raises(InputError) as caught:
        price_tables.price_table("us-east-1", str(prices))
    assert (caught.value.file, caught.value.line) == (str(prices), line_number)
    assert message in caught.value.message
    assert "Hunter2" not in str(caught.value)


def test_a_region_with_no_table_needs_every_price(tmp_path: Path) -> None:
    prices = tmp_path / "partial.yaml"
    prices.write_text("region: eu-west-1\nprices:\n  alb_hour: {usd: 0.0252}\n")
    with pytest.raises(InputError, match="no price for eks_cluster_hour, fargate_arm_gb_hour"):
        price_tables.price_table("eu-west-1", str(prices))


def test_cli_prices_and_node_cost(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    prices = tmp_path / "prices.yaml"
    prices.write_text("prices:\n  eks_cluster_hour:\n    usd: 0.60  # extended support\n")
    code, out, _ = run(capsys, "report", EXAMPLES, "--format", "json", "--prices", str(prices),
                       "--eks-node-cost", "100")
    assert code == 0
    data = json.loads(out)["cost"]
    assert data["lines"][0]["eks"] == 438.0
    assert data["prices"]["eks_cluster_hour"] == {"usd": 0.6, "per": price_tables.PRICE_KEYS[
        "eks_cluster_hour"], "date": None, "source": str(prices)}
    prices.write_text("prices:\n  eks_cluster_hour:\n    usd: lots\n")
    code, _, err = run(capsys, "report", EXAMPLES, "--prices", str(prices))
    assert code == 2
    assert err.startswith(f"eks2ecs: {prices}:3: eks_cluster_hour.usd must be a number")
    code, _, err = run(capsys, "report", EXAMPLES, "--prices", str(tmp_path / "none.yaml"))
    assert code == 2 and "cannot read price table" in err


def ingress(name: str, service: str, cls: str = "alb") -> str:
    return f"""
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: {{name: {name}, namespace: shop}}
        spec:
          ingressClassName: {cls}
          rules:
            - http:
                paths:
                  - path: /{name}
                    pathType: Prefix
                    backend: {{service: {{name: {service}, port: {{number: 80}}}}}}
        """


def test_one_alb_per_ingress_on_eks_one_shared_on_ecs() -> None:
    service = helpers.service(ports="- {port: 80, targetPort: 80}")
    result = translate_yaml(docs(deployment(container="ports: [{containerPort: 80}]"), service,
                                 ingress("shop", "web"), ingress("admin", "web")), validate=False)
    assert result.cost is not None
    alb = line(result.cost, "Application Load Balancer")
    assert alb.sizing == "2 on EKS (one per Ingress, group or controller), 1 on ECS (shared)"
    assert (alb.eks, alb.ecs) == (pytest.approx(2 * 0.0225 * 730), pytest.approx(0.0225 * 730))


def test_an_ingress_controller_class_had_one_load_balancer_on_eks() -> None:
    """ingress-nginx serves every Ingress of its class behind its one load balancer; the
    third Ingress, of class alb, had its own ALB."""
    service = helpers.service(ports="- {port: 80, targetPort: 80}")
    result = translate_yaml(docs(deployment(container="ports: [{containerPort: 80}]"), service,
                                 ingress("shop", "web", "nginx"), ingress("admin", "web", "nginx"),
                                 ingress("api", "web")), validate=False)
    assert result.cost is not None
    alb = line(result.cost, "Application Load Balancer")
    assert alb.sizing == "2 on EKS (one per Ingress, group or controller), 2 on ECS (shared)"


def test_readme_table_shows_what_the_tool_computes(example: Result) -> None:
    """The README sets these figures next to the guide's; they must be the tool's own."""
    data = example.report["cost"]
    readme = (REPO / "README.md").read_text()
    lines = {x["item"]: x for x in data["lines"]}
    backend, weaviate = lines["Deployment/backend"], lines["Deployment/weaviate"]
    low, high = backend["ecsRange"]
    alb, nat = lines["Application Load Balancer"], lines["NAT gateway"]
    proxy = lines["Service Connect proxy"]
    rows = [
        f"| Control plane | 73.00 | {lines['Control plane']['eks']:.2f} | 0.00 | 0.00 |",
        f"| Backend (0.5 vCPU, 1 GB, 2 tasks; autoscaling rests at 1) | 36.00 | "
        f"{backend['eks']:.2f} | 36.00 | "
        f"{backend['ecs']:.2f} (autoscaling 1-4: {low:.2f}-{high:.2f}) |",
        f"| Weaviate (1 vCPU, 2 GB, 1 task) | 36.00 | {weaviate['eks']:.2f} | 36.00 | "
        f"{weaviate['ecs']:.2f} |",
        f"| Service Connect proxy (ECS only) | - | - | - | {proxy['ecs']:.2f} (autoscaling: "
        f"{proxy['ecsRange'][0]:.2f}-{proxy['ecsRange'][1]:.2f}) |",
        f"| ALB | 16.20 | {alb['eks']:.2f} | 16.20 | {alb['ecs']:.2f} |",
        f"| NAT gateway | 32.40 | {nat['eks']:.2f} | - | {nat['ecs']:.2f} (kept) |",
        f"| VPC endpoints instead of NAT | - | - | 14.00 | {data['alternative']['ecs']:.2f} (option) |",
        f"| **Total** | **208.60** | **{data['total']['eks']:.2f}** | **117.20** | "
        f"**{data['total']['ecs']:.2f}** ({data['alternative']['ecsTotal']:.2f} with endpoints; "
        f"{data['cloudMap']['ecsTotal']:.2f} with `--discovery cloudmap`) |",
    ]
    for row in rows:
        assert row in readme


@pytest.mark.parametrize("amount", ["-5", "nan", "lots"])
def test_node_cost_must_be_an_amount(capsys: pytest.CaptureFixture[str], amount: str) -> None:
    with pytest.raises(SystemExit) as exited:
        run(capsys, "report", EXAMPLES, "--eks-node-cost", amount)
    assert exited.value.code == 2
    assert f"expected an amount in USD such as 140.16, not {amount!r}" in capsys.readouterr().err


def test_workloads_of_several_namespaces_are_told_apart() -> None:
    result = translate_yaml(docs(deployment("api", namespace="shop"), deployment("api", namespace="admin")),
                            validate=False)
    assert result.cost is not None
    assert [x.item for x in result.cost.lines if x.item.startswith("Deployment")] == [
        "Deployment/admin/api", "Deployment/shop/api"]


@settings(max_examples=20)
@given(st.integers(10, 3500), st.integers(16, 7000), st.integers(1, 5))
def test_the_cloudmap_row_is_what_a_cloudmap_translation_costs(millicores: int, mebibytes: int,
                                                                replicas: int) -> None:
    """The proxy line is exactly what Service Connect adds: taken off the total, the same
    workload costs what --discovery cloudmap (no proxy) prices it at, whatever its size."""
    manifest = deployment(spec=f"replicas: {replicas}", container=(
        f"resources: {{requests: {{cpu: {millicores}m, memory: {mebibytes}Mi}}}}"))
    with_proxy = translate_yaml(manifest, validate=False).cost
    without = translate_yaml(manifest, validate=False, discovery="cloudmap").cost
    assert with_proxy is not None and without is not None
    assert with_proxy.total_without_proxy() == pytest.approx(without.total("ecs"))
    assert line(with_proxy, "Service Connect proxy").ecs >= 0
    assert line(with_proxy, "Deployment/web").ecs == line(without, "Deployment/web").ecs
