"""Ingress -> one shared ALB: listeners, IP target groups, listener rules, and the workload's
ECS service registered in its target group."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import (
    anywhere,
    deployment,
    docs,
    fate,
    fates,
    props,
    resources,
    source,
    stack_for,
    translate_yaml,
)
from translator.api import Result
from translator.cfn import GetAtt, ImportValue, Ref, Sub

CERT = "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"

API = deployment("api", container="""
    ports:
      - {name: http, containerPort: 8080}
    readinessProbe:
      httpGet: {path: /ready, port: http}
      initialDelaySeconds: 45
      periodSeconds: 20
      timeoutSeconds: 4
      failureThreshold: 5
      successThreshold: 3
""")
UI = deployment("ui", container="ports: [{containerPort: 3000}]")


def listener_rules(result: Result) -> dict[str, dict[str, Any]]:
    """Every listener rule by logical id, in priority order (they sit in the stacks of the
    workloads they forward to)."""
    found = {k: r.properties for k, r in resources(result).items()
             if r.type == "AWS::ElasticLoadBalancingV2::ListenerRule"}
    return dict(sorted(found.items(), key=lambda kv: (kv[1]["Priority"], kv[0])))


def listener_import(listener: str) -> ImportValue:
    return ImportValue(Sub(f"${{LoadBalancerStackName}}-{listener}Arn"))

def service(name: str, port: int, target: int | str) -> str:
    return f"""
apiVersion: v1
kind: Service
metadata: {{name: {name}, namespace: shop}}
spec:
  selector: {{app: {name}}}
  ports:
    - {{name: http, port: {port}, targetPort: {target}}}
"""


def ingress(annotations: str, spec: str, name: str = "main") -> str:
    return (f"apiVersion: networking.k8s.io/v1\nkind: Ingress\n"
            f"metadata:\n  name: {name}\n  namespace: shop\n  annotations:\n"
            + "".join(f"    {line}\n" for line in annotations.strip().splitlines())
            + "spec:\n" + "".join(f"  {line}\n" for line in spec.strip().splitlines()))


def path(path: str, service: str, port: int, path_type: str = "Prefix") -> str:
    return (f"      - {{path: {path}, pathType: {path_type}, backend: {{service: "
            f"{{name: {service}, port: {{number: {port}}}}}}}}}\n")


@pytest.fixture(scope="module")
def alb() -> Result:
    return translate_yaml(docs(API, service("api", 80, "http"), UI, service("ui", 3000, 3000),
                               ingress(f"""
