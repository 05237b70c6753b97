"""Day 400: a team changes its manifests, translates again and runs the generated deploy.sh over
what the first translation deployed. On the emulator, which refuses as CloudFormation does to
remove or change an export another stack imports (tests/emulator/cloudformation.py), v1 is
examples/k8s plus a workload `admin` behind the Ingresses' load balancer that reads a Secret;
each v2 changes one thing: a Service's targetPort, a Service (and its Ingress) removed, a Secret
removed, a workload added, an image renamed, an internal Ingress added (its own ALB, the
public one kept). Every update must go through and leave what the
new templates say; cleanup.sh must then take it all down."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests import helpers
from tests.emulator import inventory, server
from tests.emulator.prerequisites import Prerequisites
from tests.paths import EXAMPLE
from tests.test_deploy_emulator import (
    _check_exports,
    _check_rules,
    _check_services,
    _check_stacks,
    _decode,
    _fill_secrets,
    _live_stacks,
    _parameters,
    _run,
)
from translator.api import translate
from translator.context import Options
from translator.deployplan import Plan

ADMIN_IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/angel-admin:2.0.1"


def _admin(port: int = 8080, image: str = ADMIN_IMAGE, secret: bool = True,
           service: bool = True, name: str = "admin") -> str:
    """A workload behind the load balancer of the Ingresses, on /NAME, reading a Secret."""
    env = f"""env:
  - name: ADMIN_TOKEN
    valueFrom: {{secretKeyRef: {{name: {name}-token, key: token}}}}""" if secret else ""
    parts = [helpers.deployment(name, namespace="angel-backend", image=image, spec="replicas: 1",
                                container=f"""ports: [{{name: http, containerPort: {port}}}]
resources: {{requests: {{cpu: 250m, memory: 512Mi}}}}
{env}""")]
    if secret:
        parts.append(f"""apiVersion: v1
kind: Secret
metadata:
  name: {name}-token
  namespace: angel-backend
type: Opaque
stringData:
  token: not-a-real-token
""")
    if service:
        parts += [helpers.service(name, namespace="angel-backend",
                                  ports=f"- {{name: http, port: 80, targetPort: {port}}}"),
                  f"""apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: {name}
  namespace: angel-backend
  annotations:
    alb.ingress.kubernetes.io/scheme: internet-facing
    alb.ingress.kubernetes.io/target-type: ip
    alb.ingress.kubernetes.io/listen-ports: '[{{"HTTP": 80}}]'
spec:
  ingressClassName: alb
  rules:
    - http:
        paths:
          - path: /{name}
            pathType: Prefix
            backend:
              service:
                name: {name}
                port:
                  number: 80
"""]
    return helpers.docs(*parts)


# an internal Ingress next to the public ones: an ALB of its own, the public ALB kept
CONSOLE = """apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: console
  namespace: angel-backend
  annotations:
    alb.ingress.kubernetes.io/scheme: internal
spec:
  ingressClassName: alb
  rules:
    - http:
        paths:
          - path: /console
            pathType: Prefix
            backend:
              service:
                name: admin
                port:
                  number: 80
