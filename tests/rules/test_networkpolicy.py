"""NetworkPolicy -> per-workload security groups in the cluster stack and ingress rules
between them."""

from __future__ import annotations

import pytest

from tests.helpers import deployment, docs, fate, fates, props, source, stack_for, translate_yaml
from translator.api import Result
from translator.cfn import GetAtt, ImportValue, Ref, Sub

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


def test_the_tasks_join_their_policy_group_beside_the_app_and_workload_groups(
        policy: Result) -> None:
    groups = props(policy, "api", "Service")["NetworkConfiguration"]["AwsvpcConfiguration"][
        "SecurityGroups"]
    assert groups.otherwise == [ImportValue(Sub("${ClusterStackName}-TaskSecurityGroupId")),
                                ImportValue(Sub("${ClusterStackName}-TaskSecurityGroupApiId")),
                                GetAtt("WorkloadSecurityGroup", "GroupId")]
    db = props(policy, "db", "Service")["NetworkConfiguration"]["AwsvpcConfiguration"]
    assert db["SecurityGroups"].otherwise == [
        ImportValue(Sub("${ClusterStackName}-TaskSecurityGroupId")),
        GetAtt("WorkloadSecurityGroup", "GroupId")]


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
    assert targets == ["cluster.yaml#/Resources/TaskSecurityGroupApiInApiFromWebR0P0S0"]
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
    assert [r for r in stack_for(result, "cluster").resources if "SecurityGroup" in r] == [
        "TaskSecurityGroup"]  # the app's, which every translation has
    assert fate(result, "NetworkPolicy", "api-from-web", "/spec/podSelector")["status"] == "lossy"


def test_a_protected_load_balancer_target_still_admits_its_load_balancer() -> None:
    lb_service = ("apiVersion: v1\nkind: Service\nmetadata: {name: api, namespace: shop}\n"
                  "spec:\n  type: LoadBalancer\n  selector: {app: api}\n  ports:\n"
                  "    - {name: http, port: 80, targetPort: http}\n")
    result = translate_yaml(docs(API, deployment("web"), lb_service, POLICY))
    api = stack_for(result, "api").resources
    assert "FromSvcApiLoadBalancerTcp8080" in api
    assert not [r for r in api if r.startswith("FromApp")]  # the policy decides the rest
    [path] = [p for p in result.network.paths if p.kind == "load balancer"]
    assert path.ok and path.detail.endswith("#FromSvcApiLoadBalancerTcp8080")


# --- the paths the policies allow and refuse, kept by the security groups ---------------

SHOP = docs(
    deployment("web", container="env:\n  - {name: API_URL, value: 'http://api'}\n"
               "  - {name: DB_URL, value: 'postgres://db:5432/shop'}"),
    deployment("api", container="ports: [{name: http, containerPort: 8080}]\n"
               "env: [{name: DB_HOST, value: db.shop.svc.cluster.local}]"),
    deployment("db", container="ports: [{containerPort: 5432}]"),
    deployment("cache", container="ports: [{containerPort: 6379}]"),
    """
    apiVersion: batch/v1
    kind: Job
    metadata: {name: migrate, namespace: shop}
    spec:
      template:
        metadata: {labels: {app: migrate}}
        spec:
          restartPolicy: Never
          containers:
            - {name: migrate, image: "migrate/migrate:v4", args: ["-database", "postgres://db:5432/shop"]}
    """,
    *(f"apiVersion: v1\nkind: Service\nmetadata: {{name: {name}, namespace: shop}}\n"
      f"spec:\n  selector: {{app: {name}}}\n  ports: [{{port: {port}, targetPort: {target}}}]\n"
      for name, port, target in (("api", 80, "http"), ("db", 5432, 5432),
                                 ("cache", 6379, 6379))),
    """
    apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata: {name: api, namespace: shop}
    spec:
      podSelector: {matchLabels: {app: api}}
      ingress:
        - from: [{podSelector: {matchLabels: {app: web}}}]
          ports: [{port: http}]
    """,
    """
    apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata: {name: db, namespace: shop}
    spec:
      podSelector: {matchLabels: {app: db}}
      ingress:
        - from:
            - podSelector: {matchLabels: {app: api}}
            - podSelector: {matchLabels: {app: migrate}}
          ports: [{protocol: TCP, port: 5000, endPort: 6000}]
    """,
    """
    apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata: {name: cache, namespace: shop}
    spec:
      podSelector: {matchLabels: {app: cache}}
      ingress:
        - {}
        - from: [{ipBlock: {cidr: 0.0.0.0/0}}]
    """)