alb.ingress.kubernetes.io/scheme: internet-facing
alb.ingress.kubernetes.io/listen-ports: '[{{"HTTP": 80}}, {{"HTTPS": 443}}]'
alb.ingress.kubernetes.io/certificate-arn: {CERT}
alb.ingress.kubernetes.io/ssl-redirect: "443"
""", "ingressClassName: alb\nrules:\n  - http:\n      paths:\n"
     + path("/", "ui", 3000) + path("/api", "api", 80))))


def test_one_load_balancer_stack_between_cluster_and_workloads(alb: Result) -> None:
    assert [s.file for s in alb.plan.stacks] == [
        "cluster.yaml", "load-balancer.yaml", "workload-api.yaml", "workload-ui.yaml"]
    lb = props(alb, "load-balancer", "LoadBalancer")
    assert lb == {
        "Type": "application",
        "Scheme": "internet-facing",
        "Subnets": Ref("LoadBalancerSubnetIds"),
        "SecurityGroups": [Ref("LoadBalancerSecurityGroup")],
        "LoadBalancerAttributes": [
            {"Key": "routing.http.drop_invalid_header_fields.enabled", "Value": "true"}],
    }


def test_listeners_follow_listen_ports(alb: Result) -> None:
    resources = stack_for(alb, "load-balancer").resources
    assert sorted(k for k in resources if k.startswith("Listener")) == [
        "ListenerHttp80", "ListenerHttps443"]
    http = props(alb, "load-balancer", "ListenerHttp80")
    assert (http["Port"], http["Protocol"]) == (80, "HTTP")
    assert http["DefaultActions"] == [{"Type": "redirect", "RedirectConfig": {
        "Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}}]


def test_https_listener_uses_the_certificate_arn(alb: Result) -> None:
    https = props(alb, "load-balancer", "ListenerHttps443")
    assert (https["Port"], https["Protocol"]) == (443, "HTTPS")
    assert https["Certificates"] == [{"CertificateArn": Ref("CertificateArn")}]
    assert https["SslPolicy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    assert https["DefaultActions"][0]["Type"] == "fixed-response"
    assert stack_for(alb, "load-balancer").parameters["CertificateArn"].default == CERT


def test_security_group_opens_each_listener_port(alb: Result) -> None:
    group = props(alb, "load-balancer", "LoadBalancerSecurityGroup")
    assert group["SecurityGroupIngress"] == [
        {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "CidrIp": Ref("InboundCidr"),
         "Description": "HTTP listener"},
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIp": Ref("InboundCidr"),
         "Description": "HTTPS listener"},
    ]
    assert stack_for(alb, "load-balancer").parameters["InboundCidr"].default == "0.0.0.0/0"


def test_prefix_path_becomes_two_path_patterns_on_the_https_listener(alb: Result) -> None:
    rules = listener_rules(alb)
    first, second = rules
    assert first.startswith("RuleMainHttps443P") and second.startswith("RuleMainHttps443P")
    assert rules[first] == {
        "ListenerArn": listener_import("ListenerHttps443"),
        "Priority": rules[first]["Priority"],
        "Conditions": [{"Field": "path-pattern",
                        "PathPatternConfig": {"Values": ["/api", "/api/*"]}}],
        "Actions": [{"Type": "forward", "TargetGroupArn": Ref("TargetGroupApi8080")}],
    }
    assert rules[second]["Conditions"] == [
        {"Field": "path-pattern", "PathPatternConfig": {"Values": ["/*"]}}]
    assert rules[second]["Actions"] == [
        {"Type": "forward", "TargetGroupArn": Ref("TargetGroupUi3000")}]
    assert fate(alb, "Ingress", "main", "/spec/rules/0/http/paths/1/pathType")["note"] == \
        "path-pattern /api, /api/*"


def test_target_group_health_check_comes_from_the_readiness_probe(alb: Result) -> None:
    group = anywhere(alb, "TargetGroupApi8080")
    assert group == {
        "TargetType": "ip",
        "Protocol": "HTTP",
        "Port": 8080,
        "VpcId": Ref("VpcId"),
        "HealthCheckPath": "/ready",
        "HealthCheckIntervalSeconds": 20,
        "HealthCheckTimeoutSeconds": 4,
        "HealthyThresholdCount": 3,
        "UnhealthyThresholdCount": 5,
        "Matcher": {"HttpCode": "200-399"},
        "TargetGroupAttributes": [{"Key": "deregistration_delay.timeout_seconds",
                                   "Value": "30"}],
    }


def test_target_group_without_readiness_probe_uses_defaults(alb: Result) -> None:
    group = anywhere(alb, "TargetGroupUi3000")
    assert (group["Port"], group["HealthCheckPath"], group["HealthCheckIntervalSeconds"],
            group["HealthCheckTimeoutSeconds"], group["HealthyThresholdCount"],
            group["UnhealthyThresholdCount"]) == (3000, "/", 15, 5, 2, 3)


def test_workload_service_registers_in_its_target_group(alb: Result) -> None:
    api = props(alb, "api", "Service")
    assert api["LoadBalancers"] == [{
        "ContainerName": "api", "ContainerPort": 8080,
        "TargetGroupArn": Ref("TargetGroupApi8080")}]
    assert api["HealthCheckGracePeriodSeconds"] == 90  # twice the readiness initial delay
    ui = props(alb, "ui", "Service")
    assert ui["LoadBalancers"] == [{
        "ContainerName": "ui", "ContainerPort": 3000,
        "TargetGroupArn": Ref("TargetGroupUi3000")}]
    assert ui["HealthCheckGracePeriodSeconds"] == 60
    assert stack_for(alb, "api").parameters["LoadBalancerStackName"].default == \
        "shop-load-balancer"


def test_load_balancer_stack_exports_what_workloads_import(alb: Result) -> None:
    """Only what no workload change changes: a target group is its workload's, so a port
    change or a removed Service touches no export another stack imports."""
    outputs = stack_for(alb, "load-balancer").outputs
    assert sorted(outputs) == ["ListenerHttp80Arn", "ListenerHttps443Arn", "LoadBalancerArn",
                               "LoadBalancerDnsName", "LoadBalancerSecurityGroupId"]
    assert outputs["ListenerHttps443Arn"].value == Ref("ListenerHttps443")
    assert outputs["ListenerHttps443Arn"].export == Sub("${AWS::StackName}-ListenerHttps443Arn")
    assert outputs["LoadBalancerDnsName"].value == GetAtt("LoadBalancer", "DNSName")
    for workload in ("api", "ui"):
        assert not stack_for(alb, workload).outputs.keys() & {"TargetGroupApi8080Arn"}


def test_report_of_the_ingress(alb: Result) -> None:
    entry = source(alb, "Ingress", "main")
    assert entry["status"] == "mapped"
    backend = fate(alb, "Ingress", "main", "/spec/rules/0/http/paths/1/backend")
    assert backend["to"] == "workload-api.yaml#/Resources/TargetGroupApi8080"
    assert backend["note"] == "api:80 -> api container api:8080"
    annotation = fate(alb, "Ingress", "main",
                      "/metadata/annotations/alb.ingress.kubernetes.io~1certificate-arn")
    assert annotation["status"] == "mapped"


def test_rule_priorities_order_exact_then_longer_prefix() -> None:
    paths = (path("/", "api", 80) + path("/api", "api", 80) + path("/api/v2", "api", 80)
             + path("/api/v2/status", "api", 80, "Exact") + path("/a", "api", 80))
    result = translate_yaml(docs(API, service("api", 80, "http"), ingress(
        "alb.ingress.kubernetes.io/scheme: internal",
        "rules:\n  - http:\n      paths:\n" + paths + "  - host: shop.example.com\n"
        "    http:\n      paths:\n" + path("/", "api", 80))))
    rules = listener_rules(result)
    patterns = [[c.get("PathPatternConfig", c.get("HostHeaderConfig"))["Values"]
                 for c in p["Conditions"]] for p in rules.values()]
    assert patterns == [
        [["shop.example.com"], ["/*"]],  # a host rule is more specific than any path
        [["/api/v2/status"]],  # exact first
        [["/api/v2", "/api/v2/*"]],  # then longer prefixes
        [["/api", "/api/*"]],
        [["/a", "/a/*"]],
        [["/*"]],
    ]
    assert len({p["Priority"] for p in rules.values()}) == 6
    assert all(1 <= p["Priority"] < 50_000 for p in rules.values())
    assert all(p["ListenerArn"] == listener_import("ListenerHttp80") for p in rules.values())


def test_adding_or_removing_an_ingress_moves_no_other_rule() -> None:
    """Each workload's rules sit in its own stack, which deploy.sh updates one at a time: a
    priority that passed from one rule to another would collide (PriorityInUse) while one
    stack is updated and the other not, so no rule's priority depends on the others."""
    def rules(*extra: str) -> dict[str, dict[str, Any]]:
        ingresses = [ingress("alb.ingress.kubernetes.io/scheme: internal", "rules:\n  - http:\n"
                             "      paths:\n" + path(p, "api", 80), name=f"i{n}")
                     for n, p in enumerate(("/", "/api", "/api/v2", "/b", "/c", *extra))]
        return listener_rules(translate_yaml(docs(API, service("api", 80, "http"), *ingresses)))

    before = rules()
    after = rules("/api/v3", "/d")  # two more Ingresses: as long as some, as short as others
    assert len(after) == len(before) + 2
    assert {k: r["Priority"] for k, r in before.items()} == \
        {k: r["Priority"] for k, r in after.items() if k in before}
    # still most specific first: longer paths before shorter ones ("/" is "/*")
    firsts = [r["Conditions"][0]["PathPatternConfig"]["Values"][0] for r in after.values()]
    lengths = [1 if first == "/*" else len(first) for first in firsts]
    assert lengths == sorted(lengths, reverse=True) and firsts[-1] == "/*"


