"""--vpc-endpoints: a network stack, deployed first, of the interface endpoints the tasks need
without a NAT gateway (and the S3 gateway endpoint), admitting HTTPS from the app's tasks only;
the reachability check follows task -> endpoint; the cost section prices what is made; the
report names every image and call the endpoints cannot reach."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.helpers import deployment, docs, fate, fates, props, stack_for, translate_yaml
from tests.rules.test_externalsecret import SECRETS_MANAGER_STORE
from translator import reachability
from translator.api import Result
from translator.cfn import GetAtt, ImportValue, Ref, Sub

C0 = "/spec/template/spec/containers/0"
PARAMETER_STORE = SECRETS_MANAGER_STORE.replace("name: sm", "name: ps").replace(
    "service: SecretsManager", "service: ParameterStore")
READS_A_PARAMETER = """
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata: {name: config, namespace: shop}
spec:
  secretStoreRef: {name: ps, kind: SecretStore}
  data:
    - secretKey: TOKEN
      remoteRef: {key: /shop/token}
"""
CALLER = """
env:
  - {name: PAYMENTS_URL, value: "https://api.payments.example.com/v1"}
  - {name: CATALOG_URL, value: "http://catalog.shop.svc.cluster.local:8080"}
  - {name: CACHE_URL, value: "redis://10.0.3.4:6379"}
  - {name: ENABLE_MODULES, value: "text2vec-openai"}
  - {name: QUEUE_URL, value: "https://sqs.us-east-1.amazonaws.com/123456789012/jobs"}