@pytest.fixture(scope="module")
def shop() -> Result:
    return translate_yaml(SHOP)


def test_what_the_policies_allow_is_open_and_what_they_refuse_stays_closed(shop: Result) -> None:
    by_path = {(r.source.rsplit("/", 1)[1], r.target.rsplit("/", 1)[1], r.port): r.denied_by
               for r in shop.plan.reaches}
    assert by_path == {("web", "api", 8080): "", ("web", "db", 5432): "NetworkPolicy shop/db",
                       ("api", "db", 5432): "", ("migrate", "db", 5432): ""}
    paths = {(p.kind, p.source, p.target): p for p in shop.network.paths
             if p.kind in ("call", "denied")}
    assert all(p.ok for p in paths.values())
    assert paths["call", "Deployment/web", "Deployment/api tcp 8080"].detail == \
        "cluster.yaml#TaskSecurityGroupApiInApiR0P0S0"
    assert paths["denied", "Deployment/web", "Deployment/db tcp 5432"].detail == \
        "refused by NetworkPolicy shop/db"
    assert paths["call", "Job/migrate", "Deployment/db tcp 5432"].detail == \
        "cluster.yaml#TaskSecurityGroupDbInDbR0P0S1"


def test_a_protected_workload_gets_no_rule_from_the_app_and_an_open_one_does(shop: Result) -> None:
    for name in ("api", "db", "cache"):
        assert not [r for r in stack_for(shop, name).resources if r.startswith("FromApp")], name
    web = stack_for(shop, "web").resources
    assert not [r for r in web if r.startswith("FromApp")]  # no Service targets web


def test_a_job_the_policy_admits_runs_in_its_own_group(shop: Result) -> None:
    outputs = stack_for(shop, "migrate").outputs
    assert outputs["ClusterSecurityGroups"].value == "TaskSecurityGroupId,TaskSecurityGroupMigrateId"
    rule = props(shop, "cluster", "TaskSecurityGroupDbInDbR0P0S1")
    assert rule["SourceSecurityGroupId"] == GetAtt("TaskSecurityGroupMigrate", "GroupId")
    assert (rule["FromPort"], rule["ToPort"]) == (5000, 6000)


def test_every_source_is_the_apps_group_never_the_world(shop: Result) -> None:
    everyone = props(shop, "cluster", "TaskSecurityGroupCacheInCacheR0P0S0")
    assert everyone["SourceSecurityGroupId"] == GetAtt("TaskSecurityGroup", "GroupId")
    world = props(shop, "cluster", "TaskSecurityGroupCacheInCacheR1P0S0")
    assert world["SourceSecurityGroupId"] == GetAtt("TaskSecurityGroup", "GroupId")
    assert "CidrIp" not in world
    lossy, = (f for f in fates(shop, "NetworkPolicy", "cache", "/spec/ingress/1/from/0")
              if f["status"] == "lossy")
    assert "rather than the whole world" in lossy["note"]
    assert not [p for p in shop.network.paths if p.kind == "world" and not p.ok]


def test_a_rule_that_opens_a_refused_path_fails_the_translation(shop: Result) -> None:
    """The check on the real output: a rule from the app's group into db (what the flat
    network would add) opens web -> db, which NetworkPolicy shop/db refused."""
    import copy

    from translator.api import finish
    from translator.errors import ValidationFailed
    from translator.plan import Resource

    plan = copy.deepcopy(shop.plan)
    db = plan.stack("workload/shop/db")
    db.resources["FromAppTcp5432"] = Resource("AWS::EC2::SecurityGroupIngress", {
        "GroupId": GetAtt("WorkloadSecurityGroup", "GroupId"), "IpProtocol": "tcp",
        "FromPort": 5432, "ToPort": 5432, "Description": "too wide",
        "SourceSecurityGroupId": ImportValue(Sub("${ClusterStackName}-TaskSecurityGroupId"))},
        "Deployment/db")
    with pytest.raises(ValidationFailed) as failed:
        finish(plan)
    [finding] = failed.value.findings
    assert finding.rule == "E9203" and finding.template == db.file
    assert "Deployment/web -> Deployment/db tcp 5432" in finding.message
    assert "NetworkPolicy shop/db" in finding.message