def test_defaults_without_annotations_are_an_internal_http_alb() -> None:
    result = translate_yaml(docs(UI, service("ui", 80, 3000), ingress(
        "kubernetes.io/description: none",
        "rules:\n  - http:\n      paths:\n" + path("/", "ui", 80))))
    lb = stack_for(result, "load-balancer")
    assert sorted(k for k in lb.resources if k.startswith("Listener")) == ["ListenerHttp80"]
    assert props(result, "load-balancer", "LoadBalancer")["Scheme"] == "internal"
    assert lb.parameters["InboundCidr"].default == "10.0.0.0/8"
    assert "CertificateArn" not in lb.parameters
    assert anywhere(result, "TargetGroupUi3000")["Port"] == 3000


def test_certificate_without_listen_ports_adds_https_443() -> None:
    result = translate_yaml(docs(UI, service("ui", 80, 3000), ingress(
        f"alb.ingress.kubernetes.io/certificate-arn: {CERT}",
        "rules:\n  - http:\n      paths:\n" + path("/", "ui", 80))))
    resources = stack_for(result, "load-balancer").resources
    assert sorted(k for k in resources if k.startswith("Listener")) == [
        "ListenerHttp80", "ListenerHttps443"]
    assert props(result, "load-balancer", "ListenerHttps443")["Certificates"] == [
        {"CertificateArn": Ref("CertificateArn")}]


