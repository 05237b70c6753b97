"""The deploy plan: stacks in waves, each layer after the one below it, a workload after the
workloads behind the Services it names, a call cycle in one wave; template files named by
stack, so adding a workload adds one file and renames none."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.helpers import deployment, docs, translate_yaml
from tests.paths import EXAMPLE
from translator.api import Result, translate
from translator.context import Options
from translator.waves import levels


def service(name: str, port: int = 80) -> str:
    return (f"apiVersion: v1\nkind: Service\nmetadata: {{name: {name}, namespace: shop}}\n"
            f"spec:\n  selector: {{app: {name}}}\n  ports: [{{port: {port}, targetPort: 8080}}]\n")


def calling(name: str, *targets: str) -> str:
    env = "".join(f"  - {{name: URL_{i}, value: 'http://{t}:80'}}\n" for i, t in enumerate(targets))
    return deployment(name, container="ports: [{containerPort: 8080}]\n" + ("env:\n" + env if env else ""))


@pytest.fixture(scope="module")
def shop() -> Result:
    # web -> api -> db; worker <-> cache call each other; nothing calls web or worker
    return translate_yaml(docs(
        calling("db"), service("db"),
        calling("api", "db"), service("api"),
        calling("web", "api"), service("web"),
        calling("worker", "cache"), service("worker"),
        calling("cache", "worker"), service("cache"),
    ))


def _waves(result: Result) -> list[list[str]]:
    return [[s.stack_name for s in wave] for wave in result.plan.waves()]


def test_callers_deploy_after_the_services_they_name_and_a_cycle_shares_a_wave(
        shop: Result) -> None:
    assert _waves(shop) == [
        ["shop-cluster"],
        ["shop-cache", "shop-db", "shop-worker"],
        ["shop-api"],
        ["shop-web"],
    ]
    web = shop.plan.stack("workload/shop/web")
    assert web.needs["workload/shop/api"] == \
        "Deployment/web names Service shop/api in env URL_0"
    assert set(web.needs) == {"workload/shop/api", "cluster"}


def test_deploy_plan_json_and_the_report_carry_the_waves(shop: Result) -> None:
    plan = json.loads(shop.files["deploy-plan.json"])
    assert [[s["stack"] for s in wave] for wave in plan["waves"]] == _waves(shop)
    api = plan["waves"][2][0]
    assert (api["template"], api["layer"], api["runOnce"]) == ("workload-api.yaml", "workload",
                                                               False)
    assert api["bytes"] == len(shop.files["workload-api.yaml"].encode())
    assert api["needs"]["shop-db"].startswith("Deployment/api names Service shop/db")
    assert api["parameters"]["SubnetIds"] == {"default": False}
    assert shop.report["deploy"]["waves"] == _waves(shop)
    assert "| 4 | `workload-web.yaml` | `shop-web` | shop-api (Deployment/web names" in \
        shop.files["report.md"]
    assert "| 3 | `workload-api.yaml` | `shop-api` |" in shop.files["README.md"]
    assert "run_wave deploy_stack" in shop.files["deploy.sh"]  # the script runs those waves


def test_deploy_plan_json_names_each_service_connect_workloads_callers(shop: Result) -> None:
    """What deploy.sh redeploys once a name its tasks call exists: the callers of each
    workload, by stack, with the ECS service each runs."""
    plan = json.loads(shop.files["deploy-plan.json"])
    connect = {s["stack"]: s.get("serviceConnect") for wave in plan["waves"] for s in wave}
    assert connect == {
        "shop-cluster": None,
        "shop-cache": {"service": "cache", "callers": ["shop-worker"],
                       "names": {"cache-80": ["shop-worker"]}},
        "shop-db": {"service": "db", "callers": ["shop-api"], "names": {"db-80": ["shop-api"]}},
        "shop-worker": {"service": "worker", "callers": ["shop-cache"],
                        "names": {"worker-80": ["shop-cache"]}},
        "shop-api": {"service": "api", "callers": ["shop-web"], "names": {"api-80": ["shop-web"]}},
        "shop-web": {"service": "web", "callers": [], "names": {"web-80": []}},
    }
    cloudmap = translate_yaml(docs(calling("db"), service("db"), calling("api", "db"),
                                   service("api")), discovery="cloudmap")
    assert all("serviceConnect" not in s for wave in
               json.loads(cloudmap.files["deploy-plan.json"])["waves"] for s in wave)


def test_each_discovery_name_carries_the_callers_of_its_port() -> None:
    """deploy.sh redeploys the callers of a discovery name a running service gains: those that
    call its port, by the port written after the name or, with none, every port."""
    worker = deployment("worker", container="ports: [{containerPort: 8080}, {containerPort: 9090}]")
    ports = ("apiVersion: v1\nkind: Service\nmetadata: {name: worker, namespace: shop}\n"
             "spec:\n  selector: {app: worker}\n  ports: [{name: http, port: 80, targetPort: 8080}, "
             "{name: admin, port: 9090, targetPort: 9090}]\n")
    result = translate_yaml(docs(worker, ports, calling("api", "worker"),
                                 deployment("admin", container="env: [{name: ADMIN_URL, value: "
                                                               "'http://worker:9090/ops'}]"),
                                 deployment("any", container="env: [{name: URL, value: worker}]")))
    [connect] = [s["serviceConnect"] for wave in json.loads(result.files["deploy-plan.json"])[
        "waves"] for s in wave if s["stack"] == "shop-worker"]
    assert connect == {"service": "worker", "callers": ["shop-admin", "shop-any", "shop-api"],
                       "names": {"worker-80": ["shop-any", "shop-api"],
                                 "worker-9090": ["shop-admin", "shop-any"]}}


def test_a_call_a_network_policy_refuses_orders_nothing() -> None:
    policy = ("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
              "metadata: {name: db-only-api, namespace: shop}\n"
              "spec: {podSelector: {matchLabels: {app: db}}, policyTypes: [Ingress], "
              "ingress: [{from: [{podSelector: {matchLabels: {app: api}}}]}]}\n")
    result = translate_yaml(docs(calling("db"), service("db"), calling("web", "db"), policy))
    assert _waves(result) == [["shop-cluster"], ["shop-db", "shop-web"]]


def test_waves_of_a_long_chain_need_no_recursion() -> None:
    keys = [f"s{i}" for i in range(3000)]
    wave = levels(keys, {k: [keys[i - 1]] if i else [] for i, k in enumerate(keys)})
    assert wave["s2999"] == 2999


def test_adding_a_workload_renames_no_template(tmp_path: Path) -> None:
    before = translate([str(EXAMPLE)], Options(validate=False))
    copy = tmp_path / "k8s"
    shutil.copytree(EXAMPLE, copy)
    (copy / "aaa-audit.yaml").write_text(
        deployment("aaa-audit", namespace="angel-backend"), encoding="utf-8")
    after = translate([str(copy)], Options(validate=False))
    files = {s.info.key: s.file for s in before.plan.stacks}
    added = {s.info.key: s.file for s in after.plan.stacks}
    assert {k: added[k] for k in files} == files
    assert set(added) - set(files) == {"workload/angel-backend/aaa-audit"}
    assert set(after.templates) - set(before.templates) == {"workload-aaa-audit.yaml"}