"""

# scenario -> (the manifests that v2 adds to examples/k8s, its own /16)
SCENARIOS: dict[str, tuple[list[str], str]] = {
    "target-port": ([_admin(port=8081)], "10.21.0.0/16"),
    "removed-service": ([_admin(service=False)], "10.22.0.0/16"),
    "removed-secret": ([_admin(secret=False)], "10.23.0.0/16"),
    "added-workload": ([_admin(), _admin(name="reports", secret=False)], "10.24.0.0/16"),
    "renamed-image": ([_admin(image="123456789012.dkr.ecr.us-east-1.amazonaws.com/angel-console:2.0.1")],
                      "10.25.0.0/16"),
    "internal-ingress": ([_admin(), CONSOLE], "10.26.0.0/16"),
}


def _version(folder: Path, extra: list[str], app: str) -> Path:
    """examples/k8s plus `extra`, its existing secrets and role named after the app: each
    scenario makes its own, whatever another test of the session left."""
    shutil.copytree(EXAMPLE, folder)
    for manifest in folder.glob("*.yaml"):
        manifest.write_text(manifest.read_text().replace("angel-backend/dev/", f"{app}/")
                            .replace("role/angel-backend-dev-backend", f"role/{app}-backend"))
    for index, text in enumerate(extra):
        (folder / f"extra-{index}.yaml").write_text(text)
    return folder


def _deploy(emu: server.Emulator, tmp_path: Path, version: str, extra: list[str],
            app: str, prerequisites: Prerequisites) -> tuple[Plan, dict[str, dict[str, Any]],
                                                           dict[str, dict[str, str]]]:
    """Translate examples/k8s plus `extra` into tmp_path/cfn, as a team does each time (same
    folder, old files gone), and run its deploy.sh: v1 through the secrets gate, v2 at once."""
    result = translate([str(_version(tmp_path / version, extra, app))], Options(app_name=app))
    folder = tmp_path / "cfn"
    shutil.rmtree(folder, ignore_errors=True)
    result.write(folder)
    templates = {s.stack_name: _decode(folder / s.file) for s in result.plan.stacks}
    parameters = _parameters(prerequisites, folder, templates)
    if version == "v1":
        _fill_secrets(emu, tmp_path, json.loads((folder / "deploy-plan.json").read_text()),
                      parameters)
    else:
        _run(emu, tmp_path, "cfn/deploy.sh", "cfn/parameters.json")
    return result.plan, templates, parameters


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_v1_to_v2(scenario: str, emulator: tuple[server.Emulator, list[str]],
                  tmp_path: Path) -> None:
    extra, cidr = SCENARIOS[scenario]
    emu, complaints = emulator
    complaints.clear()
    app = f"up-{scenario}"
    prerequisites = Prerequisites(emu, cidr)
    prerequisites.create_network()
    try:
        _deploy(emu, tmp_path, "v1", [_admin()], app, prerequisites)
        before = inventory.take(emu)
        plan, templates, parameters = _deploy(emu, tmp_path, "v2", extra, app, prerequisites)
        assert complaints == [], "\n".join(complaints)
        after = inventory.take(emu)
        physical = _check_stacks(emu, templates, {kind: set() for kind in after}, after)
        exports = _check_exports(emu, templates, parameters)
        _check_services(emu, templates, physical, exports, prerequisites)
        _check_rules(emu, templates, physical, exports, parameters)
        _check_v2(emu, scenario, physical, exports[f"{app}-cluster-ClusterName"], before, after)
        _run(emu, tmp_path, "cfn/cleanup.sh")
        assert _live_stacks(emu).isdisjoint(s.stack_name for s in plan.stacks)
    finally:
        prerequisites.remove_named()
    prerequisites.remove()


def _check_v2(emu: server.Emulator, scenario: str, physical: dict[str, dict[str, str]],
              cluster: str, before: dict[str, set[str]], after: dict[str, set[str]]) -> None:
    """What each change must have changed on the live objects."""
    ecs, elbv2 = emu.client("ecs"), emu.client("elbv2")
    stack = f"up-{scenario}-admin"
    service = ecs.describe_services(cluster=cluster,
                                    services=[physical[stack]["Service"]])["services"][0]
    task = ecs.describe_task_definition(taskDefinition=service["taskDefinition"])["taskDefinition"]
    [container] = task["containerDefinitions"]
    groups = [elbv2.describe_target_groups(TargetGroupArns=[lb["targetGroupArn"]])["TargetGroups"][0]
              for lb in service["loadBalancers"]]
    if scenario == "target-port":
        assert [m["containerPort"] for m in container["portMappings"]] == [8081]
        assert [(lb["containerPort"], g["Port"]) for lb, g in zip(service["loadBalancers"], groups,
                                                                  strict=True)] == [(8081, 8081)]
    elif scenario == "removed-service":
        assert service["loadBalancers"] == []
        gone = before["AWS::ElasticLoadBalancingV2::TargetGroup"] - \
            after["AWS::ElasticLoadBalancingV2::TargetGroup"]
        assert len(gone) == 1, "the removed Service's target group is still there"
    elif scenario == "removed-secret":
        assert "secrets" not in container or container["secrets"] == []
    elif scenario == "internal-ingress":
        balancers = "AWS::ElasticLoadBalancingV2::LoadBalancer"
        public = physical[f"up-{scenario}-load-balancer"]["LoadBalancer"]
        assert public in before[balancers], "the public ALB was replaced"
        [internal] = after[balancers] - before[balancers]
        schemes = {lb["LoadBalancerArn"]: lb["Scheme"] for lb in elbv2.describe_load_balancers(
            LoadBalancerArns=[public, internal])["LoadBalancers"]}
        assert schemes == {public: "internet-facing", internal: "internal"}
        assert len(service["loadBalancers"]) == 2, "admin is behind both ALBs"
    elif scenario == "added-workload":
        reports = ecs.describe_services(cluster=cluster,
                                        services=[physical[f"up-{scenario}-reports"]["Service"]])
        assert reports["services"][0]["loadBalancers"], "the new workload is behind no target group"
    else:
        assert container["image"].endswith("/angel-console:2.0.1")


EXPORTER = """AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Port: {Type: Number}
Resources:
  Group:
    Type: AWS::EC2::SecurityGroup
    Properties: {GroupDescription: "%s", VpcId: %s}