def test_healthcheck_annotations_override_the_readiness_probe() -> None:
    result = translate_yaml(docs(API, service("api", 80, "http"), ingress("""
alb.ingress.kubernetes.io/healthcheck-path: /healthz
alb.ingress.kubernetes.io/success-codes: "200"
""", "rules:\n  - http:\n      paths:\n" + path("/api", "api", 80))))
    group = anywhere(result, "TargetGroupApi8080")
    assert group["HealthCheckPath"] == "/healthz"
    assert group["Matcher"] == {"HttpCode": "200"}
    assert group["HealthCheckIntervalSeconds"] == 20  # timings still from the probe


def test_target_group_timeout_stays_below_the_interval() -> None:
    quick = deployment("api", container="""
        ports: [{containerPort: 8080}]
        readinessProbe:
          tcpSocket: {port: 8080}
          periodSeconds: 5
          timeoutSeconds: 10
    """)
    result = translate_yaml(docs(quick, service("api", 8080, 8080), ingress(
        "alb.ingress.kubernetes.io/scheme: internal",
        "rules:\n  - http:\n      paths:\n" + path("/", "api", 8080))))
    group = anywhere(result, "TargetGroupApi8080")
    assert (group["HealthCheckIntervalSeconds"], group["HealthCheckTimeoutSeconds"]) == (5, 4)
    assert group["HealthCheckPath"] == "/"  # a TCP probe has no path


def test_inbound_cidrs_replace_the_parameter() -> None:
    result = translate_yaml(docs(UI, service("ui", 80, 3000), ingress(
        "alb.ingress.kubernetes.io/inbound-cidrs: 10.1.0.0/16, 192.168.1.7/24",
        "rules:\n  - http:\n      paths:\n" + path("/", "ui", 80))))
    assert "InboundCidr" not in stack_for(result, "load-balancer").parameters
    rules = props(result, "load-balancer", "LoadBalancerSecurityGroup")["SecurityGroupIngress"]
    assert [r["CidrIp"] for r in rules] == ["10.1.0.0/16", "192.168.1.0/24"]


def test_what_does_not_map_is_reported() -> None:
    result = translate_yaml(docs(UI, service("ui", 80, 3000), ingress("""
alb.ingress.kubernetes.io/target-type: instance
alb.ingress.kubernetes.io/waf-acl-id: abc
""", "ingressClassName: nginx\ntls:\n  - hosts: [shop.example.com]\n    secretName: shop-tls\n"
     "rules:\n  - http:\n      paths:\n" + path("/", "ui", 80) + path("/x", "missing", 80))))
    prefix = "/metadata/annotations/alb.ingress.kubernetes.io~1"
    assert fate(result, "Ingress", "main", prefix + "waf-acl-id")["status"] == "unsupported"
    assert "lossy" in [f["status"] for f in source(result, "Ingress", "main")["fields"]
                       if f["path"] == prefix + "target-type"]
    assert fate(result, "Ingress", "main", "/spec/tls")["status"] == "mapped"  # HTTPS on 443
    assert fate(result, "Ingress", "main", "/spec/ingressClassName")["status"] == "lossy"
    missing = fate(result, "Ingress", "main", "/spec/rules/0/http/paths/1/backend")
    assert (missing["status"], missing["note"]) == ("unsupported",
                                                    "Service missing is not in the input")
    rules = listener_rules(result).values()
    assert [r["Conditions"][0]["PathPatternConfig"]["Values"] for r in rules] == [["/*"]]
    assert source(result, "Ingress", "main")["status"] == "partial"


