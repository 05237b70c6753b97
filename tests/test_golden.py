"""output/ is the committed translation of examples/k8s/: regenerate and compare byte for byte.

After an intended change, refresh it with `eks2ecs translate examples/k8s -o output`.
"""

from __future__ import annotations

import json
import subprocess
from typing import Any

import jsonschema
import pytest
import yaml

from tests.helpers import decoded
from tests.paths import EXAMPLE, GOLDEN, REPO
from translator.api import Result, translate
from translator.config import RECORDED
from translator.context import Options


@pytest.fixture(scope="module")
def result(monkeypatch_module: pytest.MonkeyPatch) -> Result:
    monkeypatch_module.chdir(REPO)  # report paths are as given on the command line
    return translate([str(EXAMPLE.relative_to(REPO))], Options(report_dir="output"))


@pytest.fixture(scope="module")
def monkeypatch_module() -> pytest.MonkeyPatch:
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def test_output_folder_matches_a_fresh_translation(result: Result) -> None:
    committed = {p.name for p in GOLDEN.iterdir() if p.name not in (".eks2ecs-files", RECORDED)}
    assert committed == set(result.files), "run: eks2ecs translate examples/k8s -o output"
    for name, text in result.files.items():
        assert (GOLDEN / name).read_text(encoding="utf-8") == text, (
            f"output/{name} is stale: run eks2ecs translate examples/k8s -o output")


