"""The generated deploy.sh and cleanup.sh, run as a user runs them (the AWS CLI, a filled-in
parameters.json) against moto server on loopback, for examples/k8s and three apps of the
corpus. Between the two scripts, boto3 checks that every template resource exists as a stack
resource and as a live object of its service, that exports and imports resolve, and that the
ECS services are Fargate services wired to their load balancers, subnets and Cloud Map; after
cleanup nothing the stacks made is left. tests/emulator/ holds the support code: the providers
for the types moto lacks and the places where moto is made to behave as AWS does."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.emulator import inventory, server
from tests.emulator.prerequisites import Prerequisites
from tests.helpers import decoded, deployment, docs, service
from tests.paths import CORPUS, EXAMPLE, needs_shared_for
from translator.api import translate
from translator.context import Options

# app -> (manifests, a /16 of its own, --name). Two of the corpus apps live in namespace
# `default`: each gets its own name, as two apps sharing an account would.
APPS: dict[str, tuple[Path, str, str | None]] = {
    "examples-k8s": (EXAMPLE, "10.1.0.0/16", None),
    # --vpc-endpoints: the network stack first, its rule in the cluster stack
    "examples-k8s-vpc-endpoints": (EXAMPLE, "10.5.0.0/16", "private"),
    # 12 Deployments and 12 Services: 13 stacks, 11 Cloud Map services.
    "microservices-demo": (CORPUS / "GoogleCloudPlatform__microservices-demo", "10.2.0.0/16",
                           "boutique"),
    # A plain Secret: a Secrets Manager secret in the secrets stack, made empty; the first run
    # stops at the secrets gate.
    "eks-workshop-orders": (CORPUS / "aws-samples__eks-workshop-v2/manifests/base-application/orders",
                            "10.3.0.0/16", "orders"),
    # An HPA; with the StatefulSet, claim and CronJob of its database: EFS and a schedule.
    "podinfo": (CORPUS / "stefanprodan__podinfo", "10.4.0.0/16", "podinfo"),
    # 7 waves (databases, their readers, ledgerwriter, frontend, loadgenerator); one Secret
    # outside the input (jwt-key) that six workloads read, with different keys.
    "bank-of-anthos": (CORPUS / "GoogleCloudPlatform__bank-of-anthos" / "kubernetes-manifests",
                       "10.6.0.0/16", "bank"),
}
Template = dict[str, Any]


def _run(emulator: server.Emulator, cwd: Path, *command: str, expect: int = 0) -> str:
    done = subprocess.run(command, cwd=cwd, env=emulator.shell_env(cwd), capture_output=True,
                          text=True, timeout=600, check=False)
    assert done.returncode == expect, \
        f"{command[0]} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


def _decode(path: Path) -> Template:
    return dict(decoded(path.read_text()))


def _resolve(value: Any, stack: str, parameters: dict[str, str]) -> str:
    """An export name as the templates write it: a plain string or an Fn::Sub of parameters."""
    text = value["Fn::Sub"] if isinstance(value, dict) else value
    known = {**parameters, "AWS::StackName": stack}
    return re.sub(r"\$\{([^}]+)\}", lambda m: known[m[1]], text)


def _imports(node: Any) -> Iterator[Any]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from [value] if key == "Fn::ImportValue" else _imports(value)
    elif isinstance(node, list):
        for item in node:
            yield from _imports(item)


def _of_type(template: Template, cfn_type: str) -> dict[str, dict[str, Any]]:
    return {logical: r.get("Properties", {}) for logical, r in template["Resources"].items()
            if r["Type"] == cfn_type}


@pytest.mark.parametrize("app", sorted(APPS))
def test_generated_scripts_deploy_and_clean_up(app: str, emulator: tuple[server.Emulator, list[str]],
                                                tmp_path: Path, request: pytest.FixtureRequest) -> None:
    manifests, cidr, name = APPS[app]
    needs_shared_for(request, manifests)
    emu, complaints = emulator
    complaints.clear()  # each app answers for its own
    folder = tmp_path / "cfn"
    result = translate([str(manifests)], Options(app_name=name,
                                                 vpc_endpoints=app.endswith("-vpc-endpoints")))
    result.write(folder)
    order = [(s.stack_name, s.file) for wave in result.plan.waves() for s in wave]
    templates = {name: _decode(folder / file) for name, file in order}

    prerequisites = Prerequisites(emu, cidr)
    prerequisites.create_network()
    parameters = _parameters(prerequisites, folder, templates)
    before = inventory.take(emu)

    # From the folder above, as CI would: the parameters path is the caller's, not the script's.
    log = _fill_secrets(emu, tmp_path, json.loads((folder / "deploy-plan.json").read_text()),
                        parameters)
    waves = [[s.stack_name for s in wave] for wave in result.plan.waves()]
    assert _waves(log) == waves
    assert complaints == [], "moto skipped or half-made something:\n" + "\n".join(complaints)
    deployed = inventory.take(emu)
    physical = _check_stacks(emu, templates, before, deployed)
    exports = _check_exports(emu, templates, parameters)
    _check_services(emu, templates, physical, exports, prerequisites)
    _check_file_systems(emu, templates, physical, prerequisites)
    _check_rules(emu, templates, physical, exports, parameters)
    _check_endpoints(emu, templates, physical, prerequisites)
    _check_readme_group(emu, folder, exports)

    if app == "examples-k8s":  # once is enough: deploying again changes nothing and exits 0
        _run(emu, folder, "./deploy.sh")
        assert inventory.take(emu) == deployed
    log = _run(emu, folder, "./cleanup.sh")
    assert _waves(log, "==> deleting: ") == waves[::-1]
    assert complaints == [], "\n".join(complaints)
    assert _live_stacks(emu).isdisjoint(templates)
    assert emu.client("cloudformation").list_exports()["Exports"] == []
    retained = {(r["Type"], physical[stack][logical]) for stack, t in templates.items()
                for logical, r in t["Resources"].items() if r.get("DeletionPolicy") == "Retain"}
    assert inventory.take(emu) == {
        kind: ids | {i for k, i in retained if k == kind} for kind, ids in before.items()}
    for kind, physical_id in retained:  # the user's call, once the data is safe
        assert kind in inventory.REMOVERS, f"add a remover for retained {kind} to inventory.py"
        inventory.REMOVERS[kind](emu, physical_id)
    assert inventory.take(emu) == before
    prerequisites.remove()


def _waves(log: str, prefix: str = "==> wave ") -> list[list[str]]:
    """The waves a run of the scripts went through, from the lines that start each one."""
    return [line.split(": ", 1)[1].split() for line in log.splitlines() if line.startswith(prefix)]


def _parameters(prerequisites: Prerequisites, folder: Path,
                templates: dict[str, Template]) -> dict[str, dict[str, str]]:
    """parameters.json filled in from the example; returns each stack's parameter values."""
    example = json.loads((folder / "parameters.json.example").read_text())
    filled = prerequisites.fill(example, templates)
    (folder / "parameters.json").write_text(json.dumps(filled, indent=2))
    return {stack: {**{k: v for k, v in filled["shared"].items()
                       if k in template.get("Parameters", {})},
                    **filled["stacks"].get(stack, {})}
            for stack, template in templates.items()}