Outputs:
  Port:
    Value: !Sub "port-${Port}"
    Export: {Name: !Sub "${AWS::StackName}-Port"}
"""
# a stack of another team's that imports export %(export)s
IMPORTER = """AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Group:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: {"Fn::ImportValue": "%(export)s"}
      VpcId: %(vpc)s
"""


def test_the_emulator_refuses_what_cloudformation_refuses_of_an_export_in_use(
        emulator: tuple[server.Emulator, list[str]], tmp_path: Path) -> None:
    """"You can't delete a stack if another stack references one of its outputs. You can't
    modify or remove an output value that is referenced by another stack." (Fn::ImportValue,
    CloudFormation User Guide); the v1 -> v2 tests above rely on the emulator saying so. A
    refused update is rolled back, as CloudFormation rolls back a failed update: the stack
    rests in UPDATE_ROLLBACK_COMPLETE with its previous template, parameters, outputs and
    resources, and takes the next update
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-describing-stacks.html)."""
    emu, complaints = emulator
    complaints.clear()
    vpc = emu.client("ec2").create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]["VpcId"]
    cfn = emu.client("cloudformation")

    def run(*command: str, expect: int = 0) -> str:
        return _run(emu, tmp_path, "aws", "--region", server.REGION, "cloudformation", *command,
                    expect=expect)

    def deploy(stack: str, body: str, *overrides: str, expect: int = 0) -> str:
        (tmp_path / f"{stack}.yaml").write_text(body)
        return run("deploy", "--stack-name", stack, "--template-file", f"{stack}.yaml",
                   *(["--parameter-overrides", *overrides] if overrides else []), expect=expect)

    def state() -> tuple[Any, ...]:
        """What the exporter has: status, template, parameters, outputs, exports, its group."""
        [stack] = cfn.describe_stacks(StackName="exporter")["Stacks"]
        [group] = cfn.describe_stack_resources(StackName="exporter")["StackResources"]
        [live] = emu.client("ec2").describe_security_groups(
            GroupIds=[group["PhysicalResourceId"]])["SecurityGroups"]
        return (stack["StackStatus"], cfn.get_template(StackName="exporter")["TemplateBody"],
                stack["Parameters"], stack["Outputs"], cfn.list_exports()["Exports"],
                live["Description"])

    def reasons() -> list[str]:
        return [e["ResourceStatusReason"] for e in cfn.describe_stack_events(
            StackName="exporter")["StackEvents"] if e["ResourceStatus"] == "UPDATE_ROLLBACK_IN_PROGRESS"]

    deploy("exporter", EXPORTER % ("v1", vpc), "Port=80")
    deploy("importer", IMPORTER % {"export": "exporter-Port", "vpc": vpc})
    v1 = state()
    assert v1[0] == "CREATE_COMPLETE" and v1[5] == "v1"
    without = EXPORTER.split("Outputs:")[0] % ("v3", vpc)
    for body, port, verb in [(EXPORTER % ("v2", vpc), "Port=81", "updated"),
                             (without, "Port=80", "deleted")]:
        out = deploy("exporter", body, port, expect=255)
        assert "Failed to create/update the stack" in out and "--stack-name exporter" in out, out
        refused = f"Export exporter-Port cannot be {verb} as it is in use by importer"
        assert reasons()[0] == f"ValidationError: {refused}"
        assert complaints.pop() == f"stack exporter rolled back: ValidationError: {refused}"
        assert state() == ("UPDATE_ROLLBACK_COMPLETE", *v1[1:])
    out = run("delete-stack", "--stack-name", "exporter", expect=255)
    assert "Export exporter-Port cannot be deleted as it is in use by importer" in out
    # a rolled-back stack takes the next update, one that leaves the export alone
    deploy("exporter", EXPORTER % ("v2b", vpc), "Port=80")
    assert state()[0::5] == ("UPDATE_COMPLETE", "v2b")
    # once no stack imports it, all three go through
    run("delete-stack", "--stack-name", "importer")
    deploy("exporter", EXPORTER % ("v4", vpc), "Port=81")
    deploy("exporter", without.replace("v3", "v5"), "Port=81")
    run("delete-stack", "--stack-name", "exporter")
    assert complaints == []
    emu.client("ec2").delete_vpc(VpcId=vpc)


REGISTERED = """AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  NamespaceId: {Type: String}
Resources:
  Group:
    Type: AWS::EC2::SecurityGroup
    Properties: {GroupDescription: "%s", VpcId: %s}
  Registry:
    Type: AWS::ServiceDiscovery::Service
    Properties: {Name: api, NamespaceId: !Ref NamespaceId}