def test_rules_route_on_http_and_https_when_there_is_no_redirect() -> None:
    result = translate_yaml(docs(API, service("api", 80, 8080), ingress(
        f"alb.ingress.kubernetes.io/listen-ports: '[{{\"HTTP\": 80}}, {{\"HTTPS\": 443}}]'\n"
        f"alb.ingress.kubernetes.io/certificate-arn: {CERT}",
        "rules:\n  - http:\n      paths:\n" + path("/", "api", 80))))
    rules = listener_rules(result)
    assert sorted((r["ListenerArn"] for r in rules.values()), key=repr) == [
        listener_import("ListenerHttp80"), listener_import("ListenerHttps443")]
    assert len({r["Priority"] for r in rules.values()}) == 1  # one path, one priority


def test_a_default_backend_keeps_the_https_redirect() -> None:
    result = translate_yaml(docs(API, service("api", 80, 8080), ingress(
        f"alb.ingress.kubernetes.io/listen-ports: '[{{\"HTTP\": 80}}, {{\"HTTPS\": 443}}]'\n"
        f"alb.ingress.kubernetes.io/certificate-arn: {CERT}\n"
        "alb.ingress.kubernetes.io/ssl-redirect: '443'",
        "defaultBackend: {service: {name: api, port: {number: 80}}}")))
    http = props(result, "load-balancer", "ListenerHttp80")["DefaultActions"]
    assert http[0]["Type"] == "redirect"
    assert listener_rules(result) == {"RuleDefaultMainHttps443P50000": {
        "ListenerArn": listener_import("ListenerHttps443"), "Priority": 50_000,
        "Conditions": [{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/*"]}}],
        "Actions": [{"Type": "forward", "TargetGroupArn": Ref("TargetGroupApi8080")}]}}


def test_two_paths_to_one_service_attach_its_target_group_once() -> None:
    result = translate_yaml(docs(API, service("api", 80, 8080), ingress(
        "alb.ingress.kubernetes.io/scheme: internal",
        "rules:\n  - http:\n      paths:\n" + path("/a", "api", 80) + path("/b", "api", 80))))
    assert len(props(result, "api", "Service")["LoadBalancers"]) == 1


def test_ingress_groups_share_an_alb_and_different_groups_get_their_own() -> None:
    group = "alb.ingress.kubernetes.io/group.name: {}"
    result = translate_yaml(docs(
        API, service("api", 80, "http"), UI, service("ui", 3000, 3000),
        ingress(group.format("public") + "\nalb.ingress.kubernetes.io/scheme: internet-facing",
                "rules:\n  - http:\n      paths:\n" + path("/", "ui", 3000), name="shop"),
        ingress(group.format("public"), "rules:\n  - http:\n      paths:\n"
                + path("/api", "api", 80), name="api"),
        ingress(group.format("admin"), "rules:\n  - http:\n      paths:\n"
                + path("/admin", "api", 80), name="admin")))
    everything = resources(result)
    # a load-balancer stack per group
    balancers = sorted((s.info.title, k) for s in result.plan.stacks
                       for k, r in s.resources.items()
                       if r.type == "AWS::ElasticLoadBalancingV2::LoadBalancer")
    assert balancers == [("load-balancer-admin", "AdminLoadBalancer"),
                         ("load-balancer-public", "PublicLoadBalancer")]
    assert props(result, "load-balancer-public", "PublicLoadBalancer")["Scheme"] == \
        "internet-facing"
    assert props(result, "load-balancer-admin", "AdminLoadBalancer")["Scheme"] == "internal"
    shared = {r.properties["ListenerArn"] for k, r in everything.items()
              if k.startswith(("RuleShop", "RuleApi"))}
    assert shared == {ImportValue(Sub(
        "${LoadBalancerPublicStackName}-PublicListenerHttp80Arn"))}
    assert stack_for(result, "api").parameters["LoadBalancerAdminStackName"].default == \
        "shop-load-balancer-admin"
    # a target group belongs to one load balancer: api has one per ALB
    assert {"TargetGroupPublicApi8080", "TargetGroupAdminApi8080"} <= set(
        stack_for(result, "api").resources)
    assert len(props(result, "api", "Service")["LoadBalancers"]) == 2
    assert fate(result, "Ingress", "admin", "/metadata/annotations/"
                "alb.ingress.kubernetes.io~1group.name")["to"] == \
        "load-balancer-admin.yaml#/Resources/AdminLoadBalancer"


def test_health_check_annotations_and_grpc_backends() -> None:
    result = translate_yaml(docs(API, service("api", 80, "http"), ingress(f"""
alb.ingress.kubernetes.io/backend-protocol-version: GRPC
alb.ingress.kubernetes.io/certificate-arn: {CERT}
alb.ingress.kubernetes.io/healthcheck-port: "9000"
alb.ingress.kubernetes.io/healthcheck-protocol: HTTP
alb.ingress.kubernetes.io/healthcheck-interval-seconds: "30"
alb.ingress.kubernetes.io/healthcheck-timeout-seconds: "6"
alb.ingress.kubernetes.io/healthy-threshold-count: "4"
alb.ingress.kubernetes.io/unhealthy-threshold-count: "7"
alb.ingress.kubernetes.io/success-codes: "0-99"
""", "rules:\n  - http:\n      paths:\n" + path("/", "api", 80))))
    group = anywhere(result, "TargetGroupApi8080")
    assert group["ProtocolVersion"] == "GRPC"
    assert group["Matcher"] == {"GrpcCode": "0-99"}
    assert group["HealthCheckPath"] == "/AWS.ALB/healthcheck"
    assert (group["HealthCheckPort"], group["HealthCheckProtocol"]) == ("9000", "HTTP")
    assert (group["HealthCheckIntervalSeconds"], group["HealthCheckTimeoutSeconds"]) == (30, 6)
    assert (group["HealthyThresholdCount"], group["UnhealthyThresholdCount"]) == (4, 7)
    # ALB serves GRPC behind HTTPS only (E9114): the rule is on the HTTPS listener alone
    rules = listener_rules(result).values()
    assert [r["ListenerArn"] for r in rules] == [listener_import("ListenerHttps443")]


def test_a_grpc_backend_without_an_https_listener_is_not_routed_and_says_why() -> None:
    """It was a GRPC target group behind HTTP:80, which ALB refuses (fixture ingress-group)."""
    result = translate_yaml(docs(API, service("api", 80, "http"), ingress(
        "alb.ingress.kubernetes.io/backend-protocol-version: HTTP2",
        "rules:\n  - http:\n      paths:\n" + path("/", "api", 80))))
    assert not [r for r in resources(result).values() if r.type in (
        "AWS::ElasticLoadBalancingV2::ListenerRule", "AWS::ElasticLoadBalancingV2::TargetGroup")]
    assert "LoadBalancers" not in props(result, "api", "Service")
    (entry,) = [e for e in result.plan.entries if e.kind == "Ingress"]
    fates = {f.path: f for f in entry.fields}
    assert fates["/spec/rules/0/http/paths/0/path"].status == "lossy"
    assert "only behind an HTTPS listener" in (fates["/spec/rules/0/http/paths/0/path"].note or "")


def test_default_backend_is_every_forwarding_listener_default_action() -> None:
    result = translate_yaml(docs(UI, service("ui", 80, 3000), ingress(
        "alb.ingress.kubernetes.io/scheme: internal",
        "defaultBackend:\n  service: {name: ui, port: {number: 80}}")))
    # the workload's rule matching every path, last: the listener's own default stays a 404,
    # so no export carries the workload's target group
    assert props(result, "load-balancer", "ListenerHttp80")["DefaultActions"][0]["Type"] == \
        "fixed-response"
    assert listener_rules(result)["RuleDefaultMainHttp80P50000"]["Actions"] == [
        {"Type": "forward", "TargetGroupArn": Ref("TargetGroupUi3000")}]
    backend = fates(result, "Ingress", "main", "/spec/defaultBackend")
    assert [f["to"] for f in backend if f["status"] == "mapped"][-1] == \
        "workload-ui.yaml#/Resources/RuleDefaultMainHttp80P50000"


def test_nginx_ingress_becomes_alb_rules_and_reports_what_is_lost() -> None:
    result = translate_yaml(docs(UI, service("ui", 80, 3000), ingress("""
nginx.ingress.kubernetes.io/rewrite-target: /$2
nginx.ingress.kubernetes.io/configuration-snippet: "more_set_headers 'X: y';"
nginx.ingress.kubernetes.io/proxy-body-size: 8m
cert-manager.io/cluster-issuer: letsencrypt
""", "ingressClassName: nginx\nrules:\n  - host: shop.example.com\n    http:\n      paths:\n"
     + path("/ui(/|$)(.*)", "ui", 80, "ImplementationSpecific"))))
    [(logical, rule)] = listener_rules(result).items()
    assert rule["Conditions"][0] == {"Field": "host-header",
                                     "HostHeaderConfig": {"Values": ["shop.example.com"]}}
    nginx = "/metadata/annotations/nginx.ingress.kubernetes.io~1"
    rewrite = fate(result, "Ingress", "main", nginx + "rewrite-target")
    assert rewrite["status"] == "lossy" and "cannot rewrite the path" in rewrite["note"]
    assert fate(result, "Ingress", "main", nginx + "proxy-body-size")["status"] == "lossy"
    assert "ACM" in fate(result, "Ingress", "main",
                         "/metadata/annotations/cert-manager.io~1cluster-issuer")["note"]
    assert any("regular expression" in f["note"] for f in fates(
        result, "Ingress", "main", "/spec/rules/0/http/paths/0/path") if f["status"] == "lossy")
    assert fate(result, "Ingress", "main", "/spec/ingressClassName")["status"] == "lossy"
    assert fate(result, "Ingress", "main", "/spec/rules/0/host")["to"] == \
        f"workload-ui.yaml#/Resources/{logical}/Properties/Conditions/0"


def test_name_address_type_tags_and_ssl_policy_annotations() -> None:
    result = translate_yaml(docs(UI, service("ui", 80, 3000), ingress("""
alb.ingress.kubernetes.io/load-balancer-name: shop-public
alb.ingress.kubernetes.io/ip-address-type: dualstack
alb.ingress.kubernetes.io/tags: team=shop, cost-center=42
alb.ingress.kubernetes.io/certificate-arn: arn:aws:acm:us-east-1:123456789012:certificate/a
alb.ingress.kubernetes.io/ssl-policy: ELBSecurityPolicy-TLS13-1-2-Res-2021-06
""", "rules:\n  - http:\n      paths:\n" + path("/", "ui", 80))))
    lb = props(result, "load-balancer", "LoadBalancer")
    assert (lb["Name"], lb["IpAddressType"]) == ("shop-public", "dualstack")
    assert lb["Tags"] == [{"Key": "cost-center", "Value": "42"}, {"Key": "team", "Value": "shop"}]
    assert props(result, "load-balancer", "ListenerHttps443")["SslPolicy"] == \
        "ELBSecurityPolicy-TLS13-1-2-Res-2021-06"


def test_use_annotation_backends_become_redirect_and_fixed_response_actions() -> None:
    result = translate_yaml(docs(UI, service("ui", 80, 3000), ingress("""
alb.ingress.kubernetes.io/actions.legacy: >-
  {"type": "redirect", "redirectConfig": {"host": "new.example.com", "statusCode": "HTTP_301"}}
alb.ingress.kubernetes.io/actions.maintenance: >-
  {"Type": "fixed-response", "FixedResponseConfig": {"ContentType": "text/plain",
  "StatusCode": "503", "MessageBody": "back soon"}}
alb.ingress.kubernetes.io/actions.weighted: >-
  {"type": "forward", "forwardConfig": {"targetGroups": [{"serviceName": "ui"}]}}
""", "rules:\n  - http:\n      paths:\n"
     "      - {path: /old, pathType: Prefix, backend: {service: {name: legacy, port: "
     "{name: use-annotation}}}}\n"
     "      - {path: /shop, pathType: Prefix, backend: {service: {name: maintenance, port: "
     "{name: use-annotation}}}}\n"
     "      - {path: /w, pathType: Prefix, backend: {service: {name: weighted, port: "
     "{name: use-annotation}}}}\n" + path("/", "ui", 80))))
    rules = {r.properties["Conditions"][0]["PathPatternConfig"]["Values"][0]:
             r.properties["Actions"] for k, r in stack_for(result, "load-balancer").resources.items()
             if k.startswith("Rule")}
    assert rules["/old"] == [{"Type": "redirect", "RedirectConfig": {
        "Host": "new.example.com", "StatusCode": "HTTP_301"}}]
    assert rules["/shop"] == [{"Type": "fixed-response", "FixedResponseConfig": {
        "ContentType": "text/plain", "MessageBody": "back soon", "StatusCode": "503"}}]
    assert "/w" not in rules
    weighted = fate(result, "Ingress", "main", "/spec/rules/0/http/paths/2/backend")
    assert weighted["status"] == "unsupported" and "weighted forwards" in weighted["note"]


def test_conditions_annotation_adds_header_and_query_conditions() -> None:
    result = translate_yaml(docs(UI, service("ui", 80, 3000), ingress("""
alb.ingress.kubernetes.io/conditions.ui: >-
  [{"field": "http-header", "httpHeaderConfig": {"httpHeaderName": "X-Canary",
  "values": ["yes"]}}, {"field": "query-string", "queryStringConfig": {"values":
  [{"key": "beta", "value": "1"}]}}]
""", "rules:\n  - http:\n      paths:\n" + path("/", "ui", 80))))
    [conditions] = [r["Conditions"] for r in listener_rules(result).values()]
    assert conditions[1:] == [
        {"Field": "http-header", "HttpHeaderConfig": {"HttpHeaderName": "X-Canary",
                                                      "Values": ["yes"]}},
        {"Field": "query-string", "QueryStringConfig": {"Values": [{"Key": "beta",
                                                                    "Value": "1"}]}}]
    annotation = "/metadata/annotations/alb.ingress.kubernetes.io~1conditions.ui"
    assert fate(result, "Ingress", "main", annotation)["status"] == "mapped"


def test_a_malformed_conditions_annotation_is_reported_and_the_rule_kept() -> None:
    result = translate_yaml(docs(UI, service("ui", 80, 3000), ingress(
        "alb.ingress.kubernetes.io/conditions.ui: '[{\"field\": \"cookie\"}]'",
        "rules:\n  - http:\n      paths:\n" + path("/", "ui", 80))))
    assert [len(r["Conditions"]) for r in listener_rules(result).values()] == [1]
    annotation = "/metadata/annotations/alb.ingress.kubernetes.io~1conditions.ui"
    assert fate(result, "Ingress", "main", annotation)["status"] == "unsupported"


NGINX_TLS = ("ingressClassName: nginx\ntls:\n  - hosts: [shop.example.com]\n    secretName: "
             "shop-tls\nrules:\n  - host: shop.example.com\n    http:\n      paths:\n"
             + path("/", "ui", 3000))


def test_an_nginx_ingress_with_tls_gets_https_with_a_required_certificate_and_a_redirect(
) -> None:
    """ingress-nginx served the TLS hosts on 443 (cert-manager's secret) and redirected HTTP
    there: the ALB does the same with an ACM certificate the operator must name."""
    result = translate_yaml(docs(UI, service("ui", 3000, 3000), ingress(
        "cert-manager.io/cluster-issuer: letsencrypt", NGINX_TLS)))
    lb = stack_for(result, "load-balancer")
    assert lb.parameters["CertificateArn"].default is None  # required
    https = lb.resources["ListenerHttps443"].properties
    assert (https["Protocol"], https["Certificates"]) == (
        "HTTPS", [{"CertificateArn": Ref("CertificateArn")}])
    http = lb.resources["ListenerHttp80"]
    assert http.properties["DefaultActions"] == [{"Type": "redirect", "RedirectConfig": {
        "Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}}]
    assert http.metadata is None  # no checkov skip: nothing is served over plain HTTP
    rules = [r["ListenerArn"] for r in listener_rules(result).values()]
    assert rules == [listener_import("ListenerHttps443")]
    tls = fate(result, "Ingress", "main", "/spec/tls")
    assert (tls["status"], tls["to"]) == ("mapped", "load-balancer.yaml#/Parameters/CertificateArn")
    assert "shop.example.com" in tls["note"] and "HTTP redirects to HTTPS" in tls["note"]


def test_a_group_that_also_serves_plain_http_keeps_http_forwarding_with_a_true_reason() -> None:
    result = translate_yaml(docs(UI, service("ui", 3000, 3000), ingress("", NGINX_TLS),
                                 API, service("api", 80, "http"), ingress(
        "kubernetes.io/ingress.class: nginx",
        "rules:\n  - host: api.example.com\n    http:\n      paths:\n" + path("/", "api", 80),
        name="plain")))
    lb = stack_for(result, "load-balancer")
    http = lb.resources["ListenerHttp80"]
    assert http.properties["DefaultActions"][0]["Type"] == "fixed-response"  # no redirect
    [skip, _] = http.metadata["checkov"]["skip"]
    assert "names no certificate" not in skip["comment"]
    assert skip["comment"].startswith("plain HTTP on port 80, as on EKS: it serves routes of "
                                      "Ingresses without TLS")
    assert "ListenerHttps443" in lb.resources