def _fill_secrets(emu: server.Emulator, cwd: Path, plan: dict[str, Any],
                  parameters: dict[str, dict[str, str]]) -> str:
    """Run deploy.sh; when the tasks read secrets, the first run must stop before any workload
    stack with the put-secret-value command of each, and the second, after them, complete."""
    if not plan["secrets"]:
        return _run(emu, cwd, "cfn/deploy.sh", "cfn/parameters.json")
    log = _run(emu, cwd, "cfn/deploy.sh", "cfn/parameters.json", expect=3)
    workloads = {s["stack"] for wave in plan["waves"] for s in wave if s["layer"] == "workload"}
    assert _live_stacks(emu).isdisjoint(workloads), "a task started before its secrets"
    commands = dict(re.findall(r"^  aws secretsmanager put-secret-value --secret-id '([^']+)' "
                               r"--secret-string '([^']+)'$", log, re.MULTILINE))
    keys: dict[str, set[str]] = {}  # one command a secret, with the keys of all its readers
    for secret in plan["secrets"]:
        where = secret.get("parameter")
        secret_id = secret.get("name") or secret.get("arn") or \
            parameters[where["stack"]][where["name"]]
        keys.setdefault(secret_id, set()).update(k for k in secret["keys"] if k)
    wanted = {secret_id: "{" + ", ".join(f'"{k}": "..."' for k in sorted(every)) + "}"
              if every else "..." for secret_id, every in keys.items()}
    assert len(re.findall("^  aws secretsmanager put-secret-value", log, re.MULTILINE)) == len(wanted)
    assert commands == wanted
    for secret_id, template in commands.items():
        emu.client("secretsmanager").put_secret_value(
            SecretId=secret_id, SecretString=template.replace('"..."', '"filled"'))
    log = _run(emu, cwd, "cfn/deploy.sh", "cfn/parameters.json")
    assert "secret(s) to fill" not in log
    return log


def _live_stacks(emu: server.Emulator) -> set[str]:
    return {s["StackName"] for s in emu.client("cloudformation").list_stacks()["StackSummaries"]
            if s["StackStatus"] != "DELETE_COMPLETE"}


