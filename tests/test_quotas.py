"""What AWS refuses beyond the resource schemas fails the translation, naming the manifest
object behind it, instead of a template written without a word: more than 100 target groups
or 100 listener rules on one ALB (E9110, E9111), more than 5 target groups on one ECS
service (E9112), and more than 500 resources, 200 parameters or 200 outputs in one template
(cfn-lint's E3010 and E6010, and E9116: cfn-lint does not count parameters), more than 5
condition values on one listener rule (E9113) and a task definition over ECS's 64 KiB (E9119).
A template over the 51,200 bytes CloudFormation takes inline is written, with a warning."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import deployment, docs
from tests.test_cli import run
from translator import validate
from translator.api import translate
from translator.context import Options
from translator.errors import LintFinding, ValidationFailed
from translator.plan import Output, Parameter, Resource, Stack, StackInfo
from translator.render import render_stack


def workload(name: str, ports: int) -> str:
    """A Deployment and its Service with `ports` ports, container ports 8000 and up."""
    container = "ports: [" + ", ".join(f"{{containerPort: {8000 + p}}}" for p in range(ports)) + "]"
    service = (f"apiVersion: v1\nkind: Service\nmetadata: {{name: {name}, namespace: shop}}\n"
               f"spec:\n  selector: {{app: {name}}}\n  ports:\n" + "".join(
                   f"    - {{name: p{p}, port: {80 + p}, targetPort: {8000 + p}}}\n"
                   for p in range(ports)))
    return docs(deployment(name, container=container), service)


def ingress(backends: list[tuple[str, int]]) -> str:
    paths = "".join(f"      - {{path: /b{i}, pathType: Exact, backend: {{service: {{name: {svc}, "
                    f"port: {{number: {port}}}}}}}}}\n" for i, (svc, port) in enumerate(backends))
    return ("apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: fan-out, "
            "namespace: shop}\nspec:\n  ingressClassName: alb\n  rules:\n  - http:\n"
            "      paths:\n" + paths)


def findings(text: str) -> list[LintFinding]:
    with pytest.raises(ValidationFailed) as failed:
        translate(["-"], Options(), stdin=text)
    return failed.value.findings


def test_105_target_groups_behind_one_alb_fail_naming_the_ingress() -> None:
    """21 Services of 5 ports behind one Ingress: 105 target groups, 105 rules."""
    names = [f"w{n}" for n in range(21)]
    text = docs(*(workload(n, 5) for n in names),
                ingress([(n, 80 + p) for n in names for p in range(5)]))
    found = {f.rule: f for f in findings(text)}
    assert sorted(found) == ["E9110", "E9111"]
    assert "105 target groups" in found["E9110"].message
    assert "group.name" in found["E9110"].message
    assert found["E9110"].source is not None and found["E9110"].source.obj == "Ingress/fan-out"


def test_101_paths_to_one_backend_are_101_rules() -> None:
    found = findings(docs(workload("web", 1), ingress([("web", 80)] * 101)))
    assert [f.rule for f in found] == ["E9111"]
    assert "101 listener rules" in found[0].message


def test_a_service_of_6_ports_behind_an_ingress_fails_naming_the_service() -> None:
    found = findings(docs(workload("web", 6), ingress([("web", 80 + p) for p in range(6)])))
    assert [f.rule for f in found] == ["E9112"]
    assert "6 target groups" in found[0].message and "fewer ports" in found[0].message
    assert found[0].source is not None and found[0].source.obj == "Service/web"


def test_5_ports_and_100_paths_are_within_the_quotas() -> None:
    text = docs(workload("web", 5), ingress([("web", 80 + p % 5) for p in range(100)]))
    assert translate(["-"], Options(), stdin=text).findings == []


@pytest.mark.parametrize(("section", "count", "rule"), [
    ("Resources", 501, "E3010"), ("Parameters", 201, "E9116"), ("Outputs", 201, "E6010")])
def test_template_section_limits_are_checked(section: str, count: int, rule: str) -> None:
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html
    stack = Stack(StackInfo("many", "many", "workload", "many"), file="workload-many.yaml")
    stack.resources = {f"Logs{n}": Resource("AWS::Logs::LogGroup", {"RetentionInDays": 30}, "x")
                       for n in range(count if section == "Resources" else 1)}
    if section == "Parameters":
        stack.parameters = {f"P{n}": Parameter("String", "p", default="x") for n in range(count)}
    if section == "Outputs":
        stack.outputs = {f"O{n}": Output("x", "o") for n in range(count)}
    assert rule in {f.rule for f in validate.lint(stack, render_stack(stack), "us-east-1")}


def test_six_condition_values_on_one_rule_fail_naming_the_ingress() -> None:
    """A conditions.<service> annotation of 6 hosts, and the path: 7 values (limit 5, E9113)."""
    hosts = ",".join(f'"{h}.example.com"' for h in "abcdef")
    text = docs(workload("web", 1), ingress([("web", 80)]).replace(
        "namespace: shop}", "namespace: shop, annotations: {alb.ingress.kubernetes.io/"
        "conditions.web: '[{\"field\":\"host-header\",\"hostHeaderConfig\":{\"values\":["
        + hosts + "]}}]'}}", 1))
    found = findings(text)
    assert [f.rule for f in found] == ["E9113"]
    assert "7 condition values, more than the 5" in found[0].message
    assert found[0].source is not None and found[0].source.obj == "Ingress/fan-out"


def test_a_configmap_file_past_the_task_definition_size_fails_naming_the_workload() -> None:
    """The volume-file writer carries a ConfigMap file as an environment value: a 70,000-byte
    file makes a task definition over the 65,536 bytes ECS registers (E9119)."""
    config_map = ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: dashboards, namespace: shop}\n"
                  "data:\n  all.json: " + "x" * 70_000 + "\n")
    web = deployment(container="volumeMounts: [{name: files, mountPath: /etc/dashboards}]",
                     pod="volumes: [{name: files, configMap: {name: dashboards}}]")
    found = findings(docs(web, config_map))
    assert [f.rule for f in found] == ["E9119"]
    assert "over the 65536 ECS registers" in found[0].message
    assert found[0].source is not None and found[0].source.obj == "Deployment/web"
    assert found[0].pointer.endswith("/Environment/0/Value")


def test_a_template_over_the_inline_size_deploys_with_a_warning_naming_its_object(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A 50,000-byte ConfigMap file: the task definition fits ECS (E9119 stays quiet), the
    template does not fit CloudFormation's 51,200-byte TemplateBody; it is written, and the
    run says how deploy.sh takes it (through an S3 bucket) and which object made it large."""
    source = tmp_path / "web.yaml"
    source.write_text(docs(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: dashboards, namespace: shop}\n"
        "data:\n  all.json: " + "x" * 50_000 + "\n",
        deployment(container="volumeMounts: [{name: files, mountPath: /etc/dashboards}]",
                   pod="volumes: [{name: files, configMap: {name: dashboards}}]")))
    code, _, err = run(capsys, "translate", str(source), "-o", str(tmp_path / "out"))
    assert code == 0, err
    [warning] = [line for line in err.splitlines() if line.startswith("eks2ecs: warning: ")]
    size = len((tmp_path / "out" / "workload-web.yaml").read_bytes())
    assert warning == (
        f"eks2ecs: warning: workload-web.yaml is {size:,} bytes, over the 51,200 CloudFormation "
        "takes inline (TemplateBody): deploy.sh uploads it to S3 first, so give it a bucket "
        "(./deploy.sh --s3-bucket BUCKET, or EKS2ECS_S3_BUCKET=BUCKET); its largest resource, "
        f"TaskDefinition, comes from {source}:7: "
        "Deployment/web")
    small = translate(["-"], Options(validate=False), stdin=deployment())
    assert small.warnings == []