"""
PRICE = 0.01 * 730  # one interface endpoint in one zone for a month (mappings/data prices)


@pytest.fixture(scope="module")
def made() -> Result:
    return translate_yaml(docs(
        PARAMETER_STORE, READS_A_PARAMETER,
        deployment("api", container=CALLER, image="ghcr.io/shop/api:1.0"),
        deployment("hub", image="nginx:1.27"),
        deployment("private", image="123456789012.dkr.ecr.us-east-1.amazonaws.com/shop/p:2"),
    ), vpc_endpoints=True)


def test_the_network_stack_comes_first_with_one_endpoint_per_service_read(made: Result) -> None:
    network = made.plan.stacks[0]
    assert (network.file, network.stack_name) == ("network.yaml", "shop-network")
    endpoints = {logical: r.properties for logical, r in network.resources.items()
                 if r.type == "AWS::EC2::VPCEndpoint"}
    # no Secret or Secrets Manager store in the input: no secretsmanager endpoint
    assert sorted(endpoints) == ["EcrApiEndpoint", "EcrDkrEndpoint", "LogsEndpoint",
                                 "S3GatewayEndpoint", "SsmEndpoint", "SsmmessagesEndpoint"]
    assert endpoints["EcrApiEndpoint"] == {
        "VpcEndpointType": "Interface", "ServiceName": Sub("com.amazonaws.${AWS::Region}.ecr.api"),
        "VpcId": Ref("VpcId"), "SubnetIds": Ref("SubnetIds"),
        "SecurityGroupIds": [Ref("EndpointSecurityGroup")], "PrivateDnsEnabled": True}
    assert endpoints["S3GatewayEndpoint"] == {
        "VpcEndpointType": "Gateway", "ServiceName": Sub("com.amazonaws.${AWS::Region}.s3"),
        "VpcId": Ref("VpcId"), "RouteTableIds": Ref("RouteTableIds")}
    assert network.parameters["RouteTableIds"].type == "CommaDelimitedList"


def test_the_endpoints_admit_https_from_the_tasks_group_only(made: Result) -> None:
    group = props(made, "network", "EndpointSecurityGroup")
    assert "SecurityGroupIngress" not in group  # nothing from a CIDR, nothing in this stack
    rule = props(made, "cluster", "EndpointsFromTasks")
    assert rule == {"GroupId": ImportValue(Sub("${NetworkStackName}-EndpointSecurityGroupId")),
                    "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
                    "SourceSecurityGroupId": GetAtt("TaskSecurityGroup", "GroupId"),
                    "Description": "HTTPS to the VPC endpoints from every task of the app"}
    assert stack_for(made, "cluster").parameters["NetworkStackName"].default == "shop-network"


def test_the_reachability_check_follows_every_task_to_every_endpoint(made: Result) -> None:
    assert made.network is not None
    paths = [p for p in made.network.paths if p.kind == "endpoint"]
    assert len(paths) == 3 * 5 and all(p.ok for p in paths)  # 3 services x 5 interfaces
    # without the rule, every one of them fails the translation
    cluster = stack_for(made, "cluster")
    cut = replace(cluster, resources={k: v for k, v in cluster.resources.items()
                                      if k != "EndpointsFromTasks"})
    plan = replace(made.plan, stacks=[cut if s is cluster else s for s in made.plan.stacks])
    failed = [f for f in reachability.check(plan).findings() if f.rule == "E9207"]
    assert len(failed) == 15
    assert failed[0].message.endswith("no ingress rule on the endpoint's groups admits the "
                                      "tasks' groups")


def test_images_the_endpoints_cannot_pull_are_reported_with_the_fix(made: Result) -> None:
    ghcr = fate(made, "Deployment", "api", f"{C0}/image")
    assert ghcr["status"] == "lossy"
    assert ghcr["note"].startswith("pulled from ghcr.io, which the VPC endpoints do not reach")
    assert "an ECR pull-through cache rule for ghcr.io" in ghcr["note"]
    assert "or keep a NAT gateway" in ghcr["note"]
    hub = fate(made, "Deployment", "hub", f"{C0}/image")
    assert hub["status"] == "lossy" and "pulled from docker.io" in hub["note"]
    assert fate(made, "Deployment", "private", f"{C0}/image")["status"] == "mapped"


def test_calls_to_the_internet_are_reported_and_in_cluster_ones_are_not(made: Result) -> None:
    def notes(index: int) -> list[str]:
        return [f["note"] for f in fates(made, "Deployment", "api", f"{C0}/env/{index}")
                if f["status"] == "lossy" and f["note"].startswith("calls ")]
    assert notes(0) == ["calls api.payments.example.com on the internet (PAYMENTS_URL="
                        "https://api.payments.example.com/v1): no VPC endpoint reaches it; keep "
                        "a NAT gateway (or a proxy) for it"]
    assert notes(1) == [] and notes(2) == []  # a Service, a private address
    assert [n.split(" (")[0] for n in notes(3)] == ["calls api.openai.com on the internet"]
    assert notes(4)[0].startswith("calls sqs.us-east-1.amazonaws.com (QUEUE_URL=")
    assert "needs an endpoint of its own" in notes(4)[0]


def test_calls_in_a_configmap_file_are_reported_at_the_volume() -> None:
    """A URL in a mounted ConfigMap file is a call as much as one in a variable: reported at
    the volume, with the file and its line."""
    config = ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: shop}\n"
              "data:\n  app.yaml: |\n    cache: http://cache:6379\n"
              "    billing: https://billing.example.org/api\n")
    made = translate_yaml(docs(config, deployment(
        container="volumeMounts: [{name: settings, mountPath: /etc/app}]",
        pod="volumes: [{name: settings, configMap: {name: settings}}]")), vpc_endpoints=True)
    notes = [f["note"] for f in fates(made, "Deployment", "web", "/spec/template/spec/volumes/0")
             if f["status"] == "lossy" and f["note"].startswith("calls ")]
    assert notes == ["calls billing.example.org on the internet (file app.yaml of ConfigMap "
                     "settings, line 2: billing: https://billing.example.org/api): no VPC "
                     "endpoint reaches it; keep a NAT gateway (or a proxy) for it"]


def test_the_cost_section_prices_the_endpoints_it_makes(made: Result) -> None:
    assert made.cost is not None
    [line] = [x for x in made.cost.lines if x.item == "VPC endpoints (network stack)"]
    assert line.ecs == pytest.approx(5 * 2 * PRICE)  # 5 interface endpoints x 2 zones
    assert "ecr.api, ecr.dkr, logs, ssm, ssmmessages" in line.sizing
    assert made.cost.alternative is None  # made, not an alternative any more


def test_off_by_default_and_ecs_exec_off_drops_ssmmessages() -> None:
    plain = translate_yaml(deployment())
    assert not [s for s in plain.plan.stacks if s.info.key == "network"]
    assert "NetworkStackName" not in stack_for(plain, "cluster").parameters
    quiet = translate_yaml(docs("""
        apiVersion: v1
        kind: Secret
        metadata: {name: db, namespace: shop}
        stringData: {password: x}
    """, deployment()), vpc_endpoints=True, exec_command=False)
    names = sorted(stack_for(quiet, "network").resources)
    assert "SecretsmanagerEndpoint" in names and "SsmmessagesEndpoint" not in names
    assert fate(quiet, "Deployment", "web", f"{C0}/image")["status"] == "lossy"