Outputs:
  RegistryName:
    Value: !GetAtt Registry.Name
"""


def test_a_refused_resource_update_is_rolled_back(emulator: tuple[server.Emulator, list[str]],
                                                  tmp_path: Path) -> None:
    """An update one of whose resources is refused (Cloud Map has no such namespace) fails and
    is rolled back: the resource updated before it (a security group) has its old properties
    again, the refused one is still there as it was, and the stack rests in
    UPDATE_ROLLBACK_COMPLETE with its previous template and parameters, ready for the next
    update."""
    emu, complaints = emulator
    complaints.clear()
    vpc = emu.client("ec2").create_vpc(CidrBlock="10.31.0.0/16")["Vpc"]["VpcId"]
    discovery, cfn = emu.client("servicediscovery"), emu.client("cloudformation")
    discovery.create_private_dns_namespace(Name="rollback.local", Vpc=vpc)
    [namespace] = [n["Id"] for n in discovery.list_namespaces()["Namespaces"]
                   if n["Name"] == "rollback.local"]

    def deploy(description: str, namespace_id: str, expect: int = 0) -> str:
        (tmp_path / "registered.yaml").write_text(REGISTERED % (description, vpc))
        return _run(emu, tmp_path, "aws", "--region", server.REGION, "cloudformation", "deploy",
                    "--stack-name", "registered", "--template-file", "registered.yaml",
                    "--parameter-overrides", f"NamespaceId={namespace_id}", expect=expect)

    def state() -> tuple[Any, ...]:
        [stack] = cfn.describe_stacks(StackName="registered")["Stacks"]
        physical = {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in
                    cfn.describe_stack_resources(StackName="registered")["StackResources"]}
        [group] = emu.client("ec2").describe_security_groups(
            GroupIds=[physical["Group"]])["SecurityGroups"]
        registry = discovery.get_service(Id=physical["Registry"])["Service"]
        return (stack["StackStatus"], cfn.get_template(StackName="registered")["TemplateBody"],
                stack["Parameters"], stack["Outputs"], group["Description"],
                (registry["Name"], registry["NamespaceId"]))

    deploy("v1", namespace)
    v1 = state()
    assert v1[0] == "CREATE_COMPLETE" and v1[4:] == ("v1", ("api", namespace))
    out = deploy("v2", "ns-missing", expect=255)
    assert "Failed to create/update the stack" in out and "--stack-name registered" in out, out
    [reason] = [e["ResourceStatusReason"] for e in cfn.describe_stack_events(
        StackName="registered")["StackEvents"] if e["ResourceStatus"] == "UPDATE_ROLLBACK_IN_PROGRESS"]
    assert "NamespaceNotFound" in reason and "ns-missing" in reason, reason
    assert complaints == [f"stack registered rolled back: {reason}"]
    assert state() == ("UPDATE_ROLLBACK_COMPLETE", *v1[1:])
    assert [s["Name"] for s in discovery.list_services()["Services"]] == ["api"]
    complaints.clear()
    deploy("v3", namespace)
    assert state()[0::4] == ("UPDATE_COMPLETE", "v3")
    _run(emu, tmp_path, "aws", "--region", server.REGION, "cloudformation", "delete-stack",
         "--stack-name", "registered")
    assert complaints == []
    discovery.delete_namespace(Id=namespace)
    emu.client("ec2").delete_vpc(VpcId=vpc)


def test_deploy_sh_names_a_rolled_back_update_and_the_next_run_updates_the_stack(
        emulator: tuple[server.Emulator, list[str]], tmp_path: Path) -> None:
    """v2 renames the app's private DNS domain while another team's stack imports it: the
    cluster stack's update is refused and rolled back, and deploy.sh fails saying where the
    stack is (UPDATE_ROLLBACK_COMPLETE: its previous template) and why; once that stack is
    gone, the next run of deploy.sh updates the rolled-back stack."""
    emu, complaints = emulator
    complaints.clear()
    prerequisites = Prerequisites(emu, "10.27.0.0/16")
    prerequisites.create_network()
    result = translate([str(_version(tmp_path / "k8s", [], "roll"))], Options(app_name="roll"))
    folder = tmp_path / "cfn"
    result.write(folder)
    _parameters(prerequisites, folder, {s.stack_name: _decode(folder / s.file)
                                        for s in result.plan.stacks})
    cfn, discovery, cluster = emu.client("cloudformation"), emu.client("servicediscovery"), \
        "roll-cluster"

    def state() -> tuple[str, dict[str, str], str]:
        """The cluster stack's status, outputs and the name of its live namespace."""
        [stack] = cfn.describe_stacks(StackName=cluster)["Stacks"]
        outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
        live = discovery.get_namespace(Id=outputs["NamespaceId"])["Namespace"]["Name"]
        return stack["StackStatus"], outputs, live

    _run(emu, folder, "./deploy.sh", "parameters.json", "cluster")
    status, v1, domain = state()
    assert (status, v1["NamespaceName"], domain) == \
        ("CREATE_COMPLETE", "angel-backend.local", "angel-backend.local")
    template = cfn.get_template(StackName=cluster)["TemplateBody"]
    (tmp_path / "reader.yaml").write_text(
        IMPORTER % {"export": "roll-cluster-NamespaceName", "vpc": prerequisites.vpc})
    _run(emu, tmp_path, "aws", "--region", server.REGION, "cloudformation", "deploy",
         "--stack-name", "reader", "--template-file", "reader.yaml")
    parameters = json.loads((folder / "parameters.json").read_text())
    parameters["stacks"][cluster]["DnsNamespaceName"] = "angel-backend.internal"
    (folder / "parameters.json").write_text(json.dumps(parameters))

    log = _run(emu, folder, "./deploy.sh", "parameters.json", "cluster", expect=1)
    refused = "Export roll-cluster-NamespaceName cannot be updated as it is in use by reader"
    assert f"    deploy.sh: {cluster}: UPDATE_ROLLBACK_COMPLETE (the update failed and was " \
           "rolled back: the stack runs its previous template and takes the next update): " \
           f"ValidationError: {refused}\n" in log, log
    assert f"<== {cluster}: FAILED" in log and "deploy.sh: stopped after wave 1: a stack failed" in log
    assert complaints == [f"stack {cluster} rolled back: ValidationError: {refused}"]
    status, outputs, domain = state()
    assert (status, outputs["NamespaceName"], domain) == \
        ("UPDATE_ROLLBACK_COMPLETE", "angel-backend.local", "angel-backend.local")
    assert cfn.get_template(StackName=cluster)["TemplateBody"] == template
    assert {k: v for k, v in outputs.items() if k not in ("NamespaceId", "NamespaceArn")} == \
        {k: v for k, v in v1.items() if k not in ("NamespaceId", "NamespaceArn")}

    complaints.clear()
    _run(emu, tmp_path, "aws", "--region", server.REGION, "cloudformation", "delete-stack",
         "--stack-name", "reader")
    _run(emu, folder, "./deploy.sh", "parameters.json", "cluster")
    status, outputs, domain = state()
    assert (status, outputs["NamespaceName"], domain) == \
        ("UPDATE_COMPLETE", "angel-backend.internal", "angel-backend.internal")
    assert complaints == []
    _run(emu, folder, "./cleanup.sh")
    assert _live_stacks(emu).isdisjoint(s.stack_name for s in result.plan.stacks)
    prerequisites.remove()