def _check_stacks(emu: server.Emulator, templates: dict[str, Template],
                  before: dict[str, set[str]], after: dict[str, set[str]]) -> dict[str, dict[str, str]]:
    """Every logical id of every template is a stack resource of its type, and its physical id
    is a live object of its service that was not there before. Returns stack -> logical ->
    physical id."""
    cfn = emu.client("cloudformation")
    physical: dict[str, dict[str, str]] = {}
    for stack, template in templates.items():
        assert cfn.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"] in \
            ("CREATE_COMPLETE", "UPDATE_COMPLETE"), stack
        # moto lists a resource it did not make (condition false, or type unknown) as an entry
        # without ids; a missing unconditional resource is caught below.
        found = [r for r in cfn.describe_stack_resources(StackName=stack)["StackResources"]
                 if "LogicalResourceId" in r]
        declared = {logical: r["Type"] for logical, r in template["Resources"].items()}
        made = {r["LogicalResourceId"]: r["ResourceType"] for r in found}
        # A resource with a Condition exists when the condition holds; every other one must.
        unconditional = {k for k, r in template["Resources"].items() if "Condition" not in r}
        assert unconditional <= made.keys() and made.items() <= declared.items(), \
            f"{stack}: missing {sorted(unconditional - made.keys())}"
        physical[stack] = {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in found}
        for r in found:
            kind = r["ResourceType"]
            assert kind in after, (f"{stack}/{r['LogicalResourceId']}: no inventory of {kind}; "
                                   "add a lister to tests/emulator/inventory.py")
            assert r["PhysicalResourceId"] in after[kind] - before[kind], \
                f"{stack}/{r['LogicalResourceId']}: {kind} {r['PhysicalResourceId']} does not exist"
    return physical


def _check_exports(emu: server.Emulator, templates: dict[str, Template],
                   parameters: dict[str, dict[str, str]]) -> dict[str, str]:
    """Every export is published with a resolved value, and every import names one of them."""
    cfn = emu.client("cloudformation")
    exports = {e["Name"]: e["Value"] for e in cfn.list_exports()["Exports"]}
    for stack, template in templates.items():
        outputs = {o["OutputKey"]: o["OutputValue"]
                   for o in cfn.describe_stacks(StackName=stack)["Stacks"][0].get("Outputs", [])}
        assert set(outputs) == set(template.get("Outputs", {})), stack
        for key, output in template.get("Outputs", {}).items():
            assert outputs[key] and "Fn::" not in outputs[key], f"{stack}.{key}: {outputs[key]!r}"
            if "Export" in output:
                name = _resolve(output["Export"]["Name"], stack, parameters[stack])
                assert exports.get(name) == outputs[key], f"{stack}: export {name}"
        for imported in _imports(template["Resources"]):
            name = _resolve(imported, stack, parameters[stack])
            assert name in exports, f"{stack} imports {name}, which no stack exports"
    return exports


