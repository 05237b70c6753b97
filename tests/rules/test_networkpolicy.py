"""NetworkPolicy -> per-workload security groups in the cluster stack and ingress rules
between them."""

from __future__ import annotations

import pytest

from tests.helpers import deployment, docs, fate, fates, props, source, stack_for, translate_yaml
from translator.api import Result
from translator.cfn import GetAtt, ImportValue, Join, Ref, Split, Sub

API = deployment("api", container="ports: [{name: http, containerPort: 8080}]")
POLICY = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: api-from-web, namespace: shop}
spec:
  podSelector:
    matchLabels: {app: api}
  policyTypes: [Ingress, Egress]
  ingress:
    - from:
        - podSelector:
            matchLabels: {app: web}
        - ipBlock: {cidr: 10.0.0.0/16, except: [10.0.1.0/24]}
      ports:
        - {protocol: TCP, port: http}
        - {protocol: SCTP, port: 9000}
"""


@pytest.fixture(scope="module")
def policy() -> Result:
    return translate_yaml(docs(API, deployment("web"), deployment("db", labels="app: db"),
                               POLICY))


def test_each_named_workload_gets_its_own_group_in_the_cluster_stack(policy: Result) -> None:
    cluster = stack_for(policy, "cluster")
    assert cluster.resources["TaskSecurityGroupApi"].type == "AWS::EC2::SecurityGroup"
    assert cluster.resources["TaskSecurityGroupWeb"].properties["VpcId"] == Ref("VpcId")
    assert "TaskSecurityGroupDb" not in cluster.resources
    assert "TaskSecurityGroupApiId" in cluster.outputs


def test_the_service_joins_its_group_to_the_parameter_groups(policy: Result) -> None:
    groups = props(policy, "api", "Service")["NetworkConfiguration"]["AwsvpcConfiguration"][
        "SecurityGroups"]
    assert groups == Split(",", Join(",", (Join(",", Ref("SecurityGroupIds")), ImportValue(
        Sub("${ClusterStackName}-TaskSecurityGroupApiId")))))
    db = props(policy, "db", "Service")["NetworkConfiguration"]["AwsvpcConfiguration"]
    assert db["SecurityGroups"] == Ref("SecurityGroupIds")


def test_pod_peer_on_a_named_port_becomes_a_source_group_rule(policy: Result) -> None:
    rule = props(policy, "cluster", "TaskSecurityGroupApiInApiFromWebR0P0S0")
    assert rule == {
        "GroupId": GetAtt("TaskSecurityGroupApi", "GroupId"), "IpProtocol": "tcp",
        "FromPort": 8080, "ToPort": 8080,
        "Description": "NetworkPolicy shop/api-from-web: from shop/web",
        "SourceSecurityGroupId": GetAtt("TaskSecurityGroupWeb", "GroupId")}
    assert props(policy, "cluster", "TaskSecurityGroupApiInApiFromWebR0P0S1")["CidrIp"] == \
        "10.0.0.0/16"


def test_report_points_each_peer_at_its_rule(policy: Result) -> None:
    targets = [f["to"] for f in fates(policy, "NetworkPolicy", "api-from-web",
                                      "/spec/ingress/0/from/0")]
    assert targets == ["01-cluster.yaml#/Resources/TaskSecurityGroupApiInApiFromWebR0P0S0"]
    assert fate(policy, "NetworkPolicy", "api-from-web",
                "/spec/ingress/0/from/1/ipBlock/except")["status"] == "lossy"
    assert fate(policy, "NetworkPolicy", "api-from-web",
                "/spec/ingress/0/ports/1")["status"] == "unsupported"
    egress = [f for f in fates(policy, "NetworkPolicy", "api-from-web", "/spec/policyTypes")
              if f["status"] == "lossy"]
    assert egress and "egress is not restricted" in egress[0]["note"]
    entry = source(policy, "NetworkPolicy", "api-from-web")
    assert entry["status"] == "partial"
    assert any("SecurityGroupIds" in note for note in entry["notes"])


def test_namespace_selector_resolves_against_namespace_labels() -> None:
    other = deployment("client", namespace="tools")
    namespace = ("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: tools\n  labels: "
                 "{team: ops}\n")
    policy = POLICY.replace("podSelector:\n            matchLabels: {app: web}",
                            "namespaceSelector:\n            matchLabels: {team: ops}")
    result = translate_yaml(docs(API, other, namespace, policy))
    rule = props(result, "cluster", "TaskSecurityGroupShopApiInApiFromWebR0P0S0")
    assert rule["SourceSecurityGroupId"] == GetAtt("TaskSecurityGroupToolsClient", "GroupId")
    assert source(result, "Namespace", "tools")["status"] == "mapped"


def test_policy_selecting_nothing_makes_nothing() -> None:
    result = translate_yaml(docs(deployment("web"), POLICY))
    assert not any(r.startswith("TaskSecurityGroup")
                   for r in stack_for(result, "cluster").resources)
    assert fate(result, "NetworkPolicy", "api-from-web", "/spec/podSelector")["status"] == "lossy"


def test_a_protected_load_balancer_target_is_told_to_admit_the_load_balancer() -> None:
    lb_service = ("apiVersion: v1\nkind: Service\nmetadata: {name: api, namespace: shop}\n"
                  "spec:\n  type: LoadBalancer\n  selector: {app: api}\n  ports:\n"
                  "    - {name: http, port: 80, targetPort: http}\n")
    result = translate_yaml(docs(API, deployment("web"), lb_service, POLICY))
    notes = source(result, "NetworkPolicy", "api-from-web")["notes"]
    assert any(n.startswith("api is a load-balancer target") for n in notes)