def test_an_independent_cfn_lint_run_finds_the_committed_templates_clean() -> None:
    templates = sorted(str(p) for p in GOLDEN.glob("*.yaml"))
    assert len(templates) == 5
    run = subprocess.run(["cfn-lint", *templates], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stdout + run.stderr


def _template(result: Result, suffix: str) -> dict:
    name = next(n for n in result.templates if n.endswith(suffix))
    parsed: dict = decoded(result.files[name])
    return parsed


def _by_type(template: dict, kind: str) -> dict[str, dict]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


def test_the_guide_migration_is_all_there(result: Result) -> None:
    cluster = _template(result, "cluster.yaml")
    assert _by_type(cluster, "AWS::ECS::Cluster")
    namespace = _by_type(cluster, "AWS::ServiceDiscovery::PrivateDnsNamespace")
    assert next(iter(namespace.values()))["Properties"]["Name"] == {"Ref": "DnsNamespaceName"}
    assert cluster["Parameters"]["DnsNamespaceName"]["Default"] == "angel-backend.local"

    weaviate = _template(result, "-weaviate.yaml")
    cloud_map = _by_type(weaviate, "AWS::ServiceDiscovery::Service")
    assert [r["Properties"]["Name"] for r in cloud_map.values()] == ["weaviate"]
    service = weaviate["Resources"]["Service"]["Properties"]
    assert service["ServiceRegistries"] == [{"RegistryArn": {"Fn::GetAtt": ["CloudMapWeaviate", "Arn"]}}]
    assert service["LaunchType"] == "FARGATE"
    task = weaviate["Resources"]["TaskDefinition"]["Properties"]
    # the guide's 1 vCPU / 2 GB, plus the Service Connect proxy's 256 units / 64 MiB
    assert (task["Cpu"], task["Memory"]) == ("2048", "4096")
    assert service["ServiceConnectConfiguration"]["Services"] == [{
        "PortName": "http", "DiscoveryName": "weaviate-8080",
        "ClientAliases": [{"Port": 8080, "DnsName": "weaviate.angel-backend.svc.cluster.local"}]}]
    assert task["ContainerDefinitions"][0]["PortMappings"][0]["Name"] == "http"

    backend = _template(result, "-backend.yaml")
    target = _by_type(backend, "AWS::ApplicationAutoScaling::ScalableTarget")["ScalableTarget"]
    assert (target["Properties"]["MinCapacity"], target["Properties"]["MaxCapacity"]) == (1, 4)
    policy = _by_type(backend, "AWS::ApplicationAutoScaling::ScalingPolicy")["ScalingPolicyCpu"]
    assert policy["Properties"]["PolicyType"] == "TargetTrackingScaling"
    container = backend["Resources"]["TaskDefinition"]["Properties"]["ContainerDefinitions"][0]
    secrets = {s["Name"]: s["ValueFrom"] for s in container["Secrets"]}
    assert set(secrets) == {"DB_PASSWORD", "OPENAI_API_KEY"}
    for value_from in secrets.values():
        # a Secrets Manager ARN parameter followed by the JSON key, stage and version id
        assert value_from["Fn::Sub"].startswith("${") and value_from["Fn::Sub"].endswith("::")
    env = {e["Name"]: e["Value"] for e in container["Environment"]}
    # Service Connect answers the name the backend was given, so it stays as written
    assert env["WEAVIATE_HOST"] == "weaviate.angel-backend.svc.cluster.local"
    assert env["WEAVIATE_URL"] == "http://weaviate.angel-backend.svc.cluster.local:8080"
    backend_service = backend["Resources"]["Service"]["Properties"]
    assert backend_service["ServiceRegistries"]
    assert backend_service["ServiceConnectConfiguration"]["Namespace"] == {
        "Fn::ImportValue": {"Fn::Sub": "${ClusterStackName}-NamespaceArn"}}

    groups = _by_type(backend, "AWS::ElasticLoadBalancingV2::TargetGroup")
    assert [g["Properties"]["TargetType"] for g in groups.values()] == ["ip"]
    assert [g["Properties"]["HealthCheckPath"] for g in groups.values()] == ["/health"]


def test_the_files_around_the_templates(result: Result) -> None:
    for name in ("parameters.json.example", "deploy.sh", "cleanup.sh", "README.md",
                 "report.json", "report.md"):
        assert name in result.files
    assert result.files["deploy.sh"].startswith("#!/usr/bin/env bash")
    assert "set -euo pipefail" in result.files["deploy.sh"]
    plan = json.loads(result.files["deploy-plan.json"])
    assert [[s["stack"] for s in wave] for wave in plan["waves"]] == [
        ["angel-backend-cluster"],
        ["angel-backend-load-balancer", "angel-backend-volume-weaviate-data"],
        ["angel-backend-weaviate"], ["angel-backend-backend"]]
    params = json.loads(result.files["parameters.json.example"])
    # what several stacks take once, the rest per stack; what nobody can guess, marked
    assert params["shared"]["VpcId"] == "<replace: vpc-0123456789abcdef0>"
    assert set(params["stacks"]) == {"angel-backend-cluster", "angel-backend-load-balancer",
                                     "angel-backend-backend", "angel-backend-weaviate"}
    assert all("VpcId" not in values for values in params["stacks"].values())


def test_the_report_follows_the_contract(result: Result, report_schema: Any) -> None:
    jsonschema.validate(result.report, report_schema)
    objects = {(s["kind"], s["name"]): s for s in result.report["sources"]}
    assert len(objects) == len(result.report["sources"]) == 12
    assert objects[("PersistentVolumeClaim", "weaviate-data")]["status"] == "partial"
    assert objects[("Deployment", "backend")]["file"] == "examples/k8s/backend.yaml"
    assert objects[("Deployment", "backend")]["line"] == 21


def test_the_example_is_the_guide_app() -> None:
    docs = [d for p in sorted(EXAMPLE.glob("*.yaml"))
            for d in yaml.safe_load_all(p.read_text()) if d]
    kinds = sorted({d["kind"] for d in docs})
    assert kinds == ["ClusterSecretStore", "ConfigMap", "Deployment", "ExternalSecret",
                     "HorizontalPodAutoscaler", "Ingress", "Namespace",
                     "PersistentVolumeClaim", "Service", "ServiceAccount"]
    hpa = next(d for d in docs if d["kind"] == "HorizontalPodAutoscaler")
    assert hpa["metadata"]["name"] == "backend-hpa" and hpa["apiVersion"] == "autoscaling/v2"