def _check_services(emu: server.Emulator, templates: dict[str, Template],
                    physical: dict[str, dict[str, str]], exports: dict[str, str],
                    prerequisites: Prerequisites) -> None:
    """Each ECS service runs on Fargate in the private subnets with the tasks' security group,
    behind its target groups and registered in Cloud Map, as its template says."""
    ecs, discovery = emu.client("ecs"), emu.client("servicediscovery")
    elbv2, scaling = emu.client("elbv2"), emu.client("application-autoscaling")
    [cluster_stack] = [s for s in templates if f"{s}-ClusterName" in exports]
    cluster, namespace = exports[f"{cluster_stack}-ClusterName"], exports[f"{cluster_stack}-NamespaceId"]
    services, connect = 0, set()
    for stack, template in templates.items():
        for logical, props in _of_type(template, "AWS::ECS::Service").items():
            services += 1
            where = f"{stack}/{logical}"
            service = ecs.describe_services(cluster=cluster,
                                            services=[physical[stack][logical]])["services"][0]
            assert service["launchType"] == "FARGATE", where
            network = service["networkConfiguration"]["awsvpcConfiguration"]
            assert network["subnets"] == prerequisites.private_subnets, where
            # The app's group, the workload's own, and the operator's: all real, at most 5.
            assert network["securityGroups"][0] == exports[f"{cluster_stack}-TaskSecurityGroupId"]
            assert physical[stack]["WorkloadSecurityGroup"] in network["securityGroups"], where
            assert prerequisites.security_group in network["securityGroups"], where
            assert len(network["securityGroups"]) <= 5, where
            emu.client("ec2").describe_security_groups(GroupIds=network["securityGroups"])
            assert network["assignPublicIp"] == "DISABLED", where
            # ECS Exec, on by default: what `aws ecs execute-command` in the README needs
            assert service.get("enableExecuteCommand") is props.get("EnableExecuteCommand", False) \
                is True, where
            task = ecs.describe_task_definition(taskDefinition=service["taskDefinition"])
            assert task["taskDefinition"]["networkMode"] == "awsvpc", where
            assert "FARGATE" in task["taskDefinition"]["requiresCompatibilities"], where
            assert len(service["loadBalancers"]) == len(props.get("LoadBalancers", [])), where
            for lb in service["loadBalancers"]:
                group = elbv2.describe_target_groups(
                    TargetGroupArns=[lb["targetGroupArn"]])["TargetGroups"][0]
                assert group["LoadBalancerArns"] and group["TargetType"] == "ip", where
            assert len(service["serviceRegistries"]) == len(props.get("ServiceRegistries", [])), where
            for registry in service["serviceRegistries"]:
                found = discovery.get_service(Id=registry["registryArn"].rsplit("/", 1)[-1])
                assert found["Service"]["NamespaceId"] == namespace, where
            connect |= _check_service_connect(service, props, discovery, namespace, where)
        for logical, props in _of_type(template, "AWS::ApplicationAutoScaling::ScalableTarget").items():
            target_id = physical[stack][logical].split("|")[0]
            assert target_id.startswith(f"service/{cluster}/"), target_id
            found = scaling.describe_scalable_targets(ServiceNamespace="ecs",
                                                      ResourceIds=[target_id])["ScalableTargets"]
            assert [(t["MinCapacity"], t["MaxCapacity"]) for t in found] == \
                [(props["MinCapacity"], props["MaxCapacity"])], f"{stack}/{logical}"
    assert services > 0, "nothing to check: the app has no ECS service"
    registered = [discovery.get_service(Id=s["Id"])["Service"]
                  for s in discovery.list_services()["Services"]]
    names = {s["Name"] for s in registered if s["NamespaceId"] == namespace}
    # the templates' Cloud Map services, and those ECS made for Service Connect
    assert names == {props["Name"] for t in templates.values()
                     for props in _of_type(t, "AWS::ServiceDiscovery::Service").values()} | connect


def _check_service_connect(service: dict[str, Any], props: dict[str, Any], discovery: Any,
                           namespace: str, where: str) -> set[str]:
    """A Service Connect client in the cluster's namespace, each of its Service Connect
    services a live Cloud Map service there with the aliases the template gives; the
    discovery names are returned."""
    config = props.get("ServiceConnectConfiguration")
    [deployment] = service["deployments"]
    if config is None:
        assert "serviceConnectConfiguration" not in deployment, where
        return set()
    live = deployment["serviceConnectConfiguration"]
    assert live["enabled"] is True, where
    assert discovery.get_namespace(Id=namespace)["Namespace"]["Arn"] == live["namespace"], where
    assert [(s["portName"], s["discoveryName"], s["clientAliases"]) for s in
            live.get("services", [])] == [(s["PortName"], s["DiscoveryName"], [
                {"port": a["Port"], "dnsName": a["DnsName"]} for a in s["ClientAliases"]])
                for s in config.get("Services", [])], where
    found = set()
    for resource in deployment["serviceConnectResources"]:
        made = discovery.get_service(Id=resource["discoveryArn"].rsplit("/", 1)[-1])["Service"]
        assert (made["Name"], made["NamespaceId"]) == (resource["discoveryName"], namespace), where
        found.add(made["Name"])
    assert found == {s["DiscoveryName"] for s in config.get("Services", [])}, where
    return found


def test_deploy_stops_at_a_broken_parameters_file(emulator: tuple[server.Emulator, list[str]],
                                                  tmp_path: Path) -> None:
    emu, _ = emulator
    result = translate([str(EXAMPLE)])
    result.write(tmp_path / "cfn")
    (tmp_path / "cfn" / "parameters.json").write_text('{"angel-backend-cluster": {"VpcId": "vpc-1",}}')
    log = _run(emu, tmp_path / "cfn", "./deploy.sh", expect=2)
    assert "parameters.json is not valid JSON" in log
    # the example as it comes: placeholders left, refused before any stack is touched
    example = tmp_path / "cfn" / "parameters.json.example"
    (tmp_path / "cfn" / "parameters.dev.json").write_text(example.read_text())
    log = _run(emu, tmp_path / "cfn", "./deploy.sh", "parameters.dev.json", expect=2)
    assert "parameters.dev.json: replace the placeholder of" in log
    assert _live_stacks(emu).isdisjoint(s.stack_name for s in result.plan.stacks)


def test_one_stack_a_preview_and_another_apps_stacks(emulator: tuple[server.Emulator, list[str]],
                                                     tmp_path: Path,
                                                     request: pytest.FixtureRequest) -> None:
    """`./deploy.sh FILE STACK` deploys that stack alone; PREVIEW=1 changes nothing; a second
    app translated to the same stack names is refused by the first one's eks2ecs:app tags,
    by deploy.sh and by cleanup.sh."""
    needs_shared_for(request, CORPUS)
    emu, _ = emulator
    prerequisites = Prerequisites(emu, "10.9.0.0/16")
    prerequisites.create_network()
    first = translate([str(EXAMPLE)], Options(app_name="solo"))
    first.write(tmp_path / "one")
    templates = {s.stack_name: _decode(tmp_path / "one" / s.file) for s in first.plan.stacks}
    _parameters(prerequisites, tmp_path / "one", templates)
    log = _run(emu, tmp_path / "one", "./deploy.sh", "parameters.json", "cluster")
    assert _waves(log) == [["solo-cluster"]] and _live_stacks(emu) >= {"solo-cluster"}
    assert _live_stacks(emu).isdisjoint(set(templates) - {"solo-cluster"})
    tags = emu.client("cloudformation").describe_stacks(StackName="solo-cluster")["Stacks"][0]
    assert {"Key": "eks2ecs:app", "Value": "solo"} in tags["Tags"]

    preview = dict(emu.shell_env(tmp_path / "one"), PREVIEW="1")
    done = subprocess.run(["./deploy.sh", "parameters.json"], cwd=tmp_path / "one", env=preview,
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "solo-backend: would be created from workload-backend.yaml" in done.stdout
    assert "Preview only: nothing was changed." in done.stdout
    assert _live_stacks(emu).isdisjoint(set(templates) - {"solo-cluster"})

    second = translate([str(CORPUS / "stefanprodan__podinfo")], Options(app_name="solo"))
    second.write(tmp_path / "two")
    other = {s.stack_name: _decode(tmp_path / "two" / s.file) for s in second.plan.stacks}
    _parameters(prerequisites, tmp_path / "two", other)
    log = _run(emu, tmp_path / "two", "./deploy.sh", "parameters.json", expect=1)
    assert "stack solo-cluster belongs to app solo (namespaces angel-backend), not to solo " \
           "(namespaces default): refusing to change it" in log
    _run(emu, tmp_path / "two", "./cleanup.sh", expect=1)
    assert "solo-cluster" in _live_stacks(emu)
    _run(emu, tmp_path / "one", "./cleanup.sh")
    assert _live_stacks(emu).isdisjoint(templates)
    prerequisites.remove()


def _check_file_systems(emu: server.Emulator, templates: dict[str, Template],
                        physical: dict[str, dict[str, str]], prerequisites: Prerequisites) -> None:
    """An EFS file system has a mount target in every subnet the tasks run in."""
    efs = emu.client("efs")
    for stack, template in templates.items():
        for logical in _of_type(template, "AWS::EFS::FileSystem"):
            targets = efs.describe_mount_targets(FileSystemId=physical[stack][logical])
            assert sorted(t["SubnetId"] for t in targets["MountTargets"]) == \
                sorted(prerequisites.private_subnets), f"{stack}/{logical}"


def _check_rules(emu: server.Emulator, templates: dict[str, Template],
                 physical: dict[str, dict[str, str]], exports: dict[str, str],
                 parameters: dict[str, dict[str, str]]) -> None:
    """Every ingress rule of the templates is a live rule (describe-security-group-rules) on
    the group it names, from the group it names, on its ports."""
    ec2 = emu.client("ec2")

    def group(stack: str, value: Any) -> str:
        if isinstance(value, dict) and "Fn::GetAtt" in value:
            return physical[stack][value["Fn::GetAtt"][0]]
        return exports[_resolve(value["Fn::ImportValue"], stack, parameters[stack])]

    checked = 0
    for stack, template in templates.items():
        for logical, props in _of_type(template, "AWS::EC2::SecurityGroupIngress").items():
            [rule] = ec2.describe_security_group_rules(
                SecurityGroupRuleIds=[physical[stack][logical]])["SecurityGroupRules"]
            where = f"{stack}/{logical}"
            assert rule["GroupId"] == group(stack, props["GroupId"]), where
            assert (rule["FromPort"], rule["ToPort"]) == (props["FromPort"], props["ToPort"]), where
            assert not rule["IsEgress"], where
            if "SourceSecurityGroupId" in props:
                assert rule["ReferencedGroupInfo"]["GroupId"] == \
                    group(stack, props["SourceSecurityGroupId"]), where
            checked += 1
    assert checked > 0, "the templates make no ingress rule"


def _check_endpoints(emu: server.Emulator, templates: dict[str, Template],
                     physical: dict[str, dict[str, str]], prerequisites: Prerequisites) -> None:
    """Each VPC endpoint is live in the task subnets (interface, private DNS, behind the
    endpoints' group) or on their route tables (the S3 gateway)."""
    ec2 = emu.client("ec2")
    for stack, template in templates.items():
        for logical, props in _of_type(template, "AWS::EC2::VPCEndpoint").items():
            [live] = ec2.describe_vpc_endpoints(
                VpcEndpointIds=[physical[stack][logical]])["VpcEndpoints"]
            where = f"{stack}/{logical}"
            assert live["VpcId"] == prerequisites.vpc, where
            assert live["VpcEndpointType"] == props["VpcEndpointType"], where
            assert live["ServiceName"].startswith("com.amazonaws.us-east-1."), where
            if props["VpcEndpointType"] == "Interface":
                assert sorted(live["SubnetIds"]) == sorted(prerequisites.private_subnets), where
                assert live["PrivateDnsEnabled"] is True, where
                assert [g["GroupId"] for g in live["Groups"]] == \
                    [physical[stack]["EndpointSecurityGroup"]], where
            else:
                assert sorted(live["RouteTableIds"]) == sorted(prerequisites.route_tables), where


def _check_readme_group(emu: server.Emulator, folder: Path, exports: dict[str, str]) -> None:
    """The README's command to let the tasks into a database names the group every task is in."""
    readme = (folder / "README.md").read_text()
    command = re.search(r"--stack-name '([^']+)' \\\n +--query \"Stacks\[0\]\.Outputs\[\?"
                        r"OutputKey=='(\w+)'\]\.OutputValue\"", readme)
    assert command, "README.md shows no authorize-security-group-ingress command"
    stack, key = command.groups()
    outputs = {o["OutputKey"]: o["OutputValue"] for o in emu.client("cloudformation")
               .describe_stacks(StackName=stack)["Stacks"][0]["Outputs"]}
    assert outputs[key] == exports[f"{stack}-TaskSecurityGroupId"]


def test_the_emulator_refuses_service_connect_that_ecs_refuses() -> None:
    """The ECS service provider does what ECS does with a ServiceConnectConfiguration: a
    portName no port mapping has, two client aliases, a namespace that does not exist and a
    discovery name already used are refused; a valid one makes its Cloud Map service."""
    boto3 = pytest.importorskip("boto3")
    moto = pytest.importorskip("moto")
    from types import SimpleNamespace

    from moto.ecs.models import ecs_backends

    from tests.emulator import providers

    with moto.mock_aws():
        vpc = boto3.client("ec2", "us-east-1").create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        discovery = boto3.client("servicediscovery", "us-east-1")
        discovery.create_private_dns_namespace(Name="shop.local", Vpc=vpc)
        [namespace] = discovery.list_namespaces()["Namespaces"]
        arn = boto3.client("ecs", "us-east-1").register_task_definition(
            family="web", networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256",
            memory="512", containerDefinitions=[{"name": "web", "image": "nginx", "portMappings": [
                {"containerPort": 8080, "name": "http"}]}])["taskDefinition"]["taskDefinitionArn"]
        task = ecs_backends[server.ACCOUNT]["us-east-1"].describe_task_definition(arn)

        def connect(*services: dict[str, Any], space: str = namespace["Arn"]) -> list[str]:
            props = {"ServiceConnectConfiguration": {"Enabled": True, "Namespace": space,
                                                     "Services": list(services)}}
            service = SimpleNamespace(arn=f"arn:web/{len(services)}", deployments=[{}])
            return providers._service_connect(server.ACCOUNT, "us-east-1", props, task, service)

        web = {"PortName": "http", "DiscoveryName": "web-80",
               "ClientAliases": [{"Port": 80, "DnsName": "web"}]}
        for bad, message in [
                ({**web, "PortName": "grpc"}, "port name grpc is not defined"),
                ({**web, "ClientAliases": [*web["ClientAliases"], {"Port": 80, "DnsName": "w"}]},
                 "the maximum is 1")]:
            with pytest.raises(providers.Refused, match=message):
                connect(bad)
        with pytest.raises(providers.Refused, match=r"Namespace shop\.internal not found"):
            connect(web, space="shop.internal")
        [made] = connect(web)
        assert discovery.get_service(Id=made)["Service"]["Name"] == "web-80"
        with pytest.raises(providers.Refused, match=r"already used in namespace shop\.local"):
            connect({**web, "DiscoveryName": "web-8080"})  # the same alias web:80
        providers.ALIASES.pop(made)


def test_a_failed_first_create_is_deleted_and_created_again(
        emulator: tuple[server.Emulator, list[str]], tmp_path: Path) -> None:
    """A stack whose first create failed rests in ROLLBACK_COMPLETE, where CloudFormation lets
    it only be deleted: that run of deploy.sh fails, and once the cause is gone the next run
    deletes the stack and creates it. The cause is one AWS has too: a Cloud Map namespace of
    the same domain is in the VPC already (ConflictingDomainExists)."""
    emu, complaints = emulator
    complaints.clear()
    result = translate([str(EXAMPLE)], Options(app_name="rollback"))
    folder = tmp_path / "cfn"
    result.write(folder)
    templates = {s.stack_name: _decode(folder / s.file) for s in result.plan.stacks}
    prerequisites = Prerequisites(emu, "10.10.0.0/16")
    prerequisites.create_network()
    parameters = _parameters(prerequisites, folder, templates)
    cluster = "rollback-cluster"
    discovery, cfn = emu.client("servicediscovery"), emu.client("cloudformation")
    discovery.create_private_dns_namespace(
        Name=templates[cluster]["Parameters"]["DnsNamespaceName"]["Default"],
        Vpc=parameters[cluster]["VpcId"])
    [leftover] = [n["Id"] for n in discovery.list_namespaces()["Namespaces"]]
    before = inventory.take(emu)

    log = _run(emu, folder, "./deploy.sh", expect=1)
    assert "deploy.sh: stopped after wave 1: a stack failed" in log
    assert cfn.describe_stacks(StackName=cluster)["Stacks"][0]["StackStatus"] == "ROLLBACK_COMPLETE"
    [why] = complaints
    assert why.startswith(f"stack {cluster} rolled back: ") and "ConflictingDomainExists" in why, why
    # the status and the reason of the create that failed, which the CLI leaves out
    assert f"    deploy.sh: {cluster}: ROLLBACK_COMPLETE (its first create failed and rolled " \
           "back: the next run deletes it and creates it again): " \
           f"{why.removeprefix(f'stack {cluster} rolled back: ')}\n" in log, log
    assert inventory.take(emu) == before, "the rollback left what it had made"

    complaints.clear()
    discovery.delete_namespace(Id=leftover)
    log = _run(emu, folder, "./deploy.sh", expect=3)  # on to the secrets gate
    assert f"{cluster}: its first create failed and rolled back; deleting it to create it " \
           "again" in log
    assert cfn.describe_stacks(StackName=cluster)["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"
    assert complaints == []
    _run(emu, folder, "./cleanup.sh")
    assert _live_stacks(emu).isdisjoint(templates)
    prerequisites.remove()  # its secrets and roles: the next test of examples/k8s makes them


MESH_PORTS = {"api": 8080, "worker": 9090, "audit": 7070}


def _mesh(folder: Path, **calls: list[str]) -> None:
    """A Deployment and a Service per name, each naming the Services in `calls` by URL."""
    folder.mkdir(exist_ok=True)
    for name, callees in calls.items():
        env = ", ".join(f"{{name: {c.upper()}_URL, value: 'http://{c}:80'}}" for c in callees)
        port = MESH_PORTS[name]
        (folder / f"{name}.yaml").write_text(docs(
            deployment(name, namespace="mesh", spec="replicas: 1",
                       image=f"123456789012.dkr.ecr.us-east-1.amazonaws.com/{name}:1",
                       container=f"ports: [{{containerPort: {port}}}]\nenv: [{env}]"),
            service(name, namespace="mesh", ports=f"- {{port: 80, targetPort: {port}}}")))


def test_service_connect_callers_are_redeployed_after_the_names_they_call(
        emulator: tuple[server.Emulator, list[str]], tmp_path: Path) -> None:
    """A task resolves only the Service Connect names that existed when it started
    (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-connect-concepts-deploy.html):
    the two workloads of a cycle share a wave, so deploy.sh redeploys both after it; a workload
    added later makes deploy.sh redeploy the running caller that names it, and nothing else.
    A rerun that creates nothing redeploys nothing."""
    emu, _ = emulator
    prerequisites = Prerequisites(emu, "10.42.0.0/16")
    prerequisites.create_network()
    manifests, out = tmp_path / "k8s", tmp_path / "cfn"

    def deploy(**calls: list[str]) -> str:
        _mesh(manifests, **calls)
        result = translate([str(manifests)], Options(app_name="mesh"))
        result.write(out)
        _parameters(prerequisites, out, {s.stack_name: _decode(out / s.file)
                                         for s in result.plan.stacks})
        return _run(emu, out, "./deploy.sh")

    def redeployed(log: str) -> list[str]:
        return re.findall(r"^==> redeploying ECS service (\S+) .*Service Connect names of "
                          r"(\S+) existed$", log, re.MULTILINE)

    log = deploy(api=["worker", "audit"], worker=["api"])  # audit: not in the input yet
    assert ["mesh-api", "mesh-worker"] in _waves(log)
    assert redeployed(log) == [("api", "mesh-worker"), ("worker", "mesh-api")]
    ecs, cloudformation = emu.client("ecs"), emu.client("cloudformation")

    def deployments() -> dict[str, dict[str, Any]]:
        services = ecs.describe_services(cluster="mesh-cluster", services=["api", "worker"])
        return {s["serviceName"]: s["deployments"][0] for s in services["services"]}

    first = deployments()
    for name, made in first.items():  # made after the stack that made the service
        created = max(e["Timestamp"] for e in cloudformation.describe_stack_events(
            StackName=f"mesh-{name}")["StackEvents"] if e["ResourceStatus"] == "CREATE_COMPLETE")
        assert made["createdAt"] > created, name
    assert redeployed(_run(emu, out, "./deploy.sh")) == []
    assert deployments() == first
    log = deploy(api=["worker", "audit"], worker=["api"], audit=[])
    assert redeployed(log) == [("api", "mesh-audit")]
    after = deployments()
    assert after["worker"] == first["worker"] and after["api"]["id"] != first["api"]["id"]
    _run(emu, out, "./cleanup.sh")
    prerequisites.remove()


def _gaining(v2: bool) -> str:
    """worker, and two workloads that call it: api names it without a port (every port of the
    Service), audit names worker:80 and, in v2, worker:9090 too. v2 gives worker port 9090."""
    image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/{}:1"
    worker = deployment("worker", namespace="gain", image=image.format("worker"), container=(
        "ports: [{containerPort: 8080}" + (", {containerPort: 9090}]" if v2 else "]")))
    ports = "- {name: http, port: 80, targetPort: 8080}" + (
        "\n- {name: admin, port: 9090, targetPort: 9090}" if v2 else "")
    api = deployment("api", namespace="gain", image=image.format("api"), container=(
        "ports: [{containerPort: 8080}]\nenv: [{name: WORKER_URL, value: 'http://worker'}]"))
    audit = deployment("audit", namespace="gain", image=image.format("audit"), container=(
        "env: [{name: WORKER_URL, value: 'http://worker:80'}"
        + (", {name: OPS_URL, value: 'http://worker:9090'}]" if v2 else "]")))
    return docs(worker, service("worker", namespace="gain", ports=ports), api,
                service("api", namespace="gain"), audit)


def test_the_callers_of_a_discovery_name_a_running_service_gains_are_redeployed(
        emulator: tuple[server.Emulator, list[str]], tmp_path: Path) -> None:
    """A running worker gains port 9090, so a Service Connect name worker-9090 appears;
    "Existing tasks can't resolve and connect to the new endpoint"
    (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-connect-concepts-deploy.html).
    api, which calls every port of worker and whose own template did not change, is
    redeployed (a new deployment id); audit, whose update in a later wave started new tasks,
    is not redeployed again; a rerun redeploys nothing."""
    emu, complaints = emulator
    complaints.clear()
    prerequisites = Prerequisites(emu, "10.43.0.0/16")
    prerequisites.create_network()
    out, ecs = tmp_path / "cfn", emu.client("ecs")

    def deploy(v2: bool) -> list[tuple[str, str]]:
        (tmp_path / "app.yaml").write_text(_gaining(v2))
        result = translate([str(tmp_path / "app.yaml")], Options(app_name="gain"))
        result.write(out)
        _parameters(prerequisites, out, {s.stack_name: _decode(out / s.file)
                                         for s in result.plan.stacks})
        return re.findall(r"^==> redeploying ECS service (\S+) .*Service Connect names of "
                          r"(\S+) existed$", _run(emu, out, "./deploy.sh"), re.MULTILINE)

    def deployments() -> dict[str, str]:
        services = ecs.describe_services(cluster="gain-cluster", services=["api", "audit", "worker"])
        return {s["serviceName"]: s["deployments"][0]["id"] for s in services["services"]}

    assert deploy(v2=False) == []  # each caller made after worker, in a later wave
    v1 = deployments()
    assert deploy(v2=True) == [("api", "gain-worker")]
    v2 = deployments()
    assert all(v2[name] != v1[name] for name in v1), (v1, v2)  # api: by the redeploy
    [worker] = ecs.describe_services(cluster="gain-cluster", services=["worker"])["services"]
    assert [s["discoveryName"] for s in worker["deployments"][0]["serviceConnectConfiguration"][
        "services"]] == ["worker-80", "worker-9090"]
    assert deploy(v2=True) == []
    assert deployments() == v2
    assert complaints == []
    _run(emu, out, "./cleanup.sh")
    prerequisites.remove()
